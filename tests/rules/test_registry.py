"""The registry of checks: every family's rules and checks, and how the pipeline runs them."""

from __future__ import annotations

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
