"""Drift check: aligned pairs whose meaning moved away from the English."""

from __future__ import annotations

from collections.abc import Sequence

from qa.model import Alignment, Finding, Pair, PairScore, Segment, Severity
from qa.rules.pairwise import flag_scored_pairs
from qa.rules.rule import Check, Rule, Scope
from qa.score.signals import unjudged_pairs

HIGH_DRIFT = Rule.define(
    "drift/high",
    Severity.WARNING,
    """An aligned pair whose meaning drifted further than good translations do.

    What it does: flags pairs whose calibrated drift (qa/score/drift.py: 0 as close as a typical
    human translation, 1 as unrelated as two random blocks of the same document) is above
    the threshold for the encoder, and quotes both sides. Pairs too short or made of code,
    images or URLs get no score and are never flagged.

    Titles and mismatched tables are not judged (qa/score/signals.py `unjudged_pairs`): a
    heading or table-of-contents entry is a few words, rendered tersely or kept in English,
    and on human translations (hf-docs, hf-course) this rule fired on 8.8% of heading pairs
    (19 of 216) against 2.5% of paragraphs, 18 of them good translations; table rows of
    tables with different row counts are compared with rows they do not translate. Short
    prose is judged: on the damaged translations of bench/drift.py a one-line paragraph
    that was cut or replaced is common, and drift catches most of them (judging paragraphs
    of under 12 words only above drift 0.6 would miss 7 of the 152 cut blocks).

    Why is this bad: the Chinese may say something the English does not: a mistranslated
    sentence, a paragraph from elsewhere, a hallucinated claim.

    Example: English "the method cuts memory use by half", Chinese 该方法把准确率提高了一倍
    (the method doubles accuracy).
    """,
    off_by_default=(
        "precision 0.15 on good human translations (34 findings on hf-docs/hf-course, 5 judged "
        "true, bench/false_alarms.py): a drift score flags paraphrase as often as damage; the score "
        "itself is in every report"
    ),
)

RULES = (HIGH_DRIFT,)

_QUOTE = 60
"""Characters of each side quoted in the message: enough to recognise the pair."""


def check_scores(alignment: Alignment, scores: Sequence[PairScore], threshold: float) -> list[Finding]:
    if not any(score.drift is not None and score.drift > threshold for score in scores):
        return []  # most documents: no pair to look at
    unjudged = unjudged_pairs(alignment)

    def judge(score: PairScore, pair: Pair) -> tuple[Rule, str] | None:
        if score.drift is None or score.drift <= threshold or pair.id in unjudged:
            return None
        return HIGH_DRIFT, (
            f"meaning may have drifted (drift {score.drift:.2f} > {threshold:.2f}) from "
            f"{alignment.source.path}:{pair.source[0].start_line}: "
            f"English “{_quote(pair.source)}” vs Chinese “{_quote(pair.target)}”"
        )

    return flag_scored_pairs(alignment, scores, judge)


def _quote(segments: tuple[Segment, ...]) -> str:
    text = " ".join(" ".join(s.text for s in segments).split())
    return text if len(text) <= _QUOTE else text[: _QUOTE - 1] + "…"


CHECKS = (
    Check(
        "drift",
        RULES,
        Scope.SCORES,
        run=lambda given: (
            check_scores(given.alignment, given.scores, given.drift_threshold)
            if given.drift_threshold is not None
            else []
        ),
    ),
)
