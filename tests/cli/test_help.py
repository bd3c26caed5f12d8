"""Every command's `--help` shows flags as flags and values by click's metavars (qa/cli/help.py)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from qa.cli.help import argument_usage, click_name
from qa.cli.main import app

WIDTH = "100"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What typer 0.29 drew by itself: a Python type for a flag or a value, and usage lines such as
# `qa check [OPTIONS] {TARGET...}...` or `qa rules [OPTIONS] [[RULE_OR_PREFIX]...]...`.
PYTHON_TYPE = re.compile(r"<(?:bool|str|int|float|path|file|dir)\b[^>]*>|list\[")
BAD_USAGE = re.compile(r"[{}]|\[\[|\]\.\.\.\]|\.\.\.\.\.\.")


def _commands(command, path=()):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def help_text(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], prog_name="qa", env={"COLUMNS": WIDTH})
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.output)


def usage(text: str) -> str:
    return next(line.strip() for line in text.splitlines() if line.strip().startswith("Usage:"))


def test_the_walk_finds_every_command_and_subcommand():
    names = {" ".join(path) for path in COMMANDS}
    assert {"", "check", "config", "rules", "fix", "align", "glossary", "glossary lint", "cache", "cache info"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda path: " ".join(("qa", *path)))
def test_help_shows_no_python_types_and_a_clean_usage(command):
    text = help_text(*command)
    assert PYTHON_TYPE.findall(text) == [], text
    assert BAD_USAGE.findall(usage(text)) == [], usage(text)
    assert re.search(r"--help +Show this message", text), text  # a flag: no value between


@pytest.mark.parametrize("command", [("check",), ("align",)])
def test_no_drift_is_a_flag_without_a_value(command):
    line = next(line for line in help_text(*command).splitlines() if "--no-drift" in line)
    after = line.split("--no-drift", 1)[1].lstrip()
    assert not re.match(r"<|\[|[A-Z_]{3,}\b", after), line


def test_check_usage_and_value_metavars():
    text = help_text("check")
    assert usage(text) == "Usage: qa check [OPTIONS] TARGET..."
    assert re.search(r"--glossary +-g +FILE_OR_DIR ", text)
    assert re.search(r"--drift-threshold +FLOAT ", text)
    assert re.search(r"--source +-s +PATH ", text)
    assert re.search(r"--format +-f +\[md\|json\|", text)
    assert usage(help_text("rules")) == "Usage: qa rules [OPTIONS] [RULE_OR_PREFIX]..."
    assert usage(help_text("align")) == "Usage: qa align [OPTIONS] SOURCE TARGET"
    assert usage(help_text("glossary", "lint")) == "Usage: qa glossary lint [OPTIONS] [FILES]..."


def test_a_usage_error_shows_the_clean_usage_too():
    result = CliRunner().invoke(app, ["check", "--no-such-option"], prog_name="qa", env={"COLUMNS": WIDTH})
    assert result.exit_code == 2
    assert "qa check [OPTIONS] TARGET..." in ANSI.sub("", result.output)


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("<str>", "TEXT"),
        ("<list[Path]>", "PATH"),
        ("<list[str]>", "TEXT"),
        ("<float>", "FLOAT"),
        ("<int range>", "INTEGER RANGE"),
        ("<md|json|html>", "[md|json|html]"),
        ("<list[a|b]>", "[a|b]"),
        ("<file>", "FILE"),
    ],
)
def test_typer_type_labels_read_as_click_metavars(label, name):
    assert click_name(label) == name


@pytest.mark.parametrize(
    ("metavar", "name", "required", "nargs", "expected"),
    [
        ("TARGET...", "targets", True, -1, "TARGET..."),
        ("TARGET", "targets", True, -1, "TARGET..."),
        ("[RULE_OR_PREFIX]...", "selectors", False, -1, "[RULE_OR_PREFIX]..."),
        (None, "files", False, -1, "[FILES]..."),
        (None, "term", True, 1, "TERM"),
        (None, "name", False, 1, "[NAME]"),
    ],
)
def test_argument_usage(metavar, name, required, nargs, expected):
    argument = SimpleNamespace(metavar=metavar, name=name, required=required, nargs=nargs)
    assert argument_usage(argument) == expected


@pytest.mark.parametrize("value", ["true", "false", "yes", "no", "0", "1"])
def test_a_flag_value_read_as_a_target_says_flags_take_no_value(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--no-drift", value])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"qa: error: {value}: no such file (flags take no value: write --no-drift, not --no-drift {value})"
    )


def test_a_file_named_like_a_flag_value_is_still_a_target(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "true").write_text("不是 Markdown\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--no-drift", "true"])
    assert "flags take no value" not in result.stderr
