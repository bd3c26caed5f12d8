"""bytes -> text: decoding and newline normalisation, with a clear error instead of a guess."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

from qa.errors import QaInputError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_text(path: Path) -> str:
    """Read a text file as UTF-8 (or UTF-16/UTF-8 with a BOM), newlines normalised to LF."""
    if path.is_dir():
        raise QaInputError(str(path), "is a directory, expected a file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise QaInputError(str(path), "no such file") from None
    except OSError as error:
        raise QaInputError(str(path), f"cannot read: {error.strerror or error}") from None
    return decode(data, str(path))


def decode(data: bytes, name: str) -> str:
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise QaInputError(name, "contains NUL bytes: binary data, not a text file", line)
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise QaInputError(
            name,
            f"not valid {encoding or 'UTF-8'} (byte {error.start}); convert it to UTF-8 first",
            line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_atomic(path: Path, data: str) -> None:
    """Write via a temporary file and rename, so an interrupted run leaves the old file intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
