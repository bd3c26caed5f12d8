import os

import pytest

from qa.glossary.match import PhraseMatcher, outermost
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


# A brute-force reference: every phrase tried at every offset of the folded text, folding
# and word boundaries written out from the module docstring. The matcher folds only what its
# phrases can see, skips boundary checks for CJK-edged phrases and scans bytes; it must
# still find exactly this.
_WORD = set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _fold(text, case_sensitive):
    folded = ""
    for ch in text:
        if ch in "-_\u2010\u2011\u2012\u2013\u3000\uff0d":
            ch = " "
        elif 0xFF01 <= ord(ch) <= 0xFF5E:  # full width
            ch = chr(ord(ch) - 0xFEE0)
        folded += ch if case_sensitive or len(ch.lower()) > 1 else ch.lower()
    return folded


def _reference(phrases, text, protected):
    found = set()
    for phrase, key, case_sensitive in phrases:
        folded = " ".join(_fold(phrase, case_sensitive).split())
        haystack = _fold(text, case_sensitive)
        for start in range(len(haystack)):
            if not folded or not haystack.startswith(folded, start):
                continue
            end = start + len(folded)
            if start > 0 and haystack[start - 1] in _WORD and haystack[start] in _WORD:
                continue
            if folded[-1] in _WORD:
                plurals = ("es", "s", "") if folded[-1].isalpha() else ("",)
                ends = [end + len(s) for s in plurals if haystack[end : end + len(s)].lower() == s]
                ends = [e for e in ends if e == len(haystack) or haystack[e] not in _WORD]
                if not ends:
                    continue
                end = ends[0]
            if not any(start < span.end and span.start < end for span in protected):
                found.add((start, end, key))
    return found


def _longest(found):
    chosen, taken_until, taken = set(), -1, None
    for start, end, key in sorted(found, key=lambda c: (c[0], c[0] - c[1])):
        if (start, end) == taken or start >= taken_until:
            chosen.add((start, end, key))
            if (start, end) != taken:
                taken_until, taken = end, (start, end)
    return chosen


def test_matches_the_brute_force_reference_on_tricky_text():
    import random

    rng = random.Random(7)
    # Case, plurals, full-width letters and punctuation, hyphens and dashes, a character
    # that grows when lower-cased (İ), astral and accented characters, CJK.
    alphabet = [*"aAbBsSeE1，,&＆·－-_‐\u3000 变压器İé😀", "ａ", "Ｓ", "１"]
    spellings: dict[str, list[str]] = {}
    for ch in alphabet:
        spellings.setdefault(_fold(ch, False), []).append(ch)

    def spelled(phrase):  # as a text might write it: another case, full width, another dash
        return "".join(rng.choice(spellings.get(_fold(ch, False), [ch])) for ch in phrase)

    for _ in range(300):
        # A few characters per round, and texts made partly of the phrases, so they occur.
        letters = rng.sample(alphabet, 8)
        phrases = [
            ("".join(rng.choice(letters) for _ in range(rng.randint(1, 4))), f"k{i}", rng.random() < 0.3)
            for i in range(rng.randint(1, 6))
        ]
        m = PhraseMatcher(phrases)
        for _ in range(5):
            chunks = [
                spelled(rng.choice(phrases)[0]) if rng.random() < 0.5 else rng.choice(letters)
                for _ in range(rng.randint(0, 10))
            ]
            text = "".join(chunks)
            protected = [Span(3, 6)] if rng.random() < 0.3 else []
            expected = _reference(phrases, text, protected)
            nested = m.find(text, protected, nested=True)
            assert {(x.start, x.end, x.key) for x in nested} == expected, (phrases, text)
            default = m.find(text, protected)
            assert {(x.start, x.end, x.key) for x in default} == _longest(expected), (phrases, text)
            assert outermost(nested) == default


def test_find_each_is_find_on_every_text():
    # One scan of the texts joined: matches must not cross from one text into the next, a
    # text's edges must still be word boundaries, plurals must not run into the next text,
    # protected spans and offsets stay per text, and lower-casing must not change (final
    # sigma, İ which grows when lower-cased, in one text but not the others).
    import random

    rng = random.Random(11)
    alphabet = [*"aAsSeE1 -变压器ΑΣσςİé😀\n", "ａ", "Ｓ"]
    for _ in range(1000):
        phrases = [
            ("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))), f"k{i}", rng.random() < 0.3)
            for i in range(rng.randint(1, 5))
        ]
        m = PhraseMatcher(phrases)
        # Phrases and noise cut at random places, sometimes dropping the character there:
        # phrases straddle two texts, and "a a" can become "a" | "a".
        whole = "".join(rng.choice([rng.choice(phrases)[0], rng.choice(alphabet)]) for _ in range(rng.randint(0, 12)))
        cuts = sorted(rng.sample(range(len(whole) + 1), min(len(whole) + 1, rng.randint(0, 5))))
        ends = [*cuts, len(whole)]
        starts = [0, *(cut + (rng.random() < 0.5) for cut in cuts)]
        pieces = [whole[a:b] for a, b in zip(starts, ends, strict=True)]
        texts = [(piece, [Span(1, 3)] if rng.random() < 0.3 else []) for piece in pieces]
        for nested in (False, True):
            assert m.find_each(texts, nested=nested) == [m.find(t, p, nested=nested) for t, p in texts], (
                phrases,
                texts,
            )


def test_texts_a_protected_span_covers_are_matched_as_the_reference_matches_them():
    # find_each skips a text whose first protected span covers it from end to end; spans that
    # reach past either end, that miss the first or last character, or that come second in
    # the tuple must give what the reference gives, as must the texts around a skipped one.
    import random

    rng = random.Random(5)
    alphabet = [*"aAsSeE1 -变压器İ😀\n", "ａ"]
    for _ in range(400):
        phrases = [
            ("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))), f"k{i}", rng.random() < 0.3)
            for i in range(rng.randint(1, 4))
        ]
        m = PhraseMatcher(phrases)
        texts = []
        for _ in range(rng.randint(1, 4)):
            text = "".join(rng.choice([rng.choice(phrases)[0], rng.choice(alphabet)]) for _ in range(rng.randint(0, 6)))
            n = len(text)
            spans = rng.choice(
                [
                    [],
                    [Span(0, n)],
                    [Span(-2, n + 3)],
                    [Span(0, max(n - 1, 0))],
                    [Span(min(1, n), n)],
                    [Span(1, 2), Span(0, n)],
                    [Span(0, n), Span(1, 2)],
                ]
            )
            texts.append((text, spans))
        for nested in (False, True):
            found = m.find_each(texts, nested=nested)
            for (text, spans), matches in zip(texts, found, strict=True):
                expected = _reference(phrases, text, spans)
                assert {(x.start, x.end, x.key) for x in matches} == (expected if nested else _longest(expected))


def test_one_candidate_is_chosen_as_sorting_would_choose_it():
    from qa.glossary.match import _chosen, _sorted_unique

    for keys in [("a",), ("b", "a"), ("c", "a", "b"), (3, 1, 2)]:
        for nested in (False, True):
            candidates = [(4, 9, keys)]
            assert _chosen(candidates, nested=nested) == _sorted_unique(candidates, nested=nested)
            assert [m.key for m in _chosen(candidates, nested=nested)] == list(keys)


def test_the_case_facts_ascii_lowering_rests_on_hold_for_every_code_point():
    import sys

    from qa.glossary.match import _LOWERS_TO_ASCII, _caseless_or_ascii

    to_ascii, caseless_targets = set(), set()
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        lowered = ch.lower()
        if lowered == ch:
            continue
        if not ch.isascii() and any(t.isascii() for t in lowered):
            to_ascii.add(ch)
        caseless_targets.update(t for t in lowered if not t.isascii() and t.upper() == t == t.lower())
    assert to_ascii == set(_LOWERS_TO_ASCII)
    assert caseless_targets == {"\u0307"}
    assert not _caseless_or_ascii("\u0307") and not _caseless_or_ascii("é") and _caseless_or_ascii("变")


def test_ascii_lowering_finds_what_the_reference_finds_in_text_with_other_cased_letters():
    # Phrases of ASCII and CJK take the ASCII-only lowering; the texts have what str.lower()
    # changes beyond ASCII (É, Σ at a word's end, the Kelvin sign, İ, which grows) and a
    # bare U+0307, next to the phrases' letters.
    import random

    rng = random.Random(13)
    phrase_alphabet = [*"aAkKiIsSeE1 变器"]
    text_alphabet = [*phrase_alphabet, *"ÉéΣσςΑ\u212a\u0130\u0307", "ｋ"]
    lowered_by_ascii = 0
    for _ in range(600):
        phrases = [
            ("".join(rng.choice(phrase_alphabet) for _ in range(rng.randint(1, 3))), f"k{i}", rng.random() < 0.2)
            for i in range(rng.randint(1, 4))
        ]
        m = PhraseMatcher(phrases)
        assert m._ascii_lowering
        texts = []
        for _ in range(rng.randint(1, 3)):
            pieces = [rng.choice([rng.choice(phrases)[0], rng.choice(text_alphabet)]) for _ in range(rng.randint(0, 8))]
            texts.append(("".join(pieces), []))
        lowered_by_ascii += not any(ch in text for text, _ in texts for ch in "\u212a\u0130")
        for nested in (False, True):
            for (text, spans), matches in zip(texts, m.find_each(texts, nested=nested), strict=True):
                expected = _reference(phrases, text, spans)
                assert {(x.start, x.end, x.key) for x in matches} == (expected if nested else _longest(expected)), (
                    phrases,
                    text,
                )
    assert lowered_by_ascii > 100  # the path under test was taken


def test_occurrences_are_every_place_a_search_finds():
    import random

    from qa.glossary import match as matching
    from qa.glossary.match import Occurrences

    rng = random.Random(23)
    for short in (64, 3):  # the automaton, and the search of long strings alone
        matching_short, matching._SHORT_KEY = matching._SHORT_KEY, short
        try:
            for _ in range(2_000):
                text = "".join(rng.choice("ab中") for _ in range(rng.randrange(20)))
                keys = {"".join(rng.choice("ab中") for _ in range(rng.randrange(1, 6))) for _ in range(4)}
                found = Occurrences(keys)
                expected = sorted((i, k) for k in keys for i in range(len(text)) if text.startswith(k, i))
                places = list(found(text))
                assert sorted(places) == expected
                for key in keys:  # each string's places in the order of their starts
                    starts = [i for i, k in places if k == key]
                    assert starts == sorted(starts)
                assert found.first(text) == {k: min(i for i, key in expected if key == k) for _, k in expected}
        finally:
            matching._SHORT_KEY = matching_short


# --- is a Chinese match a word where it stands (jieba's segmentation) ----------------------


def _word(text, part, approved=()):
    from qa.glossary.match import stands_as_word

    at = text.index(part)
    return stands_as_word(text, at, at + len(part), approved)


@pytest.mark.parametrize(
    ("text", "part", "approved", "expected"),
    [
        ("基于变压器的模型", "变压器", (), True),  # a word among words
        ("维特很快", "维特", (), True),
        ("下一代应用", "一代", (), False),  # inside a longer word
        ("维特根斯坦说", "维特", (), False),  # the start of a longer word
        ("处理高维特征", "维特", (), False),  # begins inside a word, ends inside the next
        ("用逐渐变长的序列", "渐变", (), False),
        ("操纵图纸", "纸", (), False),  # one character inside a common word
        ("我们微调整个模型", "微调整", ("微调",), False),  # an approved rendering + the next word's start
        ("我们进行了微调整", "微调整", ("微调",), True),
        ("处理拥抱面部的交互", "拥抱面", (), True),  # the MT's rendering runs on into the next word
        ("变压器", "变压器", (), True),  # nothing around it
        ("用 ViT 模型", "ViT", (), True),  # not Han: taken as it is
    ],
)
def test_a_match_is_a_word_where_it_stands(text, part, approved, expected):
    assert _word(text, part, approved) is expected


def test_the_sqlite_dictionary_segments_as_jieba_does(tmp_path):
    import jieba

    from qa.glossary.match import open_words

    words = open_words(tmp_path)
    assert words is not None and list(tmp_path.glob("qa-jieba-words-*.sqlite"))
    jieba.setLogLevel(60)
    sentences = ["我们微调整个模型", "处理高维特征", "用逐渐变长的序列训练模型", "在图像网上达到最好的结果"]
    for sentence in [*sentences, "从零开始训练"]:
        assert words.cut(sentence)[0] == jieba.lcut(sentence, HMM=False)
    assert open_words(tmp_path) is not None  # built once, then opened


def test_without_a_readable_dictionary_every_match_stands(tmp_path, monkeypatch):
    from qa.glossary import match

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    assert match.open_words(blocked) is None
    monkeypatch.setattr(match, "_WORDS", (match.os.getpid(), None))
    assert _word("下一代应用", "一代") is True


def test_a_dictionary_copy_others_may_write_is_not_read(tmp_path):
    # Someone else's file under our name (the temporary folder is shared) could make any run
    # read a dictionary that hides findings: it is left alone and a private copy is built.
    from qa.glossary.match import open_words

    assert open_words(tmp_path) is not None
    planted = next(tmp_path.glob("qa-jieba-words-*.sqlite"))
    planted.write_bytes(b"not a dictionary")
    planted.chmod(0o666)
    words = open_words(tmp_path)
    assert words is not None and words.cut("我们微调整个模型")[0] == ["我们", "微调", "整个", "模型"]
    assert planted.read_bytes() == b"not a dictionary"


def test_the_private_copy_made_past_a_planted_file_is_removed_at_exit(tmp_path):
    import subprocess
    import sys

    from qa.glossary.match import open_words

    assert open_words(tmp_path) is not None
    planted = next(tmp_path.glob("qa-jieba-words-*.sqlite"))
    planted.chmod(0o666)
    script = "from qa.glossary.match import open_words; assert open_words() is not None"
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script], env=environment, check=True, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == [planted.name]
