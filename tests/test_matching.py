from qa.matching import PhraseMatcher
from qa.model import Span


def matcher(*phrases, case_sensitive=False):
    return PhraseMatcher((p, p, case_sensitive) for p in phrases)


def found(m, text, **kwargs):
    return [(text[x.start : x.end], x.key) for x in m.find(text, **kwargs)]


def test_cjk_needs_no_word_boundaries():
    assert found(matcher("变压器"), "基于变压器的模型") == [("变压器", "变压器")]


def test_latin_boundaries_and_plurals():
    m = matcher("CLIP", "Transformer", "GAN")
    assert found(m, "CLIPPED clips") == [("clips", "CLIP")]
    assert found(m, "Transformers and GANs, not GANGSTER") == [("Transformers", "Transformer"), ("GANs", "GAN")]
    assert found(m, "在CLIP上") == [("CLIP", "CLIP")]


def test_hyphens_spaces_case_and_full_width_fold():
    m = matcher("self-attention")
    assert len(m.find("Self attention and self-attention")) == 2
    assert found(matcher("CLIP"), "ＣＬＩＰ 模型") == [("ＣＬＩＰ", "CLIP")]


def test_case_sensitive_phrases():
    m = matcher("CLIP", case_sensitive=True)
    assert m.find("a video clip") == []
    assert len(m.find("OpenAI CLIP")) == 1


def test_longest_match_wins_unless_nested():
    m = matcher("变形金刚", "视觉变形金刚")
    assert found(m, "视觉变形金刚") == [("视觉变形金刚", "视觉变形金刚")]
    assert len(m.find("视觉变形金刚", nested=True)) == 2


def test_same_phrase_for_several_keys():
    m = PhraseMatcher([("剪辑", "CLIP", False), ("剪辑", "CutMix", False)])
    assert {x.key for x in m.find("实施剪辑")} == {"CLIP", "CutMix"}


def test_protected_spans_are_skipped():
    text = "剪辑 https://x.dev/剪辑"
    assert len(matcher("剪辑").find(text, [Span(3, len(text))])) == 1


def test_offsets_are_characters_after_multibyte_and_astral_text():
    # Matching runs over UTF-8 bytes; offsets must still be code points.
    m = matcher("变压器", "GAN")
    text = "😀 é 基于变压器和 GANs 的模型"
    assert found(m, text) == [("变压器", "变压器"), ("GANs", "GAN")]


def test_false_positives_cjk_substrings_need_a_longer_guard():
    # Substring matching finds 甘 inside 甘肃: a guard phrase (longest match wins) hides it.
    m = PhraseMatcher([("甘", "GAN", False), ("甘肃", None, False)])
    assert [x.key for x in m.find("甘肃的甘")] == [None, "GAN"]


def test_misses_none_across_odd_segmentation():
    # jieba would cut 基于变压器的 as 基于/变压器/的 but 视频剪辑 as one token; the automaton
    # needs no segmentation, so both are found.
    m = matcher("变压器", "剪辑")
    assert [t for t, _ in found(m, "基于变压器的视频剪辑")] == ["变压器", "剪辑"]


def test_many_cjk_patterns_stay_fast():
    import random
    import time

    rng = random.Random(1)
    words = {"".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(3)) for _ in range(10000)}
    m = matcher(*words)
    text = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(200_000))
    start = time.perf_counter()
    m.find(text)
    # ~0.02 s over bytes; the unicode automaton took ~1.5 s for this (CJK fan-out at the root).
    assert time.perf_counter() - start < 0.5
