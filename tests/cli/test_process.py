"""The CLI in the process states CI gives it: closed, broken, non-UTF-8 and non-blocking
standard streams. Each case runs `python -m qa` in a subprocess with real descriptors."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qa.cli.process import ascii_json, check_destination
from qa.errors import QaInputError
from tests.conftest import EXAMPLES

QA = [sys.executable, "-m", "qa"]
REPO = Path(__file__).resolve().parents[2]
# The package from this checkout, wherever a test runs it.
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


def _folder(tmp_path: Path, count: int = 3) -> Path:
    """`count` copies of the example pair in tmp_path/d, run from tmp_path."""
    folder = tmp_path / "d"
    folder.mkdir()
    for i in range(count):
        shutil.copy(EXAMPLES / "issue13.zh.md", folder / f"a{i}.zh.md")
        shutil.copy(EXAMPLES / "issue13.en.md", folder / f"a{i}.en.md")
    return folder


def _run(args: list[str], cwd: Path, *, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*QA, *args], cwd=cwd, env={**ENV, **(env or {})}, capture_output=True, timeout=300, check=False, **kwargs
    )


def _one_error_line(stderr: bytes, starts: str) -> None:
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if line.startswith("qa: error:")]
    assert len(errors) == 1 and errors[0].startswith(f"qa: error: {starts}"), text


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# -- a broken pipe ------------------------------------------------------------------------


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("error", 1)])
def test_a_broken_pipe_still_writes_every_report_and_the_index_and_exits_with_the_usual_code(tmp_path, fail_on, code):
    _folder(tmp_path)
    # The reader is gone before qa writes a byte: every write to stdout is EPIPE, as when
    # `| head -n1` has read its line.
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run(
            [*QA, "check", "d", "--no-drift", "--fail-on", fail_on],
            cwd=tmp_path,
            env=ENV,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write)
    assert done.returncode == code, done.stderr.decode()
    assert done.stderr.decode().count("\n") == 3, done.stderr.decode()  # the progress lines, nothing else
    assert _files(tmp_path / "reports") == ["d/a0.review.md", "d/a1.review.md", "d/a2.review.md", "index.md"]


def test_a_reader_that_stops_after_one_line_gets_it_and_the_run_finishes(tmp_path):
    _folder(tmp_path)
    run = subprocess.Popen(
        [*QA, "check", "d", "--no-drift", "--output-format", "full"],
        cwd=tmp_path,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = run.stdout.readline()
    run.stdout.close()
    stderr = run.stderr.read()
    assert run.wait(timeout=300) == 1
    assert first.startswith(b"d/a0.zh.md:")
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr
    assert (tmp_path / "reports" / "index.md").is_file()


# -- closed streams -------------------------------------------------------------------------


def test_a_closed_stdout_is_exit_2_with_one_line_before_anything_is_written(tmp_path):
    _folder(tmp_path)
    done = _run(["check", "d", "--no-drift"], tmp_path, stdout=None, preexec_fn=functools.partial(os.close, 1))
    assert done.returncode == 2
    _one_error_line(done.stderr, "stdout is closed")
    assert not (tmp_path / "reports").exists()


def test_a_closed_stderr_loses_only_the_diagnostics(tmp_path):
    _folder(tmp_path)
    done = _run(["check", "d", "--no-drift"], tmp_path, stderr=None, preexec_fn=functools.partial(os.close, 2))
    assert done.returncode == 1
    assert done.stdout.decode().splitlines()[-1] == "index: reports/index.md"
    assert len(_files(tmp_path / "reports")) == 4
    for report in (tmp_path / "reports" / "d").iterdir():
        # No descriptor of a closed stream was handed to a report (nothing else writes into one).
        assert report.read_text(encoding="utf-8").startswith("# ")


def test_an_error_with_stderr_closed_is_exit_2_without_a_word(tmp_path):
    _folder(tmp_path)
    args = ["check", "d", "--no-drift", "--write-baseline", "d"]  # a folder: the baseline cannot be written
    done = _run(args, tmp_path, stderr=None, preexec_fn=functools.partial(os.close, 2))
    assert (done.returncode, done.stdout) == (2, b"")


# -- stdout that is not UTF-8 ---------------------------------------------------------------


def _latin1(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return _run(args, cwd, env={"PYTHONIOENCODING": "latin-1"})


def test_a_json_report_on_a_latin1_stdout_is_the_same_json_in_ascii(tmp_path):
    _folder(tmp_path, 1)
    args = ["check", "d/a0.zh.md", "--no-drift", "--format", "json", "--output", "-"]
    latin1, utf8 = _latin1(args, tmp_path), _run(args, tmp_path)
    assert latin1.returncode == utf8.returncode == 1, latin1.stderr.decode()
    assert latin1.stdout.isascii()
    assert json.loads(latin1.stdout) == json.loads(utf8.stdout.decode("utf-8"))


@pytest.mark.parametrize("fmt", ["sarif", "html", "junit"])
def test_machine_formats_on_a_latin1_stdout_are_ascii_and_mean_the_same(tmp_path, fmt):
    _folder(tmp_path, 1)
    args = ["check", "d/a0.zh.md", "--no-drift", "--format", fmt, "--output", "-"]
    latin1, utf8 = _latin1(args, tmp_path), _run(args, tmp_path)
    assert latin1.returncode == 1 and latin1.stdout.isascii(), latin1.stderr.decode()
    if fmt == "sarif":
        assert json.loads(latin1.stdout) == json.loads(utf8.stdout)
    else:
        import html

        assert html.unescape(latin1.stdout.decode("ascii")) == html.unescape(utf8.stdout.decode("utf-8"))


def test_github_annotations_on_a_latin1_stdout_are_escaped_not_a_crash(tmp_path):
    _folder(tmp_path, 1)
    done = _latin1(["check", "d/a0.zh.md", "--no-drift", "--format", "github"], tmp_path)
    assert done.returncode == 1, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert "'Pytorch \\u95ea\\u7535' is a wrong rendering" in done.stdout.decode("latin-1")


def test_fix_on_a_latin1_stdout_fixes_the_file_and_prints_the_diff(tmp_path):
    _folder(tmp_path, 1)
    target = tmp_path / "d" / "a0.zh.md"
    done = _latin1(["fix", "d/a0.zh.md", "--in-place"], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert "Pytorch 闪电" not in target.read_text(encoding="utf-8")
    assert "+*   [\\u4e00" in done.stdout.decode("latin-1")


def test_align_on_a_latin1_stdout_prints_the_table_and_valid_json(tmp_path):
    # Chinese file names: the pairs' JSON holds no text of its own, but the paths.
    shutil.copy(EXAMPLES / "issue13.en.md", tmp_path / "文章.en.md")
    shutil.copy(EXAMPLES / "issue13.zh.md", tmp_path / "文章.zh.md")
    table = _latin1(["align", "文章.en.md", "文章.zh.md", "--no-drift"], tmp_path)
    assert table.returncode == 0 and b"Traceback" not in table.stderr, table.stderr.decode()
    assert "\\u6587\\u7ae0.en.md" in table.stdout.decode("latin-1")
    args = ["align", "文章.en.md", "文章.zh.md", "--no-drift", "--format", "json"]
    pairs = _latin1(args, tmp_path)
    assert pairs.returncode == 0 and pairs.stdout.isascii()
    assert json.loads(pairs.stdout) == json.loads(_run(args, tmp_path).stdout)
    assert json.loads(pairs.stdout)["target"] == "文章.zh.md"


def test_ascii_json_escapes_as_json_does():
    data = {"zh": "变压器", "é": "café", "emoji": "😀 \U00020000", "quote": '"\\'}
    text = json.dumps(data, ensure_ascii=False, indent=2)
    assert ascii_json(text) == json.dumps(data, ensure_ascii=True, indent=2)


# -- a non-blocking stdout ----------------------------------------------------------------


def test_a_non_blocking_stdout_that_fills_up_is_waited_on(tmp_path):
    for language in ("en", "zh"):  # three times the example: a page of over 64 KiB
        text = (EXAMPLES / f"issue13.{language}.md").read_text(encoding="utf-8")
        (tmp_path / "d").mkdir(exist_ok=True)
        (tmp_path / "d" / f"a0.{language}.md").write_text("\n\n".join([text] * 3), encoding="utf-8")
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETFL, fcntl.fcntl(write, fcntl.F_GETFL) | os.O_NONBLOCK)
    chunks: list[bytes] = []

    def slow_reader() -> None:
        time.sleep(2)  # the pipe (64 KiB) fills long before: qa's writes would fail with EAGAIN
        while chunk := os.read(read, 65536):
            chunks.append(chunk)

    reader = threading.Thread(target=slow_reader)
    reader.start()
    try:
        done = subprocess.run(
            [*QA, "check", "d/a0.zh.md", "--no-drift", "--format", "html", "--output", "-"],
            cwd=tmp_path,
            env=ENV,
            stdout=write,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write)
        reader.join(timeout=60)
        os.close(read)
    assert done.returncode == 1, done.stderr.decode()
    page = b"".join(chunks)
    assert len(page) > 65536 and page.rstrip().endswith(b"</html>")


# -- destinations -------------------------------------------------------------------------


def test_a_destination_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(QaInputError, match="is a folder; the report needs a file name"):
        check_destination(tmp_path / "folder", "the report")
    with pytest.raises(QaInputError, match="is not a folder, so the report cannot be written at"):
        check_destination(tmp_path / "file" / "deeper" / "r.md", "the report")
    check_destination(tmp_path / "new" / "deeper" / "r.md", "the report")  # folders are made


def _can_mount_privately() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return probe.returncode == 0


needs_private_mounts = pytest.mark.skipif(
    not _can_mount_privately(), reason="needs `unshare -m` (a private mount namespace) for a read-only bind mount"
)


def read_only(folder: Path, command: list[str]) -> list[str]:
    """`command` in a private mount namespace where `folder` is a read-only bind of itself: a
    read-only file system even for root, whom chmod does not stop; nothing outside sees it."""
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *command]


@needs_private_mounts
def test_a_read_only_file_system_is_found_before_the_run(tmp_path):
    _folder(tmp_path, 2)
    (tmp_path / "reports").mkdir()
    done = subprocess.run(
        read_only(tmp_path / "reports", [*QA, "check", "d", "--no-drift"]),
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    _one_error_line(done.stderr, "reports/d/a0.review.md: is on a read-only file system")
    assert b"checked" not in done.stderr  # refused before any file was checked
