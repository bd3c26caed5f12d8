"""code/*: snapshot per rule."""

from __future__ import annotations

import pytest

from qa.checks import code
from tests.checks.snapshots import assert_snapshot, fixture_and_cases, paired


@pytest.mark.parametrize("rule", code.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: code.check_alignment(paired(english, chinese)))


BLOCKS = [
    "```python\nx = 1  # set x\n```",
    "```\n```",
    "```python\n",
    "    indented = True\n    # a comment",
    "~~~js\nlet a = 1; // 设置\n~~~",
    "```python\nprint('你好')\n```",
]


@pytest.mark.parametrize("rule", code.RULES, ids=lambda rule: rule.id)
def test_identical_blocks_skip_the_line_comparison_and_nothing_else(monkeypatch, rule):
    alignments = fixture_and_cases(rule, [(block, block) for block in BLOCKS])
    fast = [code.check_alignment(alignment) for alignment in alignments]
    monkeypatch.setattr(code, "_compare_block", code._compare_lines)
    assert [code.check_alignment(alignment) for alignment in alignments] == fast
