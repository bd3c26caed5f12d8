"""--select / --ignore: prefix matching, specificity, config layering, and the CLI wiring."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qa.rules import ALL_RULES
from qa.rules.selection import RuleSelection, SelectionError
from tests.conftest import REPO

KNOWN = [rule.id for rule in ALL_RULES]


def allowed(select, ignore) -> set[str]:
    selection = RuleSelection.parse(select, ignore, KNOWN)
    return {rule for rule in KNOWN if selection.allows(rule)}


def test_by_default_every_rule_on_by_default_runs():
    assert allowed(None, None) == {rule.id for rule in ALL_RULES if rule.on_by_default}
    assert allowed(["ALL"], None) == set(KNOWN)


def test_select_takes_families_with_or_without_slash_and_exact_ids():
    chosen = allowed(["numbers,links/"], None)
    assert chosen == {r for r in KNOWN if r.startswith(("numbers/", "links/"))}
    assert allowed(["typography/missing-space"], None) == {"typography/missing-space"}


def test_the_more_specific_selector_wins_and_ignore_wins_ties():
    typography = {r for r in KNOWN if r.startswith("typography/")}
    assert allowed(["typography"], ["typography/missing-space"]) == typography - {"typography/missing-space"}
    assert allowed(["typography/missing-space"], ["typography"]) == {"typography/missing-space"}
    assert allowed(["numbers"], ["numbers"]) == set()
    assert allowed(None, ["ALL"]) == set()


def test_a_prefix_must_be_a_whole_family():
    with pytest.raises(SelectionError, match="unknown rule or prefix 'num'"):
        RuleSelection.parse(["num"], None, KNOWN)
    with pytest.raises(SelectionError, match="'links/nope'"):
        RuleSelection.parse(None, ["links/nope"], KNOWN)


def test_the_command_line_overrides_a_config_selection():
    config = RuleSelection.parse(["numbers", "links"], ["links/empty-text"], KNOWN)
    cli = RuleSelection.parse(None, ["numbers/added"], KNOWN)
    merged = config.override(cli)
    assert merged.select == ("numbers", "links")
    assert not merged.allows("links/empty-text") and not merged.allows("numbers/added")
    assert merged.allows("numbers/changed")
    assert config.override(RuleSelection.parse(["typography"], None, KNOWN)).select == ("typography",)


def run_qa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )


def test_check_select_and_ignore_filter_the_report(tmp_path):
    common = ("check", "examples/issue13.zh.md", "--no-drift", "--format", "json", "--output", "-")
    everything = {f["rule"] for f in json.loads(run_qa(*common).stdout)["findings"]}
    assert {"numbers/missing", "typography/missing-space", "glossary/forbidden-term"} <= everything
    numbers_only = json.loads(run_qa(*common, "--select", "numbers").stdout)
    assert {f["rule"] for f in numbers_only["findings"]} == {"numbers/missing", "numbers/added"}
    ignored = json.loads(run_qa(*common, "--ignore", "typography/,numbers/added").stdout)
    rules = {f["rule"] for f in ignored["findings"]}
    assert "numbers/missing" in rules and not {"numbers/added", "typography/missing-space"} & rules


def test_check_with_an_unknown_selector_exits_2_with_one_line():
    result = run_qa("check", "examples/issue13.zh.md", "--no-drift", "--select", "bogus")
    assert result.returncode == 2
    assert result.stderr.startswith("qa: error: --select/--ignore/--extend-select: unknown rule or prefix 'bogus'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_rules_lists_ids_severities_and_docstrings():
    listing = run_qa("rules").stdout
    for rule in ALL_RULES:
        line = next(line for line in listing.splitlines() if line.split()[0] == rule.id)
        expected = rule.severity.label if rule.on_by_default else "off"
        assert line.split()[1] == expected and line.endswith(rule.summary)
    doc = run_qa("rules", "links/broken-syntax", "--doc").stdout
    assert doc.startswith("links/broken-syntax (error)")
    assert "What it does:" in doc and "Why is this bad:" in doc and "Example:" in doc


def test_a_rule_off_by_default_runs_only_when_a_selector_names_it(monkeypatch):
    from qa.rules import selection

    monkeypatch.setattr(selection, "_off_by_default", lambda: frozenset({"code/comment-translated"}))
    known = ["code/comment-translated", "code/inline-changed", "typography/missing-space"]
    default = RuleSelection()
    assert not default.allows("code/comment-translated") and default.allows("code/inline-changed")
    extended = RuleSelection.parse(None, None, known, extend_select=["code/comment-translated"])
    assert extended.allows("code/comment-translated") and extended.allows("typography/missing-space")
    family = RuleSelection.parse(["code"], None, known)
    assert family.allows("code/comment-translated") and not family.allows("typography/missing-space")
    ignored = RuleSelection.parse(None, ["code"], known, extend_select=["code/comment-translated"])
    assert ignored.allows("code/comment-translated") and not ignored.allows("code/inline-changed")
    layered = RuleSelection(ignore=("typography",)).override(extended)
    assert layered.allows("code/comment-translated") and not layered.allows("typography/missing-space")
