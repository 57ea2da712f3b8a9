"""The bounded trust-region least-squares solver of the TA target fits (_trust_region.py).

Truth that does not come from the solver: closed-form optima (a linear problem, Rosenbrock
with and without an active bound) and scipy's ``least_squares`` on seeded exponential fits
where both converge."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import least_squares

from heterolab._trust_region import least_squares_tr

INF = np.full(2, np.inf)


def _rosenbrock(x: np.ndarray) -> np.ndarray:
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _rosenbrock_jac(x: np.ndarray) -> np.ndarray:
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


def test_linear_problem_reaches_the_least_squares_solution() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=50)
    sol = least_squares_tr(
        lambda x: a @ x - b, np.zeros(4), lambda x: a, (-np.inf * np.ones(4), np.inf * np.ones(4))
    )
    assert sol.status > 0
    np.testing.assert_allclose(sol.x, np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-7, atol=1e-9)


def test_rosenbrock_unbounded_reaches_its_minimum() -> None:
    sol = least_squares_tr(_rosenbrock, np.array([-1.2, 1.0]), _rosenbrock_jac, (-INF, INF))
    np.testing.assert_allclose(sol.x, [1.0, 1.0], atol=1e-6)
    assert sol.cost < 1e-12 and sol.status > 0


def test_rosenbrock_with_an_active_upper_bound_holds_it() -> None:
    # x0 <= 0.5: r1 vanishes on x1 = x0², r2 = 1 - x0 is smallest at the bound
    sol = least_squares_tr(
        _rosenbrock, np.array([-1.2, 1.0]), _rosenbrock_jac, (-INF, np.array([0.5, np.inf]))
    )
    np.testing.assert_allclose(sol.x, [0.5, 0.25], atol=1e-6)
    assert list(sol.active_mask) == [1, 0]
    assert sol.cost == pytest.approx(0.5 * 0.25, rel=1e-6)


def test_start_outside_the_box_is_moved_in_and_bounds_are_never_left() -> None:
    seen: list[np.ndarray] = []

    def fun(x: np.ndarray) -> np.ndarray:
        seen.append(x.copy())
        return _rosenbrock(x)

    lo, hi = np.array([-0.5, 0.0]), np.array([0.8, 0.5])
    least_squares_tr(fun, np.array([-3.0, 4.0]), _rosenbrock_jac, (lo, hi))
    pts = np.array(seen)
    assert np.all(pts >= lo) and np.all(pts <= hi)


def test_evaluation_budget_gives_status_zero() -> None:
    sol = least_squares_tr(
        _rosenbrock, np.array([-1.2, 1.0]), _rosenbrock_jac, (-INF, INF), max_nfev=3
    )
    assert sol.status == 0 and sol.nfev <= 3
    assert "maximum number of function evaluations" in sol.message


def test_non_finite_trial_residuals_shrink_the_region_and_the_fit_goes_on() -> None:
    # log(x) is undefined below 0: a long first step lands there and must be rejected
    t = np.linspace(0.0, 1.0, 20)
    y = np.log(0.3) + t

    def fun(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.log(x[0]) + t - y

    sol = least_squares_tr(
        fun,
        np.array([5.0]),
        lambda x: np.full((t.size, 1), 1.0 / x[0]),
        (-np.inf * np.ones(1), np.inf * np.ones(1)),
    )
    assert sol.status > 0
    assert sol.x[0] == pytest.approx(0.3, rel=1e-6)


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

    x0 = np.r_[np.log(k * rng.uniform(0.6, 1.6, 2)), a * rng.uniform(0.7, 1.3, 2)]
    lo, hi = np.r_[np.log([0.01, 0.01]), -10.0, -10.0], np.r_[np.log([50.0, 50.0]), 10.0, 10.0]
    return fun, jac, x0, (lo, hi)


@pytest.mark.parametrize("seed", range(12))
def test_exponential_fits_reach_scipys_optimum(seed: int) -> None:
    fun, jac, x0, bounds = _exp_problem(seed)
    ref = least_squares(fun, x0, jac=jac, bounds=bounds, method="trf", x_scale="jac")
    sol = least_squares_tr(fun, x0, jac, bounds)
    assert sol.status > 0
    assert sol.cost <= ref.cost * (1 + 1e-7)
    np.testing.assert_allclose(sol.fun, fun(sol.x))
    np.testing.assert_allclose(sol.jac, jac(sol.x))
