"""The decay-fit problem: validated inputs, fit window, model shapes and parameter transforms.

Used by :mod:`heterolab.kinetics.trpl.decay_fit`. The expected counts per bin are
``m = sum_i a_i * shape_i(t; tau_i, shift, ...) + b`` where the component shapes are the kernels
of :mod:`heterolab.kinetics.decay_models` (measured-IRF reconvolution, Gaussian-IRF closed form,
bin-averaged tail exponentials, stretched exponentials); see :func:`component_shapes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heterolab.arrays import as_decays, as_irf
from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import (
    earlier_pulse_tail,
    exp_conv_gaussian_binned,
    fwhm_to_sigma,
    gaussian_histogram,
    irf_coefficients,
    measured_irf_response,
    stretched_conv_irf,
    stretched_exp_integral,
)
from heterolab.kinetics.trpl.choices import DecayModel, Estimator

__all__ = [
    "DecayProblem",
    "build_problem",
    "check_fit_bins",
    "component_shapes",
    "decay_parameters",
    "design_matrix",
    "expected_counts",
    "from_internal",
    "from_parameter_set",
    "internal_bounds",
    "record_parameter_sets",
    "to_internal",
    "unpack",
]


# ----------------------------------------------------------------------------- setup
@dataclass
class DecayProblem:
    """Validated inputs of one decay fit (full axis plus the fit window)."""

    t: np.ndarray  # bin start times, ns
    y: np.ndarray  # counts, full axis
    delta: float
    window: slice
    n_components: int
    irf_kind: str  # "measured" | "gaussian" | "tail"
    model: str  # "exp" | "stretched"
    irf: np.ndarray | None = None
    period: float | None = None
    tail_start: float | None = None
    fixed: dict[str, float] = field(default_factory=dict)
    nl_names: list[str] = field(default_factory=list)  # nonlinear parameter names (free)
    lin_names: list[str] = field(default_factory=list)  # linear parameter names (free)
    irf_coef: np.ndarray | None = None  # reconstruction coefficients of the measured IRF

    @property
    def yw(self) -> np.ndarray:
        return self.y[self.window]

    @property
    def tw(self) -> np.ndarray:
        return self.t[self.window]


def fit_window(
    y: np.ndarray, t: np.ndarray, fit_range: tuple[float, float] | None, lead_bins: int
) -> slice:
    """Fit window: ``fit_range`` (ns), else from ``lead_bins`` before the peak (before the
    rising edge when the maximum lies on a plateau further on) to the end of the measured data
    (see :func:`measured_extent`)."""
    if not np.any(y > 0):
        raise ParameterError("decay has no counts (all bins are 0)")
    if fit_range is not None:
        lo, hi = float(fit_range[0]), float(fit_range[1])
        if not hi > lo:
            raise ParameterError(
                f"fit_range must be (start, stop) with stop > start, got {fit_range}"
            )
        i0 = int(np.searchsorted(t, lo, side="left"))
        i1 = int(np.searchsorted(t, hi, side="right"))
    else:
        first, i1 = measured_extent(y)
        peak, edge = int(np.argmax(y)), rising_edge(y)
        # the maximum, unless it lies far after the rising edge (a plateau: slow decay)
        anchor = peak if peak - edge <= lead_bins // 2 else edge
        i0 = max(first, anchor - lead_bins)
    if i1 - i0 < 8:
        raise ParameterError(f"fit window holds only {max(i1 - i0, 0)} bins; need >= 8")
    return slice(i0, i1)


def rising_edge(y: np.ndarray) -> int:
    """Bin of the rising edge: the first where the 5-bin running mean reaches half the maximum.

    Not the maximum itself: for a decay slower than the window the maximum is a noise spike
    anywhere on the plateau (a window starting there cut the rise off and the fit found a
    local optimum with the IRF 0.4 ns late)."""
    smooth = np.convolve(y, np.ones(5) / 5.0, mode="same")
    return min(int(np.argmax(smooth >= 0.5 * np.max(y))), int(np.argmax(y)))


def measured_extent(y: np.ndarray, run_stat: float = 20.0) -> tuple[int, int]:
    """Bins ``[first, stop)`` holding measurements.

    A leading or trailing run of exact zeros is cut off only when the 50 bins next to it form a
    flat plateau (see :func:`plateau_level`) on which the run is impossible as Poisson noise
    (run length x level > ``run_stat``, probability < e^-20): the outside of an ADC window.
    The zeros before the first photon of a rising edge or after the last photon of a fast decay
    are measurements and stay in the fit; dropping them biases lifetimes.
    """
    nz = np.nonzero(y > 0)[0]
    first, stop = 0, y.size
    lead, trail = int(nz[0]), y.size - int(nz[-1]) - 1
    if lead and lead * plateau_level(y[nz[0] : nz[0] + 50]) > run_stat:
        first = int(nz[0])
    if trail and trail * plateau_level(y[max(nz[-1] - 49, 0) : nz[-1] + 1]) > run_stat:
        stop = int(nz[-1]) + 1
    return first, stop


def plateau_level(block: np.ndarray) -> float:
    """Median counts of ``block`` if it is flat (the means of its halves agree within 4 Poisson
    standard errors), else 0."""
    if block.size < 10:
        return 0.0
    h = block.size // 2
    m1, m2 = float(block[:h].mean()), float(block[h:].mean())
    mean = 0.5 * (m1 + m2)
    if mean <= 0 or abs(m1 - m2) > 4.0 * math.sqrt(2.0 * mean / h):
        return 0.0
    return float(np.median(block))


def fwhm_bins(h: np.ndarray) -> float:
    """FWHM of a peaked histogram, in bins (linear interpolation at half maximum)."""
    k = int(np.argmax(h))
    half = 0.5 * h[k]
    left = k
    while left > 0 and h[left] > half:
        left -= 1
    right = k
    while right < h.size - 1 and h[right] > half:
        right += 1
    return float(max(right - left - 1, 1))


# ----------------------------------------------------------------------------- model
def component_shapes(p: DecayProblem, nl: dict[str, float]) -> np.ndarray:
    """Unit-amplitude component shapes on the full axis, shape ``(k, n)``."""
    t, delta = p.t, p.delta
    if p.model == "stretched":
        if p.irf_kind == "tail":
            s = t - p.tail_start
            out = np.zeros_like(t)
            ok = s >= 0
            cdf = stretched_exp_integral(
                np.append(s[ok], s[ok][-1] + delta), nl["tau_1"], nl["beta"]
            )
            out[ok] = np.diff(cdf) / delta
            return out[None, :]
        # the piecewise-linear IRF reconstruction of the exponential kernels, exact per bin
        if p.irf_kind == "measured":
            coef, s_bins = p.irf_coef, nl["shift"] / delta
        else:
            g = gaussian_histogram(t, nl["shift"], fwhm_to_sigma(nl["irf_fwhm"]))
            if not g.sum() > 0:
                return np.zeros((1, t.size))
            coef, s_bins = irf_coefficients(g), 0.0
        return stretched_conv_irf(coef, nl["tau_1"], nl["beta"], delta, s_bins)[None, :]
    taus = np.array([nl[f"tau_{i + 1}"] for i in range(p.n_components)])
    if p.irf_kind == "measured":  # = decay_models.exp_conv_irf without re-validating the IRF
        s_bins = nl["shift"] / delta
        rows = np.empty((taus.size, t.size))
        for i, tau in enumerate(taus):
            rows[i] = measured_irf_response(p.irf_coef, tau, delta, s_bins)
            if p.period is not None:
                rows[i] += earlier_pulse_tail(p.irf_coef, tau, delta, p.period, s_bins)
        return rows
    if p.irf_kind == "gaussian":
        edges = np.append(t, t[-1] + delta)
        sigma = fwhm_to_sigma(nl["irf_fwhm"])
        rows = exp_conv_gaussian_binned(edges, taus[:, None], nl["shift"], sigma)
        if p.period is not None:  # earlier pulses: fully decayed-through-IRF tails
            r = delta / taus[:, None]
            bin_avg = -np.expm1(-r) / r
            tail = np.exp(
                -(t - nl["shift"]) / taus[:, None]
                + 0.5 * (sigma / taus[:, None]) ** 2
                - p.period / taus[:, None]
            ) / (-np.expm1(-p.period / taus[:, None]))
            rows = rows + bin_avg * np.minimum(tail, 1e300)
        return rows
    # tail fit: bin-averaged exponentials from tail_start, no IRF
    s = (t - p.tail_start)[None, :]
    r = delta / taus[:, None]
    return np.where(s >= 0, np.exp(-np.maximum(s, 0) / taus[:, None]) * (-np.expm1(-r) / r), 0.0)


def design_matrix(p: DecayProblem, nl: dict[str, float]) -> np.ndarray:
    """Columns of the linear model on the fit window: components, then background if free."""
    comp = component_shapes(p, nl)[:, p.window]
    cols = [comp]
    if "background" in p.lin_names:
        cols.append(np.ones((1, comp.shape[1])))
    return np.vstack(cols).T


def expected_counts(p: DecayProblem, nl: dict[str, float], lin: np.ndarray) -> np.ndarray:
    m = design_matrix(p, nl) @ lin
    return m + p.fixed.get("background", 0.0)


# ----------------------------------------------------------------------------- parameters
def to_internal(name: str, value: float) -> float:
    return math.log(value) if name.startswith(("tau_", "irf_fwhm")) else value


def from_internal(name: str, x: float) -> float:
    return math.exp(x) if name.startswith(("tau_", "irf_fwhm")) else x


def internal_bounds(p: DecayProblem, name: str) -> tuple[float, float]:
    span = p.delta * p.t.size
    if name.startswith("tau_"):
        return math.log(1e-3 * p.delta), math.log(100.0 * span)
    if name == "irf_fwhm":  # below a quarter bin a binned Gaussian is a delta to the data
        return math.log(0.25 * p.delta), math.log(0.25 * span)
    if name == "beta":
        return 0.05, 1.0
    if p.irf_kind == "measured":  # IRF shift: a few IRF widths at most
        width = p.delta * (3.0 * fwhm_bins(p.irf) + 5.0)
        return -width, width
    return float(p.t[0]) - 0.1 * span, float(p.t[-1])  # Gaussian IRF centre


def unpack(p: DecayProblem, x: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    k = len(p.nl_names)
    nl = {n: from_internal(n, v) for n, v in zip(p.nl_names, x[:k], strict=True)}
    nl.update({n: v for n, v in p.fixed.items() if n != "background"})
    return nl, x[k:]


def build_problem(
    decay: Any,
    time: Any,
    irf: Any,
    irf_fwhm: float | None,
    n_components: int,
    estimator: str,
    fit_range: tuple[float, float] | None,
    shift: Any,
    background: Any,
    repetition_rate_hz: float | None,
    model: str,
    tail_start: float | None,
    time_unit: str | None = None,
    bin_width: float | None = None,
) -> tuple[DecayProblem, dict[str, Any]]:
    estimator = as_choice(Estimator, estimator, "estimator").value
    model = as_choice(DecayModel, model, "model").value
    if model == "exp" and not (isinstance(n_components, int) and 1 <= n_components <= 4):
        raise ParameterError(f"n_components must be an integer from 1 to 4, got {n_components!r}")
    n_comp = 1 if model == "stretched" else n_components
    d = as_decays(decay, time, time_unit=time_unit, bin_width=bin_width, min_bins=8)
    if d.counts.ndim != 1:
        raise ParameterError(
            f"decay must be a 1-D histogram, got shape {d.counts.shape}; fit several decays "
            "with fit_decays"
        )
    y, t, attrs = d.counts, d.time, d.attrs
    check_fit_bins(t.size)
    delta = float(t[1] - t[0])
    period = None
    if repetition_rate_hz is not None:
        if not repetition_rate_hz > 0:
            raise ParameterError(f"repetition_rate_hz must be > 0, got {repetition_rate_hz}")
        if model == "stretched":
            raise ParameterError("repetition_rate_hz (earlier-pulse tails) needs model='exp'")
        period = 1e9 / repetition_rate_hz
        if period < delta * t.size * (1 - 1e-9):
            raise ParameterError(
                f"repetition period {period:g} ns is shorter than the time window "
                f"{delta * t.size:g} ns"
            )
    if tail_start is not None:
        kind, irf_arr = "tail", None
        if period is not None:
            raise ParameterError("repetition_rate_hz is not used by a tail fit; leave it unset")
    else:
        spec = as_irf(irf, d)
        kind, irf_arr = spec.kind, spec.histogram
        if spec.fwhm is not None:
            if irf_fwhm is not None and abs(irf_fwhm - spec.fwhm) > 1e-12 * spec.fwhm:
                raise ParameterError(
                    f"the IRF FWHM is given twice (irf={irf!r}, irf_fwhm={irf_fwhm}); give one"
                )
            irf_fwhm = spec.fwhm
    fixed: dict[str, float] = {}
    nl_names = [f"tau_{i + 1}" for i in range(n_comp)]
    if model == "stretched":
        nl_names.append("beta")
    if kind != "tail":
        if shift == "free":
            nl_names.append("shift")
        else:
            fixed["shift"] = fixed_value(shift, "shift")
    if kind == "gaussian":
        if irf_fwhm is None:
            nl_names.append("irf_fwhm")
        else:
            if not irf_fwhm > 0:
                raise ParameterError(f"irf_fwhm must be > 0 ns, got {irf_fwhm}")
            fixed["irf_fwhm"] = float(irf_fwhm)
    lin_names = [f"amplitude_raw_{i + 1}" for i in range(n_comp)]
    if background == "free":
        lin_names.append("background")
    else:
        fixed["background"] = fixed_value(background, "background")
    if kind == "measured":
        lead = int(5 * fwhm_bins(irf_arr))
    elif kind == "gaussian" and irf_fwhm is not None:
        lead = int(5 * irf_fwhm / delta)
    else:
        lead = 10 * max(int(fwhm_bins(y)), 2)
    if kind == "tail":
        lo = float(tail_start)
        hi = float(fit_range[1]) if fit_range is not None else float(t[measured_extent(y)[1] - 1])
        if not t[0] <= lo < hi:
            raise ParameterError(
                f"tail_start {tail_start} ns is outside the data ({t[0]:g}..{hi:g} ns)"
            )
        window = fit_window(y, t, (lo, hi), 0)
    else:
        window = fit_window(y, t, fit_range, max(lead, 10))
    p = DecayProblem(
        t=t,
        y=y,
        delta=delta,
        window=window,
        n_components=n_comp,
        irf_kind=kind,
        model=model,
        irf=irf_arr,
        period=period,
        tail_start=tail_start,
        fixed=fixed,
        nl_names=nl_names,
        lin_names=lin_names,
        irf_coef=None if irf_arr is None else irf_coefficients(irf_arr),
    )
    settings = {
        "n_components": n_comp,
        "estimator": estimator,
        "model": model,
        "irf": kind,
        "fit_range_ns": [float(t[window.start]), float(t[window.stop - 1] + delta)],
        "shift": shift,
        "background": background,
        "irf_fwhm": irf_fwhm,
        "repetition_rate_hz": repetition_rate_hz,
        "tail_start": tail_start,
        "bin_width_ns": delta,
        # recorded, never applied silently: pass repetition_rate_hz= to model earlier pulses
        "file_repetition_rate_hz": attrs.get("repetition_rate_hz"),
    }
    return p, settings


#: Most bins a decay fit accepts (TCSPC histograms have at most 65,536).
MAX_FIT_BINS = 1 << 20


def check_fit_bins(n: int) -> None:
    """ParameterError for a decay with more than :data:`MAX_FIT_BINS` bins (before a fit that
    would run for many minutes on what is not one histogram)."""
    if n > MAX_FIT_BINS:
        raise ParameterError(
            f"decay has {n:,} bins; a TCSPC histogram has at most 65,536 and a fit takes at "
            f"most {MAX_FIT_BINS:,}: is this one histogram (not photon time stamps or several "
            "decays in one column)? Rebin it (sum neighbouring bins) or cut it to the decay"
        )


def fixed_value(v: Any, name: str) -> float:
    try:
        out = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be 'free' or a number, got {v!r}") from None
    if not math.isfinite(out):
        raise ParameterError(f"{name} must be finite, got {v!r}")
    return out


# ----------------------------------------------------------------------------- ParameterSet
_UNITS = {"beta": "1", "background": "counts"}


def decay_parameters(
    parameters: Any = None,
    *,
    initial: Any = None,
    shift: Any = "free",
    background: Any = "free",
    irf_fwhm: Any = None,
) -> Any:
    """The one parameter set of a decay fit (:class:`heterolab.parameters.ParameterSet`).

    ``parameters`` (a ParameterSet or its ``to_dict()`` mapping) is the idiom; the older
    keywords are thin conveniences that add to the same set: ``initial={name: start}``,
    ``shift=<ns>``/``background=<counts/bin>``/``irf_fwhm=<ns>`` (held fixed, ``vary=False``;
    ``"free"``/``None`` add nothing). A name given both ways is an error.
    """
    from heterolab.parameters import ParameterSet

    ps = ParameterSet()
    for name, v in dict(initial or {}).items():
        ps.add(name, fixed_value(v, f"initial[{name!r}]"), unit=_UNITS.get(name, "ns"))
    for name, v in (("shift", shift), ("background", background)):
        if not (isinstance(v, str) and v == "free"):
            ps.add(name, fixed_value(v, name), vary=False, unit=_UNITS.get(name, "ns"))
    if irf_fwhm is not None:
        ps.add("irf_fwhm", fixed_value(irf_fwhm, "irf_fwhm"), vary=False, unit="ns")
    if parameters is None:
        return ps
    given = (
        parameters
        if isinstance(parameters, ParameterSet)
        else ParameterSet.from_mapping(parameters)
    )
    twice = sorted(set(given.params) & set(ps.params))
    if twice:
        raise ParameterError(
            f"{', '.join(twice)} given both in parameters= and as a keyword argument; "
            "give each parameter once (parameters= is the one idiom)"
        )
    ps.params.update(given.copy().params)
    return ps


def from_parameter_set(parameters: Any) -> tuple[dict[str, float], Any, Any, Any]:
    """Start values and fixed settings of a decay fit from its ParameterSet
    (:func:`decay_parameters`): ``(initial, shift, background, irf_fwhm)`` with ``"free"``/
    ``None`` where the set does not hold the parameter fixed."""
    init: dict[str, float] = {}
    shift: Any = "free"
    background: Any = "free"
    irf_fwhm: Any = None
    for name, par in parameters.params.items():
        if par.expr is not None or math.isfinite(par.min) or math.isfinite(par.max):
            raise ParameterError(
                f"parameter {name!r}: decay fits take start values and vary=False only "
                "(no expressions or bounds; lifetimes are bounded by the time window)"
            )
        fixed = not par.vary
        if name == "shift":
            shift = par.value if fixed else shift
        elif name == "background":
            background = par.value if fixed else background
        elif name == "irf_fwhm":
            irf_fwhm = par.value if fixed else irf_fwhm
        elif fixed:
            raise ParameterError(f"parameter {name!r} cannot be held fixed in a decay fit")
        if not fixed and name != "background" and not name.startswith("amplitude"):
            init[name] = par.value
    return init, shift, background, irf_fwhm


def record_parameter_sets(result: Any, p: DecayProblem, opt: Any) -> None:
    """``statistics["parameters_initial"]`` / ``["parameters_fitted"]`` as ParameterSet
    dicts (start and fitted nonlinear values, fixed settings with vary=False)."""
    from heterolab.parameters import ParameterSet

    k = len(p.nl_names)
    for key, x in (("parameters_initial", opt.x0), ("parameters_fitted", opt.x)):
        ps = ParameterSet()
        for name, xi in zip(p.nl_names, x[:k], strict=True):
            ps.add(name, from_internal(name, float(xi)), unit="1" if name == "beta" else "ns")
        if "background" in p.lin_names:
            ps.add("background", float(x[-1]), unit="counts")
        for name, v in p.fixed.items():
            ps.add(name, float(v), vary=False, unit="counts" if name == "background" else "ns")
        result.statistics[key] = ps.to_dict()
