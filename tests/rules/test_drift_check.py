from qa.align.pairs import align
from qa.model import PairScore
from qa.rules.drift import HIGH_DRIFT, check_scores
from tests.conftest import doc


def test_flags_only_scores_above_the_threshold_and_quotes_both_sides():
    alignment = align(doc("# A long enough title\n\nBody text here.\n"), doc("# 足够长的标题\n\n正文内容。\n"))
    scores = [PairScore(0, 0.2), PairScore(1, 0.6)]
    findings = check_scores(alignment, scores, threshold=0.45)
    assert [(f.rule, f.line, f.text, f.pair) for f in findings] == [(HIGH_DRIFT.id, 3, "正文内容。", 1)]
    assert "“Body text here.”" in findings[0].message and "“正文内容。”" in findings[0].message
    assert "0.60 > 0.45" in findings[0].message
    assert check_scores(alignment, [PairScore(0, None), PairScore(1, 0.45)], threshold=0.45) == []


def test_long_sides_are_shortened_in_the_message():
    english = "word " * 40
    alignment = align(doc(f"{english}\n"), doc("很长的中文段落。" * 20 + "\n"))
    (finding,) = check_scores(alignment, [PairScore(0, 0.9)], threshold=0.45)
    assert "…" in finding.message and len(finding.message) < 300
