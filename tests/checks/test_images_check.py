"""images/*: snapshot per rule."""

from __future__ import annotations

import pytest

from qa.checks import images
from tests.checks.snapshots import assert_snapshot, paired


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
    from tests.checks.snapshots import load
    from tests.conftest import doc

    english, chinese = load(rule)
    alignments = [paired(english, chinese)] + [paired(doc(en + "\n"), doc(zh + "\n")) for en, zh in IMAGES]
    fast = [images.check_alignment(alignment) for alignment in alignments]
    monkeypatch.setattr(images, "_broken_forms", lambda segment: images._BROKEN.finditer(segment.raw))
    assert [images.check_alignment(alignment) for alignment in alignments] == fast
