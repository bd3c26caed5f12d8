"""Untranslated check: a Chinese block that is still the English text."""

from __future__ import annotations

from collections.abc import Sequence

from qa.model import Alignment, Finding, Pair, PairScore, Severity
from qa.rules.pairwise import flag_scored_pairs
from qa.rules.rule import Check, Rule, Scope

UNTRANSLATED = Rule.define(
    "untranslated/block",
    Severity.ERROR,
    """The Chinese block has kept the English words of its source: it was not translated.

    What it does: counts the ordinary (lower-case) English words of the source block,
    outside inline code and URLs, and flags the pair when more than KEPT_THRESHOLD of them
    appear verbatim in the Chinese. Names and API identifiers, which a translation keeps,
    are capitalised or glued to dots and underscores and do not count. Blocks with fewer
    than MIN_ORDINARY_WORDS ordinary words are not judged.

    Why is this bad: an English paragraph left in the Chinese page is a failure any
    reader sees, and it is invisible to a multilingual encoder, which scores a copy of
    the source as a perfect translation (COMET #192).

    Example: English "The model is trained on a large corpus of web text.", Chinese
    "The model is trained on a large corpus of web text."
    """,
)

RULES = (UNTRANSLATED,)

# Measured by bench/calibrate.py on 295 gold block pairs: 99% of human translations keep a
# third of the ordinary words or less (package names written in lower case: optuna, wandb),
# none more than half; copied paragraphs keep over 90% (bench/drift.py).
KEPT_THRESHOLD = 0.6


def check_scores(alignment: Alignment, scores: Sequence[PairScore]) -> list[Finding]:
    def judge(score: PairScore, pair: Pair) -> tuple[Rule, str] | None:
        if score.english_kept is None or score.english_kept <= KEPT_THRESHOLD:
            return None
        return UNTRANSLATED, (
            f"not translated: {score.english_kept:.0%} of the ordinary English words of "
            f"{alignment.source.path}:{pair.source[0].start_line} are still in the Chinese "
            f"(the threshold is {KEPT_THRESHOLD:.0%})"
        )

    return flag_scored_pairs(alignment, scores, judge)


CHECKS = (Check("untranslated", RULES, Scope.SCORES, run=lambda given: check_scores(given.alignment, given.scores)),)
