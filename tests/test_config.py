from pathlib import Path

import pytest

from qa.config import Config, describe, find_config, load_config
from qa.errors import QaInputError
from qa.model import Finding, Severity

PYPROJECT = """[project]
name = "docs"

[tool.qa]
glossaries = ["terms/team.csv"]
fail-on = "warning"
ignore = ["typography/missing-space"]
drift-threshold = 0.4

[tool.qa.severity]
"glossary/missing-term" = "info"
"typography/" = "off"
"typography/doubled-punctuation" = "error"
"""


def finding(rule: str) -> Finding:
    return Finding(rule, Severity.WARNING, "a.zh.md", 1, 1, 1, 1, "", "m")


def test_pyproject_settings_and_their_origin(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    nested = tmp_path / "docs" / "2021"
    nested.mkdir(parents=True)
    path = find_config(nested)
    assert path == tmp_path / "pyproject.toml"
    config = load_config(path)
    assert config.glossaries == (tmp_path / "terms" / "team.csv",)
    assert (config.fail_on, config.ignore, config.drift_threshold) == ("warning", ("typography/missing-space",), 0.4)
    assert config.origin("fail_on") == f"{path} [tool.qa]" and config.origin("model") == "default"


def test_command_line_overrides_the_file(tmp_path: Path):
    (tmp_path / "qa.toml").write_text('fail-on = "never"\nmodel = "x"\n')
    config = load_config(find_config(tmp_path)).override("command line", fail_on="error", model=None)
    assert config.fail_on == "error" and config.origin("fail_on") == "command line"
    assert config.model == "x" and config.origin("model") == str(tmp_path / "qa.toml")
    rows = {name: (value, origin) for name, value, origin in describe(config)}
    assert rows["fail-on"] == ("error", "command line")


def test_severity_overrides_most_specific_wins(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    config = load_config(tmp_path / "pyproject.toml")
    kept = config.apply_severity(
        [
            finding("glossary/missing-term"),
            finding("typography/mixed-brackets"),
            finding("typography/doubled-punctuation"),
            finding("drift/high"),
        ]
    )
    assert [(f.rule, f.severity) for f in kept] == [
        ("glossary/missing-term", Severity.INFO),
        ("typography/doubled-punctuation", Severity.ERROR),
        ("drift/high", Severity.WARNING),
    ]


def test_pyproject_without_tool_qa_is_not_a_config(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(tmp_path) is None
    assert load_config(None) == Config()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('fail-on = "sometimes"\n', ":1: 'fail-on' must be one of"),
        ("colour = 1\n", ":1: unknown setting 'colour'"),
        ('model = "x"\ndrift-threshold = "high"\n', ":2: 'drift-threshold' must be a number"),
        ('[severity]\n"drift/high" = "loud"\n', ":2: severity of 'drift/high' must be"),
        ("fail-on = \n", ":1: not valid TOML"),
    ],
)
def test_bad_settings_name_file_and_line(tmp_path: Path, text: str, message: str):
    (tmp_path / "qa.toml").write_text(text)
    with pytest.raises(QaInputError) as raised:
        load_config(tmp_path / "qa.toml")
    assert message in str(raised.value) and str(raised.value).startswith(str(tmp_path / "qa.toml"))
