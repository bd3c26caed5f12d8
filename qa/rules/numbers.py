"""Numbers checks: numbers the translation lost, added or changed, compared by value.

Each aligned pair's numbers are read with qa/read/numbers.py on both sides (45 亿 = 4.5 billion,
3 月 = March, GPT-3 as a name), then matched by kind and value. What is left over on both
sides in the same place is a changed number; what is left on one side is missing or added.
"""

from __future__ import annotations

import bisect
import re
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple

from qa.glossary.match import Occurrences
from qa.model import Alignment, Applicability, Finding, Pair, Segment, Severity
from qa.read.inline import prose_mask
from qa.read.numbers import (
    Language,
    Number,
    NumberKind,
    find_number_words,
    find_numbers,
    may_have_numbers,
)
from qa.rules.pairwise import Located, each_translated_pair, finding_at, finding_at_block, source_place, squeeze
from qa.rules.rule import Check, Rule, Scope

MISSING = Rule.define(
    "numbers/missing",
    Severity.INFO,
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

    Info by default: precision 0.14 on good human translations (bench/false_alarms.py);
    raise it with [tool.qa.severity] where your translations are MT.
    """,
)

ADDED = Rule.define(
    "numbers/added",
    Severity.INFO,
    """The Chinese has a number written with digits that the aligned English does not have.

    What it does: after matching the numbers of an aligned pair by value (see
    numbers/missing), reports each Chinese number written with digits, or name with a
    number, that is left over. Numbers written as Chinese words (一, 两, 九) are never
    reported, since 一 is as often "a" as "one".

    Why is this bad: MT hallucinates figures, and a number no source supports is the
    most misleading kind of addition.

    Example: English "the model converges faster", Chinese 模型收敛速度提高了 3 倍.

    Info by default: precision 0.00 on good human translations (bench/false_alarms.py);
    raise it with [tool.qa.severity] where your translations are MT.
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
    fix=Applicability.UNSAFE,
)

RULES = (MISSING, ADDED, CHANGED)

_PLAIN = re.compile(r"^[\d.,%]+$")


class _Found(NamedTuple):
    """A number and the block it is in (a named tuple: a long block has hundreds of
    thousands); its place, `where`, is made when a finding or a name written apart needs it."""

    number: Number
    segment: Segment

    @property
    def where(self) -> Located:
        return Located(self.segment, self.number.start, self.number.end)


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
    english, chinese = _numbers_without_words(pair.source, "en"), _numbers_without_words(pair.target, "zh")
    places = _Places()
    source, target = _match_equal(places(english), places(chinese))
    if not source and not target:
        return []
    english_words, chinese_words = _with_words(english, "en"), _with_words(chinese, "zh")
    if not (_no_words_added(english, english_words) and _no_words_added(chinese, chinese_words)):
        source, target = _match_equal(places(english_words), places(chinese_words))
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
                fix=Applicability.UNSAFE,
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
                fix=Applicability.UNSAFE,  # a unit or a scale may have been converted on purpose
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


def _numbers_without_words(segments: Iterable[Segment], language: Language) -> list[tuple[Segment, list[Number]]]:
    """Each block with the numbers of its prose but those spelled in words."""
    return [(segment, find_numbers(prose_mask(segment), language, words=False)) for segment in segments]


def _with_words(found: list[tuple[Segment, list[Number]]], language: Language) -> list[tuple[Segment, list[Number]]]:
    """`_numbers_without_words` with the number words added: `find_numbers(..., words=True)`
    of each block, without reading its other numbers again (find_number_words)."""
    with_words = []
    for segment, numbers in found:
        added = find_number_words(prose_mask(segment), language, numbers)
        with_words.append((segment, sorted(numbers + added, key=lambda n: n.start) if added else numbers))
    return with_words


def _no_words_added(found: list[tuple[Segment, list[Number]]], with_words: list[tuple[Segment, list[Number]]]) -> bool:
    """Whether `_with_words` handed back every block's numbers as they were (the same lists):
    then the pass with words matches what the first pass matched, and need not run."""
    return all(numbers is again for (_, numbers), (_, again) in zip(found, with_words, strict=True))


class _Places:
    """The numbers of blocks with their places (`_Found`), in order. A block's list of numbers
    that comes again (the words pass hands back the list of a block where it adds no word)
    gets the places made the first time, not new ones: a long block has many numbers."""

    def __init__(self) -> None:
        self._made: dict[int, tuple[list[Number], list[_Found]]] = {}

    def __call__(self, found: list[tuple[Segment, list[Number]]]) -> list[_Found]:
        located: list[_Found] = []
        for segment, numbers in found:
            made = self._made.get(id(numbers))
            if made is None or made[0] is not numbers:
                places = [_Found(number, segment) for number in numbers]
                made = self._made[id(numbers)] = (numbers, places)
            located += made[1]
        return located


def _may_have(segments: tuple[Segment, ...], language: Language) -> bool:
    # The masks the numbers are read from blank characters of each block's raw text.
    return any(may_have_numbers(segment.raw, language) for segment in segments)


def _match_equal(source: list[_Found], target: list[_Found]) -> tuple[list[_Found], list[_Found]]:
    """Remove the numbers equal on both sides; strong ones are matched first, so what is left
    over is the weak one (never reported) when one side spelled a number out. Each side is in
    document order (`_in_order`), and so are the numbers left of it."""
    if not source and not target:
        return [], []  # most pairs have no number at all
    left_target = _Pool(sorted(target, key=_weak), _kind_and_key)
    matched: set[int] = set()
    for english in sorted(source, key=_weak):
        chinese = left_target.take((english.number.kind, english.number.key))
        if chinese is not None:
            matched.update((id(english), id(chinese)))
    if not matched:
        return source, target
    return [s for s in source if id(s) not in matched], [t for t in target if id(t) not in matched]


def _weak(found: _Found) -> bool:
    return not found.number.strong


def _kind_and_key(found: _Found) -> tuple[NumberKind, str]:
    return found.number.kind, found.number.key


class _Pool:
    """Numbers waiting to be paired, in order, looked up by a key: the first one not yet taken
    with that key is what `next(f for f in items if key(f) == k)` finds, then removed."""

    def __init__(self, items: list[_Found], key: Callable[[_Found], Hashable]) -> None:
        self._items = items
        self._waiting: dict[Hashable, deque[int]] = {}
        for index, item in enumerate(items):
            self._waiting.setdefault(key(item), deque()).append(index)
        self._gone: set[int] = set()

    def take(self, key: Hashable) -> _Found | None:
        """The first item with `key` still here, removed; None if there is none."""
        waiting = self._waiting.get(key)
        while waiting:
            index = waiting.popleft()
            if index not in self._gone:
                self._gone.add(index)
                return self._items[index]
        return None


def _match_loose_names(
    source: list[_Found], target: list[_Found], pair: Pair
) -> tuple[list[_Found], list[_Found], list[tuple[_Found, Located]]]:
    """Names the Chinese kept but wrote apart (GPT 3) or translated around (Top-5 -> 前 5)."""
    loose: list[tuple[_Found, Located]] = []
    left_source: list[_Found] = []
    names = [english for english in source if english.number.kind is NumberKind.NAME]
    written_apart = _LooseNames([english.number.key for english in names], pair.target)
    left_target = _Targets(target)
    last_numbers: dict[str, str | None] = {}  # a name's last number, by key (names recur)
    for english in source:
        if english.number.kind is not NumberKind.NAME:
            left_source.append(english)
            continue
        key = english.number.key
        written = written_apart.first(key)
        if written is not None:
            left_target.remove_overlapping(written)
            loose.append((english, written))
            continue
        if key not in last_numbers:
            digits = _DIGIT_RUN.findall(key)
            last_numbers[key] = str(int(digits[-1])) if digits else None
        last_number = last_numbers[key]
        # The name was translated and its number kept: Table 5 -> 表 5, Top-5 -> 前 5.
        kept = left_target.first_number(last_number) if last_number is not None else None
        if kept is not None and not any(c.isalpha() for c in _text(kept)):
            left_target.remove(kept)
            continue
        left_source.append(english)
    return left_source, left_target.left(), loose


def _text(found: _Found) -> str:
    """`found.where.text`, without making the place."""
    return found.segment.raw[found.number.start : found.number.end]


class _Targets:
    """The Chinese numbers of a pair, in order, as names are matched: removed where a name
    written apart covers them, looked up by value. Those of a block do not overlap, so the
    ones a place covers are found by a bisection among their starts."""

    def __init__(self, target: list[_Found]) -> None:
        self._items = target
        self._gone: set[int] = set()
        self._by_segment: dict[int, tuple[list[int], list[int]]] = {}
        self._numbers: dict[str, deque[int]] = {}
        self._index = {id(found): index for index, found in enumerate(target)}
        for index in sorted(range(len(target)), key=lambda i: target[i].number.start):
            starts, indices = self._by_segment.setdefault(id(target[index].segment), ([], []))
            starts.append(target[index].number.start)
            indices.append(index)
        for index, found in enumerate(target):
            if found.number.kind is NumberKind.NUMBER:
                self._numbers.setdefault(found.number.key, deque()).append(index)

    def remove_overlapping(self, place: Located) -> None:
        starts, indices = self._by_segment.get(id(place.segment), ([], []))
        # The last one starting before `place` may reach into it; the others start inside it.
        first = max(bisect.bisect_left(starts, place.start) - 1, 0)
        for position in range(first, bisect.bisect_left(starts, place.end)):
            found = self._items[indices[position]]
            if found.number.start < place.end and place.start < found.number.end:  # the same block
                self._gone.add(indices[position])

    def first_number(self, key: str) -> _Found | None:
        """The first NUMBER still here whose value is `key`."""
        waiting = self._numbers.get(key)
        while waiting and waiting[0] in self._gone:
            waiting.popleft()  # gone for good: never looked at again
        return self._items[waiting[0]] if waiting else None

    def remove(self, found: _Found) -> None:
        self._gone.add(self._index[id(found)])

    def left(self) -> list[_Found]:
        return [found for index, found in enumerate(self._items) if index not in self._gone]


_DIGIT_RUN = re.compile(r"\d+")
_PIECE = re.compile(r"[a-z]+|\d+")
"""A name key's pieces, as `name_pattern` reads them."""
_SEPARATOR = r"[\s\-_.]"
"""What `name_pattern` lets stand between the letters and the digits of a name."""
_LOOSE_FOLD: dict[int, str | None] = {ord(c): None for c in map(chr, range(0x3001)) if re.fullmatch(_SEPARATOR, c)}
_LOOSE_FOLD |= {code: chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}
# The other characters IGNORECASE matches to an ASCII letter (tests/test_numbers_check.py
# checks every code point): İ and ı to i, ſ to s, the Kelvin sign to k.
_IGNORECASE_ASCII = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_LOOSE_FOLD |= _IGNORECASE_ASCII
_SEPARATORS = re.compile(_SEPARATOR + "+")
_LETTER_OR_DIGIT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") | frozenset(
    map(chr, _IGNORECASE_ASCII)
)
"""What `name_pattern`'s `(?<![A-Za-z0-9])` (IGNORECASE) does not let stand before a name."""


class _LooseNames:
    """Where each name is written apart in the Chinese blocks: for each name, the first match of
    `name_pattern(key)` in the blocks' prose with a space in it that overlaps no place an
    earlier name claimed. Found by one scan of each block for all names
    (qa.glossary.match.Occurrences) rather than a regex search of each block per name (a
    paragraph of thousands of names made that quadratic).

    A match of `name_pattern(key)` is the key's pieces (its runs of letters, of digits) once
    separators are squeezed out and letters lower-cased as IGNORECASE matches them; so the
    pattern can only match where the squeezed text has the pieces, and matches there when
    its separators stand only between pieces and its lookarounds hold (`_matches_at`). The
    places are tried in order, as `finditer` would find them."""

    def __init__(self, keys: list[str], segments: tuple[Segment, ...]) -> None:
        self._segments = segments
        self._pieces = {key: _PIECE.findall(key) for key in dict.fromkeys(keys)}
        self._matches: dict[str, list[Located]] | None = None
        self._claimed: dict[int, bytearray] = {}

    def _find_all(self) -> dict[str, list[Located]]:
        """Every key's matches (those `finditer` gives, segment by segment) that have a space in them."""
        found: dict[str, list[Located]] = {key: [] for key in self._pieces}
        keys_of: dict[str, list[str]] = {}
        for key, pieces in self._pieces.items():
            if pieces:
                keys_of.setdefault("".join(pieces), []).append(key)
        if not keys_of:
            return found
        occurrences = Occurrences(keys_of)
        for segment in self._segments:
            mask = prose_mask(segment)
            squeezed, offsets = squeeze(mask, _SEPARATORS, _LOOSE_FOLD)
            searched_to: dict[str, int] = {}  # where each key's `finditer` would look next
            for first, joined in occurrences(squeezed):
                for key in keys_of[joined]:
                    start, end = offsets[first], offsets[first + len(joined) - 1] + 1
                    if start < searched_to.get(key, 0) or not _matches_at(mask, offsets, first, self._pieces[key]):
                        continue
                    searched_to[key] = end
                    where = Located(segment, start, end)
                    # Equal names were matched already; only a form with a space is left to find.
                    if any(c.isspace() for c in where.text):
                        found[key].append(where)
        return found

    def first(self, key: str) -> Located | None:
        """The first place `key` is written apart that no earlier name claimed, now claimed."""
        if self._matches is None:
            self._matches = self._find_all()
        for where in self._matches.get(key, ()):
            claimed = self._claimed.get(id(where.segment))
            if claimed is None:
                claimed = self._claimed[id(where.segment)] = bytearray(len(where.segment.raw))
            if claimed.find(1, where.start, where.end) < 0:
                claimed[where.start : where.end] = b"\x01" * (where.end - where.start)
                return where
        return None


def _matches_at(mask: str, offsets: list[int], first: int, pieces: list[str]) -> bool:
    """Whether `name_pattern` matches in `mask` from the character the squeezed text's
    `first` came from, given that the squeezed text holds the pieces there: separators only
    between pieces, no letter or digit before, no digit after."""
    start = offsets[first]
    if start and mask[start - 1] in _LETTER_OR_DIGIT:
        return False
    at = first
    for piece in pieces:
        # Within a piece, consecutive characters come from consecutive places of the mask.
        if offsets[at + len(piece) - 1] - offsets[at] != len(piece) - 1:
            return False
        at += len(piece)
    end = offsets[at - 1] + 1
    return mask[end : end + 1] not in _DIGITS


_DIGITS = frozenset("0123456789")


def _overlaps(found: Located, span: Located) -> bool:
    return found.segment is span.segment and found.start < span.end and span.start < found.end


def _pair_changed(
    source: list[_Found], target: list[_Found]
) -> tuple[list[tuple[_Found, _Found]], list[_Found], list[_Found]]:
    changed: list[tuple[_Found, _Found]] = []
    taken: set[int] = set()

    def pair_up(english: _Found, chinese: _Found) -> None:
        changed.append((english, chinese))
        taken.update((id(english), id(chinese)))

    # Same letters, other number: EfficientNet-B5 -> EfficientNet-B7.
    stems = _Pool([t for t in target], lambda t: t.number.stem)
    for english in [s for s in source if s.number.kind is NumberKind.NAME]:
        chinese = stems.take(english.number.stem)
        if chinese is not None:
            pair_up(english, chinese)
    # Same value, other kind: 0.3% -> 0.3, or "3 months" -> 3 月 (March).
    values = _Pool(
        [t for t in target if t.number.kind is not NumberKind.NAME and id(t) not in taken], lambda t: t.number.key
    )
    for english in [s for s in source if s.number.kind is not NumberKind.NAME]:
        chinese = values.take(english.number.key)
        if chinese is not None:
            pair_up(english, chinese)
    # As many left over on each side of one kind: they are the same numbers, changed.
    for kind in (NumberKind.NUMBER, NumberKind.PERCENT, NumberKind.MONTH):
        english_left = [s for s in source if s.number.kind is kind and id(s) not in taken]
        chinese_left = [t for t in target if t.number.kind is kind and id(t) not in taken]
        if english_left and len(english_left) == len(chinese_left):
            for english, chinese in zip(english_left, chinese_left, strict=True):
                pair_up(english, chinese)
    source = [s for s in source if id(s) not in taken]
    target = [t for t in target if id(t) not in taken]
    return sorted(changed, key=lambda c: _order(c[1])), source, target


def _is_name(found: _Found) -> bool:
    return found.number.kind is NumberKind.NAME


def _order(found: _Found) -> tuple[int, int]:
    return found.segment.index, found.number.start


def _in_order(found: list[_Found]) -> list[_Found]:
    return sorted(found, key=_order)


CHECKS = (Check("numbers", RULES, Scope.PAIR, run=lambda given: check_alignment(given.alignment)),)
