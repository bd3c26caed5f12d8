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
