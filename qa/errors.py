"""The one error type a user sees: it names the file and line, and the CLI exits 2."""

from __future__ import annotations


class QaInputError(Exception):
    """Bad input or settings; rendered as one `file:line: message` line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"

    def __reduce__(self):
        # Pickled by process pools and Dask: rebuild from the three fields, not from args.
        return (type(self), (self.path, self.message, self.line))


class ModelLoadError(Exception):
    """The multilingual encoder could not be loaded; drift cannot be scored."""
