"""markdown/*: snapshot per rule."""

from __future__ import annotations

import pytest

from qa.rules import markdown
from tests.rules.snapshots import assert_snapshot, fixture_and_cases, paired


@pytest.mark.parametrize("rule", markdown.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(
        rule,
        lambda english, chinese: (
            markdown.check_alignment(paired(english, chinese)) + markdown.check_comments(chinese, english)
        ),
    )


EMPHASIS = [
    ("**Bold** text and more", "**粗体**文本和更多"),
    ("**Bold** text", "**粗体文本"),
    ("Plain text", "**整段加粗**"),
    ("***", "***"),
    ("## [**title**](https://x.org)", "## **[**标题**](https://x.org)**"),
    ("Use `**kwargs` here", "这里用 `**kwargs`"),
    ("****four**** and * single *", "****四个**** 和 * 单个 *"),
    ("- item one\n- item **two**", "- 第一项\n- 第二项**"),
]


@pytest.mark.parametrize("rule", markdown.RULES, ids=lambda rule: rule.id)
def test_blocks_without_a_strong_marker_skip_no_finding(monkeypatch, rule):
    alignments = fixture_and_cases(rule, EMPHASIS)
    fast = [markdown.check_alignment(alignment) for alignment in alignments]
    monkeypatch.setattr(markdown, "_STRONG_MARK", "")  # in every text: no block skips
    assert [markdown.check_alignment(alignment) for alignment in alignments] == fast
