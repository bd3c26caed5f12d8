"""Config files, suppression comments, baselines and many files, through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli.main import app
from tests.conftest import EXAMPLES, REPO


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A docs project with its own glossary folder and the example pair."""
    shutil.copytree(REPO / "glossaries", tmp_path / "glossaries")
    for name in ("issue13.en.md", "issue13.zh.md"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def qa(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def findings(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["findings"]


def test_pyproject_settings_apply_and_flags_override_them(project: Path):
    (project / "pyproject.toml").write_text(
        '[tool.qa]\nfail-on = "never"\nselect = ["glossary/forbidden-term"]\nreport-dir = "out"\n'
        '[tool.qa.severity]\n"glossary/forbidden-term" = "warning"\n'
    )
    result = qa("check", "issue13.zh.md", "--no-drift", "--format", "json")
    assert result.exit_code == 0, result.output  # fail-on = never
    got = findings(project / "out" / "issue13.review.json")
    assert got and {f["rule"] for f in got} == {"glossary/forbidden-term"}
    assert {f["severity"] for f in got} == {"warning"}
    flagged = qa("check", "issue13.zh.md", "--no-drift", "--format", "json", "--fail-on", "warning")
    assert flagged.exit_code == 1
    shown = qa("config").stdout
    assert "fail-on           never    (" in shown and "[tool.qa])" in shown
    assert "model             use-multilingual    (default)" in shown


def test_bad_settings_file_is_one_line_exit_2(project: Path):
    (project / "qa.toml").write_text('fail-on = "sometimes"\n')
    result = qa("check", "issue13.zh.md", "--no-drift")
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == f"qa: error: {project / 'qa.toml'}:1: 'fail-on' must be one of error, warning, never"
    )


def test_inline_comment_suppresses_a_finding(project: Path):
    target = project / "issue13.zh.md"
    lines = target.read_text(encoding="utf-8").split("\n")
    assert "变压器" in lines[85]
    lines[85] += " <!-- qa-ignore glossary/forbidden-term -->"
    target.write_text("\n".join(lines), encoding="utf-8")
    qa("check", "issue13.zh.md", "--no-drift", "--format", "json")
    got = findings(project / "reports" / "issue13.review.json")
    assert not [f for f in got if f["line"] == 86 and f["rule"] == "glossary/forbidden-term"]
    assert [f for f in got if f["line"] == 92 and f["rule"] == "glossary/forbidden-term"]


def test_baseline_reports_only_new_findings(project: Path):
    written = qa("check", "issue13.zh.md", "--no-drift", "--write-baseline", "baseline.json")
    assert written.exit_code == 0 and (project / "baseline.json").exists()
    clean = qa("check", "issue13.zh.md", "--no-drift", "--format", "json", "--baseline", "baseline.json")
    assert clean.exit_code == 0 and findings(project / "reports" / "issue13.review.json") == []
    target = project / "issue13.zh.md"
    target.write_text("新增一段：抱抱脸发布了新模型。\n\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    new = qa("check", "issue13.zh.md", "--no-drift", "--format", "json", "--baseline", "baseline.json")
    texts = [
        f["text"] for f in findings(project / "reports" / "issue13.review.json") if f["rule"].startswith("glossary/")
    ]
    assert new.exit_code == 1 and texts == ["抱抱脸"]


def test_a_folder_gives_one_report_per_file_an_index_and_a_combined_table(project: Path):
    (project / "2021").mkdir()
    for name in ("issue13.en.md", "issue13.zh.md"):
        shutil.move(project / name, project / "2021" / name)
    shutil.copy(project / "2021" / "issue13.en.md", project / "2021" / "issue14.en.md")
    (project / "2021" / "issue14.zh.md").write_text("# 每周文摘\n\n变形金刚模型。\n", encoding="utf-8")
    result = qa("check", ".", "--no-drift")
    assert result.exit_code == 1
    # Reports mirror the files' folders from where qa ran, as a one-file run names them.
    reports = project / "reports" / "2021"
    assert (reports / "issue13.review.md").exists() and (reports / "issue14.review.md").exists()
    index = (project / "reports" / "index.md").read_text(encoding="utf-8")
    assert "[issue13.review.md](2021/issue13.review.md)" in index and "`2021/issue14.zh.md`" in index
    assert "checked 2/2: " in result.stderr  # plain progress lines off a terminal
    table = result.stdout[result.stdout.index("file  ") :].splitlines()
    assert table[-2].split()[:2] == ["2", "files"] and table[-1] == "index: reports/index.md"


def test_every_command_help_shows_an_example():
    commands = [(), ("check",), ("align",), ("rules",), ("fix",), ("config",), ("glossary", "lint"), ("cache", "info")]
    for command in commands:
        result = qa(*command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout, command


def test_help_shows_bracketed_defaults_rather_than_reading_them_as_markup():
    # Rich reads `[default: …]` as a style tag and drops it unless it is escaped.
    wide = {"COLUMNS": "200"}  # one line per option, so no phrase is cut by wrapping
    check = CliRunner().invoke(app, ["check", "--help"], env=wide).stdout
    assert "[default: reports]" in check and "[tool.qa]" in check and "[auto: a process pool" in check
    lint = CliRunner().invoke(app, ["glossary", "lint", "--help"], env=wide).stdout
    assert "[default: the bundled glossary and the project's]" in lint
