"""Variable-projection engine for global and target analysis of TA matrices.

The model of a dataset is :math:`Y \\approx C(\\theta)\\,S` with concentrations C depending on
a few nonlinear parameters θ (rates, IRF centre/width, dispersion coefficients) and the
spectra S entering linearly. S is eliminated for every wavelength by an orthogonal
projection, :math:`r(\\theta) = (I - Q Q^T) y`, with Q from a QR factorisation of the
(weighted) concentration matrix — the variable projection functional of Golub & Pereyra
(SIAM J. Numer. Anal. 10, 413 (1973)), as used for TA by Mullen & van Stokkum (J. Stat.
Softw. 18(3), 2007). All wavelengths are projected at once with numpy's stacked QR, so the
cost of one residual is a few array operations, not a Python loop over wavelengths.

Populations under a Gaussian IRF follow from the eigen-decomposition :math:`K = V\\Lambda
V^{-1}`: :math:`c(t) = V\\,\\mathrm{diag}(e_i(t))\\,V^{-1}c_0` with :math:`e_i` the
IRF-convolved exponential of rate :math:`-\\lambda_i` (van Stokkum, Larsen & van Grondelle,
Biochim. Biophys. Acta 1657, 82 (2004), eqs. (8) and (18)); the kernel is
:func:`heterolab.kinetics.decay_models.exp_conv_gaussian`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ModelError
from heterolab.kinetics.decay_models import exp_conv_gaussian
from heterolab.kinetics.ta import shapes as _shapes
from heterolab.kinetics.ta.model import DatasetSpec, EqualArea, KineticScheme, chirp_x
from heterolab.kinetics.ta.projection import (
    LinearBlock,
    solve_block,
    triangular_solve,
)

__all__ = [
    "PreparedDataset",
    "area_penalties",
    "backsweep_terms",
    "coherent_artifact_columns",
    "concentrations",
    "damped_oscillation_columns",
    "dependent_sets",
    "eigen_amplitudes",
    "irf_exponentials",
    "min_relative_gap",
    "nonnegative_columns",
]

_SQRT2PI = np.sqrt(2.0 * np.pi)
DEGENERATE_GAP = 1e-3  # relative eigenvalue gap below which rate columns are differenced
CANCELLATION = 1e3  # amplitudes / initial populations above which rate columns are differenced
EXPONENTIAL_CACHE = 64  # IRF-convolved exponential columns kept per dataset (one IRF)


def eigen_amplitudes(k: np.ndarray, c0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lifetimes and species amplitudes of :math:`\\dot c = Kc`, :math:`c(0)=c_0`.

    Eigenvalues that coincide to rounding (two compartments sharing one rate, e.g. equal
    ground-state recovery) are merged into one exponential whose amplitude column is the sum
    of theirs: inside a repeated eigenvalue's eigenspace the basis LAPACK returns is
    arbitrary, the summed amplitudes are not. A defective K (a chain with equal rates, a
    Jordan block) has its near-equal diagonal entries separated by a negligible amount (5e-6
    of their own rate for a double eigenvalue, 1e-4 for a triple one) so that the
    eigen-decomposition exists.

    Returns
    -------
    tau
        Lifetimes -1/λ_i (ps); ``inf`` for λ_i = 0 (distinct eigenvalues only).
    amp
        ``amp[s, i]``: amplitude of exponential i in species s, so that
        ``c_s(t) = Σ_i amp[s, i] exp(-t/tau_i)``.

    Raises
    ------
    ModelError
        If K has complex eigenvalues (an oscillating scheme is not a compartmental model) or
        non-finite entries.
    """
    if not np.all(np.isfinite(k)):
        raise ModelError("the rate matrix has non-finite entries; check the rates")
    lam, vec = np.linalg.eig(k)
    if np.iscomplexobj(lam):
        if np.max(np.abs(lam.imag)) > 1e-9 * max(1.0, np.max(np.abs(lam.real))):
            raise ModelError(f"the rate matrix has complex eigenvalues {lam}; check the scheme")
        lam, vec = lam.real, vec.real
    if _condition_exceeds(vec, 1e4):  # (nearly) defective: a chain with (nearly) equal rates
        lam, vec = _split_defective(k, lam)
    b = np.linalg.solve(vec, c0)
    amp = vec * b[None, :]
    lam, amp = _merge_repeated(lam, amp)
    with np.errstate(divide="ignore"):
        tau = np.where(np.abs(lam) > 1e-14, -1.0 / np.where(lam == 0, -1.0, lam), np.inf)
    return tau, amp


def _condition_exceeds(a: np.ndarray, limit: float) -> bool:
    """Whether the 2-norm condition number of the square matrix ``a`` exceeds ``limit``.

    The 1-norm condition from the inverse bounds it (cond_2 <= n cond_1), so the SVD is
    taken only when that bound does not already settle it (this runs at every residual).
    """
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return True
    cond1 = float(np.abs(a).sum(axis=0).max() * np.abs(inv).sum(axis=0).max())
    if not np.isfinite(cond1):
        return True
    return a.shape[0] * cond1 > limit and bool(np.linalg.cond(a) > limit)


def _split_defective(k: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-system of K with near-equal diagonal entries spread so that they differ by δ.

    An m-fold (near-)Jordan block has eigenvectors that are parallel to within the gap, and
    amplitudes ~ gap^-(m-1) that cancel in the populations. The diagonal entries are grouped
    where they agree to 1e-3 of their own size; within a group of m, taken in descending
    order, the i-th is lowered by i δ with δ = eps^(1/(m+1)) x the group's own rate, which
    balances the cancellation error eps/δ^(m-1) against the bias δ (5e-6 relative for
    m = 2, 1e-4 for m = 3). Entries of other sizes are not moved: a shift relative to the
    largest rate once moved a 750 ns lifetime sharing its rate with another compartment to
    400 ns. ``lam`` (unused) is kept for the call signature.
    """
    del lam
    d = np.diag(k).astype(float)
    shift = np.zeros_like(d)
    order = np.argsort(-d, kind="stable")
    groups: list[list[int]] = []
    for i in order:
        if groups and abs(d[i] - d[groups[-1][0]]) <= 1e-3 * max(abs(d[groups[-1][0]]), 1e-300):
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    for grp in groups:
        if len(grp) < 2:
            continue
        delta = 10.0 ** (-16.0 / (len(grp) + 1)) * max(abs(d[grp[0]]), 1e-300)
        shift[grp] = np.arange(len(grp)) * delta
    lam2, vec2 = np.linalg.eig(k - np.diag(shift))
    return lam2.real, vec2.real


def _merge_repeated(lam: np.ndarray, amp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge eigenvalues equal to 1e-10 of the largest into one, summing their amplitudes."""
    tol = 1e-10 * max(float(np.max(np.abs(lam))), 1e-300) if lam.size else 0.0
    order = np.argsort(lam)
    keep_lam: list[float] = []
    cols: list[np.ndarray] = []
    for i in order:
        if keep_lam and abs(lam[i] - keep_lam[-1]) <= tol:
            cols[-1] = cols[-1] + amp[:, i]
        else:
            keep_lam.append(float(lam[i]))
            cols.append(amp[:, i].copy())
    if len(keep_lam) == lam.size:
        return lam, amp
    return np.array(keep_lam), np.stack(cols, axis=1)


def _in_optimiser_space(
    columns: np.ndarray, values: Mapping[str, float], free: list[str], positive: list[bool]
) -> np.ndarray:
    """Jacobian (n_res, n_free) from per-parameter residual derivatives (n_free, n_w, n_t);
    a positive parameter is fitted as its logarithm, so its column is multiplied by θ."""
    for j, pos in enumerate(positive):
        if pos:
            columns[j] *= values[free[j]]
    return columns.reshape(len(free), -1).T


def min_relative_gap(tau: np.ndarray) -> float:
    """Smallest gap between two decay rates 1/τ relative to the larger of the two (inf if < 2)."""
    finite = np.isfinite(tau)
    rates = np.sort(np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0))
    if rates.size < 2:
        return float("inf")
    big = np.maximum(np.abs(rates[1:]), np.abs(rates[:-1]))
    return float(np.min(np.diff(rates) / np.maximum(big, 1e-300)))


def concentrations(
    time: np.ndarray, t0: np.ndarray, sigma: float, tau: np.ndarray, amp: np.ndarray
) -> np.ndarray:
    """Species populations convolved with the Gaussian IRF.

    Parameters
    ----------
    time
        Delays (ps), shape (n_t,).
    t0
        IRF centre per wavelength (ps), shape (n_w,) (n_w = 1 without dispersion).
    sigma
        IRF standard deviation (ps).
    tau, amp
        From :func:`eigen_amplitudes`.

    Returns
    -------
    ndarray
        Shape (n_w, n_t, n_species).
    """
    return irf_exponentials(time, t0, sigma, tau) @ amp.T


def irf_exponentials(
    time: np.ndarray, t0: np.ndarray, sigma: float | np.ndarray, tau: np.ndarray
) -> np.ndarray:
    """IRF-convolved unit exponentials e_i(t - t0(λ)), shape (n_w, n_t, n_tau).

    Only the points within the IRF (``-8σ <= t - t0 <= σ²/τ + 8σ``) need the erfc form of
    :func:`~heterolab.kinetics.decay_models.exp_conv_gaussian`, which is called on them alone.
    Later points take its exact limit ``exp(-(t-t0)/τ + σ²/2τ²)`` (erfc(-z) = 2 to double
    precision for z > 5.7) and earlier ones are 0 (below e^-32 of the peak). This keeps the
    cost of a residual at a few array passes over the matrix.
    """
    x = time[None, :, None] - t0[:, None, None]
    tau = np.asarray(tau, float)[None, None, :]
    shape = (t0.size, time.size, tau.shape[-1])
    finite = np.isfinite(tau)
    inv = np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0)
    sig = np.asarray(sigma, float).reshape(-1, 1, 1)  # (1 or n_w, 1, 1): width dispersion
    lag = sig**2 * inv
    far = x > lag + 8.0 * sig
    near = ~far & (x >= -8.0 * sig)
    with np.errstate(over="ignore", under="ignore"):
        out = np.where(far, _late_exponentials(time, t0, inv[0, 0], lag[:, 0, :]), 0.0)
    if near.any():
        xb = np.broadcast_to(x, shape)[near]
        tb = np.broadcast_to(tau, shape)[near]
        sb = sig.item() if sig.size == 1 else np.broadcast_to(sig, shape)[near]
        out[near] = exp_conv_gaussian(xb, tb, 0.0, sb)
    return out


def _late_exponentials(
    time: np.ndarray, t0: np.ndarray, inv: np.ndarray, lag: np.ndarray
) -> np.ndarray:
    """exp(-(t - t0)/τ + σ²/2τ²) for all (t0, t, τ), shape (n_w, n_t, n_tau); ``inv`` = 1/τ.

    Where the exponents allow it the exponential is factorised as
    exp(-t/τ) · exp((t0 + σ²/2τ)/τ): n_t + n_w exponentials per lifetime instead of
    n_t · n_w (2x faster on the Hippius matrix). The factors are used only when both
    exponents stay below 300 in magnitude, so neither overflows, and a factor that
    underflows (< e^-708) multiplies one below e^300, losing a product below e^-400.
    Otherwise the direct form is evaluated, with the exponent clipped at 0 (its value at
    the late points where it is used never exceeds 0).
    """
    a = -time[:, None] * inv[None, :]  # (n_t, n_tau)
    lag = np.atleast_2d(lag)  # (1 or n_w, n_tau)
    b = (t0[:, None] + 0.5 * lag) * inv[None, :]  # (n_w, n_tau)
    if a.size and b.size and a.max() < 300.0 and np.abs(b).max() < 300.0:
        return np.exp(a)[None, :, :] * np.exp(b)[:, None, :]
    x = time[None, :, None] - t0[:, None, None]
    return np.exp(np.minimum(-x * inv + 0.5 * lag[:, None, :] * inv, 0.0))


def backsweep_terms(time: np.ndarray, t0: np.ndarray, tau: np.ndarray, period: float) -> np.ndarray:
    r"""Synchroscan streak-camera contribution of earlier pulses and of the return sweep.

    A synchroscan streak camera sweeps sinusoidally with the laser's period T, so each
    screen position x = t - t0 also receives (i) the decay excited by the earlier pulses,
    :math:`\sum_{n\ge1} e^{-(x+nT)/\tau}`, and (ii) the light imaged by the sweep's return
    half, which maps x to T/2 - x: :math:`\sum_{n\ge0} e^{-(T/2-x+nT)/\tau}`. Summed as
    geometric series,

    .. math:: b(x) = \frac{e^{-(x+T)/\tau} + e^{-(T/2-x)/\tau}}{1 - e^{-T/\tau}},

    the ``backsweep`` term of TIMP/Glotaran (Mullen & van Stokkum, J. Stat. Softw. 18(3),
    2007; Snellenburg et al., J. Stat. Softw. 49(3), 2012) and pyglotaran's Gaussian IRF. Both parts vary on the
    scale of τ and T (ns) and are left unconvolved with the ps IRF, as there. A component
    that does not decay (τ = inf) would accumulate without bound and gets no term.

    Returns
    -------
    ndarray
        Shape (n_w, n_t, n_tau), like :func:`irf_exponentials`.
    """
    x = time[None, :, None] - t0[:, None, None]
    tau = np.asarray(tau, float)[None, None, :]
    finite = np.isfinite(tau) & (tau > 0)
    k = np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        num = np.exp(-k * (x + period)) + np.exp(-k * (0.5 * period - x))
        out = num / -np.expm1(-k * period)
    return np.where(finite & np.isfinite(out), out, 0.0)


def coherent_artifact_columns(
    time: np.ndarray, t0: np.ndarray, sigma: float | np.ndarray, order: int
) -> np.ndarray:
    """IRF Gaussian and its first ``order - 1`` time derivatives, each scaled to unit peak.

    Shape (n_w, n_t, order). Lorenc et al., Appl. Phys. B 74, 19 (2002) model the coherent
    artefact of pump-probe data with the Gaussian cross-correlation and its derivatives.
    """
    x = (time[None, :] - t0[:, None]) / np.asarray(sigma, float).reshape(-1, 1)
    g = np.exp(-0.5 * x**2)
    cols = [g, -x * g, (x**2 - 1.0) * g][:order]
    norms = [1.0, np.exp(-0.5), 1.0][:order]
    return np.stack([c / n for c, n in zip(cols, norms, strict=True)], axis=-1)


_OMEGA_PER_WAVENUMBER = 2.0 * np.pi * 2.99792458e-2  # rad/ps per 1/cm (ω = 2π c ν̃)


def damped_oscillation_columns(
    time: np.ndarray, t0: np.ndarray, sigma: float, wavenumber: float, damping: float
) -> np.ndarray:
    """IRF-convolved e^{-γx} cos(ωx) and e^{-γx} sin(ωx) (x = t - t0 >= 0), shape (n_w, n_t, 2).

    With the complex rate k = γ - iω the convolution of e^{-kx}H(x) with a unit-area
    Gaussian is ``½ exp(-kx + k²σ²/2) erfc((kσ² - x)/(√2 σ))`` (the real-rate formula of
    :func:`~heterolab.kinetics.decay_models.exp_conv_gaussian` continued to complex k); its
    real and imaginary parts are the cos and sin columns. Points more than 8σ before the
    IRF centre are 0. ω = 2π c ν̃ with ν̃ = ``wavenumber`` (1/cm).
    """
    from scipy.special import erfc

    k = damping - 1j * _OMEGA_PER_WAVENUMBER * wavenumber
    x = time[None, :] - t0[:, None]
    out = np.zeros(x.shape, dtype=complex)
    sig = np.broadcast_to(np.asarray(sigma, float).reshape(-1, 1), x.shape)
    on = x >= -8.0 * sig
    xo, so = x[on], sig[on]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        val = (
            0.5
            * np.exp(-k * xo + 0.5 * (k * so) ** 2)
            * erfc((k * so**2 - xo) / (np.sqrt(2.0) * so))
        )
    out[on] = np.where(np.isfinite(val), val, 0.0)
    return np.stack([out.real, out.imag], axis=-1)


def _apply_projection(q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Q Q^T y for stacked Q (n_w, n_t, k) and y (n_w, n_t)."""
    return (q @ (np.swapaxes(q, 1, 2) @ y[:, :, None]))[:, :, 0]


def _contract(a: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Σ_i a[w, t, i] beta[w, i] for a of shape (n_w or 1, n_t, n) and beta (n_w, n)."""
    if a.shape[0] == 1 and beta.shape[0] != 1:
        return (a[0] @ beta.T).T
    return (a @ beta[:, :, None])[:, :, 0]


def dependent_sets(a: np.ndarray, t: np.ndarray, labels: list[str]) -> list[list[str]]:
    """Labels of the columns in each linear dependency of ``a`` (n, k) = C @ ``t``.

    On the normalised columns, a singular value below 1e-9 of the largest marks the labels
    whose weight in its null vector, mapped back through ``t``, exceeds 0.05. Empty when a
    column is zero or there are fewer than two.
    """
    if t.shape[1] < 2:
        return []
    norms = np.linalg.norm(a, axis=0)
    if np.any(norms == 0):
        return []
    _, sv, vt = np.linalg.svd(a / norms, full_matrices=False)
    return [
        [lab for lab, on in zip(labels, np.abs(t @ v) > 0.05, strict=True) if on]
        for s_i, v in zip(sv, vt, strict=True)
        if s_i < 1e-9 * sv[0]
    ]


def nonnegative_columns(t: np.ndarray, labels: list[str], nonnegative: set[str]) -> np.ndarray:
    """Lower bound per free spectral column of ``t`` (full spectra = ``t`` @ free): 0 where
    every species the column feeds is non-negative and fed with a positive factor (a
    species' own spectrum, or species tied by an 'equal' constraint with a positive ratio),
    -inf otherwise."""
    lo = np.full(t.shape[1], -np.inf)
    for j in range(t.shape[1]):
        rows = np.flatnonzero(t[:, j])
        if rows.size and all(labels[r] in nonnegative for r in rows) and np.all(t[rows, j] > 0):
            lo[j] = 0.0
    return lo


def _values_key(values: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """Hashable snapshot of a parameter mapping (for the memoised residual)."""
    return tuple(sorted((k, float(v)) for k, v in values.items()))


def _in_range(x: np.ndarray, rng: tuple[float, float]) -> np.ndarray:
    lo, hi = min(rng), max(rng)
    return (x >= lo) & (x <= hi)


def area_penalties(
    rules: Sequence[EqualArea],
    spectra: np.ndarray,
    labels: list[str],
    wavelength: np.ndarray,
    values: Mapping[str, float],
) -> np.ndarray:
    """Equal-area penalty elements ``weight (Σ SAS_c - ratio Σ SAS_t)`` (sums over each
    rule's wavelength range, nm) from spectra (n_w, n_col) with column ``labels``."""
    out = np.empty(len(rules))
    for i, ea in enumerate(rules):
        sel = _in_range(wavelength, ea.range)
        ratio = values[ea.ratio] if isinstance(ea.ratio, str) else float(ea.ratio)
        pair = spectra[sel][:, [labels.index(ea.compartment), labels.index(ea.target)]]
        a_c, a_t = np.where(np.isnan(pair), 0.0, pair).sum(axis=0)  # NaN: unused, as nansum
        out[i] = ea.weight * (a_c - ratio * a_t)
    return out


@dataclass
class _Group:
    """Wavelengths sharing one pattern of spectral constraints."""

    index: np.ndarray  # positions in the dataset's wavelength axis
    pattern: tuple[bool, ...]


class PreparedDataset:
    """A TA matrix bound to its dataset specification, ready for fast residual evaluation.

    Parameters
    ----------
    data
        DataArray with dims ``time`` (ps) and ``wavelength`` (nm); NaN points get zero weight.
    spec
        The dataset's specification.
    scheme
        The kinetic scheme.
    """

    def __init__(self, data: xr.DataArray, spec: DatasetSpec, scheme: KineticScheme) -> None:
        if set(data.dims) != {"time", "wavelength"}:
            raise ModelError(
                f"dataset {spec.name!r}: dims must be ('time', 'wavelength'), got {data.dims}"
            )
        data = data.transpose("wavelength", "time")
        self.spec = spec
        self.scheme = scheme
        self.name = spec.name
        self.time = np.asarray(data["time"].values, float)
        self.wavelength = np.asarray(data["wavelength"].values, float)
        y = np.asarray(data.values, float)
        w = np.ones_like(y)
        for wt in spec.weights:
            sel = (
                _in_range(self.wavelength, wt.wavelength)[:, None]
                & _in_range(self.time, wt.time)[None, :]
            )
            w[sel] *= wt.value
        finite = np.isfinite(y)
        w[~finite] = 0.0
        self.y = np.where(finite, y, 0.0)
        self.w = w
        self.yw = self.y * w
        self.n_points = int(np.count_nonzero(w))
        self.separable = bool(np.all(finite)) and bool(np.all(w == w[:, :1]))
        self.dispersive = bool(spec.irf.dispersion) or bool(spec.irf.width_dispersion)
        self.n_ca = spec.coherent_artifact
        self.baseline = bool(getattr(spec, "baseline", False))
        self.oscillations = list(getattr(spec, "oscillations", []))
        self.nonnegative = set(getattr(spec, "nonnegative", []))
        self.shaped = [s.compartment for s in getattr(spec, "shapes", [])]  # amplitude x band
        self._labels: list[str] = list(scheme.compartments)
        patterns = np.zeros((self.wavelength.size, len(spec.constraints)), dtype=bool)
        for i, con in enumerate(spec.constraints):
            patterns[:, i] = _in_range(self.wavelength, con.range)
        self.groups = [
            _Group(np.flatnonzero((patterns == p).all(axis=1)), tuple(bool(v) for v in p))
            for p in np.unique(patterns, axis=0)
        ]
        self.species = list(spec.compartments) if spec.compartments is not None else None
        self.reach = self._reachable()
        self._cache: tuple[bytes, np.ndarray] | None = None
        self._tau_irf: bytes | None = None  # IRF of the per-lifetime columns below
        self._tau_columns: dict[float, np.ndarray] = {}
        # per-group (T, lower bounds) of the last column structure (linear_blocks)
        self._structures: dict[tuple, list[tuple[np.ndarray, np.ndarray]]] = {}
        # last residual: (values key, residuals, per-group QR factors (Q, R) it computed)
        self._res_cache: (
            tuple[
                tuple[tuple[str, float], ...], np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]
            ]
            | None
        ) = None
        # last bounded solve (non-negative spectra): values key and what solve() returned
        self._solve_cache: tuple[tuple[tuple[str, float], ...], tuple] | None = None
        self._free_sets: list[np.ndarray | None] = []  # NNLS free sets of the last solve

    @property
    def differenced(self) -> bool:
        """True when every Jacobian column of this dataset is a difference of residuals
        (non-negative spectra, a multi-Gaussian IRF, backsweep or IRF-width dispersion):
        :func:`~heterolab.kinetics.ta.objective.make_objective` then differences it
        together with its penalties, from one solve per point."""
        irf = self.spec.irf
        return not self.shaped and bool(
            irf.extra or self.nonnegative or irf.backsweep_period or irf.width_dispersion
        )

    def _exponentials(
        self, t0: np.ndarray, sigma: float | np.ndarray, tau: np.ndarray
    ) -> np.ndarray:
        """:func:`irf_exponentials`, memoised for the last (t0, σ, τ) and per lifetime.

        The optimiser asks for the Jacobian at the point whose residual it has just
        evaluated, so the erfc kernels (the dominant cost with dispersion) are computed
        once per point instead of twice. Columns are also kept per lifetime while the IRF
        stays (at most :data:`EXPONENTIAL_CACHE` of them): the multi-start grid search
        varies the rates alone, and its points share most of their lifetimes.
        """
        irf_key = (
            np.ascontiguousarray(t0, float).tobytes() + np.ascontiguousarray(sigma, float).tobytes()
        )
        taus = np.ascontiguousarray(tau, float)
        key = irf_key + taus.tobytes()
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        if self._tau_irf != irf_key or len(self._tau_columns) > EXPONENTIAL_CACHE:
            self._tau_irf, self._tau_columns = irf_key, {}
        known = self._tau_columns
        values = [float(v) for v in taus]
        missing = sorted({v for v in values if v not in known})
        if len(missing) == len(values) or np.isnan(taus).any():  # nothing to reuse
            e = irf_exponentials(self.time, t0, sigma, taus)
            if not np.isnan(taus).any():
                known.update({v: e[:, :, j] for j, v in enumerate(values)})
        else:
            if missing:
                new = irf_exponentials(self.time, t0, sigma, np.array(missing))
                known.update({v: new[:, :, j] for j, v in enumerate(missing)})
            e = np.stack([known[v] for v in values], axis=-1)
        e.flags.writeable = False
        self._cache = (key, e)
        return e

    def _reachable(self) -> np.ndarray:
        """Indices of compartments reachable from the initially populated ones."""
        comps = self.scheme.compartments
        seen = {c for c in self.spec.initial if c in comps}
        grow = True
        while grow:
            new = {
                tr.target
                for tr in self.scheme.transitions
                if tr.source in seen and tr.target in comps
            }
            grow = not new <= seen
            seen |= new
        return np.array([i for i, c in enumerate(comps) if c in seen], dtype=int)

    def _rates_and_start(self, values: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Rate matrix and initial populations restricted to the reachable compartments."""
        r = self.reach
        k = self.scheme.rate_matrix(values)[np.ix_(r, r)]
        return k, self.spec.initial_vector(self.scheme, values)[r]

    def _expand(self, amp: np.ndarray) -> np.ndarray:
        """Amplitudes of the reachable compartments placed into all compartments' rows."""
        full = np.zeros((len(self.scheme.compartments), amp.shape[1]))
        full[self.reach] = amp
        return full

    # ------------------------------------------------------------------ model pieces
    def full_columns(self, values: Mapping[str, float]) -> tuple[np.ndarray, list[str]]:
        """Concentration columns of all species (+ artefact terms): (n_w or 1, n_t, n_col), labels."""
        k, c0 = self._rates_and_start(values)
        tau, amp = eigen_amplitudes(k, c0)
        amp = self._expand(amp)
        wl = self.wavelength if self.dispersive else self.wavelength[:1]
        t0 = self.spec.irf.centers(wl, values)
        sigma = self.spec.irf.widths(wl, values)
        if np.any(np.asarray(sigma) <= 0):
            raise ModelError(
                f"dataset {self.name!r}: the IRF width polynomial is <= 0 at some wavelengths"
            )
        c = self._exponentials(t0, sigma, tau) @ amp.T
        for weight, shift, width in self.spec.irf.components(values)[1:]:
            c = c + weight * (irf_exponentials(self.time, t0 + shift, width, tau) @ amp.T)
        if self.spec.irf.extra:
            c = c / sum(w for w, _, _ in self.spec.irf.components(values))
        if self.spec.irf.backsweep_period:
            period = values[self.spec.irf.backsweep_period]
            c = c + backsweep_terms(self.time, t0, tau, period) @ amp.T
        labels = list(self.scheme.compartments)
        if self.n_ca:
            c = np.concatenate(
                [c, coherent_artifact_columns(self.time, t0, sigma, self.n_ca)], axis=-1
            )
            labels += [f"artifact_{i}" for i in range(self.n_ca)]
        c, labels = self._extra_columns(c, labels, values, t0, sigma)
        self._labels = labels
        return c, labels

    def _extra_columns(
        self,
        c: np.ndarray,
        labels: list[str],
        values: Mapping[str, float],
        t0: np.ndarray,
        sigma: float,
    ) -> tuple[np.ndarray, list[str]]:
        """Append the oscillation (cos, sin) columns, then the baseline column."""
        for i, osc in enumerate(self.oscillations):
            cols = damped_oscillation_columns(
                self.time, t0, sigma, values[osc.frequency], values[osc.damping]
            )
            c = np.concatenate([np.broadcast_to(c, (cols.shape[0], *c.shape[1:])), cols], axis=-1)
            labels = [*labels, f"osc{i + 1}_cos", f"osc{i + 1}_sin"]
        if self.baseline:
            c = np.concatenate([c, np.ones((*c.shape[:2], 1))], axis=-1)
            labels = [*labels, "baseline"]
        return c, labels

    def transform(
        self, group: _Group, labels: list[str], values: Mapping[str, float], active: np.ndarray
    ) -> np.ndarray:
        """T with full spectra = T @ free spectra for ``group`` (constraints applied)."""
        n = len(labels)
        t = np.diag(active.astype(float))
        for con, on in zip(self.spec.constraints, group.pattern, strict=True):
            if not on:
                continue
            i = labels.index(con.compartment)
            if con.kind == "zero":
                t[i, :] = 0.0
            else:
                j = labels.index(con.target)  # type: ignore[arg-type]
                ratio = values[con.ratio] if isinstance(con.ratio, str) else float(con.ratio)
                t[i, :] = ratio * t[j, :]
        if self.shaped:  # shaped spectra are not free columns (their amplitudes are global)
            t[[labels.index(s) for s in self.shaped], :] = 0.0
        keep = np.flatnonzero(np.any(t != 0, axis=0))
        return t[:, keep] if keep.size else np.zeros((n, 0))

    def active_columns(self, c: np.ndarray, labels: list[str]) -> np.ndarray:
        """Columns that carry signal (species never populated are dropped).

        Dispersion only shifts the columns in time, so the magnitudes are taken on at most 16
        evenly spaced wavelengths (ends included) instead of the whole (n_w, n_t, n_col) array.
        """
        sub = np.unique(np.linspace(0, c.shape[0] - 1, min(c.shape[0], 16)).round().astype(int))
        mag = np.max(np.abs(c[sub]), axis=(0, 1))
        act = mag > 1e-10 * max(float(mag.max()), 1e-300)
        if self.species is not None:
            act &= np.array(
                [
                    lab in self.species or lab.startswith(("artifact_", "osc")) or lab == "baseline"
                    for lab in labels
                ]
            )
        return act

    # ------------------------------------------------------------------ residuals
    def residuals(self, values: Mapping[str, float]) -> np.ndarray:
        """Weighted variable-projection residuals, flattened (wavelength-major).

        The last result is memoised with the QR factors of its projection: the optimiser asks
        for the Jacobian at the point whose residual it has just evaluated, and the Jacobian
        reuses both (its finite-difference columns start from the residual).
        """
        key = _values_key(values)
        if self._res_cache is not None and self._res_cache[0] == key:
            return self._res_cache[1]
        factors: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        out = self._residuals(values, factors)
        out.flags.writeable = False
        self._res_cache = (key, out, factors)
        return out

    def _residuals(
        self, values: Mapping[str, float], factors: dict[int, tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        if self.shaped:
            return _shapes.shaped_residuals(self, values)
        if self.nonnegative:  # one bounded solve, kept for the spectra and penalties
            model = self.solve(values)[1]
            return ((self.y - model) * self.w).ravel()
        c, labels = self.full_columns(values)
        act = self.active_columns(c, labels)
        out = np.empty_like(self.yw)
        for gi, g in enumerate(self.groups):
            t = self.transform(g, labels, values, act)
            out[g.index] = self._project(c, t, g.index, factors, gi)
        return out.ravel()

    def _cached_factors(
        self, values: Mapping[str, float]
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """QR factors per group from the memoised residual if it was computed at ``values``."""
        if self._res_cache is not None and self._res_cache[0] == _values_key(values):
            return self._res_cache[2]
        return {}

    def _project(
        self,
        c: np.ndarray,
        t: np.ndarray,
        idx: np.ndarray,
        factors: dict[int, tuple[np.ndarray, np.ndarray]] | None = None,
        gi: int = 0,
    ) -> np.ndarray:
        if t.shape[1] == 0:
            return self.yw[idx]
        if not self.dispersive and self.separable:
            q, _ = np.linalg.qr(c[0] @ t)
            y = self.y[idx]
            return (y - (y @ q) @ q.T) * self.w[idx]
        cg = c[idx] if self.dispersive else np.broadcast_to(c[0], (idx.size, *c.shape[1:]))
        if self.separable:  # weights constant along time: projection unchanged by them
            q, r = np.linalg.qr(cg @ t)
            if factors is not None:
                factors[gi] = (q, r)
            y = self.y[idx]
            return (y - _apply_projection(q, y)) * self.w[idx]
        q, r = np.linalg.qr((cg @ t) * self.w[idx][:, :, None])
        if factors is not None:
            factors[gi] = (q, r)
        yw = self.yw[idx]
        return yw - _apply_projection(q, yw)

    def _lower_bounds(self, t: np.ndarray) -> np.ndarray:
        """Lower bound per free spectral column: :func:`nonnegative_columns` where spectra
        must be non-negative, -inf everywhere otherwise."""
        if not self.nonnegative:
            return np.full(t.shape[1], -np.inf)
        return nonnegative_columns(t, self._labels, self.nonnegative)

    def linear_blocks(
        self, values: Mapping[str, float], active: np.ndarray | None = None
    ) -> tuple[list[LinearBlock], np.ndarray, list[str], np.ndarray]:
        """The weighted linear problems of every constraint group at ``values``.

        One :class:`~heterolab.kinetics.ta.projection.LinearBlock` per group of
        :attr:`groups` (in that order): ``m = w (C T)``, ``rhs = w y``. ``active`` fixes the
        columns that carry signal (the Jacobian assembles perturbed points with the base
        point's structure); by default they are taken from C.

        Returns
        -------
        blocks, c, labels, active
            The blocks, the concentration columns (n_w or 1, n_t, n_col), their labels and
            the active-column mask.
        """
        c, labels = self.full_columns(values)
        act = self.active_columns(c, labels) if active is None else active
        blocks = []
        ratios = tuple(
            float(values[con.ratio]) for con in self.spec.constraints if isinstance(con.ratio, str)
        )
        key = (act.tobytes(), ratios, len(labels))
        if key not in self._structures:  # T and the bounds change only with these
            self._structures = {key: [self._structure(g, labels, values, act) for g in self.groups]}
        for g, (t, lo) in zip(self.groups, self._structures[key], strict=True):
            idx = g.index
            if self.dispersive:
                blocks.append(
                    LinearBlock((c[idx] @ t) * self.w[idx][:, :, None], self.yw[idx], lo, t)
                )
                continue
            ct = (c[0] @ t)[None]
            wg = self.w[idx]
            if self.separable and np.all(wg[:, 0] > 0):  # one design; weights scale residuals
                blocks.append(LinearBlock(ct, self.y[idx], lo, t, weight=wg[:, :1]))
            else:
                blocks.append(LinearBlock(ct * wg[:, :, None], self.yw[idx], lo, t))
        return blocks, c, labels, act

    def _structure(
        self, group: _Group, labels: list[str], values: Mapping[str, float], act: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """T of a group (:meth:`transform`) and its columns' lower bounds."""
        t = self.transform(group, labels, values, act)
        return t, self._lower_bounds(t)

    def solved_blocks(
        self, values: Mapping[str, float]
    ) -> tuple[list[LinearBlock], list[np.ndarray], np.ndarray, list[str], np.ndarray]:
        """:meth:`linear_blocks` at ``values`` with their coefficients (memoised for the last
        point: the residual, the spectra, the penalties and the Jacobian share one solve)."""
        key = _values_key(values)
        if self._solve_cache is not None and self._solve_cache[0] == key:
            return self._solve_cache[1]
        blocks, c, labels, act = self.linear_blocks(values)
        guesses = self._free_sets if len(self._free_sets) == len(blocks) else [None] * len(blocks)
        coefs = [solve_block(b, g) for b, g in zip(blocks, guesses, strict=True)]
        # the free sets of this solution: the next point's NNLS starts from them
        self._free_sets = [
            ~((b.lo[None, :] == 0.0) & (a <= 0.0)) for b, a in zip(blocks, coefs, strict=True)
        ]
        out = (blocks, coefs, c, labels, act)
        self._solve_cache = (key, out)
        return out

    def residual_parts(self, residual: np.ndarray, parts: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The residual vector of :meth:`residuals` cut into the blocks' arrays (n_p, n_t),
        like ``parts`` (n_d, n_p, n_t) (the order of :meth:`place_residuals`)."""
        del parts  # the groups give the cut
        full = residual.reshape(self.yw.shape)
        return [full[g.index] for g in self.groups]

    def place_residuals(self, parts: Sequence[np.ndarray], dest: np.ndarray) -> None:
        """Write per-block arrays (n_d, n_p, n_t) into ``dest`` (n_d, n_w n_t), each row in
        the flattened (n_w, n_t) order of :meth:`residuals`."""
        view = dest.reshape(dest.shape[0], *self.yw.shape)
        if not np.may_share_memory(view, dest):  # pragma: no cover - rows are contiguous
            raise AssertionError("place_residuals needs rows it can view as (n_w, n_t)")
        for g, part in zip(self.groups, parts, strict=True):
            view[:, g.index] = part

    def spectra_from(
        self,
        blocks: Sequence[LinearBlock],
        fulls: Sequence[np.ndarray],
        labels: list[str],
        act: np.ndarray,
    ) -> np.ndarray:
        """Spectra (n_w, n_col) from the blocks' full spectra (n_p, n_col); NaN in unused
        columns and in groups with no free spectrum."""
        out = np.full((self.wavelength.size, len(labels)), np.nan)
        for g, b, full in zip(self.groups, blocks, fulls, strict=True):
            if b.t.shape[1]:
                out[g.index] = np.where(act[None, :], full, np.nan)
        return out

    def penalties_from(
        self,
        values: Mapping[str, float],
        blocks: Sequence[LinearBlock],
        fulls: Sequence[np.ndarray],
        labels: list[str],
        act: np.ndarray,
    ) -> np.ndarray:
        """Equal-area penalties (:meth:`penalties`) of the blocks' full spectra."""
        if not self.spec.equal_area:
            return np.zeros(0)
        spectra = self.spectra_from(blocks, fulls, labels, act)
        return area_penalties(self.spec.equal_area, spectra, labels, self.wavelength, values)

    def jacobian(
        self,
        values: Mapping[str, float],
        free: list[str],
        positive: list[bool],
        resolve: Callable[[Mapping[str, float]], dict[str, float]] | None = None,
    ) -> np.ndarray:
        r"""Golub-Pereyra variable-projection Jacobian of :meth:`residuals`, shape (n_res, n_free).

        :math:`J_\theta = -P^\perp (\partial C/\partial\theta)\,s - (C^+)^T(\partial C/\partial
        \theta)^T r` with s the projected spectra and r the residual (Golub & Pereyra 1973,
        eq. (4.3); the first term alone is Kaufman's approximation, BIT 15, 49 (1975)), with
        :math:`(C^+)^T = QR^{-T}` from the per-wavelength QR. The derivatives of the IRF-convolved
        exponentials are analytic: with g the unit-area Gaussian and x = t - t0,
        :math:`\partial_x e = g - e/\tau`, :math:`\partial_\sigma e = \sigma\,\partial_x^2 e`
        (heat equation) and :math:`\partial_\tau e = (x e + \sigma^2\partial_x e)/\tau^2`
        (derived for this module). They are contracted with the spectra at the level of the
        exponentials, so no derivative of the full concentration matrix is ever formed.
        Rates enter through the eigen-decomposition of K, whose small derivative is taken by
        finite differences. Parameters outside the scheme and IRF (initial populations,
        spectral ratios) and parameters that other parameters are tied to by an expression
        are differenced through the residual (``resolve`` recomputes the tied ones). Positive
        parameters are fitted as logarithms: their columns are multiplied by θ.
        """
        if self.shaped:
            return _shapes.shaped_jacobian(self, values, free, positive, resolve)
        resolve = resolve or dict
        if not self.dispersive and self.separable and not self.oscillations:
            return self._shared_design_jacobian(values, free, positive, resolve)
        irf = self.spec.irf
        rate_names = {tr.rate for tr in self.scheme.transitions}
        disp = [d for d in irf.dispersion if d in free]
        starts = self._initial_only(rate_names)
        analytic = rate_names | {irf.center, irf.width} | set(disp) | starts
        if self.oscillations:  # the oscillation columns move with t0 and σ too
            analytic -= {irf.center, irf.width, *irf.dispersion}
        if self.differenced:
            analytic = set()
        analytic -= self._tied(values, free, resolve)  # these need the residual route
        factors = self._cached_factors(values)
        k, c0 = self._rates_and_start(values)
        tau, amp_r = eigen_amplitudes(k, c0)
        amp = self._expand(amp_r)
        rates = [n for n in free if n in rate_names and n in analytic]
        dlam, damp, degenerate = self._eigen_derivatives(values, rates, c0, tau, amp_r)
        analytic -= degenerate
        rates = [n for n in rates if n not in degenerate]
        out = np.zeros((len(free), *self.y.shape))
        base = None
        for j, name in enumerate(free):
            if name in degenerate:  # central differences: the eigenvector basis is not smooth
                out[j] = self._central_column(values, name, resolve)
            elif name not in analytic:
                base = self.residuals(values) if base is None else base
                h = 1e-6 * max(abs(values[name]), 1e-6)
                v2 = dict(values)
                v2[name] = values[name] + h
                out[j] = ((self.residuals(resolve(v2)) - base) / h).reshape(self.y.shape)
        sigma = values[irf.width]
        wl = self.wavelength if self.dispersive else self.wavelength[:1]
        t0 = irf.centers(wl, values)
        e = self._exponentials(t0, sigma, tau)
        # the derivative kernels ∂_x e = g - e/τ, ∂_σ e and ∂_τ e are never formed as arrays:
        # every use is a sum over exponentials or over time, taken on e, g and x directly
        x = self.time[None, :] - t0[:, None]  # (n_w or 1, n_t)
        gauss = np.exp(-0.5 * (x / sigma) ** 2) / (sigma * _SQRT2PI)
        finite = np.isfinite(tau)
        inv = np.where(finite, 1.0 / np.where(finite, tau, 1.0), 0.0)
        c, labels = e @ amp.T, list(self.scheme.compartments)
        n_sp = len(labels)
        ca = dca_t0 = dca_s = None
        if self.n_ca:
            ca = coherent_artifact_columns(self.time, t0, sigma, self.n_ca)
            h = 1e-6 * sigma
            dca_t0 = (coherent_artifact_columns(self.time, t0 + h, sigma, self.n_ca) - ca) / h
            dca_s = (coherent_artifact_columns(self.time, t0, sigma + h, self.n_ca) - ca) / h
            c = np.concatenate([c, ca], axis=-1)
            labels += [f"artifact_{i}" for i in range(self.n_ca)]
        # oscillation columns (derivatives through the residual: their parameters and, when
        # present, the IRF's are differenced) and the constant baseline column
        c, labels = self._extra_columns(c, labels, values, t0, sigma)
        act = self.active_columns(c, labels)
        for name in free:
            if name in starts and name in analytic:
                dlam[name] = np.zeros_like(tau)
                damp[name] = self._start_derivative(k, name)
                rates.append(name)
        fa = [n for n in free if n in analytic]
        xw = chirp_x(wl, irf.dispersion_center, irf.dispersion_scale)
        col = {n: i for i, n in enumerate(free)}
        for gi, g in enumerate(self.groups):
            t = self.transform(g, labels, values, act)
            if t.shape[1] == 0:
                continue
            idx = g.index
            whole = idx.size == self.wavelength.size  # idx is sorted and unique
            wg = self.w if whole else self.w[idx]
            yg = (
                (self.y if whole else self.y[idx])
                if self.separable
                else (self.yw if whole else self.yw[idx])
            )
            if gi in factors:
                q, r = factors[gi]
            else:
                cg = (c if whole or not self.dispersive else c[idx]) @ t
                if self.separable:
                    q, r = np.linalg.qr(np.broadcast_to(cg, (idx.size, *cg.shape[1:])))
                else:
                    q, r = np.linalg.qr(cg * wg[:, :, None])
            qty = np.swapaxes(q, 1, 2) @ yg[:, :, None]
            coef = triangular_solve(r, qty)[:, :, 0]
            # residual of the linear problem; with weights inside C it pairs with w·∂C
            resid = yg - (q @ qty)[:, :, 0]
            rr = resid if self.separable else resid * wg
            s_full = coef @ t.T  # (n_g, n_col)
            beta = s_full[:, :n_sp] @ amp  # weights of the exponentials, (n_g, n_eig)

            def pick(a: np.ndarray, idx: np.ndarray = idx) -> np.ndarray:
                return a if a.shape[0] in (1, idx.size) else a[idx]  # one group: no copy

            eg, gg, xg = pick(e), pick(gauss), pick(x)
            ot = np.stack([rr, rr * xg], axis=1) @ eg  # Σ_t e r and Σ_t x e r, (n_g, 2, n_eig)
            o_e, o_xe = ot[:, 0], ot[:, 1]
            o_g = np.sum(rr * gg, axis=1)[:, None]
            o_dx = o_g - o_e * inv  # Σ_t ∂_x e r

            def sum_dx(b: np.ndarray, eg: np.ndarray = eg, gg: np.ndarray = gg) -> np.ndarray:
                """Σ_i ∂_x e_i b[w, i, m] = g Σ_i b - Σ_i e_i b/τ_i, (n_g, n_t, m)."""
                return gg[:, :, None] * b.sum(axis=1)[:, None, :] - eg @ (b * inv[None, :, None])

            def over_time(a: np.ndarray, rr: np.ndarray = rr) -> np.ndarray:
                """Σ_t a[w, t, k] r[w, t] -> (n_g, k)."""
                return rr @ a[0] if a.shape[0] == 1 else np.einsum("wtk,wt->wk", a, rr)

            def columns(
                vs: list[np.ndarray],
                us: list[np.ndarray],
                q: np.ndarray = q,
                r: np.ndarray = r,
                wg: np.ndarray = wg,
                t: np.ndarray = t,
            ) -> np.ndarray:
                """Jacobian columns (n_g, n_t, m) from m pairs v = (∂C) s, u = (∂C)^T r.

                The Golub-Pereyra second term Q R^-T (∂C)^T r is kept because real TA data leave
                residuals large enough (and per-wavelength t0 makes it large) that Kaufman's
                first term alone mis-points the dispersion columns. All m columns share one
                batched projection and one batched triangular solve.
                """
                v = np.stack(vs, axis=-1)
                u = triangular_solve(np.swapaxes(r, 1, 2), t.T @ np.stack(us, axis=-1))
                second = q @ u
                if self.separable:
                    return -(v - q @ (np.swapaxes(q, 1, 2) @ v) + second) * wg[:, :, None]
                vw = v * wg[:, :, None]
                return -(vw - q @ (np.swapaxes(q, 1, 2) @ vw) + second)

            def store(
                name: str, values_: np.ndarray, idx: np.ndarray = idx, whole: bool = whole
            ) -> None:
                if whole:
                    out[col[name]] = values_
                else:
                    out[col[name], idx] = values_

            def with_artifact(u_sp: np.ndarray, d_ca: np.ndarray | None) -> np.ndarray:
                parts = [u_sp]
                if ca is not None:
                    parts.append(
                        np.zeros((u_sp.shape[0], self.n_ca))
                        if d_ca is None
                        else over_time(pick(d_ca))
                    )
                n_extra = 2 * len(self.oscillations) + int(self.baseline)
                if n_extra:
                    parts.append(np.zeros((u_sp.shape[0], n_extra)))
                return np.concatenate(parts, axis=1) if len(parts) > 1 else u_sp

            names: list[str] = []
            vs: list[np.ndarray] = []
            us: list[np.ndarray] = []
            if irf.center in fa or any(d in fa for d in disp):
                v_t0 = -sum_dx(beta[:, :, None])[:, :, 0]
                if ca is not None:
                    v_t0 = v_t0 + _contract(pick(dca_t0), s_full[:, n_sp : n_sp + self.n_ca])
                names.append(irf.center)
                vs.append(v_t0)
                us.append(with_artifact(-o_dx @ amp.T, dca_t0))
            if irf.width in fa:
                # ∂_σ e = σ ∂_x² e = σ (-x g/σ² - g/τ + e/τ²)
                v_s = sigma * (
                    -(xg * gg / sigma**2) * beta.sum(axis=1)[:, None]
                    - gg * (beta @ inv)[:, None]
                    + (eg @ (beta * inv**2)[:, :, None])[:, :, 0]
                )
                if ca is not None:
                    v_s = v_s + _contract(pick(dca_s), s_full[:, n_sp : n_sp + self.n_ca])
                names.append(irf.width)
                vs.append(v_s)
                o_s = sigma * (
                    -np.sum(rr * xg * gg, axis=1)[:, None] / sigma**2 - o_g * inv + o_e * inv**2
                )
                us.append(with_artifact(o_s @ amp.T, dca_s))
            if rates:
                # all rate columns at once: (∂C/∂k) s = e (S dA_k) + h_tau (β dλ_k)
                sp = s_full[:, :n_sp]
                b_e = np.stack([sp @ damp[n] for n in rates], axis=-1)  # (n_g, n_eig, m)
                v_r = eg @ b_e
                u_r = [o_e @ damp[n].T for n in rates]
                if any(np.any(dlam[n]) for n in rates):
                    # ∂_τ e τ² = x e + σ² ∂_x e (zero for an infinite lifetime)
                    b_h = np.stack([beta * (dlam[n] * finite)[None, :] for n in rates], axis=-1)
                    v_r = v_r + xg[:, :, None] * (eg @ b_h) + sigma**2 * sum_dx(b_h)
                    oth = (o_xe + sigma**2 * o_dx) * finite[None, :]
                    u_r = [
                        u + (oth * dlam[n][None, :]) @ amp.T
                        for u, n in zip(u_r, rates, strict=True)
                    ]
                names += rates
                vs += [v_r[:, :, i] for i in range(len(rates))]
                us += [with_artifact(u, None) for u in u_r]
            if names:
                jcols = columns(vs, us)
                for i, name in enumerate(names):
                    if name in col:  # a fixed IRF centre still carries its dispersion columns
                        store(name, jcols[:, :, i])
                if names[0] == irf.center:
                    for i, dname in enumerate(irf.dispersion):
                        if dname in fa:
                            # t0(λ) enters each wavelength's own projection; a per-wavelength
                            # factor commutes with it, so dispersion columns are scaled t0 columns
                            store(dname, jcols[:, :, 0] * pick(xw[:, None]) ** (i + 1))
        return _in_optimiser_space(out, values, free, positive)

    def _tied(
        self,
        values: Mapping[str, float],
        free: list[str],
        resolve: Callable[[Mapping[str, float]], dict[str, float]],
    ) -> set[str]:
        """Free parameters that other parameters are tied to by an expression (moving one
        moves values the closed forms do not see; their columns go through the residual)."""
        tied = set()
        probe = dict(values)
        for name in free:
            probe[name] = values[name] * 1.5 + 1.0
            if any(n != name and v != values[n] for n, v in resolve(probe).items()):
                tied.add(name)
            probe[name] = values[name]
        return tied

    def _shared_design_jacobian(
        self,
        values: Mapping[str, float],
        free: list[str],
        positive: list[bool],
        resolve: Callable[[Mapping[str, float]], dict[str, float]],
    ) -> np.ndarray:
        r""":meth:`jacobian` for one design shared by every wavelength (no dispersion,
        weights constant along time): each ∂C/∂θ is one (n_t, n_col) matrix
        (:func:`~heterolab.kinetics.ta.derivatives.derivative_terms`), so with the spectra S
        (n_w, n_col), residuals R (n_w, n_t) and the design's thin QR (Q, R₀) the columns are

        .. math:: J_\theta = -w \odot \left[V - (V Q - U) Q^T\right],\quad
           V = S\,\partial C^T,\quad U = R\,\partial C\,T R_0^{-1}

        (rows = wavelengths; Golub & Pereyra 1973, eq. (4.3)): four matrix products per
        parameter instead of a batched product per wavelength, and one QR instead of one per
        wavelength. Parameters the columns do not take in closed form (tied by expressions,
        rates with nearly equal eigenvalues, spectral ratios) are differenced through the
        residual; parameters the dataset does not use have zero columns.
        """
        from heterolab.kinetics.ta.derivatives import (
            analytic_names,
            assembled,
            derivative_terms,
            used_names,
        )

        used, tied = used_names(self), self._tied(values, free, resolve)
        closed = [n for n in free if n in analytic_names(self) and n not in tied]
        terms = derivative_terms(self, values, closed)
        out = np.zeros((len(free), *self.y.shape))
        base = None
        for j, name in enumerate(free):
            if name in terms or (name not in used and name not in tied):
                continue
            if name in closed:  # a rate with nearly equal eigenvalues: central differences
                out[j] = self._central_column(values, name, resolve)
                continue
            base = self.residuals(values) if base is None else base
            h = 1e-6 * max(abs(values[name]), 1e-6)
            moved = resolve({**values, name: values[name] + h})
            out[j] = ((self.residuals(moved) - base) / h).reshape(self.y.shape)
        if terms:
            self._closed_shared_columns(values, free, terms, assembled, out)
        return _in_optimiser_space(out, values, free, positive)

    def _closed_shared_columns(
        self,
        values: Mapping[str, float],
        free: list[str],
        terms: Mapping[str, Any],
        assembled: Callable[[Any], np.ndarray],
        out: np.ndarray,
    ) -> None:
        """Write the closed-form columns of :meth:`_shared_design_jacobian` into ``out``."""
        c, labels = self.full_columns(values)
        act = self.active_columns(c, labels)
        derivs = {n: assembled(t)[0] for n, t in terms.items()}  # (n_t, n_col) each
        for g in self.groups:
            t = self.transform(g, labels, values, act)
            if t.shape[1] == 0:
                continue
            idx = g.index
            q, r0 = np.linalg.qr(c[0] @ t)
            y = self.y[idx]
            qty = y @ q  # (n_g, k)
            coef = triangular_solve(r0, qty.T).T
            resid = y - qty @ q.T
            spectra = coef @ t.T  # (n_g, n_col)
            w = self.w[idx][:, :1]
            for name, dc in derivs.items():
                v = spectra @ dc.T  # (n_g, n_t): the model change ∂C s
                u = triangular_solve(r0.T, t.T @ (dc.T @ resid.T)).T  # (n_g, k)
                out[free.index(name), idx] = -w * (v - (v @ q - u) @ q.T)

    def _initial_only(self, rate_names: set[str]) -> set[str]:
        """Parameters that enter only as initial populations (not rates, IRF or spectral ratios)."""
        irf = self.spec.irf
        others = rate_names | {irf.center, irf.width, *irf.dispersion}
        others |= {c.ratio for c in self.spec.constraints if isinstance(c.ratio, str)}
        return {v for v in self.spec.initial.values() if isinstance(v, str)} - others

    def _start_derivative(self, k: np.ndarray, name: str) -> np.ndarray:
        """d amp/d name for an initial-population parameter.

        The amplitudes ``V diag(V^-1 c0)`` are linear in c0, so their derivative is the
        amplitude matrix of dc0/d name (1 in the compartments it populates, 0 elsewhere).
        """
        comps = self.scheme.compartments
        dc0 = np.zeros(len(comps))
        for c, v in self.spec.initial.items():
            if v == name:
                dc0[comps.index(c)] = 1.0
        return self._expand(eigen_amplitudes(k, dc0[self.reach])[1])

    def _eigen_derivatives(
        self,
        values: Mapping[str, float],
        rates: list[str],
        c0: np.ndarray,
        tau: np.ndarray,
        amp: np.ndarray,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], set[str]]:
        """dλ_i/dk and d amp/dk for each rate k, from first-order perturbation of the small
        eigen-system.

        With K V = V Λ, W = V⁻¹ and G = W (∂K/∂k) V: dλ_i = G_ii and dV = V C with
        C_ij = G_ij / (λ_j - λ_i) (i ≠ j; C_ii drops out). The amplitudes V diag(b),
        b = W c0, then move by ``V C diag(b) - V diag(C b)`` (dW = -C W). With λ = -1/τ,
        dτ/dk = τ² dλ/dk, so ∂e/∂k = (x e + σ² ∂_x e) dλ/dk. (Central differences of the
        eigen-system, used before, cost two decompositions per rate.)

        Near-repeated eigenvalues make the amplitudes ~1/gap, varying on the scale of the
        gap. The rates are returned in the third element (their columns are then differences
        of the concentrations, which stay smooth) when the relative gap is below
        ``DEGENERATE_GAP`` (e.g. a defective K split by 1e-7, or two rates that happen to be
        equal) or when the amplitudes exceed ``CANCELLATION`` times the initial populations:
        the populations are then small differences of large terms, and an amplitude
        derivative good to 1e-4 (a triple near-degeneracy at 0.15 % gaps in
        pyglotaran-examples' spectral-guidance scheme, amplitudes 3e4) left the columns wrong
        by 200 %.
        """
        dlam: dict[str, np.ndarray] = {}
        damp: dict[str, np.ndarray] = {}
        if not rates:
            return dlam, damp, set()
        scale = max(float(np.max(np.abs(c0))), 1e-300)
        if (
            min_relative_gap(tau) < DEGENERATE_GAP
            or float(np.max(np.abs(amp), initial=0.0)) > CANCELLATION * scale
        ):
            return dlam, damp, set(rates)
        k, _ = self._rates_and_start(values)
        lam_k, vec = np.linalg.eig(k)
        lam = np.where(np.isfinite(tau), -1.0 / np.where(np.isfinite(tau), tau, 1.0), 0.0)
        order = np.argmin(np.abs(lam[:, None] - lam_k.real[None, :]), axis=1)
        if np.iscomplexobj(lam_k) or lam_k.size != lam.size or np.unique(order).size != lam.size:
            return dlam, damp, set(rates)
        lam_k, vec = lam_k[order], vec[:, order]
        w = np.linalg.inv(vec)
        b = w @ c0
        gap = lam_k[None, :] - lam_k[:, None]
        np.fill_diagonal(gap, 1.0)
        r = self.reach
        for name in rates:
            unit = self.scheme.rate_matrix(defaultdict(float, {name: 1.0}))[np.ix_(r, r)]
            g = w @ unit @ vec
            c = g / gap
            np.fill_diagonal(c, 0.0)
            dlam[name] = np.diag(g).copy()
            damp[name] = self._expand(vec @ c * b[None, :] - vec * (c @ b)[None, :])
        return dlam, damp, set()

    def _central_column(
        self,
        values: Mapping[str, float],
        name: str,
        resolve: Callable[[Mapping[str, float]], dict[str, float]],
    ) -> np.ndarray:
        """∂r/∂name by central differences (step 1e-4 relative), shape (n_w, n_t)."""
        h = 1e-4 * max(abs(values[name]), 1e-8)
        up, down = dict(values), dict(values)
        up[name] = values[name] + h
        down[name] = values[name] - h
        diff = self._residuals(resolve(up), {}) - self._residuals(resolve(down), {})
        return (diff / (2.0 * h)).reshape(self.y.shape)

    def dependent_columns(self, values: Mapping[str, float]) -> list[list[str]]:
        """Groups of concentration columns that are linearly dependent (spectra inseparable).

        Two compartments with proportional populations (e.g. s2 and s3 both fed by s1 and
        both decaying with one shared rate) leave the projection undefined: any split of their
        spectra fits equally well and the residual is not a smooth function of the rates.
        Checked on the normalised columns at the first wavelength of each constraint group;
        a singular value below 1e-9 of the largest marks the columns of its null vector.
        """
        c, labels = self.full_columns(values)
        act = self.active_columns(c, labels)
        out: list[list[str]] = []
        for g in self.groups:
            t = self.transform(g, labels, values, act)
            if t.shape[1] < 2:
                continue
            cg = (c[g.index[0]] if self.dispersive else c[0]) @ t
            for names in dependent_sets(cg, t, labels):
                if names not in out:
                    out.append(names)
        return out

    def spectra(self, values: Mapping[str, float]) -> tuple[np.ndarray, list[str]]:
        """Full spectra (n_w, n_col) at ``values`` (constraints applied; NaN where a column
        is unused) and their labels, from the memoised solve of :meth:`solved_blocks`."""
        if self.shaped:
            spectra, _, labels, _ = self.solve(values)
            return spectra, labels
        blocks, coefs, _, labels, act = self.solved_blocks(values)
        fulls = [b.full(a) for b, a in zip(blocks, coefs, strict=True)]
        return self.spectra_from(blocks, fulls, labels, act), labels

    def penalties(self, values: Mapping[str, float]) -> np.ndarray:
        """Equal-area penalty elements ``weight (A_c - ratio A_t)`` of this dataset."""
        if not self.spec.equal_area:
            return np.zeros(0)
        spectra, labels = self.spectra(values)
        return area_penalties(self.spec.equal_area, spectra, labels, self.wavelength, values)

    def n_linear(self, values: Mapping[str, float]) -> int:
        """Number of linear (spectral) parameters eliminated by the projection."""
        c, labels = self.full_columns(values)
        act = self.active_columns(c, labels)
        return len(self.shaped) + sum(
            self.transform(g, labels, values, act).shape[1] * g.index.size for g in self.groups
        )

    def solve(
        self, values: Mapping[str, float]
    ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
        """Spectra, model matrix, labels and concentrations at the optimum.

        Returns
        -------
        spectra
            (n_w, n_col) full spectra (constraints applied; NaN for unused columns).
        model
            (n_w, n_t) fitted ΔOD.
        labels
            Column labels.
        conc
            (n_w or 1, n_t, n_col) concentrations.
        """
        if self.shaped:
            return _shapes.shaped_solve(self, values)
        blocks, coefs, c, labels, act = self.solved_blocks(values)
        fulls = [b.full(a) for b, a in zip(blocks, coefs, strict=True)]
        spectra = self.spectra_from(blocks, fulls, labels, act)
        model = np.zeros_like(self.y)
        for g, full in zip(self.groups, fulls, strict=True):
            if self.dispersive:
                model[g.index] = (c[g.index] @ full[:, :, None])[:, :, 0]
            else:
                model[g.index] = full @ c[0].T
        for arr in (spectra, model):
            arr.flags.writeable = False
        return spectra, model, labels, c
