"""links/*: snapshot per rule."""

from __future__ import annotations

import pytest

from qa.checks import links
from tests.checks.snapshots import assert_snapshot, paired
from tests.conftest import doc


@pytest.mark.parametrize("rule", links.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: links.check_alignment(paired(english, chinese)))


def test_a_damaged_url_is_broken_not_missing_and_suggests_the_english_url():
    english = doc("See [CLIP](https://cdn.openai.com/papers/CLIP_Supervision.pdf).\n")
    chinese = doc("见 [CLIP](https://cdn.openai.com/papers/CLIP_Supervision. pdf))。\n")
    (finding,) = links.check_alignment(paired(english, chinese))
    assert finding.rule == links.BROKEN_SYNTAX.id
    assert finding.text == "https://cdn.openai.com/papers/CLIP_Supervision. pdf"
    assert finding.suggestion == "https://cdn.openai.com/papers/CLIP_Supervision.pdf"
