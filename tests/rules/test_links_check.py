"""links/*: snapshot per rule."""

from __future__ import annotations

import random

import pytest

from qa.read.inline import Part, PartKind
from qa.rules import links
from qa.rules.pairwise import Located
from tests.conftest import doc
from tests.rules.snapshots import assert_snapshot, paired


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


def _find_damaged_by_search(url: str, segments) -> tuple[int, int, int] | None:
    """links._find_damaged as it was: the URL's pattern searched for in each block."""
    if len(url) < 8:
        return None
    pattern = links._damaged_pattern(url)
    for segment in segments:
        match = pattern.search(segment.raw)
        if match is not None and match.group() != url:
            return segment.index, match.start(), match.end()
    return None


def test_damaged_urls_are_found_where_a_search_per_url_finds_them():
    rng = random.Random(7)
    urls = ["https://x.org/a.pdf", "https://x.org/a", "http://a.b/c?d=1", "https://x.org/a.pdf#2", "x.org/。a/b"]

    def damaged(url: str) -> str:
        variants = {".": "。．", ":": "：", "/": "／", "?": "？", "=": "＝", "#": "＃"}
        chars = [rng.choice(variants[c]) if c in variants and rng.random() < 0.2 else c for c in url]
        return "".join(c + (rng.choice(" \t") if rng.random() < 0.1 else "") for c in chars)

    noise = ["中", " ", "\n", "x", "a", ".", "/"]
    for _ in range(3_000):
        blocks = [
            "".join(rng.choice([*noise, damaged(rng.choice(urls))]) for _ in range(rng.randrange(6))) for _ in range(2)
        ]
        segments = doc("\n\n".join(blocks)).segments
        wanted = rng.sample(urls, rng.randrange(1, len(urls)))
        found = links._find_damaged_each(wanted, segments)
        for url in wanted:
            where = found.get(url)
            assert (where and (where.segment.index, where.start, where.end)) == _find_damaged_by_search(url, segments)


def test_overlapping_and_touching_places_are_those_a_test_of_each_finds():
    segments = doc("a\n\nb").segments
    rng = random.Random(8)
    for _ in range(3_000):
        places = [Located(rng.choice(segments), start, start + rng.randrange(4)) for start in rng.sample(range(12), 4)]
        spans = links._Spans(places)
        place = Located(rng.choice(segments), rng.randrange(12), 0)
        place = Located(place.segment, place.start, place.start + rng.randrange(3))
        assert spans.overlapping(place) == any(links._overlaps(place, p) for p in places)
        assert spans.touching(place) == any(links._overlaps(place, p) or links._next_to(place, p) for p in places)


def test_changed_urls_pair_by_host_then_in_order_as_before():
    def by_search(source, target):
        pairs, target = [], list(target)
        for english in source:
            chinese = next((t for t in target if links._host(t) == links._host(english)), None)
            if chinese is not None:
                pairs.append((english, chinese))
                target.remove(chinese)
        rest = [s for s in source if all(s is not p[0] for p in pairs)]
        if rest and len(rest) == len(target):
            pairs += list(zip(rest, target, strict=True))
        return pairs

    rng = random.Random(9)
    segment = doc("x").segments[0]
    hosts = ["https://a.org/", "https://b.org/", "http://c.net/", "x"]
    for _ in range(2_000):
        source, target = (
            [
                links._Url(Part(PartKind.BARE_URL, i, i + 1, rng.choice(hosts) + str(i), i, i + 1), segment)
                for i in range(rng.randrange(5))
            ]
            for _ in range(2)
        )
        assert links._pair_changed(source, target) == by_search(source, target)
