"""numbers/*: snapshot per rule, and the parsing of Chinese and English numbers it rests on."""

from __future__ import annotations

import random
import re

import pytest

from qa.read.inline import prose_mask
from qa.read.numbers import Number, NumberKind, find_numbers, name_pattern
from qa.rules import numbers
from qa.rules.pairwise import Located
from tests.conftest import doc
from tests.rules.snapshots import assert_snapshot, fixture_and_cases, paired


@pytest.mark.parametrize("rule", numbers.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: numbers.check_alignment(paired(english, chinese)))


def values(text: str, language: str) -> list[tuple[str, str, str, bool]]:
    return [(n.kind.value, n.key, text[n.start : n.end], n.strong) for n in find_numbers(text, language)]


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("45 亿", "4.5 billion"),
        ("四十五亿", "4.5 billion"),
        ("3 万", "30,000"),
        ("200 万", "2 million"),
        ("1750 亿", "175B"),
        ("百分之三", "3%"),
        ("百分之 0.3", "0.3 percent"),
        ("３２", "32"),
        ("3 月", "March"),
        ("8K", "8K"),
        ("两", "two"),
        ("九", "nine"),
    ],
)
def test_chinese_and_english_forms_have_the_same_key(chinese, english):
    (zh,) = find_numbers(chinese, "zh")
    (en,) = find_numbers(english, "en")
    assert (zh.kind, zh.key) == (en.kind, en.key)


def test_names_ids_and_versions_are_kept_whole():
    found = values("GPT-3、ResNet50、H7、EfficientNet-B7、top-1、[2103.12731]、v1.2.3", "zh")
    assert [(kind, text) for kind, _, text, _ in found] == [
        ("name", "GPT-3"),
        ("name", "ResNet50"),
        ("name", "H7"),
        ("name", "EfficientNet-B7"),
        ("name", "top-1"),
        ("name", "2103.12731"),
        ("name", "v1.2.3"),
    ]


def test_dates_ranges_and_dimensions():
    assert values("2021 年 3 月 28 日", "zh") == [
        ("number", "2021", "2021", True),
        ("month", "3", "3 月", True),
        ("number", "28", "28", True),
    ]
    assert [k for _, k, _, _ in values("March 28, 2021", "en")] == ["3", "28", "2021"]
    assert [k for _, k, _, _ in values("3-5 层，38x38 像素", "zh")] == ["3", "5", "38", "38"]


def test_words_are_weak_and_may_is_a_month_only_next_to_a_number():
    assert values("one of the nine models", "en") == [
        ("number", "1", "one", False),
        ("number", "9", "nine", False),
    ]
    assert [n.kind for n in find_numbers("In May 2015 we may go", "en")] == [NumberKind.MONTH, NumberKind.NUMBER]
    assert [(n.key, n.strong) for n in find_numbers("一个简单的想法", "zh")] == [("1", False)]


def test_a_number_that_is_not_a_count_is_not_read():
    assert find_numbers("万一千万", "zh") == []  # "in case", "by all means": no digit numeral in them
    assert find_numbers("GPT-3 每天", "zh")[0].kind is NumberKind.NAME


TRICKY = [
    "没有数字的一句话，三点五和两个",
    "In May we may go, nine or ninety-nine times",
    "Sept 3 and May 2015, Oct. 31",
    "GPT-3 与 ResNet50、EfficientNet-B7、top-1 和 2103.12731v2",
    "v1.2.3 版本于 3 月发布，增长 45 亿",
    "３２ 个和 ＧＰＴ－３、１２．５％",  # full-width digits, letters, point and percent
    "٣ 和 ३ are digits to \\d but not to [0-9]",
    "In March, no digit",
    "百分之三十五，没有数字",
    "百分之三十 and 百分之 0.3",
    "175B、8K and 4.5 billion, 30,000",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_skipping_the_digit_patterns_changes_nothing(text, language):
    from qa.read import numbers as module

    for words in (True, False):
        every_pattern = module._find(text.translate(module._FULL_WIDTH), language, digits=True, words=words)
        assert find_numbers(text, language, words=words) == every_pattern


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_leaving_out_number_words_leaves_out_only_the_weak_numbers(text, language):
    every = find_numbers(text, language)
    assert find_numbers(text, language, words=False) == [n for n in every if n.strong]


PAIRS = [
    ("uses only 0.3% of the labels", "只使用了少量标签"),
    ("the model converges faster", "模型收敛速度提高了 3 倍"),
    ("nine models", "9 个模型"),
    ("3 models and one idea", "三个模型和一个想法"),
    ("one of the two", "其中一个"),
    ("GPT-3 and EfficientNet-B5", "GPT 3 和 EfficientNet-B7"),
    ("b=32, h=3", "b=23，h=3"),
    ("0.3% in March", "0.3 在 3 月"),
    ("Top-5 accuracy, Table 5", "前 5 准确率，表 5"),
    ("twenty-one layers", "21 层，两个头"),
    ("", ""),
]


@pytest.mark.parametrize("rule", numbers.RULES, ids=lambda rule: rule.id)
def test_a_first_pass_without_number_words_changes_no_finding(monkeypatch, rule):
    alignments = fixture_and_cases(rule, PAIRS)
    fast = [numbers.check_alignment(alignment) for alignment in alignments]

    def with_every_word(segments, language):
        return [(segment, find_numbers(prose_mask(segment), language)) for segment in segments]

    # Both passes read every number, words included, from scratch.
    monkeypatch.setattr(numbers, "_numbers_without_words", with_every_word)
    monkeypatch.setattr(
        numbers, "_with_words", lambda found, language: with_every_word([s for s, _ in found], language)
    )
    assert [numbers.check_alignment(alignment) for alignment in alignments] == fast


_ANY_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9]*(?:[-_.]?[A-Za-z0-9]+)*")
"""Every name, with or without a digit, as numbers._NAME read them before it matched only names with one."""


def test_names_with_a_digit_are_the_names_of_every_word_that_have_one():
    from qa.read import numbers as module

    texts = [*TRICKY, "a-b-3 x--3 y_.2 z.3. a3-. -a3 3a a٣ 中a3文 a-3-b-c.d_e9 ab-.c1 q-1-", "Top-1、ResNet-50v2."]
    alphabet = "ab3-_. ٣中"
    rng = random.Random(7)
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(3000)]
    for text in texts:
        every_word = [m.span() for m in _ANY_NAME.finditer(text) if re.search(r"\d", m.group())]
        assert [m.span() for m in module.names(text)] == every_word, text


MASKED = [
    *TRICKY,
    "In Ｍａｒｃｈ, written full-width",  # a month name only once mapped to ASCII
    "`March` and [Nov](https://x.org/June) and <b>July</b> as code, URL and tag",
    "xMarchy: a month inside a word, and 3 in `code`",
    "百分\n之三 split by a line; 百分之 alone",
    "no number here at all, nor 数字",
]


@pytest.mark.parametrize("text", MASKED)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_text_that_may_have_no_numbers_has_none_in_any_mask(text, language):
    from qa.read.inline import blanked
    from qa.read.numbers import may_have_numbers

    if may_have_numbers(text, language):
        return
    rng = random.Random(text)
    masks = [text] + [blanked(text, [(a, a + rng.randrange(1, 6)) for a in range(0, len(text), 4)]) for _ in range(5)]
    for mask in masks:
        assert find_numbers(mask, language, words=False) == []


@pytest.mark.parametrize("rule", numbers.RULES, ids=lambda rule: rule.id)
def test_the_pair_pretest_changes_no_finding(monkeypatch, rule):
    alignments = fixture_and_cases(rule, [*PAIRS, *((text, text) for text in MASKED)])
    fast = [numbers.check_alignment(alignment) for alignment in alignments]
    monkeypatch.setattr(numbers, "may_have_numbers", lambda text, language: True)
    assert [numbers.check_alignment(alignment) for alignment in alignments] == fast


def _find_loose(key, segments, claimed):
    """checks.numbers._find_loose as it was: the name's pattern searched for in each block."""
    pattern = name_pattern(key)
    for segment in segments:
        for match in pattern.finditer(prose_mask(segment)):
            where = Located(segment, match.start(), match.end())
            if any(c.isspace() for c in where.text) and not any(numbers._overlaps(where, c) for c in claimed):
                return where
    return None


def test_names_written_apart_are_found_where_a_search_per_name_finds_them():
    rng = random.Random(13)
    keys = ["gpt3", "gpt", "a1", "b12", "resnet50", "top1", "2103.12731", "1.2.3", "12.3", "k1", "s2", "i3", "a1a1"]
    pieces = ["gpt", "GPT", "3", " ", "-", "_", ".", "a", "1", "b", "12", "ResNet", "50", "top", "K", "İ", "ı"]
    pieces += ["ſ", "中", "2103", "12731", "\u3000", "k", "s", "i", "x", "9"]
    for _ in range(5_000):
        blocks = ["".join(rng.choice(pieces) for _ in range(rng.randrange(15))) for _ in range(rng.randrange(1, 3))]
        segments = doc("\n\n".join(blocks) + "\n").segments
        wanted = [rng.choice(keys) for _ in range(rng.randrange(1, 5))]
        loose, claimed = numbers._LooseNames(wanted, segments), []
        for key in wanted:
            expected = _find_loose(key, segments, claimed)
            if expected is not None:
                claimed.append(expected)
            assert loose.first(key) == expected, (blocks, wanted, key)


def test_the_loose_name_fold_is_what_ignorecase_and_the_separators_make_of_each_character():
    # Every character IGNORECASE matches to an ASCII letter or digit is folded to it (those whose
    # case mappings have one are the only candidates), and every separator is below U+3001.
    for char in map(chr, range(0x110000)):
        mapped = {char.lower(), char.upper(), char.casefold(), char.swapcase()}
        if any(c.isascii() for m in mapped for c in m) and not char.isascii():
            folded = [a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(a, char, re.IGNORECASE)]
            assert numbers._LOOSE_FOLD.get(ord(char)) == (folded[0] if folded else None), hex(ord(char))
    assert not any(re.fullmatch(numbers._SEPARATOR, chr(code)) for code in range(0x3001, 0x110000, 1))


def _found(keys: list[tuple[NumberKind, str, bool]]) -> list[numbers._Found]:
    segment = doc("x").segments[0]
    return [numbers._Found(Number(kind, key, i, i + 1, strong), segment) for i, (kind, key, strong) in enumerate(keys)]


def _random_numbers(rng: random.Random) -> list[numbers._Found]:
    kinds = [NumberKind.NUMBER, NumberKind.PERCENT, NumberKind.NAME, NumberKind.MONTH]
    keys = ["1", "2", "3", "gpt3", "gpt4", "b5"]
    return _found([(rng.choice(kinds), rng.choice(keys), rng.random() < 0.7) for _ in range(rng.randrange(7))])


def test_equal_numbers_are_matched_as_by_a_search_of_the_rest():
    def by_search(source, target):
        left_target = sorted(target, key=lambda t: not t.number.strong)
        left_source = []
        for english in sorted(source, key=lambda s: not s.number.strong):
            key = (english.number.kind, english.number.key)
            match = next((t for t in left_target if (t.number.kind, t.number.key) == key), None)
            if match is None:
                left_source.append(english)
            else:
                left_target.remove(match)
        return numbers._in_order(left_source), numbers._in_order(left_target)

    rng = random.Random(14)
    for _ in range(3_000):
        source, target = _random_numbers(rng), _random_numbers(rng)
        assert numbers._match_equal(source, target) == by_search(source, target)


def test_changed_numbers_pair_as_by_a_search_of_the_rest():
    def by_search(source, target):
        source, target, changed = list(source), list(target), []

        def pair_up(english, chinese):
            changed.append((english, chinese))
            source.remove(english)
            target.remove(chinese)

        for english in [s for s in source if s.number.kind is NumberKind.NAME]:
            chinese = next((t for t in target if t.number.stem == english.number.stem), None)
            if chinese is not None:
                pair_up(english, chinese)
        for english in [s for s in source if s.number.kind is not NumberKind.NAME]:
            chinese = next(
                (t for t in target if t.number.kind is not NumberKind.NAME and t.number.key == english.number.key),
                None,
            )
            if chinese is not None:
                pair_up(english, chinese)
        for kind in (NumberKind.NUMBER, NumberKind.PERCENT, NumberKind.MONTH):
            english_left = [s for s in source if s.number.kind is kind]
            chinese_left = [t for t in target if t.number.kind is kind]
            if english_left and len(english_left) == len(chinese_left):
                for english, chinese in zip(english_left, chinese_left, strict=True):
                    pair_up(english, chinese)
        return sorted(changed, key=lambda c: numbers._order(c[1])), source, target

    rng = random.Random(15)
    for _ in range(3_000):
        source, target = _random_numbers(rng), _random_numbers(rng)
        assert numbers._pair_changed(source, target) == by_search(source, target)


def test_names_written_apart_or_translated_around_are_matched_as_by_a_search_of_each():
    def by_search(source, target, pair):
        loose, left_source = [], []
        for english in source:
            if english.number.kind is not NumberKind.NAME:
                left_source.append(english)
                continue
            written = _find_loose(english.number.key, pair.target, [w for _, w in loose])
            if written is not None:
                target = [t for t in target if not numbers._overlaps(t.where, written)]
                loose.append((english, written))
                continue
            digits = re.findall(r"\d+", english.number.key)
            kept = next(
                (
                    t
                    for t in target
                    if t.number.kind is NumberKind.NUMBER and digits and t.number.key == str(int(digits[-1]))
                ),
                None,
            )
            if kept is not None and not any(c.isalpha() for c in kept.where.text):
                target = [t for t in target if t is not kept]
                continue
            left_source.append(english)
        return left_source, target, loose

    rng = random.Random(25)
    english_pieces = ["GPT-3", "Top-5", "Table 5", "ResNet50", "3", "5", "v1.2.3", " ", "and", "B7"]
    chinese_pieces = ["GPT 3", "前 5", "表 5", "ResNet 50", "3", "5", "1.2.3", " ", "和", "B 7", "x5"]
    for _ in range(2_000):
        pair = paired(
            doc("".join(rng.choice(english_pieces) for _ in range(6)) + "\n"),
            doc("".join(rng.choice(chinese_pieces) for _ in range(6)) + "\n"),
        ).pairs[-1]
        source = [numbers._Found(n, s) for s in pair.source for n in find_numbers(prose_mask(s), "en")]
        target = [numbers._Found(n, s) for s in pair.target for n in find_numbers(prose_mask(s), "zh")]
        assert numbers._match_loose_names(source, target, pair) == by_search(source, target, pair)
