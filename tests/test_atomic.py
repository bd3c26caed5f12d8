import errno
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.atomic import edit_lock, real_path, replace_file, sweep_stale_temporaries


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


def test_a_symlink_chain_is_written_through_and_stays_a_chain(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "data.txt"
    real.write_bytes(b"before\n")
    os.chmod(real, 0o640)
    middle = tmp_path / "middle.txt"
    middle.symlink_to(real)
    link = tmp_path / "link.txt"
    link.symlink_to(middle.name)  # relative, as `ln -s` is usually given
    replace_file(link, b"after\n")
    assert link.is_symlink() and os.readlink(link) == "middle.txt"
    assert middle.is_symlink() and Path(os.readlink(middle)) == real
    assert real.read_bytes() == b"after\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    # The temporary file and the rename were in the target's folder; nothing else appeared.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "middle.txt", "real"]
    assert [p.name for p in real_dir.iterdir()] == ["data.txt"]


def test_a_dangling_link_creates_its_target_and_a_loop_is_an_error(tmp_path):
    link = tmp_path / "new.txt"
    link.symlink_to("made.txt")
    replace_file(link, b"x")
    assert link.is_symlink() and (tmp_path / "made.txt").read_bytes() == b"x"
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError) as raised:
        replace_file(tmp_path / "a", b"x")
    assert raised.value.errno == errno.ELOOP
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


def test_real_path_follows_every_link(tmp_path):
    (tmp_path / "f").write_bytes(b"")
    (tmp_path / "l1").symlink_to("f")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    assert real_path(tmp_path / "l2") == (tmp_path / "f").resolve()
    assert real_path(tmp_path / "absent") == (tmp_path / "absent").resolve()


_HOLD_A_TEMPORARY = """
import os, sys, time
from pathlib import Path
import qa.atomic

def hang(fd):  # the write is in flight: the temporary file exists, the rename has not happened
    Path(sys.argv[2]).write_text("writing")
    time.sleep(60)

os.fsync = hang
qa.atomic.replace_file(Path(sys.argv[1]), b"new report")
"""


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_killed_writers_temporary_is_swept_and_a_live_ones_never(tmp_path):
    report = tmp_path / "x.review.json"
    started = tmp_path / "started"
    writer = subprocess.Popen([sys.executable, "-c", _HOLD_A_TEMPORARY, str(report), str(started)])
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert time.monotonic() < deadline and writer.poll() is None
            time.sleep(0.01)
        [name] = _temporaries(tmp_path)
        assert name.startswith(f".x.review.json.qa{writer.pid}-")
        # Ten minutes old but its writer is alive (stopped, slow disk): kept.
        _age(tmp_path / name, 600)
        assert sweep_stale_temporaries(tmp_path) == []
        writer.kill()  # SIGKILL: no cleanup handler runs
        writer.wait()
        assert _temporaries(tmp_path) == [name]
        assert sweep_stale_temporaries(tmp_path) == [tmp_path / name]
        assert _temporaries(tmp_path) == []
    finally:
        writer.kill()
        writer.wait()


def test_sweeping_spares_fresh_files_and_names_that_are_not_ours(tmp_path):
    dead = _dead_pid()
    fresh = tmp_path / f".r.md.qa{dead}-abcdefgh.tmp"  # a writer elsewhere may share the pid space
    others = [
        tmp_path / ".r.md.abcdefgh.tmp",  # mkstemp's name without our mark: an editor's, or anyone's
        tmp_path / f"r.md.qa{dead}-abcdefgh.tmp",  # not hidden
        tmp_path / f".r.md.qa{dead}-abc.tmp",  # not mkstemp's eight characters
        tmp_path / f".r.md.qa{dead}-abcdefgh.tmp.keep",
    ]
    for path in [fresh, *others]:
        path.write_text("x")
    folder = tmp_path / f".d.qa{dead}-abcdefgh.tmp"  # our name, but a folder
    folder.mkdir()
    for path in [*others, folder]:
        _age(path, 7200)
    assert sweep_stale_temporaries(tmp_path) == []
    _age(fresh, 120)  # two minutes old and its writer is gone
    assert sweep_stale_temporaries(tmp_path) == [fresh]
    assert all(path.exists() for path in [*others, folder])


def test_an_hour_old_temporary_goes_even_if_its_pid_is_reused(tmp_path):
    mine = tmp_path / f".r.md.qa{os.getpid()}-abcdefgh.tmp"
    mine.write_text("x")
    _age(mine, 600)
    assert sweep_stale_temporaries(tmp_path) == []
    _age(mine, 4000)
    assert sweep_stale_temporaries(tmp_path) == [mine]


def test_the_next_write_into_the_folder_sweeps_it_once(tmp_path, monkeypatch):
    import qa.atomic

    monkeypatch.setattr(qa.atomic, "_swept", set())
    stale = tmp_path / f".a.md.qa{_dead_pid()}-abcdefgh.tmp"
    stale.write_text("left by a killed run")
    _age(stale, 300)
    replace_file(tmp_path / "b.md", b"report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.md"]
    stale.write_text("left again")
    _age(stale, 300)
    replace_file(tmp_path / "b.md", b"report")  # the folder is swept once per run
    assert stale.exists()


def _dead_pid() -> int:
    """A pid that no process has: a child that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_edit_lock_serialises_and_leaves_no_lock_file(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("x")
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom qa.atomic import edit_lock\n"
            "with edit_lock(Path(sys.argv[1])):\n"
            "    Path(sys.argv[2]).write_text('held')\n    time.sleep(1.0)\n",
            str(link),
            str(tmp_path / "held"),
        ]
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "held").exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    start = time.monotonic()
    with edit_lock(path):  # the same real file through the other name: must wait
        waited = time.monotonic() - start
    holder.wait()
    assert waited > 0.5  # the holder sleeps a second with the lock
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.csv", "held", "link.csv"]
