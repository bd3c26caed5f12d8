"""images/*: snapshot per rule."""

from __future__ import annotations

import pytest

from qa.checks import images
from tests.checks.snapshots import assert_snapshot, fixture_and_cases, paired


@pytest.mark.parametrize("rule", images.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: images.check_alignment(paired(english, chinese)))


IMAGES = [
    ("![](img/a.png)", "！[](img/a.png)"),
    ("![alt](img/b.png)", "! [替代](img/b.png)"),
    ("![alt](img/c.png)", "![替代] （img/c.png）"),
    ("Wow! [a link](https://x.org)", "哇! [链接](https://x.org)"),
    ("![x](img/d.png)", "图片丢了"),
]


@pytest.mark.parametrize("rule", images.RULES, ids=lambda rule: rule.id)
def test_blocks_without_an_exclamation_mark_have_no_broken_image(monkeypatch, rule):
    alignments = fixture_and_cases(rule, IMAGES)
    fast = [images.check_alignment(alignment) for alignment in alignments]
    monkeypatch.setattr(images, "_broken_forms", lambda segment: images._BROKEN.finditer(segment.raw))
    assert [images.check_alignment(alignment) for alignment in alignments] == fast
