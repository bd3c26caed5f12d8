from qa.align.pairs import align
from qa.model import PairScore
from qa.rules.untranslated import UNTRANSLATED, check_scores
from qa.score.signals import with_text_signals
from tests.conftest import doc
from tests.score.test_signals import CHINESE, ENGLISH


def findings(english: str, chinese: str):
    alignment = align(doc(english, "a.en.md"), doc(chinese, "a.zh.md"))
    scores = with_text_signals(tuple(PairScore(pair=p.id, drift=None) for p in alignment.pairs), alignment.pairs)
    return check_scores(alignment, scores)


def test_an_english_paragraph_left_in_the_chinese_is_flagged():
    english = f"# 标题\n\n{ENGLISH}\n"
    (finding,) = findings(f"# Title here\n\n{ENGLISH}\n", english)
    assert finding.rule == UNTRANSLATED.id and finding.line == 3 and "100%" in finding.message


def test_a_translation_that_keeps_names_is_not_flagged():
    english = "Hugging Face released a new version of the Transformers library with faster tokenizers."
    assert findings(english, "Hugging Face 发布了新版 Transformers 库，分词器更快。") == []
    assert findings(ENGLISH, CHINESE) == []
