import os

import pytest

from qa.tempcache import is_private, temp_cache_path


def test_the_name_carries_the_user_and_keeps_the_suffix(tmp_path):
    path = temp_cache_path("jieba-words-12-34.sqlite", tmp_path)
    assert path == tmp_path / f"qa-jieba-words-12-34-{os.getuid()}.sqlite"


def test_only_a_file_nobody_else_may_write_is_private(tmp_path):
    path = tmp_path / "x"
    path.write_text("x")
    path.chmod(0o644)
    assert is_private(path)
    for mode in (0o664, 0o646, 0o666):
        path.chmod(mode)
        assert not is_private(path)
    with pytest.raises(OSError):
        is_private(tmp_path / "absent")
