"""code/*: snapshot per rule."""

from __future__ import annotations

import difflib
import random
import re

import pytest

from qa.model import Alignment, Pair
from qa.read.inline import prose_mask
from qa.rules import code
from qa.rules.pairwise import Located
from tests.conftest import doc
from tests.rules.snapshots import assert_snapshot, fixture_and_cases, paired


@pytest.mark.parametrize("rule", code.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: code.check_alignment(paired(english, chinese)))


BLOCKS = [
    "```python\nx = 1  # set x\n```",
    "```\n```",
    "```python\n",
    "    indented = True\n    # a comment",
    "~~~js\nlet a = 1; // 设置\n~~~",
    "```python\nprint('你好')\n```",
]


@pytest.mark.parametrize("rule", code.RULES, ids=lambda rule: rule.id)
def test_identical_blocks_skip_the_line_comparison_and_nothing_else(monkeypatch, rule):
    alignments = fixture_and_cases(rule, [(block, block) for block in BLOCKS])
    fast = [code.check_alignment(alignment) for alignment in alignments]
    monkeypatch.setattr(code, "_compare_block", code._compare_lines)
    assert [code.check_alignment(alignment) for alignment in alignments] == fast


def test_the_code_part_of_a_line_is_what_the_trailing_comment_pattern_left():
    trailing = re.compile(r"\s+(?:#+|//|--)\s.*$")
    rng = random.Random(3)
    pieces = [" ", "\t", "#", "/", "-", "x", "中", "\u3000", "\xa0", "--", "//", "\x0b", "\x1c"]
    for _ in range(20_000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randrange(15)))
        expected = "" if code._COMMENT_LINE.match(line) else trailing.sub("", line).rstrip()
        assert code._code_part(line) == expected, repr(line)


def _spans(codes: list[str]) -> list[code._Span]:
    segment = doc("x").segments[0]
    return [code._Span(text, Located(segment, i, i + 1)) for i, text in enumerate(codes)]


def test_unmatched_spans_are_those_the_first_equal_span_leaves():
    rng = random.Random(4)
    for _ in range(3_000):
        source = _spans([rng.choice("abc") for _ in range(rng.randrange(6))])
        target = _spans([rng.choice("abcd") for _ in range(rng.randrange(6))])
        left_target, left_source = list(target), []
        for english in source:
            chinese = next((t for t in left_target if t.code == english.code), None)
            if chinese is None:
                left_source.append(english)
            else:
                left_target.remove(chinese)
        assert code._unmatched(source, target) == (left_source, left_target)


def test_the_most_similar_span_is_the_first_of_the_highest_ratio():
    def similarity(a: str, b: str) -> float:
        return difflib.SequenceMatcher(a=a.lower(), b=b.lower(), autojunk=False).ratio()

    rng = random.Random(5)
    for _ in range(3_000):
        english = "".join(rng.choice("abAB") for _ in range(rng.randrange(1, 7)))
        target = _spans(["".join(rng.choice("abAB") for _ in range(rng.randrange(1, 7))) for _ in range(4)])
        best = max(target, key=lambda t: similarity(english, t.code))
        expected = best if similarity(english, best.code) >= code._SIMILAR else None
        assert code._most_similar(english, target) is expected


def test_unquoted_code_is_found_where_a_search_per_code_finds_it():
    rng = random.Random(6)
    for _ in range(2_000):
        segments = doc(
            "\n\n".join("".join(rng.choice(["ab", "c", " ", "`x`", "中"]) for _ in range(6)) for _ in range(2))
        )
        codes = ["".join(rng.choice("abcx中") for _ in range(rng.randrange(1, 3))) for _ in range(4)]
        expected = {}
        for text in codes:
            for segment in segments.segments:
                at = prose_mask(segment).find(text)
                if at >= 0:
                    expected[text] = (segment.index, at)
                    break
        found = code._find_unquoted_each(codes, segments.segments)
        assert {text: (where.segment.index, where.start) for text, where in found.items()} == expected


def test_past_the_edit_search_budget_spans_pair_in_order(monkeypatch):
    alignment = paired(doc("Use `alpha` and `beta`.\n"), doc("用 `betx` 和 `alphx`。\n"))
    by_similarity = {f.text: f.suggestion for f in code.check_alignment(alignment)}
    monkeypatch.setattr(code, "_EDIT_SEARCH_BUDGET", 0)
    in_order = {f.text: f.suggestion for f in code.check_alignment(alignment)}
    assert by_similarity == {"alphx": "alpha", "betx": "beta"}
    assert in_order == {"betx": "alpha", "alphx": "beta"}


# Classes of false alarm on good human translations (bench/false_alarms.py), each with a case
# that must stay reported beside it.


def _by_hand(*pairs: tuple[str | None, str | None]) -> Alignment:
    """An alignment given pair by pair (None: that side is empty): the aligner's choices, fixed."""
    english = doc("\n\n".join(e for e, _ in pairs if e is not None) + "\n", "en.md")
    chinese = doc("\n\n".join(z for _, z in pairs if z is not None) + "\n", "zh.md")
    sources, targets = iter(english.segments), iter(chinese.segments)
    built = []
    for index, (e, z) in enumerate(pairs):
        source = () if e is None else tuple(next(sources) for _ in doc(e + "\n").segments)
        target = () if z is None else tuple(next(targets) for _ in doc(z + "\n").segments)
        built.append(Pair(id=index, source=source, target=target, similarity=1.0 if source and target else None))
    return Alignment(source=english, target=chinese, pairs=tuple(built))


def _rules(alignment: Alignment) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in code.check_alignment(alignment)]


def test_code_blocks_merged_by_the_translation_compare_as_one_sequence_of_lines():
    first, second = "```py\nx = 1\n```", "```py\ny = 2\n```"
    english = f"{first}\n\nThen:\n\n{second}"
    assert _rules(paired(doc(english + "\n"), doc("```py\nx = 1\n\ny = 2\n```\n"))) == []
    changed = _rules(paired(doc(english + "\n"), doc("```py\nx = 1\n\ny = 3\n```\n")))
    assert changed == [("code/block-changed", "y = 3")]


def test_a_code_block_merged_with_one_the_aligner_left_alone_is_not_changed():
    merged = "```py\nx = 1\ny = 2\n```"
    alone = _by_hand(("```py\nx = 1\n```", None), ("Then:", "然后："), ("```py\ny = 2\n```", merged))
    assert _rules(alone) == []
    edited = _by_hand(
        ("```py\nx = 1\n```", None), ("Then:", "然后："), ("```py\ny = 2\n```", "```py\nx = 3\ny = 2\n```")
    )
    assert _rules(edited) == [("code/block-changed", "x = 3")]


def test_a_span_in_a_chinese_block_the_aligner_left_without_english_is_not_missing():
    # The English HTML block swallowed the paragraph after it; the Chinese made two blocks.
    english = "<pt>\nSpecify `from_tf=True` to convert it."
    split = _by_hand((english, "<pt>"), (None, "指定 `from_tf=True` 即可转换。"))
    assert _rules(split) == []
    dropped = _by_hand((english, "<pt>"), (None, "即可转换。"))
    assert _rules(dropped) == [("code/inline-missing", "")]


def test_a_span_inside_a_longer_name_is_not_contained_in_it():
    assert _rules(paired(doc("Use `model` here.\n"), doc("这里用 `model.fit()`。\n"))) == [
        ("code/inline-changed", "model.fit()")
    ]
    assert _rules(paired(doc("Use `model` here.\n"), doc("这里用 `model normalizer`。\n"))) == []


def test_spaces_beside_a_separator_do_not_count_and_others_do():
    assert code._squeeze("f( 1 , 2 )") == "f(1,2)"
    assert code._squeeze("a - > b") == "a - > b"
    assert code._squeeze('" a", b') == '" a",b'
    assert code._norm("    g(x , y)   ") == "    g(x,y)"  # the indent stays


def test_spaces_are_squeezed_as_a_pattern_would_squeeze_them():
    pattern = re.compile(r"\s+(?=[,;()\[\]{}])|(?<=[,;()\[\]{}])\s+")
    rng = random.Random(7)
    pieces = [" ", "\t", ",", "(", ")", "x", "-", "中", "\xa0", ";", "]"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        assert code._squeeze(text) == pattern.sub("", text), repr(text)


def test_a_doc_builder_reference_and_code_shaped_text_want_their_backticks_back():
    english = doc("Pass it to [`Trainer`], call `model.fit()` or the `Trainer`.\n")
    chinese = doc("传给 [Trainer]，调用 model.fit() 或 Trainer。\n")
    assert [f.text for f in code.check_alignment(paired(english, chinese))] == ["Trainer", "model.fit()"]


def test_a_word_rendered_in_chinese_is_not_missing_unless_glossed_in_a_span():
    assert _rules(paired(doc("Set the `delimiter`.\n"), doc("设置分隔符。\n"))) == []
    glossed = paired(doc("Set the `vocab` and `x_y`.\n"), doc("设置 `vocab（词汇表）`。\n"))
    assert ("code/inline-missing", "") in _rules(glossed)


def test_a_whole_span_string_without_its_quotes_is_the_same_value_and_inner_quotes_count():
    english = doc('Reset the format from `"pandas"` to `"arrow"`, then use `d["train"]`.\n')
    kept = doc("把格式从 `pandas` 重置为 `'arrow'`，然后用 `d[\"train\"]`。\n")
    assert _rules(paired(english, kept)) == []
    unquoted_inside = doc("把格式从 `pandas` 重置为 `arrow`，然后用 `d[train]`。\n")
    assert _rules(paired(english, unquoted_inside)) == [("code/inline-changed", "d[train]")]


def test_spans_paired_by_place_alone_are_a_change_only_when_the_chinese_renders_the_code():
    # A rewritten sentence names other code: the English code is missing, not changed.
    rewritten = paired(doc("When we explode `df`, we get one row each.\n"), doc("用 `explode()` 展开成每条一行。\n"))
    assert _rules(rewritten) == []
    glossed = paired(doc("All the types of `Model` you can use.\n"), doc("所有可用的 `Model（子词分词算法模型）`。\n"))
    assert _rules(glossed) == [("code/inline-changed", "Model（子词分词算法模型）")]
    translated = paired(doc("Labels such as `weatherly_x`.\n"), doc("标签如 `天气`。\n"))
    assert _rules(translated) == [("code/inline-changed", "天气")]
