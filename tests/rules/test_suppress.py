import random
from dataclasses import replace

import pytest

from qa.errors import QaInputError
from qa.model import Finding, Severity
from qa.rules.suppress import apply_baseline, apply_comments, baseline_text, read_baseline, suppressions
from tests.conftest import doc

ZH = """# 标题

变压器是一种电器。<!-- qa-ignore glossary/forbidden-term -->

<!-- qa-ignore glossary/ -->

报纸上说变压器坏了。

<!-- qa-ignore-next-line -->
剪辑很好。
剪辑也很好。

<!-- qa-ignore typography/ -->
"""


def finding(line: int, rule: str = "glossary/forbidden-term", text: str = "变压器") -> Finding:
    return Finding(rule, Severity.ERROR, "a.zh.md", line, 1, line, 4, text, "m")


def test_comment_scopes():
    document = doc(ZH, "a.zh.md")
    assert [(s.first, s.last, s.rules) for s in suppressions(document)] == [
        (3, 3, ("glossary/forbidden-term",)),
        (7, 7, ("glossary/",)),
        (10, 10, ()),
    ]


def test_only_matching_rules_in_scope_are_suppressed():
    document = doc(ZH, "a.zh.md")
    findings = [
        finding(3),
        finding(3, "typography/mixed-brackets"),
        finding(7, "glossary/missing-term"),
        finding(10, "anything/else"),
        finding(11),
        finding(1),
    ]
    kept, dropped = apply_comments(findings, document)
    assert dropped == 3
    assert [(f.line, f.rule) for f in kept] == [
        (3, "typography/mixed-brackets"),
        (11, "glossary/forbidden-term"),
        (1, "glossary/forbidden-term"),
    ]
    other_file = [replace(f, file="b.zh.md") for f in findings]
    assert apply_comments(other_file, document) == (other_file, 0)


def test_baseline_survives_line_shifts_and_reports_only_new_findings(tmp_path):
    old = [finding(3), finding(9, text="报纸")]
    path = tmp_path / "baseline.json"
    path.write_text(baseline_text(old), encoding="utf-8")
    known = read_baseline(path)
    shifted = [replace(f, line=f.line + 5) for f in old] + [finding(20, text="剪辑")]
    kept, dropped = apply_baseline(shifted, known)
    assert dropped == 2 and [f.text for f in kept] == ["剪辑"]
    # A second occurrence of an accepted finding is new.
    kept, _ = apply_baseline([finding(3), finding(30)], known)
    assert [f.line for f in kept] == [30]


def test_bad_baseline_names_the_file(tmp_path):
    path = tmp_path / "b.json"
    path.write_text('{"findings": [}', encoding="utf-8")
    with pytest.raises(QaInputError, match=r"not a qa baseline"):
        read_baseline(path)
    path.write_text('{"qa_baseline_version": 1, "findings": [1]}', encoding="utf-8")
    with pytest.raises(QaInputError, match="must be a list of objects"):
        read_baseline(path)


def test_a_file_without_comments_keeps_every_finding_in_order():
    document = doc("# 标题\n\n变压器是一种电器。\n", "a.zh.md")
    findings = [finding(3), replace(finding(1), file="other.zh.md"), finding(1, "typography/missing-space")]
    assert apply_comments(iter(findings), document) == (findings, 0)


def test_findings_are_suppressed_as_by_a_test_of_every_comment():
    rng = random.Random(18)
    comments = ["<!-- qa-ignore -->", "<!-- qa-ignore glossary/ -->", "<!-- qa-ignore-next-line typography/ -->"]
    pieces = [*comments, "文字", "变压器", "\n", "\n\n", "- 项目", "<div>", "</div>"]
    rules = ["glossary/forbidden-term", "typography/missing-space", "links/missing-url"]
    for _ in range(500):
        document = doc("".join(rng.choice(pieces) for _ in range(rng.randrange(30))), "a.zh.md")
        lines = document.text.count("\n") + 2
        findings = [finding(rng.randrange(1, lines), rng.choice(rules)) for _ in range(20)]
        covering = suppressions(document)
        expected = [f for f in findings if not any(s.covers(f) for s in covering)]
        assert apply_comments(findings, document) == (expected, len(findings) - len(expected))
