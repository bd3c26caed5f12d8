"""typography/*: snapshot per rule; these rules read the Chinese alone."""

from __future__ import annotations

import pytest

from qa.checks import typography
from tests.checks.snapshots import assert_snapshot, paired
from tests.conftest import doc


@pytest.mark.parametrize("rule", typography.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: typography.check_document(chinese))


def test_findings_carry_their_pair_when_there_is_an_alignment():
    english, chinese = doc("# Title\n\nIt is good, really.\n"), doc("# 标题\n\n它很好,真的。\n")
    (finding,) = typography.check_alignment(paired(english, chinese))
    assert (finding.rule, finding.text, finding.suggestion, finding.pair) == (
        typography.HALFWIDTH_PUNCTUATION.id,
        ",",
        "，",
        1,
    )
