"""Alignment checks: English blocks the translation dropped, Chinese blocks with no English."""

from __future__ import annotations

from qa.model import Alignment, Finding, Segment, SegmentKind, Severity
from qa.rules import Rule

MISSING_BLOCK = Rule.define(
    "alignment/missing-block",
    Severity.ERROR,
    """An English block has no Chinese counterpart (a 1-0 pair).

    What it does: reports every source block that the aligner could not pair with any
    target block. The finding points at the Chinese line where the block should be.

    Why is this bad: MT pipelines drop paragraphs silently; a reader never learns that
    part of the article is missing.

    Example: the English has five paragraphs under a heading, the Chinese four.
    """,
)

EXTRA_BLOCK = Rule.define(
    "alignment/extra-block",
    Severity.WARNING,
    """A Chinese block has no English counterpart (a 0-1 pair).

    What it does: reports every target block that the aligner could not pair with a
    source block.

    Why is this bad: text that is in no source is either an addition that needs review or
    a sign that the alignment, and everything checked on it, went wrong here.

    Example: a translator's note added as its own paragraph.
    """,
)

RULES = (MISSING_BLOCK, EXTRA_BLOCK)

# Separator lines and rules carry no content a reader would miss.
_IGNORED_KINDS = {SegmentKind.RULE}


def check_alignment(alignment: Alignment) -> list[Finding]:
    findings: list[Finding] = []
    path = alignment.target.path
    insertion_lines = _insertion_lines(alignment)
    for pair in alignment.pairs:
        if not pair.target and pair.source and pair.source[0].kind not in _IGNORED_KINDS:
            source = pair.source[0]
            findings.append(
                Finding(
                    rule=MISSING_BLOCK.id,
                    severity=MISSING_BLOCK.severity,
                    file=path,
                    line=insertion_lines[pair.id],
                    column=1,
                    end_line=insertion_lines[pair.id],
                    end_column=1,
                    text="",
                    message=f"English {_describe(source)} at {alignment.source.path}:{source.start_line} "
                    f"has no translation (expected before this line): {_excerpt(source.text or source.raw)}",
                    pair=pair.id,
                )
            )
        elif not pair.source and pair.target and pair.target[0].kind not in _IGNORED_KINDS:
            target = pair.target[0]
            message = f"Chinese {_describe(target)} has no English counterpart"
            findings.append(EXTRA_BLOCK.on_first_line(path, target, message, pair.id))
    return findings


def _insertion_lines(alignment: Alignment) -> dict[int, int]:
    """For each pair, the target line where a block of it would go: before the next target block."""
    lines: dict[int, int] = {}
    next_line = alignment.target.line_count + 1
    for pair in reversed(alignment.pairs):
        if pair.target:
            next_line = pair.target[0].start_line
        lines[pair.id] = next_line
    return lines


def _describe(segment: Segment) -> str:
    return segment.kind.value.replace("_", " ")


def _excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
