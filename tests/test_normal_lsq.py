"""scipy's trust-region reflective method driven by the normal equations (_normal_lsq.py).

Truth not made by the code under test: scipy's ``least_squares`` on the full (tall) problem
with its Jacobian — the equivalent rows must give the same steps, so the same solution in
the same number of evaluations — and the algebraic identities the equivalence rests on."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares

from heterolab._normal_lsq import equivalent_rows, least_squares_normal, rows_from_factor


def _exp_problem(seed: int):
    """Two decays with linear amplitudes and noise; log rates bounded."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 10.0, 300)
    k = np.sort(rng.uniform(0.2, 3.0, 2)) * np.array([1.0, 2.5])
    a = rng.uniform(0.5, 2.0, 2)
    y = a @ np.exp(-np.outer(k, t)) + rng.normal(0.0, 0.01, t.size)

    def fun(p: np.ndarray) -> np.ndarray:
        return p[2:] @ np.exp(-np.outer(np.exp(p[:2]), t)) - y

    def jac(p: np.ndarray) -> np.ndarray:
        kk = np.exp(p[:2])
        e = np.exp(-np.outer(kk, t))
        return np.column_stack([-p[2 + i] * kk[i] * t * e[i] for i in range(2)] + [e[0], e[1]])

    def normal(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        j = jac(p)
        return j.T @ j, j.T @ fun(p)

    x0 = np.r_[np.log(k * rng.uniform(0.6, 1.6, 2)), a * rng.uniform(0.7, 1.3, 2)]
    lo, hi = np.r_[np.log([0.01, 0.01]), -10.0, -10.0], np.r_[np.log([50.0, 50.0]), 10.0, 10.0]
    return fun, jac, normal, x0, (lo, hi)


@pytest.mark.parametrize("seed", range(12))
def test_same_steps_as_scipy_on_the_full_problem(seed: int) -> None:
    fun, jac, normal, x0, bounds = _exp_problem(seed)
    ref = least_squares(fun, x0, jac=jac, bounds=bounds, method="trf", x_scale="jac")
    sol = least_squares_normal(fun, x0, normal, bounds=bounds, x_scale="jac")
    assert sol.status == ref.status and sol.nfev == ref.nfev
    np.testing.assert_allclose(sol.x, ref.x, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(sol.fun, fun(sol.x))
    j = jac(sol.x)
    np.testing.assert_allclose(sol.jtj, j.T @ j)


def test_equivalent_rows_keep_the_normal_equations_and_the_norm() -> None:
    rng = np.random.default_rng(3)
    for m, n in ((50, 1), (400, 6), (30, 8)):
        j, r = rng.normal(size=(m, n)), rng.normal(size=m)
        j[:, -1] = j[:, 0] * (1 + 1e-9)  # nearly dependent columns
        gram, grad = j.T @ j, j.T @ r
        rho = float(np.linalg.norm(r))
        jt = equivalent_rows(gram, grad, rho)
        ft = np.zeros(n + 1)
        ft[-1] = rho
        scale = np.sqrt(np.diag(gram))
        np.testing.assert_allclose(
            (jt.T @ jt) / np.outer(scale, scale), gram / np.outer(scale, scale), atol=1e-9
        )
        np.testing.assert_allclose(jt.T @ ft, grad, rtol=1e-12, atol=1e-12 * np.abs(grad).max())


def test_zero_residual_gives_the_gram_matrix_alone() -> None:
    gram = np.array([[2.0, 0.5], [0.5, 1.0]])
    jt = equivalent_rows(gram, np.zeros(2), 0.0)
    np.testing.assert_allclose(jt.T @ jt, gram)
    np.testing.assert_array_equal(jt[-1], 0.0)


def test_non_finite_trial_residuals_are_rejected_and_the_fit_goes_on() -> None:
    # log(x) is undefined below 0: a long first step lands there and must be rejected
    t = np.linspace(0.0, 1.0, 20)
    y = np.log(0.3) + t

    def fun(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log(x[0]) + t - y

    def normal(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        j = np.full((t.size, 1), 1.0 / x[0])
        return j.T @ j, j.T @ fun(x)

    sol = least_squares_normal(fun, np.array([5.0]), normal, bounds=([1e-12], [np.inf]))
    assert sol.status > 0
    assert sol.x[0] == pytest.approx(0.3, rel=1e-6)


def test_rows_from_the_factor_keep_small_singular_values_the_gram_matrix_loses() -> None:
    rng = np.random.default_rng(5)
    u, _ = np.linalg.qr(rng.normal(size=(500, 4)))
    v, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    sv = np.array([1.0, 1e-2, 1e-5, 1e-9])  # condition 1e9
    j = (u * sv) @ v.T
    r = rng.normal(size=500)
    rho = float(np.linalg.norm(r))
    jt = rows_from_factor(j, r)
    ft = np.zeros(5)
    ft[-1] = rho
    np.testing.assert_allclose(np.linalg.svd(jt, compute_uv=False), sv, rtol=1e-6)
    np.testing.assert_allclose(jt.T @ ft, j.T @ r, atol=1e-12 * rho)
    # the product JᵀJ has lost the smallest one (its rounding, 1e-16 of 1, exceeds 1e-18)
    from_gram = np.linalg.svd(equivalent_rows(j.T @ j, j.T @ r, rho), compute_uv=False)
    assert abs(from_gram[-1] - sv[-1]) > 2 * sv[-1]


def test_a_non_finite_jacobian_is_a_named_error_not_scipys_svd_failure() -> None:
    from heterolab._normal_lsq import NonFiniteJacobianError

    fun, _, _, x0, bounds = _exp_problem(0)

    def broken(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full((4, 4), np.nan), np.zeros(4)

    with pytest.raises(NonFiniteJacobianError, match="Jacobian is not finite at x"):
        least_squares_normal(fun, x0, broken, bounds=bounds)
