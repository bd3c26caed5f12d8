"""Numbers checks: numbers the translation lost, added or changed, compared by value.

Each aligned pair's numbers are read with qa/numbers.py on both sides (45 亿 = 4.5 billion,
3 月 = March, GPT-3 as a name), then matched by kind and value. What is left over on both
sides in the same place is a changed number; what is left on one side is missing or added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from qa.checks.pairwise import Located, each_translated_pair, finding_at, finding_at_block, source_place
from qa.inline import prose_mask
from qa.model import Alignment, Finding, Pair, Segment, Severity
from qa.numbers import Language, Number, NumberKind, find_numbers, may_have_numbers, name_pattern
from qa.rules import Rule

MISSING = Rule.define(
    "numbers/missing",
    Severity.WARNING,
    """A number of the English is not in the aligned Chinese, in any form.

    What it does: reads the numbers of both sides of an aligned pair by value, so 4.5 billion
    matches 45 亿, 30,000 matches 3 万, 3% matches 百分之三, March matches 3 月 and nine
    matches 九, and reports each English number written with digits (or a name with a
    number: GPT-3, ResNet50, an arXiv id) that has no match and no changed counterpart.
    Numbers inside URLs, code and images are left to the links, code and images checks.
    The finding is an empty range at the start of the Chinese block.

    Why is this bad: a dropped "0.3%" or "b=32" leaves a sentence that reads fine and says
    less; nothing but a comparison with the English shows it. A warning, because a
    translation may say "two" as 双 or fold a number into a word.

    Example: English "uses only 0.3% of the labels", Chinese 只使用了少量标签.
    """,
)

ADDED = Rule.define(
    "numbers/added",
    Severity.WARNING,
    """The Chinese has a number written with digits that the aligned English does not have.

    What it does: after matching the numbers of an aligned pair by value (see
    numbers/missing), reports each Chinese number written with digits, or name with a
    number, that is left over. Numbers written as Chinese words (一, 两, 九) are never
    reported, since 一 is as often "a" as "one".

    Why is this bad: MT hallucinates figures, and a number no source supports is the
    most misleading kind of addition.

    Example: English "the model converges faster", Chinese 模型收敛速度提高了 3 倍.
    """,
)

CHANGED = Rule.define(
    "numbers/changed",
    Severity.ERROR,
    """A number of the English stands changed in the aligned Chinese: b=32 became b=23.

    What it does: when an aligned pair has unmatched numbers on both sides, pairs them up:
    two names with the same letters (EfficientNet-B5 / EfficientNet-B7), a number that
    lost or gained its % sign, or, when the English and the Chinese have the same count of
    unmatched numbers of a kind, those numbers in order. The finding marks the Chinese
    number and suggests the English one. A name split by a space (GPT-3 written GPT 3) is a
    warning, since the number itself survived.

    Why is this bad: a changed figure is a factual error that reads perfectly naturally.

    Example: English "b=32, h=3", Chinese b=23，h=3 -> suggest 32.
    """,
)

RULES = (MISSING, ADDED, CHANGED)

_PLAIN = re.compile(r"^[\d.,%]+$")


@dataclass(frozen=True)
class _Found:
    number: Number
    where: Located


def check_alignment(alignment: Alignment) -> list[Finding]:
    return each_translated_pair(alignment, _check_pair)


def _check_pair(alignment: Alignment, pair: Pair) -> list[Finding]:
    if not _may_have(pair.source, "en") and not _may_have(pair.target, "zh"):
        return []  # most pairs: no digit, month name or 百分之 on either side
    path = alignment.target.path
    # First without the number words (the slowest patterns): when every other number finds
    # its equal (or there are none), the pair has no finding, and that is almost every pair.
    # Words are read after the rest and matched after them, so with them the same numbers
    # pair up the same way, and only words can be left over: words are never reported.
    source, target = _match_equal(
        list(_numbers(pair.source, "en", words=False)), list(_numbers(pair.target, "zh", words=False))
    )
    if not source and not target:
        return []
    source, target = _match_equal(list(_numbers(pair.source, "en")), list(_numbers(pair.target, "zh")))
    if not source and not target:
        return []  # the words matched what was left
    findings: list[Finding] = []
    source, target, loose = _match_loose_names(source, target, pair)
    for english, chinese in loose:
        findings.append(
            finding_at(
                CHANGED,
                path,
                chinese,
                f"{english.where.text!r} ({source_place(alignment, english.where)}) is written {chinese.text!r}; "
                "keep the name as it is",
                pair=pair.id,
                severity=Severity.WARNING,
                suggestion=english.where.text,
            )
        )
    # Only numbers written with digits are judged from here on: words were only for matching.
    source = [s for s in source if s.number.strong]
    target = [t for t in target if t.number.strong]
    changed, source, target = _pair_changed(source, target)
    for english, chinese in changed:
        findings.append(
            finding_at(
                CHANGED,
                path,
                chinese.where,
                f"the English has {english.where.text!r} ({source_place(alignment, english.where)}) "
                f"where the Chinese has {chinese.where.text!r}",
                pair=pair.id,
                suggestion=english.where.text if _PLAIN.match(english.where.text) or _is_name(english) else None,
            )
        )
    for english in source:
        findings.append(
            finding_at_block(
                MISSING,
                path,
                pair.target[0],
                f"{english.where.text!r} of the English ({source_place(alignment, english.where)}) "
                "is not in this Chinese block",
                pair=pair.id,
            )
        )
    for chinese in target:
        findings.append(
            finding_at(
                ADDED,
                path,
                chinese.where,
                f"{chinese.where.text!r} is not in the English ({alignment.source.path}:{pair.source[0].start_line})",
                pair=pair.id,
            )
        )
    return findings


def _numbers(segments: Iterable[Segment], language: Language, *, words: bool = True) -> Iterable[_Found]:
    for segment in segments:
        for number in find_numbers(prose_mask(segment), language, words=words):
            yield _Found(number, Located(segment, number.start, number.end))


def _may_have(segments: tuple[Segment, ...], language: Language) -> bool:
    # The masks `_numbers` reads blank characters of each block's raw text.
    return any(may_have_numbers(segment.raw, language) for segment in segments)


def _match_equal(source: list[_Found], target: list[_Found]) -> tuple[list[_Found], list[_Found]]:
    """Remove the numbers equal on both sides; strong ones are matched first, so what is left
    over is the weak one (never reported) when one side spelled a number out."""
    if not source and not target:
        return [], []  # most pairs have no number at all
    left_target = sorted(target, key=lambda t: not t.number.strong)
    left_source: list[_Found] = []
    for english in sorted(source, key=lambda s: not s.number.strong):
        key = (english.number.kind, english.number.key)
        match = next((t for t in left_target if (t.number.kind, t.number.key) == key), None)
        if match is None:
            left_source.append(english)
        else:
            left_target.remove(match)
    return _in_order(left_source), _in_order(left_target)


def _match_loose_names(
    source: list[_Found], target: list[_Found], pair: Pair
) -> tuple[list[_Found], list[_Found], list[tuple[_Found, Located]]]:
    """Names the Chinese kept but wrote apart (GPT 3) or translated around (Top-5 -> 前 5)."""
    loose: list[tuple[_Found, Located]] = []
    left_source: list[_Found] = []
    for english in source:
        if english.number.kind is not NumberKind.NAME:
            left_source.append(english)
            continue
        written = _find_loose(english.number.key, pair.target, [w for _, w in loose])
        if written is not None:
            target = [t for t in target if not _overlaps(t.where, written)]
            loose.append((english, written))
            continue
        digits = re.findall(r"\d+", english.number.key)
        # The name was translated and its number kept: Table 5 -> 表 5, Top-5 -> 前 5.
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


def _find_loose(key: str, segments: tuple[Segment, ...], claimed: list[Located]) -> Located | None:
    pattern = name_pattern(key)
    for segment in segments:
        for match in pattern.finditer(prose_mask(segment)):
            where = Located(segment, match.start(), match.end())
            # Equal names were matched already; only a form with a space is left to find.
            if any(c.isspace() for c in where.text) and not any(_overlaps(where, c) for c in claimed):
                return where
    return None


def _overlaps(found: Located, span: Located) -> bool:
    return found.segment is span.segment and found.start < span.end and span.start < found.end


def _pair_changed(
    source: list[_Found], target: list[_Found]
) -> tuple[list[tuple[_Found, _Found]], list[_Found], list[_Found]]:
    changed: list[tuple[_Found, _Found]] = []

    def pair_up(english: _Found, chinese: _Found) -> None:
        changed.append((english, chinese))
        source.remove(english)
        target.remove(chinese)

    # Same letters, other number: EfficientNet-B5 -> EfficientNet-B7.
    for english in [s for s in source if s.number.kind is NumberKind.NAME]:
        chinese = next((t for t in target if t.number.stem == english.number.stem), None)
        if chinese is not None:
            pair_up(english, chinese)
    # Same value, other kind: 0.3% -> 0.3, or "3 months" -> 3 月 (March).
    for english in [s for s in source if s.number.kind is not NumberKind.NAME]:
        chinese = next(
            (t for t in target if t.number.kind is not NumberKind.NAME and t.number.key == english.number.key), None
        )
        if chinese is not None:
            pair_up(english, chinese)
    # As many left over on each side of one kind: they are the same numbers, changed.
    for kind in (NumberKind.NUMBER, NumberKind.PERCENT, NumberKind.MONTH):
        english_left = [s for s in source if s.number.kind is kind]
        chinese_left = [t for t in target if t.number.kind is kind]
        if english_left and len(english_left) == len(chinese_left):
            for english, chinese in zip(english_left, chinese_left, strict=True):
                pair_up(english, chinese)
    return sorted(changed, key=lambda c: _order(c[1])), source, target


def _is_name(found: _Found) -> bool:
    return found.number.kind is NumberKind.NAME


def _order(found: _Found) -> tuple[int, int]:
    return found.where.segment.index, found.where.start


def _in_order(found: list[_Found]) -> list[_Found]:
    return sorted(found, key=_order)
