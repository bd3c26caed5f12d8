"""What the source/target consistency checks share: the pairs worth comparing, and findings
that point at exact characters of the target.

The consistency checks (numbers, links, images, code, markdown) compare the two sides of an
aligned pair. 1-0 and 0-1 pairs are the alignment rules' business, so they are skipped here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from qa.model import Alignment, Applicability, Finding, Fix, Pair, PairScore, Segment, Severity
from qa.rules.rule import Rule


@dataclass(frozen=True)
class Located:
    """Text at an offset of one segment's raw text."""

    segment: Segment
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.segment.raw[self.start : self.end]

    @property
    def line(self) -> int:
        return self.segment.position(self.start)[0]


def translated_pairs(alignment: Alignment) -> Iterator[Pair]:
    """Pairs with both an English and a Chinese side."""
    for pair in alignment.pairs:
        if pair.source and pair.target:
            yield pair


def each_translated_pair(alignment: Alignment, check_pair: Callable[[Alignment, Pair], list[Finding]]) -> list[Finding]:
    """The findings of `check_pair` over every pair that has both sides, in document order."""
    return [finding for pair in translated_pairs(alignment) for finding in check_pair(alignment, pair)]


def flag_scored_pairs(
    alignment: Alignment,
    scores: Sequence[PairScore],
    judge: Callable[[PairScore, Pair], tuple[Rule, str] | None],
) -> list[Finding]:
    """A block-level finding on each pair whose score `judge` turns into (rule, message)."""
    pairs = {pair.id: pair for pair in alignment.pairs}
    findings = []
    for score in scores:
        pair = pairs[score.pair]
        verdict = judge(score, pair)
        if verdict is not None:
            rule, message = verdict
            findings.append(rule.on_first_line(alignment.target.path, pair.target[0], message, pair.id))
    return findings


def finding_at(
    rule: Rule,
    path: str,
    where: Located,
    message: str,
    *,
    pair: int | None,
    severity: Severity | None = None,
    suggestion: str | None = None,
    fix: Applicability | Fix | None = None,
) -> Finding:
    """A finding whose `text` is exactly the target characters at its position. `fix`: a Fix,
    or how applicable replacing the text with `suggestion` is (the usual fix)."""
    if isinstance(fix, Applicability):
        fix = replacement(where, suggestion, fix) if suggestion is not None else None
    line, column = where.segment.position(where.start)
    end_line, end_column = where.segment.position(where.end)
    return Finding(
        rule=rule.id,
        severity=rule.severity if severity is None else severity,
        file=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        text=where.text,
        message=message,
        suggestion=suggestion,
        pair=pair,
        fix=fix,
    )


def replacement(where: Located, content: str, applicability: Applicability) -> Fix:
    """A fix that replaces exactly the characters at `where`."""
    return Fix(
        applicability,
        f"replace {where.text!r} with {content!r}",
        (where.segment.edit(where.start, where.end, content),),
    )


def finding_at_block(
    rule: Rule, path: str, segment: Segment, message: str, *, pair: int | None, severity: Severity | None = None
) -> Finding:
    """For something absent from the target: an empty range at the start of the block where it
    belongs (as glossary/missing-term does), so `text` is still exact."""
    return finding_at(rule, path, Located(segment, 0, 0), message, pair=pair, severity=severity)


def source_place(alignment: Alignment, where: Located) -> str:
    """`en.md:LINE` of something in the English, for messages."""
    return f"{alignment.source.path}:{where.line}"


def excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def squeeze(text: str, gaps: re.Pattern[str], fold: dict[int, str | None]) -> tuple[str, list[int]]:
    """`text` folded by the `str.translate` table `fold`, which deletes what `gaps` matches and
    maps every other character to one character, and for each character left the offset in
    `text` it came from: a match in the squeezed text is placed back on the original."""
    offsets: list[int] = []
    at = 0
    for gap in gaps.finditer(text):
        offsets.extend(range(at, gap.start()))
        at = gap.end()
    offsets.extend(range(at, len(text)))
    return text.translate(fold), offsets
