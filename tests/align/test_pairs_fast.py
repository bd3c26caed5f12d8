"""The vectorised parts of qa.align.pairs against the plain per-cell computations they replace.

The DP breaks ties on exact float values, so these compare bit for bit, not approximately.
"""

import math
import random
import re

import numpy as np
import pytest

from qa.align.pairs import (
    _CHUNK_CELLS,
    _HEADING_BASE,
    _MIXED,
    _MIXED_STRUCTURE,
    _MOVES,
    _NAME,
    _ONE_ONE,
    _ONE_TWO,
    _PROSE,
    _SCORED_ROW,
    _TWO_ONE,
    _ZERO_ONE,
    MERGE_PENALTY,
    MERGE_WEIGHT,
    SKIP_COST,
    _Band,
    _band_similarities,
    _best_path,
    _cell_dots,
    _merged_neighbours,
    _Scorer,
    _Units,
)

_PROSE_KINDS = len(_PROSE)
"""Kind codes below this are prose (paragraph, list item, quote, link card)."""


def _band_cells(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row-major cells of a random monotone band over an n x m grid."""
    lo = np.sort(rng.integers(0, m, n))
    hi = np.maximum(lo, np.sort(rng.integers(0, m, n)))
    rows = np.repeat(np.arange(n), hi - lo + 1)
    cols = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)])
    return rows, cols


@pytest.mark.parametrize("n, m, dimension", [(1, 1, 8), (3, 70, 8), (65, 64, 512), (130, 200, 512), (200, 7, 4)])
def test_cell_dots_equal_per_cell_dot_products_bit_for_bit(n, m, dimension):
    rng = np.random.default_rng(n * m)
    a = rng.standard_normal((n, dimension)).astype(np.float32)
    b = rng.standard_normal((m, dimension)).astype(np.float32)
    b[::5] = a[rng.integers(0, n, len(b[::5]))]  # equal vectors: the dots that tie
    for rows, cols in (np.divmod(np.arange(n * m), m), _band_cells(n, m, rng)):
        expected = np.einsum("ij,ij->i", a[rows], b[cols]).astype(np.float64)
        assert _cell_dots(a, b, rows, cols).tobytes() == expected.tobytes()


def test_cell_dots_refuse_rows_out_of_order():
    a = np.ones((3, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="ascend"):
        _cell_dots(a, a, np.array([1, 0]), np.array([0, 0]))
    assert _cell_dots(a, a, np.array([], dtype=np.int64), np.array([], dtype=np.int64)).shape == (0,)


def _reference_path(step_sims: np.ndarray, band: _Band) -> list[tuple[int, int, int, int, float | None]]:
    """The DP cell by cell in plain Python floats: candidates in move order, the first lowest
    wins, NaN counts as impossible, then the 0-1 chain as a running minimum of cost - k * SKIP."""
    n = len(band.lo) - 1
    offsets = np.concatenate([[0], np.cumsum(band.hi - band.lo + 1)])
    # Each cell's similarity per move (NaN for 1-0 and 0-1, which have none).
    sims = {
        (i, j): [
            step_sims[_SCORED_ROW[move], offsets[i] + j - band.lo[i]] if move in _SCORED_ROW else math.nan
            for move in range(5)
        ]
        for i in range(n + 1)
        for j in range(band.lo[i], band.hi[i] + 1)
    }
    cost: dict[tuple[int, int], float] = {}
    move_at: dict[tuple[int, int], int] = {}
    for i in range(n + 1):
        row = []
        for j in range(band.lo[i], band.hi[i] + 1):
            candidates = [math.inf] * 5
            for move, (di, dj) in _MOVES.items():
                if di and (i - di, j - dj) in cost:
                    sim = float(sims[i, j][move])
                    step = (
                        SKIP_COST if not dj else (1.0 - sim if di == dj else (1.0 - sim) * MERGE_WEIGHT + MERGE_PENALTY)
                    )
                    candidates[move] = math.inf if math.isnan(sim) and dj else cost[i - di, j - dj] + step
            if (i, j) == (0, 0):
                candidates[_ONE_ONE] = 0.0
            best = min(candidates)
            row.append((j, best, candidates.index(best)))
        running = math.inf
        for k, (j, best, move) in enumerate(row):
            shifted = best - k * SKIP_COST
            running = min(running, shifted)
            cost[i, j] = running + k * SKIP_COST
            move_at[i, j] = -1 if (i, j) == (0, 0) else (_ZERO_ONE if shifted > running else move)
    steps = []
    i, j = n, int(band.hi[n])
    while (i, j) != (0, 0):
        di, dj = _MOVES[move_at[i, j]]
        steps.append((i - di, i, j - dj, j, float(sims[i, j][move_at[i, j]]) if di and dj else None))
        i, j = i - di, j - dj
    return steps[::-1]


def _random_band(n: int, m: int, rng: np.random.Generator) -> _Band:
    """Monotone and connected, with (0, 0) and (n, m) inside, like _search_band's."""
    centre = np.round(np.linspace(0, m, n + 1)).astype(np.int64)
    lo = np.minimum.accumulate(np.maximum(centre - rng.integers(0, 4, n + 1), 0)[::-1])[::-1]
    hi = np.minimum(centre + rng.integers(0, 4, n + 1), m)
    lo[0], hi[n] = 0, m
    hi[:-1] = np.maximum(hi[:-1], lo[1:])  # each row reaches the next one
    hi = np.maximum.accumulate(hi)
    return _Band(lo, hi)


@pytest.mark.parametrize("seed", range(40))
def test_best_path_equals_the_cell_by_cell_dp_including_ties(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(0, 12)), int(rng.integers(0, 12))
    band = _random_band(n, m, rng) if seed % 2 and n and m else _Band(np.zeros(n + 1, np.int64), np.full(n + 1, m))
    cells = int((band.hi - band.lo + 1).sum())
    # Few distinct similarities, so that many paths cost the same and tie-breaking decides.
    step_sims = rng.choice(np.array([0.1, 0.55, 0.55, 0.775, 1.0, np.nan]), size=(len(_SCORED_ROW), cells))
    assert _best_path(step_sims, band) == _reference_path(step_sims, band)


def test_merged_neighbours_equal_each_pair_merged_on_its_own():
    rng = np.random.default_rng(7)
    n = 40
    vectors = rng.standard_normal((n, 16)).astype(np.float32)
    vectors[5] = 0.0
    vectors[20], vectors[21] = vectors[19], -vectors[19]  # a pair that sums to nothing
    kinds = rng.choice(np.array([0, 1, 2, _PROSE_KINDS, _HEADING_BASE, _HEADING_BASE + 2]), n)
    anchors = tuple(frozenset(f"a{x}" for x in rng.integers(0, 6, rng.integers(0, 3))) for _ in range(n))
    units = _Units(vectors, np.linalg.norm(vectors, axis=1) > 0, rng.integers(0, 300, n).astype(float), anchors, kinds)
    merged = _merged_neighbours(units)
    summed = np.stack([vectors[k : k + 2].sum(axis=0) for k in range(n - 1)])
    norms = np.linalg.norm(summed, axis=1)
    for k in range(n - 1):
        expected = summed[k] / norms[k] if norms[k] > 0 else np.zeros_like(summed[k])
        assert merged.vectors[k].tobytes() == expected.tobytes()
        assert merged.has_vector[k] == (norms[k] > 0)
        assert merged.lengths[k] == units.lengths[k] + units.lengths[k + 1]
        assert merged.anchors[k] == anchors[k] | anchors[k + 1]
        pair = {int(kinds[k]), int(kinds[k + 1])}
        expected = pair.pop() if len(pair) == 1 else (_MIXED if max(pair) < _PROSE_KINDS else _MIXED_STRUCTURE)
        assert merged.kinds[k] == expected
    assert (
        len(_merged_neighbours(_Units(vectors[:1], units.has_vector[:1], units.lengths[:1], anchors[:1], kinds[:1])))
        == 0
    )


_NAME_AS_WRITTEN_FIRST = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2,}[A-Za-z0-9-]*|[A-Z][a-z0-9]+[A-Z][A-Za-z0-9-]*)")
"""The plain form of _NAME, which tries its lookbehind at every character."""


def test_name_regex_finds_what_its_plain_form_finds():
    texts = ["CLIP and CutMix beat GPT-3", "aCLIP x2BERT ÉCLIP _BERT", "Cut-Mix CuT iOS A1B 中BERT模型", "AB\nCD", "A"]
    rng = random.Random(3)
    texts += ["".join(rng.choice("ABZabz09-_ .\n中É") for _ in range(rng.randint(0, 12))) for _ in range(20_000)]
    for text in texts:
        assert _NAME.findall(text) == _NAME_AS_WRITTEN_FIRST.findall(text), text


def test_scorer_scores_a_long_band_in_chunks_as_in_one_piece():
    rng = np.random.default_rng(11)
    n, m = 150, 140
    kinds = np.array([0, 1, _HEADING_BASE, _HEADING_BASE + 1, _PROSE_KINDS])

    def units(count: int) -> _Units:
        vectors = rng.standard_normal((count, 32)).astype(np.float32)
        vectors[::7] = 0.0
        anchors = tuple(frozenset(f"a{x}" for x in rng.integers(0, 40, rng.integers(0, 3))) for _ in range(count))
        lengths = rng.integers(0, 400, count).astype(float)
        return _Units(vectors, np.linalg.norm(vectors, axis=1) > 0, lengths, anchors, rng.choice(kinds, count))

    scorer = _Scorer(units(n), units(m))
    rows, cols = np.divmod(np.arange(n * m), m)
    assert n * m > 2 * _CHUNK_CELLS
    assert scorer(rows, cols).tobytes() == scorer._score(rows, cols).tobytes()


def _tricky_units(count: int, rng: np.random.Generator, dimension: int = 32) -> _Units:
    """Zero vectors and lengths, equal vectors, shared and common anchors, every kind of kind."""
    vectors = rng.standard_normal((count, dimension)).astype(np.float32)
    vectors[::7] = 0.0
    vectors[3::11] = vectors[1] if count > 1 else 0.0
    anchors = tuple(frozenset(f"a{x}" for x in rng.integers(0, 30, rng.integers(0, 4))) for _ in range(count))
    lengths = rng.choice(np.array([0.0, 1.0, 7.0, 40.0, 399.0]), count)
    kinds = rng.choice(np.array([0, 1, 4, _HEADING_BASE, _HEADING_BASE + 1, _MIXED, _MIXED_STRUCTURE]), count)
    return _Units(vectors, np.linalg.norm(vectors, axis=1) > 0, lengths, anchors, kinds)


@pytest.mark.parametrize("n, m", [(1, 1), (1, 9), (15, 1), (16, 17), (33, 250), (170, 90)])
@pytest.mark.parametrize("with_vectors", [True, False])
def test_scorer_grid_equals_the_cells_scored_one_by_one(n, m, with_vectors):
    rng = np.random.default_rng(n * 1000 + m)
    src, tgt = _tricky_units(n, rng), _tricky_units(m, rng)
    if not with_vectors:
        src, tgt = (_Units(None, np.zeros(len(u), bool), u.lengths, u.anchors, u.kinds) for u in (src, tgt))
    scorer = _Scorer(src, tgt)
    rows, cols = np.divmod(np.arange(n * m), m)
    assert scorer.grid().tobytes() == scorer(rows, cols).tobytes()


def _each_step_scored(src: _Units, tgt: _Units, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The similarity of each step ending in each cell (rows[k], cols[k]), scored on the cells
    it can end in (it would start outside the grid elsewhere: NaN there)."""
    expected = np.full((len(_SCORED_ROW), len(rows)), np.nan)
    for move, di, dj, side_a, side_b in (
        (_ONE_ONE, 1, 1, src, tgt),
        (_TWO_ONE, 2, 1, _merged_neighbours(src), tgt),
        (_ONE_TWO, 1, 2, src, _merged_neighbours(tgt)),
    ):
        ok = (rows >= di) & (cols >= dj)
        if ok.any() and len(side_a) and len(side_b):
            expected[_SCORED_ROW[move], ok] = _Scorer(side_a, side_b)(rows[ok] - di, cols[ok] - dj)
    return expected


@pytest.mark.parametrize("n, m", [(0, 0), (0, 3), (1, 1), (2, 5), (40, 37)])
def test_full_grid_band_similarities_equal_the_banded_computation(n, m):
    """The full grid takes a fast path; a band one cell short of it takes the general one."""
    rng = np.random.default_rng(n + m)
    src, tgt = _tricky_units(n, rng), _tricky_units(m, rng)
    full = _Band(np.zeros(n + 1, np.int64), np.full(n + 1, m))
    sims = _band_similarities(src, tgt, full)
    assert sims.shape == (len(_SCORED_ROW), (n + 1) * (m + 1))
    rows, cols = np.divmod(np.arange((n + 1) * (m + 1)), m + 1)
    assert sims.tobytes() == _each_step_scored(src, tgt, rows, cols).tobytes()
    if n and m:  # the general path, on a band one cell short of the grid, agrees on the rest
        narrower = _Band(full.lo, np.concatenate([[m - 1], full.hi[1:]]))
        assert _band_similarities(src, tgt, narrower).tobytes() == np.delete(sims, m, axis=1).tobytes()


@pytest.mark.parametrize("seed", range(12))
def test_band_similarities_equal_each_step_scored_on_the_cells_it_can_end_in(seed):
    """A band whose rows start past the first columns: the cells a step cannot end in (it
    would start outside the grid) come first, and the rest are scored in one go."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 60)), int(rng.integers(1, 60))
    src, tgt = _tricky_units(n, rng), _tricky_units(m, rng)
    band = _random_band(n, m, rng)
    widths = band.hi - band.lo + 1
    rows = np.repeat(np.arange(n + 1), widths)
    cols = np.concatenate([np.arange(a, b + 1) for a, b in zip(band.lo, band.hi, strict=True)])
    assert _band_similarities(src, tgt, band).tobytes() == _each_step_scored(src, tgt, rows, cols).tobytes()


def test_anchor_overlaps_count_the_anchors_each_cell_shares():
    from collections import Counter

    from qa.align.pairs import _anchor_overlaps

    rng = random.Random(9)
    for _ in range(300):
        pool = [f"a{k}" for k in range(rng.randrange(1, 12))]
        src = tuple(frozenset(rng.sample(pool, rng.randrange(min(4, len(pool)) + 1))) for _ in range(rng.randrange(9)))
        tgt = tuple(frozenset(rng.sample(pool, rng.randrange(min(4, len(pool)) + 1))) for _ in range(rng.randrange(9)))
        width = len(tgt) + 1
        shared = Counter({i * width + j: len(a & b) for i, a in enumerate(src) for j, b in enumerate(tgt) if a & b})
        keys, counts = _anchor_overlaps(src, tgt, width)
        assert keys.dtype == np.int64 and counts.dtype == np.float64
        assert list(zip(keys.tolist(), counts.tolist(), strict=True)) == sorted(shared.items())


@pytest.mark.parametrize("seed", range(6))
def test_numbered_anchors_of_groups_and_merged_units_are_their_anchors(seed):
    """The passes of the band search group and merge units: their numbered anchors, and the
    cells that share anchors, are those of the anchor sets."""
    from qa.align.pairs import _anchor_overlaps, _group_units, _joined_overlaps, _numbered_anchors

    rng = np.random.default_rng(seed)
    src, tgt = _tricky_units(int(rng.integers(1, 80)), rng), _tricky_units(int(rng.integers(1, 80)), rng)
    src, tgt = _numbered_anchors(src, tgt)
    for size in (1, 2, 3, 8):
        for a in (_group_units(src, size), _merged_neighbours(_group_units(src, size))):
            for b in (_group_units(tgt, size), _merged_neighbours(_group_units(tgt, size))):
                width = len(b) + 1
                numbered = _joined_overlaps(a.numbered, b.numbered, width)
                expected = _anchor_overlaps(a.anchors, b.anchors, width)
                assert all(x.tobytes() == y.tobytes() for x, y in zip(numbered, expected, strict=True))
                assert _Scorer(a, b).shared.tobytes() == expected[1].tobytes()


@pytest.mark.parametrize("with_vectors", [True, False])
def test_scores_of_units_without_anchors_are_those_with_the_anchor_terms_added(with_vectors):
    # With no anchor on either side, the anchor terms add 0.0 to every cell: skipped, the
    # scores are the same bit for bit.
    rng = np.random.default_rng(17)
    src, tgt = _tricky_units(60, rng), _tricky_units(45, rng)
    src, tgt = (
        _Units(u.vectors if with_vectors else None, u.has_vector, u.lengths, (frozenset(),) * len(u), u.kinds)
        for u in (src, tgt)
    )
    scorer = _Scorer(src, tgt)
    assert not scorer.anchored
    rows, cols = np.divmod(np.arange(60 * 45), 45)
    skipped, grid = scorer(rows, cols), scorer.grid()
    scorer.anchored = True
    assert scorer(rows, cols).tobytes() == skipped.tobytes()
    assert scorer.grid().tobytes() == grid.tobytes()


def _absorbed_in_one_list(steps, takes):
    """align._absorb_orphans as it was: each merge a slice of one list replaced."""
    out = list(steps)
    k = 0
    while k < len(out):
        i0, i1, j0, j1, _ = out[k]
        if (i1 - i0) + (j1 - j0) != 1:
            k += 1
            continue
        for n in (k - 1, k + 1):
            if 0 <= n < len(out) and takes(out[n], out[k]):
                a, b = min(k, n), max(k, n)
                out[a : b + 1] = [(out[a][0], out[b][1], out[a][2], out[b][3], out[n][4])]
                k = max(a - 1, 0)
                break
        else:
            k += 1
    return out


def test_orphans_are_absorbed_as_by_the_walk_over_one_list(monkeypatch):
    import qa.align.pairs as align_module

    rng = random.Random(20)
    for trial in range(2_000):
        # A path of 1-1, 1-0, 0-1, 2-1 and 1-2 steps, and a pure `_takes` that says yes to
        # about half of what it is asked (seeded by its arguments): the two walks must ask
        # the same questions in the same order to end with the same steps.
        steps, i, j = [], 0, 0
        for _ in range(rng.randrange(1, 25)):
            di, dj = rng.choice([(1, 1), (1, 0), (0, 1), (2, 1), (1, 2)])
            steps.append((i, i + di, j, j + dj, round(rng.random(), 2) if di and dj else None))
            i, j = i + di, j + dj

        def takes(pair, orphan, *_segments, seed=trial):
            return pair[0] != pair[1] and pair[2] != pair[3] and random.Random(f"{seed}{pair}{orphan}").random() < 0.5

        monkeypatch.setattr(align_module, "_takes", takes)
        assert align_module._absorb_orphans(steps, [], []) == _absorbed_in_one_list(steps, takes)
