"""(source Document, target Document) -> Alignment, by monotonic dynamic programming.

Steps 1-1, 1-2, 2-1, 1-0 and 0-1, as in Bertalign and Vecalign. A step's cost comes from
how alike its two sides are: cross-lingual embedding similarity when vectors are given, and
always the structural anchors a translation keeps (link targets, image paths, numbers and
arXiv ids, inline code, acronyms and CamelCase names, block kind and heading level) and the
length ratio of Chinese to English. Without vectors (`--no-drift`) anchors and lengths alone
decide.

After the DP, a block left unpaired (1-0 or 0-1) next to a pair joins that pair when the
pair's other side visibly holds it: its images, links or code are there and not on its own
side; or it is prose next to a piece split off the other side's paragraph (an image or link
of that paragraph set apart), and the pair's lengths agree clearly better with it; or its
prose is the prose of an HTML block there (`<pt>` with a sentence under it, which the other
side separated by a blank line). Translators split a paragraph around its images, or a
framework block at its tag: the pair becomes 1-2 or 1-3, not a block missing on one side
and extra on the other.

Cost stays near-linear: the DP runs only inside a band around the path that a first pass
finds on a coarse grid (blocks grouped by `f`), as Vecalign does; short documents get the full
grid. Within a row, the similarities of every band cell are computed at once with numpy, and
the 0-1 chain along the row is a running minimum, so the Python loop runs once per row.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from operator import itemgetter
from urllib.parse import urlsplit

import numpy as np

from qa.gcpause import collector_paused
from qa.model import Alignment, Document, Pair, Segment, SegmentKind

# log(len(zh) / len(en)) of human-translated blocks, from 314 gold block pairs of the fully
# mirrored en/zh pairs in shared/corpus/parallel (bench/calibrate.py): the mean, and a
# variance that shrinks with length as in Gale & Church: var = BASE + PER_CHAR / len(en)
# (measured sd 0.68 under 20 English characters, 0.29 at 80-160, 0.20 above 400).
LENGTH_LOG_RATIO_MEAN = -0.93
LENGTH_LOG_RATIO_VAR_BASE = 0.04
LENGTH_LOG_RATIO_VAR_PER_CHAR = 5.0

SKIP_COST = 0.45
"""Cost of leaving one block unpaired: below a bad 1-1 match, above a plausible one."""
MERGE_PENALTY = 0.2
MERGE_WEIGHT = 1.5
FULL_GRID_CELLS = 250_000
"""Up to this many cells (about 500 x 500 blocks) the DP searches the whole grid."""
COARSE_SIDE = 300
"""The coarse pass groups blocks so that neither side has more than this many groups."""
MAX_GROUP = 8
"""Blocks per group at most for the band of the final pass. That band is as wide as a few
groups, and the coarse pass groups max(n, m) / COARSE_SIDE blocks: its cells grew as the
square of the document, so a long document took minutes (tests/align/test_pairs.py holds the
band to linear growth). Past
COARSE_SIDE * MAX_GROUP blocks (2,400), the coarse path is refined on groups REFINE times
smaller, each pass within a band around the last, down to MAX_GROUP blocks: every pass is
then linear, the coarse pass (the one that must not get lost where blocks look alike) is
the same, and documents up to that size (bench/align.py's 2,000-block pair among them) are
aligned as before."""
REFINE = 3
"""How many times smaller the groups of each refining pass are."""
ANCHOR_MAX_UNITS = 12
"""An anchor found in more blocks than this on one side (a year, a home-page URL) says
nothing about which block is which, so it is ignored, as IDF would weight it to nothing."""

_WEIGHTS = {"embedding": 0.6, "anchors": 0.25, "length": 0.15, "kind": 0.15}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Acronyms and CamelCase names (CLIP, BERT, CutMix, GPT-3) survive MT unchanged: a capital
# not preceded by a letter or digit, then a capital (CLIP) or lower case and a capital (CutMix),
# then the rest of the word. The lookbehind sits after the first capital so that the regex
# engine can skip ahead to capitals instead of trying the lookbehind at every character.
_NAME = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])(?:[A-Z]|[a-z0-9]+[A-Z])[A-Za-z0-9-]*")

_PROSE = (SegmentKind.PARAGRAPH, SegmentKind.LIST_ITEM, SegmentKind.QUOTE, SegmentKind.LINK_CARD)
_OTHER = (
    SegmentKind.CODE,
    SegmentKind.IMAGE,
    SegmentKind.RULE,
    SegmentKind.TABLE_ROW,
    SegmentKind.HTML,
    SegmentKind.FRONT_MATTER,
)
_KIND_CODE = {kind: code for code, kind in enumerate(_PROSE + _OTHER)}
# Kind codes: the prose kinds, the other kinds, headings of level 1..6, then a merge of
# different prose kinds, a merge that has a heading or other non-prose block in it, and a
# coarse group of the band search (which agrees only with other coarse groups).
_HEADING_BASE = len(_KIND_CODE)
_MIXED, _MIXED_STRUCTURE, _COARSE = _HEADING_BASE + 6, _HEADING_BASE + 7, _HEADING_BASE + 8


def _kind_agreement_table() -> np.ndarray:
    table = np.full((_COARSE + 1, _COARSE + 1), 0.4)
    prose = [*range(len(_PROSE)), _MIXED]
    for a in prose:
        for b in prose:
            table[a, b] = 0.85  # MT and editors move text between paragraphs, items and quotes
    headings = range(_HEADING_BASE, _HEADING_BASE + 6)
    for a in headings:
        for b in headings:
            table[a, b] = 0.9  # a heading whose level changed is still that heading
    np.fill_diagonal(table, 1.0)
    table[_MIXED_STRUCTURE, _MIXED_STRUCTURE] = 0.4  # two unlike merges are not alike either
    return table


_KIND_AGREEMENT = _kind_agreement_table()


@dataclass(frozen=True)
class _Units:
    """Features of a sequence of units of one side: blocks, merged neighbours or coarse groups."""

    vectors: np.ndarray | None
    has_vector: np.ndarray
    lengths: np.ndarray
    anchors: tuple[frozenset[str], ...]
    kinds: np.ndarray
    numbered: tuple[np.ndarray, np.ndarray] | None = None
    """The anchors again, numbered (`_numbered_anchors`): (unit, anchor number) of each,
    sorted and without repeats, in two arrays; None when they were not numbered."""

    def __len__(self) -> int:
        return len(self.lengths)


@dataclass(frozen=True)
class _Band:
    """Inclusive column range [lo[i], hi[i]] searched in DP row i (i = source blocks consumed)."""

    lo: np.ndarray
    hi: np.ndarray


@collector_paused()
def align(
    source: Document,
    target: Document,
    source_vectors: np.ndarray | None = None,
    target_vectors: np.ndarray | None = None,
) -> Alignment:
    """Pair every source and target segment exactly once, in order (the garbage collector
    paused meanwhile, qa.gcpause: anchors per block and a pair per step, no cycles)."""
    # Each block's anchors once: the DP's units and the pass over unpaired blocks read them.
    source_anchors = tuple(map(_anchors, source.segments))
    target_anchors = tuple(map(_anchors, target.segments))
    src, tgt = _numbered_anchors(
        _block_units(source.segments, source_anchors, source_vectors),
        _block_units(target.segments, target_anchors, target_vectors),
    )
    band = _search_band(src, tgt)
    steps = _absorb_orphans(
        _dp(src, tgt, band), _Side(source.segments, source_anchors), _Side(target.segments, target_anchors)
    )
    pairs = tuple(
        Pair(
            id=k,
            source=source.segments[i0:i1],
            target=target.segments[j0:j1],
            similarity=None if sim is None else round(float(sim), 4),
        )
        for k, (i0, i1, j0, j1, sim) in enumerate(steps)
    )
    return Alignment(source=source, target=target, pairs=pairs)


# ---------------------------------------------------------------- features


def _block_units(
    segments: Sequence[Segment], all_anchors: tuple[frozenset[str], ...], vectors: np.ndarray | None
) -> _Units:
    anchors = _filter_common(all_anchors)
    kinds = np.array([_kind_code(s) for s in segments], dtype=np.int64)
    lengths = np.array([len(s.text) for s in segments], dtype=np.float64)
    if vectors is None or not len(segments):
        return _Units(None, np.zeros(len(segments), bool), lengths, anchors, kinds)
    vectors = np.asarray(vectors, dtype=np.float32)
    has_vector = np.linalg.norm(vectors, axis=1) > 0
    return _Units(vectors, has_vector, lengths, anchors, kinds)


def _anchors(segment: Segment) -> frozenset[str]:
    # Most blocks have no links, images or code: skip those comprehensions, since this runs
    # for every block of every document.
    found = ["num:" + n for n in _NUMBER.findall(segment.text) if len(n) > 1]
    found += ["name:" + _singular(name) for name in _NAME.findall(segment.text)]
    if segment.links:
        found += ["url:" + _normalise_url(link) for link in segment.links if link]
    if segment.images:
        found += ["img:" + image for image in segment.images if image]
    if segment.code_spans and segment.kind is SegmentKind.CODE:
        # Code is copied, its comments translated: compare it line by line.
        lines = (line.strip() for code in segment.code_spans for line in code.splitlines())
        found += ["line:" + line for line in lines if line]
    elif segment.code_spans:
        found += ["code:" + code for code in segment.code_spans]
    return frozenset(found)


def _filter_common(anchors: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    counts: dict[str, int] = defaultdict(int)
    for found in anchors:
        for anchor in found:
            counts[anchor] += 1
    common = {a for a, c in counts.items() if c > ANCHOR_MAX_UNITS}
    return tuple(found - common for found in anchors) if common else anchors


def _numbered_anchors(src: _Units, tgt: _Units) -> tuple[_Units, _Units]:
    """Both sides with their anchors numbered (one number per anchor across the two): the
    coarse groups and merged neighbours of every pass then find theirs with numpy, and the
    cells that share anchors are joined with numpy (`_Scorer`), not by a walk over every
    anchor of every unit in Python for each pass of the band search."""
    numbered_src, numbered_tgt = _numbered([src.anchors, tgt.anchors])
    return replace(src, numbered=numbered_src), replace(tgt, numbered=numbered_tgt)


def _numbered(sides: list[tuple[frozenset[str], ...]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(unit, anchor number) of every anchor of each side, numbered across the sides."""
    numbers: dict[str, int] = {}
    numbered = []
    for anchor_sets in sides:
        unit_of, number_of = [], []
        for unit, anchors in enumerate(anchor_sets):
            for anchor in anchors:
                unit_of.append(unit)
                number_of.append(numbers.setdefault(anchor, len(numbers)))
        numbered.append(_unique_pairs(np.array(unit_of, dtype=np.int64), np.array(number_of, dtype=np.int64)))
    return numbered


def _unique_pairs(units: np.ndarray, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (unit, number) pairs sorted, each once."""
    base = int(numbers.max()) + 1 if len(numbers) else 1
    keys = np.unique(units * base + numbers)
    return keys // base, keys % base


def _kind_code(segment: Segment) -> int:
    if segment.kind is SegmentKind.HEADING:
        return _HEADING_BASE - 1 + min(max(segment.heading_level, 1), 6)
    return _KIND_CODE[segment.kind]


def _group_units(units: _Units, size: int) -> _Units:
    """Consecutive runs of `size` units as one unit each (the last run may be shorter)."""
    spans = [(s, min(s + size, len(units))) for s in range(0, len(units), size)]
    lengths = np.array([units.lengths[a:b].sum() for a, b in spans], dtype=np.float64)
    anchors = tuple(frozenset().union(*units.anchors[a:b]) for a, b in spans)
    summed = None
    if units.vectors is not None:
        summed = np.stack([units.vectors[a:b].sum(axis=0) for a, b in spans]) if spans else units.vectors[:0]
    numbered = None if units.numbered is None else _unique_pairs(units.numbered[0] // size, units.numbered[1])
    return _summed_units(summed, lengths, anchors, np.full(len(spans), _COARSE), numbered)


def _merged_neighbours(units: _Units) -> _Units:
    """Unit k is units k and k+1 together: the side of 2 in a 2-1 or 1-2 step."""
    first, second = units.kinds[:-1], units.kinds[1:]
    prose = (first < len(_PROSE)) & (second < len(_PROSE))
    kinds = np.where(first == second, first, np.where(prose, _MIXED, _MIXED_STRUCTURE))
    anchors = tuple(a | b for a, b in pairwise(units.anchors))
    summed = None if units.vectors is None else units.vectors[:-1] + units.vectors[1:]
    numbered = None
    if units.numbered is not None:
        # An anchor of unit u is one of merged units u - 1 and u, those that exist.
        unit, number = units.numbered
        first, second = unit < len(units) - 1, unit > 0
        numbered = _unique_pairs(
            np.concatenate([unit[first], unit[second] - 1]), np.concatenate([number[first], number[second]])
        )
    return _summed_units(summed, units.lengths[:-1] + units.lengths[1:], anchors, kinds, numbered)


def _summed_units(
    summed: np.ndarray | None,
    lengths: np.ndarray,
    anchors: tuple[frozenset[str], ...],
    kinds: np.ndarray,
    numbered: tuple[np.ndarray, np.ndarray] | None = None,
) -> _Units:
    """Units whose vectors are the sums of their parts' vectors, normalised (None: no vectors)."""
    if summed is None:
        return _Units(None, np.zeros(len(lengths), bool), lengths, anchors, kinds, numbered)
    norms = np.linalg.norm(summed, axis=1, keepdims=True)
    vectors = np.divide(summed, norms, out=np.zeros_like(summed), where=norms > 0)
    return _Units(vectors, norms[:, 0] > 0, lengths, anchors, kinds, numbered)


# ---------------------------------------------------------------- similarity


_CHUNK_CELLS = 8192
"""Cells scored at once: few enough that the score's dozens of temporary arrays stay small
(cache-resident, reused by the allocator), enough that numpy's per-call overhead is spread thin."""


class _Scorer:
    """Similarity 0..1 of (source unit, target unit) cells, vectorised over many cells.

    A weighted mean of the signals both sides have, damped when block kinds disagree.
    Anchor overlaps are indexed once, since few cells share any anchor.
    """

    def __init__(self, src: _Units, tgt: _Units) -> None:
        self.src, self.tgt = src, tgt
        self.width = len(tgt) + 1
        if src.numbered is not None and tgt.numbered is not None:
            self.keys, self.shared = _joined_overlaps(src.numbered, tgt.numbered, self.width)
        else:
            self.keys, self.shared = _anchor_overlaps(src.anchors, tgt.anchors, self.width)
        self.src_sizes = np.array([len(a) for a in src.anchors], dtype=np.float64)
        self.tgt_sizes = np.array([len(a) for a in tgt.anchors], dtype=np.float64)
        self.anchored = bool(self.src_sizes.any() or self.tgt_sizes.any())
        # The spread of the length ratio shrinks as the source block grows (see the constants).
        self.src_variance = LENGTH_LOG_RATIO_VAR_BASE + LENGTH_LOG_RATIO_VAR_PER_CHAR / np.maximum(src.lengths, 1.0)

    def __call__(
        self, rows: np.ndarray, cols: np.ndarray, di: int = 0, dj: int = 0, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Similarity of cells (rows[k] - di, cols[k] - dj); rows ascending, as a band lists
        its cells. Into `out` when given (a band's cells are many: no copy of them all)."""
        similarity = np.empty(len(rows)) if out is None else out
        for start in range(0, len(rows), _CHUNK_CELLS):
            chunk = slice(start, start + _CHUNK_CELLS)
            similarity[chunk] = self._score(rows[chunk] - di, cols[chunk] - dj)
        return similarity

    def grid(self) -> np.ndarray:
        """Similarity of every (source unit, target unit) cell, as a (len(src), len(tgt)) array.

        Bit for bit `self(rows, cols)` over all cells in row-major order, without gathering
        features per cell: each cell goes through the same elementwise operations on the same
        values (taken by broadcasting instead of indexing), and its embedding dot comes from
        the same einsum call as `_cell_dots` makes for whole rows (the same 16-row block of
        `src` against all of `tgt`, blocks counted from row 0)."""
        n, m = len(self.src), len(self.tgt)
        similarity = np.empty((n, m))
        chunk_rows = _DOT_BLOCK_ROWS * max(1, _CHUNK_CELLS // (_DOT_BLOCK_ROWS * max(m, 1)))
        shared = np.zeros(n * self.width)
        shared[self.keys] = self.shared
        shared = shared.reshape(n, self.width)[:, :m]
        for top in range(0, n, chunk_rows):
            rows = slice(top, top + chunk_rows)
            dots = None
            if self.src.vectors is not None and self.tgt.vectors is not None:
                dots = _row_dots(self.src.vectors[rows], self.tgt.vectors)
            as_column, as_row = itemgetter((rows, None)), itemgetter((None, slice(None)))
            similarity[rows] = self._combine(as_column, as_row, dots, shared[rows])
        return similarity

    def _score(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        dots = None
        if self.src.vectors is not None and self.tgt.vectors is not None:
            dots = _cell_dots(self.src.vectors, self.tgt.vectors, rows, cols)
        return self._combine(itemgetter(rows), itemgetter(cols), dots, self._shared(rows, cols))

    def _combine(
        self,
        src_side: Callable[[np.ndarray], np.ndarray],
        tgt_side: Callable[[np.ndarray], np.ndarray],
        dots: np.ndarray | None,
        shared: np.ndarray,
    ) -> np.ndarray:
        """The score of cells whose source features `src_side` takes from a per-unit array
        (and target features `tgt_side`), given their embedding dots and shared anchor counts."""
        src, tgt = self.src, self.tgt
        src_len, tgt_len = src_side(src.lengths), tgt_side(tgt.lengths)
        shape = np.broadcast_shapes(src_len.shape, tgt_len.shape)
        total = np.zeros(shape)
        weight = np.zeros(shape)
        if dots is not None:
            valid = src_side(src.has_vector) & tgt_side(tgt.has_vector)
            total += np.where(valid, _WEIGHTS["embedding"] * np.clip(dots, 0.0, 1.0), 0.0)
            weight += np.where(valid, _WEIGHTS["embedding"], 0.0)

        if self.anchored:  # else no cell has anchors: the terms below would add 0.0 to each
            union = src_side(self.src_sizes) + tgt_side(self.tgt_sizes) - shared
            has_anchors = union > 0
            jaccard = np.divide(shared, union, out=np.zeros_like(union), where=has_anchors)
            total += np.where(has_anchors, _WEIGHTS["anchors"] * jaccard, 0.0)
            weight += np.where(has_anchors, _WEIGHTS["anchors"], 0.0)

        has_length = (src_len > 0) & (tgt_len > 0)
        log_ratio = np.log(np.where(has_length, tgt_len, 1.0) / np.where(has_length, src_len, 1.0))
        length = np.exp(-0.5 * (log_ratio - LENGTH_LOG_RATIO_MEAN) ** 2 / src_side(self.src_variance))
        total += np.where(has_length, _WEIGHTS["length"] * length, 0.0)
        weight += np.where(has_length, _WEIGHTS["length"], 0.0)

        # Block kinds are a signal of their own (two headings of one level are likely a pair,
        # even when their lengths say little) and damp every other signal when they clash.
        agreement = _KIND_AGREEMENT[src_side(src.kinds), tgt_side(tgt.kinds)]
        total += _WEIGHTS["kind"] * agreement
        weight += _WEIGHTS["kind"]
        return total / weight * agreement

    def _shared(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.zeros(len(rows))
        wanted = rows * self.width + cols
        position = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return np.where(self.keys[position] == wanted, self.shared[position], 0.0)


_DOT_BLOCK_ROWS = 16
"""Rows whose embedding dots one einsum computes: few enough that a band's bounding box over
them holds few cells outside the band."""


def _cell_dots(a: np.ndarray, b: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """a[rows[k]] . b[cols[k]] for every cell k; rows ascending, as a band lists its cells.

    Gathering two vectors per cell copies far more memory than computing every product in
    the bounding box of a few rows' cells. It is einsum, not matmul (BLAS), because einsum
    sums each row pair's products in the same order whatever the shapes, so every
    similarity, and every tie the DP breaks, stays as it was.
    """
    if len(rows) > 1 and bool((rows[1:] < rows[:-1]).any()):
        raise ValueError("cell rows must ascend")
    dots = np.empty(len(rows))
    if not len(rows):
        return dots
    tops = range(int(rows[0]), int(rows[-1]) + 1, _DOT_BLOCK_ROWS)
    edges = np.searchsorted(rows, [*tops, int(rows[-1]) + 1]).tolist()
    for top, start, stop in zip(tops, edges[:-1], edges[1:], strict=True):
        if start == stop:
            continue
        block_rows, block_cols = rows[start:stop], cols[start:stop]
        left = int(block_cols.min())
        products = np.einsum("ij,kj->ik", a[top : top + _DOT_BLOCK_ROWS], b[left : int(block_cols.max()) + 1])
        dots[start:stop] = products[block_rows - top, block_cols - left]
    return dots


def _row_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a[i] . b[k] for every i and k, as float64: what `_cell_dots` gives for whole rows, from
    the same einsum calls (a's rows in blocks of _DOT_BLOCK_ROWS against all of b), so `a`
    must start at a block boundary of the rows `_cell_dots` would see."""
    dots = np.empty((len(a), len(b)))
    for top in range(0, len(a), _DOT_BLOCK_ROWS):
        dots[top : top + _DOT_BLOCK_ROWS] = np.einsum("ij,kj->ik", a[top : top + _DOT_BLOCK_ROWS], b)
    return dots


def _anchor_overlaps(
    src: tuple[frozenset[str], ...], tgt: tuple[frozenset[str], ...], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted cell keys (row * width + col) with |anchors(row) ∩ anchors(col)| > 0, and those sizes."""
    numbered_src, numbered_tgt = _numbered([src, tgt])
    return _joined_overlaps(numbered_src, numbered_tgt, width)


def _joined_overlaps(
    src: tuple[np.ndarray, np.ndarray], tgt: tuple[np.ndarray, np.ndarray], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """`_anchor_overlaps` of units whose anchors are numbered (`_Units.numbered`): the
    target units of each anchor together, then every (source unit, target unit) of each
    shared anchor, found as a range among them."""
    src_units, src_numbers = src
    by_number = np.argsort(tgt[1], kind="stable")
    tgt_units, tgt_numbers = tgt[0][by_number], tgt[1][by_number]
    starts = np.searchsorted(tgt_numbers, src_numbers, "left")
    counts = np.searchsorted(tgt_numbers, src_numbers, "right") - starts
    rows = np.repeat(src_units, counts)
    before = np.cumsum(counts) - counts  # matches of earlier (source unit, anchor)s
    cols = tgt_units[np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - before, counts)]
    keys, shared = np.unique(rows * width + cols, return_counts=True)
    return keys, shared.astype(np.float64)


# ---------------------------------------------------------------- band


def _full_band(n: int, m: int) -> _Band:
    return _Band(np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64))


def _search_band(src: _Units, tgt: _Units) -> _Band:
    n, m = len(src), len(tgt)
    if (n + 1) * (m + 1) <= FULL_GRID_CELLS or not n or not m:
        return _full_band(n, m)
    size = math.ceil(max(n, m) / COARSE_SIDE)
    coarse_src, coarse_tgt = _group_units(src, size), _group_units(tgt, size)
    coarse_steps = _dp(coarse_src, coarse_tgt, _full_band(len(coarse_src), len(coarse_tgt)))
    # Groups too large for the band around their path to stay narrow: refine the path on
    # smaller groups, each time within a band around the last one (see MAX_GROUP).
    while size > MAX_GROUP:
        finer = max(MAX_GROUP, math.ceil(size / REFINE))
        finer_src, finer_tgt = _group_units(src, finer), _group_units(tgt, finer)
        band = _band_around(coarse_steps, size, finer, len(finer_src), len(finer_tgt))
        coarse_steps, size = _dp(finer_src, finer_tgt, band), finer
    return _band_around(coarse_steps, size, 1, n, m)


def _band_around(steps: list[tuple[int, int, int, int, float | None]], size: int, unit: int, n: int, m: int) -> _Band:
    """The band over units of `unit` blocks (n by m of them) around a path over groups of
    `size` blocks: each group's rows, its columns and 2 * size + 8 blocks either side."""
    width = 2 * size + 8
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    for i0, i1, j0, j1, _ in steps:
        rows = slice(min(i0 * size // unit, n), min(-(-i1 * size // unit), n) + 1)
        lo[rows] = np.minimum(lo[rows], max(0, (j0 * size - width) // unit))
        hi[rows] = np.maximum(hi[rows], min(m, -(-(j1 * size + width) // unit)))
    lo[0], hi[n] = 0, m
    # Keep the band connected: row i must reach what row i-1 can step to.
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    return _Band(lo, hi)


# ---------------------------------------------------------------- dynamic programming

_ONE_ONE, _ONE_ZERO, _ZERO_ONE, _TWO_ONE, _ONE_TWO = range(5)
_MOVES = {_ONE_ONE: (1, 1), _ONE_ZERO: (1, 0), _ZERO_ONE: (0, 1), _TWO_ONE: (2, 1), _ONE_TWO: (1, 2)}
_STEPS_FROM_EARLIER_ROWS = tuple((move, *_MOVES[move]) for move in (_ONE_ONE, _ONE_ZERO, _TWO_ONE, _ONE_TWO))
"""(move, di, dj) of the moves that come from an earlier row: all but 0-1."""
_SCORED = (_ONE_ONE, _TWO_ONE, _ONE_TWO)
"""The moves that pair blocks, so have a similarity: row `_SCORED.index(move)` of the step
similarities and costs (1-0 and 0-1 cost SKIP_COST, whatever the blocks)."""
_SCORED_ROW = {move: row for row, move in enumerate(_SCORED)}


def _dp(src: _Units, tgt: _Units, band: _Band) -> list[tuple[int, int, int, int, float | None]]:
    """Lowest-cost monotonic path; returns steps (i0, i1, j0, j1, similarity)."""
    return _best_path(_band_similarities(src, tgt, band), band)


def _best_path(step_sims: np.ndarray, band: _Band) -> list[tuple[int, int, int, int, float | None]]:
    """The DP proper, over the step similarities of the band's cells (see _band_similarities)."""
    one_one, two_one, one_two = _step_costs(step_sims)  # in the order of _SCORED
    offsets = np.concatenate([[0], np.cumsum(band.hi - band.lo + 1)])
    skips = np.arange(int((band.hi - band.lo).max()) + 1) * SKIP_COST
    # Plain ints: the loop runs once per row and numpy scalars are slow to index with.
    los, his, starts = band.lo.tolist(), band.hi.tolist(), offsets.tolist()
    n = len(los) - 1
    # costs[i % 3][k] is the cost of reaching column los[i] + k: a step comes from one or two
    # rows back, so three rows are kept. (One matrix as wide as the widest row, for every
    # row, took n times that width: gigabytes for a long document with one wide row.) Columns
    # outside a row's band cost inf: only the columns a step can come from inside the band
    # of the row it comes from are added; the others stay inf. Each row's candidates are a
    # view of one buffer, refilled with inf (a new array per row was a tenth of the loop).
    costs: list[np.ndarray] = [np.empty(0)] * 3
    moves: list[np.ndarray] = []
    buffer = np.empty((5, len(skips)))
    for i in range(n + 1):
        lo, hi, start = los[i], his[i], starts[i]
        width = hi - lo + 1
        # Row _ZERO_ONE stays inf: the 0-1 chain along the row is added after the minimum.
        candidates = buffer[:, :width]
        candidates.fill(np.inf)
        if i == 0:
            candidates[_ONE_ONE, 0] = 0.0  # the origin (band.lo[0] is 0): no move
        else:
            earlier, earlier_lo = costs[(i - 1) % 3], los[i - 1]
            earlier_hi = his[i - 1]
            # Columns c of this row whose c - dj is in the earlier row's band, for each dj.
            first, last = max(lo, earlier_lo + 1), min(hi, earlier_hi + 1)
            if first <= last:
                np.add(
                    earlier[first - 1 - earlier_lo : last - earlier_lo],
                    one_one[start + first - lo : start + last - lo + 1],
                    out=candidates[_ONE_ONE, first - lo : last - lo + 1],
                )
            first, last = max(lo, earlier_lo), min(hi, earlier_hi)
            if first <= last:  # the cost of 1-0 is SKIP_COST in every cell
                np.add(
                    earlier[first - earlier_lo : last - earlier_lo + 1],
                    SKIP_COST,
                    out=candidates[_ONE_ZERO, first - lo : last - lo + 1],
                )
            first, last = max(lo, earlier_lo + 2), min(hi, earlier_hi + 2)
            if first <= last:
                np.add(
                    earlier[first - 2 - earlier_lo : last - 1 - earlier_lo],
                    one_two[start + first - lo : start + last - lo + 1],
                    out=candidates[_ONE_TWO, first - lo : last - lo + 1],
                )
            if i >= 2:
                earlier, earlier_lo = costs[(i - 2) % 3], los[i - 2]
                first, last = max(lo, earlier_lo + 1), min(hi, his[i - 2] + 1)
                if first <= last:
                    np.add(
                        earlier[first - 1 - earlier_lo : last - earlier_lo],
                        two_one[start + first - lo : start + last - lo + 1],
                        out=candidates[_TWO_ONE, first - lo : last - lo + 1],
                    )
        row_cost, row_move = _chain_zero_one(candidates.min(axis=0), candidates.argmin(axis=0), skips)
        if i == 0:
            row_move[0] = -1
        costs[i % 3] = row_cost
        moves.append(row_move)
    return _trace(moves, step_sims, offsets, band, n, int(band.hi[n]))


def _band_similarities(src: _Units, tgt: _Units, band: _Band) -> np.ndarray:
    """(3, cells) similarity of each step type of `_SCORED` ending in each band cell; NaN
    where impossible (the step would start outside the grid)."""
    n, m = len(band.lo) - 1, int(band.hi[-1])
    steps = (
        (1, 1, src, tgt),
        (2, 1, _merged_neighbours(src), tgt),
        (1, 2, src, _merged_neighbours(tgt)),
    )
    if bool((band.lo == 0).all()) and bool((band.hi == m).all()):
        # The full grid (every document under FULL_GRID_CELLS): the cells of a step are all
        # pairs of its units, in row-major order, so each scorer fills a rectangle at once.
        sims = np.full((len(_SCORED), n + 1, m + 1), np.nan)
        for row, (di, dj, side_a, side_b) in enumerate(steps):
            if len(side_a) and len(side_b):
                sims[row, di:, dj:] = _Scorer(side_a, side_b).grid()
        return sims.reshape(len(_SCORED), -1)
    widths = band.hi - band.lo + 1
    rows = np.repeat(np.arange(len(band.lo)), widths)
    # Cell k of row i is column lo[i] + k - (cells before row i).
    cols = np.arange(len(rows)) + np.repeat(band.lo - (np.cumsum(widths) - widths), widths)
    sims = np.empty((len(_SCORED), len(rows)))
    for row, (di, dj, side_a, side_b) in enumerate(steps):
        if not (len(side_a) and len(side_b)):
            sims[row] = np.nan
            continue
        # The cells where the step would start outside the grid come first (the first rows,
        # the first columns of rows that start there): scored one by one up to the last of
        # them, every cell after it at once, without gathering them by a mask.
        impossible = np.flatnonzero((rows < di) | (cols < dj))
        tail = int(impossible[-1]) + 1 if len(impossible) else 0
        head = sims[row, :tail]
        head.fill(np.nan)
        ok = (rows[:tail] >= di) & (cols[:tail] >= dj)
        scorer = _Scorer(side_a, side_b)
        if ok.any():
            head[ok] = scorer(rows[:tail][ok] - di, cols[:tail][ok] - dj)
        scorer(rows[tail:], cols[tail:], di, dj, out=sims[row, tail:])
    return sims


def _step_costs(step_sims: np.ndarray) -> np.ndarray:
    """(3, cells) cost of each step type of `_SCORED` ending in each band cell; inf where impossible."""
    # In place, no temporaries: a band of a long document is millions of cells, and each
    # array as large costs its pages again (the same operations, so the same costs).
    costs = np.empty_like(step_sims)
    np.subtract(1.0, step_sims[_SCORED_ROW[_ONE_ONE]], out=costs[_SCORED_ROW[_ONE_ONE]])
    for move in (_TWO_ONE, _ONE_TWO):
        row = costs[_SCORED_ROW[move]]
        np.subtract(1.0, step_sims[_SCORED_ROW[move]], out=row)
        np.multiply(row, MERGE_WEIGHT, out=row)
        np.add(row, MERGE_PENALTY, out=row)
    np.copyto(costs, np.inf, where=np.isnan(costs))
    return costs


def _chain_zero_one(best: np.ndarray, best_move: np.ndarray, skips: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cost[j] = min(best[j], cost[j-1] + SKIP): a running minimum of best[k] - k * SKIP.

    `skips` is k * SKIP for k = 0, 1, ... (at least as long as the row). Returns the costs
    and the moves: best_move itself, where 0-1 chains overwrite it."""
    offsets = skips[: len(best)]
    shifted = best - offsets
    running = np.minimum.accumulate(shifted)
    # Where running comes from an earlier column, the cell is reached by 0-1 steps.
    best_move[shifted > running] = _ZERO_ONE
    return running + offsets, best_move


def _trace(
    moves: list[np.ndarray], step_sims: np.ndarray, offsets: np.ndarray, band: _Band, n: int, m: int
) -> list[tuple[int, int, int, int, float | None]]:
    steps = []
    i, j = n, m
    while (i, j) != (0, 0):
        k = j - band.lo[i]
        move = int(moves[i][k])
        if move < 0:
            raise RuntimeError(f"alignment path broken at ({i}, {j})")
        di, dj = _MOVES[move]
        similarity = float(step_sims[_SCORED_ROW[move], offsets[i] + k]) if di and dj else None
        steps.append((i - di, i, j - dj, j, similarity))
        i, j = i - di, j - dj
    steps.reverse()
    return steps


# ---------------------------------------------------------------- unpaired blocks that belong to a neighbour

_Step = tuple[int, int, int, int, float | None]
_SHAPES = frozenset({(1, 2), (2, 1), (1, 3), (3, 1), (2, 2)})
"""What a pair may grow into by taking in an unpaired neighbour (PairType)."""
_EVIDENCE = ("url:", "img:", "code:", "line:")
"""Anchors that tie a block to the other side: what a translation copies as it is."""
_TAGS = re.compile(r"<!--.*?-->|<[^<>]*>|\{[#:/@][^{}]*\}", re.DOTALL)
_PROSE_KINDS = frozenset(_PROSE)
SPLIT_MIN_GAIN = 1.0
"""How much closer (in sd of the length ratio) the lengths of a pair must come by taking in a
piece of prose split off the other side's block."""
HIDDEN_PROSE_SD = 3.0
"""How far (in sd of the length ratio) an unpaired paragraph may be from the length of the
prose of an HTML block on the other side and still be its translation."""


@dataclass(frozen=True)
class _Side:
    """One document's blocks and the anchors of each (`_anchors`, before `_filter_common`)."""

    segments: Sequence[Segment]
    anchors: tuple[frozenset[str], ...]


def _absorb_orphans(steps: list[_Step], source: _Side, target: _Side) -> list[_Step]:
    """Each 1-0 or 0-1 step joined to the neighbouring step whose other side holds its block."""
    if all(i0 != i1 and j0 != j1 for i0, i1, j0, j1, _ in steps):
        return steps  # nothing unpaired: most documents
    # The steps before the current one are `done`, the current one and those after it `rest`,
    # reversed: a merge and the step back after it change only the ends of the two (a slice
    # of one list replaced per merge made thousands of split paragraphs quadratic).
    done: list[_Step] = []
    rest = steps[::-1]
    while rest:
        step = rest[-1]
        i0, i1, j0, j1, _ = step
        unpaired = (i1 - i0) + (j1 - j0) == 1
        if unpaired and done and _takes(done[-1], step, source, target):
            pair = done.pop()
            rest[-1] = (pair[0], i1, pair[2], j1, pair[4])
        elif unpaired and len(rest) > 1 and _takes(rest[-2], step, source, target):
            rest.pop()
            pair = rest[-1]
            rest[-1] = (i0, pair[1], j0, pair[3], pair[4])
        else:
            done.append(rest.pop())
            continue
        if done:  # the grown pair may take the unpaired block before it too
            rest.append(done.pop())
    return done


def _takes(pair: _Step, orphan: _Step, source: _Side, target: _Side) -> bool:
    """Whether the paired step `pair` holds the block of the unpaired step `orphan` on its other side."""
    i0, i1, j0, j1, _ = pair
    if i0 == i1 or j0 == j1:
        return False
    english = orphan[0] != orphan[1]
    shape = (i1 - i0 + english, j1 - j0 + (not english))
    if shape not in _SHAPES:
        return False
    (mine, at, own_range), (theirs, other_range) = (
        ((source, orphan[0], slice(i0, i1)), (target, slice(j0, j1)))
        if english
        else ((target, orphan[2], slice(j0, j1)), (source, slice(i0, i1)))
    )
    block, own, other = mine.segments[at], mine.segments[own_range], theirs.segments[other_range]
    own_anchors = mine.anchors[own_range]
    other_anchors = frozenset().union(*theirs.anchors[other_range])
    evidence = {a for a in mine.anchors[at] if a.startswith(_EVIDENCE)}
    if evidence and evidence <= other_anchors - frozenset().union(*own_anchors):
        return True
    if block.kind not in _PROSE_KINDS or not block.text.strip():
        return False
    if _split_around_anchors(own_anchors, other, other_anchors):
        # The other block was split at its images or links: the piece of prose next to the
        # pair is part of it when the lengths then agree clearly better. (A little better
        # says nothing: a short paragraph dropped next to a long one changes the ratio little.)
        own_length = sum(len(s.text) for s in own)
        other_length = sum(len(s.text) for s in other)
        before = abs(_length_deviation(own_length, other_length, english))
        return abs(_length_deviation(own_length + len(block.text), other_length, english)) <= before - SPLIT_MIN_GAIN
    if any(s.text.strip() or _hidden_prose(s) for s in own):
        return False  # its own side has prose of its own: the block is no part of it
    hidden = " ".join(filter(None, map(_hidden_prose, other)))
    if not hidden:
        return False
    return abs(_length_deviation(len(block.text), len(hidden), english)) <= HIDDEN_PROSE_SD


def _split_around_anchors(
    own_anchors: Sequence[frozenset[str]], other: Sequence[Segment], other_anchors: frozenset[str]
) -> bool:
    """Whether `other` is one prose block and a block of the own side (whose blocks' anchors
    are `own_anchors`) is a piece of it: images, links or code the other block holds in its
    text, set apart."""
    if len(other) != 1 or other[0].kind not in _PROSE_KINDS:
        return False
    return any(
        (found := {a for a in anchors if a.startswith(_EVIDENCE)}) and found <= other_anchors for anchors in own_anchors
    )


def _length_deviation(own_length: int, other_length: int, english: bool) -> float:
    """How many sd of the length ratio of translations the two lengths are apart (own is English
    when `english`); inf when a side is empty."""
    english_length, chinese_length = (own_length, other_length) if english else (other_length, own_length)
    if not english_length or not chinese_length:
        return math.inf
    variance = LENGTH_LOG_RATIO_VAR_BASE + LENGTH_LOG_RATIO_VAR_PER_CHAR / english_length
    return (math.log(chinese_length / english_length) - LENGTH_LOG_RATIO_MEAN) / math.sqrt(variance)


def _hidden_prose(segment: Segment) -> str:
    """The text of an HTML block outside its tags and comments: prose an MDX page wrote under a
    tag with no blank line between (`<pt>` then a sentence), which the parser keeps as HTML."""
    if segment.kind is not SegmentKind.HTML:
        return ""
    return " ".join(_TAGS.sub(" ", segment.raw).split())


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and name[:-1].isupper() else name


def _normalise_url(url: str) -> str:
    # Tracking parameters differ between copies of a newsletter; the page does not.
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower()}{parts.path.rstrip('/')}"
