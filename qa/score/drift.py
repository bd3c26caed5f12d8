"""Pairs -> calibrated drift per pair: 0 as close as a good translation, 1 as far as unrelated text.

Raw cosine is not comparable between documents or models: under USE the blocks of one
article are 0.09-0.30 alike on average when they are *not* translations of each other,
depending on how narrow its topic is, and under multilingual-e5 every pair sits between
0.75 and 0.95. So each pair is judged against the document's own mismatched pairs (every
source block with every target block it is not aligned with), in two ways:

- relative distance: (1 - cos) / (1 - mean cosine of the mismatched pairs). 1 is "as
  unrelated as two random blocks of this document".
- margin, as in bitext mining (Artetxe & Schwenk 2019): cos minus the mean cosine of each
  side's NEIGHBOURS nearest non-aligned blocks. It is high when the Chinese matches its own
  English much better than anything else in the document, and negative when another English
  block fits it better. Its "unrelated" anchor is the mean margin of the mismatched pairs.

Each is mapped to 0..1, with 0 at the median human translation (GOOD_*, measured per model
by bench/calibrate.py on the gold pairs of shared/corpus/parallel) and 1 at the document's
mismatched pairs, and drift is their mean. The two views err on different pairs (a short
heading, a paragraph whose neighbours share its topic), so their mean has thinner tails on
good translations than either (99th percentile under USE 0.33, against 0.43 and 0.42).
Because both anchors of the scale come from the document itself, a threshold means the
same in every document.

A pair gets no score (None) where a number would mislead: an empty side, code, images and
rules, short headings, blocks that are mostly URLs, and every pair of a document with fewer
than MIN_PAIRS scoreable pairs, which has too few mismatched pairs to calibrate against.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa.model import Pair, PairScore, Segment, SegmentKind

MIN_SOURCE_CHARS = 12
MIN_TARGET_CHARS = 6
_URL = re.compile(r"(?:https?|ftp)://\S+")
_UNSCORED_KINDS = {SegmentKind.CODE, SegmentKind.IMAGE, SegmentKind.RULE, SegmentKind.HTML}

NEIGHBOURS = 4
"""k of the k-nearest-neighbour margin, as in Artetxe & Schwenk's bitext mining."""
MIN_PAIRS = 3
"""Fewer scoreable pairs than this leave under 6 mismatched pairs: no calibration, no drift."""


@dataclass(frozen=True)
class Calibration:
    """What turns cosines into drift for one model; measured by bench/calibrate.py."""

    model: str
    good_relative: float | None
    """Median relative distance of human translations; None when not measured."""
    good_margin: float | None
    """Median margin of human translations; None when not measured."""
    threshold: float
    """drift/high flags pairs above this."""

    @property
    def measured(self) -> bool:
        return self.good_relative is not None and self.good_margin is not None

    def describe(self) -> str:
        if not self.measured:
            return f"relative+margin/v1 k={NEIGHBOURS}; unmeasured model: 0 = this document's median pair"
        return f"relative+margin/v1 k={NEIGHBOURS} good_relative={self.good_relative} good_margin={self.good_margin}"


# Measured by `python bench/calibrate.py --model NAME` on the 314 gold block pairs of the 10
# fully mirrored documents of shared/corpus/parallel. The threshold is the 99th percentile
# of gold drift rounded up to 0.05: about 1 good pair in 100 is flagged.
CALIBRATIONS = {
    "use-multilingual": Calibration("use-multilingual", good_relative=0.218, good_margin=0.455, threshold=0.35),
    "multilingual-e5-small": Calibration(
        "multilingual-e5-small", good_relative=0.502, good_margin=0.282, threshold=0.7
    ),
}
UNMEASURED_THRESHOLD = 0.5


def calibration_for(model: str, threshold: float | None = None) -> Calibration:
    """The measured calibration of a model, or one that takes its anchor from each document."""
    calibration = CALIBRATIONS.get(model) or Calibration(model, None, None, UNMEASURED_THRESHOLD)
    return calibration if threshold is None else replace(calibration, threshold=threshold)


def scoreable(pair: Pair) -> bool:
    return _has_prose(pair.source, MIN_SOURCE_CHARS) and _has_prose(pair.target, MIN_TARGET_CHARS)


@dataclass(frozen=True)
class Components:
    """The two calibrated views of every scoreable pair of one document, before mapping to 0..1."""

    cosine: np.ndarray
    relative: np.ndarray
    margin: np.ndarray
    mismatched_margin: float


def components(similarity: np.ndarray) -> Components:
    """From the cosine matrix of scoreable pairs (row i: source of pair i, column j: target of pair j)."""
    count = similarity.shape[0]
    off = ~np.eye(count, dtype=bool)
    mismatched_mean = float(similarity[off].mean())
    # The floor only avoids a division by zero: the cross-lingual probe refuses encoders
    # whose unrelated texts are nearly identical.
    spread = max(1.0 - mismatched_mean, 1e-3)
    relative = (1.0 - np.diag(similarity)) / spread
    k = min(NEIGHBOURS, count - 1)
    others = np.where(off, similarity, -np.inf)
    source_neighbours = np.sort(others, axis=1)[:, -k:].mean(axis=1)
    target_neighbours = np.sort(others, axis=0)[-k:, :].mean(axis=0)
    # In the same units as the relative distance, so that a document whose cosines are all
    # compressed together (a narrow topic, or e5) is judged on the same scale.
    margins = (similarity - (source_neighbours[:, None] + target_neighbours[None, :]) / 2) / spread
    return Components(
        cosine=np.diag(similarity).copy(),
        relative=relative,
        margin=np.diag(margins).copy(),
        mismatched_margin=float(margins[off].mean()),
    )


def calibrated(parts: Components, calibration: Calibration) -> np.ndarray:
    """Drift of each pair: the mean of both views, each 0 at a good translation and 1 at unrelated text."""
    good_relative = calibration.good_relative
    good_margin = calibration.good_margin
    if good_relative is None or good_margin is None:  # unmeasured: this document's median pair
        good_relative, good_margin = float(np.median(parts.relative)), float(np.median(parts.margin))
    by_distance = _unit((parts.relative - good_relative) / max(1.0 - good_relative, 1e-3))
    by_margin = _unit((good_margin - parts.margin) / max(good_margin - parts.mismatched_margin, 1e-3))
    return (by_distance + by_margin) / 2


def score_pairs(
    pairs: Sequence[Pair],
    source_vectors: np.ndarray,
    target_vectors: np.ndarray,
    calibration: Calibration | None = None,
) -> tuple[PairScore, ...]:
    """Drift and cosine of every scoreable pair; the others get None.

    Without a calibration the model is treated as unmeasured.
    """
    calibration = calibration or calibration_for("")
    scored = [pair for pair in pairs if scoreable(pair)]
    cosines: dict[int, float] = {}
    drifts: dict[int, float] = {}
    if scored:
        sources = _mean_vectors([p.source for p in scored], source_vectors)
        targets = _mean_vectors([p.target for p in scored], target_vectors)
        similarity = sources @ targets.T
        cosines = {p.id: round(float(similarity[k, k]), 4) for k, p in enumerate(scored)}
        if len(scored) >= MIN_PAIRS:
            drift = calibrated(components(similarity), calibration)
            drifts = {p.id: round(float(drift[k]), 4) for k, p in enumerate(scored)}
    return tuple(PairScore(pair=p.id, drift=drifts.get(p.id), cosine=cosines.get(p.id)) for p in pairs)


def too_few_scored(scores: Sequence[PairScore]) -> str | None:
    """Why a document got no drift scores at all, if that is the case, from what
    `score_pairs` returned: it gives a cosine to every scoreable pair and to no other."""
    return _too_few(sum(1 for score in scores if score.cosine is not None))


def _too_few(count: int) -> str | None:
    if 0 < count < MIN_PAIRS:
        return (
            f"drift not scored: {count} scoreable pair(s); calibrating against the document's "
            f"mismatched pairs needs {MIN_PAIRS}"
        )
    return None


def _unit(values: np.ndarray) -> np.ndarray:
    return np.clip(values, 0.0, 1.0)


def _has_prose(segments: tuple[Segment, ...], minimum: int) -> bool:
    prose = [s.text for s in segments if s.kind not in _UNSCORED_KINDS]
    return bool(prose) and sum(len(_without_urls(text).strip()) for text in prose) >= minimum


def _without_urls(text: str) -> str:
    # Every URL has "://": most blocks have none and skip the regex.
    return _URL.sub("", text) if "://" in text else text


def _mean_vectors(sides: Sequence[tuple[Segment, ...]], vectors: np.ndarray) -> np.ndarray:
    """The unit mean vector of each side (its blocks' rows summed, divided by the norm;
    a zero sum stays zero), one row each, in float32.

    Most sides are one block, whose sum is its own row: the rows are gathered in one
    indexing and only the sides of several blocks are summed one by one. Each row's norm is
    `np.linalg.norm`'s own computation (sqrt of the row's dot product with itself, in float32),
    and dividing the rows by their norms as float32 is what dividing one row by the norm as a
    Python float does (it is cast to the row's type); a zero row is divided by 1, unchanged."""
    rows = vectors[[side[0].index for side in sides]]
    for k, side in enumerate(sides):
        if len(side) > 1:
            rows[k] = vectors[[s.index for s in side]].sum(axis=0)
    norms = np.sqrt(np.array([row.dot(row) for row in rows], dtype=rows.dtype))
    return rows / np.where(norms > 0, norms, 1).astype(rows.dtype)[:, None]
