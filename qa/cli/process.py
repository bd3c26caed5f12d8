"""Where a `qa` command meets its process: standard streams, signals, and the one place an
error that stops a run becomes `qa: error: …` and exit 2.

A CI step runs `qa` with its streams in states a terminal never has, and each used to end in
a traceback and exit 1 (which means "findings"), or in a silent exit 1 with nothing written:

- a stream closed at start (`>&-`, `2>&-`): Python sets `sys.stdout` (or `sys.stderr`) to
  None, and the next file qa opens takes that descriptor, so a library writing to fd 2 would
  write into a report. Like git, each closed descriptor gets /dev/null first. stdout carries
  the results (findings, a report, a diff), so a closed stdout stops the run before it starts;
  stderr carries only diagnostics, so a closed stderr is /dev/null and the run goes on (an
  error then exits 2 silently: there is nowhere to say it).
- a broken pipe (`qa check DIR | head -n1`): the reader is gone, but the reports, the index and
  the exit code are still the run's. Like git and ruff, output to the pipe stops quietly and
  the run finishes: the stream writes to /dev/null from the first EPIPE on.
- a stdout that is not UTF-8 (`PYTHONIOENCODING=latin-1`, a C locale on an old runner): text
  for people is written with backslash escapes for what the encoding lacks (as Python's own
  stderr is); machine formats on such a stream are made pure ASCII in their own escapes
  (`print_document`), so a JSON report stays valid JSON.
- a non-blocking stdout (some CI runners hand one over): a full pipe is waited on, not an
  error.
- SIGTERM (a CI timeout, `kill`): raises `Terminated` in the main thread, so a process pool is
  shut down (qa/executors.py), a report being written is removed rather than left half-way
  (qa/atomic.py cleans up on any exception), and the run exits 2 with one line. A second
  SIGTERM ends the process at once.

Any other OSError or UnicodeError that reaches the command's top (a file qa could not write,
a stream that failed) is one line and exit 2 (`guarded`).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn, TypeVar

import typer

from qa.errors import QaInputError

T = TypeVar("T")

EXIT_ERROR = 2
OUTPUT_ERRORS = "qa.output"
"""The error handler of qa's standard streams: bytes a file name could not decode are written
back as they were (surrogateescape, as `ls` prints them), anything else the encoding lacks as a
backslash escape (as Python's stderr does) instead of stopping the run."""


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, as KeyboardInterrupt is: no `except Exception` on the
    way up may swallow it, and cleanup that runs on any exception (temporary files, the
    pool) still runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    def __str__(self) -> str:
        return f"stopped by {signal.Signals(self.signum).name} before the run finished"


def _output_errors(error: UnicodeError) -> tuple[str | bytes, int]:
    if isinstance(error, UnicodeEncodeError):
        with contextlib.suppress(UnicodeError):
            return codecs.lookup_error("surrogateescape")(error)
    return codecs.lookup_error("backslashreplace")(error)


codecs.register_error(OUTPUT_ERRORS, _output_errors)


class _StandardFile(io.RawIOBase):
    """The raw layer under qa's stdout or stderr: writes to the descriptor, waits when a
    non-blocking one is full, and after a broken pipe discards everything (the descriptor is
    pointed at /dev/null, so nothing else writing to it fails either). Any other failure is
    an OSError naming the stream."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__()
        self._fd = fd
        self.stream_name = name
        self.broken = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return not self.broken and os.isatty(self._fd)

    def write(self, data) -> int:  # type: ignore[override]
        size = memoryview(data).nbytes
        while not self.broken:
            try:
                return os.write(self._fd, data)
            except BlockingIOError:
                select.select([], [self._fd], [])
            except BrokenPipeError:
                _point_at_devnull(self._fd)
                self.broken = True
            except OSError as error:
                raise OSError(error.errno, error.strerror, self.stream_name) from None
        return size


def _point_at_devnull(fd: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    if devnull != fd:
        os.dup2(devnull, fd)
        os.close(devnull)


class StandardStreams:
    """What `standard_streams()` found: which of stdin, stdout, stderr were closed at start."""

    def __init__(self) -> None:
        self.closed: set[int] = set()

    @property
    def stdout_closed(self) -> bool:
        return 1 in self.closed


@contextlib.contextmanager
def standard_streams() -> Iterator[StandardStreams]:
    """For the length of a command: closed descriptors 0-2 on /dev/null, sys.stdout and
    sys.stderr on pipe-safe writers with `OUTPUT_ERRORS`, SIGTERM raising `Terminated`.
    Streams someone already replaced (a test's CliRunner, redirect_stdout) are left alone."""
    found = StandardStreams()
    found.closed = _open_closed_descriptors()
    saved = (sys.stdout, sys.stderr)
    try:
        for fd, name in ((1, "stdout"), (2, "stderr")):
            stream = getattr(sys, name)
            if fd in found.closed or stream is getattr(sys, f"__{name}__"):
                setattr(sys, name, _pipe_safe(stream, fd, name))
        with _sigterm_raises():
            yield found
    finally:
        for stream, before in zip((sys.stdout, sys.stderr), saved, strict=True):
            if stream is not before:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
        sys.stdout, sys.stderr = saved


def _open_closed_descriptors() -> set[int]:
    """Put /dev/null on each of fds 0-2 that is closed, so no file qa opens later takes its
    number; return the ones that were closed."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            _point_at_devnull(fd)
    return closed


def _pipe_safe(stream, fd: int, name: str) -> io.TextIOWrapper:
    """A text stream like `stream` (encoding, buffering; UTF-8 and line-buffered when there was
    none) on a `_StandardFile` for `fd`, writing with `OUTPUT_ERRORS`."""
    if stream is not None:
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return io.TextIOWrapper(
        io.BufferedWriter(_StandardFile(fd, name)),
        encoding=getattr(stream, "encoding", None) or "utf-8",
        errors=OUTPUT_ERRORS,
        line_buffering=getattr(stream, "line_buffering", True),
        write_through=getattr(stream, "write_through", False),
    )


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (a command run from a test's thread)
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: object) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated(signum)


def guarded(command: Callable[[], T]) -> T:
    """Run a command; whatever stops it short (an input error, an OSError writing a file or a
    stream, a character a stream cannot encode, SIGTERM) is one `qa: error:` line and exit 2.
    The standard streams are flushed before the command counts as done: a failed write of
    its last output is its failure too."""
    try:
        try:
            return command()
        finally:
            flush_standard_streams()
    except (Terminated, QaInputError) as error:
        message = str(error)
    except OSError as error:
        message = describe_os_error(error)
    except UnicodeError as error:
        message = f"cannot write: {error}"
    fail(message)


def flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()


def describe_os_error(error: OSError, doing: str = "cannot write") -> str:
    where = error.filename if error.filename is not None else "qa"
    return f"{where}: {doing}: {error.strerror or error}"


def fail(message: str) -> NoReturn:
    """`qa: error: message` on stderr, exit 2."""
    error_line(message)
    raise typer.Exit(EXIT_ERROR)


def error_line(message: str) -> None:
    """`qa: error: message` on stderr; nothing when stderr itself cannot be written (the exit
    code still says it)."""
    with contextlib.suppress(OSError, ValueError):
        typer.echo(f"qa: error: {message}", err=True)


STDOUT_CLOSED = "stdout is closed (>&-): qa writes its results there; send it to a file or /dev/null instead"


# -- documents on stdout ------------------------------------------------------------------


def print_document(text: str, kind: str) -> None:
    """A report (or `qa align --format json`) on stdout. On a stream that is not UTF-8, a
    machine format is written in pure ASCII using its own escapes, so it stays the same
    document: JSON (`kind="json"`) as `\\uXXXX`, HTML and XML (`"markup"`) as character
    references (the page declares UTF-8, which any ASCII text is). Text for people
    (`"text"`: Markdown, GitHub annotations) goes through the stream's escapes."""
    if not _is_utf8(getattr(sys.stdout, "encoding", None)):
        if kind == "json":
            text = ascii_json(text)
        elif kind == "markup":
            text = text.encode("ascii", "xmlcharrefreplace").decode("ascii")
    sys.stdout.write(text)
    sys.stdout.flush()


def ascii_json(text: str) -> str:
    """JSON text with every non-ASCII character as its JSON escape (what `ensure_ascii` writes;
    outside strings, JSON has no non-ASCII characters to escape)."""
    import json
    import re

    return re.sub(r"[^\x00-\x7f]", lambda match: json.dumps(match.group())[1:-1], text)


def _is_utf8(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name in ("utf-8", "utf-8-sig")
    except LookupError:
        return False


# -- destinations ---------------------------------------------------------------------------


def check_destination(path: Path, what: str) -> None:
    """Refuse, before any work, a file qa could not write: a folder in its place, a file where
    a folder above it should be, a read-only file system or folder. A symlink is judged by the
    file it points to, where an edit writes. What only the write can tell (a full disk) is
    still caught there."""
    if path.is_dir():
        raise QaInputError(str(path), f"is a folder; {what} needs a file name")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise QaInputError(str(folder), f"is not a folder, so {what} cannot be written at {path}")
    real = Path(os.path.realpath(path))
    written_in = real.parent if real.exists() else folder
    if _read_only_file_system(written_in) or (real.exists() and _read_only_file_system(real)):
        raise QaInputError(str(path), f"is on a read-only file system: {what} cannot be written there")
    if not os.access(written_in, os.W_OK | os.X_OK):
        raise QaInputError(str(path), f"cannot write {what} there: the folder {written_in} is not writable")


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): the write will tell
        return False
