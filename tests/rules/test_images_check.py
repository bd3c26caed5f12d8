"""images/*: snapshot per rule."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from qa.rules import images
from qa.rules.pairwise import Located
from tests.conftest import doc
from tests.rules.snapshots import assert_snapshot, fixture_and_cases, paired


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
    monkeypatch.setattr(
        images, "_broken_forms", lambda segment: (match.span() for match in images._BROKEN.finditer(segment.raw))
    )
    assert [images.check_alignment(alignment) for alignment in alignments] == fast


def test_broken_forms_are_the_matches_of_their_pattern():
    rng = random.Random(10)
    pieces = ["！", "!", "[", "]", "(", "（", ")", "）", " ", "\n", "a", "![", "](", "] (", "]（", "！["]
    for _ in range(20_000):
        segment = doc("x").segments[0]
        raw = "".join(rng.choice(pieces) for _ in range(rng.randrange(20)))
        segment = replace(segment, raw=raw)
        assert list(images._broken_forms(segment)) == [m.span() for m in images._BROKEN.finditer(raw)], raw


def test_the_image_a_broken_form_holds_is_the_first_left_whose_path_it_has():
    rng = random.Random(11)
    segment = doc("x").segments[0]
    paths = ["a.png", "b.png", "img/a.png", "", "a"]
    for _ in range(2_000):
        source = [images._Image(rng.choice(paths), Located(segment, i, i)) for i in range(rng.randrange(6))]
        holders, left = images._Holders(source), list(source)
        for _ in range(4):
            text = "".join(rng.choice(["img/", "a.png", "b", ".png", "x", " "]) for _ in range(4))
            expected = next((s for s in left if s.path and s.path in text), None)
            if expected is not None:
                left.remove(expected)
            assert holders.first_in(text) is expected


def test_images_inside_broken_forms_are_those_a_test_of_each_finds():
    rng = random.Random(12)
    segments = doc("a\n\nb").segments
    for _ in range(2_000):
        broken, at = [], 0
        for _ in range(rng.randrange(4)):
            at += rng.randrange(4)
            broken.append(Located(segments[0], at, at + rng.randrange(1, 4)))
            at = broken[-1].end
        shown = [
            images._Image("p", Located(rng.choice(segments), start, start + rng.randrange(3)))
            for start in (rng.randrange(14) for _ in range(5))
        ]
        expected = [i for i in shown if not any(images._inside(i.where, b) for b in broken)]
        assert images._outside(shown, broken) == expected
