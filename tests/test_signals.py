import pytest

from qa.model import Pair, PairScore
from qa.signals import LENGTH, english_kept, length_units, length_z, with_text_signals
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
