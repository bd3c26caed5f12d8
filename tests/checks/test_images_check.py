"""images/*: snapshot per rule."""

from __future__ import annotations

import pytest

from qa.checks import images
from tests.checks.snapshots import assert_snapshot, paired


@pytest.mark.parametrize("rule", images.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: images.check_alignment(paired(english, chinese)))
