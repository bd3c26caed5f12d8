import codecs

import pytest

from qa.errors import QaInputError
from qa.io import decode, read_text, write_atomic


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
    import qa.io

    path = tmp_path / "big.zh.md"
    path.write_bytes(b"x" * 2048)
    monkeypatch.setattr(qa.io, "MAX_INPUT_BYTES", 1024)
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
