"""Alignment checks: English blocks the translation dropped, Chinese blocks with no English."""

from __future__ import annotations

import re
from itertools import pairwise

from qa.model import Alignment, Finding, Segment, SegmentKind, Severity
from qa.rules.rule import Check, Rule, Scope

MISSING_BLOCK = Rule.define(
    "alignment/missing-block",
    Severity.INFO,
    """An English block has no Chinese counterpart (a 1-0 pair).

    What it does: reports every source block that the aligner could not pair with any
    target block. The finding points at the Chinese line where the block should be. A block
    whose images, links or code the neighbouring Chinese block holds is paired with it by the
    aligner (1-2, 1-3), and an unpaired English block next to an unpaired Chinese block with
    the same code (inline code made a code block, or back) is not reported.

    Why is this bad: MT pipelines drop paragraphs silently; a reader never learns that
    part of the article is missing.

    Example: the English has five paragraphs under a heading, the Chinese four.

    Info by default: precision 0.67 on good human translations (bench/false_alarms.py);
    raise it with [tool.qa.severity] where your translations are MT.
    """,
)

EXTRA_BLOCK = Rule.define(
    "alignment/extra-block",
    Severity.WARNING,
    """A Chinese block has no English counterpart (a 0-1 pair).

    What it does: reports every target block that the aligner could not pair with a
    source block, except one next to an unpaired English block with the same code (see
    `alignment/missing-block`).

    Why is this bad: text that is in no source is either an addition that needs review or
    a sign that the alignment, and everything checked on it, went wrong here.

    Example: a translator's note added as its own paragraph.
    """,
    off_by_default=(
        "precision 0.00 on good human translations (2 findings, none true, bench/false_alarms.py): "
        "translators add notes and split blocks"
    ),
)

TRUNCATED_TARGET = Rule.define(
    "alignment/truncated-target",
    Severity.ERROR,
    """The translation stops early: the last English blocks have no Chinese at all.

    What it does: when the alignment ends in a run of 1-0 pairs covering at least
    TRUNCATION_MIN_SHARE of the English blocks (and TRUNCATION_MIN_BLOCKS), reports one
    finding at the end of the Chinese file instead of one `missing-block` per block.

    Why is this bad: an MT job that timed out or hit a length limit publishes half an
    article that looks complete.

    Example: a 40-block English issue whose Chinese file ends after block 20.
    """,
)

UNRELATED_DOCUMENTS = Rule.define(
    "alignment/unrelated-documents",
    Severity.ERROR,
    """The Chinese file does not look like a translation of the English file.

    What it does: when the median similarity of the 1-1 pairs the aligner found is below
    UNRELATED_MEDIAN_SIMILARITY, the pairs are noise. One finding says so, and the
    checks that trust pairs (missing blocks, terms by pair, drift) are not run; the
    glossary checks that need no English still are.

    Why is this bad: a wrong `--source`, or a file renamed to the wrong issue number,
    would otherwise produce a page of confident but meaningless findings.

    Example: `qa check issue13.zh.md --source issue12.en.md`.
    """,
)

RULES = (MISSING_BLOCK, EXTRA_BLOCK, TRUNCATED_TARGET, UNRELATED_DOCUMENTS)

# Measured by aligning each of the 12 mirrored pairs of shared/corpus/parallel with its own
# translation and with another document's: the median 1-1 similarity was 0.81-0.99 for
# translations and 0.22-0.55 for unrelated documents, with or without the encoder.
UNRELATED_MEDIAN_SIMILARITY = 0.65
UNRELATED_MIN_PAIRS = 3
TRUNCATION_MIN_SHARE = 0.2
TRUNCATION_MIN_BLOCKS = 3

# Separator lines and rules carry no content a reader would miss.
_IGNORED_KINDS = {SegmentKind.RULE}


def check_alignment(alignment: Alignment) -> list[Finding]:
    unrelated = _unrelated(alignment)
    if unrelated is not None:
        return [unrelated]
    findings: list[Finding] = []
    path = alignment.target.path
    insertion_lines = _insertion_lines(alignment)
    tail = _truncated_tail(alignment)
    if tail:
        findings.append(_truncation_finding(alignment, tail))
    moved = _code_moved(alignment)
    for pair in alignment.pairs:
        if pair.id in tail or pair.id in moved:
            continue
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
                    f"has no translation (it belongs here): {_excerpt(source.text or source.raw)}",
                    pair=pair.id,
                )
            )
        elif not pair.source and pair.target and pair.target[0].kind not in _IGNORED_KINDS:
            target = pair.target[0]
            message = f"Chinese {_describe(target)} has no English counterpart"
            findings.append(EXTRA_BLOCK.on_first_line(path, target, message, pair.id))
    return findings


def _unrelated(alignment: Alignment) -> Finding | None:
    similarities = sorted(p.similarity for p in alignment.pairs if p.similarity is not None)
    source_blocks = len(alignment.source.segments)
    if source_blocks < UNRELATED_MIN_PAIRS or not alignment.target.segments:
        return None
    median = similarities[len(similarities) // 2] if similarities else 0.0
    if len(similarities) >= UNRELATED_MIN_PAIRS and median >= UNRELATED_MEDIAN_SIMILARITY:
        return None
    if len(similarities) < UNRELATED_MIN_PAIRS and len(alignment.target.segments) < UNRELATED_MIN_PAIRS:
        return None  # too little text on the target side to judge
    return Finding(
        rule=UNRELATED_DOCUMENTS.id,
        severity=UNRELATED_DOCUMENTS.severity,
        file=alignment.target.path,
        line=1,
        column=1,
        end_line=1,
        end_column=1,
        text="",
        message=f"does not look like a translation of {alignment.source.path}: the median similarity of "
        f"{len(similarities)} paired blocks is {median:.2f} (translations score above "
        f"{UNRELATED_MEDIAN_SIMILARITY}); pair-based checks were skipped",
    )


def _truncated_tail(alignment: Alignment) -> set[int]:
    """Ids of the trailing 1-0 pairs, when they are long enough to mean a truncated file."""
    tail: list[int] = []
    for pair in reversed(alignment.pairs):
        if pair.target:
            break
        tail.append(pair.id)
    blocks = sum(len(alignment.pairs[i].source) for i in tail)
    total = len(alignment.source.segments)
    if blocks >= TRUNCATION_MIN_BLOCKS and total and blocks / total >= TRUNCATION_MIN_SHARE:
        return set(tail)
    return set()


def _truncation_finding(alignment: Alignment, tail: set[int]) -> Finding:
    first = alignment.pairs[min(tail)].source[0]
    end_line = max(1, alignment.target.line_count)
    blocks = sum(len(alignment.pairs[i].source) for i in tail)
    return Finding(
        rule=TRUNCATED_TARGET.id,
        severity=TRUNCATED_TARGET.severity,
        file=alignment.target.path,
        line=end_line,
        column=1,
        end_line=end_line,
        end_column=1,
        text="",
        message=f"the translation stops early: the last {blocks} of {len(alignment.source.segments)} English "
        f"blocks, from {alignment.source.path}:{first.start_line}, have no translation",
        pair=min(tail),
    )


def _code_moved(alignment: Alignment) -> set[int]:
    """Ids of neighbouring 1-0 and 0-1 pairs that hold the same code: a translator who wrote
    `pip install x` in backticks as a code block (or the reverse) dropped nothing."""
    moved: set[int] = set()
    for first, second in pairwise(alignment.pairs):
        if bool(first.source) == bool(second.source) or len(first.source + first.target) != 1:
            continue
        if len(second.source + second.target) != 1:
            continue
        lines = _code_lines((first.source + first.target)[0])
        if lines and lines == _code_lines((second.source + second.target)[0]):
            moved |= {first.id, second.id}
    return moved


_PROMPT = re.compile(r"^(?:\$|%|>>>|\.\.\.)\s+")


def _code_lines(segment: Segment) -> frozenset[str]:
    """The lines of a block's code (spans or a fenced block), without prompts and spacing."""
    lines = (_PROMPT.sub("", line.strip()) for code in segment.code_spans for line in code.splitlines())
    return frozenset(" ".join(line.split()) for line in lines if line.strip())


def _insertion_lines(alignment: Alignment) -> dict[int, int]:
    """For each pair, the target line where a block of it would go: the next target block's
    first line, or the file's last line (a finding must point inside the file)."""
    lines: dict[int, int] = {}
    next_line = max(1, alignment.target.line_count)
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


CHECKS = (
    Check(
        "alignment",
        RULES,
        Scope.DOCUMENT,
        run=lambda given: check_alignment(given.alignment) if given.alignment is not None else [],
    ),
)
