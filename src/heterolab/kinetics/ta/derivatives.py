"""Analytic derivatives of a dataset's concentration columns (issue #11).

The projected Jacobian (:mod:`~heterolab.kinetics.ta.projection`) needs the derivative of
each linear problem's design matrix. For a dataset with one IRF centre for all wavelengths
and a single Gaussian IRF — streak-camera fluorescence with synchroscan backsweep,
non-negative spectra — the columns ``C = (E + B) Aᵀ`` have closed-form derivatives, with E
the IRF-convolved exponentials, B the backsweep terms and A the species amplitudes of the
eigen-decomposition of K:

- :math:`\\partial_x e = g - e/\\tau` (g the unit-area Gaussian, x = t - t0), so
  :math:`\\partial_{t_0} e = -\\partial_x e`;
- :math:`\\partial_\\sigma e = \\sigma\\,\\partial_x^2 e` (the heat equation);
- with λ = -1/τ: :math:`\\partial_\\lambda e = x e + \\sigma^2 \\partial_x e`
  (:meth:`~heterolab.kinetics.ta.varpro.PreparedDataset.jacobian` uses the same three);
- for the backsweep term :math:`b = (e^{-\\kappa(x+T)} + e^{-\\kappa(T/2-x)})/(1-e^{-\\kappa T})`
  (κ = 1/τ) the derivatives in x, κ and the period T follow by the quotient rule
  (:func:`backsweep_derivatives`);
- rates move λ and A through the eigen-decomposition, whose small derivative is taken by
  differences (:meth:`~heterolab.kinetics.ta.varpro.PreparedDataset._eigen_derivatives`);
  initial populations move A only, linearly.

Everything else (dispersion, multi-Gaussian IRF, oscillations, spectral ratios) is left to
differences of the assembled design, as is a rate whose eigenvalues nearly coincide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from heterolab.kinetics.ta.varpro import coherent_artifact_columns, eigen_amplitudes

if TYPE_CHECKING:
    from heterolab.kinetics.ta.projection import LinearBlock
    from heterolab.kinetics.ta.varpro import PreparedDataset

__all__ = ["analytic_names", "backsweep_derivatives", "column_derivatives", "design_derivatives"]

_SQRT2PI = np.sqrt(2.0 * np.pi)


def backsweep_derivatives(
    time: np.ndarray, t0: float, tau: np.ndarray, period: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The backsweep terms b (:func:`~heterolab.kinetics.ta.varpro.backsweep_terms`) and their
    derivatives in x = t - t0, in λ = -1/τ and in the period T, each shape (n_t, n_tau).

    With :math:`E_1 = e^{-\\kappa(x+T)}`, :math:`E_2 = e^{-\\kappa(T/2-x)}`,
    :math:`D = 1 - e^{-\\kappa T}`: :math:`\\partial_x b = \\kappa(E_2 - E_1)/D`,
    :math:`\\partial_\\kappa b = -((x+T)E_1 + (T/2-x)E_2)/D - b\\,T e^{-\\kappa T}/D`,
    :math:`\\partial_T b = -\\kappa(E_1 + E_2/2)/D - b\\,\\kappa e^{-\\kappa T}/D`, and
    ∂_λ = -∂_κ. A non-decaying component has no term (zeros).
    """
    x = (time - t0)[:, None]
    tau = np.asarray(tau, float)[None, :]
    finite = np.isfinite(tau) & (tau > 0)
    k = np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        e1 = np.exp(-k * (x + period))
        e2 = np.exp(-k * (0.5 * period - x))
        tail = np.exp(-k * period)
        d = -np.expm1(-k * period)
        b = (e1 + e2) / d
        db_dx = k * (e2 - e1) / d
        db_dk = -((x + period) * e1 + (0.5 * period - x) * e2) / d - b * period * tail / d
        db_dt = -k * (e1 + 0.5 * e2) / d - b * k * tail / d
    out = []
    for arr in (b, db_dx, -db_dk, db_dt):
        out.append(np.where(finite & np.isfinite(arr), arr, 0.0))
    return out[0], out[1], out[2], out[3]


def analytic_names(p: PreparedDataset) -> set[str]:
    """Parameters whose columns :func:`column_derivatives` differentiates in closed form
    (empty when the dataset's columns are outside its scope)."""
    irf = p.spec.irf
    if p.dispersive or irf.extra or p.oscillations or p.shaped:
        return set()
    rates = {tr.rate for tr in p.scheme.transitions}
    names = rates | {irf.center, irf.width} | p._initial_only(rates)
    if irf.backsweep_period:
        names.add(irf.backsweep_period)
    ratios = {c.ratio for c in p.spec.constraints if isinstance(c.ratio, str)}
    return names - ratios


def column_derivatives(
    p: PreparedDataset, values: Mapping[str, float], names: list[str]
) -> dict[str, np.ndarray]:
    """∂C/∂name (n_t, n_col) at ``values`` for each of ``names`` it can take in closed form.

    ``names`` must be in :func:`analytic_names`; a rate whose eigenvalues nearly coincide is
    left out of the result (the caller differences it).
    """
    irf = p.spec.irf
    k, c0 = p._rates_and_start(values)
    tau, amp_r = eigen_amplitudes(k, c0)
    amp = p._expand(amp_r)
    t0 = float(irf.centers(p.wavelength[:1], values)[0])
    sigma = float(values[irf.width])
    e = p._exponentials(np.array([t0]), sigma, tau)[0]  # (n_t, n_eig)
    x = p.time - t0
    gauss = np.exp(-0.5 * (x / sigma) ** 2) / (sigma * _SQRT2PI)
    finite = np.isfinite(tau)
    inv = np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0)
    de_dx = gauss[:, None] - e * inv
    de_dlam = (x[:, None] * e + sigma**2 * de_dx) * finite
    total = e
    db_dx = db_dlam = db_dt = None
    if irf.backsweep_period:
        period = float(values[irf.backsweep_period])
        b, db_dx, db_dlam, db_dt = backsweep_derivatives(p.time, t0, tau, period)
        total = e + b
    n_sp = amp.shape[0]
    n_col = n_sp + p.n_ca + int(p.baseline)
    out: dict[str, np.ndarray] = {}

    def add(name: str, block: np.ndarray, a: np.ndarray = amp) -> None:
        col = np.zeros((p.time.size, n_col))
        col[:, :n_sp] = block @ a.T
        out[name] = out[name] + col if name in out else col

    rate_names = {tr.rate for tr in p.scheme.transitions}
    rates = [n for n in names if n in rate_names]
    dlam, damp, degenerate = p._eigen_derivatives(values, rates, c0, tau, amp_r)
    for n in rates:
        if n not in degenerate:
            move = de_dlam if db_dlam is None else de_dlam + db_dlam
            add(n, move * dlam[n][None, :])
            add(n, total, damp[n])
    starts = p._initial_only(rate_names)
    for n in names:
        if n in starts:
            add(n, total, p._start_derivative(k, n))
    if irf.center in names:
        add(irf.center, -de_dx if db_dx is None else -(de_dx + db_dx))
        out[irf.center][:, n_sp : n_sp + p.n_ca] += _artifact_derivative(p, t0, sigma, 0)
    if irf.width in names:
        add(
            irf.width,
            sigma * (-(x * gauss / sigma**2)[:, None] - gauss[:, None] * inv + e * inv**2),
        )
        out[irf.width][:, n_sp : n_sp + p.n_ca] += _artifact_derivative(p, t0, sigma, 1)
    if irf.backsweep_period in names and db_dt is not None:
        add(irf.backsweep_period, db_dt)
    return out


def design_derivatives(
    p: PreparedDataset,
    values: Mapping[str, float],
    points: list[dict[str, float]],
    steps: np.ndarray,
    base: list[LinearBlock],
    active: np.ndarray,
) -> tuple[list[np.ndarray], list[list[LinearBlock]]]:
    """Derivatives of the dataset's linear problems along optimiser directions.

    Parameters
    ----------
    p, values
        The dataset and the base point.
    points, steps
        Each direction's forward point (all values, expressions resolved) and its step.
    base, active
        The base point's blocks and active columns.

    Returns
    -------
    dms
        Per block, ∂m of every direction stacked, shape (n_d, *m.shape): in closed form
        (:func:`column_derivatives`, chain rule through the values the direction moves)
        where every value it moves is in :func:`analytic_names`, else the forward
        difference of the assembled designs.
    blocks
        Per direction, the blocks whose T the linearised spectra use (the base blocks for
        closed-form directions: T does not move).
    """
    allowed = analytic_names(p)
    moves = [
        {n: (v2[n] - values[n]) / h for n in v2 if v2[n] != values[n]}
        for v2, h in zip(points, steps, strict=True)
    ]
    wanted = sorted({n for m in moves if set(m) <= allowed for n in m})
    cols = column_derivatives(p, values, wanted) if wanted else {}
    dms: list[list[np.ndarray]] = [[] for _ in base]
    blocks: list[list[LinearBlock]] = []
    for v2, h, move in zip(points, steps, moves, strict=True):
        if set(move) <= set(cols):
            dc = sum(d * cols[n] for n, d in move.items()) if move else None
            for b, (g, blk) in enumerate(zip(p.groups, base, strict=True)):
                dm = np.zeros_like(blk.m[:1]) if dc is None else (dc @ blk.t)[None]
                dms[b].append(dm if blk.shared else dm * p.w[g.index][:, :, None])
            blocks.append(base)
        else:
            moved = p.linear_blocks(v2, active)[0]
            for b, (m2, blk) in enumerate(zip(moved, base, strict=True)):
                dms[b].append((m2.m - blk.m) / h)
            blocks.append(moved)
    return [np.stack(d) for d in dms], blocks


def _artifact_derivative(p: PreparedDataset, t0: float, sigma: float, which: int) -> np.ndarray:
    """∂/∂t0 (which = 0) or ∂/∂σ (1) of the coherent-artefact columns (n_t, n_ca), by
    central differences of their closed form."""
    if not p.n_ca:
        return np.zeros((p.time.size, 0))
    h = 1e-6 * sigma
    shift = np.array([[h, 0.0], [0.0, h]])[which]
    up = coherent_artifact_columns(p.time, np.array([t0 + shift[0]]), sigma + shift[1], p.n_ca)
    down = coherent_artifact_columns(p.time, np.array([t0 - shift[0]]), sigma - shift[1], p.n_ca)
    return (up - down)[0] / (2.0 * h)
