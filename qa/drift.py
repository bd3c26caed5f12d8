"""Pairs -> drift per pair: 1 - cosine similarity of the two sides' embeddings.

A pair gets no score (None) where a number would mislead: an empty side, code, images and
rules, short headings, and blocks that are mostly URLs. Calibration against each document's
own mismatched pairs is the next step (see the drift issue); until then the score is the
plain cosine distance under the model named in the report signature.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.model import Pair, PairScore, Segment, SegmentKind

MIN_SOURCE_CHARS = 12
MIN_TARGET_CHARS = 6
_URL = re.compile(r"(?:https?|ftp)://\S+")
_UNSCORED_KINDS = {SegmentKind.CODE, SegmentKind.IMAGE, SegmentKind.RULE, SegmentKind.HTML}


def scoreable(pair: Pair) -> bool:
    return _has_prose(pair.source, MIN_SOURCE_CHARS) and _has_prose(pair.target, MIN_TARGET_CHARS)


def score_pairs(pairs: Sequence[Pair], source_vectors: np.ndarray, target_vectors: np.ndarray) -> tuple[PairScore, ...]:
    scores = []
    for pair in pairs:
        drift = None
        if scoreable(pair):
            source = _mean_vector(pair.source, source_vectors)
            target = _mean_vector(pair.target, target_vectors)
            drift = round(float(np.clip(1.0 - source @ target, 0.0, 2.0)), 4)
        scores.append(PairScore(pair=pair.id, drift=drift))
    return tuple(scores)


def _has_prose(segments: tuple[Segment, ...], minimum: int) -> bool:
    prose = [s for s in segments if s.kind not in _UNSCORED_KINDS]
    return bool(prose) and sum(len(_URL.sub("", s.text).strip()) for s in prose) >= minimum


def _mean_vector(segments: tuple[Segment, ...], vectors: np.ndarray) -> np.ndarray:
    summed = vectors[[s.index for s in segments]].sum(axis=0)
    norm = float(np.linalg.norm(summed))
    return summed / norm if norm > 0 else summed
