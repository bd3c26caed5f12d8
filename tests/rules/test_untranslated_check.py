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


def flagged(english: str, chinese: str) -> bool:
    return bool(findings(f"# Title here\n\n{english}\n", f"# 标题\n\n{chinese}\n"))


def test_a_short_line_left_in_english_is_flagged():
    assert flagged("Tokenize the text:", "Tokenize the text:")
    assert flagged("Let's talk code!", "Let's talk code!")


def test_formulas_stay_as_they_are():
    formula = "$$P([p, u, g]) = P(p) \\times P(u) \\times P(g) = \\frac{5}{210}$$"
    assert not flagged(formula, formula)


def test_terms_kept_in_a_short_block_are_not_an_untranslated_block():
    assert not flagged("### From datasets to dataloaders", "### 从 datasets 到 dataloaders")
    table = "| Options | Fast tokenizer | Slow tokenizer |\n|---|---|---|\n| batched | 10.8s | 4min41s |"
    assert not flagged(
        table, "| 选项 | 快速 tokenizer | 慢速 tokenizer |\n|---|---|---|\n| batched | 10.8s | 4min41s |"
    )


def test_content_that_stays_english_by_nature_is_not_flagged():
    reference = (
        "Lee, J. and Kim, S. (2019). Learning to rank with deep models. In Proceedings of the conference on data."
    )
    assert not flagged(reference, reference)
    assert not flagged(
        "- Smith et al. A study of the attention heads, arXiv:2001.01234, 2020.",
        "- Smith et al. A study of the attention heads, arXiv:2001.01234, 2020.",
    )
    assert not flagged("pip install the datasets package", "pip install the datasets package")
    assert not flagged("result = trainer.evaluate(eval_dataset)", "result = trainer.evaluate(eval_dataset)")
    numbers = "| model | size | speed |\n|---|---|---|\n| small one | 12 layers | 3.5 ms per step |"
    rows = findings(
        f"# Title here\n\n{numbers}\n",
        "# 标题\n\n| 模型 | 大小 | 速度 |\n|---|---|---|\n| small one | 12 layers | 3.5 ms per step |\n",
    )
    assert rows == []


def test_prose_that_looks_a_little_like_code_is_still_judged():
    sentence = "The map ensures the model is moved to your GPU(s) when there are some"
    assert flagged(sentence, sentence)
    assert flagged("make sure you have the latest version", "make sure you have the latest version")


def test_prose_that_cites_a_paper_or_names_a_call_is_still_judged():
    cited = "The encoder of the model (Vaswani et al., 2017) replaced recurrence with attention over the whole input."
    assert flagged(cited, cited)
    assert flagged("Use model.generate() for that", "Use model.generate() for that")
