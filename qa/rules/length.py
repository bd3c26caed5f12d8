"""Length checks: a Chinese block much shorter or much longer than its English predicts."""

from __future__ import annotations

from collections.abc import Sequence

from qa.model import Alignment, Finding, Pair, PairScore, Severity
from qa.rules.pairwise import flag_scored_pairs
from qa.rules.rule import Check, Rule, Scope
from qa.score.signals import LENGTH, length_units, unjudged_pairs

OMISSION = Rule.define(
    "length/omission",
    Severity.INFO,
    """The Chinese block is much shorter than a translation of its English would be.

    What it does: compares the length of the Chinese prose with the length the English
    predicts (qa/score/signals.py: about one Chinese character for three English letters, with
    a spread that narrows as blocks get longer; words both sides share, such as names,
    and inline code and URLs are left out). Flags the pair when the Chinese is more than
    OMISSION_Z standard deviations of human translations shorter.

    Titles and mismatched tables are not judged (qa/score/signals.py `unjudged_pairs`): a
    heading is rendered tersely (`### 微调模型` for "### Fine-tuning the model"), and on human
    translations (hf-docs, hf-course) the length rules fired on 7.7% of heading pairs (17 of
    222), 16 of them good translations; table rows of tables with different row counts are
    compared with rows they do not translate.

    Why is this bad: an MT system that stops mid-paragraph, or drops a sentence, produces
    text that still means roughly the same as the English, so embeddings miss it.

    Example: English "Install the package, then restart the kernel. The model downloads on
    first use.", Chinese 安装软件包，然后重启内核。 (the second sentence is gone).

    Info by default: precision 0.67 on good human translations (bench/false_alarms.py);
    raise it with [tool.qa.severity] where your translations are MT.
    """,
)

ADDITION = Rule.define(
    "length/addition",
    Severity.WARNING,
    """The Chinese block is much longer than a translation of its English would be.

    What it does: the same measure as `length/omission`, in the other direction: flags
    the pair when the Chinese is more than ADDITION_Z standard deviations longer than
    the English predicts, counted from the document's own style: when the median pair of a
    document (of STYLE_MIN_PAIRS or more) is already longer than the model predicts, blocks
    are judged against that median. Translators differ: the median block of an hf-course
    chapter runs 0.8 sd long (0 to 1.4 by chapter), and at the fixed scale 6.5% of the
    paragraphs of 40 words or more of hf-docs and hf-course were flagged, nearly all
    complete translations in wordier Chinese (72 findings, 4 judged true; with titles left
    out and each document's style counted, 21 and 1). The omission check keeps the fixed
    scale: a document whose blocks are all short is what a truncating MT produces.

    Not fixed by any threshold: translators' notes and added explanations are additions, and
    good ones. On hf-docs and hf-course they reach 6.8 sd, above the judged-true additions
    (3.3 to 5.0 sd), so this rule is a pointer for a reviewer, not evidence of an error.

    Why is this bad: MT and LLM translators add explanations, repeat sentences or
    hallucinate claims the author never made.

    Example: English "It is fast.", Chinese 它很快，而且在所有基准测试中都取得了最好的成绩。
    (and it got the best results on every benchmark).
    """,
    off_by_default=(
        "precision 0.05 on good human translations (21 findings, 1 judged true, "
        "bench/false_alarms.py): translators add explanations and notes"
    ),
)

RULES = (OMISSION, ADDITION)

# Measured by bench/calibrate.py on the 300 gold block pairs with enough English to judge
# (1st and 99th percentiles of their length_z: -2.57 and 2.69): about 1% of human
# translations are flagged as omissions and 1% as additions.
OMISSION_Z = 2.75
ADDITION_Z = 2.75
STYLE_MIN_PAIRS = 10
"""Fewer judged pairs than this and a document's median length says nothing about its style."""


def check_scores(alignment: Alignment, scores: Sequence[PairScore]) -> list[Finding]:
    if all(score.length_z is None or -OMISSION_Z <= score.length_z <= ADDITION_Z for score in scores):
        return []  # most documents: no pair to look at
    unjudged = unjudged_pairs(alignment)
    style = house_style(scores, unjudged)

    def judge(score: PairScore, pair: Pair) -> tuple[Rule, str] | None:
        z = score.length_z
        if z is None or pair.id in unjudged or not (z < -OMISSION_Z or z - style > ADDITION_Z):
            return None
        rule, word = (OMISSION, "shorter") if z < 0 else (ADDITION, "longer")
        source_units, target_units = length_units(pair) or (0, 0)
        expected = round(source_units * LENGTH.expected_ratio(source_units))
        against = (
            f" (this document's blocks run {style:.1f} sd long: {z - style:.1f} sd beyond that)"
            if z > 0 and style
            else ""
        )
        return rule, (
            f"the Chinese is {abs(z):.1f} sd {word} than a translation of "
            f"{alignment.source.path}:{pair.source[0].start_line} would be: {target_units} characters "
            f"where about {expected} are expected for {source_units} English letters{against}"
        )

    return flag_scored_pairs(alignment, scores, judge)


def house_style(scores: Sequence[PairScore], unjudged: frozenset[int] = frozenset()) -> float:
    """How many sd longer than the model predicts the document's translator writes: the median
    length_z of its judged pairs when that is positive and there are STYLE_MIN_PAIRS of them, else 0."""
    zs = sorted(s.length_z for s in scores if s.length_z is not None and s.pair not in unjudged)
    if len(zs) < STYLE_MIN_PAIRS:
        return 0.0
    middle = len(zs) // 2
    median = zs[middle] if len(zs) % 2 else (zs[middle - 1] + zs[middle]) / 2
    return max(0.0, median)


CHECKS = (Check("length", RULES, Scope.SCORES, run=lambda given: check_scores(given.alignment, given.scores)),)
