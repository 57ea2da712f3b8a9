"""Fit TCSPC / TRPL decays: multi-exponential and stretched models, IRF reconvolution, Poisson ML.

The model for the expected counts in bin ``j`` (spec P-33) is

.. math::

    m_j = \\sum_{i=1}^{N} a_i\\,\\big[\\mathrm{IRF}\\otimes e^{-(t-t_0)/\\tau_i}H(t-t_0)\\big]_j + b

with the instrument response either measured (bin-exact reconvolution with a fractional
shift, :func:`heterolab.kinetics.decay_models.exp_conv_irf`) or Gaussian (closed form with
``erfcx``, bin-averaged, :func:`~heterolab.kinetics.decay_models.exp_conv_gaussian_binned`);
``a_i`` are pre-exponential amplitudes in counts per bin (negative for rise components) and
``b`` the constant background in counts per bin. A tail fit (``tail_start``) drops the IRF and
fits bin-averaged exponentials from the chosen start.

The default estimator is Poisson maximum likelihood: the deviance
:math:`D = 2\\sum_j [m_j - y_j + y_j\\ln(y_j/m_j)]` (Baker & Cousins, Nucl. Instrum. Methods
221, 437 (1984)) is minimised by Levenberg–Marquardt-damped Fisher scoring with the exact
deviance gradient (:func:`_fisher_scoring`).
Standard errors come from the inverse Fisher information
:math:`F = J^T \\mathrm{diag}(1/m) J` of the fitted model (Bevington & Robinson, *Data Reduction
and Error Analysis*, 3rd ed. 2003, §8; Cramér–Rao bound). ``estimator="lsq"`` minimises the
Neyman chi-square with weights ``1/max(y, 1)`` (biased at low counts, kept for comparison with
least-squares software) and ``"ols"`` the unweighted sum of squares (what ``scipy.optimize.
curve_fit`` without ``sigma`` does, e.g. in LifeFit); their covariances are scaled by the reduced
objective.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy.optimize import least_squares
from scipy.special import gamma as gamma_fn

from heterolab._threads import single_threaded_blas
from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import split_shift
from heterolab.kinetics.trpl.averages import average_lifetimes
from heterolab.kinetics.trpl.choices import DecayModel, Estimator
from heterolab.kinetics.trpl.decay_diagnostics import (
    correlation_matrix,
    decay_curves,
    durbin_watson,
    judge_decay_fit,
    residual_autocorrelation,
)
from heterolab.kinetics.trpl.decay_setup import (
    DecayProblem,
    build_problem,
    component_shapes,
    decay_parameters,
    design_matrix,
    expected_counts,
    from_internal,
    from_parameter_set,
    internal_bounds,
    record_parameter_sets,
    rising_edge,
    to_internal,
    unpack,
)
from heterolab.result import Quantity, Result, make_provenance
from heterolab.uncertainty import propagate

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["DecayModel", "Estimator", "fit_decay", "poisson_deviance"]

_MIN_MODEL = 1e-12  # counts; expected counts are clamped here so the deviance stays finite
#: Convergence of the ML fit: the Newton decrement g^T F^-1 g (the squared distance to the
#: optimum in units of the standard errors) below this; along a direction the data do not
#: determine, parameters then stop wandering instead of creeping until the iteration limit.
_DECREMENT_TOL = 1e-8
#: Deviance fall over the second half of the iterations below which a fit that still moves is
#: converged up to a flat direction (1 unit of deviance is one standard error in one parameter)
_FLAT_DEVIANCE = 0.01
# start lifetimes as multiples of the moment estimate, per number of components
_TAU_FACTORS = {1: [1.0], 2: [0.3, 1.5], 3: [0.1, 0.5, 2.0], 4: [0.05, 0.2, 0.7, 2.0]}
_ALT_FACTORS = {3: [0.25, 1.0, 3.0], 4: [0.1, 0.4, 1.2, 3.0]}


# ----------------------------------------------------------------------------- objective
def _lsq_weights(p: DecayProblem, estimator: str) -> np.ndarray:
    """Least-squares weights: 1/max(y, 1) (Neyman chi-square, ``lsq``) or 1 (``ols``)."""
    if estimator == "ols":
        return np.ones_like(p.yw)
    return 1.0 / np.maximum(p.yw, 1.0)


def poisson_deviance(y: np.ndarray, m: np.ndarray) -> float:
    """Poisson deviance 2 sum[m - y + y ln(y/m)] (Baker & Cousins 1984); m clamped > 0."""
    m = np.maximum(m, _MIN_MODEL)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylog = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / m), 0.0)
    return float(2.0 * np.sum(m - y + ylog))


def _residuals(x: np.ndarray, p: DecayProblem, estimator: str, w: np.ndarray) -> np.ndarray:
    nl, lin = unpack(p, x)
    return (p.yw - expected_counts(p, nl, lin)) * w


def _model_jacobian(p: DecayProblem, x: np.ndarray, central: bool = False) -> np.ndarray:
    """d m / d x on the fit window (nonlinear columns by finite differences, linear exact)."""
    nl, lin = unpack(p, x)
    k = len(p.nl_names)
    D = design_matrix(p, nl)
    J = np.empty((D.shape[0], x.size))
    J[:, k:] = D
    base = D @ lin if not central else None
    for i in range(k):
        h = 1e-6 * max(abs(x[i]), 1.0) if central else 1e-7 * max(abs(x[i]), 1.0)
        name = p.nl_names[i]
        if p.model == "exp" and name.startswith("tau_"):  # only that component changes
            j = int(name.removeprefix("tau_")) - 1
            up = _one_component(p, unpack(p, _nudged(x, i, h))[0], j)
            down = _one_component(p, nl, j) if not central else None
            if central:
                down = _one_component(p, unpack(p, _nudged(x, i, -h))[0], j)
            J[:, i] = lin[j] * (up - down) / (2 * h if central else h)
            continue
        if name == "shift" and p.irf_kind == "measured" and p.model == "exp":
            J[:, i] = _shift_column(p, nl, lin, D)
            continue
        xp = x.copy()
        xp[i] += h
        mp = design_matrix(p, unpack(p, xp)[0]) @ lin
        if central:
            xm = x.copy()
            xm[i] -= h
            J[:, i] = (mp - design_matrix(p, unpack(p, xm)[0]) @ lin) / (2 * h)
        else:
            J[:, i] = (mp - base) / h
    return J


def _shift_column(p: DecayProblem, nl: dict[str, float], lin: np.ndarray, D: np.ndarray):
    """Exact d m / d shift for a measured IRF: each component K obeys
    dK/dshift = (K / tau - L) with L the piecewise-linear IRF reconstruction at the bin centres
    (from dF/dx = tri(x) - F(x)/tau of :func:`heterolab.kinetics.decay_models.response_factors`);
    earlier-pulse tails scale as exp(shift/tau) and follow the same rule."""
    c, frac = split_shift(p.irf_coef, nl["shift"] / p.delta)
    interp = (1.0 - frac) * c
    interp[1:] += frac * c[:-1]
    interp = interp[p.window] / p.delta
    col = np.zeros(D.shape[0])
    for j in range(p.n_components):
        col += lin[j] * (D[:, j] / nl[f"tau_{j + 1}"] - interp)
    return col


def _nudged(x: np.ndarray, i: int, h: float) -> np.ndarray:
    out = x.copy()
    out[i] += h
    return out


def _one_component(p: DecayProblem, nl: dict[str, float], j: int) -> np.ndarray:
    """Shape of exponential component ``j`` alone on the fit window."""
    single = dict(nl)
    single["tau_1"] = nl[f"tau_{j + 1}"]
    return component_shapes(replace(p, n_components=1), single)[0, p.window]


def _jacobian(x: np.ndarray, p: DecayProblem, estimator: str, w: np.ndarray) -> np.ndarray:
    return -_model_jacobian(p, x) * w[:, None]


# ----------------------------------------------------------------------------- starting values
def _start_values(p: DecayProblem, factors: list[float]) -> np.ndarray:
    """Starting vector from the data: background level, first-moment lifetime, rise time."""
    y, t = p.yw, p.tw
    peak = int(np.argmax(y))
    # the baseline ends at the rising edge, not at the maximum (on a decay slower than the
    # window the maximum is a noise spike anywhere on the plateau)
    head, tail = y[: max(rising_edge(y) - 3, 0)], y[-max(y.size // 20, 3) :]
    b0 = float(np.median(head)) if head.size >= 10 else float(np.median(tail))
    b0 = p.fixed.get("background", b0)
    sig = np.clip(y[peak:] - b0, 0, None)
    s = t[peak:] - t[peak]
    tau_m = float(np.sum(s * sig) / max(np.sum(sig), 1e-12)) if sig.sum() > 0 else 10 * p.delta
    tau_m = float(np.clip(tau_m, 2 * p.delta, 0.3 * p.delta * p.t.size))
    guesses: dict[str, float] = {}
    if p.model == "stretched":
        guesses.update(tau_1=tau_m, beta=0.7)
    else:
        guesses.update({f"tau_{i + 1}": tau_m * f for i, f in enumerate(factors)})
    if p.irf_kind == "measured":
        guesses["shift"] = 0.0
    elif p.irf_kind == "gaussian":
        rise = y[: peak + 1] - b0
        amp = max(rise[-1], 1e-12)
        t20 = t[int(np.argmax(rise >= 0.2 * amp))]
        t50 = t[int(np.argmax(rise >= 0.5 * amp))]
        t80 = t[int(np.argmax(rise >= 0.8 * amp))]
        guesses["shift"] = float(t50)
        guesses["irf_fwhm"] = float(max((t80 - t20) / 1.68 * 2.3548, p.delta))
    x_nl = np.array([to_internal(n, guesses[n]) for n in p.nl_names])
    lo = np.array([internal_bounds(p, n)[0] for n in p.nl_names])
    hi = np.array([internal_bounds(p, n)[1] for n in p.nl_names])
    x_nl = np.clip(x_nl, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
    lin = _linear_amplitudes(p, x_nl, b0)
    return np.concatenate([x_nl, lin])


def _linear_amplitudes(p: DecayProblem, x_nl: np.ndarray, b0: float) -> np.ndarray:
    """Weighted linear least squares for amplitudes (and background) at fixed nonlinear values."""
    D = design_matrix(p, unpack(p, np.concatenate([x_nl, np.zeros(len(p.lin_names))]))[0])
    target = p.yw - p.fixed.get("background", 0.0)
    w = 1.0 / np.sqrt(np.maximum(p.yw, 1.0))
    lin, *_ = np.linalg.lstsq(D * w[:, None], target * w, rcond=None)
    if "background" in p.lin_names:
        lin[-1] = max(lin[-1], 0.0) if np.isfinite(lin[-1]) else max(b0, 0.0)
    return lin


def _varpro_prefit(p: DecayProblem, x0: np.ndarray, shift_stage: bool) -> tuple[np.ndarray, float]:
    """Variable-projection pre-fit (nonlinear parameters only, amplitudes by linear LSQ)."""
    k = len(p.nl_names)
    lo = np.array([internal_bounds(p, n)[0] for n in p.nl_names])
    hi = np.array([internal_bounds(p, n)[1] for n in p.nl_names])
    w = 1.0 / np.sqrt(np.maximum(p.yw, 1.0))
    target = p.yw - p.fixed.get("background", 0.0)

    def resid(xn: np.ndarray) -> np.ndarray:
        D = design_matrix(p, unpack(p, np.concatenate([xn, np.zeros(len(p.lin_names))]))[0])
        lin, *_ = np.linalg.lstsq(D * w[:, None], target * w, rcond=None)
        return (target - D @ lin) * w

    if k == 0:
        return x0, 0.0
    start = x0[:k].copy()
    if (
        shift_stage and "shift" in p.nl_names
    ):  # lifetimes first with the IRF where it was measured, then release
        j = p.nl_names.index("shift")
        free = [i for i in range(k) if i != j]

        def resid_fixed_shift(xf: np.ndarray) -> np.ndarray:
            full = start.copy()
            full[free] = xf
            return resid(full)

        if free:
            res0 = least_squares(
                resid_fixed_shift,
                start[free],
                bounds=(lo[free], hi[free]),
                method="trf",
                ftol=1e-6,
                xtol=1e-6,
                max_nfev=40 * k,
            )
            start[free] = res0.x
    res = least_squares(
        resid, start, bounds=(lo, hi), method="trf", ftol=1e-6, xtol=1e-6, max_nfev=40 * k
    )
    lin = _linear_amplitudes(p, res.x, float(x0[-1]) if p.lin_names else 0.0)
    return np.concatenate([res.x, lin]), float(res.cost)


# ----------------------------------------------------------------------------- the fit
@dataclass
class _Optimum:
    x: np.ndarray
    x0: np.ndarray
    objective: float
    nfev: int
    status: int
    message: str
    flat: tuple[str, ...] = ()  # parameters still drifting along a flat likelihood


def _optimise(p: DecayProblem, x0: np.ndarray, estimator: str) -> _Optimum:
    k = len(p.nl_names)
    lo = np.array([internal_bounds(p, n)[0] for n in p.nl_names] + [-np.inf] * len(p.lin_names))
    hi = np.array([internal_bounds(p, n)[1] for n in p.nl_names] + [np.inf] * len(p.lin_names))
    if "background" in p.lin_names:
        lo[-1] = 0.0
    x0 = np.clip(x0, lo, hi)
    if "background" in p.lin_names and x0[-1] <= 0:
        x0[-1] = 1e-3
    if estimator == "mle":
        return _fisher_scoring(p, x0, lo, hi, max_iter=60 * (k + 2))
    w = np.sqrt(_lsq_weights(p, estimator))
    res = least_squares(
        _residuals,
        x0,
        jac=_jacobian,
        bounds=(lo, hi),
        method="trf",
        x_scale="jac",
        ftol=1e-10,
        xtol=1e-10,
        gtol=1e-10,
        max_nfev=100 * (k + 2),
        args=(p, estimator, w),
    )
    return _Optimum(res.x, x0, 2.0 * float(res.cost), int(res.nfev), int(res.status), res.message)


def _fisher_scoring(
    p: DecayProblem, x0: np.ndarray, lo: np.ndarray, hi: np.ndarray, max_iter: int
) -> _Optimum:
    """Minimise the Poisson deviance by Levenberg–Marquardt-damped Fisher scoring.

    Each step solves (F + lambda diag F) dx = -g with the exact deviance gradient
    g = sum (1 - y/m) dm/dx and the Fisher information F = J^T diag(1/m) J (Green, J. R. Stat.
    Soc. B 46, 149 (1984), iteratively reweighted least squares for ML; Marquardt, J. SIAM 11,
    431 (1963)), clipped to the bounds; a step is kept only if the deviance falls. Unlike
    Gauss–Newton on signed-sqrt deviance residuals, zero-count bins with tiny expected counts
    do not dominate the curvature, so low-count fits converge in a few steps.
    """
    y = p.yw
    x = x0.copy()
    nl, lin = unpack(p, x)
    dev = poisson_deviance(y, expected_counts(p, nl, lin))
    lam, nfev = 1e-3, 1
    prev = np.zeros_like(x)
    half = (x.copy(), dev)
    for it in range(max_iter):
        if it == max_iter // 2:
            half = (x.copy(), dev)
        nl, lin = unpack(p, x)
        m = np.maximum(expected_counts(p, nl, lin), _MIN_MODEL)
        J = _model_jacobian(p, x)
        g = J.T @ (1.0 - y / m)
        F = J.T @ (J / m[:, None])
        # active set: parameters on a bound whose gradient points outwards stay there
        span = np.where(np.isfinite(hi - lo), hi - lo, 1.0)
        at_lo, at_hi = x <= lo + 1e-12 * span, x >= hi - 1e-12 * span
        free = ~((at_lo & (g > 0)) | (at_hi & (g < 0)))
        d = np.sqrt(np.diag(F))[free]
        d[~(d > 0)] = 1.0
        Fs, gs = F[np.ix_(free, free)] / np.outer(d, d), g[free] / d
        decrement = float(gs @ np.linalg.lstsq(Fs, gs, rcond=1e-12)[0])
        if decrement < _DECREMENT_TOL and it > 0:  # one step at least: a start is no answer
            return _Optimum(x, x0, dev, nfev, 1, f"Newton decrement below {_DECREMENT_TOL:g}")
        while True:
            step = np.zeros_like(x)
            step[free] = -np.linalg.solve(Fs + lam * np.eye(gs.size), gs) / d
            xn = np.clip(x + step, lo, hi)
            nl_n, lin_n = unpack(p, xn)
            dev_n = poisson_deviance(y, expected_counts(p, nl_n, lin_n))
            nfev += 1
            if dev_n <= dev:
                break
            lam *= 10.0
            if lam > 1e10:  # no direction within the bounds lowers the deviance
                return _Optimum(x, x0, dev, nfev, 2, "deviance cannot be lowered further")
        converged = dev - dev_n < 1e-10 * max(dev, 1.0) and np.allclose(xn, x, rtol=1e-9, atol=0)
        # a step that reverses the previous one overshoots along a curved valley (Fisher
        # information below the observed curvature): damp more instead of less
        reversed_step = float(np.dot(xn - x, prev)) < -0.5 * float(np.dot(prev, prev))
        prev = xn - x
        x, dev = xn, dev_n
        lam = max(lam * 4.0, 1e-6) if reversed_step else max(lam / 10.0, 1e-9)
        if converged:
            return _Optimum(x, x0, dev, nfev, 1, "deviance and parameters stationary")
    return _drift_or_failure(p, x, x0, dev, nfev, half, max_iter)


def _long(p: DecayProblem, x: np.ndarray) -> bool:
    """True if every fitted lifetime exceeds 3 bins (an IRF narrower than a bin then only
    shifts the rising edge)."""
    taus = [math.exp(v) for n, v in zip(p.nl_names, x, strict=False) if n.startswith("tau_")]
    return bool(taus) and min(taus) > 3.0 * p.delta


def _drift_or_failure(
    p: DecayProblem,
    x: np.ndarray,
    x0: np.ndarray,
    dev: float,
    nfev: int,
    half: tuple[np.ndarray, float],
    max_iter: int,
) -> _Optimum:
    """The iteration limit was reached. If the deviance fell by less than ``_FLAT_DEVIANCE``
    over the second half of the iterations while nonlinear parameters kept moving, the fit has
    converged up to a flat direction of the likelihood: those parameters are undetermined
    (e.g. a lifetime far below the IRF width creeping towards 0, an IRF width below a bin);
    the optimum is returned with them named (the Result becomes suspect); if none moved by more
    than 1e-3 (internal units: log for lifetimes and widths) it has converged. Otherwise the fit
    failed, and the message says how much the deviance was still falling."""
    x_half, dev_half = half
    k = len(p.nl_names)
    fall = dev_half - dev
    moved = tuple(n for i, n in enumerate(p.nl_names) if abs(x[i] - x_half[i]) > 1e-3)
    if fall < _FLAT_DEVIANCE and not moved:  # stationary, the step tests were too strict
        return _Optimum(
            x, x0, dev, nfev, 1, f"deviance stationary (fell by {fall:.2g} over the last "
            f"{max_iter - max_iter // 2} iterations) and parameters within 1e-3"
        )  # fmt: skip
    if fall < _FLAT_DEVIANCE and moved and k:
        return _Optimum(
            x, x0, dev, nfev, 1, f"deviance stationary (fell by {fall:.2g} over the last "
            f"{max_iter - max_iter // 2} iterations) while {', '.join(moved)} drift", moved
        )  # fmt: skip
    return _Optimum(
        x, x0, dev, nfev, 0, f"no convergence within {max_iter} iterations (the deviance still "
        f"fell by {fall:.3g} over the last {max_iter - max_iter // 2}; try initial= values)"
    )  # fmt: skip


def _best_fit(p: DecayProblem, estimator: str, initial: dict[str, float] | None) -> _Optimum:
    if initial:
        starts = [_start_from_initial(p, initial)]
    else:
        factor_sets = [_TAU_FACTORS[p.n_components]]
        if p.n_components in _ALT_FACTORS and p.model == "exp":
            factor_sets.append(_ALT_FACTORS[p.n_components])
        stages = [False]
        if "shift" in p.nl_names and p.irf_kind == "measured":
            # lifetimes first at the measured IRF position; for several components also the
            # direct pre-fit (a rise term can pull the shift-fixed stage astray)
            stages = [True] if p.n_components == 1 else [False, True]
        pre = [_varpro_prefit(p, _start_values(p, f), st) for f in factor_sets for st in stages]
        best = min(c for _, c in pre)
        # polish every pre-fit that is competitive (a local minimum of the LSQ cost can still be
        # the better ML solution), at most two
        ranked = sorted(pre, key=lambda xc: xc[1])
        starts = [x for x, c in ranked if c <= 1.05 * best + 1.0][:2]
        k = len(p.nl_names)
        if len(starts) == 2 and np.allclose(starts[0][:k], starts[1][:k], rtol=0, atol=1e-4):
            starts = starts[:1]  # both pre-fits found the same minimum
    results = [_optimise(p, x0, estimator) for x0 in starts]
    return min(results, key=lambda r: r.objective if np.isfinite(r.objective) else np.inf)


def _start_from_initial(p: DecayProblem, initial: dict[str, float]) -> np.ndarray:
    x = _start_values(p, _TAU_FACTORS.get(p.n_components, [1.0]))
    k = len(p.nl_names)
    unknown = set(initial) - set(p.nl_names)
    if unknown:
        raise ParameterError(
            f"initial values for unknown parameters {sorted(unknown)}; free nonlinear "
            f"parameters are {p.nl_names}"
        )
    for i, name in enumerate(p.nl_names):
        if name in initial:
            x[i] = to_internal(name, float(initial[name]))
    x[k:] = _linear_amplitudes(p, x[:k], 0.0)
    return x


def _natural(p: DecayProblem, x: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, values and d(natural)/d(x) diagonal for the free parameters."""
    k = len(p.nl_names)
    vals, deriv = [], []
    for name, xi in zip(p.nl_names, x[:k], strict=True):
        v = from_internal(name, xi)
        vals.append(v)
        deriv.append(v if name.startswith(("tau_", "irf_fwhm")) else 1.0)
    names = [*p.nl_names, *p.lin_names]
    return names, np.array(vals + list(x[k:])), np.array(deriv + [1.0] * (x.size - k))


def _covariance(
    p: DecayProblem, x: np.ndarray, m: np.ndarray, estimator: str, chi2_red: float
) -> tuple[np.ndarray, list[str]]:
    """Covariance of the natural parameters from the Fisher information; notes on singularity."""
    J = _model_jacobian(p, x, central=True)
    _, _, dnat = _natural(p, x)
    Jn = J / dnat[None, :]  # d m / d natural
    wts = 1.0 / np.maximum(m, _MIN_MODEL) if estimator == "mle" else _lsq_weights(p, estimator)
    F = Jn.T @ (Jn * wts[:, None])
    notes: list[str] = []
    scale = np.sqrt(np.clip(np.diag(F), 1e-300, None))
    Fs = F / np.outer(scale, scale)
    eig = np.linalg.eigvalsh(Fs)
    if eig.min() <= 1e-12 * eig.max():
        cov = np.linalg.pinv(Fs, rcond=1e-12) / np.outer(scale, scale)
        notes.append(
            "Fisher information is singular: some parameters are not determined by the data"
        )
    else:
        cov = np.linalg.inv(Fs) / np.outer(scale, scale)
    if estimator != "mle":
        cov = cov * chi2_red
    return cov, notes


def fit_decay(
    decay: xr.DataArray | np.ndarray,
    *,
    time: np.ndarray | None = None,
    irf: xr.DataArray | np.ndarray | str | None = None,
    irf_fwhm: float | None = None,
    n_components: int = 2,
    estimator: Estimator | str = Estimator.MLE,
    fit_range: tuple[float, float] | None = None,
    shift: Literal["free"] | float = "free",
    background: Literal["free"] | float = "free",
    repetition_rate_hz: float | None = None,
    model: DecayModel | str = DecayModel.EXP,
    tail_start: float | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    initial: dict[str, float] | None = None,
    time_unit: str | None = None,
    bin_width: float | None = None,
    parameters: Any = None,
) -> Result:
    """Fit a photon-counting decay histogram with a multi-exponential or stretched model.

    Parameters
    ----------
    decay
        Counts per bin: a 1-D DataArray with a ``time`` coordinate (bin starts; ns, or another
        time unit in ``attrs["units"]``) or a plain array with ``time=``.
    time
        Bin start times when ``decay`` is a plain array (in ``time_unit``, default ns).
    irf
        The one IRF argument of every TRPL fit (:func:`heterolab.arrays.as_irf`): a measured
        IRF on the decay's bins (array, or DataArray whose time axis must match the decay's),
        ``"gaussian"``/``None`` (width ``irf_fwhm``, fitted when ``None``), or a Gaussian FWHM
        as ``Quantity``/``"90 ps"``/a number in ns. Ignored for a tail fit.
    irf_fwhm
        FWHM of the Gaussian IRF in ns; fixed when given.
    n_components
        Number of exponentials, 1–4 (``model="exp"``).
    estimator
        ``"mle"`` (Poisson maximum likelihood, default), ``"lsq"`` (weights 1/max(y, 1)) or
        ``"ols"`` (unweighted least squares, to reproduce software that fits that way).
    fit_range
        ``(start, stop)`` window in ns; default from 5 IRF widths before the peak to the last
        non-zero bin.
    shift
        ``"free"`` or a fixed value (ns): IRF shift (measured IRF) or IRF centre t0 (Gaussian).
    background
        ``"free"`` (>= 0, counts/bin) or a fixed value in counts/bin.
    repetition_rate_hz
        Laser repetition rate; when given, tails of earlier pulses are modelled.
    model
        ``"exp"`` (sum of exponentials) or ``"stretched"`` (Kohlrausch exp(-(t/tau)^beta)).
    tail_start
        Fit only from this time (ns) on, without IRF (tail fit). A stretched exponential is
        then referenced to ``tail_start`` (it has no memoryless tail, so its parameters differ
        from those of the full decay).
    bootstrap
        Number of Poisson-resampled refits; when > 0 the reported stderr are the bootstrap
        standard deviations (``statistics["stderr_method"] == "bootstrap"``).
    seed
        Seed of the bootstrap's random generator.
    initial
        Starting values for nonlinear parameters by name (``tau_1``, ``shift``, ...).
    time_unit
        Unit of ``time`` (or of a DataArray's time coordinate that states none); default ns.
    bin_width
        Bin width in ``time_unit``: builds the time axis when there is none, and must agree
        with a given one (:func:`heterolab.arrays.as_decays`).
    parameters
        A :class:`heterolab.parameters.ParameterSet` (or its ``to_dict()`` mapping) with start
        values by name (``tau_1``.., ``shift``, ``irf_fwhm``, ``beta``, ``background``);
        ``vary=False`` fixes ``shift``, ``irf_fwhm`` or ``background`` at its value. The one
        parameter idiom of heterolab; ``shift=``/``background=``/``initial=`` remain for
        scripts. A fit's ``statistics["parameters_fitted"]`` can be passed back here.

    Returns
    -------
    Result
        ``kind="trpl.decay_fit"``. Parameters ``tau_1..tau_N`` (ns, ascending),
        ``amplitude_1..N`` (fractions of sum a_i), ``amplitude_raw_1..N`` (counts/bin at t0),
        ``background``, ``shift``, ``irf_fwhm`` (Gaussian); derived ``tau_avg_intensity``,
        ``tau_avg_amplitude``, ``intensity_fraction_i``; statistics (deviance,
        ``chi2_reduced`` (Pearson), dof, residual autocorrelation, correlation matrix); curves
        ``data``, ``model``, ``residuals`` (weighted), ``autocorrelation``, ``irf``.

    Raises
    ------
    ParameterError
        Invalid settings or data (negative counts, IRF length mismatch, n_components outside
        1..4, unknown estimator or model).
    """
    initial, shift, background, irf_fwhm = from_parameter_set(
        decay_parameters(
            parameters, initial=initial, shift=shift, background=background, irf_fwhm=irf_fwhm
        )
    )
    p, settings = build_problem(
        decay,
        time,
        irf,
        irf_fwhm,
        n_components,
        estimator,
        fit_range,
        shift,
        background,
        repetition_rate_hz,
        model,
        tail_start,
        time_unit,
        bin_width,
    )
    estimator = settings["estimator"]  # the Estimator's value, whatever case was given
    with single_threaded_blas():
        opt = _best_fit(p, estimator, initial)
        result = _assemble(p, opt, estimator, settings)
        record_parameter_sets(result, p, opt)
        if bootstrap > 0 and result.ok:
            _apply_bootstrap(result, p, opt.x, estimator, bootstrap, seed)
    return result


# ----------------------------------------------------------------------------- assembling
def _assemble(p: DecayProblem, opt: _Optimum, estimator: str, settings: dict[str, Any]) -> Result:
    nl, lin = unpack(p, opt.x)
    m = expected_counts(p, nl, lin)
    y = p.yw
    names, values, _ = _natural(p, opt.x)
    npar = len(names)
    dof = max(y.size - npar, 1)
    pearson = float(np.sum((y - m) ** 2 / np.maximum(m, _MIN_MODEL)))
    neyman = float(np.sum((y - m) ** 2 / np.maximum(y, 1.0)))
    objective = {"mle": pearson, "lsq": neyman, "ols": float(np.sum((y - m) ** 2))}[estimator]
    chi2_red = objective / dof
    cov, notes = _covariance(p, opt.x, m, estimator, chi2_red)
    order = _component_order(p, values, names)
    values, cov, names = _reorder(values, cov, names, order, p)
    result = Result(kind="trpl.decay_fit", provenance=make_provenance((), settings))
    result.warnings.extend(notes)
    _fill_parameters(result, p, names, values, cov)
    _fill_derived(result, p, names, values, cov)
    wres = (y - m) / np.sqrt(
        np.maximum(m if estimator == "mle" else np.maximum(y, 1.0), _MIN_MODEL)
    )
    if estimator == "ols":
        wres = (y - m) / math.sqrt(max(chi2_red, 1e-300))
    ac = residual_autocorrelation(wres)
    # tests of the status on bins with >= 2 expected counts: Poisson residuals of emptier bins
    # are far from normal (a single photon where m = 1e-3 is a 30-sigma "outlier")
    pop = m >= 2.0
    ac_test = residual_autocorrelation(wres[pop]) if pop.sum() >= 30 else ac
    n_test = int(pop.sum()) if pop.sum() >= 30 else int(y.size)
    dev = float(
        2
        * np.sum(
            m
            - y
            + np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / np.maximum(m, _MIN_MODEL)), 0)
        )
    )
    result.statistics.update(
        estimator=estimator,
        deviance=dev,
        deviance_reduced=dev / dof,
        chi2_reduced=pearson / dof,
        chi2_reduced_neyman=neyman / dof,
        n_points=int(y.size),
        n_parameters=npar,
        dof=int(dof),
        iterations=opt.nfev,
        converged=opt.status > 0,
        optimizer_message=opt.message,
        durbin_watson=durbin_watson(wres),
        autocorrelation_lag1=float(ac[1]) if ac.size > 1 else math.nan,
        autocorrelation_max=float(np.max(np.abs(ac_test[1:21]))) if ac.size > 2 else math.nan,
        autocorrelation_threshold=float(4.0 / math.sqrt(n_test)),
        correlation={"names": names, "matrix": correlation_matrix(cov).tolist()},
        objective_reduced=chi2_red,
        stderr_method="fisher" if estimator == "mle" else "covariance*objective_reduced",
        fit_range_ns=settings["fit_range_ns"],
    )
    result.curves.update(
        decay_curves(p.tw, p.yw, m, wres, ac, p.delta, None if p.irf is None else p.irf[p.window])
    )
    _check_failure(result, p, opt, names, values)
    if result.statistics["status"] != "failed":
        lo, hi = settings["fit_range_ns"]
        judge_decay_fit(
            result,
            y=y[pop] if pop.sum() >= 30 else y,
            m=m[pop] if pop.sum() >= 30 else m,
            estimator=estimator,
            n_components=p.n_components,
            model=p.model,
            window_ns=float(hi - lo),
            bin_width=p.delta,
            background_free="background" in p.lin_names,
            kernel_bias=_kernel_bias(p, result),
        )
    return result


def _component_order(p: DecayProblem, values: np.ndarray, names: list[str]) -> np.ndarray:
    taus = np.array([values[names.index(f"tau_{i + 1}")] for i in range(p.n_components)])
    return np.argsort(taus, kind="stable")


def _reorder(
    values: np.ndarray, cov: np.ndarray, names: list[str], order: np.ndarray, p: DecayProblem
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Permute component parameters so that tau_1 < tau_2 < ..."""
    perm = list(range(len(names)))
    for prefix in ("tau_", "amplitude_raw_"):
        idx = [names.index(f"{prefix}{i + 1}") for i in range(p.n_components)]
        for new, old in enumerate(order):
            perm[idx[new]] = idx[old]
    perm_a = np.array(perm)
    return values[perm_a], cov[np.ix_(perm_a, perm_a)], names


def _fill_parameters(
    result: Result, p: DecayProblem, names: list[str], values: np.ndarray, cov: np.ndarray
) -> None:
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    corr = correlation_matrix(cov)
    undetermined = set()
    for i, name in enumerate(names):
        others = np.abs(np.delete(corr[i], i)) if corr.shape[0] > 1 else np.array([0.0])
        if not np.isfinite(err[i]) or err[i] == 0.0 or bool(np.any(others > 0.99999)):
            undetermined.add(name)
    units = {"shift": "ns", "irf_fwhm": "ns", "beta": "1", "background": "counts"}
    raw = {}
    for i, name in enumerate(names):
        unit = "ns" if name.startswith("tau_") else units.get(name, "counts")
        se = math.nan if name in undetermined else float(err[i])
        if name.startswith("amplitude_raw_"):
            raw[name] = Quantity(float(values[i]), se, "counts")
            continue
        result.parameters[name] = Quantity(float(values[i]), se, unit)
    for name, v in p.fixed.items():
        result.parameters[name] = Quantity(
            float(v), None, "counts" if name == "background" else "ns"
        )
    _fill_fractions(result, p, names, values, cov)
    result.parameters.update(raw)
    for name in sorted(undetermined):
        result.warnings.append(
            f"{name} is not determined by the data (singular or fully correlated curvature); "
            "its standard error is reported as nan"
        )


def _fill_fractions(
    result: Result, p: DecayProblem, names: list[str], values: np.ndarray, cov: np.ndarray
) -> None:
    idx = [names.index(f"amplitude_raw_{i + 1}") for i in range(p.n_components)]
    a = values[idx]
    ca = cov[np.ix_(idx, idx)]
    for i in range(p.n_components):
        v, s = propagate(lambda v, i=i: v[i] / np.sum(v), a, ca)
        result.parameters[f"amplitude_{i + 1}"] = Quantity(v, s if p.n_components > 1 else 0.0, "1")


def _fill_derived(
    result: Result, p: DecayProblem, names: list[str], values: np.ndarray, cov: np.ndarray
) -> None:
    if p.model == "stretched":
        i_t, i_b = names.index("tau_1"), names.index("beta")
        sub = cov[np.ix_([i_t, i_b], [i_t, i_b])]
        v, s = propagate(
            lambda v: v[0] / v[1] * gamma_fn(1.0 / v[1]), values[[i_t, i_b]], sub
        )  # Lindsey & Patterson, J. Chem. Phys. 73, 3348 (1980)
        result.derived["tau_mean"] = Quantity(v, s, "ns")
        return
    ia = [names.index(f"amplitude_raw_{i + 1}") for i in range(p.n_components)]
    it = [names.index(f"tau_{i + 1}") for i in range(p.n_components)]
    sel = ia + it
    sub = cov[np.ix_(sel, sel)]
    a, t = values[ia], values[it]
    if np.sum(a) != 0 and np.sum(a * t) != 0:
        avg = average_lifetimes(a, t, sub)
        result.derived["tau_avg_intensity"] = avg.intensity_weighted
        result.derived["tau_avg_amplitude"] = avg.amplitude_weighted
    n = p.n_components
    for i in range(n):
        v, s = propagate(lambda v, i=i: v[i] * v[n + i] / np.sum(v[:n] * v[n:]), values[sel], sub)
        result.derived[f"intensity_fraction_{i + 1}"] = Quantity(v, s, "1")
    if np.any(a < 0):
        result.warnings.append(
            "negative amplitude(s) (rise components): the average lifetimes mix rise and decay"
        )


def _kernel_bias(p: DecayProblem, result: Result) -> Callable[[float], float] | None:
    """Lifetime (ns) -> estimated bias (ns) of the measured-IRF kernel at the fitted shift
    (:func:`~heterolab.kinetics.decay_models.measured_irf_lifetime_bias`); None otherwise."""
    if p.irf_kind != "measured" or p.irf is None:
        return None
    from heterolab.kinetics.decay_models import measured_irf_lifetime_bias

    q = result.parameters.get("shift")
    shift_bins = (q.value if q is not None else p.fixed.get("shift", 0.0)) / p.delta
    irf = p.irf
    return lambda tau: float(measured_irf_lifetime_bias(tau, irf, p.delta, shift_bins))


def _check_failure(
    result: Result, p: DecayProblem, opt: _Optimum, names: list[str], values: np.ndarray
) -> None:
    if opt.status <= 0:
        result.mark_failed(f"optimizer did not converge: {opt.message}")
        return
    k = len(p.nl_names)
    if k and np.allclose(opt.x[:k], opt.x0[:k], rtol=1e-9, atol=1e-12):
        result.mark_failed("optimizer did not move the lifetimes from their starting values")
        return
    for name in opt.flat:
        result.warnings.append(
            f"{name} is not determined by the data: the likelihood is flat along it (it kept "
            f"drifting while the deviance stayed stationary: {opt.message})"
        )
    for i, name in enumerate(p.nl_names):
        lo, hi = internal_bounds(p, name)
        if name == "irf_fwhm" and opt.x[i] - lo < 1e-6 * (hi - lo) and _long(p, opt.x):
            result.warnings.append(
                f"irf_fwhm is at its floor, a quarter bin ({p.delta / 4:.3g} ns): the "
                "instrument response is narrower than the bins resolve (lifetimes over 3 bins "
                "do not depend on it)"
            )
        elif min(opt.x[i] - lo, hi - opt.x[i]) < 1e-6 * (hi - lo):
            result.warnings.append(f"{name} ended at its bound; the fit is not trustworthy")
    if not np.all(np.isfinite(values)):
        result.mark_failed("fit produced non-finite parameters")


def _apply_bootstrap(
    result: Result, p: DecayProblem, x: np.ndarray, estimator: str, n_boot: int, seed: int | None
) -> None:
    """Nonparametric bootstrap of a histogram: every bin redrawn as Poisson(y) (equivalent to
    resampling the photons; Efron & Tibshirani, *An Introduction to the Bootstrap*, 1993), refit
    from the optimum; stderr replaced by the standard deviation of the refits."""
    if seed is None:
        raise ParameterError("bootstrap needs a seed (every random draw in heterolab is seeded)")
    rng = np.random.default_rng(seed)
    names = list(result.parameters)
    draws: dict[str, list[float]] = {n: [] for n in [*names, *result.derived]}
    y_orig = p.y
    failed = 0
    try:
        for _ in range(n_boot):
            p.y = rng.poisson(y_orig).astype(float)
            opt = _optimise(p, x.copy(), estimator)
            if opt.status <= 0:
                failed += 1
                continue
            r = _assemble(p, opt, estimator, {"fit_range_ns": result.statistics["fit_range_ns"]})
            for n in draws:
                if n in r.parameters:
                    draws[n].append(r.parameters[n].value)
                elif n in r.derived:
                    draws[n].append(r.derived[n].value)
    finally:
        p.y = y_orig
    for group in (result.parameters, result.derived):
        for n, q in list(group.items()):
            if q.stderr is not None and len(draws[n]) > 1:
                group[n] = Quantity(q.value, float(np.std(draws[n], ddof=1)), q.unit)
    result.statistics["stderr_method"] = "bootstrap"
    result.statistics["bootstrap_samples"] = n_boot - failed
    if failed:
        result.warnings.append(f"{failed} of {n_boot} bootstrap refits did not converge")
