"""`qa` makes no network connection at run time: every connect() is refused and recorded."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO

GUARD = """
import socket, sys, runpy
attempts = []
def refuse(self, address, *args, **kwargs):
    attempts.append(repr(address))
    raise OSError("network disabled by test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
sys.argv = ["qa", *sys.argv[1:]]
try:
    runpy.run_module("qa", run_name="__main__")
finally:
    print("CONNECT ATTEMPTS:", len(attempts), attempts, file=sys.stderr)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ("check", "examples/issue13.zh.md", "--format", "json", "--output", "-"),
        ("align", "examples/issue13.en.md", "examples/issue13.zh.md", "--format", "json"),
        ("check", "examples/issue13.zh.md", "--no-drift", "--format", "json", "--output", "-"),
    ],
)
def test_runs_with_the_network_refused(args):
    result = subprocess.run(
        [sys.executable, "-c", GUARD, *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert "CONNECT ATTEMPTS: 0 []" in result.stderr, result.stderr[-2000:]
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert result.stdout.lstrip().startswith("{")


def test_the_guard_sees_a_connection_when_one_is_made():
    # The guard itself must be able to fail: a loopback request made before qa runs is seen.
    probe = (
        "import urllib.request\n"
        "try:\n    urllib.request.urlopen('http://127.0.0.1:9', timeout=1)\n"
        "except OSError:\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", GUARD.replace("sys.argv = ", probe + "sys.argv = "), "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "CONNECT ATTEMPTS: 1" in result.stderr, result.stderr
    assert result.stdout.strip() == "qa 0.1.0"
