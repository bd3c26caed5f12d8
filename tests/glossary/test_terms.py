"""Term alignment: the Chinese span that renders an English term."""

from qa.glossary.terms import locate, sound_similarity, term_words
from tests.conftest import doc


def segments(text):
    return doc(text, "x.zh.md").segments


def test_term_words_are_words_and_camelcase_parts():
    assert term_words("EfficientNet") == ("efficient", "net")
    assert term_words("Noisy Student") == ("noisy", "student")
    assert term_words("R-CNN") == ("cnn",)


def test_a_word_by_word_rendering_is_located_whole():
    found = locate("SparseNet", segments("我们训练稀疏网并比较。\n"), 0.5)
    assert (found.text, found.how, found.score) == ("稀疏网", "words", 1.0)


def test_a_one_word_term_is_located_by_its_dictionary_rendering():
    found = locate("stem", segments("网络的茎很小。\n"), 0.5)
    assert (found.text, found.how) == ("茎", "words")


def test_a_transliteration_is_located_by_sound():
    found = locate("Grover", segments("我们用格罗弗生成假新闻。\n"), 0.5)
    assert (found.text, found.how) == ("格罗弗", "sound")


def test_nothing_is_located_when_nothing_renders_the_term():
    assert locate("Grover", segments("我们用一个模型生成新闻。\n"), 0.5) is None


def test_a_span_taken_by_another_term_is_avoided():
    target = segments("网络的茎很小。\n")
    first = locate("stem", target, 0.5)
    assert locate("stem", target, 0.5, [(first.segment, first.start, first.end)]) is None


def test_sound_similarity_prefers_the_name_it_spells():
    assert sound_similarity("roberta", "luobota") > sound_similarity("roberta", "gelaofu")
    assert sound_similarity("bert", "bote") >= 0.6


def test_a_rendering_inside_a_longer_word_is_not_located():
    # 网 (net) inside 网络 (network) renders no part of ImageNet.
    assert locate("ImageNet", segments("对网络权重进行量化。\n"), 0.5) is None
