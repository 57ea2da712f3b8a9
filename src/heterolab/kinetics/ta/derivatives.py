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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from heterolab.kinetics.ta.model import chirp_x
from heterolab.kinetics.ta.projection import LowRankChange
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


class ExpBlock(NamedTuple):
    """A derivative block of the IRF-convolved exponentials e (n_w or 1, n_t, q) that is
    never formed: ``Σ f[w, t] c[q]`` over ``plain`` plus ``Σ g[w, t] e[w, t, q] d[q]``
    over ``scaled`` (g None: 1). ∂e/∂x = g - e/τ, ∂e/∂σ and ∂e/∂λ are such sums of the
    Gaussian g, x g and x e, so every contraction with them is a contraction with e
    (:func:`contract_terms` takes one pass over e per distinct g for all of them)."""

    e: np.ndarray
    plain: tuple[tuple[np.ndarray, np.ndarray], ...] = ()
    scaled: tuple[tuple[np.ndarray | None, np.ndarray], ...] = ()

    def dense(self) -> np.ndarray:
        """The block as an array (n_w or 1, n_t, q)."""
        out = np.zeros(np.broadcast_shapes(self.e.shape, *[(*f.shape, 1) for f, _ in self.plain]))
        for f, c in self.plain:
            out += f[:, :, None] * c
        for g, d in self.scaled:
            out += (self.e if g is None else g[:, :, None] * self.e) * d
        return out


class ColumnTerm(NamedTuple):
    """One part of a column derivative: ``factor * (block @ placement.T)``.

    ``block`` (n_w or 1, n_t, q) is a derivative of the IRF-convolved exponentials (an
    :class:`ExpBlock`, or an array for the backsweep and artefact terms and a scale's C),
    ``placement`` (n_col, q) maps its q columns onto the dataset's columns (amplitudes for
    species, a selector for artefact terms), ``factor`` a number or a per-wavelength
    multiplier (n_w,) (a chirp term x^i). Keeping the three apart lets the contractions run
    over the few distinct blocks once (:func:`contract_terms`) instead of forming ∂C per
    parameter.
    """

    block: np.ndarray | ExpBlock
    placement: np.ndarray
    factor: float | np.ndarray = 1.0


def derivative_terms(
    p: PreparedDataset, values: Mapping[str, float], names: list[str]
) -> dict[str, list[ColumnTerm]]:
    """∂C/∂name at ``values`` as sums of :class:`ColumnTerm`, for each of ``names`` it can
    take in closed form.

    ``names`` must be in :func:`analytic_names`; a rate whose eigenvalues nearly coincide is
    left out of the result (the caller differences it). With dispersion the IRF centre is
    ``t0(λ) = center + Σ d_i x^(i+1)`` and the width ``σ(λ) = width + Σ w_i x^(i+1)``
    (:class:`~heterolab.kinetics.ta.model.IrfSpec`), so ∂C/∂d_i = x^(i+1) ∂C/∂t0(λ) and
    ∂C/∂w_i = x^(i+1) ∂C/∂σ(λ), wavelength by wavelength: one block, per-wavelength factors.
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
    ones = np.ones_like(inv)
    # the exponentials' derivatives as ExpBlocks (∂_x e = g - e/τ, ...), never formed
    total: list[np.ndarray | ExpBlock] = [ExpBlock(e, scaled=((None, ones),))]
    by_x: list[np.ndarray | ExpBlock] = [ExpBlock(e, ((gauss, ones),), ((None, -inv),))]
    by_lam: list[np.ndarray | ExpBlock] = [_lambda_block(e, x, gauss, sig, inv, finite)]
    db_dt: np.ndarray | None = None
    if irf.backsweep_period:
        period = float(values[irf.backsweep_period])
        b, db_dx, db_dlam, db_dt = backsweep_derivatives(p.time, t0, tau, period)
        total.append(b)
        by_x.append(db_dx)
        by_lam.append(db_dlam)
    if not p.dispersive:  # one shared design: the blocks are (1, n_t, n_eig), formed cheaply
        total, by_x, by_lam = _formed(total), _formed(by_x), _formed(by_lam)
    n_sp = amp.shape[0]
    n_col = n_sp + p.n_ca + int(p.baseline)
    xw = chirp_x(wl, irf.dispersion_center, irf.dispersion_scale)
    out: dict[str, list[ColumnTerm]] = {}

    def species(a: np.ndarray) -> np.ndarray:
        """Species amplitudes (n_sp, n_eig) padded to the dataset's columns (n_col, n_eig)."""
        full = np.zeros((n_col, a.shape[1]))
        full[:n_sp] = a
        return full

    def artifact(which: int) -> list[ColumnTerm]:
        if not p.n_ca:
            return []
        select = np.zeros((n_col, p.n_ca))
        select[n_sp : n_sp + p.n_ca] = np.eye(p.n_ca)
        return [ColumnTerm(_artifact_derivative(p, t0, sigma, which), select)]

    def add(name: str, terms: list[ColumnTerm]) -> None:
        out[name] = out.get(name, []) + terms

    def on(blocks: list[np.ndarray | ExpBlock], a: np.ndarray) -> list[ColumnTerm]:
        return [ColumnTerm(blk, a) for blk in blocks]

    rate_names = {tr.rate for tr in p.scheme.transitions}
    rates = [n for n in names if n in rate_names]
    dlam, damp, degenerate = p._eigen_derivatives(values, rates, c0, tau, amp_r)
    for n in rates:
        if n not in degenerate:  # ∂e/∂λ diag(dλ) ampᵀ + total ∂ampᵀ
            add(n, on(by_lam, species(amp * dlam[n])) + on(total, species(damp[n])))
    starts = p._initial_only(rate_names)
    for n in names:
        if n in starts:
            add(n, on(total, species(p._start_derivative(k, n))))
    shifts = [irf.center, *irf.dispersion]  # t0(λ) = center + Σ d_i x^(i+1)
    if any(n in names for n in shifts):  # ∂/∂t0 = -∂/∂x
        by_t0 = [t._replace(factor=-1.0) for t in on(by_x, species(amp))] + artifact(0)
        for i, n in enumerate(shifts):
            if n in names:
                add(n, [t._replace(factor=t.factor * xw**i) for t in by_t0] if i else by_t0)
    widths = [irf.width, *irf.width_dispersion]  # σ(λ) = width + Σ w_i x^(i+1)
    if any(n in names for n in widths):
        by_sigma: list[np.ndarray | ExpBlock] = [_sigma_block(e, x, gauss, sig, inv)]
        by_s = on(by_sigma if p.dispersive else _formed(by_sigma), species(amp)) + artifact(1)
        for i, n in enumerate(widths):
            if n in names:
                add(n, [t._replace(factor=t.factor * xw**i) for t in by_s] if i else by_s)
    if irf.backsweep_period in names and db_dt is not None:
        add(irf.backsweep_period, [ColumnTerm(db_dt, species(amp))])
    return out


def _formed(blocks: list[np.ndarray | ExpBlock]) -> list[np.ndarray | ExpBlock]:
    """The blocks added up into one array (for a shared design, where they are small)."""
    return [sum((b.dense() if isinstance(b, ExpBlock) else b for b in blocks), np.zeros(1))]


def _lambda_block(
    e: np.ndarray,
    x: np.ndarray,
    gauss: np.ndarray,
    sig: np.ndarray,
    inv: np.ndarray,
    finite: np.ndarray,
) -> ExpBlock:
    """∂e/∂λ = x e + σ² ∂_x e = x e + σ² g - σ² e/τ for λ = -1/τ (zero for τ = inf)."""
    mask = finite.astype(float)
    if sig.size == 1:
        s2 = float(sig.ravel()[0]) ** 2
        return ExpBlock(e, ((gauss * s2, mask),), ((x, mask), (None, -s2 * inv * mask)))
    s2w = np.broadcast_to(sig**2, x.shape)
    return ExpBlock(e, ((gauss * s2w, mask),), ((x, mask), (s2w, -inv * mask)))


def _sigma_block(
    e: np.ndarray, x: np.ndarray, gauss: np.ndarray, sig: np.ndarray, inv: np.ndarray
) -> ExpBlock:
    """∂e/∂σ = σ ∂²_x e = σ (-x g/σ² - g/τ + e/τ²) (the heat equation)."""
    ones = np.ones_like(inv)
    if sig.size == 1:
        s = float(sig.ravel()[0])
        return ExpBlock(e, ((-x * gauss / s, ones), (gauss, -s * inv)), ((None, s * inv**2),))
    return ExpBlock(
        e,
        ((-x * gauss / sig, ones), (gauss * sig, -inv)),
        ((np.broadcast_to(sig, x.shape), inv**2),),
    )


def assembled(terms: list[ColumnTerm]) -> np.ndarray:
    """The column derivative (n_w or 1, n_t, n_col) that ``terms`` add up to."""
    total: np.ndarray | float = 0.0
    for t in terms:
        f = np.asarray(t.factor, float)
        block = t.block.dense() if isinstance(t.block, ExpBlock) else t.block
        total = total + (f.reshape(-1, 1, 1) if f.ndim else f) * (block @ t.placement.T)
    return np.asarray(total)


def column_derivatives(
    p: PreparedDataset, values: Mapping[str, float], names: list[str]
) -> dict[str, np.ndarray]:
    """∂C/∂name, shape (n_w or 1, n_t, n_col), at ``values`` for each of ``names`` it can
    take in closed form (:func:`derivative_terms`, assembled)."""
    return {n: assembled(t) for n, t in derivative_terms(p, values, names).items()}


def scaled_terms(
    directions: Sequence[Mapping[str, float]], terms: Mapping[str, list[ColumnTerm]]
) -> list[list[ColumnTerm]]:
    """Per direction ``{name: d name / d step}``, the terms of its column derivative
    (chain rule: each name's terms times its rate of change)."""
    return [
        [t._replace(factor=t.factor * c) for n, c in move.items() if n in terms for t in terms[n]]
        for move in directions
    ]


def contract_terms(
    directions: Sequence[list[ColumnTerm]],
    spectra: np.ndarray,
    wr: np.ndarray,
    idx: np.ndarray,
    lowrank: list[LowRankChange] | None = None,
) -> tuple[np.ndarray | None, np.ndarray]:
    """The model change and the back-projection of column derivatives, per direction.

    For problem p (wavelength ``idx[p]`` of the blocks) with spectra s_p (n_col,) and
    weighted residual wr_p (n_t,), direction d's ∂C gives ``dm[d, p] = ∂C_p s_p`` (n_t,)
    and ``back[d, p] = ∂C_pᵀ wr_p`` (n_col,). Terms sharing a block are contracted in one
    pass over it: back through ``block_pᵀ wr_p`` (once per block), the model change through
    ``block_p (placementᵀ s_p)`` summed over the directions' terms. :class:`ExpBlock` terms
    are contracted through the exponentials: one pass over e per distinct weight g for all
    of them (:class:`_ExpContraction`).

    With ``lowrank`` a list, the model change of blocks shared by every problem is not
    formed: each such block appends ``LowRankChange(used, y, block)`` (``dm[used] += y @
    blockᵀ``), which :meth:`~heterolab.kinetics.ta.projection.FactoredBlock.project` folds
    into one product with its own basis.

    Returns
    -------
    dm, back
        Shapes (n_dir, n_p, n_t) and (n_dir, n_p, n_col); dm is None when ``lowrank`` took
        every term (and at least one).
    """
    n_dir, (n_p, n_t), n_col = len(directions), wr.shape, spectra.shape[1]
    dm: np.ndarray | None = None  # formed on first use (zeroing it is a pass over memory)

    def formed() -> np.ndarray:
        nonlocal dm
        if dm is None:
            dm = np.zeros((n_dir, n_p, n_t))
        return dm

    back = np.zeros((n_dir, n_p, n_col))
    groups: dict[int, tuple[np.ndarray, list[tuple[int, ColumnTerm]]]] = {}
    lazy: dict[int, _ExpContraction] = {}
    identity = idx.size > 0 and np.array_equal(idx, np.arange(idx.size))
    for d, terms in enumerate(directions):
        for t in terms:
            if isinstance(t.block, ExpBlock):
                key = id(t.block.e)
                if key not in lazy:
                    lazy[key] = _ExpContraction(t.block.e, wr, idx, identity)
                f = _factor_rows(t.factor, idx, t.block.e.shape[0] > 1)
                y = f * (spectra @ t.placement)  # (n_p, q)
                back[d] += f * (lazy[key].back(t.block) @ t.placement.T)
                lazy[key].add(d, t.block, y, formed())
            else:
                groups.setdefault(id(t.block), (t.block, []))[1].append((d, t))
    for contraction in lazy.values():
        contraction.finish(formed())
    for block, items in groups.values():
        per_w = block.shape[0] > 1
        if per_w:  # the blocks' rows of these problems (no copy when they are all, in order)
            sel = block if identity and block.shape[0] == idx.size else block[idx]
            z = (wr[:, None, :] @ sel)[:, 0]  # (n_p, q); matmul, 3x faster than einsum
        else:
            sel = block[0]  # (n_t, q), shared by every problem
            z = wr @ sel
        used = sorted({d for d, _ in items})
        y = np.zeros((len(used), n_p, block.shape[2]))
        for d, t in items:
            f = _factor_rows(t.factor, idx, per_w)
            y[used.index(d)] += f * (spectra @ t.placement)
            back[d] += f * (z @ t.placement.T)
        if per_w:  # (n_p, n_t, q) @ (n_p, q, n_used): one batched product for all directions
            formed()[used] += np.matmul(sel, y.transpose(1, 2, 0)).transpose(2, 0, 1)
        elif lowrank is not None:
            lowrank.append(LowRankChange(np.asarray(used), y, sel))
        else:
            formed()[used] += y @ sel.T
    return (formed() if dm is None and not lowrank else dm), back


def _factor_rows(factor: float | np.ndarray, idx: np.ndarray, per_w: bool) -> Any:
    """A term's factor per problem: (n_p, 1) for a per-wavelength factor, else a number."""
    f = np.asarray(factor, float)
    if not f.ndim:
        return float(f)
    return (f[idx] if per_w and f.size > 1 else f)[:, None]


class _ExpContraction:
    """Contractions of :class:`ExpBlock` terms that share one e, for :func:`contract_terms`.

    back: ``Σ_t wr block = Σ (wr·f) c + Σ ((wr g) e) d``, with ``(wr g) e`` computed once per
    distinct g. Model change: ``block (y) = Σ f (c·y) + Σ g (e (d y))``; the ``d y`` are
    summed per g and direction, then multiplied by e in one batched product per g.
    """

    def __init__(self, e: np.ndarray, wr: np.ndarray, idx: np.ndarray, identity: bool) -> None:
        self.per_w = e.shape[0] > 1
        whole = identity and e.shape[0] == idx.size
        self.e = (e if whole else e[idx]) if self.per_w else e[0]
        self.wr, self.idx, self.whole = wr, idx, whole
        self._z: dict[int, np.ndarray] = {}
        self._rows: dict[int, np.ndarray] = {}
        self._plain: dict[int, np.ndarray] = {}
        self._sums: dict[int, tuple[np.ndarray | None, dict[int, np.ndarray]]] = {}

    def rows(self, a: np.ndarray) -> np.ndarray:
        """``a`` (n_w or 1, n_t) at the problems' wavelengths (broadcastable to (n_p, n_t))."""
        if a.shape[0] == 1 or self.whole:
            return a
        key = id(a)
        if key not in self._rows:
            self._rows[key] = a[self.idx]
        return self._rows[key]

    def _z_of(self, g: np.ndarray | None) -> np.ndarray:
        key = id(g)
        if key not in self._z:
            w = self.wr if g is None else self.wr * self.rows(g)
            self._z[key] = (w[:, None, :] @ self.e)[:, 0] if self.per_w else w @ self.e
        return self._z[key]

    def back(self, block: ExpBlock) -> np.ndarray:
        """Σ_t wr_p block_p, shape (n_p, q)."""
        out = sum(self._weighted_sum(f) * c for f, c in block.plain)
        for g, d in block.scaled:
            out = out + self._z_of(g) * d
        return np.asarray(out)

    def _weighted_sum(self, f: np.ndarray) -> np.ndarray:
        """Σ_t wr_p f_p, shape (n_p, 1), once per distinct f."""
        key = id(f)
        if key not in self._plain:
            self._plain[key] = np.sum(self.wr * self.rows(f), axis=1)[:, None]
        return self._plain[key]

    def add(self, d: int, block: ExpBlock, y: np.ndarray, dm: np.ndarray) -> None:
        """Add direction d's model change ``block (y)``: plain parts now, e parts later."""
        for f, c in block.plain:
            dm[d] += self.rows(f) * (y @ c)[:, None]
        for g, dd in block.scaled:
            key = id(g)
            if key not in self._sums:
                self._sums[key] = (g, {})
            sums = self._sums[key][1]
            sums[d] = sums[d] + y * dd if d in sums else y * dd

    def finish(self, dm: np.ndarray) -> None:
        """The e parts of the directions that have them, one batched product per distinct g."""
        for g, sums in self._sums.values():
            used = sorted(sums)
            ys = np.stack([sums[d] for d in used])  # (n_used, n_p, q)
            if self.per_w:  # (n_p, n_t, q) @ (n_p, q, n_used)
                part = np.matmul(self.e, ys.transpose(1, 2, 0)).transpose(2, 0, 1)
            else:
                part = ys @ self.e.T
            dm[used] += part if g is None else part * self.rows(g)


def design_derivatives(
    p: PreparedDataset,
    values: Mapping[str, float],
    points: list[dict[str, float]],
    steps: np.ndarray,
    factored: list[FactoredBlock],
    active: np.ndarray,
) -> tuple[
    list[np.ndarray | None], list[np.ndarray], list[list[LinearBlock]], list[list[LowRankChange]]
]:
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
        Per block, shapes (n_d, n_p, n_rows) (None: all of v is in ``lowranks``) and
        (n_d, n_p, n_coef). A direction whose moved
        values are all in :func:`analytic_names` takes them from ∂C in closed form
        (:func:`derivative_terms`, chain rule through the values it moves, contracted by
        :func:`contract_terms`) without forming ∂m; any other is the forward difference of
        the assembled designs. With m = w (C T) (or C T with a shared design), the model
        change of the block's spectra S = a Tᵀ gives v = -w (∂C S) and u = Tᵀ ∂Cᵀ (w r).
    blocks
        Per direction, the blocks whose T the linearised spectra use (the base blocks for
        closed-form directions: T does not move).
    lowranks
        Per block, the parts of v not in ``vs`` (``v[used] += y @ basisᵀ``): blocks with a
        shared design whose directions are all in closed form (else empty).
    """
    allowed, used = analytic_names(p), used_names(p)
    base = [fb.block for fb in factored]
    moves = [
        {n: (v2[n] - values[n]) / h for n in v2 if v2[n] != values[n] and n in used}
        for v2, h in zip(points, steps, strict=True)
    ]
    wanted = sorted({n for m in moves if set(m) <= allowed for n in m})
    terms = derivative_terms(p, values, wanted) if wanted else {}
    closed = [d for d, m in enumerate(moves) if set(m) <= set(terms)]
    directions = scaled_terms([moves[d] for d in closed], terms)
    vs: list[np.ndarray | None] = [None] * len(factored)  # formed where a block needs it
    us = [np.empty((len(moves), *fb.coef.shape)) for fb in factored]
    lowranks: list[list[LowRankChange]] = [[] for _ in factored]
    for b, (g, fb) in enumerate(zip(p.groups, factored, strict=True)):
        blk = fb.block
        w = 1.0 if blk.shared else p.w[g.index]
        pieces: list[LowRankChange] | None = (
            [] if blk.shared and len(closed) == len(moves) else None
        )
        dm, back = contract_terms(directions, fb.coef @ blk.t.T, w * fb.resid, g.index, pieces)
        us[b][closed] = back @ blk.t
        if pieces is not None:  # v = -dm: each piece's coefficients change sign
            lowranks[b] = [c._replace(y=-c.y) for c in pieces]
        if dm is not None or len(closed) < len(moves):
            vb = vs[b] = np.empty((len(moves), *fb.resid.shape))
            if dm is not None:
                vb[closed] = -w * dm
    blocks: list[list[LinearBlock]] = [base] * len(moves)
    for d in sorted(set(range(len(moves))) - set(closed)):
        moved = p.linear_blocks(points[d], active)[0]
        for b, (m2, fb) in enumerate(zip(moved, factored, strict=True)):
            v, u = fb.contract(((m2.m - fb.block.m) / steps[d])[None], None)
            vd = vs[b]
            assert vd is not None  # formed whenever a direction is differenced
            vd[d], us[b][d] = v[0], u[0]
        blocks[d] = moved
    return vs, us, blocks, lowranks


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
