"""The vectorised parts of qa.align against the plain per-cell computations they replace.

The DP breaks ties on exact float values, so these compare bit for bit, not approximately.
"""

import numpy as np
import pytest

from qa.align import _cell_dots


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
