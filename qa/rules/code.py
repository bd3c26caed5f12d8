"""Code checks: inline code and code blocks the translation changed, translated or unquoted."""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from qa.glossary.match import Occurrences
from qa.model import Alignment, Applicability, Finding, Pair, Segment, SegmentKind, Severity
from qa.read.inline import PartKind, parts, prose_mask
from qa.rules.pairwise import (
    Located,
    excerpt,
    finding_at,
    finding_at_block,
    source_place,
    translated_pairs,
)
from qa.rules.rule import Check, Rule, Scope

INLINE_CHANGED = Rule.define(
    "code/inline-changed",
    Severity.ERROR,
    """An inline code span of the English stands changed, or translated, in the Chinese.

    What it does: compares the `code spans` of both sides of an aligned pair exactly. When
    the English has spans the Chinese lacks and the Chinese has as many spans the English
    lacks, they are paired in order and the Chinese span is marked, with the English one
    as the suggestion; the message says "translated" when the Chinese span has Chinese in it.

    Why is this bad: code is copied, not read; a translated identifier or option name
    (`批大小` for `batch_size`) fails when the reader pastes it.

    Example: English "set `num_beams` to 4", Chinese 将 `光束数` 设为 4 -> suggest `num_beams`.
    """,
)

INLINE_MISSING = Rule.define(
    "code/inline-missing",
    Severity.WARNING,
    """An inline code span of the English is not code in the Chinese.

    What it does: reports each English code span with no counterpart among the Chinese
    spans. When its text is still in the Chinese without backticks, the finding marks it
    there; otherwise it is an empty range at the start of the block. A warning: the text
    may have been rephrased on purpose.

    Why is this bad: without backticks an identifier reads as prose (and `__init__` turns
    into bold "init").

    Example: English "call `model.generate()`", Chinese 调用 model.generate().
    """,
    fix=Applicability.UNSAFE,
)

BLOCK_CHANGED = Rule.define(
    "code/block-changed",
    Severity.ERROR,
    """A code block differs from the English one in its code, its language tag or its fences.

    What it does: compares each English code block with the aligned Chinese one line by
    line, ignoring trailing spaces and comments, and marks the first Chinese line whose
    code differs (the message says "translated" when it has Chinese in it). A code block
    whose Chinese counterpart is not a code block at all (the MT broke the fence) is
    reported on that block's first line.

    Why is this bad: the reader copies code blocks verbatim; a changed value or a
    translated string literal breaks the example.

    Example: English "batch_size = 32", Chinese "batch_size = 23" or "批大小 = 32".
    """,
)

COMMENT_TRANSLATED = Rule.define(
    "code/comment-translated",
    Severity.INFO,
    """Only the comments of a code block were translated.

    What it does: when an English and a Chinese code block differ only in comment lines
    or trailing comments (`#`, `//`, `--`), and the Chinese comments are in Chinese, one
    info finding marks the first translated comment. Human translators often do this on
    purpose, so it is information, not a problem.

    Why is this bad: it is not, usually; but a translated comment can drift from the code
    it explains, and a team that keeps code blocks verbatim wants to know.

    Example: English "# load the model", Chinese "# 加载模型".
    """,
)

RULES = (INLINE_CHANGED, INLINE_MISSING, BLOCK_CHANGED, COMMENT_TRANSLATED)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)")
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|--|/\*|\*|<!--|;)")
_TRAILING_MARKER = re.compile(r"(?<=\s)(?:#|//|--)\s")
"""A trailing comment's marker; the comment starts with the spaces before it. The pattern
`\\s+(?:#|//|--)\\s.*$` matched the same, but tried `\\s+` from every space of a long run of
them, each time to the run's end: a line of 40,000 spaces took seconds."""
# Two spans this alike are one span edited rather than two different ones.
_SIMILAR = 0.75
_EDIT_SEARCH_BUDGET = 2_000_000
"""Character pairs a document may spend looking for edited spans (difflib compares every
English span left over with every Chinese one, in time up to the product of their lengths:
about a second per million pairs at worst). The corpus spends at most 110,000; a pair that
would take the document over it pairs its spans in order instead, as when no edit is found."""


@dataclass(frozen=True)
class _Span:
    code: str
    where: Located


@dataclass(frozen=True)
class _Line:
    text: str
    where: Located


def check_alignment(alignment: Alignment) -> list[Finding]:
    findings: list[Finding] = []
    budget = [_EDIT_SEARCH_BUDGET]
    for pair in translated_pairs(alignment):
        findings += _inline(alignment, pair, budget)
        findings += _blocks(alignment, pair)
    return findings


def _inline(alignment: Alignment, pair: Pair, budget: list[int]) -> list[Finding]:
    """`budget`: what is left of the document's `_EDIT_SEARCH_BUDGET` (spent here)."""
    path = alignment.target.path
    source, target = _unmatched(list(_spans(pair.source)), list(_spans(pair.target)))
    findings: list[Finding] = []
    changed: list[tuple[_Span, _Span]] = []
    unquoted_at = _find_unquoted_each([english.code for english in source], pair.target)
    for english in list(source):
        # Still there without backticks: unquoted, not changed.
        unquoted = unquoted_at.get(english.code)
        if unquoted is not None:
            source.remove(english)
            findings.append(
                finding_at(
                    INLINE_MISSING,
                    path,
                    unquoted,
                    f"`{english.code}` ({source_place(alignment, english.where)}) is not code here: "
                    "put it back in backticks",
                    pair=pair.id,
                    suggestion=f"`{english.code}`",
                    fix=Applicability.UNSAFE,  # a name the prose may use as a word
                )
            )
    cost = sum(len(english.code) for english in source) * sum(len(chinese.code) for chinese in target)
    if cost <= budget[0]:
        budget[0] -= cost
        for english in list(source):
            # An edited span: `directions` -> `direction`, `List[BestRun]` -> `list[BestRun]`.
            chinese = _most_similar(english.code, target)
            if chinese is not None:
                changed.append((english, chinese))
                source.remove(english)
                target.remove(chinese)
    if source and len(source) == len(target):
        changed += zip(source, target, strict=True)
        source = []
    for english, chinese in changed:
        how = "translated" if _CJK.search(chinese.code) and not _CJK.search(english.code) else "changed"
        findings.append(
            finding_at(
                INLINE_CHANGED,
                path,
                chinese.where,
                f"code {how}: the English ({source_place(alignment, english.where)}) has `{english.code}`",
                pair=pair.id,
                suggestion=english.code,
            )
        )
    for english in source:
        message = f"`{english.code}` ({source_place(alignment, english.where)}) is not code here"
        findings.append(finding_at_block(INLINE_MISSING, path, pair.target[0], message, pair=pair.id))
    return findings


def _unmatched(source: list[_Span], target: list[_Span]) -> tuple[list[_Span], list[_Span]]:
    """The spans of each side without an equal one on the other, in order: each English span
    takes the first Chinese span with the same code not yet taken."""
    waiting: dict[str, deque[int]] = {}
    for index, chinese in enumerate(target):
        waiting.setdefault(chinese.code, deque()).append(index)
    taken: set[int] = set()
    left: list[_Span] = []
    for english in source:
        same = waiting.get(english.code)
        if same:
            taken.add(same.popleft())
        else:
            left.append(english)
    return left, [chinese for index, chinese in enumerate(target) if index not in taken]


def _most_similar(code: str, target: list[_Span]) -> _Span | None:
    """The first Chinese span most like `code`, when that is at least `_SIMILAR`: what
    `max(target, key=similarity)` gives then. difflib's cheap upper bounds of the ratio
    (lengths, then characters) rule out most spans before the ratio itself is computed; one
    ruled out is below `_SIMILAR`, so it could only be the most similar when none reaches it."""
    best, best_ratio = None, -1.0
    for chinese in target:
        matcher = difflib.SequenceMatcher(a=code.lower(), b=chinese.code.lower(), autojunk=False)
        if matcher.real_quick_ratio() < _SIMILAR or matcher.quick_ratio() < _SIMILAR:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = chinese, ratio
    return best if best_ratio >= _SIMILAR else None


def _spans(segments: Iterable[Segment]) -> Iterable[_Span]:
    for segment in segments:
        if segment.kind is SegmentKind.CODE:
            continue
        for part in parts(segment):
            if part.kind is PartKind.CODE:
                yield _Span(part.value.strip(), Located(segment, part.value_start, part.value_end))


def _find_unquoted_each(codes: list[str], segments: tuple[Segment, ...]) -> dict[str, Located]:
    """Where each code stands in the prose of `segments` (first segment, first place), for
    the codes that do: one scan of each segment for all codes (qa.glossary.match.Occurrences), not
    a search of the segment per code (thousands of changed spans in a paragraph made that
    quadratic)."""
    wanted = Occurrences(codes)
    found: dict[str, Located] = {}
    for segment in segments:
        for code, at in wanted.first(prose_mask(segment)).items():
            if code not in found:
                found[code] = Located(segment, at, at + len(code))
    return found


def _blocks(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    english_blocks = [s for s in pair.source if s.kind is SegmentKind.CODE]
    if not english_blocks:
        return []
    chinese_blocks = [s for s in pair.target if s.kind is SegmentKind.CODE]
    if not chinese_blocks:
        first = pair.target[0]
        message = (
            f"the English code block ({alignment.source.path}:{english_blocks[0].start_line}) is not a code "
            "block here: restore its ``` fences"
        )
        return [BLOCK_CHANGED.on_first_line(path, first, message, pair.id)]
    findings: list[Finding] = []
    for english, chinese in zip(english_blocks, chinese_blocks, strict=False):
        finding = _compare_block(alignment, pair, english, chinese)
        if finding is not None:
            findings.append(finding)
    return findings


def _compare_block(alignment: Alignment, pair: Pair, english: Segment, chinese: Segment) -> Finding | None:
    if english.raw == chinese.raw:
        return None  # the same text has the same fence and lines: most code blocks are copied as they are
    return _compare_lines(alignment, pair, english, chinese)


def _compare_lines(alignment: Alignment, pair: Pair, english: Segment, chinese: Segment) -> Finding | None:
    path = alignment.target.path
    english_fence, chinese_fence = _fence(english), _fence(chinese)
    if english_fence != chinese_fence and chinese_fence is not None:
        line = _lines(chinese)[0]
        return finding_at(
            BLOCK_CHANGED,
            path,
            line.where,
            f"the English code block ({alignment.source.path}:{english.start_line}) opens with "
            f"{_lines(english)[0].text.strip()!r}",
            pair=pair.id,
            suggestion=_lines(english)[0].text.strip(),
        )
    english_lines, chinese_lines = _body(english), _body(chinese)
    matcher = difflib.SequenceMatcher(
        a=[_norm(line.text) for line in english_lines], b=[_norm(line.text) for line in chinese_lines], autojunk=False
    )
    comment_only: Located | None = None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = english_lines[i1:i2], chinese_lines[j1:j2]
        if _only_comments(old, new):
            if comment_only is None and any(_CJK.search(line.text) for line in new):
                comment_only = new[0].where
            continue
        where = new[0].where if new else (chinese_lines[j1 - 1].where if j1 else _lines(chinese)[0].where)
        shown = excerpt(old[0].text.strip()) if old else "nothing"
        how = "translated" if any(_CJK.search(line.text) for line in new) else "changed"
        return finding_at(
            BLOCK_CHANGED,
            path,
            where,
            f"code {how}: the English code block ({alignment.source.path}:{english.start_line}) has {shown!r} here",
            pair=pair.id,
        )
    if comment_only is not None:
        return finding_at(
            COMMENT_TRANSLATED,
            path,
            comment_only,
            f"the comments of the code block from {alignment.source.path}:{english.start_line} were translated",
            pair=pair.id,
        )
    return None


def _lines(segment: Segment) -> list[_Line]:
    out: list[_Line] = []
    offset = 0
    for text in segment.raw.split("\n"):
        out.append(_Line(text, Located(segment, offset, offset + len(text))))
        offset += len(text) + 1
    return out


def _fence(segment: Segment) -> tuple[str, str] | None:
    match = _FENCE.match(segment.raw)
    return (match.group(1)[0], match.group(2)) if match else None


def _body(segment: Segment) -> list[_Line]:
    """The code lines, without the fences of a fenced block."""
    lines = _lines(segment)
    if _fence(segment) is None:
        return lines
    body = lines[1:]
    if body and _FENCE.match(body[-1].text) and not _FENCE.match(body[-1].text).group(2):
        body = body[:-1]
    return body


def _norm(line: str) -> str:
    return line.rstrip()


def _code_part(line: str) -> str:
    if _COMMENT_LINE.match(line):
        return ""
    marker = _TRAILING_MARKER.search(line)
    if marker is None:
        return line.rstrip()
    start = marker.start()
    while start and line[start - 1].isspace():  # what `\s` matches in a str pattern
        start -= 1
    return line[:start].rstrip()


def _only_comments(old: list[_Line], new: list[_Line]) -> bool:
    """True when the differing lines differ only in comments (whole-line or trailing)."""
    code_old = [c for c in (_code_part(line.text) for line in old) if c]
    code_new = [c for c in (_code_part(line.text) for line in new) if c]
    return code_old == code_new


CHECKS = (Check("code", RULES, Scope.PAIR, run=lambda given: check_alignment(given.alignment)),)
