import os
import stat

import pytest

from qa.atomic import replace_file


def test_replaces_bytes_exactly_and_keeps_the_mode(tmp_path):
    path = tmp_path / "g.csv"
    path.write_bytes(b"old\r\n")
    os.chmod(path, 0o640)
    replace_file(path, "\ufeffnew\r\n行\r\n".encode())
    assert path.read_bytes() == "\ufeffnew\r\n行\r\n".encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["g.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "g.csv"
    path.write_bytes(b"keep me")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        replace_file(path, b"new")
    assert path.read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["g.csv"]
