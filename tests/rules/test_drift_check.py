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


def test_titles_and_rows_of_tables_that_differ_are_not_judged_but_short_prose_is():
    english = (
        "## Training algorithm\n\n- [What is attention](#what-is-attention)\n\nOr in a terminal:\n\n"
        "| Task | Description |\n|---|---|\n| Summarization | write a summary of a text |\n"
    )
    chinese = (
        "## BPE 训练\n\n- [什么是注意力](#什么是注意力)\n\n或者在终端中逐步试验：\n\n"
        "| 任务 | 描述 |\n|---|---|\n| 文本摘要 | 为文本写摘要 |\n| 翻译 | 把文本译成另一种语言 |\n"
    )
    alignment = align(doc(english), doc(chinese))
    scores = [PairScore(p.id, 0.9 if p.source and p.target else None) for p in alignment.pairs]
    flagged = [f.text for f in check_scores(alignment, scores, threshold=0.45)]
    assert flagged == ["或者在终端中逐步试验："]
