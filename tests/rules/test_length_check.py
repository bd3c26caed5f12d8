from qa.align.pairs import align
from qa.rules.length import ADDITION, OMISSION, check_scores
from qa.score.signals import with_text_signals
from tests.conftest import doc
from tests.score.test_signals import CHINESE, ENGLISH

PADDING = "，而且作者声称这一结果在所有语言、所有任务和所有硬件上都成立，并将在明年发布更多的模型和数据集"


def findings(english: str, chinese: str):
    alignment = align(doc(english, "a.en.md"), doc(chinese, "a.zh.md"))
    scores = with_text_signals(tuple(_blank(p.id) for p in alignment.pairs), alignment.pairs)
    return check_scores(alignment, scores)


def _blank(pair_id):
    from qa.model import PairScore

    return PairScore(pair=pair_id, drift=None)


def test_a_truncated_paragraph_is_an_omission():
    (finding,) = findings(ENGLISH, CHINESE[:30])
    assert finding.rule == OMISSION.id and finding.line == 1 and finding.file == "a.zh.md"
    assert "shorter" in finding.message and "a.en.md:1" in finding.message


def test_a_padded_paragraph_is_an_addition():
    (finding,) = findings(ENGLISH, CHINESE + PADDING + PADDING)
    assert finding.rule == ADDITION.id and "longer" in finding.message


def test_a_faithful_translation_is_not_flagged():
    assert findings(ENGLISH, CHINESE) == []
