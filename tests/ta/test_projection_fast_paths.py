"""Fast paths of the linear sub-problems (kinetics/ta/projection.py) against the plain
computations they replace: grouping by free-coefficient pattern against numpy's row-unique
grouping, NNLS started from a guessed free set against NNLS per problem."""

from __future__ import annotations

import numpy as np

from heterolab.kinetics.ta.projection import LinearBlock, _groups_by_pattern, solve_block


def test_groups_equal_numpy_unique_rows_on_random_patterns() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n_p, n_c = int(rng.integers(1, 40)), int(rng.integers(0, 7))
        free = rng.random((n_p, n_c)) < rng.random()
        masks, which = np.unique(free, axis=0, return_inverse=True)
        expected = [(np.flatnonzero(which.ravel() == g), m) for g, m in enumerate(masks)]
        got = _groups_by_pattern(free)
        assert len(got) == len(expected)
        for (rows, mask), (rows_ref, mask_ref) in zip(got, expected, strict=True):
            np.testing.assert_array_equal(rows, rows_ref)
            np.testing.assert_array_equal(mask, mask_ref)


def test_nnls_from_any_guessed_free_set_equals_nnls_per_problem() -> None:
    rng = np.random.default_rng(1)
    for _ in range(60):
        n_t, k, n_p = 40, int(rng.integers(1, 6)), 25
        design = rng.normal(size=(1, n_t, k))
        truth = rng.normal(size=(n_p, k))  # about half the coefficients want to be < 0
        rhs = truth @ design[0].T + 0.1 * rng.normal(size=(n_p, n_t))
        lo = np.where(rng.random(k) < 0.7, 0.0, -np.inf)
        block = LinearBlock(design, rhs, lo, np.eye(k))
        reference = solve_block(block)  # NNLS per problem
        for guess in (rng.random((n_p, k)) < 0.5, reference > 0, np.ones((n_p, k), bool)):
            np.testing.assert_allclose(solve_block(block, guess), reference, atol=1e-10)
        assert np.all(reference[:, lo == 0] >= 0)
