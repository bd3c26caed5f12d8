"""Markdown blocks rendered to HTML for the HTML report, with findings highlighted in place.

markdown-it renders each block with raw HTML off, so the document's HTML shows as escaped
text and never runs; links show their text (the URL on hover), images their alt text (an
image would be a request). A finding's range in the raw block is wrapped before rendering in
two private-use characters that carry its number and survive markdown-it as plain text; after
rendering, each run of text between them becomes a <mark>, split at every tag so the marks
always nest.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from qa.model import Segment, SegmentKind
from qa.read.inline import PartKind, parts
from qa.report.clause import BLOCK_PREFIX

# Plane 15 opens highlight N (U+F0000 + N), plane 16 closes it: one character each, nothing
# markdown-it treats as syntax, and no newsletter holds them (a block that does is not marked).
_OPEN, _CLOSE = 0xF0000, 0x100000
_LIMIT = 0xFFFE
_MARKERS = re.compile("[\U000f0000-\U0010ffff]")
_TAG = re.compile(r"(<[^>]*>)")
# A marker inside a link's destination would end up in its href; a bare URL is plain text (no
# linkify), so a marker there is harmless.
_URL_PARTS = (PartKind.LINK, PartKind.IMAGE, PartKind.AUTOLINK)
_TABLE_CELL = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class Highlight:
    """Wrap `raw[start:end]` of a block in <mark {attributes}>."""

    start: int
    end: int
    attributes: str
    """Already escaped: `class="…" data-mark="…"`; a highlight cut by tags is several <mark>s
    with the same attributes."""
    syntax: str = ""
    """The raw text, shown in the mark when rendering consumed all of it (a stray `**`, `[]`)."""


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.core.ruler.push("short_autolinks", _short_autolinks)
    return md


def _image(self, tokens: Sequence[Token], index: int, options, env) -> str:
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    label = alt or source.rsplit("/", 1)[-1]
    return f'<span class="img" title="image: {escape(source)}">🖼 {escape(label)}</span>'


def _link_open(self, tokens: Sequence[Token], index: int, options, env) -> str:
    token = tokens[index]
    token.attrSet("title", str(token.attrGet("href") or ""))
    token.attrSet("rel", "noreferrer noopener")
    token.attrSet("target", "_blank")
    return self.renderToken(tokens, index, options, env)


def _short_autolinks(state) -> None:
    """An autolink shows its host and …, not a URL as long as the paragraph (the title has it)."""
    for block in state.tokens:
        children = block.children or []
        for token, text in itertools.pairwise(children):
            if token.type == "link_open" and token.markup == "autolink" and text.type == "text":
                host = urlsplit(text.content).netloc
                text.content = f"{host}/…" if host and len(text.content) > len(host) + 12 else text.content


_MD = _markdown()


def render_segments(segments: Sequence[Segment], highlights: Sequence[Sequence[Highlight]] = ()) -> str:
    """The blocks as HTML, each with its highlights (by position, aligned with `segments`)."""
    return "".join(
        render_block(segment, highlights[i] if i < len(highlights) else ()) for i, segment in enumerate(segments)
    )


def render_block(segment: Segment, highlights: Sequence[Highlight] = ()) -> str:
    kept = _placeable(segment, highlights)
    raw = _with_markers(segment.raw, kept)
    if segment.kind is SegmentKind.FRONT_MATTER:
        html = f"<pre>{escape(raw)}</pre>"
    else:
        html = _MD.render(_standalone(segment, raw))
    return _marks(html, kept) if kept else html


def _standalone(segment: Segment, raw: str) -> str:
    """The block as Markdown that renders on its own as it does in its document: a nested list
    item without the indent that would make it code, a table row under a delimiter row."""
    if segment.kind is SegmentKind.LIST_ITEM:
        lines = raw.split("\n")
        indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
        return "\n".join(line[indent:] for line in lines)
    if segment.kind is SegmentKind.TABLE_ROW:
        cells = len(_TABLE_CELL.split(raw.strip().strip("|")))
        return f"{raw}\n{'|---' * cells}|"
    return raw


def _placeable(segment: Segment, highlights: Sequence[Highlight]) -> list[Highlight]:
    """The highlights that can be marked without changing how the block renders: not in code,
    not cutting a URL, not overlapping one before; each moved off a line's block syntax."""
    if not highlights or segment.kind is SegmentKind.CODE or _MARKERS.search(segment.raw):
        return []
    urls = [
        (p.value_start, p.value_end) if p.kind in (PartKind.LINK, PartKind.IMAGE) else (p.start, p.end)
        for p in parts(segment)
        if p.kind in _URL_PARTS
    ]
    kept: list[Highlight] = []
    for highlight in sorted(highlights, key=lambda h: (h.start, h.end))[:_LIMIT]:
        start, end = _off_block_syntax(segment.raw, highlight.start, highlight.end)
        if start >= end or any(start < u_end and u_start < end for u_start, u_end in urls):
            continue
        if kept and start < kept[-1].end:
            continue
        kept.append(Highlight(start, end, highlight.attributes, segment.raw[start:end]))
    return kept


def _off_block_syntax(raw: str, start: int, end: int) -> tuple[int, int]:
    """A marker inside `- `, `> ` or `## ` would turn the block into a paragraph: start after
    that syntax, and end before the line whose syntax it would fall in."""
    start = max(start, BLOCK_PREFIX.match(raw, raw.rfind("\n", 0, start) + 1).end())
    end_line = raw.rfind("\n", 0, end) + 1
    if end_line > start and end <= BLOCK_PREFIX.match(raw, end_line).end():
        end = end_line - 1
    return start, end


def _with_markers(raw: str, highlights: Sequence[Highlight]) -> str:
    out: list[str] = []
    position = 0
    for number, highlight in enumerate(highlights):
        out += [raw[position : highlight.start], chr(_OPEN + number), raw[highlight.start : highlight.end]]
        out.append(chr(_CLOSE + number))
        position = highlight.end
    out.append(raw[position:])
    return "".join(out)


def _marks(html: str, highlights: Sequence[Highlight]) -> str:
    """Each text run between a highlight's markers wrapped in its <mark>; markers removed
    (also from any attribute a marker ended up in). A highlight whose text rendering consumed
    (only markup) shows that markup, escaped, where it was."""
    out: list[str] = []
    active: int | None = None
    shown = False
    for chunk in _TAG.split(html):
        if chunk.startswith("<"):
            out.append(_MARKERS.sub("", chunk))
            continue
        position = 0
        for marker in _MARKERS.finditer(chunk):
            piece = _wrapped(chunk[position : marker.start()], active, highlights)
            shown = shown or piece.startswith("<mark")
            out.append(piece)
            code = ord(marker.group())
            if code >= _CLOSE and active is not None and not shown:
                highlight = highlights[active]
                out.append(f'<mark {highlight.attributes} data-syntax="">{escape(highlight.syntax)}</mark>')
            active, shown = (code - _OPEN, False) if code < _CLOSE else (None, False)
            position = marker.end()
        piece = _wrapped(chunk[position:], active, highlights)
        shown = shown or piece.startswith("<mark")
        out.append(piece)
    return "".join(out)


def _wrapped(text: str, active: int | None, highlights: Sequence[Highlight]) -> str:
    if active is None or not text.strip() or active >= len(highlights):
        return text
    return f"<mark {highlights[active].attributes}>{text}</mark>"
