"""text -> Document: Markdown blocks as typed Segments with their line ranges, via markdown-it-py."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from markdown_it import MarkdownIt
from markdown_it.token import Token

from qa.model import Document, Segment, SegmentKind, Span

_PARSER = MarkdownIt("commonmark").enable("table")

# Not prose, wherever they stand: link targets `](...)`, autolinks `<http...>`, bare URLs,
# inline code. MT-broken forms (`] (url)`, a space inside a URL) are matched too, because a
# glossary fix must never rewrite part of a URL.
_PROTECTED = re.compile(
    r"\]\s?\([^)\n]*\)"
    r"|<(?:https?|ftp)://[^>\s]*>"
    r"|(?:https?|ftp)://[^\s)\]>，。）]+"
    r"|(`+)[^`]*?\1"
    r"|!\[[^\]]*\]"  # image alt text is rarely translated prose; its path follows in `](...)`
)
_BOLD_HEADING = re.compile(r"^\*\*\s*(#{1,6})\s+\S")
_RULE_TEXT = re.compile(r"^[\s*_\-—–=·.]+$")
_LINK_CARD_OPEN = re.compile(r"\[\s*#{1,6}\s")
_LINK_CARD_CLOSE = re.compile(r"\]\((?:https?://)[^)\s]*\)")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?!\s)|(?<!\s)[*_](?!\w)")
_CARD_LINK = re.compile(r"\]\((https?://[^)\s]*)\)")
_MAX_LINK_CARD_BLOCKS = 4


@dataclass(frozen=True)
class _InlineParts:
    text: str
    links: tuple[str, ...]
    images: tuple[str, ...]
    code_spans: tuple[str, ...]


def parse_document(path: str, text: str) -> Document:
    """Parse Markdown into block segments; every non-blank line belongs to at most one segment."""
    # markdown-it treats a lone CR as a line break too; so must the line map.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    front = _front_matter_end(lines)
    # Front matter is parsed as blank lines, so line numbers stay those of the file.
    body = "\n" * front + "\n".join(lines[front:]) if front else text
    segments = _merge_link_cards(list(_iter_blocks(_PARSER.parse(body), lines)), lines)
    if front:
        segments.insert(0, _segment(SegmentKind.FRONT_MATTER, [0, front], lines, None))
    numbered = tuple(replace(segment, index=i) for i, segment in enumerate(segments))
    return Document(path=path, text=text, segments=numbered)


def _front_matter_end(lines: list[str]) -> int:
    """Number of lines of a YAML/TOML front matter block at the top of the file, or 0."""
    if not lines or lines[0].strip() not in ("---", "+++"):
        return 0
    fence = lines[0].strip()
    for number, line in enumerate(lines[1:200], start=1):
        if line.strip() == fence or (fence == "---" and line.strip() == "..."):
            return number + 1
    return 0


def _iter_blocks(tokens: list[Token], lines: list[str]):
    context: list[str] = []
    heading_level = 0
    for position, token in enumerate(tokens):
        if token.type in ("list_item_open", "blockquote_open"):
            context.append(token.type)
        elif token.type in ("list_item_close", "blockquote_close"):
            context.pop()
        elif token.type == "heading_open":
            heading_level = int(token.tag[1:])
        elif token.type == "tr_open" and token.map:
            yield _segment(SegmentKind.TABLE_ROW, token.map, lines, _table_row_inline(tokens, position))
        elif token.type in ("fence", "code_block") and token.map:
            yield _segment(SegmentKind.CODE, token.map, lines, None, code_block=token.content)
        elif token.type == "hr" and token.map:
            yield _segment(SegmentKind.RULE, token.map, lines, None)
        elif token.type == "html_block" and token.map:
            yield _segment(SegmentKind.HTML, token.map, lines, None)
        elif (
            token.type == "inline"
            and token.map
            and tokens[position - 1].type != "th_open"
            and (tokens[position - 1].type != "td_open")
        ):
            parent = tokens[position - 1].type
            bold_heading = _BOLD_HEADING.match(token.content) if parent == "paragraph_open" else None
            if parent == "heading_open":
                yield _segment(SegmentKind.HEADING, token.map, lines, token, level=heading_level)
            elif bold_heading and not context:
                # MT wrapped a whole heading, marker included, in bold: `**## Title**`.
                segment = _segment(SegmentKind.HEADING, token.map, lines, token, level=len(bold_heading.group(1)))
                yield replace(segment, text=segment.text.lstrip("#").strip())
            else:
                yield _segment(_paragraph_kind(token, context), token.map, lines, token)


def _table_row_inline(tokens: list[Token], position: int) -> list[Token]:
    cells = []
    for token in tokens[position + 1 :]:
        if token.type == "tr_close":
            break
        if token.type == "inline":
            cells.append(token)
    return cells


def _paragraph_kind(token: Token, context: list[str]) -> SegmentKind:
    children = [
        c
        for c in token.children or []
        if c.type not in ("strong_open", "strong_close", "em_open", "em_close", "softbreak")
    ]
    visible = [c for c in children if not (c.type == "text" and not c.content.strip())]
    if visible and all(c.type == "image" for c in visible):
        return SegmentKind.IMAGE
    if _RULE_TEXT.match(token.content) and sum(ch in "-—–_=" for ch in token.content) >= 3:
        return SegmentKind.RULE
    if "list_item_open" in context:
        return SegmentKind.LIST_ITEM
    if "blockquote_open" in context:
        return SegmentKind.QUOTE
    return SegmentKind.PARAGRAPH


def _segment(
    kind: SegmentKind,
    line_map: list[int],
    lines: list[str],
    inline: Token | list[Token] | None,
    *,
    level: int = 0,
    code_block: str | None = None,
) -> Segment:
    start, end = line_map
    raw = "\n".join(lines[start:end]).rstrip("\n")
    if isinstance(inline, list):
        parts = _merge_parts([_inline_parts(t) for t in inline], separator=" | ")
    elif inline is not None:
        parts = _inline_parts(inline)
    else:
        parts = _InlineParts("", (), (), ())
    text = parts.text
    protected = _protected_spans(raw)
    if kind is SegmentKind.CODE:
        text = ""
        protected = (Span(0, len(raw)),)
        parts = _InlineParts("", (), (), (code_block or "",))
    elif kind in (SegmentKind.RULE, SegmentKind.HTML, SegmentKind.FRONT_MATTER):
        text = ""
        protected = (Span(0, len(raw)),)
    return Segment(
        index=0,
        kind=kind,
        start_line=start + 1,
        end_line=max(start + 1, start + len(raw.split("\n"))),
        raw=raw,
        text=text,
        heading_level=level,
        links=parts.links,
        images=parts.images,
        code_spans=parts.code_spans,
        protected=protected,
    )


def _inline_parts(token: Token) -> _InlineParts:
    text: list[str] = []
    links: list[str] = []
    images: list[str] = []
    code: list[str] = []
    for child in token.children or []:
        if child.type == "text":
            text.append(_MARKUP.sub("", child.content))
        elif child.type == "code_inline":
            text.append(child.content)
            code.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            text.append(" ")
        elif child.type == "link_open":
            links.append(str(child.attrs.get("href", "")))
        elif child.type == "image":
            images.append(str(child.attrs.get("src", "")))
        elif child.type == "html_inline":
            continue
    return _InlineParts(" ".join("".join(text).split()), tuple(links), tuple(images), tuple(code))


def _merge_parts(parts: list[_InlineParts], separator: str) -> _InlineParts:
    return _InlineParts(
        separator.join(p.text for p in parts if p.text),
        tuple(link for p in parts for link in p.links),
        tuple(image for p in parts for image in p.images),
        tuple(span for p in parts for span in p.code_spans),
    )


def _protected_spans(raw: str) -> tuple[Span, ...]:
    return tuple(Span(m.start(), m.end()) for m in _PROTECTED.finditer(raw))


def _merge_link_cards(segments: list[Segment], lines: list[str]) -> list[Segment]:
    """Join the blocks of a Medium-style link card (`[](url) [## title` … `site](url)`) into one.

    Markdown-it sees a paragraph, a heading and a paragraph; a reader sees one card, and the
    MT keeps or drops it as one unit, so it must align as one.
    """
    merged: list[Segment] = []
    i = 0
    while i < len(segments):
        last = _link_card_end(segments, i) if _opens_link_card(segments[i].raw) else None
        if last is None:
            merged.append(segments[i])
            i += 1
        else:
            merged.append(_link_card(segments[i : last + 1], lines))
            i = last + 1
    return merged


def _link_card_end(segments: list[Segment], first: int) -> int | None:
    """Index of the block that closes the card opened at `first`; cards may chain."""
    opened_at = first
    for last in range(first + 1, len(segments)):
        if last - opened_at >= _MAX_LINK_CARD_BLOCKS:
            return None
        raw = segments[last].raw
        close = _LINK_CARD_CLOSE.search(raw)
        if close is None:
            continue
        if _opens_link_card(raw[close.end() :]):
            opened_at = last
            continue
        return last
    return None


def _opens_link_card(raw: str) -> bool:
    """True when an unclosed `[## ` starts a card whose closing `](url)` is in a later block."""
    opening = [m.end() for m in _LINK_CARD_OPEN.finditer(raw)]
    return bool(opening) and not _LINK_CARD_CLOSE.search(raw, opening[-1])


def _link_card(parts: list[Segment], lines: list[str]) -> Segment:
    start, end = parts[0].start_line, parts[-1].end_line
    raw = "\n".join(lines[start - 1 : end])
    prose = _PROTECTED.sub(" ", raw)
    text = " ".join(re.sub(r"[\[\]#*]+", " ", prose).split())
    return Segment(
        index=0,
        kind=SegmentKind.LINK_CARD,
        start_line=start,
        end_line=end,
        raw=raw,
        text=text,
        links=tuple(dict.fromkeys(m.group(1) for m in _CARD_LINK.finditer(raw))),
        images=tuple(image for p in parts for image in p.images),
        code_spans=tuple(span for p in parts for span in p.code_spans),
        protected=_protected_spans(raw),
    )
