"""Chinese typography checks: half-width punctuation in Chinese sentences, CJK/Latin spacing,
mixed-width brackets and doubled punctuation.

Spacing and punctuation width follow AutoCorrect (autocorrect-py, the Rust library's rules):
a space between CJK and Latin letters or digits, full-width ，。：；！？ next to Chinese. The
block is formatted with AutoCorrect and the difference is read back edit by edit, so every
finding marks exact characters and no rule is re-implemented here. AutoCorrect's other edits
(spaces around half-width brackets and dashes) are style choices this project does not
enforce. Mixed brackets and doubled punctuation are not AutoCorrect rules; they are found here.

These checks read the Chinese alone, so they also run without an English source.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import autocorrect_py

from qa.model import Alignment, Applicability, Document, Finding, Fix, Segment, SegmentKind, Severity
from qa.read.inline import PartKind, parts, prose_mask
from qa.rules.pairwise import Located, finding_at
from qa.rules.rule import Check, Rule, Scope

HALFWIDTH_PUNCTUATION = Rule.define(
    "typography/halfwidth-punctuation",
    Severity.WARNING,
    """Half-width punctuation inside a Chinese sentence: `,` where `，` belongs.

    What it does: reports the ASCII `,` `.` `:` `;` `!` `?` that AutoCorrect turns
    full-width because they stand next to Chinese text, outside code and URLs, and
    suggests the full-width mark; in a document whose own convention is full-width marks
    (most of its marks after Chinese are full-width). A document that consistently writes
    half-width `:` after Chinese follows a house style and gets no finding.

    Why is this bad: Chinese text uses full-width punctuation (GB/T 15834); a half-width
    comma between Chinese words looks like an MT artefact and sets badly.

    Example: 2015 年 5 月,《辛普森一家》 -> 2015 年 5 月，《辛普森一家》.
    """,
    fix=Applicability.SAFE,
)

MISSING_SPACE = Rule.define(
    "typography/missing-space",
    Severity.INFO,
    """No space between Chinese and a Latin word or a number (AutoCorrect's spacing rule).

    What it does: reports each place where AutoCorrect would insert a space between a CJK
    character and a Latin letter or digit (使用PEFT训练 -> 使用 PEFT 训练), outside code and
    URLs, in a document whose own convention is to space them (most of its Chinese/Latin
    boundaries have a space): a deviation from the house style. A document that mostly
    writes them together follows another house style, and gets no finding. Info only.

    Why is this bad: mixed CJK/Latin text without spaces is harder to scan, and a page
    that spaces some terms and not others looks unedited.

    Example: 在ImageNet上达到了84.1%的top-1准确率 -> 在 ImageNet 上达到了 84.1% 的 top-1 准确率.
    """,
    fix=Applicability.UNSAFE,
)

MIXED_BRACKETS = Rule.define(
    "typography/mixed-brackets",
    Severity.WARNING,
    """A bracket pair opened in one width and closed in the other: `（…)` or `(…）`.

    What it does: pairs the round brackets of each Chinese block (outside code, URLs and
    link syntax) and reports the half-width bracket of every pair whose two halves differ
    in width, suggesting the full-width one.

    Why is this bad: a pair of brackets that do not match is a visible typo, usually left
    by MT or by an edit of half a parenthesis.

    Example: 感受野的大小为（b+2h) -> 感受野的大小为（b+2h）.
    """,
    fix=Applicability.SAFE,
)

DOUBLED_PUNCTUATION = Rule.define(
    "typography/doubled-punctuation",
    Severity.WARNING,
    """Two sentence punctuation marks in a row: `，，`, `。，`, `,，`.

    What it does: reports runs of two or more of ，。、；：,;: in the Chinese prose
    (outside code and URLs); ellipses (……, ...) and repeated ！？ are left alone.

    Why is this bad: MT that translates a clause boundary twice, or an edit that kept the
    old comma, leaves a doubled mark that reads as a typo.

    Example: 所以，，我们 -> 所以，我们.
    """,
    fix=Applicability.UNSAFE,
)

RULES = (HALFWIDTH_PUNCTUATION, MISSING_SPACE, MIXED_BRACKETS, DOUBLED_PUNCTUATION)

_FULL_WIDTH = {",": "，", ".": "。", ":": "：", ";": "；", "!": "！", "?": "？"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9%]")
_MARK = "[，。、；：,;:]"
_DOUBLED = re.compile(f"{_MARK}{{2,}}")
_HAS_DOUBLED = re.compile(f"{_MARK}(?={_MARK})")
"""Whether `_DOUBLED` matches anywhere (a mark with another after it): found in a third of
the time, as the scan tests each mark once instead of entering a repeat at each."""
_ROUND_BRACKET = re.compile(r"[()（）]")
# The two patterns below start with the rarer side of the pair (Latin letters are fewer than
# CJK characters in Chinese text, half-width marks fewer still), so the scan jumps from one
# such character to the next; lookarounds read its neighbours. They only say whether a
# block is worth formatting (`_may_have_findings`).
_BOUNDARY = re.compile(f"{_LATIN_OR_DIGIT.pattern}(?:(?<={_CJK.pattern}.)|(?={_CJK.pattern}))", re.DOTALL)
"""Where AutoCorrect's spacing rule could insert a space that is a finding (`_cjk_latin_boundary`)."""
_NOT_ASCII = r"[^\x00-\x7f]"
_HALF_WIDTH_NEAR_WIDE = re.compile(f"[,?.:!](?:(?<={_NOT_ASCII}.)|(?<=[,?])(?={_NOT_ASCII}))", re.DOTALL)
"""A half-width mark AutoCorrect may widen: `,` or `?` beside a non-ASCII character, `.` `:`
`!` after one; never `;`. Its fullwidth rule (autocorrect/src/rule/fullwidth.rs) formats
each space-separated word alone and widens `,` `?` with a CJK character on either side,
`.` `:` `!` only right after a CJK character (every pattern for them starts `[\\p{CJ}]+[.:!]`),
and has no pattern for `;`. CJK is not ASCII, so this finds at least every mark it widens."""
_SKIPPED_KINDS = {SegmentKind.CODE, SegmentKind.HTML, SegmentKind.RULE, SegmentKind.IMAGE}


def check_alignment(alignment: Alignment) -> list[Finding]:
    """The Chinese file's typography; findings carry the pair their block is in."""
    pair_of = {segment.index: pair.id for pair in alignment.pairs for segment in pair.target}
    return list(_check(alignment.target, pair_of))


def check_document(document: Document) -> list[Finding]:
    """Without an English source (or an unrelated one): the same checks, no pairs."""
    return list(_check(document, {}))


def _check(document: Document, pair_of: dict[int, int]) -> Iterable[Finding]:
    mixed, doubled = _document_may_have(document)
    convention = _Convention(document)
    for segment in document.segments:
        if segment.kind in _SKIPPED_KINDS:
            continue
        pair = pair_of.get(segment.index)
        if _may_have_findings(segment):
            yield from _autocorrect(document.path, segment, pair, convention)
        if mixed:
            yield from _mixed_brackets(document.path, segment, pair)
        if doubled:
            yield from _doubled(document.path, segment, pair)


def _document_may_have(document: Document) -> tuple[bool, bool]:
    """(Round brackets of both widths, a doubled mark) anywhere in the document's text. A
    block's raw text is a slice of it (its lines), so a block can have neither where the
    document has none; most documents have none, and one search spares a search per block."""
    text = document.text
    return _both_bracket_widths(text), _HAS_DOUBLED.search(text) is not None


def _both_bracket_widths(text: str) -> bool:
    # Substring tests: four scans in C of a document are cheaper than one regex scan.
    return ("(" in text or ")" in text) and ("（" in text or "）" in text)


@dataclass(frozen=True)
class HouseStyle:
    """A document's own typography, by majority: judged against it, a consistent house style
    is not a finding, a deviation from it is."""

    spaces_latin: bool
    """Chinese and Latin words or numbers are mostly separated by a space."""
    full_width: bool
    """Marks after Chinese are mostly full-width."""


def house_style(document: Document) -> HouseStyle:
    """Counted on the blocks typography reads (not code, HTML or images). A tie, or nothing to
    count, keeps the GB/T conventions (space, full-width). A Chinese/Latin boundary counts on
    each side of a Latin run (中a中 has two)."""
    text = "\n".join(s.raw for s in document.segments if s.kind not in _SKIPPED_KINDS)
    spaced = tight = full = half = 0
    # One scan for the four counts: every match starts at a Chinese character or a Latin one.
    for chinese, space_after_chinese, full_mark, half_mark, space_after_latin in _STYLE_MARKS.findall(text):
        if full_mark:
            full += 1
        elif half_mark:
            half += 1
        elif space_after_chinese if chinese else space_after_latin:
            spaced += 1
        else:
            tight += 1
    return HouseStyle(spaces_latin=spaced >= tight, full_width=full >= half)


_STYLE_MARKS = re.compile(
    f"({_CJK.pattern})(?:( )?(?=[A-Za-z0-9])|([，。：；！？])|([,.:;!?])(?=[ \t]|{_CJK.pattern}|$))"
    f"|[A-Za-z0-9%]( )?(?={_CJK.pattern})",
    re.MULTILINE,
)


class _Convention:
    """A document's house style, counted when a finding first depends on it: counting scans
    the whole document, and most documents have few candidate edits, or none."""

    def __init__(self, document: Document) -> None:
        self._document = document

    @functools.cached_property
    def style(self) -> HouseStyle:
        return house_style(self._document)


def _autocorrect(path: str, segment: Segment, pair: int | None, convention: _Convention) -> Iterable[Finding]:
    """Findings from AutoCorrect's edits; call only where `_may_have_findings`."""
    raw = segment.raw
    formatted = _formatted(raw)
    if formatted is None or formatted == raw:
        return
    protected = _Protected(_protected(segment))
    for tag, at, old, new in _edits(raw, formatted):
        if protected.holds(tag, at, at + len(old)):
            continue
        if tag == "insert" and new == " " and 0 < at < len(raw) and _cjk_latin_boundary(raw[at - 1], raw[at]):
            if not convention.style.spaces_latin:
                continue
            yield finding_at(
                MISSING_SPACE,
                path,
                Located(segment, at - 1, at + 1),
                f"no space between Chinese and {'a number' if _digit_side(raw, at) else 'Latin text'}",
                pair=pair,
                suggestion=f"{raw[at - 1]} {raw[at]}",
                fix=Fix(Applicability.UNSAFE, "insert a space", (segment.edit(at, at, " "),)),  # house style
            )
        elif tag == "replace" and _FULL_WIDTH.get(old) == new and convention.style.full_width:
            yield finding_at(
                HALFWIDTH_PUNCTUATION,
                path,
                Located(segment, at, at + 1),
                f"half-width {old!r} in a Chinese sentence",
                pair=pair,
                suggestion=new,
                fix=Applicability.SAFE,
            )


def _protected(segment: Segment) -> list[tuple[int, int]]:
    """Where AutoCorrect's edits are not ours to report: code, URLs, images, HTML, link targets."""
    return [(p.value_start, p.value_end) if p.kind is PartKind.LINK else (p.start, p.end) for p in parts(segment)]


def _may_have_findings(segment: Segment) -> bool:
    """False when no edit of AutoCorrect's could become a finding, whatever it does: there is
    no Chinese/Latin boundary to space and no half-width mark beside Chinese to widen.
    Formatting costs most of these checks and most blocks have neither (marks in English
    text and numbers, "e.g.", "3.5", are common), so they skip it. The raw text is read, not
    the prose: a mark outside a URL may touch the Chinese at the URL's end."""
    return _BOUNDARY.search(segment.raw) is not None or _HALF_WIDTH_NEAR_WIDE.search(segment.raw) is not None


def _edits(raw: str, formatted: str) -> list[tuple[str, int, str, str]]:
    """AutoCorrect's edits as (insert | delete | replace, offset in raw, old, new), found in one
    linear walk: it only inserts or deletes spaces and swaps one character for another (，
    for ,). Anything else means the two texts no longer line up: then no edits at all, rather
    than findings at wrong places. (difflib would do, but is quadratic on a long line.)"""
    edits: list[tuple[str, int, str, str]] = []
    n, m = len(raw), len(formatted)
    i = j = 0
    while i < n and j < m:
        if raw[i] == formatted[j]:
            # A run of one, where edits are dense ("中1中1"), without the search for its end.
            same = 1 if i + 1 < n and j + 1 < m and raw[i + 1] != formatted[j + 1] else _same_run(raw, i, formatted, j)
            i, j = i + same, j + same
        elif formatted[j] == " ":
            edits.append(("insert", i, "", " "))
            j += 1
        elif raw[i] == " ":
            edits.append(("delete", i, " ", ""))
            i += 1
        elif i + 1 == n or j + 1 == m or raw[i + 1] in (formatted[j + 1], " ") or formatted[j + 1] == " ":
            edits.append(("replace", i, raw[i], formatted[j]))
            i, j = i + 1, j + 1
        else:
            return []
    # What is left of either text must be spaces: deleted, or inserted at the end.
    if n - i != raw.count(" ", i) or m - j != formatted.count(" ", j):
        return []
    edits += [("delete", k, " ", "") for k in range(i, n)]
    edits += [("insert", n, "", " ")] * (m - j)
    return edits


def _same_run(a: str, i: int, b: str, j: int) -> int:
    """How many characters are equal from a[i] and b[j] on. The texts differ in a few places
    only, so the run's end is found by comparing slices (in C), doubling then halving."""
    limit = min(len(a) - i, len(b) - j)
    run, step = 0, 1
    while run + step <= limit and a[i + run : i + run + step] == b[j + run : j + run + step]:
        run, step = run + step, step * 2
    # The first difference (or the end) is within the `step` characters from `run`.
    while step > 1:
        step //= 2
        if run + step <= limit and a[i + run : i + run + step] == b[j + run : j + run + step]:
            run += step
    return run


def preload() -> None:
    """Build AutoCorrect's rules now (its first call builds them): once in a process that forks
    workers, rather than once in each worker."""
    _formatted("预热 warm-up,好")


def _formatted(raw: str) -> str | None:
    """AutoCorrect's version of a block. Its Markdown grammar gives up on pathological input
    (20,000 unclosed `[`: "call limit reached"); the plain-text rules then still apply, and a
    block neither can read gets no typography findings rather than stopping the check."""
    for format_block in (lambda text: autocorrect_py.format_for(text, "markdown"), autocorrect_py.format):
        try:
            return format_block(raw)
        except ValueError:
            continue
    return None


def _inside(tag: str, i1: int, i2: int, start: int, end: int) -> bool:
    """An edit inside code or a URL (an insertion at its edge is outside it)."""
    if tag == "insert":
        return start < i1 < end
    return i1 < end and start < i2


class _Protected:
    """The protected ranges of a block, asked whether an edit is `_inside` one of them: a
    lookup among them sorted by start, with the furthest end so far, instead of a test of each
    (a long block with many links and as many edits made that quadratic)."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self._starts: list[int] = []
        self._furthest: list[int] = []
        for start, end in sorted(ranges):
            self._starts.append(start)
            self._furthest.append(max(end, self._furthest[-1]) if self._furthest else end)

    def holds(self, tag: str, i1: int, i2: int) -> bool:
        # Both tests ask for a range that starts before some offset and ends after i1:
        # start < i1 < end for an insertion, start < i2 and i1 < end for the others.
        before = bisect.bisect_left(self._starts, i1 if tag == "insert" else i2) - 1
        return before >= 0 and self._furthest[before] > i1


def _digit_side(raw: str, at: int) -> bool:
    return raw[at - 1].isdigit() or raw[at].isdigit() or raw[at - 1] == "%"


@lru_cache(maxsize=4096)
def _cjk_latin_boundary(before: str, after: str) -> bool:
    """Whether the two characters are Chinese and Latin (or a digit), either way round
    (cached: a block has few distinct pairs, and as many boundaries as characters)."""
    return bool(
        (_CJK.match(before) and _LATIN_OR_DIGIT.match(after)) or (_LATIN_OR_DIGIT.match(before) and _CJK.match(after))
    )


def _mixed_brackets(path: str, segment: Segment, pair: int | None) -> Iterable[Finding]:
    if not _both_bracket_widths(segment.raw):
        return  # no pair of mixed widths (the mask only blanks characters of the raw text)
    mask = prose_mask(segment)
    opened: list[int] = []
    for bracket in _ROUND_BRACKET.finditer(mask):
        offset, char = bracket.start(), bracket.group()
        if char in "(（":
            opened.append(offset)
        elif opened:
            start = opened.pop()
            if (mask[start] == "(") == (char == ")"):
                continue
            half = start if mask[start] == "(" else offset
            full = "（" if mask[half] == "(" else "）"
            other = "）" if full == "（" else "（"
            yield finding_at(
                MIXED_BRACKETS,
                path,
                Located(segment, half, half + 1),
                f"{mask[half]!r} pairs with a full-width {other!r}; use full-width brackets on both sides",
                pair=pair,
                suggestion=full,
                fix=Applicability.SAFE,
            )


def _doubled(path: str, segment: Segment, pair: int | None) -> Iterable[Finding]:
    if not _HAS_DOUBLED.search(segment.raw):
        return  # nor in the mask, which only blanks characters
    for match in _DOUBLED.finditer(prose_mask(segment)):
        yield finding_at(
            DOUBLED_PUNCTUATION,
            path,
            Located(segment, match.start(), match.end()),
            f"doubled punctuation {match.group()!r}",
            pair=pair,
            suggestion=match.group()[0],
            fix=Applicability.UNSAFE,  # 。。。 may stand for an ellipsis
        )


CHECKS = (
    Check(
        "typography",
        RULES,
        Scope.PAIR,
        run=lambda given: (
            check_alignment(given.alignment) if given.alignment is not None else check_document(given.target)
        ),
        needs_english=False,
    ),
)
