import codecs
import os
import resource
import stat
import subprocess
import sys

import pytest

from qa.errors import QaInputError
from qa.read.io import decode, read_bytes, read_text, write_atomic


def test_decodes_utf8_and_normalises_newlines():
    assert decode("第一行\r\n第二行\r第三行\n".encode(), "x.md") == "第一行\n第二行\n第三行\n"


def test_decodes_bom_forms():
    assert decode(codecs.BOM_UTF8 + "变压器".encode(), "x.md") == "变压器"
    assert decode("自注意力\n".encode("utf-16"), "x.md") == "自注意力\n"


def test_gb18030_chinese_is_decoded_exactly():
    text = "# 论文\n\n基于 Transformer 的模型，准确率 84.1%。\n"
    assert decode(text.encode("gb18030"), "x.zh.md") == text
    assert decode(text.encode("gbk"), "x.zh.md") == text


def test_invalid_utf8_names_the_line():
    data = b"ok\nok\n" + "caf\u00e9 na\u00efve".encode("latin-1")
    with pytest.raises(QaInputError) as raised:
        decode(data, "bad.zh.md")
    assert str(raised.value).startswith("bad.zh.md:3: not valid UTF-8")


def test_binary_is_refused_with_line():
    with pytest.raises(QaInputError, match="NUL bytes"):
        decode(b"line\n\x00\x01", "x.bin")


def test_oversized_file_is_refused_before_reading(tmp_path, monkeypatch):
    import qa.read.io

    path = tmp_path / "big.zh.md"
    path.write_bytes(b"x" * 2048)
    monkeypatch.setattr(qa.read.io, "MAX_INPUT_BYTES", 1024)
    with pytest.raises(QaInputError, match="qa checks files up to"):
        read_text(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(QaInputError, match="no such file"):
        read_text(tmp_path / "absent.md")
    with pytest.raises(QaInputError, match="is a directory"):
        read_text(tmp_path)


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out" / "r.md"
    write_atomic(target, "old")
    write_atomic(target, "新")
    assert target.read_text(encoding="utf-8") == "新"
    assert [p.name for p in target.parent.iterdir()] == ["r.md"]


def test_new_report_gets_umask_permissions_not_0600(tmp_path):
    import os
    import stat

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "r.md", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "r.md").stat().st_mode) == 0o644


def test_interrupted_write_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    import qa.atomic

    target = tmp_path / "r.md"
    write_atomic(target, "previous report")

    def crash(*args):
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the new report was written

    monkeypatch.setattr(qa.atomic.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new report, half written")
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_input_error_survives_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(QaInputError("a.zh.md", "not valid UTF-8", 3)))
    assert str(error) == "a.zh.md:3: not valid UTF-8" and error.line == 3


def test_a_report_path_that_is_a_link_is_written_through(tmp_path):
    (tmp_path / "published").mkdir()
    (tmp_path / "reports").mkdir()
    link = tmp_path / "reports" / "r.md"
    link.symlink_to(tmp_path / "published" / "r.md")  # dangling until the first report
    write_atomic(link, "第一版")
    write_atomic(link, "第二版")
    assert link.is_symlink() and (tmp_path / "published" / "r.md").read_text(encoding="utf-8") == "第二版"
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["r.md"]


def test_a_killed_runs_temporary_report_is_removed_by_the_next_write(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys
    import time

    import qa.atomic

    monkeypatch.setattr(qa.atomic, "_swept", set())
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    left = tmp_path / f".s.review.json.qa{gone.pid}-k1ll3d_x.tmp"
    left.write_text('{"half": ')
    past = time.time() - 90
    os.utime(left, (past, past))
    write_atomic(tmp_path / "t.review.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["t.review.json"]


def _isolated(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter with 1 GiB of address space and a time limit, so a
    reader that blocks on a FIFO or reads /dev/zero for ever fails this test instead of
    hanging the suite or eating the machine's memory (TimeoutExpired fails the test)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory
    )


def _reading(call: str, prelude: str = "") -> str:
    """Code that prints what `call` raised (type and message), or 'read'."""
    body = f"try:\n    {call}\nexcept Exception as e:\n    print(type(e).__name__, e)\nelse:\n    print('read')\n"
    return "from pathlib import Path\nimport qa.read.io\n" + prelude + body


@pytest.mark.parametrize("reader", ["read_text", "read_bytes"])
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path, reader):
    fifo = tmp_path / "doc.zh.md"
    os.mkfifo(fifo)  # no writer ever comes: a blocking open or read would wait for ever
    result = _isolated(_reading(f"qa.read.io.{reader}(Path({str(fifo)!r}))"))
    assert result.stdout.strip() == f"QaInputError {fifo}: is a named pipe (FIFO), not a regular file; expected a file"


def test_a_symlink_to_dev_zero_is_refused_not_read(tmp_path):
    link = tmp_path / "terms.csv"
    link.symlink_to("/dev/zero")  # size 0 by stat, endless by read
    result = _isolated(_reading(f"qa.read.io.read_bytes(Path({str(link)!r}), expected='a CSV glossary')"))
    expected = f"QaInputError {link}: is a character device, not a regular file; expected a CSV glossary"
    assert result.stdout.strip() == expected


def test_a_fifo_swapped_in_after_the_stat_is_caught_by_fstat_without_blocking(tmp_path):
    """The path is checked, then opened: what is opened is checked again (non-blocking open)."""
    regular, fifo = tmp_path / "regular.md", tmp_path / "fifo.md"
    regular.write_text("text\n", encoding="utf-8")
    os.mkfifo(fifo)
    # The stat sees a regular file; by the time of the open, the path is a FIFO.
    prelude = f"import os\nreal = os.stat({str(regular)!r})\nPath.stat = lambda self, **kw: real\n"
    result = _isolated(_reading(f"qa.read.io.read_bytes(Path({str(fifo)!r}))", prelude))
    assert "is a named pipe (FIFO), not a regular file" in result.stdout, result.stderr


def test_a_file_larger_than_its_fstat_says_is_read_only_to_the_limit(tmp_path, monkeypatch):
    """A file that grows after fstat (or a size the filesystem gets wrong) still stops at the limit."""
    import qa.read.io

    path = tmp_path / "growing.md"
    path.write_bytes(b"x" * 5000)
    real_fstat = os.fstat
    monkeypatch.setattr(qa.read.io.os, "fstat", lambda fd: _with_size(real_fstat(fd), 10))
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(qa.read.io.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(QaInputError, match="is over 1,000 bytes"):
        read_bytes(path, max_bytes=1000)
    assert sum(reads) <= 1001
    assert read_bytes(path, max_bytes=5000) == b"x" * 5000


def _with_size(info: os.stat_result, size: int) -> os.stat_result:
    fields = list(info[:10])
    fields[stat.ST_SIZE] = size
    return os.stat_result(fields)
