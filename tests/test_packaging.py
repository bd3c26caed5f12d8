"""The built wheel is what a user installs: it must hold every module, the bundled glossary
with its README, and the report schema (an editable install hides a missing one)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

_NOT_SOURCE = ("build", "dist", "*.egg-info", ".git", ".ci-venv", ".venv", "venv", "reports", "__pycache__", ".*_cache")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # From a copy without build/: setuptools reuses build/lib, where a module that packaging
    # no longer lists would still be found.
    source = out / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("qa-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_every_module_of_the_package(wheel):
    names = set(wheel.namelist())
    modules = {path.relative_to(REPO).as_posix() for path in (REPO / "qa").rglob("*.py")}
    assert modules and modules <= names, sorted(modules - names)


def test_the_wheel_holds_the_bundled_glossary_its_readme_and_the_schema(wheel):
    names = set(wheel.namelist())
    glossaries = {f"qa/glossaries/{path.name}" for path in (REPO / "glossaries").glob("*.csv")}
    assert {"qa/glossaries/ml-terms.csv", "qa/glossaries/names.csv"} <= glossaries <= names
    assert {"qa/glossaries/README.md", "qa/glossaries/__init__.py", "qa/schema/report-v1.schema.json"} <= names
    for name in glossaries:
        assert wheel.read(name) == (REPO / "glossaries" / Path(name).name).read_bytes()


def test_the_wheel_installs_the_qa_command(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "qa = qa.cli.main:app" in wheel.read(entry_points).decode()
