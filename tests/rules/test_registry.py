"""The registry of checks: every family's rules and checks, and how the pipeline runs them."""

from __future__ import annotations

import json

from qa.pipeline import CheckOptions, run_check
from qa.rules import ALL_RULES, CHECKS, FAMILIES
from qa.rules.rule import Scope
from qa.rules.selection import RuleSelection


def test_every_rule_has_a_stable_id_and_a_ruff_style_docstring():
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    for family in FAMILIES:
        prefix = family.__name__.rsplit(".", 1)[1]
        for rule in family.RULES:
            assert rule.id.startswith(prefix + "/")
            assert rule.summary and not rule.summary.endswith(",")
            if prefix not in ("language", "alignment", "glossary", "drift", "length", "untranslated"):
                for heading in ("What it does:", "Why is this bad:", "Example:"):
                    assert heading in rule.doc, (rule.id, heading)


def test_every_rule_is_reported_by_a_check_of_its_family():
    for check in CHECKS:
        assert all(rule.id.startswith(check.family + "/") for rule in check.rules), check.family
        assert (check.run is None) == (check.scope is Scope.RUN) == (check.run_reports is not None)
    assert {rule.id for check in CHECKS for rule in check.rules} == {rule.id for rule in ALL_RULES}


SHARED = [
    ("## HaloNet", "## HaloNet"),
    ("HaloNet uses local self-attention on EfficientNet.", "HaloNet 在 EfficientNet 上使用局部自注意力。"),
    ("## ViT on FractalDB", "## 在 FractalDB 上训练 ViT"),
    ("ViT is pre-trained on FractalDB and tested on CIFAR10.", "ViT 在 FractalDB 上预训练，并在 CIFAR10 上测试。"),
]
EN = "\n\n".join(
    [
        *(e for e, _ in SHARED),
        "[The paper](https://arxiv.org/abs/2103.12731) uses 0.3% of the data, which is good.",
        "The H7 model is about the model with b=32 and h=3.",
    ]
)
BROKEN_ZH = "\n\n".join(
    [
        *(z for _, z in SHARED),
        "[论文] (https://arxiv.org/abs/2103.12731) 用了 0.5%的数据,很好。",
        "H7 模型讲的是 b=23、h=3 的模型。",
    ]
)


def write(tmp_path, english: str, chinese: str):
    (tmp_path / "a.en.md").write_text(english, encoding="utf-8")
    (tmp_path / "a.zh.md").write_text(chinese, encoding="utf-8")
    return tmp_path / "a.zh.md", tmp_path / "a.en.md"


def rules_of(report) -> set[str]:
    return {finding.rule for finding in report.findings}


def test_the_pipeline_runs_pair_checks_and_typography(tmp_path, glossary):
    target, source = write(tmp_path, EN, BROKEN_ZH)
    report = run_check(CheckOptions(target=target, source=source, model=None), glossary)
    assert {"links/broken-syntax", "numbers/changed", "typography/halfwidth-punctuation"} <= rules_of(report)
    changed = sorted(f.text for f in report.findings if f.rule == "numbers/changed")
    assert changed == ["0.5%", "23"]


def test_without_a_source_only_typography_runs(tmp_path, glossary):
    target, _ = write(tmp_path, EN, BROKEN_ZH)
    report = run_check(CheckOptions(target=target, source=None, model=None), glossary)
    families = {rule.split("/")[0] for rule in rules_of(report)}
    assert "typography" in families
    assert not families & {"numbers", "links", "images", "code", "markdown"}


def test_an_unrelated_source_gets_no_pair_findings(tmp_path, glossary):
    other = "\n\n".join(f"Paragraph {k}: the weather was cold and rainy, 17 days in a row." for k in range(12))
    chinese = "\n\n".join(f"第 {k} 段：今天我们去了公园，看到了 {k + 40} 棵树,很开心。" for k in range(12))
    target, source = write(tmp_path, other + "\n", chinese + "\n")
    report = run_check(CheckOptions(target=target, source=source, model=None), glossary)
    assert "alignment/unrelated-documents" in rules_of(report)
    families = {rule.split("/")[0] for rule in rules_of(report)}
    assert "typography" in families and not families & {"numbers", "links", "markdown"}


def test_a_family_left_out_by_the_selection_is_not_reported(tmp_path, glossary):
    target, source = write(tmp_path, EN, BROKEN_ZH)
    selection = RuleSelection.parse(["numbers", "links/broken-syntax"], None, [r.id for r in ALL_RULES])
    report = run_check(CheckOptions(target=target, source=source, model=None, selection=selection), glossary)
    assert rules_of(report) == {"numbers/changed", "links/broken-syntax"}


NEW_FAMILY = '''"""Emoji check: a new family, written as a contributor would."""

from qa.model import Applicability, Finding, Severity
from qa.rules.pairwise import Located, finding_at
from qa.rules.rule import Check, Rule, Scope

STRAY = Rule.define(
    "emoji/stray",
    Severity.WARNING,
    """An emoji in the Chinese text.

    What it does: finds U+1F600-U+1F64F. Why is this bad: house style. Example: 好😀.
    """,
    fix=Applicability.SAFE,
)
RULES = (STRAY,)


def check(given):
    findings = []
    for segment in given.target.segments:
        for offset, char in enumerate(segment.raw):
            if "\\U0001F600" <= char <= "\\U0001F64F":
                where = Located(segment, offset, offset + 1)
                findings.append(finding_at(STRAY, given.target.path, where, "an emoji", pair=None,
                                           suggestion="", fix=Applicability.SAFE))
    return findings


CHECKS = (Check("emoji", RULES, Scope.PAIR, run=check, needs_english=False),)
'''

NEW_RULE = '''
DOUBLE_SPACE = Rule.define(
    "typography/double-space",
    Severity.INFO,
    """Two spaces in a row.

    What it does: finds them. Why is this bad: noise. Example: a  b.
    """,
)
RULES = (*RULES, DOUBLE_SPACE)
_check_before = CHECKS[0].run


def _with_double_space(given):
    found = _check_before(given)
    for segment in given.target.segments:
        at = segment.raw.find("  ")
        if at >= 0:
            where = Located(segment, at, at + 2)
            found.append(finding_at(DOUBLE_SPACE, given.target.path, where, "two spaces", pair=None))
    return found


CHECKS = (Check("typography", RULES, Scope.PAIR, run=_with_double_space, needs_english=False),)
'''


def test_adding_a_family_touches_two_files_and_a_rule_one(tmp_path):
    """The aim of the rule interface, measured by doing it: a new family is its module plus one
    line in the registry; a new rule of a family is its family's module. Fixtures aside."""
    import shutil
    import subprocess
    import sys

    from tests.conftest import REPO

    package = tmp_path / "src" / "qa"
    shutil.copytree(REPO / "qa", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "glossaries", tmp_path / "src" / "qa" / "glossaries", dirs_exist_ok=True)
    touched = []
    (package / "rules" / "emoji.py").write_text(NEW_FAMILY, encoding="utf-8")
    touched.append("qa/rules/emoji.py")
    registry = package / "rules" / "__init__.py"
    text = registry.read_text(encoding="utf-8")
    text = text.replace("from qa.rules import (\n", "from qa.rules import (\n    emoji,\n", 1)
    text = text.replace("FAMILIES = (\n", "FAMILIES = (\n    emoji,\n", 1)
    registry.write_text(text, encoding="utf-8")
    touched.append("qa/rules/__init__.py")
    with (package / "rules" / "typography.py").open("a", encoding="utf-8") as family:
        family.write(NEW_RULE)
    touched.append("qa/rules/typography.py")
    target = tmp_path / "work" / "e.zh.md"
    target.parent.mkdir()
    target.write_text("好😀。\n\n中文  两个空格。\n", encoding="utf-8")

    def qa(*arguments):
        env = {"PYTHONPATH": str(tmp_path / "src"), "PATH": "/usr/bin:/bin", "QA_CACHE_DIR": str(tmp_path / "c")}
        command = [sys.executable, "-m", "qa", *arguments]
        return subprocess.run(command, cwd=target.parent, env=env, capture_output=True, text=True, check=False)

    listed = qa("rules", "emoji", "typography/double-space").stdout
    assert "emoji/stray" in listed and "typography/double-space" in listed
    checked = qa("check", "e.zh.md", "--no-drift", "--format", "json", "--output", "-", "--fail-on", "never")
    rules = [f["rule"] for f in json.loads(checked.stdout)["findings"]]
    assert "emoji/stray" in rules and "typography/double-space" in rules
    selected = qa("check", "e.zh.md", "--no-drift", "-f", "json", "-o", "-", "--select", "emoji", "--fail-on", "never")
    assert [f["rule"] for f in json.loads(selected.stdout)["findings"]] == ["emoji/stray"]
    qa("fix", "e.zh.md", "--no-drift", "--in-place")
    assert target.read_text(encoding="utf-8") == "好。\n\n中文  两个空格。\n"
    # Two files for the new family, one for the new rule.
    assert touched == ["qa/rules/emoji.py", "qa/rules/__init__.py", "qa/rules/typography.py"]
