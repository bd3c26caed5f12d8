"""bytes -> text: decoding and newline normalisation, with a clear error instead of a guess."""

from __future__ import annotations

import codecs
from pathlib import Path

from qa.errors import QaInputError

MAX_INPUT_BYTES = 10 * 1024 * 1024
"""A newsletter issue is tens of kilobytes; a file over 10 MiB is a mistake (a dump, a
binary), and checking it would take minutes and gigabytes before saying anything useful."""

# Share of Han characters among the non-ASCII characters of a text that did not decode as
# UTF-8 but did as GB18030: Chinese written in GBK/GB18030 is nearly all Han; Latin-1 or
# random bytes read as GB18030 are not.
GB18030_MIN_HAN_SHARE = 0.7

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def read_text(path: Path) -> str:
    """Read a text file as UTF-8 (or UTF-16/UTF-8 with a BOM), newlines normalised to LF."""
    return decode(read_bytes(path, max_bytes=MAX_INPUT_BYTES), str(path))


def read_bytes(
    path: Path, *, expected: str = "a file", missing: str = "no such file", max_bytes: int | None = None
) -> bytes:
    """A file's bytes, or a one-line QaInputError naming it: the one reader every input uses."""
    if path.is_dir():
        raise QaInputError(str(path), f"is a directory, expected {expected}")
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            limit = max_bytes // 1024 // 1024
            raise QaInputError(str(path), f"is {size / 1024 / 1024:.1f} MiB; qa checks files up to {limit} MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise QaInputError(str(path), missing) from None
    except OSError as error:
        raise QaInputError(str(path), f"cannot read: {error.strerror or error}") from None


def decode(data: bytes, name: str) -> str:
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise QaInputError(name, "contains NUL bytes: binary data, not a text file", line)
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as error:
        text = _decode_gb18030(data) if encoding is None else None
        if text is None:
            line = data[: error.start].count(b"\n") + 1
            raise QaInputError(
                name,
                f"not valid {encoding or 'UTF-8'} (byte {error.start}); convert it to UTF-8 first",
                line,
            ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_gb18030(data: bytes) -> str | None:
    """Chinese saved as GBK/GB18030 (Windows tools still do): accept it only when strict
    decoding succeeds and the result reads as Chinese, so nothing is silently garbled."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    non_ascii = [ch for ch in text if not ch.isascii()]
    han = sum(1 for ch in non_ascii if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    return text if non_ascii and han / len(non_ascii) >= GB18030_MIN_HAN_SHARE else None


def write_atomic(path: Path, data: str) -> None:
    """Write UTF-8 text via a temporary file and a rename (qa/atomic.py): an interrupted run
    leaves the previous file intact, and a new file gets the usual permissions. A symlink is
    written through, and temporary files a killed run left in the folder are cleaned up."""
    from qa.atomic import replace_file

    replace_file(path, data.encode("utf-8"))
