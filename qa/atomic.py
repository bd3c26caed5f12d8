"""Replace a user's file without ever leaving it half-written or losing its permissions.

qa/io.py `write_atomic` writes reports (new files, text, mode 0600 from mkstemp is fine
there). Glossary edits and `qa fix --in-place` rewrite files the user owns: they need the
exact bytes (a BOM, CRLF line endings kept), the file's mode kept, and the data on disk
before the rename, so a crash leaves either the old file or the new one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, fsync it, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        # A new file gets the mode open() would give it under the current umask.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
