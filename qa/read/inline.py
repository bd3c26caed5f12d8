"""Inline parts of a block with their offsets in `Segment.raw`: links, images, code spans, URLs.

`Segment` carries the link targets, image paths and code spans markdown-it found, but not
where they are; a finding must point at the exact characters. This module re-finds them in
the raw text with regular expressions that follow CommonMark closely enough for newsletter
Markdown, and also finds what markdown-it cannot see: bare URLs (no linkify) and links the MT
broke so that they are plain text again.

Used by the consistency checks (qa/rules/numbers.py, links.py, images.py, code.py,
typography.py); never imported by the parser, so the lead's qa/read/markdown.py stays the one
source of block structure.
"""

from __future__ import annotations

import bisect
import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from qa.model import Segment, SegmentKind


class PartKind(enum.StrEnum):
    LINK = "link"
    IMAGE = "image"
    AUTOLINK = "autolink"
    BARE_URL = "bare_url"
    CODE = "code"
    HTML = "html"


@dataclass(frozen=True)
class Part:
    """One inline part; offsets index `Segment.raw`, half-open."""

    kind: PartKind
    start: int
    end: int
    value: str
    """The URL, image path or code text."""
    value_start: int
    value_end: int
    label_start: int = -1
    label_end: int = -1
    """The link text or image alt between the brackets (-1 when the part has none)."""

    @property
    def label_length(self) -> int:
        return max(0, self.label_end - self.label_start)


_CODE_SPAN_FORM = r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)"
"""A code span (DOTALL): a run of backticks, then text up to the next run of as many. Found by
`_code_spans` rather than this regex, whose lazy scan from a run with no partner reads to the
end of the block, for every such run: runs of growing length made it quadratic."""
_BACKTICK_RUN = re.compile(r"`+")
# Link text may hold one level of brackets ([2103.12731] titles, `[![](img)](url)`) and span
# lines (Medium link cards: `[## title\n\n### desc\n\nsite](url)`).
_LABEL = r"((?:[^\[\]]|\[[^\[\]]*\])*)"
# A destination: `<...>` or a run without spaces whose parentheses balance one level deep,
# then an optional title.
_DESTINATION = r"\(\s*(?:<([^<>\n]*)>|((?:[^\s()]|\([^\s()]*\))*))(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
_IMAGE = re.compile(r"!\[" + _LABEL + r"\]" + _DESTINATION)
_LINK = re.compile(r"(?<!!)\[" + _LABEL + r"\]" + _DESTINATION)
# `_IMAGE` and `_LINK` are matched by `_links`: these find them up to the `(`, and
# `_destination` reads the rest. The destination's `\s*` before it, `\s+` before a title and
# `\s*` before the `)` all eat the same spaces: `[a](` and n spaces (and no `)`) tried every
# way of sharing them out, n^2 steps.
_LINKS_UP_TO_DESTINATION = {
    pattern: re.compile(pattern.pattern.removesuffix(_DESTINATION) + r"\(") for pattern in (_IMAGE, _LINK)
}
_SPACES = re.compile(r"\s*")
_PLAIN_DESTINATION = re.compile(r"(?:[^\s()]|\([^\s()]*\))*+")
_ANGLE_DESTINATION_END = re.compile(r"[<>\n]")
_TITLE_END = {quote: re.compile(f"[{quote}\n]") for quote in "\"'"}
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]*)>")
_HTML_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"'\s>]+)[\"'][^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\[\]()（）【】《》「」，。、；！？“”\"'`*]+")
_URL_TRAILING = ".,:;!?~"


def parts(segment: Segment) -> tuple[Part, ...]:
    """The inline parts of a block in order. Code blocks are one CODE part."""
    return _parts(segment.raw, segment.kind is SegmentKind.CODE)


@lru_cache(maxsize=4096)
def _parts(raw: str, is_code_block: bool) -> tuple[Part, ...]:
    if is_code_block:
        return (Part(PartKind.CODE, 0, len(raw), raw, 0, len(raw)),)
    found: list[Part] = []
    taken = bytearray(len(raw))

    def free(start: int, end: int) -> bool:
        return taken.find(1, start, end) < 0

    def take(part: Part) -> None:
        found.append(part)
        taken[part.start : part.end] = b"\x01" * (part.end - part.start)

    for start, end, code_start, code_end in _code_spans(raw):
        take(Part(PartKind.CODE, start, end, raw[code_start:code_end], code_start, code_end))
    for pattern, kind in ((_IMAGE, PartKind.IMAGE), (_LINK, PartKind.LINK)):
        for start, end, (label_start, label_end), (value_start, value_end) in _links(pattern, raw):
            # Code may stand in the link text (`[`pipeline`](url)`); not in the brackets or the target.
            if not (free(start, label_start) and free(label_end, end)):
                continue
            value = raw[value_start:value_end]
            take(Part(kind, start, end, value, value_start, value_end, label_start=label_start, label_end=label_end))
    for match in _html_images(raw):
        if free(match.start(), match.end()):
            take(Part(PartKind.IMAGE, match.start(), match.end(), match.group(1), match.start(1), match.end(1)))
    for match in _scan(_AUTOLINK, raw, "<"):
        if free(match.start(), match.end()):
            take(Part(PartKind.AUTOLINK, match.start(), match.end(), match.group(1), match.start(1), match.end(1)))
    for match in _scan(_HTML_TAG, raw, "<"):
        if free(match.start(), match.end()):
            take(Part(PartKind.HTML, match.start(), match.end(), match.group(0), match.start(), match.end()))
    for match in _scan(_BARE_URL, raw, "://"):
        end = match.end()
        while end > match.start() and raw[end - 1] in _URL_TRAILING:
            end -= 1
        if free(match.start(), end):
            take(Part(PartKind.BARE_URL, match.start(), end, raw[match.start() : end], match.start(), end))
    # Bare URLs inside a link's text stay: `[http://github.com/x](https://t.co/y)` shows one.
    for part in [p for p in found if p.kind is PartKind.LINK and p.label_length]:
        label = raw[part.label_start : part.label_end]
        for match in _scan(_BARE_URL, label, "://"):
            end = match.end()
            while end > match.start() and label[end - 1] in _URL_TRAILING:
                end -= 1
            start, stop = part.label_start + match.start(), part.label_start + end
            found.append(Part(PartKind.BARE_URL, start, stop, raw[start:stop], start, stop))
    return tuple(sorted(found, key=lambda p: (p.start, p.end)))


Span = tuple[int, int]


def _links(pattern: re.Pattern[str], raw: str) -> Iterator[tuple[int, int, Span, Span]]:
    """(start, end, label span, destination span) of each match of `pattern` (`_IMAGE` or
    `_LINK`) in `raw`, as `finditer` gives them; the destination span is that of whichever of
    its groups matched."""
    if "](" not in raw:
        return  # every match has one, and most blocks none
    head = _LINKS_UP_TO_DESTINATION[pattern]
    position = 0
    while (opening := head.search(raw, position)) is not None:
        destination = _destination(raw, opening.end())
        if destination is None:
            position = opening.start() + 1
            continue
        end, value = destination
        yield opening.start(), end, opening.span(1), value
        position = end


def _destination(raw: str, at: int) -> tuple[int, Span] | None:
    """Where `_DESTINATION` matching from the `(` before `at` ends, and the span of its
    destination group; None where it does not match.

    Its first `\\s*` takes all the spaces there are unless the destination is empty: a
    destination starts with no space. Then the regex tries `<…>`, then the plain run, which
    only matches whole (a shorter one is followed by a character of it, where neither a
    title nor `)` can be). Failing both, the spaces are shared out again: the only way left
    is a title after the last of them, with an empty destination just before it."""
    spaces_end = _SPACES.match(raw, at).end()
    if raw.startswith("<", spaces_end):
        close = _ANGLE_DESTINATION_END.search(raw, spaces_end + 1)
        if close is not None and close.group() == ">":
            end = _after_destination(raw, close.end())
            if end >= 0:
                return end, (spaces_end + 1, close.start())
    plain_end = _PLAIN_DESTINATION.match(raw, spaces_end).end()
    end = _after_destination(raw, plain_end)
    if end >= 0:
        return end, (spaces_end, plain_end)
    if spaces_end > at:
        end = _after_destination(raw, spaces_end - 1, title_only=True)
        if end >= 0:
            return end, (spaces_end - 1, spaces_end - 1)
    return None


def _after_destination(raw: str, at: int, *, title_only: bool = False) -> int:
    """Where `(?:\\s+(?:"[^"\\n]*"|'[^'\\n]*'))?\\s*\\)` matching at `at` ends, or -1: a title
    after all the spaces there, then spaces and `)`; or, without the title, spaces and `)`."""
    spaces_end = _SPACES.match(raw, at).end()
    quote = raw[spaces_end : spaces_end + 1]
    if spaces_end > at and quote in ("'", '"'):
        close = _TITLE_END[quote].search(raw, spaces_end + 1)
        if close is not None and close.group() == quote:
            closing = _SPACES.match(raw, close.end()).end()
            if raw.startswith(")", closing):
                return closing + 1
    if not title_only and raw.startswith(")", spaces_end):
        return spaces_end + 1
    return -1


def _code_spans(raw: str) -> Iterator[tuple[int, int, int, int]]:
    """(start, end, code start, code end) of each match of `_CODE_SPAN_FORM`, in order.

    Each run of backticks is paired with the next run of the same length, found by a lookup
    among the runs of that length; a run without one is text, and the next run is tried."""
    if "`" not in raw:
        return
    runs = [match.span() for match in _BACKTICK_RUN.finditer(raw)]
    of_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        of_length.setdefault(end - start, []).append(index)
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = of_length[end - start]
        partner = bisect.bisect_right(same, index)
        if partner == len(same):
            index += 1
            continue
        close_start, close_end = runs[same[partner]]
        yield start, close_end, end, close_start
        index = same[partner] + 1


_HTML_IMG_OPEN = re.compile(r"<img\b", re.IGNORECASE)


def _html_images(raw: str) -> Iterator[re.Match[str]]:
    """`_HTML_IMG.finditer(raw)`, trying the pattern once per tag rather than once per `<img`.

    A match runs from `<img` to the first `>` after it. Where an `src` is not found before
    that `>`, none is from a later `<img` before it either (the pattern would look in less
    of the same text), so the scan jumps past it: "<img " * n without a `>` was quadratic."""
    if "<" not in raw:
        return
    position = 0
    while (opening := _HTML_IMG_OPEN.search(raw, position)) is not None:
        close = raw.find(">", opening.end())
        if close < 0:
            return  # no tag closes after here: no match
        match = _HTML_IMG.match(raw, opening.start())
        if match is not None:
            yield match
        position = close + 1


def _scan(pattern: re.Pattern[str], text: str, needs: str) -> Iterator[re.Match[str]]:
    """`pattern`'s matches in `text`. Each of them contains `needs`, and most blocks have no
    link, code or URL: a substring test spares those blocks the (much slower) scan."""
    return pattern.finditer(text) if needs in text else iter(())


_URL_KINDS = (PartKind.LINK, PartKind.AUTOLINK, PartKind.BARE_URL)


def urls(segment: Segment) -> tuple[Part, ...]:
    """Links, autolinks and bare URLs (not images, not code)."""
    if "](" not in segment.raw and "://" not in segment.raw:
        return ()  # a link has "](" (`_LINK`), any other URL "://": most blocks have neither
    return tuple(p for p in parts(segment) if p.kind in _URL_KINDS)


def prose_mask(segment: Segment) -> str:
    """`segment.raw` with everything that is not prose blanked out (same length, same offsets).

    Blanked: code, URLs and link targets, images, HTML tags, and the block's own markers
    (`#`, `>`, list bullets and numbers), so a check reading the mask sees only the words a
    reader reads, at their real offsets. Link texts stay: they are prose.
    """
    return _prose_mask(segment.raw, segment.kind)


_BLOCK_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:#{1,6}(?=[ \t])|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]|$))?", re.M)


@lru_cache(maxsize=4096)
def _prose_mask(raw: str, kind: SegmentKind) -> str:
    if kind in (SegmentKind.CODE, SegmentKind.HTML, SegmentKind.RULE):
        return " " * len(raw)
    hidden: list[tuple[int, int]] = []
    for part in _parts(raw, False):
        if part.kind is PartKind.LINK:
            # Keep the link text, blank the brackets and the target.
            hidden += [(part.start, part.label_start), (part.label_end, part.end)]
            hidden += [
                (part.label_start + inner.start, part.label_start + inner.end)
                for inner in _parts(raw[part.label_start : part.label_end], False)
            ]
        else:
            hidden.append((part.start, part.end))
    hidden += [match.span() for match in _BLOCK_MARKER.finditer(raw)]
    return blanked(raw, hidden)


def blanked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with the characters of each [start, end) span (spans may overlap) made spaces."""
    pieces: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        start = max(start, at)
        pieces += (text[at:start], " " * (end - start))
        at = end
    pieces.append(text[at:])
    return "".join(pieces)
