import random

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
