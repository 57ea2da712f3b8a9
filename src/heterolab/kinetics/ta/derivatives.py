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

from heterolab.kinetics.ta.model import chirp_x
from heterolab.kinetics.ta.varpro import coherent_artifact_columns, eigen_amplitudes

if TYPE_CHECKING:
    from heterolab.kinetics.ta.projection import FactoredBlock, LinearBlock
    from heterolab.kinetics.ta.varpro import PreparedDataset

__all__ = ["analytic_names", "backsweep_derivatives", "column_derivatives", "design_derivatives"]

_SQRT2PI = np.sqrt(2.0 * np.pi)


def backsweep_derivatives(
    time: np.ndarray, t0: np.ndarray, tau: np.ndarray, period: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The backsweep terms b (:func:`~heterolab.kinetics.ta.varpro.backsweep_terms`) and their
    derivatives in x = t - t0, in λ = -1/τ and in the period T, each shape (n_w, n_t, n_tau)
    for IRF centres ``t0`` of shape (n_w,).

    With :math:`E_1 = e^{-\\kappa(x+T)}`, :math:`E_2 = e^{-\\kappa(T/2-x)}`,
    :math:`D = 1 - e^{-\\kappa T}`: :math:`\\partial_x b = \\kappa(E_2 - E_1)/D`,
    :math:`\\partial_\\kappa b = -((x+T)E_1 + (T/2-x)E_2)/D - b\\,T e^{-\\kappa T}/D`,
    :math:`\\partial_T b = -\\kappa(E_1 + E_2/2)/D - b\\,\\kappa e^{-\\kappa T}/D`, and
    ∂_λ = -∂_κ. A non-decaying component has no term (zeros).
    """
    x = (time[None, :] - np.asarray(t0, float)[:, None])[:, :, None]
    tau = np.asarray(tau, float)[None, None, :]
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
    out = [np.where(finite & np.isfinite(a), a, 0.0) for a in (b, db_dx, -db_dk, db_dt)]
    return out[0], out[1], out[2], out[3]


def used_names(p: PreparedDataset) -> set[str]:
    """Every parameter the dataset's concentration columns or spectral constraints use."""
    irf = p.spec.irf
    names = {tr.rate for tr in p.scheme.transitions}
    names |= {irf.center, irf.width, *irf.dispersion, *irf.width_dispersion}
    names |= {n for g in irf.extra for n in g}
    names |= {irf.backsweep_period} if irf.backsweep_period else set()
    names |= {v for v in p.spec.initial.values() if isinstance(v, str)}
    names |= {c.ratio for c in p.spec.constraints if isinstance(c.ratio, str)}
    names |= {n for o in p.oscillations for n in (o.frequency, o.damping)}
    return names


def analytic_names(p: PreparedDataset) -> set[str]:
    """Parameters whose columns :func:`column_derivatives` differentiates in closed form
    (empty when the dataset's columns are outside its scope: a multi-Gaussian IRF,
    oscillations, parametric spectral shapes)."""
    irf = p.spec.irf
    if irf.extra or p.oscillations or p.shaped:
        return set()
    rates = {tr.rate for tr in p.scheme.transitions}
    names = rates | {irf.center, irf.width, *irf.dispersion, *irf.width_dispersion}
    if irf.backsweep_period:
        names.add(irf.backsweep_period)
    starts = {v for v in p.spec.initial.values() if isinstance(v, str)}
    ratios = {c.ratio for c in p.spec.constraints if isinstance(c.ratio, str)}
    # an initial population that is also a rate or IRF parameter moves both: differenced
    return (names - starts - ratios) | p._initial_only(rates)


def column_derivatives(
    p: PreparedDataset, values: Mapping[str, float], names: list[str]
) -> dict[str, np.ndarray]:
    """∂C/∂name, shape (n_w or 1, n_t, n_col), at ``values`` for each of ``names`` it can
    take in closed form.

    ``names`` must be in :func:`analytic_names`; a rate whose eigenvalues nearly coincide is
    left out of the result (the caller differences it). With dispersion the IRF centre is
    ``t0(λ) = center + Σ d_i x^(i+1)`` and the width ``σ(λ) = width + Σ w_i x^(i+1)``
    (:class:`~heterolab.kinetics.ta.model.IrfSpec`), so ∂C/∂d_i = x^(i+1) ∂C/∂t0(λ) and
    ∂C/∂w_i = x^(i+1) ∂C/∂σ(λ), wavelength by wavelength.
    """
    irf = p.spec.irf
    k, c0 = p._rates_and_start(values)
    tau, amp_r = eigen_amplitudes(k, c0)
    amp = p._expand(amp_r)
    wl = p.wavelength if p.dispersive else p.wavelength[:1]
    t0 = irf.centers(wl, values)
    sigma = irf.widths(wl, values)
    e = p._exponentials(t0, sigma, tau)  # (n_w, n_t, n_eig)
    x = p.time[None, :] - t0[:, None]  # (n_w, n_t)
    sig = np.asarray(sigma, float).reshape(-1, 1)  # (1 or n_w, 1)
    gauss = np.exp(-0.5 * (x / sig) ** 2) / (sig * _SQRT2PI)
    finite = np.isfinite(tau)
    inv = np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0)
    de_dx = gauss[:, :, None] - e * inv
    total = e
    db_dx: np.ndarray | float = 0.0
    db_dlam: np.ndarray | float = 0.0
    db_dt: np.ndarray | None = None
    if irf.backsweep_period:
        period = float(values[irf.backsweep_period])
        b, db_dx, db_dlam, db_dt = backsweep_derivatives(p.time, t0, tau, period)
        total = e + b
    n_sp = amp.shape[0]
    n_col = n_sp + p.n_ca + int(p.baseline)
    shape = (e.shape[0], p.time.size, n_col)
    xw = chirp_x(wl, irf.dispersion_center, irf.dispersion_scale)[:, None, None]
    out: dict[str, np.ndarray] = {}

    def columns(
        block: np.ndarray, a: np.ndarray = amp, artifact: int = -1, more: tuple = ()
    ) -> np.ndarray:
        """Species columns ``block @ a.T`` (+ ``more`` = (block2, a2) pairs, + the
        artefact's derivative) in the full layout, written into one array."""
        col = np.empty(shape)
        species = col[:, :, :n_sp]
        np.matmul(block, a.T, out=species)
        for block2, a2 in more:
            species += block2 @ a2.T
        col[:, :, n_sp:] = 0.0  # artefact and baseline columns
        if artifact >= 0 and p.n_ca:
            col[:, :, n_sp : n_sp + p.n_ca] = _artifact_derivative(p, t0, sigma, artifact)
        return col

    def add(name: str, col: np.ndarray) -> None:
        out[name] = out[name] + col if name in out else col

    rate_names = {tr.rate for tr in p.scheme.transitions}
    rates = [n for n in names if n in rate_names]
    dlam, damp, degenerate = p._eigen_derivatives(values, rates, c0, tau, amp_r)
    if rates:
        de_dlam = (x[:, :, None] * e + sig[:, :, None] ** 2 * de_dx) * finite + db_dlam
    for n in rates:
        if n not in degenerate:
            add(n, columns(de_dlam * dlam[n], more=((total, damp[n]),)))
    starts = p._initial_only(rate_names)
    for n in names:
        if n in starts:
            add(n, columns(total, p._start_derivative(k, n)))
    shifts = [irf.center, *irf.dispersion]  # t0(λ) = center + Σ d_i x^(i+1)
    if any(n in names for n in shifts):
        by_t0 = columns(-(de_dx + db_dx), artifact=0)
        for i, n in enumerate(shifts):
            if n in names:
                add(n, by_t0 * xw**i if i else by_t0)
    widths = [irf.width, *irf.width_dispersion]  # σ(λ) = width + Σ w_i x^(i+1)
    if any(n in names for n in widths):
        de_ds = sig[:, :, None] * (
            -(x * gauss / sig**2)[:, :, None] - gauss[:, :, None] * inv + e * inv**2
        )
        by_s = columns(de_ds, artifact=1)
        for i, n in enumerate(widths):
            if n in names:
                add(n, by_s * xw**i if i else by_s)
    if irf.backsweep_period in names and db_dt is not None:
        add(irf.backsweep_period, columns(db_dt))
    return out


def design_derivatives(
    p: PreparedDataset,
    values: Mapping[str, float],
    points: list[dict[str, float]],
    steps: np.ndarray,
    factored: list[FactoredBlock],
    active: np.ndarray,
) -> tuple[list[np.ndarray], list[np.ndarray], list[list[LinearBlock]]]:
    """The contractions ``v = -∂m a`` and ``u = ∂mᵀ r`` of the dataset's linear problems
    along optimiser directions (:meth:`~heterolab.kinetics.ta.projection.FactoredBlock.
    project` turns them into ∂r and ∂a).

    Parameters
    ----------
    p, values
        The dataset and the base point.
    points, steps
        Each direction's forward point (all values, expressions resolved) and its step.
    factored, active
        The base point's solved blocks and active columns.

    Returns
    -------
    vs, us
        Per block, shapes (n_d, n_p, n_rows) and (n_d, n_p, n_coef). A direction whose moved
        values are all in :func:`analytic_names` takes them from ∂C in closed form
        (:func:`column_derivatives`, chain rule through the values it moves) without
        forming ∂m; any other is the forward difference of the assembled designs.
    blocks
        Per direction, the blocks whose T the linearised spectra use (the base blocks for
        closed-form directions: T does not move).
    """
    allowed, used = analytic_names(p), used_names(p)
    base = [fb.block for fb in factored]
    moves = [
        {n: (v2[n] - values[n]) / h for n in v2 if v2[n] != values[n] and n in used}
        for v2, h in zip(points, steps, strict=True)
    ]
    wanted = sorted({n for m in moves if set(m) <= allowed for n in m})
    cols = column_derivatives(p, values, wanted) if wanted else {}
    vs: list[list[np.ndarray]] = [[] for _ in base]
    us: list[list[np.ndarray]] = [[] for _ in base]
    blocks: list[list[LinearBlock]] = []
    for v2, h, move in zip(points, steps, moves, strict=True):
        if set(move) <= set(cols):  # values this dataset does not use leave it unchanged
            dc = sum(d * cols[n] for n, d in move.items()) if move else None
            for b, (g, fb) in enumerate(zip(p.groups, factored, strict=True)):
                v, u = _contracted(p, g.index, fb, dc)
                vs[b].append(v)
                us[b].append(u)
            blocks.append(base)
        else:
            moved = p.linear_blocks(v2, active)[0]
            for b, (m2, fb) in enumerate(zip(moved, factored, strict=True)):
                v, u = fb.contract(((m2.m - fb.block.m) / h)[None], None)
                vs[b].append(v[0])
                us[b].append(u[0])
            blocks.append(moved)
    return [np.stack(v) for v in vs], [np.stack(u) for u in us], blocks


def _contracted(
    p: PreparedDataset, idx: np.ndarray, fb: FactoredBlock, dc: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """``v = -∂m a`` (n_p, n_rows) and ``u = ∂mᵀ r`` (n_p, n_coef) of one block from ∂C
    (n_w or 1, n_t, n_col), with m = w (C T) (or C T with a shared design): the model
    change dC S of the block's spectra S = a Tᵀ, and Tᵀ dCᵀ (w r)."""
    blk = fb.block
    if dc is None:
        return np.zeros_like(fb.resid), np.zeros_like(fb.coef)
    spectra = fb.coef @ blk.t.T  # (n_p, n_col)
    if p.dispersive:
        w = p.w[idx]
        dcg = dc[idx]
        v = -w * np.einsum("ptc,pc->pt", dcg, spectra)
        return v, np.einsum("ptc,pt->pc", dcg, w * fb.resid) @ blk.t
    d0 = dc[0]
    if blk.shared:
        return -(spectra @ d0.T), (fb.resid @ d0) @ blk.t
    w = p.w[idx]
    return -w * (spectra @ d0.T), ((w * fb.resid) @ d0) @ blk.t


def _artifact_derivative(
    p: PreparedDataset, t0: np.ndarray, sigma: float | np.ndarray, which: int
) -> np.ndarray:
    """∂/∂t0(λ) (which = 0) or ∂/∂σ(λ) (1) of the coherent-artefact columns, shape
    (n_w, n_t, n_ca), by central differences of their closed form."""
    sig = np.asarray(sigma, float)
    h = 1e-6 * float(np.min(sig))
    if which == 0:
        up = coherent_artifact_columns(p.time, t0 + h, sigma, p.n_ca)
        down = coherent_artifact_columns(p.time, t0 - h, sigma, p.n_ca)
    else:
        up = coherent_artifact_columns(p.time, t0, sig + h, p.n_ca)
        down = coherent_artifact_columns(p.time, t0, sig - h, p.n_ca)
    return (up - down) / (2.0 * h)
