import pytest

from qa.align.pairs import align
from qa.score.reference import reference_texts, score_reference
from tests.conftest import doc

ENGLISH = "# A title that is long\n\nThe first paragraph says one thing.\n\nThe second paragraph says another.\n"
REFERENCE = "# 一个很长的标题\n\n第一段说了一件事。\n\n第二段说了另一件事。\n"


def scored(target: str, reference: str = REFERENCE):
    source = doc(ENGLISH, "a.en.md")
    alignment = align(source, doc(target, "a.zh.md"))
    return alignment, score_reference("ref.zh.md", alignment, align(source, doc(reference, "ref.zh.md")))


def test_the_reference_itself_scores_100():
    _, (per_pair, document) = scored(REFERENCE)
    assert document.chrf == pytest.approx(100) and document.bleu == pytest.approx(100)
    assert set(per_pair.values()) == {(100.0, 100.0)} and len(per_pair) == 3 == document.pairs
    assert dict(document.signatures)["bleu"].startswith("nrefs:1|case:mixed|eff:no|tok:zh")


def test_each_pair_is_compared_with_the_reference_for_the_same_english():
    alignment, (per_pair, document) = scored("# 一个很长的标题\n\n第一段说了一件事。\n\n第二段讲的完全是别的内容。\n")
    texts = reference_texts(alignment, align(doc(ENGLISH), doc(REFERENCE)))
    assert [t.reference for t in texts] == ["一个很长的标题", "第一段说了一件事。", "第二段说了另一件事。"]
    assert per_pair[0] == (100.0, 100.0) and per_pair[1] == (100.0, 100.0)
    assert per_pair[2][0] < 60
    assert document.chrf < 100


def test_a_dropped_paragraph_counts_against_the_document():
    _, (_, complete) = scored(REFERENCE)
    _, (per_pair, dropped) = scored("# 一个很长的标题\n\n第一段说了一件事。\n")
    assert dropped.chrf < complete.chrf and dropped.bleu < complete.bleu
    assert len(per_pair) == 2  # one English paragraph has no Chinese to score


def test_nothing_to_compare_gives_no_document_score():
    source = doc("```\ncode only\n```\n")
    alignment = align(source, doc("```\ncode only\n```\n"))
    assert score_reference("ref.zh.md", alignment, alignment) == ({}, None)
