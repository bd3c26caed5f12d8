"""Image checks: image paths the translation lost or changed, and image syntax the MT broke."""

from __future__ import annotations

import bisect
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from qa.glossary.match import Occurrences
from qa.model import Alignment, Applicability, Finding, Pair, Segment, Severity
from qa.read.inline import PartKind, parts
from qa.rules.pairwise import Located, each_translated_pair, finding_at, finding_at_block, replacement, source_place
from qa.rules.rule import Check, Rule, Scope

MISSING = Rule.define(
    "images/missing",
    Severity.ERROR,
    """An image of the English is not in the aligned Chinese.

    What it does: compares the image paths of both sides of an aligned pair (Markdown
    `![alt](path)` and HTML `<img src>`), and reports each English image whose path the
    Chinese does not have, not even changed or with broken syntax. The finding is an
    empty range at the start of the Chinese block.

    Why is this bad: the figure a paragraph explains is gone from the translated page.

    Example: English "![](img/029324ca.png)", Chinese "" (the image line dropped, or merged
    into a paragraph without it).
    """,
)

CHANGED = Rule.define(
    "images/changed",
    Severity.ERROR,
    """An image path of the English stands changed in the Chinese.

    What it does: when an aligned pair has an English image the Chinese lacks and a
    Chinese image the English lacks, pairs them in order and marks the Chinese path,
    suggesting the English one. Paths are compared after URL-decoding, so `%20` and a
    space are the same.

    Why is this bad: a changed path shows a broken image, or the wrong figure.

    Example: English "![](img/d7d4d428.png)", Chinese "![](img/d7d4d482.png)".
    """,
    fix=Applicability.UNSAFE,
)

BROKEN_SYNTAX = Rule.define(
    "images/broken-syntax",
    Severity.ERROR,
    """The MT broke image syntax: `！[`, `! [`, or full-width brackets around the path.

    What it does: reports `![alt](path)` written with a full-width exclamation mark, with
    a space after `!` or between `]` and `(`, or with （） around the path (forms that no
    longer render as an image) when the path is that of an English image of the pair.

    Why is this bad: the page shows the Markdown source (or an empty link) instead of the
    figure.

    Example: English "![](img/f63f1642.png)", Chinese "！[](img/f63f1642.png)".
    """,
    fix=Applicability.SAFE,
)

RULES = (MISSING, CHANGED, BROKEN_SYNTAX)

_BROKEN = re.compile(r"(?:！\s*|!\s+)\[[^\]\n]*\]\s*[(（][^)）\n]*[)）]?|!\[[^\]\n]*\](?:\s+\(|\s*（)[^)）\n]*[)）]?")
"""Broken image syntax, in two forms: `！[`/`! [` then `](`, `] (` or `]（`; `![` then `] (` or
`]（`. Found by `_broken_forms`, which reads it in three parts (below), so that each `[`
looks for its `]` once: the pattern itself rescanned a line of `！[` without `]` from each."""
_BROKEN_OPEN = re.compile(r"(?:！\s*|!\s+)\[|(!)\[")
"""The forms up to their `[`; group 1 says the second form."""
_LABEL_END = re.compile(r"[\]\n]")
_BROKEN_TARGET = (
    re.compile(r"\s*[(（][^)）\n]*[)）]?"),
    re.compile(r"(?:\s+\(|\s*（)[^)）\n]*[)）]?"),
)
"""What follows the `]` in each form."""


@dataclass(frozen=True)
class _Image:
    path: str
    where: Located


def check_alignment(alignment: Alignment) -> list[Finding]:
    return each_translated_pair(alignment, _check_pair)


def _check_pair(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    findings: list[Finding] = []
    source, target = _unmatched(list(_images(pair.source)), list(_images(pair.target)))
    # A broken form counts only when it holds an English image's path: "哇! [链接](url)" is
    # an exclamation before a link, not an image.
    holders = _Holders(source)
    broken: list[Located] = []
    held: set[int] = set()
    for segment in pair.target:
        for start, end in _broken_forms(segment):
            where = Located(segment, start, end)
            english = holders.first_in(where.text)
            if english is None:
                continue
            held.add(id(english))
            broken.append(where)
            findings.append(
                finding_at(
                    BROKEN_SYNTAX,
                    path,
                    where,
                    f"broken image syntax {where.text!r}: write ![alt](path) as the English does "
                    f"({source_place(alignment, english.where)})",
                    pair=pair.id,
                    suggestion=_repair(where.text),
                    fix=Applicability.SAFE,  # the form holds the English image's path
                )
            )
    if broken:
        source = [english for english in source if id(english) not in held]
        target = _outside(target, broken)
    if source and len(source) == len(target):
        for english, chinese in zip(source, target, strict=True):
            findings.append(
                finding_at(
                    CHANGED,
                    path,
                    chinese.where,
                    f"the English ({source_place(alignment, english.where)}) shows {english.path!r} here",
                    pair=pair.id,
                    suggestion=english.path,
                    fix=replacement(chinese.where, english.where.text, Applicability.UNSAFE),
                )
            )
        source = []
    for english in source:
        findings.append(
            finding_at_block(
                MISSING,
                path,
                pair.target[0],
                f"image {english.path!r} ({source_place(alignment, english.where)}) is not in this Chinese block",
                pair=pair.id,
            )
        )
    return findings


def _unmatched(source: list[_Image], target: list[_Image]) -> tuple[list[_Image], list[_Image]]:
    """The images of each side without one of the same path on the other, in order: each
    English image takes the first Chinese one with its path not yet taken."""
    waiting: dict[str, deque[int]] = {}
    for index, chinese in enumerate(target):
        waiting.setdefault(chinese.path, deque()).append(index)
    taken: set[int] = set()
    left: list[_Image] = []
    for english in source:
        same = waiting.get(english.path)
        if same:
            taken.add(same.popleft())
        else:
            left.append(english)
    return left, [chinese for index, chinese in enumerate(target) if index not in taken]


class _Holders:
    """The English images left, asked which comes first among those whose path a text holds:
    one scan of the text for all paths (qa.glossary.match.Occurrences), not a substring test per
    image."""

    def __init__(self, images: list[_Image]) -> None:
        self._order = {id(image): index for index, image in enumerate(images)}
        self._by_path: dict[str, list[_Image]] = {}
        for image in images:
            if image.path:
                self._by_path.setdefault(image.path, []).append(image)
        self._taken: set[int] = set()
        self._paths = Occurrences(self._by_path)

    def first_in(self, text: str) -> _Image | None:
        """The first image not yet taken whose path is in `text`, now taken."""
        held = self._paths.first(text)
        candidates = [i for p in held for i in self._by_path[p] if id(i) not in self._taken]
        if not candidates:
            return None
        first = min(candidates, key=lambda image: self._order[id(image)])
        self._taken.add(id(first))
        return first


def _broken_forms(segment: Segment) -> Iterator[tuple[int, int]]:
    """(start, end) of each match of `_BROKEN` in the block, as `finditer` gives them.

    After a form's `[` the pattern needs the first `]` or newline to be a `]`, and then what
    `_BROKEN_TARGET` matches there: both are looked up once per `]` and shared by every
    opener before it, so a line of openers is read once."""
    raw = segment.raw
    # Every broken form starts with ! or ！, which most blocks lack: they skip the scan.
    if "!" not in raw and "！" not in raw:
        return
    label_end = (-1, -1)  # (searched from, first `]` or newline at or after it)
    targets: dict[tuple[int, int], int] = {}  # (form, `]` offset) -> end of the match, or -1
    position = 0
    while (opening := _BROKEN_OPEN.search(raw, position)) is not None:
        after = opening.end()
        if not label_end[0] <= after <= label_end[1]:
            close = _LABEL_END.search(raw, after)
            label_end = (after, close.start() if close else len(raw))
        close_at = label_end[1]
        end = -1
        if close_at < len(raw) and raw[close_at] == "]":
            form = 1 if opening.group(1) else 0
            if (form, close_at) not in targets:
                found = _BROKEN_TARGET[form].match(raw, close_at + 1)
                targets[form, close_at] = found.end() if found else -1
            end = targets[form, close_at]
        if end < 0:
            position = opening.start() + 1
        else:
            yield opening.start(), end
            position = end


def _repair(broken: str) -> str:
    """`！[alt] （path）` -> `![alt](path)`."""
    fixed = re.sub(r"^[!！]\s*\[", "![", broken)
    fixed = re.sub(r"\]\s*[(（]", "](", fixed)
    return re.sub(r"）$", ")", fixed)


def _images(segments: Iterable[Segment]) -> Iterable[_Image]:
    for segment in segments:
        for part in parts(segment):
            if part.kind is PartKind.IMAGE:
                yield _Image(unquote(part.value.strip()), Located(segment, part.value_start, part.value_end))


def _inside(a: Located, b: Located) -> bool:
    return a.segment is b.segment and b.start <= a.start and a.end <= b.end


def _outside(images: list[_Image], broken: list[Located]) -> list[_Image]:
    """The images not inside any of the broken forms (those of a block do not overlap, in
    order: only the last one starting at or before an image can hold it)."""
    by_segment: dict[int, tuple[list[int], list[Located]]] = {}
    for form in broken:
        starts, forms = by_segment.setdefault(id(form.segment), ([], []))
        starts.append(form.start)
        forms.append(form)
    kept = []
    for image in images:
        starts, forms = by_segment.get(id(image.where.segment), ([], []))
        holder = bisect.bisect_right(starts, image.where.start) - 1
        if holder < 0 or not _inside(image.where, forms[holder]):
            kept.append(image)
    return kept


CHECKS = (Check("images", RULES, Scope.PAIR, run=lambda given: check_alignment(given.alignment)),)
