"""Cache files of ours in the system's temporary folder.

That folder is shared by every user of the machine, so a cache file there is named with the
user's id and read only when this user owns it and nobody else may write it: a file someone
else put under the expected name is never trusted (it could hide findings)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def temp_cache_path(name: str, folder: Path | None = None) -> Path:
    """`qa-{name}` with this user's id in `folder` (the system's temporary folder by default)."""
    stem, dot, suffix = name.partition(".")
    return Path(folder or tempfile.gettempdir()) / f"qa-{stem}-{os.getuid()}{dot}{suffix}"


def is_private(path: Path) -> bool:
    """Whether `path` is this user's and writable by nobody else (raises OSError if absent)."""
    status = path.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022
