import random
import re

import pytest

from qa.model import Pair, PairScore
from qa.score.signals import LENGTH, english_kept, length_units, length_z, with_text_signals
from tests.conftest import doc

ENGLISH = (
    "The authors train a small vision model on ten million images and report that it matches "
    "a much larger model on most benchmarks while using a fraction of the memory."
)
CHINESE = (
    "作者在一千万张图像上训练了一个小型视觉模型，并报告说它在大多数基准测试中与大得多的模型相当，而内存只占很小一部分。"
)


def pair(english: str, chinese: str) -> Pair:
    return Pair(0, doc(english).segments, doc(chinese).segments, None)


def test_a_human_length_translation_is_within_two_sd():
    assert abs(length_z(pair(ENGLISH, CHINESE))) < 2


def test_half_a_translation_is_far_below_the_prediction():
    z = length_z(pair(ENGLISH, CHINESE[: len(CHINESE) // 2]))
    assert z < -3


def test_names_code_and_urls_do_not_count_as_text_to_translate():
    english = "Install `transformers_openvla_oft` with PyTorch from https://example.dev/install/guide first."
    chinese = "首先从 https://example.dev/install/guide 安装带 PyTorch 的 `transformers_openvla_oft`。"
    source_units, _ = length_units(pair(english, chinese))
    assert source_units == len("Installwithfromfirst")  # PyTorch is on both sides; code and URL are not prose


def test_too_little_english_is_not_judged():
    assert length_z(pair("Hi there", "你好")) is None
    assert length_z(Pair(0, doc(ENGLISH).segments, (), None)) is None


def test_the_model_widens_for_short_blocks():
    # Same ratio, shorter block: a smaller |z|, since short blocks vary more.
    assert abs(LENGTH.z(20, 2)) < abs(LENGTH.z(200, 20))


def test_a_copied_english_paragraph_keeps_all_its_words():
    assert english_kept(pair(ENGLISH, ENGLISH)) == 1.0


def test_a_translation_keeps_names_but_not_words():
    english = "Hugging Face released a new version of the Transformers library with faster tokenizers."
    chinese = "Hugging Face 发布了新版 Transformers 库，分词器更快。"
    assert english_kept(pair(english, chinese)) == 0.0


def test_a_half_translated_paragraph_keeps_about_half():
    second = ENGLISH.split(" and report ")[1]
    kept = english_kept(pair(ENGLISH, "作者在一千万张图像上训练了一个小型视觉模型， and report " + second))
    assert 0.4 < kept < 0.8


def test_identifiers_are_not_ordinary_words():
    assert english_kept(pair("Call tf.function on my_model.", "在 my_model 上调用 tf.function。")) is None


def test_with_text_signals_fills_both_signals():
    pairs = (pair(ENGLISH, CHINESE),)
    (score,) = with_text_signals((PairScore(pair=0, drift=0.1),), pairs)
    assert score.drift == 0.1 and score.english_kept == 0.0 and score.length_z == pytest.approx(length_z(pairs[0]))


def _prose_block_by_block(segments):
    """Prose as read before the blocks were joined: each block alone, each word lower-cased alone."""
    from qa.score import signals

    words, ordinary, cjk = [], [], 0
    for segment in segments:
        if segment.kind in signals._NOT_PROSE:
            continue
        text = segment.text
        for code in segment.code_spans:
            text = text.replace(code, " ")
        text = signals._URL.sub(" ", text)
        words += signals._LATIN_WORD.findall(text)
        ordinary += _ORDINARY_AS_WRITTEN_FIRST.findall(signals._MATH.sub(" ", text))
        cjk += len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]", text))
    return signals.Prose(tuple(word.lower() for word in words), tuple(ordinary), cjk)


_ORDINARY_AS_WRITTEN_FIRST = re.compile(r"(?<![\w./\\-])(?<![A-Za-z]['’])[a-z][a-z'’]*(?![\w/\\-]|\.\w)")
"""The plain form of signals._ORDINARY_WORD, which tries its lookbehind at every character."""


@pytest.mark.parametrize(
    "markdown",
    [
        ENGLISH,
        CHINESE,
        "First block ends here\n\nsecond starts. Third-party tf.function a/b c\\d don't it’s",
        "See https://x.org/a_b and `code here` then ftp://y.z/q words\n\n- item one\n- item Two",
        "Kelvin \u212a ſ İstanbul ÉCOLE straße 中文words混合English文本\n\n```\ncode block\n```\n\n![img](a.png)",
        "end.\n\n.start _x x_ -y y- e.g. i.e. U.S. a.b.c",
        "Let's see $$\\sum_{i} x_i$$ and $a + b$ cost $5 and $10; it's 'quoted' words",
        "",
    ],
)
def test_prose_of_joined_blocks_is_the_prose_read_block_by_block(markdown):
    from qa.score.signals import prose

    segments = doc(markdown + "\n").segments if markdown else ()
    assert prose(segments) == _prose_block_by_block(segments)


def test_ordinary_word_regex_finds_what_its_plain_form_finds():
    from qa.score.signals import _ORDINARY_WORD

    rng = random.Random(5)
    texts = [
        "tf.function a/b don't x_y -z z- a.b. .c 中a",
        *("".join(rng.choice("abZ'’._-/\\ 中\n1") for _ in range(rng.randint(0, 12))) for _ in range(20_000)),
    ]
    for text in texts:
        assert _ORDINARY_WORD.findall(text) == _ORDINARY_AS_WRITTEN_FIRST.findall(text), text


def test_code_spans_leave_the_text_as_one_replace_each_did(monkeypatch):
    from qa.score import signals

    monkeypatch.setattr(signals, "_FEW_CODES", 0)  # the scan for many codes, on few
    rng = random.Random(17)
    for _ in range(20_000):
        text = "".join(rng.choice("abc中 ") for _ in range(rng.randrange(20)))
        codes = tuple("".join(rng.choice("abc中") for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(6)))
        expected = text
        for code in codes:
            expected = expected.replace(code, " ")
        assert signals._without_code(text, codes) == expected, (text, codes)


def test_formulas_have_no_ordinary_words_but_their_letters_count_as_length():
    formula = "$$p(x) = \\frac{a}{b} \\times \\sum_{i} x_i + \\log \\left( y \\right)$$"
    assert english_kept(pair(formula, formula)) is None
    assert length_z(pair(formula, formula)) is None  # every letter is on both sides
    assert length_z(pair(formula, "这个公式被换成了一段很长的文字，讲的是完全不同的事情，而且还在继续讲下去。")) > 3
    english = "The loss $L = -\\log p(x)$ is small when the model is right about the data."
    chinese = "当模型对数据判断正确时，损失 $L = -\\log p(x)$ 很小。"
    assert english_kept(pair(english, chinese)) == 0.0  # "log", "p", "x" are no words of the text
    assert length_units(pair("It costs $5 and $10 for the whole month.", "整月花费 $5 和 $10。"))[0] == len(
        "Itcostsandforthewholemonth"
    )


def test_the_tail_of_a_contraction_is_no_ordinary_word():
    from qa.score.signals import prose

    assert prose(doc("Let's see what it's for and don't stop.").segments).ordinary_words == (
        "see",
        "what",
        "it's",
        "for",
        "and",
        "don't",
        "stop",
    )
    assert english_kept(pair("Let's talk code!", "Let's talk code!")) == 1.0


def _aligned(english: str, chinese: str):
    from qa.align.pairs import align

    return align(doc(english, "a.en.md"), doc(chinese, "a.zh.md"))


def test_titles_are_not_judged_and_prose_is():
    from qa.score.signals import unjudged_pairs

    alignment = _aligned(
        "# Training algorithm\n\n- [What is attention](#what-is-attention)\n- [Results](#results), [Code](#code)\n\n"
        "Or in a terminal:\n\n- [the paper](https://arxiv.org/abs/1706.03762) explains it\n",
        "# 训练算法\n\n- [什么是注意力](#什么是注意力)\n- [结果](#结果)，[代码](#代码)\n\n或者在终端中：\n\n"
        "- [这篇论文](https://arxiv.org/abs/1706.03762) 解释了它\n",
    )
    assert [p.type.value for p in alignment.pairs] == ["1-1"] * 5
    assert unjudged_pairs(alignment) == {0, 1, 2}  # heading and table-of-contents entries


TABLE_EN = (
    "| Task | Description |\n|---|---|\n"
    "| Text classification | assign a label to a sequence |\n| Summarization | write a summary of a text |\n"
)
TABLE_ZH = "| 任务 | 描述 |\n|---|---|\n| 文本分类 | 为序列分配标签 |\n| 文本摘要 | 为文本写摘要 |\n"


def test_rows_of_tables_with_the_same_rows_are_judged_and_of_tables_that_differ_are_not():
    from qa.score.signals import unjudged_pairs

    assert unjudged_pairs(_aligned(TABLE_EN, TABLE_ZH)) == frozenset()
    grown = TABLE_ZH + "| 翻译 | 把文本译成另一种语言 |\n"
    alignment = _aligned(TABLE_EN + "\nAfter the table.\n", grown + "\n表格之后。\n")
    rows = {p.id for p in alignment.pairs if p.source and p.target and p.source[0].kind.value == "table_row"}
    assert rows and unjudged_pairs(alignment) == rows
