"""typography/*: snapshot per rule; these rules read the Chinese alone."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from qa.rules import typography
from tests.conftest import doc
from tests.rules.snapshots import assert_snapshot, paired


@pytest.mark.parametrize("rule", typography.RULES, ids=lambda rule: rule.id)
def test_rule_snapshot(rule):
    assert_snapshot(rule, lambda english, chinese: typography.check_document(chinese))


def test_findings_carry_their_pair_when_there_is_an_alignment():
    english, chinese = doc("# Title\n\nIt is good, really.\n"), doc("# 标题\n\n它很好,真的。\n")
    (finding,) = typography.check_alignment(paired(english, chinese))
    assert (finding.rule, finding.text, finding.suggestion, finding.pair) == (
        typography.HALFWIDTH_PUNCTUATION.id,
        ",",
        "，",
        1,
    )


# Each is a block of its own, so no other mark or boundary gets it formatted: which of
# ,?.:!; beside which characters AutoCorrect widens (the pre-test assumes its fullwidth rule).
MARKS_ALONE = [
    "1.本周",
    "第3.5节",
    "中文.a",
    "a.中文",
    "a!中文",
    "a:中文",
    "中文:a",
    "x?中",
    "中?x",
    "中文;好",
    "好;中文",
    "中文!!",
    "中!?",
    "中.,好",
    "好).中",
    "（中）,好",
    "「好」,a",
    "好」.",
    "**好**.下",
    "中文.**粗**",
    "中文!*斜*",
    "中文.`代码`",
    "中文.[链](x)",
    "ａ,中",
    "é.中",
    "¥.中",
    "①,中",
    "中文?",
    "中\u3000,a",
    "中文.\n下",
    "中文:\n后",
    '中文."引"',
]


@pytest.mark.parametrize(
    "text",
    [
        "它很好,真的。",
        "使用PEFT训练,在ImageNet上达到84.1%",
        "见 [链接](https://example.com/a,b) 和 `a,b` 以及 https://x.org/y:z",
        "只有中文和全角标点，没有半角。",
        "Plain English, with: punctuation!",
        "1. 列表项,后面有逗号\n2. 第二项",
        "**强调,**和（括号)以及 e.g. 3.5 倍",
        "<b>标签,</b> 与 ![图,片](img/a,b.png)",
        "见 https://x.org/中文. 和 https://x.org/中文,好",
        "中文;中文 与 中文 ,好 与 好 ,中文",
        "Hello世界. 以及 中文**,**好 和 中文`,`好",
        "（中文）,好 “引号”.后 中文。,好 中文\n,好",
        "English only: e.g. 3.5, 1,000; ok! 然后中文",
        "价格 $3.5. 版本 v1.2,发布",
        *MARKS_ALONE,
    ],
)
def test_blocks_skipped_before_formatting_have_no_findings(monkeypatch, text):
    document = doc(text + "\n")
    fast = typography.check_document(document)
    monkeypatch.setattr(typography, "_may_have_findings", lambda segment: True)
    assert typography.check_document(document) == fast


def test_same_run_counts_equal_characters():
    for a, i, b, j in [("abc", 0, "abd", 0), ("", 0, "x", 0), ("中文 abc", 2, " abc!", 0), ("x" * 100, 3, "x" * 50, 0)]:
        naive = 0
        while i + naive < len(a) and j + naive < len(b) and a[i + naive] == b[j + naive]:
            naive += 1
        assert typography._same_run(a, i, b, j) == naive


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "中",
        "中a",
        "a中",
        "中 a",
        "%中",
        "中。a",
        "a\n中",
        "中\na",
        ",中",
        "中,",
        "中 ,",
        "“,”",
        ".\n中",
        ".中",
        "中.",
        ";中",
        "中;",
        "中!",
        "!中",
        "?中",
        "中:",
    ],
)
def test_prefilters_find_what_a_walk_over_neighbours_finds(text):
    neighbours = list(itertools.pairwise(text))
    boundary = any(typography._cjk_latin_boundary(a, b) for a, b in neighbours)
    near_wide = any((b in ",?.:!" and not a.isascii()) or (a in ",?" and not b.isascii()) for a, b in neighbours)
    assert (typography._BOUNDARY.search(text) is not None) == boundary
    assert (typography._HALF_WIDTH_NEAR_WIDE.search(text) is not None) == near_wide


@pytest.mark.parametrize(
    "text",
    [
        "# 标题（一)\n\n段落，，后面\n\n- 列表（项)\n- 第二项。，\n\n> 引用（文)；；\n",
        "| 表（头) | 列 |\n|---|---|\n| 格，， | （b) |\n\n最后一段（完)。。\n",
        "```\na::b (x）\n```\n\n正文（对)\n",
        "只有半角 (a) 和全角（b）分开\n\n另一段，，\n",
        "没有任何问题的段落。\n",
        "# 只在标题（一)，，\n\n正文。\n",
        "正文。\n\n- 只在末项（二)；；\n",
    ],
)
def test_document_pre_test_skips_no_block_with_findings(monkeypatch, text):
    document = doc(text)
    fast = typography.check_document(document)
    monkeypatch.setattr(typography, "_document_may_have", lambda document: (True, True))
    assert typography.check_document(document) == fast


def _edits_walked_to_the_end(raw: str, formatted: str) -> list[tuple[str, int, str, str]]:
    """typography._edits before its tail was counted with str.count: each leftover character checked."""
    edits: list[tuple[str, int, str, str]] = []
    i = j = 0
    while i < len(raw) and j < len(formatted):
        if raw[i] == formatted[j]:
            i, j = i + 1, j + 1
        elif formatted[j] == " ":
            edits.append(("insert", i, "", " "))
            j += 1
        elif raw[i] == " ":
            edits.append(("delete", i, " ", ""))
            i += 1
        elif (
            i + 1 == len(raw)
            or j + 1 == len(formatted)
            or raw[i + 1] in (formatted[j + 1], " ")
            or formatted[j + 1] == " "
        ):
            edits.append(("replace", i, raw[i], formatted[j]))
            i, j = i + 1, j + 1
        else:
            return []
    edits += [("delete", k, " ", "") for k in range(i, len(raw)) if raw[k] == " "]
    edits += [("insert", len(raw), "", " ") for k in range(j, len(formatted)) if formatted[k] == " "]
    if len(raw) - i != sum(1 for k in range(i, len(raw)) if raw[k] == " "):
        return []
    if len(formatted) - j != sum(1 for k in range(j, len(formatted)) if formatted[k] == " "):
        return []
    return edits


def test_edits_are_those_of_a_walk_character_by_character():
    rng = random.Random(11)
    for _ in range(20_000):
        raw = "".join(rng.choice("a中 ,，") for _ in range(rng.randrange(10)))
        formatted = list(raw)
        for _ in range(rng.randrange(4)):
            at = rng.randrange(len(formatted) + 1)
            how = rng.choice("id")
            if how == "i":
                formatted.insert(at, " ")
            elif at < len(formatted):
                formatted[at] = rng.choice("a中 ,，")
        formatted = "".join(formatted)
        assert typography._edits(raw, formatted) == _edits_walked_to_the_end(raw, formatted), (raw, formatted)


def test_pre_tests_for_doubled_marks_and_both_bracket_widths_agree_with_their_patterns():
    rng = random.Random(11)
    alphabet = "，。、；：,;:()（）a中 \n"
    texts = ["", "，", "，，", "a,b;c", "(（", ")）", "()", "（）", "x\n，。"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(8))) for _ in range(3000)]
    for text in texts:
        assert (typography._HAS_DOUBLED.search(text) is not None) == (typography._DOUBLED.search(text) is not None)
        both = re.search(r"[()]", text) is not None and re.search(r"[（）]", text) is not None
        assert typography._both_bracket_widths(text) == both, text


def test_edits_inside_protected_ranges_are_those_a_test_of_each_finds():
    rng = random.Random(16)
    for _ in range(20_000):
        ranges = [(start, start + rng.randrange(5)) for start in (rng.randrange(20) for _ in range(rng.randrange(5)))]
        tag = rng.choice(["insert", "delete", "replace"])
        at = rng.randrange(22)
        end = at if tag == "insert" else at + 1
        expected = any(typography._inside(tag, at, end, start, stop) for start, stop in ranges)
        assert typography._Protected(ranges).holds(tag, at, end) == expected, (ranges, tag, at)


def _style_by_hand(text: str) -> typography.HouseStyle:
    """The four counts character by character: a boundary between a Chinese character and a
    Latin letter or digit (`%` before Chinese too), with or without one space between."""

    def cjk(c: str) -> bool:
        return typography._CJK.fullmatch(c) is not None

    def latin(c: str, percent: bool = False) -> bool:
        return c.isascii() and (c.isalnum() or (percent and c == "%"))

    spaced = tight = full = half = 0
    for i, c in enumerate(text):
        if not cjk(c) or i + 1 == len(text):
            continue
        after = text[i + 1]
        if latin(after):
            tight += 1
        elif after == " " and i + 2 < len(text) and latin(text[i + 2]):
            spaced += 1
        elif after in "，。：；！？":
            full += 1
        elif after in ",.:;!?" and (i + 2 == len(text) or text[i + 2] in " \t\n" or cjk(text[i + 2])):
            half += 1
    for i, c in enumerate(text[:-1]):
        if latin(c, percent=True):
            if cjk(text[i + 1]):
                tight += 1
            elif text[i + 1] == " " and i + 2 < len(text) and cjk(text[i + 2]):
                spaced += 1
    return typography.HouseStyle(spaces_latin=spaced >= tight, full_width=full >= half)


def test_the_house_style_is_counted_as_by_hand():
    rng = random.Random(17)
    pieces = ["中", "文", "a", "7", "%", " ", "，", ",", ".", "：", ":", "\n", "\t", "!", "x"]
    for _ in range(3000):
        document = doc("".join(rng.choice(pieces) for _ in range(rng.randrange(1, 14))) + "\n")
        read = "\n".join(s.raw for s in document.segments if s.kind not in typography._SKIPPED_KINDS)
        assert typography.house_style(document) == _style_by_hand(read), repr(document.text)
