from qa.align import align
from qa.checks.drift import HIGH_DRIFT, check_scores
from qa.model import PairScore
from tests.conftest import doc


def test_flags_only_scores_above_the_threshold():
    alignment = align(doc("# A long enough title\n\nBody text here.\n"), doc("# 足够长的标题\n\n正文内容。\n"))
    scores = [PairScore(0, 0.2), PairScore(1, 0.6)]
    findings = check_scores(alignment, scores, threshold=0.45)
    assert [(f.rule, f.line, f.text, f.pair) for f in findings] == [(HIGH_DRIFT.id, 3, "正文内容。", 1)]
    assert check_scores(alignment, [PairScore(0, None), PairScore(1, 0.45)], threshold=0.45) == []
