"""Replace a user's file without ever leaving it half-written or losing its permissions.

qa/read/io.py `write_atomic` writes reports (new files, text, mode 0600 from mkstemp is fine
there). Glossary edits and `qa fix --in-place` rewrite files the user owns: they need the
exact bytes (a BOM, CRLF line endings kept), the file's mode kept, and the data on disk
before the rename, so a crash leaves either the old file or the new one.

A path that is a symlink names the file it points to: the write goes to the end of the link
chain (the temporary file and the rename in the target's folder, so the rename stays atomic
and the link stays a link). A process killed between creating its temporary file and the
rename (SIGKILL, power loss) leaves `.NAME.qaPID-XXXXXXXX.tmp`; the next write into that
folder removes such files once they are certainly abandoned (see `sweep_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".tmp"
_TEMP_MARK = "qa"
# `.NAME.qa1234-abcd_123.tmp`: the writer's pid, then mkstemp's 8 random characters. The
# mark and the pid make the name ours; nothing else in a folder is ever removed.
_TEMP_NAME = re.compile(r"\..+\.qa(\d{1,10})-[a-z0-9_]{8}\.tmp")

DEAD_WRITER_GRACE_SECONDS = 60.0
"""A temporary file whose writer's pid is not running here is removed after this long. A
write takes milliseconds (one write, fsync, rename); the grace covers a writer on another
host or in another pid namespace that shares the folder, whose pid means nothing here."""
ABANDONED_SECONDS = 3600.0
"""Removed whatever its pid: an hour-old temporary file is no write in progress, even when
its pid now belongs to an unrelated live process."""

_swept: set[Path] = set()
"""Folders already swept by this process: a run writing a thousand reports lists the
folder once, not a thousand times."""


def real_path(path: Path) -> Path:
    """The file a write to `path` changes: every symlink in the chain followed (a link whose
    target does not exist yet names that target). A link loop is an OSError (ELOOP)."""
    resolved = Path(os.path.realpath(path))
    if resolved.is_symlink():  # realpath stops at the link where a loop closes
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    return resolved


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside the real file of `path`, fsync it, then rename
    it over that file (a symlink at `path` is kept and now shows the new content)."""
    target = real_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_once(target.parent)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        # A new file gets the mode open() would give it under the current umask.
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    prefix = f".{target.name}.{_TEMP_MARK}{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def edit_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of `path` (blocking until it is free).

    The lock is `.NAME.lock` beside the real file, not the file itself: replace_file renames
    a new inode over the file, so a lock on the old inode would not stop the next editor.
    The lock file is removed while still locked, so none is left in the user's folder; a
    waiter that then wins the lock on the removed inode sees the name is gone and retries.
    A crash leaves the file behind, harmlessly: flock locks end with their process.
    """
    import fcntl  # POSIX only; qa runs on Linux and macOS

    target = real_path(path)
    lock = target.with_name(f".{target.name}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)  # as replace_file would for a new file
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except PermissionError:
            # Another user's lock file that we may only read: flock needs no write access.
            fd = os.open(lock, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = os.stat(lock)
        except FileNotFoundError:
            current = None
        except BaseException:  # Ctrl-C while waiting for the lock
            os.close(fd)
            raise
        if current is not None and os.path.samestat(os.fstat(fd), current):
            break
        os.close(fd)  # the holder before us removed this lock file: take the new one
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # if left behind, the next editor locks and removes it
            lock.unlink()
        os.close(fd)  # closing releases the lock


def sweep_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove our own abandoned temporary files in `folder`; return what was removed.

    Only regular files named like ours, and only when no write can still be using them:
    the pid in the name is not running on this host and the file is over a minute old, or
    the file is over an hour old. A concurrent run's file in flight is never touched (its
    pid is alive, and it is seconds old). Errors are ignored: cleaning up must never make
    a write fail.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMP_NAME.fullmatch(name)
        if match is None:
            continue
        path = folder / name
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            age = now - info.st_mtime
            dead = age > DEAD_WRITER_GRACE_SECONDS and not _running(int(match.group(1)))
            if dead or age > ABANDONED_SECONDS:
                path.unlink()
                removed.append(path)
        except OSError:
            continue  # gone already (another run swept it), or not ours to remove
    return removed


def _sweep_once(folder: Path) -> None:
    if folder not in _swept:
        _swept.add(folder)
        sweep_stale_temporaries(folder)


def _running(pid: int) -> bool:
    """Whether `pid` is a live process here; when unsure, yes (the file is then kept)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, owned by another user
        return True
    except OverflowError:  # not a pid this system can have
        return False
    return True
