"""bytes -> text: decoding and newline normalisation, with a clear error instead of a guess."""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from qa.errors import QaInputError

MAX_INPUT_BYTES = 10 * 1024 * 1024
"""A newsletter issue is tens of kilobytes; a file over 10 MiB is a mistake (a dump, a
binary), and checking it would take minutes and gigabytes before saying anything useful."""

# Share of Han characters among the non-ASCII characters of a text that did not decode as
# UTF-8 but did as GB18030: Chinese written in GBK/GB18030 is nearly all Han; Latin-1 or
# random bytes read as GB18030 are not.
GB18030_MIN_HAN_SHARE = 0.7

# Non-blocking, so that opening a FIFO swapped in after the stat returns at once instead of
# waiting for a writer (on a regular file the flag does nothing); no controlling terminal
# from a tty; binary on Windows. getattr: not every platform has every flag.
_OPEN_FLAGS = os.O_RDONLY
for _flag in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
    _OPEN_FLAGS |= getattr(os, _flag, 0)

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
    """A file's bytes, or a one-line QaInputError naming it: the one reader every input uses.

    Only a regular file (after symlinks) is read: a FIFO would block for ever waiting for a
    writer, and /dev/zero never ends, while both report a size of 0. The size is checked
    before reading, and the read itself stops after `max_bytes + 1` bytes (MAX_INPUT_BYTES
    when not given), so a file that grows while it is read cannot take the memory either.
    """
    limit = MAX_INPUT_BYTES if max_bytes is None else max_bytes
    try:
        # stat first: refuse a device or FIFO without even opening it (opening some devices
        # has effects); then fstat what was opened, in case the path changed in between.
        _check_kind(path, path.stat().st_mode, expected)
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise QaInputError(str(path), missing) from None
    except OSError as error:
        raise QaInputError(str(path), f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        _check_kind(path, info.st_mode, expected)
        _check_size(path, info.st_size, limit)
        data = _read_at_most(fd, limit + 1)
    except OSError as error:
        raise QaInputError(str(path), f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    _check_size(path, len(data), limit, grew=True)
    return data


def _check_kind(path: Path, mode: int, expected: str) -> None:
    if stat.S_ISDIR(mode):
        raise QaInputError(str(path), f"is a directory, expected {expected}")
    if not stat.S_ISREG(mode):
        raise QaInputError(str(path), f"is {_kind(mode)}, not a regular file; expected {expected}")


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"))
    kinds += ((stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def _check_size(path: Path, size: int, limit: int, *, grew: bool = False) -> None:
    """Refuse a file over `limit`; `grew`: only known to be over it, by reading (it grew after
    the fstat, or its size is not what fstat says, as for files in /proc)."""
    if size > limit:
        shown = f"over {limit:,} bytes" if grew else f"{size / 1024 / 1024:.1f} MiB"
        raise QaInputError(str(path), f"is {shown}; qa checks files up to {limit // 1024 // 1024} MiB")


def _read_at_most(fd: int, count: int) -> bytes:
    """Up to `count` bytes from `fd`, fewer only at end of file."""
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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
