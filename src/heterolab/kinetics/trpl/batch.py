"""Fast batch fitting of many photon-counting decays that share one instrument response.

Every decay (a FLIM pixel, a kinetic trace of a series) is fitted with its own lifetimes,
amplitudes and background, by Poisson maximum likelihood (default) or Neyman-weighted least
squares, with one instrument response and one time shift for the whole batch. The shift (and,
for a Gaussian IRF of unknown width, its FWHM) is estimated once from the summed decay with the
single-decay engine :func:`heterolab.kinetics.trpl.decay_fit.fit_decay`, which also gives the starting
values; the shift is then refined on the profile likelihood of the brightest decays (and a
fitted FWHM by Fisher scoring on it), and the error of both is carried into every decay's
standard errors (:mod:`heterolab.kinetics.trpl.shared_irf`).

Numerics
--------
Each decay is fitted by a bounded Levenberg-Marquardt iteration on Fisher scoring
(Gauss-Newton on the Poisson likelihood, i.e. iteratively reweighted least squares; e.g.
McCullagh & Nelder, *Generalized Linear Models*, 2nd ed., Chapman & Hall 1989, sec. 2.5), with
an analytic Jacobian with respect to ``log tau_i``, the amplitudes and the background. The model
of one unit-amplitude component reconvolved with the binned IRF is the bin-exact recursion of
:func:`heterolab.kinetics.decay_models.exp_conv_irf`,

``K_k = h0 irf_k + T_k,  T_k = q T_{k-1} + c irf_{k-1},  q = exp(-Delta/tau)``,

whose derivative with respect to ``log tau`` obeys the differentiated recursion, so model and
Jacobian cost O(n_bins) per component. A measured IRF is reconstructed piecewise-linearly between its bin
centres with a fractional shift (as :func:`~heterolab.kinetics.decay_models.exp_conv_irf`,
``K_k = F0 c_k + F1 c_{k-1} + T_k``, ``T_k = q T_{k-1} + F2 c_{k-2}``); a Gaussian IRF is integrated
over 8 sub-bins per detection bin on its support, which brings the kernel within ~2e-4 of the
peak of the closed form (:func:`~heterolab.kinetics.decay_models.exp_conv_gaussian_binned`)
where one histogram bin per detection bin is off by ~1-4 % for an IRF a few bins wide. The loop over decays is compiled
with numba (cached on disk, ``nogil``) and runs on chunks of decays in parallel threads.

Bounds are handled by an active set: a parameter at its bound whose gradient points outwards is
held there; a component whose amplitude reaches zero is reported as vanished (its lifetime is
undetermined and is returned as NaN). A decay whose fit does not converge, whose deviance cannot
be lowered while the gradient is not zero, or whose result is not finite is flagged and its
parameters are NaN: starting values are never returned as an answer.
"""

from __future__ import annotations

import math
import os
import time as _time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
import xarray as xr
from scipy.special import ndtr

from heterolab.arrays import as_decays, as_irf
from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import fwhm_to_sigma, irf_coefficients, split_shift
from heterolab.kinetics.trpl._batch_kernels import (
    _B_MIN,
    _TAU_MAX_WINDOWS,
    _TAU_MIN_BINS,
    _fit_all,
    _model_rows,
)
from heterolab.kinetics.trpl.choices import BatchEstimator
from heterolab.kinetics.trpl.decay_setup import (
    check_fit_bins,
    decay_parameters,
    from_parameter_set,
)
from heterolab.kinetics.trpl.pixel_status import (
    PixelStatus,
    classify_batch,
    flag_names,
    record_status,
)
from heterolab.kinetics.trpl.shared_irf import (
    profile_shift,
    rescore_shared,
    shared_parameter_variance,
)
from heterolab.result import Quantity, Result, make_provenance

__all__ = [
    "FIT_STATUS",
    "fit_decays",
    "gaussian_irf_histogram",
    "model_decays",
]

#: Meaning of the per-decay ``fit_status`` codes.
FIT_STATUS = {
    0: "converged",
    1: "no convergence within the iteration limit",
    2: "stuck: deviance cannot be lowered but the gradient is not zero",
    3: "non-finite model or parameters",
    4: "too few photons for the number of parameters",
    5: "a component vanished (amplitude 0; fewer components describe the decay)",
    6: "masked (not fitted)",
}


def gaussian_irf_histogram(time: np.ndarray, t0: float, fwhm: float) -> np.ndarray:
    """Bin-integrated, unit-sum Gaussian IRF on bins starting at ``time`` (ns).

    ``irf_k = Phi((t_{k+1} - t0)/sigma) - Phi((t_k - t0)/sigma)`` with sigma = FWHM/2.3548,
    normalised to unit sum inside the window.
    """
    t = np.asarray(time, dtype=float)
    delta = float(t[1] - t[0])
    edges = np.append(t, t[-1] + delta)
    sigma = float(fwhm_to_sigma(fwhm))
    h = np.diff(ndtr((edges - t0) / sigma))
    if not h.sum() > 0:
        raise ParameterError(f"Gaussian IRF at t0={t0:g} ns lies outside the time window")
    return h / h.sum()


def _as_batch(
    decays: Any, time: Any, time_unit: str | None = None, bin_width: float | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], dict]:
    """(n, nt) counts, time axis (ns), leading dims and coords (:func:`heterolab.arrays.as_decays`)."""
    d = as_decays(decays, time, time_unit=time_unit, bin_width=bin_width)
    shape = d.lead_shape if d.counts.ndim > 1 else (1,)
    lead = d.lead_dims
    if not isinstance(decays, xr.DataArray) or not lead:
        lead = ("decay",) if len(shape) == 1 else tuple(f"dim_{i}" for i in range(len(shape)))
    y = d.counts.reshape(-1, d.time.size)
    return y, d.time, lead, {"shape": shape, "coords": d.coords, "input": d}


def _irf_histogram(
    irf: Any, like: Any, irf_fwhm: float | None = None
) -> tuple[str, np.ndarray | None, float | None]:
    """('measured', unit-sum irf, None) | ('gaussian', None, fwhm or None) (:func:`as_irf`);
    ``irf_fwhm`` is a Gaussian FWHM held fixed by the ParameterSet."""
    spec = as_irf(irf if irf is not None or irf_fwhm is None else irf_fwhm, like)
    if spec.kind == "measured":
        if irf_fwhm is not None:
            raise ParameterError(
                "irf_fwhm (a Gaussian IRF width) cannot be held fixed with a measured IRF"
            )
        return "measured", spec.histogram / spec.histogram.sum(), None
    twice = irf_fwhm is not None and spec.fwhm is not None
    if twice and abs(spec.fwhm - irf_fwhm) > 1e-12 * irf_fwhm:  # type: ignore[operator]
        raise ParameterError(
            f"the IRF FWHM is given twice (irf={irf!r}, irf_fwhm={irf_fwhm}); give one"
        )
    return "gaussian", None, spec.fwhm if spec.fwhm is not None else irf_fwhm


def _global_fit(
    total: np.ndarray,
    t: np.ndarray,
    kind: str,
    irf: np.ndarray | None,
    fwhm: float | None,
    n_components: int,
    shift: float | None,
    background: Any,
    fit_range: tuple[float, float],
    initial: dict[str, float],
) -> Result:
    """Fit of the summed decay with the single-decay engine: start values, shift, IRF width.

    ``background`` is the summed decay's (the per-decay value times the number of decays when
    it is held fixed); ``initial`` start values by name (from the ParameterSet)."""
    from heterolab.kinetics.trpl.decay_fit import fit_decay

    g = fit_decay(
        total,
        time=t,
        irf=irf if kind == "measured" else "gaussian",
        irf_fwhm=fwhm,
        n_components=n_components,
        estimator="mle",
        fit_range=fit_range,
        shift="free" if shift is None else shift,
        background=background,
        initial=initial or None,
    )
    if shift is not None:
        g.parameters.setdefault("shift", Quantity(float(shift), None, "ns"))
    return g


_GAUSS_SUBBINS = 8  # sub-bins per detection bin resolving a Gaussian IRF


def _irf_at(
    kind: str, irf_n: np.ndarray | None, t: np.ndarray, shift: float, fwhm: float | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """IRF for the compiled kernels at ``shift``: (histogram, [first bin, sub-bins per bin],
    fraction of a bin).

    Gaussian: centre t0 = shift, integrated over 8 sub-bins per detection bin on its support
    (+-8 sigma, inside the window), normalised to unit sum; fraction -1 (sub-bin kernel).
    Measured: the piecewise-linear reconstruction coefficients
    (:func:`~heterolab.kinetics.decay_models.irf_coefficients`) moved by the whole bins of
    ``shift`` and the remaining fraction of a bin, convolved exactly by the kernel.
    """
    delta = float(t[1] - t[0])
    if kind == "gaussian":
        sigma = float(fwhm_to_sigma(float(fwhm)))
        k0 = max(int(np.floor((shift - 8 * sigma - t[0]) / delta)), 0)
        k1 = min(int(np.ceil((shift + 8 * sigma - t[0]) / delta)) + 1, t.size)
        if k1 <= k0:
            raise ParameterError(f"Gaussian IRF at t0={shift:g} ns lies outside the time window")
        edges = t[0] + delta * (k0 + np.arange((k1 - k0) * _GAUSS_SUBBINS + 1) / _GAUSS_SUBBINS)
        h = np.diff(ndtr((edges - shift) / sigma))
        if not h.sum() > 0:
            raise ParameterError(f"Gaussian IRF at t0={shift:g} ns lies outside the time window")
        return h / h.sum(), np.array([k0, _GAUSS_SUBBINS], dtype=np.int64), -1.0
    h, frac = split_shift(irf_coefficients(irf_n), shift / delta)
    if not h.sum() > 0.5:
        raise ParameterError(f"IRF shifted by {shift:g} ns leaves the time window")
    return np.ascontiguousarray(h), np.array([0, 1], dtype=np.int64), frac


def _window_weights(y: np.ndarray, t: np.ndarray, fit_range: tuple[float, float] | None, mle: bool):
    """Per-bin weights: 0 outside the fit window; 1 (MLE, one shared row) or 1/max(y, 1) (LSQ)."""
    delta = t[1] - t[0]
    inside = np.ones(t.size, dtype=bool)
    if fit_range is not None:
        lo, hi = fit_range
        if not lo < hi:
            raise ParameterError(
                f"fit_range must be (start, stop) with start < stop, got {fit_range}"
            )
        inside = (t >= lo - 1e-9 * delta) & (t + delta <= hi + 1e-9 * delta)
        if inside.sum() < 4:
            raise ParameterError(
                f"fit_range {fit_range} ns holds fewer than 4 bins of the time axis"
            )
    w = inside.astype(float)[None, :]
    if not mle:
        w = w / np.maximum(y, 1.0)
    return np.ascontiguousarray(w)


def _start_values(g: Result, y: np.ndarray, n_components: int, fit_bg: bool) -> np.ndarray:
    """Per-decay starting values scaled from the summed-decay fit by each decay's photons."""
    taus = np.array([g.value(f"tau_{i + 1}") for i in range(n_components)])
    amps = np.array([g.value(f"amplitude_raw_{i + 1}") for i in range(n_components)])
    bg = g.value("background")
    share = y.sum(axis=1) / max(y.sum(), 1.0)
    cols = [np.broadcast_to(np.log(taus), (y.shape[0], n_components))]
    cols.append(np.maximum(share[:, None] * amps[None, :], 1e-6 * share[:, None] + 1e-12))
    if fit_bg:
        cols.append(np.maximum(share * bg, 1e-3)[:, None])
    return np.ascontiguousarray(np.concatenate(cols, axis=1))


def fit_decays(
    decays: xr.DataArray | np.ndarray,
    *,
    time: np.ndarray | None = None,
    irf: xr.DataArray | np.ndarray | float | None = None,
    n_components: int = 1,
    estimator: BatchEstimator | str = BatchEstimator.MLE,
    background: Literal["free"] | float = "free",
    shift: float | None = None,
    fit_range: tuple[float, float] | None = None,
    min_photons: float | None = None,
    mask: np.ndarray | None = None,
    threads: int | None = None,
    chunk_size: int | None = None,
    map_chunks: Callable[..., Any] | None = None,
    time_unit: str | None = None,
    bin_width: float | None = None,
    parameters: Any = None,
) -> Result:
    """Fit many decays at once: per-decay lifetimes, amplitudes and background.

    Parameters
    ----------
    decays
        Counts, a DataArray with dims ``(..., "time")`` (time coordinate in ns, or another time
        unit in its ``units`` attr) or an array ``(n, n_bins)`` with ``time=``.
    time
        Bin start times in ns when ``decays`` is a plain array.
    irf
        Measured IRF on the same bins (shared by all decays), a Gaussian FWHM (``Quantity``,
        ``"90 ps"`` or a number in ns), or ``None`` (Gaussian whose FWHM is fitted on the summed
        decay); the rules of :func:`heterolab.arrays.as_irf`.
    n_components
        Number of exponential components per decay, 1, 2 or 3.
    estimator
        ``"mle"`` (Poisson maximum likelihood) or ``"lsq"`` (weights 1/max(y, 1), Neyman
        chi-square; biased at low counts, kept for comparison with other software).
    background
        ``"free"`` (fitted per decay, counts/bin >= 0) or a fixed value in counts/bin.
    shift
        IRF shift (measured IRF) or IRF centre t0 (Gaussian) in ns; ``None``: estimated once
        from the summed decay.
    fit_range
        ``(start, stop)`` in ns; default the whole histogram.
    min_photons
        Decays with fewer counts in the fit window are not fitted (status 4); default
        ``10 * number of parameters``.
    mask
        Boolean array over the leading dims; False entries are not fitted (status 6).
    threads
        Worker threads (the compiled fitter releases the GIL); default ``os.cpu_count()``.
    chunk_size, map_chunks
        Scale-out of the per-decay fits: the selected decays are cut into chunks of
        ``chunk_size`` and ``map_chunks(fit_chunk, [args, ...])`` returns
        ``[fit_chunk(*args), ...]`` in order (e.g. tasks on Dask workers; each chunk is fitted
        in one thread). The summed-decay fit, the shift and the start values are computed here
        once, and each decay's fit does not depend on the others, so the result is identical
        to the unchunked one (:func:`fit_chunk`).
    time_unit, bin_width
        Unit of ``time`` and bin width (see :func:`heterolab.arrays.as_decays`).
    parameters
        A :class:`heterolab.parameters.ParameterSet` (or its ``to_dict()`` mapping), the one
        parameter idiom of heterolab (as :func:`~heterolab.kinetics.trpl.decay_fit.fit_decay`):
        start values of the summed-decay fit by name (``tau_1``.., ``shift``, ``irf_fwhm``);
        ``vary=False`` holds ``shift``, ``background`` (counts/bin per decay) or ``irf_fwhm``
        (Gaussian IRF, ns) fixed. ``shift=``/``background=`` are conveniences that add to the
        same set. ``statistics["parameters_fitted"]`` of a batch fit can be passed back here to
        repeat it.

    Returns
    -------
    Result
        ``kind="trpl.batch_fit"``. ``curves`` hold maps over the leading dims: ``tau_i``,
        ``amplitude_i`` (counts/bin at time zero), ``background`` and their ``*_stderr``
        (inverse Fisher information plus the propagated error of the estimated shared shift
        and IRF FWHM, :mod:`~heterolab.kinetics.trpl.shared_irf`), ``tau_avg_intensity`` = sum a_i tau_i^2 / sum a_i tau_i
        and ``tau_avg_amplitude`` = sum a_i tau_i / sum a_i (ns; e.g. Sillen & Engelborghs,
        Photochem. Photobiol. 67, 475 (1998)), ``deviance`` (MLE) or ``chi2`` (LSQ),
        ``chi2_reduced`` (Pearson), ``photons``, ``fit_status`` (see :data:`FIT_STATUS`),
        ``converged`` and ``iterations``. Failed decays have NaN parameters. ``parameters``
        are the medians over converged decays; the summed-decay fit is in ``derived``
        (``global_*``) and ``statistics`` count decays per status and the fitting speed;
        ``statistics["parameters_initial"]``/``["parameters_fitted"]`` are the ParameterSet
        dicts the batch started from and ended with (summed-decay lifetimes, the shift used,
        IRF width, background setting). ``derived["shift"]`` (and ``["irf_fwhm"]``) carry the
        standard error of the profiled information of the decays they were estimated from; a
        fitted Gaussian FWHM is refined from the summed-decay value by Fisher-scoring steps on
        the brightest decays' profile likelihood (``statistics["shared_irf_steps"]``).

    Raises
    ------
    ParameterError
        Invalid data or settings (dims, negative counts, IRF length, n_components, estimator).
    """
    if n_components not in (1, 2, 3):
        raise ParameterError(f"n_components must be 1, 2 or 3, got {n_components!r}")
    estimator = as_choice(BatchEstimator, estimator, "estimator").value
    initial, shift_s, background, irf_fwhm = from_parameter_set(
        decay_parameters(
            parameters, shift="free" if shift is None else shift, background=background
        )
    )
    shift = None if isinstance(shift_s, str) else float(shift_s)
    fit_bg = isinstance(background, str) and background == "free"
    if not fit_bg:
        try:
            bg_fixed = float(background)
        except (TypeError, ValueError):
            raise ParameterError(
                f"background must be 'free' or counts/bin, got {background!r}"
            ) from None
        if not (math.isfinite(bg_fixed) and bg_fixed >= 0):
            raise ParameterError(
                f"background must be finite and >= 0 counts/bin, got {background!r}"
            )
    else:
        bg_fixed = 0.0
    y, t, lead, info = _as_batch(decays, time, time_unit, bin_width)
    check_fit_bins(t.size)
    delta = float(t[1] - t[0])
    kind, irf_n, fwhm = _irf_histogram(irf, info.pop("input"), irf_fwhm)
    mle = estimator == "mle"
    window = fit_range if fit_range is not None else (float(t[0]), float(t[-1] + delta))
    w = _window_weights(y, t, fit_range, mle)
    selected = np.ones(y.shape[0], dtype=bool)
    if mask is not None:
        mk = np.asarray(mask, dtype=bool)
        if mk.shape != tuple(info["shape"]):
            raise ParameterError(f"mask has shape {mk.shape}, decays have {tuple(info['shape'])}")
        selected = mk.reshape(-1)
    if not selected.any():
        raise ParameterError("no decay is selected for fitting (mask is all False)")
    total = y[selected].sum(axis=0)
    bg_total = background if fit_bg else bg_fixed * int(selected.sum())
    g = _global_fit(total, t, kind, irf_n, fwhm, n_components, shift, bg_total, window, initial)
    result = Result(kind="trpl.batch_fit")
    settings = {
        "n_components": n_components,
        "estimator": estimator,
        "irf": kind,
        "irf_fwhm": fwhm,
        "shift": shift,
        "background": background,
        "fit_range_ns": list(window),
        "bin_width_ns": delta,
        "n_bins": int(t.size),
    }
    result.provenance = make_provenance((), settings)
    if g.status == "suspect":
        result.warnings.append(f"summed-decay fit is suspect: {g.message}")
    if g.status == "failed":
        result.mark_failed(
            f"fit of the summed decay failed ({g.message}); no start values or shift"
        )
        return result
    fwhm_used = (g.value("irf_fwhm") if fwhm is None else fwhm) if kind == "gaussian" else None
    p = 2 * n_components + int(fit_bg)
    x0 = _start_values(g, y, n_components, fit_bg)
    lo, hi = _bounds(n_components, fit_bg, delta, t.size)
    min_counts = 10.0 * p if min_photons is None else float(min_photons)
    opts = (n_components, fit_bg, bg_fixed, mle, min_counts)
    sel = np.nonzero(selected)[0]
    w_sel = w if w.shape[0] == 1 else w[sel]
    shift_used = g.value("shift")
    profiled = np.arange(sel.size)

    def irf_at(s: float, f: float | None) -> tuple[np.ndarray, np.ndarray, float]:
        return _irf_at(kind, irf_n, t, s, f)

    def fit(yf: np.ndarray, wf: np.ndarray, irf: tuple, xf: np.ndarray) -> tuple:
        return _fit_parallel(yf, wf, irf, delta, xf, lo, hi, opts, threads)

    if shift is None:
        shift_used, profiled = profile_shift(
            y[sel], w_sel, irf_at, fit, shift_used, fwhm_used, x0[sel], delta
        )
        result.statistics["shift_source"] = (
            f"profile likelihood over the {profiled.size} brightest decays "
            f"(summed-decay fit: {g.value('shift'):.6g} ns)"
        )
    else:
        result.statistics["shift_source"] = "given"
    shared = (("shift",) if shift is None else ()) + (
        ("irf_fwhm",) if kind == "gaussian" and fwhm is None else ()
    )
    if "irf_fwhm" in shared:  # summed-decay FWHM: biased when the decays differ in lifetime
        shift_used, fwhm_used, profiled, rounds = rescore_shared(
            y[sel], w_sel, t, irf_at, fit, shift_used, fwhm_used, shared, x0[sel], lo, opts, threads
        )
        result.statistics["shared_irf_steps"] = rounds
    try:
        irf_use = _irf_at(kind, irf_n, t, shift_used, fwhm_used)
    except ParameterError as exc:  # a fitted shift, not a setting: the fit failed
        result.mark_failed(f"estimated IRF shift {shift_used:.6g} ns is unusable: {exc}")
        return result
    started = _time.perf_counter()
    xs, var, status, obj, iters, pearson, misfit = _fit_parallel(
        y[sel],
        w_sel,
        irf_use,
        delta,
        x0[sel],
        lo,
        hi,
        opts,
        threads,
        chunk_size,
        map_chunks,
        show="fitting decays",
    )
    extra, shared_cov, _ = shared_parameter_variance(
        y[sel],
        w_sel,
        t,
        irf_at,
        shift_used,
        fwhm_used,
        shared,
        xs,
        status,
        lo,
        opts,
        profiled,
        threads,
    )
    var = var + extra
    elapsed = _time.perf_counter() - started
    full = _scatter(y.shape[0], sel, xs, var, status, obj, iters, pearson, p)
    full["misfit"] = np.full(y.shape[0], np.nan)
    full["misfit"][sel] = misfit
    _fill_result(
        result, full, y, w, t, irf_use, delta, n_components, fit_bg, bg_fixed, mle, lead, info
    )
    bias = _kernel_bias(kind, irf_n, full["x"][:, :n_components], delta, shift_used)
    _pixel_status(result, full, n_components, (lo[0], hi[0]), window, delta, info, bias)
    _fill_global(
        result,
        g,
        shift_used,
        fwhm_used,
        n_components,
        dict(zip(shared, np.diag(shared_cov), strict=True)),
    )
    _record_parameter_sets(result, g, shift_used, shift is None, fit_bg, bg_fixed)
    result.statistics["fit_seconds"] = elapsed
    result.statistics["decays_per_second"] = sel.size / elapsed if elapsed > 0 else math.inf
    return result


def _record_parameter_sets(
    result: Result, g: Result, shift: float, shift_free: bool, fit_bg: bool, bg_fixed: float
) -> None:
    """``statistics["parameters_initial"/"parameters_fitted"]`` of a batch fit: the summed-decay
    fit's sets (ParameterSet dicts) with the per-decay background setting and the shift used."""
    from heterolab.parameters import ParameterSet

    for key in ("parameters_initial", "parameters_fitted"):
        ps = ParameterSet.from_mapping(g.statistics[key])
        ps.params.pop("background", None)
        if not fit_bg:
            ps.add("background", bg_fixed, vary=False, unit="counts")
        if key == "parameters_fitted" and "shift" in ps.params:
            ps.add("shift", shift, vary=shift_free, unit="ns")
        result.statistics[key] = ps.to_dict()


def fit_chunk(y, w, irf0, irf1, irf2, delta, x0, lo, hi, *opts):
    """Fit one chunk of decays with the compiled fitter (what ``map_chunks`` of
    :func:`fit_decays` runs: a plain module-level function, so it pickles by reference)."""
    return _fit_all(y, w, irf0, irf1, irf2, delta, x0, lo, hi, *opts)


def _fit_parallel(
    y, w, irf, delta, x0, lo, hi, opts, threads, chunk_size=None, map_chunks=None, show=None
):
    """Run the compiled fitter on contiguous chunks of decays in threads (it releases the GIL),
    or, with ``map_chunks``, on chunks of ``chunk_size`` decays wherever it sends them; with
    ``show`` (a description) a progress bar counts the decays fitted in threads."""
    n = y.shape[0]
    if map_chunks is not None:
        size = max(1, int(chunk_size or n))
        args = [
            (
                np.ascontiguousarray(y[i : i + size]),
                w if w.shape[0] == 1 else np.ascontiguousarray(w[i : i + size]),
                irf[0],
                irf[1],
                irf[2],
                delta,
                np.ascontiguousarray(x0[i : i + size]),
                lo,
                hi,
                *opts,
            )
            for i in range(0, n, size)
        ]
        parts = list(map_chunks(fit_chunk, args))
        return tuple(np.concatenate([part[i] for part in parts]) for i in range(len(parts[0])))
    threads = max(1, min(int(threads or os.cpu_count() or 1), n // 64 or 1))
    # with a progress bar (``show``): units of work of <= _PROGRESS_CHUNK decays, counted
    n_chunks = threads if show is None else max(threads, -(-n // _PROGRESS_CHUNK))
    chunks = np.array_split(np.arange(n), n_chunks)
    from heterolab.progress import progress_task

    with progress_task(show or "fitting decays", total=n, unit="decay") as bar:
        tick = bar if show is not None else _silent

        def work(idx: np.ndarray):
            wc = w if w.shape[0] == 1 else np.ascontiguousarray(w[idx])
            out = _fit_all(
                np.ascontiguousarray(y[idx]),
                wc,
                irf[0],
                irf[1],
                irf[2],
                delta,
                np.ascontiguousarray(x0[idx]),
                lo,
                hi,
                *opts,
            )
            tick(idx.size)
            return out

        if threads == 1:
            parts = [work(c) for c in chunks]
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                parts = list(pool.map(work, chunks))
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(len(parts[0])))


_PROGRESS_CHUNK = 2048  # decays per unit of work when a progress bar is shown


def _silent(n: float = 1) -> None:
    """No bar (the profile-likelihood search refits the same decays many times)."""


def _bounds(ncomp: int, fit_bg: bool, delta: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    lo = [math.log(_TAU_MIN_BINS * delta)] * ncomp + [0.0] * ncomp
    hi = [math.log(_TAU_MAX_WINDOWS * delta * n)] * ncomp + [np.inf] * ncomp
    if fit_bg:
        lo.append(_B_MIN)
        hi.append(np.inf)
    return np.array(lo), np.array(hi)


def _scatter(nd, sel, xs, var, status, obj, iters, pearson, p) -> dict[str, np.ndarray]:
    """Place fitted rows back into arrays over all decays (unselected: status 6, NaN)."""
    out = {
        "x": np.full((nd, p), np.nan),
        "var": np.full((nd, p), np.nan),
        "status": np.full(nd, 6, dtype=np.int64),
        "obj": np.full(nd, np.nan),
        "iters": np.zeros(nd, dtype=np.int64),
        "pearson": np.full(nd, np.nan),
    }
    out["pearson"][sel] = pearson
    out["x"][sel], out["var"][sel], out["status"][sel] = xs, var, status
    out["obj"][sel], out["iters"][sel] = obj, iters
    return out


def _kernel_bias(
    kind: str, irf_n: np.ndarray | None, log_tau: np.ndarray, delta: float, shift: float
) -> np.ndarray | None:
    """Estimated measured-IRF kernel bias (ns) of each fitted lifetime (``(n, k)``), the
    quantity single-decay fits are judged by
    (:func:`~heterolab.kinetics.decay_models.measured_irf_lifetime_bias` at the batch's
    shift); None for a Gaussian IRF."""
    if kind != "measured" or irf_n is None:
        return None
    from heterolab.kinetics.decay_models import measured_irf_lifetime_bias

    with np.errstate(over="ignore"):
        tau = np.exp(log_tau)
    return np.asarray(measured_irf_lifetime_bias(tau, irf_n, delta, shift / delta))


def _pixel_status(
    result, full, ncomp, log_tau_bounds, window, delta, info, kernel_bias=None
) -> None:
    """``curves["pixel_status"]``/``["pixel_flags"]`` (:mod:`~heterolab.kinetics.trpl.pixel_status`)
    and their counts; the Result is suspect when too many decays are."""
    x, var = full["x"], full["var"]
    with np.errstate(invalid="ignore"):
        tau_se = np.exp(x[:, :ncomp]) * np.sqrt(var[:, :ncomp])
        amp_se = np.sqrt(var[:, ncomp : 2 * ncomp])
    status, flags = classify_batch(
        full["status"],
        x[:, :ncomp],
        tau_se,
        x[:, ncomp : 2 * ncomp],
        amp_se,
        full["misfit"],
        log_tau_bounds,
        float(window[1] - window[0]),
        delta,
        kernel_bias,
    )
    template = result.curves["fit_status"]
    shape = tuple(info["shape"])
    for name, arr in (
        ("pixel_status", status),
        ("pixel_flags", flags),
        ("misfit_z", full["misfit"]),
    ):
        result.curves[name] = template.copy(data=arr.reshape(shape)).rename(name)
        result.curves[name].attrs["units"] = "1"
    result.curves["pixel_status"].attrs["legend"] = ", ".join(
        f"{s.name.lower()}={int(s)}" for s in PixelStatus
    )
    result.curves["pixel_flags"].attrs["legend"] = ", ".join(
        f"{k}={v}" for k, v in flag_names().items()
    )
    if result.status != "failed":
        record_status(result, status, flags, "decays")


def _sorted_components(x: np.ndarray, var: np.ndarray, ncomp: int):
    """Lifetimes (ns), amplitudes and their stderr, ordered by ascending lifetime per decay."""
    u = x[:, :ncomp]
    tau = np.exp(u)
    amp = x[:, ncomp : 2 * ncomp]
    with np.errstate(invalid="ignore"):
        tau_se = tau * np.sqrt(var[:, :ncomp])
        amp_se = np.sqrt(var[:, ncomp : 2 * ncomp])
    order = np.argsort(np.where(np.isfinite(tau), tau, np.inf), axis=1)
    take = lambda a: np.take_along_axis(a, order, axis=1)  # noqa: E731
    return take(tau), take(amp), take(tau_se), take(amp_se)


def _fill_result(result, full, y, w, t, irf_use, delta, ncomp, fit_bg, bg_fixed, mle, lead, info):
    """Maps, medians and status counts into ``result``."""
    x, var, status = full["x"], full["var"], full["status"]
    tau, amp, tau_se, amp_se = _sorted_components(x, var, ncomp)
    failed = (status != 0) & (status != 5)
    vanished = amp <= 0.0
    tau = np.where(vanished, np.nan, tau)
    tau_se = np.where(vanished, np.nan, tau_se)
    for arr in (tau, amp, tau_se, amp_se):
        arr[failed] = np.nan
    bg = x[:, 2 * ncomp] if fit_bg else np.full(x.shape[0], bg_fixed)
    with np.errstate(invalid="ignore"):
        bg_se = np.sqrt(var[:, 2 * ncomp]) if fit_bg else np.full(x.shape[0], np.nan)
    bg = np.where(failed, np.nan, bg)
    bg_se = np.where(failed, np.nan, bg_se)
    a_pos = np.where(vanished, 0.0, amp)
    t_pos = np.where(vanished, 0.0, tau)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau_int = np.sum(a_pos * t_pos**2, axis=1) / np.sum(a_pos * t_pos, axis=1)
        tau_amp = np.sum(a_pos * t_pos, axis=1) / np.sum(a_pos, axis=1)
    tau_int[failed] = np.nan
    tau_amp[failed] = np.nan
    pearson = np.where(failed, np.nan, full["pearson"])
    maps: dict[str, np.ndarray] = {}
    for i in range(ncomp):
        maps[f"tau_{i + 1}"], maps[f"tau_{i + 1}_stderr"] = tau[:, i], tau_se[:, i]
        maps[f"amplitude_{i + 1}"], maps[f"amplitude_{i + 1}_stderr"] = amp[:, i], amp_se[:, i]
    maps["background"], maps["background_stderr"] = bg, bg_se
    maps["tau_avg_intensity"], maps["tau_avg_amplitude"] = tau_int, tau_amp
    maps["deviance" if mle else "chi2"] = full["obj"]
    maps["chi2_reduced"] = pearson
    maps["photons"] = (y * (w[0] > 0)).sum(axis=1)
    maps["fit_status"] = status
    maps["converged"] = status == 0
    maps["iterations"] = full["iters"]
    units = {
        "tau": "ns",
        "amplitude": "counts/bin",
        "background": "counts/bin",
        "photons": "counts",
    }
    shape = tuple(info["shape"])
    for name, arr in maps.items():
        unit = next((u for k, u in units.items() if name.startswith(k)), "1")
        da = xr.DataArray(arr.reshape(shape), dims=lead, coords=info["coords"], name=name)
        da.attrs["units"] = unit
        result.curves[name] = da
    result.curves["total_decay"] = xr.DataArray(
        y.sum(axis=0),
        dims=("time",),
        coords={"time": ("time", t, {"units": "ns"})},
        attrs={"units": "counts"},
    )
    _fill_summary(result, maps, status, ncomp)


def _median_quantity(values: np.ndarray, unit: str) -> Quantity:
    """Median with its standard error sqrt(pi/2) * 1.4826 MAD / sqrt(n) (normal approximation)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return Quantity(math.nan, math.nan, unit)
    med = float(np.median(v))
    mad = 1.4826 * float(np.median(np.abs(v - med)))
    return Quantity(med, math.sqrt(math.pi / 2) * mad / math.sqrt(v.size), unit)


def _fill_summary(
    result: Result, maps: dict[str, np.ndarray], status: np.ndarray, ncomp: int
) -> None:
    ok = status == 0
    for i in range(ncomp):
        result.parameters[f"tau_{i + 1}"] = _median_quantity(maps[f"tau_{i + 1}"][ok], "ns")
        result.parameters[f"amplitude_{i + 1}"] = _median_quantity(
            maps[f"amplitude_{i + 1}"][ok], "counts/bin"
        )
    result.parameters["background"] = _median_quantity(maps["background"][ok], "counts/bin")
    result.derived["tau_avg_intensity"] = _median_quantity(maps["tau_avg_intensity"][ok], "ns")
    result.derived["tau_avg_amplitude"] = _median_quantity(maps["tau_avg_amplitude"][ok], "ns")
    fitted = status != 6
    counts = {FIT_STATUS[c]: int(np.sum(status == c)) for c in FIT_STATUS if np.any(status == c)}
    n_fit = int(fitted.sum())
    n_ok = int(ok.sum())
    result.statistics.update(
        {
            "n_decays": int(status.size),
            "n_fitted": n_fit,
            "n_converged": n_ok,
            "n_failed": n_fit - n_ok,
            "status_counts": counts,
            "median_iterations": float(np.median(maps["iterations"][ok])) if n_ok else math.nan,
            "median_chi2_reduced": float(np.nanmedian(maps["chi2_reduced"][ok]))
            if n_ok
            else math.nan,
        }
    )
    if n_fit and n_ok == 0:
        result.mark_failed(f"no decay converged ({counts})")
    elif n_fit - n_ok:
        result.statistics["message"] = f"{n_fit - n_ok} of {n_fit} decays not converged: {counts}"


def _fill_global(
    result: Result,
    g: Result,
    shift: float,
    fwhm: float | None,
    ncomp: int,
    shared_var: dict[str, float],
) -> None:
    """Shift, IRF width and summed-decay lifetimes into ``derived``; the shift's error is the
    profiled information of the decays it was estimated from (``shared_var``, ns^2), which is
    also carried into every decay's errors (:mod:`~heterolab.kinetics.trpl.shared_irf`)."""
    var_s = shared_var.get("shift")
    stderr = math.sqrt(var_s) if var_s is not None and var_s >= 0 else g["shift"].stderr
    result.derived["shift"] = Quantity(shift, stderr if "shift" in shared_var else None, "ns")
    if fwhm is not None:
        var_f = shared_var.get("irf_fwhm", math.nan)
        stderr = g["irf_fwhm"].stderr if "irf_fwhm" in g.parameters else None
        stderr = math.sqrt(var_f) if var_f >= 0 else stderr
        result.derived["irf_fwhm"] = Quantity(fwhm, stderr, "ns")
    for i in range(ncomp):
        result.derived[f"global_tau_{i + 1}"] = g[f"tau_{i + 1}"]
    result.statistics["global_fit_status"] = g.status
    result.warnings.extend(f"summed-decay fit: {w}" for w in g.warnings)


def model_decays(result: Result, time: np.ndarray, irf: np.ndarray) -> np.ndarray:
    """Model histograms of a batch fit's converged decays on ``time`` with the normalised ``irf``.

    Rebuilds ``sum_i a_i K(tau_i) + b`` from the maps of ``result`` (NaN rows for failed
    decays); for plotting and residual checks.
    """
    ncomp = int(result.provenance["settings"]["n_components"])
    t = np.asarray(time, dtype=float)
    delta = float(t[1] - t[0])
    cols = [np.log(result.curves[f"tau_{i + 1}"].values.reshape(-1)) for i in range(ncomp)]
    cols += [result.curves[f"amplitude_{i + 1}"].values.reshape(-1) for i in range(ncomp)]
    cols.append(result.curves["background"].values.reshape(-1))
    x = np.nan_to_num(np.stack(cols, axis=1), nan=0.0, neginf=0.0)
    h = irf_coefficients(np.asarray(irf, dtype=float))
    geom = np.array([0, 1], dtype=np.int64)
    out = _model_rows(np.ascontiguousarray(x), h, geom, 0.0, delta, ncomp, True, 0.0, t.size)
    bad = ~result.curves["converged"].values.reshape(-1)
    out[bad] = np.nan
    return out
