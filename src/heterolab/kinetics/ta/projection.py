"""The linear sub-problems of variable projection, their solution and the derivative of
their residual (issue #11).

Every TA model eliminates its spectra by least squares: for each wavelength (or each cluster
of linked wavelengths) a problem ``M(θ) a ≈ b(θ)`` with a few coefficients a, some of them
kept non-negative. Wavelengths that share one structure form a :class:`LinearBlock` and are
solved together.

The residual ``r = b - M a(θ)`` has the variable-projection derivative (Golub & Pereyra,
SIAM J. Numer. Anal. 10, 413 (1973), eq. (4.3)), written for the coefficients ``F`` that are
free at the solution (those held at a bound stay there under a small change of θ: the
active set of a non-negative least-squares solution is locally constant, Lawson & Hanson,
*Solving Least Squares Problems*, 1974, ch. 23). With ``M_F = QR``, ``v = ∂b - (∂M) a`` and
``u = (∂M_F)^T r``:

.. math:: \\partial r = v - Q\\,(Q^T v + R^{-T} u), \\qquad
          \\partial a_F = R^{-1}(Q^T v + R^{-T} u).

:class:`FactoredBlock` computes both from ∂M and ∂b, which the caller takes by differencing
the assembly of M and b (cheap: no solve), so models whose concentrations have no analytic
derivative (non-negative spectra, synchroscan backsweep, multi-Gaussian IRF, linked
datasets) get a Jacobian from one solve per point instead of one per parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "FactoredBlock",
    "LinearBlock",
    "LowRankChange",
    "bounded_lstsq",
    "solve_block",
    "triangular_solve",
]


def triangular_solve(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve stacked R x = b (R upper triangular), least-squares where R is singular."""
    try:
        return np.linalg.solve(r, b)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(r) @ b


def bounded_lstsq(a: np.ndarray, y: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Least squares ``a x ≈ y`` with the coefficients whose lower bound ``lo`` is 0 kept >= 0
    (``lo`` is 0 or -inf per column); plain least squares when nothing is bounded.

    Non-negative least squares (Lawson & Hanson, *Solving Least Squares Problems*, 1974,
    ch. 23; scipy's ``nnls``) with each unbounded column entered twice, as ``a`` and ``-a``:
    its coefficient is the difference of two non-negative ones. Same minimum as a
    bounded-variable solve (BVLS), ~15x faster per wavelength.
    """
    from scipy.optimize import nnls

    free = ~np.isfinite(lo)
    if free.all():
        return np.linalg.lstsq(a, y, rcond=None)[0]
    x, _ = nnls(np.concatenate([a, -a[:, free]], axis=1), y)
    out = x[: a.shape[1]].copy()
    out[free] -= x[a.shape[1] :]
    return out


class LowRankChange(NamedTuple):
    """A part of ``v`` (:meth:`FactoredBlock.project`) of a block with a shared design,
    kept factored: ``v[used] += y @ basisᵀ``.

    Attributes
    ----------
    used
        Directions it contributes to, shape (n_used,).
    y
        Coefficients, shape (n_used, n_p, q).
    basis
        Columns shared by every problem, shape (n_rows, q).
    """

    used: np.ndarray
    y: np.ndarray
    basis: np.ndarray


@dataclass
class LinearBlock:
    """Linear problems ``m[p] a[p] ≈ rhs[p]`` that share one structure.

    Attributes
    ----------
    m
        Weighted design matrices, shape (n_p, n_rows, n_coef) (n_p wavelengths or clusters),
        or (1, n_rows, n_coef): one design shared by every problem.
    rhs
        Right-hand sides, shape (n_p, n_rows).
    lo
        Lower bound per coefficient: 0 (non-negative) or -inf, shape (n_coef,).
    t
        Full spectra = ``a @ t.T + f``: t has shape (n_full, n_coef) (constraints, ties).
    f
        Fixed part of the full spectra (fixed guides), shape (n_p, n_full), or None.
    weight
        With a shared design: each problem's row weight, constant over its rows, shape
        (n_p, 1); it leaves the solution unchanged and multiplies the residual. None: 1.
    factors
        The stacked QR of ``m`` (Q, R), kept by :func:`solve_block` for
        :class:`FactoredBlock` (the same design is factorised once per point).
    """

    m: np.ndarray
    rhs: np.ndarray
    lo: np.ndarray
    t: np.ndarray
    f: np.ndarray | None = None
    weight: np.ndarray | None = None
    factors: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def shared(self) -> bool:
        """Whether one design matrix serves every problem."""
        return self.m.shape[0] == 1

    def model(self, coef: np.ndarray) -> np.ndarray:
        """``m a`` for coefficients (n_p, n_coef), shape (n_p, n_rows), unweighted."""
        if self.shared:
            return coef @ self.m[0].T
        return (self.m @ coef[:, :, None])[:, :, 0]

    def residuals(self, coef: np.ndarray) -> np.ndarray:
        """Weighted ``rhs - m a`` for coefficients (n_p, n_coef), shape (n_p, n_rows)."""
        r = self.rhs - self.model(coef)
        return r if self.weight is None else r * self.weight

    def full(self, coef: np.ndarray) -> np.ndarray:
        """Full spectra (n_p, n_full) of coefficients (n_p, n_coef)."""
        out = coef @ self.t.T
        return out if self.f is None else out + self.f


def solve_block(block: LinearBlock, guess: np.ndarray | None = None) -> np.ndarray:
    """Coefficients (n_p, n_coef): stacked QR (one least-squares solve with many right-hand
    sides for a shared design), or NNLS per problem where some coefficients must stay
    non-negative (:func:`bounded_lstsq`).

    ``guess`` (n_p, n_coef), for a shared design with bounds: the coefficients expected to be
    free (not held at 0), e.g. the previous solution's; the problems are solved on that set
    first and kept where the solution is optimal (:func:`_solve_on_free_sets`), the others
    by NNLS.
    """
    n_p, n_c = block.rhs.shape[0], block.m.shape[2]
    if n_c == 0:
        return np.zeros((n_p, 0))
    if np.isfinite(block.lo).any() and block.shared:
        # ||A a - y|| = ||R a - Q^T y|| up to a constant: each problem becomes k x k
        q, r = np.linalg.qr(block.m[0])
        qty = block.rhs @ q
        out = np.empty((n_p, n_c))
        todo = np.arange(n_p)
        if guess is not None and guess.shape == out.shape:
            done = _solve_on_free_sets(r, qty, block.lo, guess, out)
            todo = np.flatnonzero(~done)
        for k in todo:
            out[k] = bounded_lstsq(r, qty[k], block.lo)
        return out
    if np.isfinite(block.lo).any():
        return np.stack([bounded_lstsq(block.m[k], block.rhs[k], block.lo) for k in range(n_p)])
    if block.shared:
        return np.linalg.lstsq(block.m[0], block.rhs.T, rcond=None)[0].T
    q, r = np.linalg.qr(block.m)
    block.factors = (q, r)  # FactoredBlock takes them when no coefficient is held
    return triangular_solve(r, np.swapaxes(q, 1, 2) @ block.rhs[:, :, None])[:, :, 0]


def _groups_by_pattern(free: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows of a boolean matrix (n_p, n_c) grouped by their pattern, in the order of the
    patterns read as binary numbers (``np.unique(free, axis=0)``'s order, 10x faster): a
    list of (row indices, pattern)."""
    if free.shape[0] == 0:
        return []
    if free.shape[1] == 0 or free.all():
        return [(np.arange(free.shape[0]), free[0])]
    if free.shape[1] > 62:  # too many columns for one integer code
        masks, which = np.unique(free, axis=0, return_inverse=True)
        return [(np.flatnonzero(which.ravel() == g), m) for g, m in enumerate(masks)]
    weights = 1 << np.arange(free.shape[1] - 1, -1, -1, dtype=np.int64)
    codes = free.astype(np.int64) @ weights
    order = np.argsort(codes, kind="stable")
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    return [(rows, free[rows[0]]) for rows in np.split(order, cuts)]


KKT_ROUNDING = 1e-12
"""Tolerance of the held coefficients' gradient test, relative to max|R| max|Qᵀy|: the
rounding of ``Rᵀ(R a - Qᵀy)`` in double precision (k ≤ ~10 terms of products of those
sizes, ~1e-15 each); a stricter test only sends more problems to NNLS, which solves them
exactly."""


def _solve_on_free_sets(
    r: np.ndarray, qty: np.ndarray, lo: np.ndarray, free: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """Solve ``r a ≈ qty[p]`` with a ≥ 0 where ``lo`` is 0, assuming the free set ``free[p]``;
    keep (in ``out``) the problems where that solution is optimal.

    A solution with the coefficients outside the free set at 0 and the others the least-
    squares solution on the set is the bounded optimum if and only if it satisfies the
    Karush–Kuhn–Tucker conditions (Lawson & Hanson, *Solving Least Squares Problems*, 1974,
    ch. 23, theorem 23.4): free bounded coefficients ≥ 0, and the gradient
    ``rᵀ(r a - qty)`` ≥ 0 on the held ones. Problems sharing one free set take one solve
    with many right-hand sides.

    Returns
    -------
    Which problems were solved, shape (n_p,).
    """
    bounded = np.isfinite(lo)
    free = free | ~bounded
    done = np.zeros(qty.shape[0], bool)
    scale = float(np.abs(r).max()) * float(np.abs(qty).max()) if qty.size else 0.0
    for rows, mask in _groups_by_pattern(free):
        cols = np.flatnonzero(mask)
        a = np.zeros((rows.size, r.shape[1]))
        if cols.size:
            a[:, cols] = np.linalg.lstsq(r[:, cols], qty[rows].T, rcond=None)[0].T
        grad = (a @ r.T - qty[rows]) @ r
        held = bounded & ~mask
        ok = np.all(a[:, bounded & mask] >= 0.0, axis=1) & np.all(
            grad[:, held] >= -KKT_ROUNDING * scale, axis=1
        )
        out[rows[ok]] = a[ok]
        done[rows[ok]] = True
    return done


class FactoredBlock:
    """A solved :class:`LinearBlock` factorised for the derivative of its residual.

    Problems are grouped by the set of coefficients free at the solution (not held at a
    zero lower bound); each group's free columns get one stacked QR (one QR for a shared
    design), kept as Q and R^-1 (R is k x k with k the few free spectra).

    Parameters
    ----------
    block
        The linear problems at the point.
    coef
        Their solution (n_p, n_coef), e.g. from :func:`solve_block`.
    """

    def __init__(self, block: LinearBlock, coef: np.ndarray) -> None:
        self.block = block
        self.coef = coef
        self.resid = block.rhs - block.model(coef)  # unweighted
        held = (block.lo[None, :] == 0.0) & (coef <= 0.0)
        self.groups: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for rows, mask in _groups_by_pattern(~held):
            cols = np.flatnonzero(mask)
            m = block.m[0][:, cols] if block.shared else block.m[rows][:, :, cols]
            if cols.size == 0:  # every coefficient held: the residual is rhs itself
                q, rinv = np.zeros((*m.shape[:-1], 0)), np.zeros((*m.shape[:-2], 0, 0))
            else:
                whole = rows.size == coef.shape[0] and cols.size == coef.shape[1]
                q, r = block.factors if whole and block.factors else np.linalg.qr(m)
                rinv = triangular_solve(r, np.broadcast_to(np.eye(cols.size), r.shape))
            self.groups.append((rows, cols, q, rinv))

    def derivatives(self, dm: np.ndarray, drhs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """∂r and ∂a for n_d directions at once, from ∂m and ∂rhs.

        Parameters
        ----------
        dm, drhs
            Derivatives of the design and right-hand side, shapes (n_d, *m.shape) and
            (n_d, *rhs.shape); ``drhs`` None when the right-hand side is constant.

        Returns
        -------
        dr, da
            See :meth:`project`.
        """
        return self.project(*self.contract(dm, drhs))

    def contract(self, dm: np.ndarray, drhs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """``v = ∂rhs - ∂m a`` (n_d, n_p, n_rows) and ``u = ∂mᵀ r`` over all coefficients
        (n_d, n_p, n_coef), the two contractions :meth:`project` needs (r unweighted)."""
        if self.block.shared:
            d0 = dm[:, 0]
            v = -(self.coef @ np.swapaxes(d0, 1, 2))
            u = self.resid @ d0
        else:
            # batched matmul: several times faster than einsum for these small inner sizes
            v = -(dm @ self.coef[None, :, :, None])[..., 0]
            u = (self.resid[None, :, None, :] @ dm)[:, :, 0, :]
        return (v if drhs is None else v + drhs), u

    def project(
        self,
        v: np.ndarray | None,
        u: np.ndarray,
        lowrank: Sequence[LowRankChange] = (),
        out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """∂r and ∂a from the contractions of :meth:`contract` (callers with a closed form
        of ∂m form them without ∂m).

        ``out``: an array (n_d, n_p, n_rows) that ∂r may be written into (with ``lowrank``;
        callers evaluating many Jacobians reuse it: a fresh multi-megabyte array costs a page
        fault per 4 kB on first write).

        ``v`` may be given in part (or, None, wholly) as ``lowrank`` changes of a shared
        design: with ``v = Σ y Bᵀ``, ``∂r = Σ y Bᵀ - z Qᵀ`` is one product of the stacked
        coefficients ``[y, -z]`` with the stacked bases ``[B, Q]``, and ``Qᵀv = Σ y (BᵀQ)``
        is small; v is never formed.

        Returns
        -------
        dr, da
            Shapes (n_d, n_p, n_rows) (weighted like the residual) and (n_d, n_p, n_coef);
            coefficients held at their bound have ∂a = 0.
        """
        if lowrank:
            return self._project_lowrank(v, u, lowrank, out)
        assert v is not None
        n_d = v.shape[0]
        dr = np.empty((n_d, *self.resid.shape)) if len(self.groups) != 1 else None
        da = np.zeros((n_d, *self.coef.shape))
        for rows, cols, q, rinv in self.groups:
            whole = rows.size == self.coef.shape[0]
            vg = v if whole else v[:, rows]
            ug = u if whole else u[:, rows]
            ug = ug if cols.size == ug.shape[-1] else ug[..., cols]
            if self.block.shared:  # z^T = v^T Q + u^T R^-1, dr^T = v^T - z^T Q^T
                z = vg @ q + ug @ rinv
                dr_g = vg - z @ q.T
                da_g = z @ rinv.T
            else:
                # problem-major (n_p, n_d, .) batched matmuls, several times faster than einsum
                vp = vg.transpose(1, 0, 2)
                zp = vp @ q + ug.transpose(1, 0, 2) @ rinv
                dr_g = (vp - zp @ q.transpose(0, 2, 1)).transpose(1, 0, 2)
                da_g = (zp @ rinv.transpose(0, 2, 1)).transpose(1, 0, 2)
            if dr is None:  # one group: it is the whole block
                dr = dr_g
            else:
                dr[:, rows] = dr_g
            da[:, rows[:, None], cols[None, :]] = da_g
        assert dr is not None
        return (dr, da) if self.block.weight is None else (dr * self.block.weight, da)

    def _project_lowrank(
        self,
        v: np.ndarray | None,
        u: np.ndarray,
        lowrank: Sequence[LowRankChange],
        out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`project` of a shared design with v in factored form (plus a formed part)."""
        n_d, weight = u.shape[0], self.block.weight
        shape = (n_d, *self.resid.shape)
        dr = out if out is not None and out.shape == shape else np.empty(shape)
        da = np.zeros((n_d, *self.coef.shape))
        width = sum(c.basis.shape[1] for c in lowrank)
        for rows, cols, q, rinv in self.groups:
            whole = rows.size == self.coef.shape[0]
            ug = u if whole else u[:, rows]
            ug = ug if cols.size == ug.shape[-1] else ug[..., cols]
            z = ug @ rinv  # (n_d, n_g, k)
            vg = None if v is None else (v if whole else v[:, rows])
            if vg is not None:
                z += vg @ q
            stacked = np.zeros((n_d, rows.size, width + q.shape[1]))
            start = 0
            for used, y, basis in lowrank:
                yg = y if whole else y[:, rows]
                z[used] += yg @ (basis.T @ q)
                stacked[used, :, start : start + basis.shape[1]] = yg
                start += basis.shape[1]
            stacked[:, :, width:] = -z
            if weight is not None:
                stacked *= weight[rows][None]
            bases = np.concatenate([*(c.basis for c in lowrank), q], axis=1)
            # one 2-D product (numpy would loop over the directions with a small one each)
            flat = stacked.reshape(-1, stacked.shape[2])
            if whole:
                dr_g = dr
                np.matmul(flat, bases.T, out=dr.reshape(-1, bases.shape[0]))
            else:
                dr_g = (flat @ bases.T).reshape(n_d, rows.size, bases.shape[0])
            if vg is not None:
                dr_g += vg if weight is None else vg * weight[rows][None]
            if not whole:
                dr[:, rows] = dr_g
            da[:, rows[:, None], cols[None, :]] = z @ rinv.T
        return dr, da
