"""Bounded nonlinear least squares by a Levenberg–Marquardt trust region on the normal
equations: the optimiser of the TA target fits.

Each iteration needs the residual r (m) and Jacobian J (m x n) only through ``JᵀJ`` and
``Jᵀr``: the trust-region subproblem is solved exactly in the n-dimensional eigenbasis of the
scaled ``JᵀJ`` (Moré, "The Levenberg–Marquardt algorithm: implementation and theory",
Lecture Notes in Mathematics 630, 105 (1978); Moré & Sorensen, SIAM J. Sci. Stat. Comput. 4,
553 (1983)). For the tall Jacobians of global analysis (m ~ 1e4–1e6, n ~ 10) forming ``JᵀJ``
costs one matrix product, where an SVD or QR of J costs 10–20 times more; scipy's ``trf``
does an SVD per iteration. Where the scaled ``JᵀJ`` is too ill-conditioned for its rounding
(condition above 1e12), the step comes from an SVD of J instead.

Bounds are handled by an active set (Bertsekas, *Nonlinear Programming*, 2nd ed., 1999,
sec. 2.3): a variable on a bound whose gradient points out of the box is held; the others
take the trust-region step, which is then projected onto the box (or truncated to it, when
that predicts more decrease). Convergence tests follow MINPACK's (ftol on the relative
decrease of the cost with a good model, xtol on the step, gtol on the largest cosine between
r and a column of J) with scipy's status codes, so callers may swap the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["TrustRegionResult", "least_squares_tr"]

_MESSAGES = {
    0: "the maximum number of function evaluations is exceeded",
    1: "`gtol` termination condition is satisfied",
    2: "`ftol` termination condition is satisfied",
    3: "`xtol` termination condition is satisfied",
    4: "both `ftol` and `xtol` termination conditions are satisfied",
}
_ILL_CONDITIONED = 1e-12  # smallest/largest eigenvalue of the scaled JᵀJ trusted from a product


@dataclass
class TrustRegionResult:
    """Solution of :func:`least_squares_tr`, named like ``scipy.optimize.OptimizeResult``.

    Attributes
    ----------
    x
        Solution.
    fun, jac
        Residuals and Jacobian at ``x`` (``jac`` None when the normal equations were given).
    cost
        Half the sum of squared residuals at ``x``.
    nfev, njev
        Residual and Jacobian evaluations.
    status
        0: evaluation budget exhausted; 1 gtol, 2 ftol, 3 xtol, 4 ftol and xtol satisfied.
    message
        Reason of termination.
    active_mask
        -1 / 1 where a variable ends on its lower / upper bound and is held there, else 0.
    optimality
        Largest cosine between the residual and a free column of the Jacobian.
    jtj
        ``JᵀJ`` at ``x``.
    """

    x: np.ndarray
    fun: np.ndarray
    jac: np.ndarray | None
    cost: float
    nfev: int
    njev: int
    status: int
    message: str
    active_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    optimality: float = 0.0
    jtj: np.ndarray | None = None

    @property
    def success(self) -> bool:
        return self.status > 0


def least_squares_tr(
    fun: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    jac: Callable[[np.ndarray], np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray],
    *,
    x_scale: str | float = "jac",
    ftol: float = 1e-8,
    xtol: float = 1e-8,
    gtol: float = 1e-8,
    max_nfev: int | None = None,
    verbose: int = 0,
    normal: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> TrustRegionResult:
    """Minimise ``½ ||fun(x)||²`` subject to ``lo <= x <= hi``.

    Parameters
    ----------
    fun, jac
        Residual vector (m,) and its Jacobian (m, n) at x.
    normal
        ``(JᵀJ, Jᵀ fun(x))`` at x, when the caller can form them more cheaply than J; ``jac``
        is then called only where ``JᵀJ`` is too ill-conditioned for a step taken from it,
        and the result's ``jac`` is None (``jtj`` is kept).
    x0
        Start (moved into the box if outside).
    bounds
        Lower and upper bounds (n,), ±inf where none.
    x_scale
        ``"jac"``: variables scaled by their Jacobian column norms (the largest seen, as in
        MINPACK); a number: the characteristic size of every variable.
    ftol, xtol, gtol
        Terminate when the cost decreases by less than ``ftol`` (relative) on a step whose
        reduction the model predicted well, when the step is below ``xtol (xtol + ||x||)``,
        or when every free column of J is within ``gtol`` of orthogonal to r.
    max_nfev
        Residual evaluations allowed; default 100 (n + 1).
    verbose
        1: one line per iteration; 2: also every trial step.
    """
    lo, hi = (np.asarray(b, float) for b in bounds)
    x = np.clip(np.asarray(x0, float).copy(), lo, hi)
    n = x.size
    max_nfev = max_nfev or 100 * (n + 1)
    f = np.asarray(fun(x), float)
    nfev, njev = 1, 1
    cost = 0.5 * float(f @ f)
    j, (gram, grad) = _derivatives(x, f, jac, normal)
    scale: np.ndarray | None = None
    delta = 0.0
    status: int | None = None
    while True:
        if scale is None:
            scale = _variable_scale(gram, x_scale, None)
            delta = float(np.linalg.norm(scale))
        else:
            scale = _variable_scale(gram, x_scale, scale)
        held = _held(x, grad, lo, hi)
        optimality = _optimality(gram, grad, held, cost)
        if optimality < gtol and _newton_decrease(gram, grad, held) < ftol * cost:
            status = 1
        if status is not None or nfev >= max_nfev:
            break
        accepted = False
        while nfev < max_nfev and status is None:
            step, pred = _feasible_step(
                _bounded_step(gram, grad, held, scale, _jacobian_at(x, j, jac), delta, x, lo, hi),
                x,
                gram,
                grad,
                lo,
                hi,
            )
            x_new = x + step
            f_new = np.asarray(fun(x_new), float)
            nfev += 1
            step_norm = float(np.linalg.norm(scale * step))
            cost_new = 0.5 * float(f_new @ f_new) if np.all(np.isfinite(f_new)) else np.inf
            reduction = cost - cost_new
            ratio = reduction / pred if pred > 0 else -np.inf
            if ratio < 0.25:
                delta = 0.25 * (step_norm or delta)
            elif ratio > 0.75 and step_norm > 0.95 * delta:
                delta = 2.0 * delta
            status = _converged(reduction, cost, ratio, step, x, ftol, xtol)
            if verbose > 1:
                print(f"  trial step {step} predicted {pred:.4g} actual {reduction:.4g}")
            accepted = reduction > 0 and pred > 0
            if accepted:
                break
        if verbose:
            print(f"trust region: nfev {nfev:4d} cost {cost:.10g} radius {delta:.3g}")
        if not accepted:  # converged on a rejected step, or the budget is spent
            break
        x, f, cost = x_new, f_new, cost_new
        j, (gram, grad) = _derivatives(x, f, jac, normal)
        njev += 1
    if status is None:
        status = 0
    active = np.where(held & (x <= lo), -1, np.where(held & (x >= hi), 1, 0))
    return TrustRegionResult(
        x, f, j, cost, nfev, njev, status, _MESSAGES[status], active, optimality, gram
    )


def _derivatives(
    x: np.ndarray,
    f: np.ndarray,
    jac: Callable[[np.ndarray], np.ndarray],
    normal: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]] | None,
) -> tuple[np.ndarray | None, tuple[np.ndarray, np.ndarray]]:
    """J (None when ``normal`` gives the normal equations) and ``(JᵀJ, Jᵀf)`` at x."""
    if normal is not None:
        gram, grad = normal(x)
        return None, (np.asarray(gram, float), np.asarray(grad, float))
    j = np.asarray(jac(x), float)
    return j, (j.T @ j, j.T @ f)


class _LazyJacobian:
    """J at x, evaluated on first use (only an ill-conditioned step needs it)."""

    def __init__(self, x: np.ndarray, jac: Callable[[np.ndarray], np.ndarray]) -> None:
        self.x, self.jac = x, jac
        self.value: np.ndarray | None = None

    def __call__(self) -> np.ndarray:
        if self.value is None:
            self.value = np.asarray(self.jac(self.x), float)
        return self.value


def _jacobian_at(
    x: np.ndarray, j: np.ndarray | None, jac: Callable[[np.ndarray], np.ndarray]
) -> Callable[[], np.ndarray]:
    """A function returning J at x: the one at hand, or one evaluated when asked for."""
    if j is not None:
        return lambda: j
    return _LazyJacobian(x, jac)


def _variable_scale(gram: np.ndarray, x_scale: str | float, old: np.ndarray | None) -> np.ndarray:
    """Inverse characteristic size of each variable (the trust region is ``||scale p||``):
    with ``"jac"`` the Jacobian column norms (from ``JᵀJ``; 1 for a zero column), never below
    the ``old`` ones (MINPACK's rule)."""
    if x_scale != "jac":
        return np.full(gram.shape[0], 1.0 / float(x_scale))
    norms = np.sqrt(np.clip(np.diag(gram), 0.0, None))
    norms = np.where(norms > 0, norms, 1.0)
    return norms if old is None else np.maximum(old, norms)


def _held(x: np.ndarray, grad: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Variables on a bound whose descent direction (-grad) leaves the box."""
    return ((x <= lo) & (grad > 0)) | ((x >= hi) & (grad < 0))


def _optimality(gram: np.ndarray, grad: np.ndarray, held: np.ndarray, cost: float) -> float:
    """Largest |cos| between r and a free column of J (MINPACK's gtol measure)."""
    free = ~held
    if not free.any() or cost <= 0:
        return 0.0
    norms = np.sqrt(np.clip(np.diag(gram)[free], 1e-300, None))
    return float(np.max(np.abs(grad[free]) / (norms * np.sqrt(2.0 * cost))))


def _newton_decrease(gram: np.ndarray, grad: np.ndarray, held: np.ndarray) -> float:
    """Decrease of the cost the Gauss–Newton model predicts for its unconstrained step on the
    free variables, ``½ gᵀ (JᵀJ)⁺ g``: a small gradient is convergence only if this is small
    too (in a long flat valley it is not)."""
    free = np.flatnonzero(~held)
    if not free.size:
        return 0.0
    g = grad[free]
    return 0.5 * float(g @ np.linalg.pinv(gram[np.ix_(free, free)], rcond=1e-15) @ g)


class _ScaledModel:
    """The Gauss–Newton model of the free variables in scaled coordinates, diagonalised:
    ``½||r + J p||²`` with ``p = s / scale``; ``step(delta)`` solves the trust-region
    subproblem ``||s|| <= delta`` exactly (Moré–Sorensen, without the hard case: a direction
    of zero curvature gets no step)."""

    def __init__(
        self,
        gram: np.ndarray,
        grad: np.ndarray,
        held: np.ndarray,
        scale: np.ndarray,
        j: Callable[[], np.ndarray],
    ) -> None:
        self.free = np.flatnonzero(~held)
        self.n = grad.size
        self.scale = scale[self.free]
        gs = grad[self.free] / self.scale
        g = gram[np.ix_(self.free, self.free)] / np.outer(self.scale, self.scale)
        w, v = np.linalg.eigh(g) if self.free.size else (np.zeros(0), np.zeros((0, 0)))
        if w.size and w[0] < _ILL_CONDITIONED * w[-1]:  # rounding of JᵀJ: take J's SVD
            _, sv, vt = np.linalg.svd(j()[:, self.free] / self.scale, full_matrices=False)
            w, v = sv[::-1] ** 2, vt[::-1].T
        self.w = np.clip(w, 0.0, None)
        self.c = v.T @ gs
        self.v = v
        self.tiny = 1e-15 * (float(self.w.max()) if self.w.size else 0.0)

    def _norm(self, lam: float) -> float:
        d = self.w + lam
        ok = d > self.tiny
        return float(np.sqrt(np.sum((self.c[ok] / d[ok]) ** 2)))

    def step(self, delta: float) -> np.ndarray:
        """The full-space step p (zero on held variables) minimising the model in the region."""
        out = np.zeros(self.n)
        if not self.free.size:
            return out
        lam = 0.0
        if self._norm(0.0) > delta:
            lam = self._multiplier(delta)
        d = self.w + lam
        coef = np.where(d > self.tiny, -self.c / np.where(d > self.tiny, d, 1.0), 0.0)
        out[self.free] = (self.v @ coef) / self.scale
        return out

    def _multiplier(self, delta: float) -> float:
        """λ > 0 with ||s(λ)|| = delta: Newton's iteration on ``1/delta - 1/||s(λ)||``
        (Hebden; nearly linear in λ), kept inside a shrinking bracket."""
        upper = float(np.linalg.norm(self.c)) / delta  # ||s(λ)|| <= ||c|| / λ
        lower = max(0.0, upper - float(self.w.max()))  # ||s(λ)|| >= ||c|| / (w_max + λ)
        lam = lower if lower > 0 else 1e-3 * upper
        for _ in range(60):
            d = self.w + lam
            norm = float(np.sqrt(np.sum((self.c / d) ** 2)))
            if abs(norm - delta) <= 1e-3 * delta:
                break
            if norm > delta:
                lower = lam
            else:
                upper = lam
            lam += (norm - delta) / delta * norm**2 / float(np.sum(self.c**2 / d**3))
            if not lower < lam < upper:
                lam = 0.5 * (lower + upper)
        return lam


def _bounded_step(
    gram: np.ndarray,
    grad: np.ndarray,
    held: np.ndarray,
    scale: np.ndarray,
    j: Callable[[], np.ndarray],
    delta: float,
    x: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """The trust-region step with every variable on a bound that it would push through held
    there (added one set at a time, the model re-solved on the rest)."""
    held = held.copy()
    while True:
        p = _ScaledModel(gram, grad, held, scale, j).step(delta)
        blocked = ((x <= lo) & (p < 0)) | ((x >= hi) & (p > 0))
        if not blocked.any():
            return p
        held |= blocked


def _feasible_step(
    p: np.ndarray,
    x: np.ndarray,
    gram: np.ndarray,
    grad: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, float]:
    """The step kept in the box, projected or truncated (whichever the model predicts to
    decrease the cost more), and its predicted decrease."""
    projected = np.clip(x + p, lo, hi) - x
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(p > 0, (hi - x) / p, np.where(p < 0, (lo - x) / p, np.inf))
    alpha = float(min(1.0, np.min(room))) if p.size else 1.0
    truncated = alpha * p
    best, pred = projected, _predicted(projected, gram, grad)
    if 0.0 < alpha < 1.0:
        pred_t = _predicted(truncated, gram, grad)
        if pred_t > pred:
            best, pred = truncated, pred_t
    return best, pred


def _predicted(step: np.ndarray, gram: np.ndarray, grad: np.ndarray) -> float:
    """Decrease of the cost the Gauss–Newton model predicts for ``step``."""
    return -float(grad @ step + 0.5 * step @ gram @ step)


def _converged(
    reduction: float,
    cost: float,
    ratio: float,
    step: np.ndarray,
    x: np.ndarray,
    ftol: float,
    xtol: float,
) -> int | None:
    """Status 2 (ftol), 3 (xtol), 4 (both) or None, MINPACK's tests on one trial step."""
    f_ok = reduction < ftol * cost and ratio > 0.25
    x_ok = float(np.linalg.norm(step)) < xtol * (xtol + float(np.linalg.norm(x)))
    if f_ok and x_ok:
        return 4
    return 2 if f_ok else 3 if x_ok else None
