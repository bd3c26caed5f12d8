import random

import pytest

from qa.model import Segment, SegmentKind


def test_a_position_counts_the_lines_and_columns_before_it():
    rng = random.Random(19)
    for _ in range(5_000):
        raw = "".join(rng.choice("ab\n中") for _ in range(rng.randrange(12)))
        segment = Segment(index=0, kind=SegmentKind.PARAGRAPH, start_line=5, end_line=5, raw=raw, text=raw)
        for offset in range(len(raw) + 2):
            before = raw[:offset]
            expected = (5 + before.count("\n"), offset - (before.rfind("\n") + 1) + 1)
            assert segment.position(offset) == expected, (raw, offset)


def test_a_pair_type_is_named_by_the_blocks_on_each_side():
    from qa.model import Pair, PairType

    block = Segment(index=0, kind=SegmentKind.PARAGRAPH, start_line=1, end_line=1, raw="a", text="a")
    for kind in PairType:
        english, chinese = map(int, kind.value.split("-"))
        assert Pair(0, (block,) * english, (block,) * chinese, None).type is kind
    with pytest.raises(ValueError):
        Pair(0, (block,) * 2, (block,) * 3, None).type  # noqa: B018 (the property raises)
