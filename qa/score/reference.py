"""chrF and BLEU against a human reference translation (`qa check --reference REF.zh.md`).

The reference is aligned to the English with the same aligner as the translation under
review, so each aligned pair (English blocks -> Chinese blocks) gets the reference blocks
aligned to the same English blocks. sacrebleu computes the numbers, with `tokenize="zh"`
for BLEU (Chinese has no spaces; sacrebleu's zh tokenizer splits CJK characters) and plain
character chrF; its signatures record every setting that changes a number.

Per pair: sentence-level chrF, and BLEU with effective order (short blocks have no 4-grams).
Per document: corpus-level chrF and BLEU over every pair with an English side, so a pair
the translation dropped counts against it with an empty hypothesis. Blocks without prose
(code, images) on both sides are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from qa.model import Alignment, PairScore, ReferenceScore


@dataclass(frozen=True)
class PairReference:
    pair: int
    hypothesis: str
    reference: str


def reference_texts(alignment: Alignment, reference_alignment: Alignment) -> list[PairReference]:
    """For every pair with an English side: its Chinese text and the reference's for the same English."""
    reference_by_source: dict[int, list[int]] = defaultdict(list)
    reference_text = {}
    for pair in reference_alignment.pairs:
        for segment in pair.target:
            reference_text[segment.index] = segment.text
            for source in pair.source:
                reference_by_source[source.index].append(segment.index)
    out = []
    for pair in alignment.pairs:
        if not pair.source:
            continue
        indices = sorted({i for s in pair.source for i in reference_by_source.get(s.index, [])})
        reference = "\n".join(t for i in indices if (t := reference_text[i]).strip())
        if pair.target_text.strip() or reference:
            out.append(PairReference(pair.id, pair.target_text, reference))
    return out


def score_reference(
    path: str, alignment: Alignment, reference_alignment: Alignment
) -> tuple[dict[int, tuple[float, float]], ReferenceScore | None]:
    """(chrF, BLEU) per pair id, and the document's scores (None when no pair has prose)."""
    from sacrebleu.metrics import BLEU, CHRF

    texts = reference_texts(alignment, reference_alignment)
    if not texts:
        return {}, None
    chrf, sentence_bleu = CHRF(), BLEU(tokenize="zh", effective_order=True)
    per_pair = {}
    for item in texts:
        if item.hypothesis.strip() and item.reference:
            per_pair[item.pair] = (
                round(chrf.sentence_score(item.hypothesis, [item.reference]).score, 2),
                round(sentence_bleu.sentence_score(item.hypothesis, [item.reference]).score, 2),
            )
    hypotheses = [t.hypothesis for t in texts]
    references = [[t.reference for t in texts]]
    corpus_bleu = BLEU(tokenize="zh")
    document = ReferenceScore(
        path=path,
        chrf=round(chrf.corpus_score(hypotheses, references).score, 2),
        bleu=round(corpus_bleu.corpus_score(hypotheses, references).score, 2),
        signatures=(
            ("chrf", str(chrf.get_signature())),
            ("bleu", str(corpus_bleu.get_signature())),
            ("bleu_per_pair", str(sentence_bleu.get_signature())),
        ),
        pairs=len(texts),
    )
    return per_pair, document


def with_reference_scores(
    scores: Sequence[PairScore], per_pair: dict[int, tuple[float, float]]
) -> tuple[PairScore, ...]:
    return tuple(
        replace(score, chrf=per_pair[score.pair][0], bleu=per_pair[score.pair][1]) if score.pair in per_pair else score
        for score in scores
    )
