"""(source Document, target Document) -> Alignment, by monotonic dynamic programming.

Steps 1-1, 1-2, 2-1, 1-0 and 0-1, as in Bertalign and Vecalign. A step's cost comes from
how alike its two sides are: cross-lingual embedding similarity when vectors are given, and
always the structural anchors a translation keeps (link targets, image paths, numbers,
inline code, block kind) and the length ratio of Chinese to English. Without vectors
(`--no-drift`) the anchors and lengths alone decide.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

import numpy as np

from qa.model import Alignment, Document, Pair, Segment, SegmentKind

# log(len(zh) / len(en)) of human-translated blocks: mean and sd over 314 gold block pairs
# of the fully mirrored en/zh pairs in shared/corpus/parallel (bench/calibrate.py).
LENGTH_LOG_RATIO_MEAN = -0.90
LENGTH_LOG_RATIO_SD = 0.35

SKIP_COST = 0.45
"""Cost of leaving one block unpaired: below a bad 1-1 match, above a plausible one."""
MERGE_PENALTY = 0.1
MERGE_WEIGHT = 1.5
BAND_MIN = 30

_WEIGHTS = {"embedding": 0.6, "anchors": 0.25, "length": 0.15}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Acronyms and CamelCase names (CLIP, BERT, CutMix, GPT-3) survive MT unchanged.
_NAME = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2,}[A-Za-z0-9-]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9-]*)")
_STRUCTURAL = {SegmentKind.HEADING, SegmentKind.CODE, SegmentKind.IMAGE, SegmentKind.RULE, SegmentKind.TABLE_ROW}


@dataclass(frozen=True)
class _Group:
    """One or two adjacent segments of one side, with what the cost needs precomputed."""

    segments: tuple[Segment, ...]
    vector: np.ndarray | None

    @cached_property
    def anchors(self) -> frozenset[str]:
        found: set[str] = set()
        for segment in self.segments:
            found.update("url:" + _normalise_url(link) for link in segment.links if link)
            found.update("img:" + image for image in segment.images if image)
            found.update("code:" + code for code in segment.code_spans)
            found.update("num:" + n for n in _NUMBER.findall(segment.text) if len(n) > 1)
            found.update("name:" + _singular(name) for name in _NAME.findall(segment.text))
        return frozenset(found)

    @cached_property
    def length(self) -> int:
        return sum(len(s.text) for s in self.segments)

    @cached_property
    def kinds(self) -> frozenset[SegmentKind]:
        return frozenset(s.kind for s in self.segments)


def align(
    source: Document,
    target: Document,
    source_vectors: np.ndarray | None = None,
    target_vectors: np.ndarray | None = None,
) -> Alignment:
    """Pair every source and target segment exactly once, in order."""
    src, tgt = source.segments, target.segments
    n, m = len(src), len(tgt)
    cost = np.full((n + 1, m + 1), np.inf)
    back: dict[tuple[int, int], tuple[int, int, float | None]] = {}
    cost[0, 0] = 0.0
    band = max(BAND_MIN, abs(n - m) + BAND_MIN // 2) if n and m else n + m
    source_groups: dict[tuple[int, int], _Group] = {}
    target_groups: dict[tuple[int, int], _Group] = {}

    def source_group(start: int, stop: int) -> _Group:
        if (start, stop) not in source_groups:
            source_groups[start, stop] = _group(src[start:stop], source_vectors)
        return source_groups[start, stop]

    def target_group(start: int, stop: int) -> _Group:
        if (start, stop) not in target_groups:
            target_groups[start, stop] = _group(tgt[start:stop], target_vectors)
        return target_groups[start, stop]

    for i in range(n + 1):
        centre = round(i * m / n) if n else 0
        for j in range(max(0, centre - band), min(m, centre + band) + 1):
            if i == 0 and j == 0:
                continue
            best: tuple[float, int, int, float | None] = (np.inf, 0, 0, None)
            for di, dj in ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2)):
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or not np.isfinite(cost[pi, pj]):
                    continue
                similarity = None
                if di and dj:
                    similarity = _similarity(source_group(pi, i), target_group(pj, j))
                    step = (1.0 - similarity) * (1.0 if di + dj == 2 else MERGE_WEIGHT)
                    step += 0.0 if di + dj == 2 else MERGE_PENALTY
                else:
                    step = SKIP_COST
                total = cost[pi, pj] + step
                if total < best[0] - 1e-12:
                    best = (total, pi, pj, similarity)
            cost[i, j] = best[0]
            back[(i, j)] = best[1:]
    return Alignment(source=source, target=target, pairs=_trace(back, src, tgt))


def _trace(
    back: dict[tuple[int, int], tuple[int, int, float | None]],
    src: tuple[Segment, ...],
    tgt: tuple[Segment, ...],
) -> tuple[Pair, ...]:
    steps = []
    i, j = len(src), len(tgt)
    while (i, j) != (0, 0):
        pi, pj, similarity = back[(i, j)]
        steps.append((src[pi:i], tgt[pj:j], similarity))
        i, j = pi, pj
    steps.reverse()
    return tuple(
        Pair(id=k, source=s, target=t, similarity=None if sim is None else round(sim, 4))
        for k, (s, t, sim) in enumerate(steps)
    )


def _group(segments: tuple[Segment, ...], vectors: np.ndarray | None) -> _Group:
    if vectors is None:
        return _Group(segments, None)
    summed = vectors[[s.index for s in segments]].sum(axis=0)
    norm = float(np.linalg.norm(summed))
    return _Group(segments, summed / norm if norm > 0 else None)


def _similarity(source: _Group, target: _Group) -> float:
    """0..1: a weighted mean of the signals both sides have, damped when block kinds clash."""
    signals: dict[str, float] = {}
    if source.vector is not None and target.vector is not None:
        signals["embedding"] = max(0.0, float(source.vector @ target.vector))
    if source.anchors or target.anchors:
        signals["anchors"] = len(source.anchors & target.anchors) / len(source.anchors | target.anchors)
    if source.length and target.length:
        log_ratio = math.log(target.length / source.length)
        signals["length"] = math.exp(-0.5 * ((log_ratio - LENGTH_LOG_RATIO_MEAN) / LENGTH_LOG_RATIO_SD) ** 2)
    if not signals:
        similarity = 0.5 if source.kinds == target.kinds else 0.0
    else:
        weight = sum(_WEIGHTS[k] for k in signals)
        similarity = sum(_WEIGHTS[k] * v for k, v in signals.items()) / weight
    return similarity * _kind_agreement(source.kinds, target.kinds)


def _kind_agreement(source: frozenset[SegmentKind], target: frozenset[SegmentKind]) -> float:
    if source == target:
        return 1.0
    if (source | target) & _STRUCTURAL:
        return 0.4
    return 0.85  # paragraph / list item / quote / link card: MT and editors move between them


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and name[:-1].isupper() else name


def _normalise_url(url: str) -> str:
    # Tracking parameters differ between copies of a newsletter; the page does not.
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"
