"""Image checks: image paths the translation lost or changed, and image syntax the MT broke."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from qa.checks.pairwise import Located, each_translated_pair, finding_at, finding_at_block, source_place
from qa.inline import PartKind, parts
from qa.model import Alignment, Finding, Pair, Segment, Severity
from qa.rules import Rule

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
)

RULES = (MISSING, CHANGED, BROKEN_SYNTAX)

_BROKEN = re.compile(r"(?:！\s*|!\s+)\[[^\]\n]*\]\s*[(（][^)）\n]*[)）]?|!\[[^\]\n]*\](?:\s+\(|\s*（)[^)）\n]*[)）]?")


@dataclass(frozen=True)
class _Image:
    path: str
    where: Located


def check_alignment(alignment: Alignment) -> list[Finding]:
    return each_translated_pair(alignment, _check_pair)


def _check_pair(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    findings: list[Finding] = []
    target = list(_images(pair.target))
    source: list[_Image] = []
    for english in _images(pair.source):
        chinese = next((t for t in target if t.path == english.path), None)
        if chinese is None:
            source.append(english)
        else:
            target.remove(chinese)
    # A broken form counts only when it holds an English image's path: "哇! [链接](url)" is
    # an exclamation before a link, not an image.
    for segment in pair.target:
        for match in _broken_forms(segment):
            where = Located(segment, match.start(), match.end())
            english = next((s for s in source if s.path and s.path in where.text), None)
            if english is None:
                continue
            source.remove(english)
            target = [t for t in target if not _inside(t.where, where)]
            findings.append(
                finding_at(
                    BROKEN_SYNTAX,
                    path,
                    where,
                    f"broken image syntax {where.text!r}: write ![alt](path) as the English does "
                    f"({source_place(alignment, english.where)})",
                    pair=pair.id,
                    suggestion=_repair(where.text),
                )
            )
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


def _broken_forms(segment: Segment) -> Iterator[re.Match[str]]:
    # Every broken form starts with ! or ！, which most blocks lack: they skip the scan.
    raw = segment.raw
    return _BROKEN.finditer(raw) if "!" in raw or "！" in raw else iter(())


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
