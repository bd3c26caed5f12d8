"""Drift check: aligned pairs whose meaning moved away from the English."""

from __future__ import annotations

from collections.abc import Sequence

from qa.model import Alignment, Finding, Pair, PairScore, Segment, Severity
from qa.rules.pairwise import flag_scored_pairs
from qa.rules.rule import Check, Rule, Scope

HIGH_DRIFT = Rule.define(
    "drift/high",
    Severity.WARNING,
    """An aligned pair whose meaning drifted further than good translations do.

    What it does: flags pairs whose calibrated drift (qa/score/drift.py: 0 as close as a typical
    human translation, 1 as unrelated as two random blocks of the same document) is above
    the threshold for the encoder, and quotes both sides. Pairs too short or made of code,
    images or URLs get no score and are never flagged.

    Why is this bad: the Chinese may say something the English does not: a mistranslated
    sentence, a paragraph from elsewhere, a hallucinated claim.

    Example: English "the method cuts memory use by half", Chinese 该方法把准确率提高了一倍
    (the method doubles accuracy).
    """,
)

RULES = (HIGH_DRIFT,)

_QUOTE = 60
"""Characters of each side quoted in the message: enough to recognise the pair."""


def check_scores(alignment: Alignment, scores: Sequence[PairScore], threshold: float) -> list[Finding]:
    def judge(score: PairScore, pair: Pair) -> tuple[Rule, str] | None:
        if score.drift is None or score.drift <= threshold:
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
