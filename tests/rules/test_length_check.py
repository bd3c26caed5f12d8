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


def test_a_heading_rendered_tersely_is_not_an_omission():
    assert findings("## Fine-tuning the model on your own dataset\n\nSome text.\n", "## 微调模型\n\n一些文字。\n") == []


WORDY = (
    "作者在一千万张图像上训练了一个小型视觉模型，"
    "并报告说它在大多数基准测试中与大得多的模型相当，而内存仅仅只占很小的一部分而已。"
)


def _document(blocks: list[str]) -> str:
    """The blocks numbered, so that the aligner pairs them in order."""
    return "\n\n".join(f"{block} ({k + 10})" for k, block in enumerate(blocks)) + "\n"


def test_a_wordy_translator_is_judged_against_the_documents_own_length():
    from qa.rules.length import house_style

    padded = CHINESE + "，这一点非常重要，值得读者特别注意一下"
    # One padded block among faithful ones of the predicted length: an addition.
    plain = findings(_document([ENGLISH] * 12), _document([CHINESE[:46]] * 11 + [padded]))
    assert [f.rule for f in plain] == [ADDITION.id]
    # The same block where every block runs long: the document's style, not an addition.
    alignment = align(doc(_document([ENGLISH] * 12), "a.en.md"), doc(_document([WORDY] * 11 + [padded]), "a.zh.md"))
    scores = with_text_signals(tuple(_blank(p.id) for p in alignment.pairs), alignment.pairs)
    assert house_style(scores) > 0.5
    assert check_scores(alignment, scores) == []
    # Far beyond the style it is still an addition, and the message says what it was judged against.
    alignment = align(
        doc(_document([ENGLISH] * 12), "a.en.md"), doc(_document([WORDY] * 11 + [WORDY + PADDING + PADDING]), "a.zh.md")
    )
    scores = with_text_signals(tuple(_blank(p.id) for p in alignment.pairs), alignment.pairs)
    (finding,) = check_scores(alignment, scores)
    assert finding.rule == ADDITION.id and "this document's blocks run" in finding.message


def test_a_document_of_short_blocks_is_still_an_omission():
    alignment = align(doc(_document([ENGLISH] * 12), "a.en.md"), doc(_document([CHINESE[:25]] * 12), "a.zh.md"))
    scores = with_text_signals(tuple(_blank(p.id) for p in alignment.pairs), alignment.pairs)
    assert [f.rule for f in check_scores(alignment, scores)] == [OMISSION.id] * 12


def test_short_documents_have_no_style():
    from qa.model import PairScore
    from qa.rules.length import STYLE_MIN_PAIRS, house_style

    assert house_style([PairScore(k, None, length_z=1.5) for k in range(STYLE_MIN_PAIRS - 1)]) == 0.0
    assert house_style([PairScore(k, None, length_z=1.5) for k in range(STYLE_MIN_PAIRS)]) == 1.5
    assert house_style([PairScore(k, None, length_z=-1.5) for k in range(STYLE_MIN_PAIRS)]) == 0.0
