"""Length checks: a Chinese block much shorter or much longer than its English predicts."""

from __future__ import annotations

from collections.abc import Sequence

from qa.model import Alignment, Finding, Pair, PairScore, Severity
from qa.rules.pairwise import flag_scored_pairs
from qa.rules.rule import Check, Rule, Scope
from qa.score.signals import LENGTH, length_units

OMISSION = Rule.define(
    "length/omission",
    Severity.WARNING,
    """The Chinese block is much shorter than a translation of its English would be.

    What it does: compares the length of the Chinese prose with the length the English
    predicts (qa/score/signals.py: about one Chinese character for three English letters, with
    a spread that narrows as blocks get longer; words both sides share, such as names,
    and inline code and URLs are left out). Flags the pair when the Chinese is more than
    OMISSION_Z standard deviations of human translations shorter.

    Why is this bad: an MT system that stops mid-paragraph, or drops a sentence, produces
    text that still means roughly the same as the English, so embeddings miss it.

    Example: English "Install the package, then restart the kernel. The model downloads on
    first use.", Chinese 安装软件包，然后重启内核。 (the second sentence is gone).
    """,
)

ADDITION = Rule.define(
    "length/addition",
    Severity.WARNING,
    """The Chinese block is much longer than a translation of its English would be.

    What it does: the same measure as `length/omission`, in the other direction: flags
    the pair when the Chinese is more than ADDITION_Z standard deviations longer than
    the English predicts.

    Why is this bad: MT and LLM translators add explanations, repeat sentences or
    hallucinate claims the author never made.

    Example: English "It is fast.", Chinese 它很快，而且在所有基准测试中都取得了最好的成绩。
    (and it got the best results on every benchmark).
    """,
)

RULES = (OMISSION, ADDITION)

# Measured by bench/calibrate.py on the 300 gold block pairs with enough English to judge
# (1st and 99th percentiles of their length_z: -2.57 and 2.69): about 1% of human
# translations are flagged as omissions and 1% as additions.
OMISSION_Z = 2.75
ADDITION_Z = 2.75


def check_scores(alignment: Alignment, scores: Sequence[PairScore]) -> list[Finding]:
    def judge(score: PairScore, pair: Pair) -> tuple[Rule, str] | None:
        z = score.length_z
        if z is None or -OMISSION_Z <= z <= ADDITION_Z:
            return None
        rule, word = (OMISSION, "shorter") if z < 0 else (ADDITION, "longer")
        source_units, target_units = length_units(pair) or (0, 0)
        expected = round(source_units * LENGTH.expected_ratio(source_units))
        return rule, (
            f"the Chinese is {abs(z):.1f} sd {word} than a translation of "
            f"{alignment.source.path}:{pair.source[0].start_line} would be: {target_units} characters "
            f"where about {expected} are expected for {source_units} English letters"
        )

    return flag_scored_pairs(alignment, scores, judge)


CHECKS = (Check("length", RULES, Scope.SCORES, run=lambda given: check_scores(given.alignment, given.scores)),)
