"""Nonlinear least squares from the normal equations: scipy's trust-region reflective
method on an (n + 1)-row problem equivalent to the tall one.

A Gauss–Newton trust-region method reads the residuals r (m) and Jacobian J (m x n) of a
point only through ``||r||²``, ``g = Jᵀr`` and ``G = JᵀJ`` (cost, gradient, model matrix and,
for ``x_scale="jac"``, the column norms ``sqrt(diag G)``). Any pair (f̃, J̃) with the same three
quantities gives the same steps. With ``ρ = ||r||``,

.. math:: \\tilde f = (0, \\dots, 0, \\rho), \\qquad
          \\tilde J = \\begin{pmatrix} A \\\\ g^T / \\rho \\end{pmatrix}, \\quad
          A^T A = G - g g^T / \\rho^2,

has them (``G - g gᵀ/ρ² ⪰ 0`` by Cauchy–Schwarz: ``vᵀGv - (vᵀg)²/ρ² = ||Jv||² - (Jv · r)²/||r||²``).
f̃ needs only ``||r||``, so a trial step costs one residual evaluation; (G, g) are asked for only
at accepted points, where the caller can accumulate them without forming J (global analysis:
m ~ 1e4–1e6, n ~ 10). ``scipy.optimize.least_squares`` then solves its subproblems with an
SVD of an (n + 1) x n matrix instead of m x n, and takes the steps it takes on the full problem
(up to rounding). This is the row compression of variable projection (Golub & Pereyra, SIAM J.
Numer. Anal. 10, 413 (1973); Kaufman, BIT 15, 49 (1975)) carried to the outer problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg
from scipy.optimize import OptimizeResult, least_squares

__all__ = [
    "NonFiniteJacobianError",
    "equivalent_rows",
    "least_squares_normal",
    "rows_from_factor",
]

Normal = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def equivalent_rows(gram: np.ndarray, grad: np.ndarray, rho: float) -> np.ndarray:
    """J̃ (n + 1, n) with ``J̃ᵀJ̃ = gram`` and ``J̃ᵀ (0, …, 0, rho) = grad``.

    Parameters
    ----------
    gram, grad
        ``JᵀJ`` (n, n) and ``Jᵀr`` (n,) of the full problem.
    rho
        ``||r||``.
    """
    n = grad.size
    if rho > 0:
        last = grad / rho
        inner = gram - np.outer(last, last)
    else:  # r = 0: the gradient is 0 too
        last, inner = np.zeros(n), gram
    w, v = np.linalg.eigh(0.5 * (inner + inner.T))
    out = np.empty((n + 1, n))
    out[:n] = np.sqrt(np.clip(w, 0.0, None))[:, None] * v.T
    out[n] = last
    return out


def rows_from_factor(j: np.ndarray, r: np.ndarray) -> np.ndarray:
    """J̃ (n + 1, n) as in :func:`equivalent_rows`, from J and r themselves: the triangular
    factor of ``[J | r]`` (``R̃ᵀR̃ = [J | r]ᵀ[J | r]``) turned by a Householder reflection
    that takes its last column to (0, …, 0, ||r||). No product JᵀJ is formed, so small
    singular values of J keep their accuracy."""
    n = j.shape[1]
    tri = scipy.linalg.qr(np.column_stack([j, r]), mode="r", check_finite=False)[0]
    tri = (
        tri[: n + 1]
        if tri.shape[0] >= n + 1
        else np.vstack([tri, np.zeros((n + 1 - tri.shape[0], n + 1))])
    )
    f, out = tri[:, n], tri[:, :n]
    target = np.zeros(n + 1)
    target[-1] = np.linalg.norm(f)
    v = f - target
    vv = float(v @ v)
    if vv > 0:
        out = out - np.outer(v, (2.0 / vv) * (v @ out))
    return out


def _ill_conditioned(gram: np.ndarray) -> bool:
    """Whether the column-scaled ``JᵀJ`` has an eigenvalue below 1e-10 of its largest (J's
    condition above 1e5): the product's rounding would then reach 1e-6 of that curvature."""
    d = np.sqrt(np.clip(np.diag(gram), 1e-300, None))
    w = np.linalg.eigvalsh(gram / np.outer(d, d))
    return bool(w[0] < _GRAM_CONDITION * w[-1])


_GRAM_CONDITION = 1e-10


class NonFiniteJacobianError(ArithmeticError):
    """The Jacobian is not finite at a point whose residuals are (scipy would stop with
    "array must not contain infs or NaNs" from inside its SVD)."""

    def __init__(self, x: np.ndarray) -> None:
        super().__init__(f"the Jacobian is not finite at x = {np.array2string(x, precision=6)}")
        self.x = x


class _Equivalent:
    """f̃ and J̃ of :func:`equivalent_rows` from the full problem's residuals and normal
    equations (from J's triangular factor where ``JᵀJ`` is ill-conditioned and ``jac`` is
    given); keeps ``||r||`` of each point evaluated and the last (JᵀJ, Jᵀr)."""

    def __init__(
        self,
        fun: Callable[[np.ndarray], np.ndarray],
        normal: Normal,
        n: int,
        jac: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.fun, self.normal, self.n, self.jac = fun, normal, n, jac
        self.norms: dict[bytes, float] = {}
        self.last: tuple[bytes, np.ndarray, np.ndarray] | None = None

    def residuals(self, x: np.ndarray) -> np.ndarray:
        r = np.asarray(self.fun(x), float)
        out = np.zeros(self.n + 1)
        if not np.all(np.isfinite(r)):  # least_squares rejects the step and shrinks
            out[:] = np.nan
            return out
        if len(self.norms) > 64:  # only the latest points are asked for again
            self.norms.clear()
        out[-1] = self.norms[x.tobytes()] = float(np.sqrt(r @ r))
        return out

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        key = x.tobytes()
        if key not in self.norms:
            self.residuals(x)
        gram, grad = self.normal(x)
        gram, grad = np.asarray(gram, float), np.asarray(grad, float)
        if not (np.all(np.isfinite(gram)) and np.all(np.isfinite(grad))):
            raise NonFiniteJacobianError(x)
        if self.jac is not None and _ill_conditioned(gram):
            rows = rows_from_factor(np.asarray(self.jac(x), float), np.asarray(self.fun(x), float))
            self.last = (key, rows.T @ rows, grad)
            return rows
        self.last = (key, gram, grad)
        return equivalent_rows(gram, grad, self.norms[key])


def least_squares_normal(
    fun: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    normal: Normal,
    jac: Callable[[np.ndarray], np.ndarray] | None = None,
    **kwargs: Any,
) -> OptimizeResult:
    """``scipy.optimize.least_squares(fun, x0, jac=…, method="trf", **kwargs)`` with the
    Jacobian given as the normal equations ``normal(x) = (JᵀJ, Jᵀ fun(x))``.

    ``jac`` (optional): the full Jacobian, used at points where ``JᵀJ`` is too
    ill-conditioned to give J̃ accurately (:func:`rows_from_factor`).

    Raises
    ------
    NonFiniteJacobianError
        If ``normal`` is not finite at a point whose residuals are.

    Returns
    -------
    OptimizeResult
        scipy's, with ``fun`` the full residual vector at ``x``, ``jtj`` = JᵀJ at ``x`` and
        ``jac`` None (the full J is never formed).
    """
    x0 = np.asarray(x0, float)
    problem = _Equivalent(fun, normal, x0.size, jac)
    sol = least_squares(problem.residuals, x0, jac=problem.jacobian, method="trf", **kwargs)
    key = sol.x.tobytes()
    if problem.last is None or problem.last[0] != key:
        problem.jacobian(sol.x)
    assert problem.last is not None
    sol.jtj = problem.last[1]
    sol.fun = np.asarray(fun(sol.x), float)
    sol.jac = None
    return sol
