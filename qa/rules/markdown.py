"""Markdown structure checks: headings, lists, emphasis markers and tables the translation
changed.

Block kinds, heading levels, list depth and list type come from the parsed Segments; table
cells from the raw row, since markdown-it pads and truncates rows to the header's width.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from qa.model import Alignment, Applicability, Document, Finding, Fix, Pair, Segment, SegmentKind, Severity
from qa.read.inline import PartKind, parts, prose_mask
from qa.rules.pairwise import Located, finding_at, translated_pairs
from qa.rules.rule import Check, Rule, Scope

HEADING_LEVEL = Rule.define(
    "markdown/heading-level",
    Severity.ERROR,
    """A heading of the English has another level in the Chinese, or is no heading at all.

    What it does: compares the headings of each aligned pair: `##` that became `###`, a
    heading that became a paragraph (often `#标题`, the MT having eaten the space after
    the `#`), or a paragraph that became a heading. The finding marks the Chinese `#`
    run and suggests the English one.

    Why is this bad: the table of contents and the page outline change; a section seems to
    belong under another.

    Example: English "## Papers", Chinese "### 论文" -> suggest "##".
    """,
    fix=Applicability.SAFE,
)

LIST_STRUCTURE = Rule.define(
    "markdown/list-structure",
    Severity.WARNING,
    """A list item of the English is not the same kind of list item in the Chinese.

    What it does: for each aligned pair of single blocks, reports a list item that became
    a paragraph (or the reverse), a numbered item that became a bullet (or the reverse),
    and an item nested at another depth. Depth and list type come from markdown-it's
    tokens. A warning, because a translator may restructure a list on purpose.

    Why is this bad: MT loses the space after `*` or `1.` and turns a list into one run-on
    paragraph, or un-nests sub-items.

    Example: English "*   Papers", Chinese "*论文" (no longer a list item).
    """,
)

EMPHASIS_UNBALANCED = Rule.define(
    "markdown/emphasis-unbalanced",
    Severity.ERROR,
    """A Chinese block has an odd number of `**` markers where the English has them paired.

    What it does: counts the `**` markers of each block outside code and URLs, and reports
    the unpaired one when the Chinese side's count is odd and the English side's is even.

    Why is this bad: an unpaired `**` shows as literal asterisks, or turns everything up to
    the next stray marker bold, several blocks down.

    Example: English "A blog post on Facebook's research.", Chinese "脸书研究的介绍性博客。**".
    """,
)

EMPHASIS_WRAPPED = Rule.define(
    "markdown/emphasis-wrapped",
    Severity.WARNING,
    """The MT wrapped a whole Chinese block in `**…**` that the English does not have.

    What it does: reports a Chinese block (paragraph, heading text, image line, rule) whose
    content starts and ends with `**` while its English counterpart's does not. The
    finding marks the opening `**`.

    Why is this bad: the whole block renders bold; whole sections of MT output come out
    like this, and they are tiring to read and wrong.

    Example: English "![](img/b53b11b7.png)", Chinese "**![](img/b53b11b7.png)**".
    """,
    fix=Applicability.SAFE,
)

TABLE_COLUMNS = Rule.define(
    "markdown/table-columns",
    Severity.ERROR,
    """A Chinese table row has another number of cells than the English row, or is no row.

    What it does: counts the cells of each aligned table row from its raw text (pipes
    outside code, `\\|` escaped), since markdown-it pads short rows, and reports rows whose
    count differs, and English rows whose Chinese counterpart is not a table row (the MT
    broke the `|---|` line or wrote full-width ｜).

    Why is this bad: cells shift into the wrong columns, or the table renders as a paragraph
    of pipes.

    Example: English "| model | params |", Chinese "| 模型 ｜ 参数 |" (one cell).
    """,
)

UNCLOSED_COMMENT = Rule.define(
    "markdown/unclosed-comment",
    Severity.ERROR,
    """A Chinese HTML comment `<!--` is never closed by `-->`.

    What it does: reports each `<!--` block of the Chinese with no `-->` after it before the
    next `<!--` (the parser ends it at its first blank line, so the blocks after it are still
    read and aligned), unless the English has the same unclosed comment.

    Why is this bad: a browser hides everything after an unclosed comment: the rest of the
    page disappears. MT breaks the marker (`-- >`, `——>`) as it breaks other punctuation.

    Example: English "<!-- Copyright 2022 -->", Chinese "<!-- 版权所有 2022 -- >".
    """,
)

RULES = (HEADING_LEVEL, LIST_STRUCTURE, EMPHASIS_UNBALANCED, EMPHASIS_WRAPPED, TABLE_COLUMNS, UNCLOSED_COMMENT)

_HEADING_MARKER = re.compile(r"^[ \t]*(?:\*\*\s*)?(#{1,6})(?=[ \t]|$)")
_BROKEN_HEADING = re.compile(r"^[ \t]*(#{1,6})(?=[^\s#])")
_BROKEN_LIST = re.compile(r"^[ \t]*(?:[*+-]|\d{1,9}[.)])(?=[^\s*+\-.)\d])")
_STRONG = re.compile(r"\*{2,}")
_STRONG_MARK = "**"
"""In every match of `_STRONG`: a block whose raw text lacks it has no strong marker, in the
raw text or in its prose mask (which only blanks characters); most blocks lack it."""
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:#{1,6}[ \t]+|[*+-][ \t]+|\d{1,9}[.)][ \t]+)?")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def check_alignment(alignment: Alignment) -> list[Finding]:
    findings: list[Finding] = []
    for pair in translated_pairs(alignment):
        findings += _headings(alignment, pair)
        findings += _emphasis(alignment, pair)
        findings += _tables(alignment, pair)
        if len(pair.source) == 1 and len(pair.target) == 1:
            finding = _list_item(alignment, pair)
            if finding is not None:
                findings.append(finding)
    return findings


def _headings(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    english = [s for s in pair.source if s.kind is SegmentKind.HEADING]
    chinese = [s for s in pair.target if s.kind is SegmentKind.HEADING]
    findings: list[Finding] = []
    if english and len(english) == len(chinese):
        for source, target in zip(english, chinese, strict=True):
            if source.heading_level == target.heading_level:
                continue
            where = _heading_marker(target)
            findings.append(
                finding_at(
                    HEADING_LEVEL,
                    path,
                    where,
                    f"heading level {target.heading_level} here, {source.heading_level} in the English "
                    f"({alignment.source.path}:{source.start_line})",
                    pair=pair.id,
                    suggestion="#" * source.heading_level,
                    fix=Applicability.UNSAFE,  # a translator may restructure headings
                )
            )
    elif english and not chinese:
        target = pair.target[0]
        broken = _BROKEN_HEADING.match(target.raw)
        level = english[0].heading_level
        if broken:
            where = Located(target, broken.start(1), broken.end(1))
            message = f"{broken.group(1)!r} needs a space after it to make a heading"
            suggestion = "#" * level + " "
            fix = Applicability.SAFE  # the English has a heading here: only the space is missing
        else:
            where = Located(target, 0, len(target.raw.split("\n", 1)[0]))
            message = "this is not a heading"
            suggestion = None
            fix = None
        findings.append(
            finding_at(
                HEADING_LEVEL,
                path,
                where,
                f"{message}; the English has a level-{level} heading ({alignment.source.path}:{english[0].start_line})",
                pair=pair.id,
                suggestion=suggestion,
                fix=fix,
            )
        )
    elif chinese and not english and pair.source[0].kind is not SegmentKind.LINK_CARD:
        target = chinese[0]
        where = _heading_marker(target)
        findings.append(
            finding_at(
                HEADING_LEVEL,
                path,
                where,
                f"a level-{target.heading_level} heading where the English ({alignment.source.path}:"
                f"{pair.source[0].start_line}) has a {pair.source[0].kind.value.replace('_', ' ')}",
                pair=pair.id,
            )
        )
    return findings


def _list_item(alignment: Alignment, pair: Pair) -> Finding | None:
    source, target = pair.source[0], pair.target[0]
    english = source.kind is SegmentKind.LIST_ITEM
    chinese = target.kind is SegmentKind.LIST_ITEM
    if not english and not chinese:
        return None  # most pairs
    path = alignment.target.path
    where_en = f"{alignment.source.path}:{source.start_line}"
    first_line = Located(target, 0, len(target.raw.split("\n", 1)[0]))
    if english and not chinese:
        broken = _BROKEN_LIST.match(target.raw)
        if broken:
            where = Located(target, broken.start(), broken.end())
            return finding_at(
                LIST_STRUCTURE,
                path,
                where,
                f"{where.text.strip()!r} needs a space after it to make a list item, as in the English ({where_en})",
                pair=pair.id,
            )
        return finding_at(
            LIST_STRUCTURE, path, first_line, f"not a list item; the English ({where_en}) is one", pair=pair.id
        )
    if chinese and not english:
        return finding_at(
            LIST_STRUCTURE, path, first_line, f"a list item where the English ({where_en}) has none", pair=pair.id
        )
    if english and chinese:
        if source.list_ordered != target.list_ordered:
            kind = {True: "a numbered", False: "a bulleted"}
            return finding_at(
                LIST_STRUCTURE,
                path,
                first_line,
                f"{kind[target.list_ordered]} item where the English ({where_en}) has {kind[source.list_ordered]} one",
                pair=pair.id,
            )
        if source.list_depth != target.list_depth:
            return finding_at(
                LIST_STRUCTURE,
                path,
                first_line,
                f"list item nested at depth {target.list_depth}; in the English ({where_en}) "
                f"at depth {source.list_depth}",
                pair=pair.id,
            )
    return None


def _emphasis_mask(segment: Segment) -> str:
    # Rules are blanked by prose_mask; their `**` wrappers still show on the page.
    return segment.raw if segment.kind is SegmentKind.RULE else prose_mask(segment)


def _markers(segment: Segment) -> list[re.Match[str]]:
    if segment.kind in (SegmentKind.CODE, SegmentKind.HTML) or _STRONG_MARK not in segment.raw:
        return []
    return list(_STRONG.finditer(_emphasis_mask(segment)))


def _count(markers: list[re.Match[str]]) -> int:
    """How many `**` pairs' halves the markers hold (`****` is two)."""
    return sum(len(m.group()) // 2 for m in markers)


def _wrapped(segment: Segment) -> re.Match[str] | None:
    """The opening `**` when the block's content starts and ends with `**`.

    Read on the raw text, not the prose mask: `## [**title**](url)` (bold link text) is not
    wrapped, `## **[**title**](url)**` is.
    """
    if segment.kind in (SegmentKind.CODE, SegmentKind.HTML) or _STRONG_MARK not in segment.raw:
        return None
    start = _BLOCK_PREFIX.match(segment.raw).end()
    content = segment.raw[start:].strip()
    if len(content) > 4 and content.startswith("**") and content.endswith("**"):
        return _STRONG.search(segment.raw, start)
    return None


def _emphasis(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    findings: list[Finding] = []
    english_even = sum(_count(_markers(s)) for s in pair.source) % 2 == 0
    english_wrapped = any(_wrapped(s) for s in pair.source)
    for segment in pair.target:
        markers = _markers(segment)
        if english_even and _count(markers) % 2:
            mask = _emphasis_mask(segment)
            starts = mask[_BLOCK_PREFIX.match(mask).end() :].lstrip().startswith("**")
            stray = markers[0] if starts else markers[-1]
            findings.append(
                finding_at(
                    EMPHASIS_UNBALANCED,
                    path,
                    Located(segment, stray.start(), stray.end()),
                    "unpaired '**': it shows as asterisks or makes the following blocks bold; "
                    f"the English ({alignment.source.path}:{pair.source[0].start_line}) has none unpaired",
                    pair=pair.id,
                )
            )
        opening = _wrapped(segment)
        if opening is not None and not english_wrapped:
            findings.append(
                finding_at(
                    EMPHASIS_WRAPPED,
                    path,
                    Located(segment, opening.start(), opening.start() + 2),
                    "the whole block is wrapped in **…**, which the English "
                    f"({alignment.source.path}:{pair.source[0].start_line}) does not have",
                    pair=pair.id,
                    fix=_unwrap(segment, markers, opening),
                )
            )
    return findings


def _unwrap(segment: Segment, markers: list[re.Match[str]], opening: re.Match[str]) -> Fix | None:
    """Remove the `**` at both ends, when Markdown reads them as one strong span around the
    whole content: `## **[**title**](url)**` loses its outer pair, but in `**a** and **b**`
    the first `**` closes after `a`, so there is no wrapper to remove (no fix)."""
    closing = markers[-1] if markers else None
    if closing is None or opening.group() != "**" or closing.group() != "**" or closing.start() <= opening.start():
        return None
    if segment.raw[closing.end() :].strip():
        return None
    if not _one_strong_span(segment.raw[opening.start() : closing.end()]):
        return None
    edits = (segment.edit(opening.start(), opening.end(), ""), segment.edit(closing.start(), closing.end(), ""))
    return Fix(Applicability.SAFE, "remove the '**' around the whole block", edits)


def _one_strong_span(text: str) -> bool:
    """Whether markdown-it parses `text` as a single strong span from its first character to its last."""
    tokens = [t for t in _INLINE.parseInline(text)[0].children or [] if t.type != "text" or t.content]
    if not tokens or tokens[0].type != "strong_open" or tokens[-1].type != "strong_close":
        return False
    depth = 0
    for token in tokens[:-1]:
        depth += token.nesting
        if depth == 0:
            return False
    return True


_INLINE = MarkdownIt("commonmark")


def _tables(alignment: Alignment, pair: Pair) -> list[Finding]:
    path = alignment.target.path
    english = [s for s in pair.source if s.kind is SegmentKind.TABLE_ROW]
    if not english:
        return []
    findings: list[Finding] = []
    for source, target in zip(english, pair.target, strict=False):
        first_line = Located(target, 0, len(target.raw.split("\n", 1)[0]))
        where_en = f"{alignment.source.path}:{source.start_line}"
        if target.kind is not SegmentKind.TABLE_ROW:
            findings.append(
                finding_at(
                    TABLE_COLUMNS,
                    path,
                    first_line,
                    f"not a table row; the English ({where_en}) is a row of {_plural(_cells(source), 'cell')}",
                    pair=pair.id,
                )
            )
        elif _cells(source) != _cells(target):
            findings.append(
                finding_at(
                    TABLE_COLUMNS,
                    path,
                    first_line,
                    f"{_plural(_cells(target), 'cell')} here, {_cells(source)} in the English row ({where_en})",
                    pair=pair.id,
                )
            )
    return findings


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _cells(segment: Segment) -> int:
    # Code spans (which may hold a `|`) as x's: one join, not a copy of the row per span.
    row = segment.raw
    code = [(part.start, part.end) for part in parts(segment) if part.kind is PartKind.CODE]
    if code:
        pieces: list[str] = []
        at = 0
        for start, end in code:
            pieces += (row[at:start], "x" * (end - start))
            at = end
        pieces.append(row[at:])
        row = "".join(pieces)
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return len(_CELL_SPLIT.split(row))


def _heading_marker(target: Segment) -> Located:
    """The `##` of a heading, where a level finding points (the block start if MT lost it)."""
    marker = _HEADING_MARKER.match(target.raw)
    return Located(target, marker.start(1), marker.end(1)) if marker else Located(target, 0, 0)


def check_comments(target: Document, source: Document | None) -> list[Finding]:
    """An unclosed-comment finding on the first line of each unclosed `<!--` block of `target`."""
    english = {_first_line(s) for s in source.segments if _unclosed(s)} if source is not None else set()
    return [
        UNCLOSED_COMMENT.on_first_line(
            target.path, segment, "`<!--` is never closed: a browser hides the rest of the page", None
        )
        for segment in target.segments
        if _unclosed(segment) and _first_line(segment) not in english
    ]


def _unclosed(segment: Segment) -> bool:
    return (
        segment.kind is SegmentKind.HTML and segment.raw.lstrip(" \t>").startswith("<!--") and "-->" not in segment.raw
    )


def _first_line(segment: Segment) -> str:
    return segment.raw.split("\n", 1)[0].strip()


CHECKS = (
    Check(
        "markdown",
        tuple(rule for rule in RULES if rule is not UNCLOSED_COMMENT),
        Scope.PAIR,
        run=lambda given: check_alignment(given.alignment),
    ),
    Check(
        "markdown",
        (UNCLOSED_COMMENT,),
        Scope.PAIR,
        run=lambda given: check_comments(given.target, given.source),
        needs_english=False,
    ),
)
