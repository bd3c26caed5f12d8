"""Drift check: aligned pairs whose meaning moved away from the English."""

from __future__ import annotations

from collections.abc import Sequence

from qa.model import Alignment, Finding, PairScore, Severity
from qa.rules import Rule

HIGH_DRIFT = Rule.define(
    "drift/high",
    Severity.WARNING,
    """An aligned pair whose embeddings are further apart than good translations are.

    What it does: flags pairs whose drift score (1 - cosine similarity under the
    multilingual encoder) is above the threshold for that encoder. Pairs too short or
    made of code, images or URLs get no score and are never flagged.

    Why is this bad: the Chinese may say something the English does not: a mistranslated
    sentence, a paragraph from elsewhere, a hallucinated claim.

    Example: English "the method cuts memory use by half", Chinese 该方法把准确率提高了一倍
    (the method doubles accuracy).
    """,
)

RULES = (HIGH_DRIFT,)


def check_scores(alignment: Alignment, scores: Sequence[PairScore], threshold: float) -> list[Finding]:
    findings = []
    pairs = {pair.id: pair for pair in alignment.pairs}
    for score in scores:
        if score.drift is None or score.drift <= threshold:
            continue
        pair = pairs[score.pair]
        message = (
            f"meaning may have drifted (drift {score.drift:.2f} > {threshold:.2f}) from "
            f"{alignment.source.path}:{pair.source[0].start_line}"
        )
        findings.append(HIGH_DRIFT.on_first_line(alignment.target.path, pair.target[0], message, pair.id))
    return findings
