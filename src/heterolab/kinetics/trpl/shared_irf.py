"""Uncertainty of the IRF parameters a batch fit shares, carried into every decay's errors.

:func:`heterolab.kinetics.trpl.batch.fit_decays` estimates one time shift (and, for a Gaussian
IRF of unknown width, one FWHM) for all decays and then fits each decay with them held fixed.
The per-decay inverse Fisher information is then conditional on the shared values; their own
error moves every decay's lifetimes together. With lifetimes shorter than the IRF width, where
a lifetime and the shift are nearly interchangeable, and few decays to share the shift, the
conditional errors are too small (mean z^2 ~ 2-5 at 1e3 photons per decay).

For shared parameters ``theta`` (shift and FWHM, ns) and a decay's fitted parameters ``x``
(log tau, amplitudes, background) the linearised refit gives ``dx/dtheta = -H^-1 J^T W dm/dtheta``
(implicit function theorem at the optimum; ``H = J^T W J`` its Fisher information, ``W = 1/m``
for Poisson maximum likelihood), and each decay holds the information
``I_d = dm^T W dm - (J^T W dm)^T H^-1 (J^T W dm)`` about ``theta`` after its own parameters are
profiled out (Schur complement). The shared values were estimated from a set of decays ``P``
(the profile-likelihood decays), so ``Cov(theta) = (sum_{d in P} I_d)^-1`` and

``Var_total(x_d) = Var(x_d | theta) + (dx_d/dtheta)^T Cov(theta) (dx_d/dtheta)``

(the delta method; e.g. Seber & Wild, *Nonlinear Regression*, Wiley 1989, sec. 5.2, for the
profiled information). The model derivative with respect to ``theta`` is a central difference
of the compiled model (two model evaluations per shared parameter), so the cost is a few model
evaluations per decay, well below the cost of its fit.

The shared values themselves are estimated here too: the shift by a Brent search of the
profile likelihood of the brightest decays (:func:`profile_shift`), and a Gaussian FWHM taken
from the summed decay by Fisher-scoring steps on the same profile likelihood
(:func:`rescore_shared`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from heterolab.errors import ParameterError
from heterolab.kinetics.trpl._batch_kernels import _model_rows, _shared_sensitivity

__all__ = ["brightest", "profile_shift", "rescore_shared", "shared_parameter_variance"]

_CHUNK = 1024  # decays per unit of work (bounds the (chunk, q, n_bins) model-derivative array)
_STEP_BINS = 0.01  # central-difference step of a shared parameter, in bin widths

IrfAt = Callable[[float, float | None], tuple[np.ndarray, np.ndarray, float]]


def _sensitivity_chunk(
    y: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
    status: np.ndarray,
    irfs: list[tuple[tuple, tuple, float]],
    irf0: tuple,
    delta: float,
    lo: np.ndarray,
    opts: tuple,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``dx/dtheta`` ``(c, p, q)``, Schur information ``(c, q, q)`` and profiled score
    ``(c, q)`` of one chunk of decays."""
    ncomp, fit_bg, bg_fixed, mle = opts[:4]
    c, p = x.shape
    n = y.shape[1]
    q = len(irfs)
    dm = np.empty((c, q, n))
    for j, (plus, minus, h) in enumerate(irfs):
        up = _model_rows(x, plus[0], plus[1], plus[2], delta, ncomp, fit_bg, bg_fixed, n)
        down = _model_rows(x, minus[0], minus[1], minus[2], delta, ncomp, fit_bg, bg_fixed, n)
        dm[:, j] = (up - down) / (2.0 * h)
    sens = np.full((c, p, q), np.nan)
    info = np.full((c, q, q), np.nan)
    score = np.full((c, q), np.nan)
    _shared_sensitivity(
        y,
        w,
        irf0[0],
        irf0[1],
        irf0[2],
        delta,
        x,
        lo,
        ncomp,
        fit_bg,
        bg_fixed,
        mle,
        dm,
        status,
        sens,
        info,
        score,
    )
    return sens, info, score


def shared_parameter_variance(
    y: np.ndarray,
    w: np.ndarray,
    t: np.ndarray,
    irf_at: IrfAt,
    shift: float,
    fwhm: float | None,
    shared: tuple[str, ...],
    x: np.ndarray,
    status: np.ndarray,
    lo: np.ndarray,
    opts: tuple,
    estimated_from: np.ndarray,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variance each decay's parameters gain from the error of the shared IRF parameters.

    Parameters
    ----------
    y, w
        Counts ``(n, n_bins)`` and fit weights (one shared row or one per decay).
    t
        Bin start times (ns).
    irf_at
        ``irf_at(shift, fwhm)`` -> the compiled kernels' IRF (histogram, geometry, fraction).
    shift, fwhm
        Shared values used (ns; ``fwhm`` None for a measured IRF).
    shared
        Which of ``"shift"``, ``"irf_fwhm"`` were estimated (and so carry an error).
    x, status, lo
        Fitted parameter rows (log tau, amplitudes, background), fit status codes and the
        lower bounds of the batch fit.
    opts
        ``(n_components, fit_bg, bg_fixed, mle, ...)`` of the batch fit.
    estimated_from
        Indices of the decays the shared values were estimated from.
    threads
        Worker threads (the kernel releases the GIL); default ``os.cpu_count()``.

    Returns
    -------
    extra, cov, step
        ``extra`` ``(n, p)``: variance to add to each parameter's variance (log tau in
        1, amplitudes and background in (counts/bin)^2; 0 where no shared parameter is
        estimated, NaN for unconverged decays); ``cov`` ``(q, q)``: covariance of the shared
        parameters (ns^2), NaN when the decays hold no information about them; ``step``
        ``(q,)``: the Fisher-scoring step ``cov @ sum_d score_d`` of the shared parameters on
        the profile likelihood of the decays they were estimated from (ns; 0 at its maximum).
    """
    nd, p = x.shape
    q = len(shared)
    if q == 0:
        return np.zeros((nd, p)), np.zeros((0, 0)), np.zeros(0)
    delta = float(t[1] - t[0])
    h = _STEP_BINS * delta
    irfs = []
    for name in shared:
        d_s, d_f = (h, 0.0) if name == "shift" else (0.0, h)
        plus = irf_at(shift + d_s, None if fwhm is None else fwhm + d_f)
        minus = irf_at(shift - d_s, None if fwhm is None else fwhm - d_f)
        irfs.append((plus, minus, h))
    irf0 = irf_at(shift, fwhm)
    x = np.ascontiguousarray(x)
    starts = range(0, nd, _CHUNK)

    def work(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        wc = w if w.shape[0] == 1 else np.ascontiguousarray(w[i : i + _CHUNK])
        return _sensitivity_chunk(
            np.ascontiguousarray(y[i : i + _CHUNK]),
            wc,
            x[i : i + _CHUNK],
            np.ascontiguousarray(status[i : i + _CHUNK]),
            irfs,
            irf0,
            delta,
            lo,
            opts,
        )

    n_threads = max(1, min(int(threads or os.cpu_count() or 1), len(starts)))
    if n_threads == 1:
        parts = [work(i) for i in starts]
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            parts = list(pool.map(work, starts))
    sens, info, score = (np.concatenate([part[k] for part in parts]) for k in range(3))
    used = info[estimated_from]
    keep = np.all(np.isfinite(used), axis=(1, 2))
    total = used[keep].sum(axis=0)
    if not keep.any() or not np.all(np.linalg.eigvalsh(total) > 0):
        return np.full((nd, p), np.nan), np.full((q, q), np.nan), np.zeros(q)
    cov = np.linalg.inv(total)
    extra = np.einsum("dpj,jl,dpl->dp", sens, cov, sens)
    return extra, cov, cov @ score[estimated_from][keep].sum(axis=0)


# ----------------------------------------------------------------------------- estimation
FitRows = Callable[[np.ndarray, np.ndarray, tuple, np.ndarray], tuple]

_PROFILE_DECAYS = 256  # the shared values are estimated from at most this many decays
# deviance (dimensionless) charged to a decay whose fit fails at a trial shift: far above a
# converged decay's (~ its number of bins, 10²-10³), so the search avoids such shifts
_FAILED_DEVIANCE = 1e6
_SCORING_STEPS = 3  # at most this many Fisher-scoring steps of a summed-decay IRF width
_STEP_SIGMAS = 0.5  # a smaller step of (shift, FWHM), in standard errors, is not taken


def brightest(y: np.ndarray, n: int = _PROFILE_DECAYS) -> np.ndarray:
    """Indices of the (up to) ``n`` decays of ``y`` ``(decays, bins)`` with the most counts."""
    return np.argsort(y.sum(axis=1))[::-1][: min(n, y.shape[0])]


def profile_shift(
    y: np.ndarray,
    w: np.ndarray,
    irf_at: IrfAt,
    fit: FitRows,
    shift0: float,
    fwhm: float | None,
    x0: np.ndarray,
    delta: float,
) -> tuple[float, np.ndarray]:
    """Shift that maximises the summed likelihood of per-decay fits (profile likelihood).

    The summed decay of a heterogeneous batch is a distribution of lifetimes, so a few-component
    fit of it biases the shift (and so every lifetime). The shift is refined by a bounded Brent
    search of sum_d min deviance_d(shift) within +-max(2 bins, FWHM/2) of ``shift0`` (ns) over
    the (up to 256) brightest decays, each fitted from ``x0`` with its own lifetimes by the
    batch engine ``fit(y, w, irf, x0)``. Returns the shift (ns) and the indices of the decays
    used.
    """
    from scipy.optimize import minimize_scalar

    pick = brightest(y)
    ys, xs0 = np.ascontiguousarray(y[pick]), np.ascontiguousarray(x0[pick])
    ws = w if w.shape[0] == 1 else np.ascontiguousarray(w[pick])
    width = max(2.0 * delta, 0.5 * (fwhm or 0.0))

    def total_deviance(s: float) -> float:
        try:
            h = irf_at(s, fwhm)
        except ParameterError:
            return np.inf
        obj = fit(ys, ws, h, xs0)[3]
        return float(np.sum(np.where(np.isfinite(obj), obj, _FAILED_DEVIANCE)))

    best = minimize_scalar(
        total_deviance,
        bounds=(shift0 - width, shift0 + width),
        method="bounded",
        options={"xatol": 0.01 * delta},
    )
    s = float(best.x)
    return (s if total_deviance(s) <= total_deviance(shift0) else shift0), pick


def rescore_shared(
    y: np.ndarray,
    w: np.ndarray,
    t: np.ndarray,
    irf_at: IrfAt,
    fit: FitRows,
    shift: float,
    fwhm: float,
    shared: tuple[str, ...],
    x0: np.ndarray,
    lo: np.ndarray,
    opts: tuple,
    threads: int | None = None,
) -> tuple[float, float, np.ndarray, int]:
    """Fisher scoring of the shared (shift, FWHM) on the profile likelihood of the brightest
    decays, each fitted with its own parameters, until a step is below 0.5 standard errors
    (Mahalanobis distance; at most 3 steps).

    The FWHM of a one- to three-component fit of the summed decay is biased when the decays
    differ in lifetime (their sum is a lifetime distribution); the step is
    ``Cov(theta) sum_d score_d`` of :func:`shared_parameter_variance`. Returns the shift and
    FWHM (ns), the indices of the decays used and the number of steps taken.
    """
    pick = brightest(y)
    yp = np.ascontiguousarray(y[pick])
    wp = w if w.shape[0] == 1 else np.ascontiguousarray(w[pick])
    xp = np.ascontiguousarray(x0[pick])
    every = np.arange(pick.size)
    irf = irf_at(shift, fwhm)
    steps = 0
    while True:
        out = fit(yp, wp, irf, xp)
        xp, sp = np.where(np.isfinite(out[0]), out[0], x0[pick]), out[2]
        _, cov, step = shared_parameter_variance(
            yp, wp, t, irf_at, shift, fwhm, shared, xp, sp, lo, opts, every, threads
        )
        if steps == _SCORING_STEPS or not _step_needed(shared, step, cov):
            return shift, fwhm, pick, steps
        moves = dict(zip(shared, step, strict=True))
        new = (shift + moves.get("shift", 0.0), fwhm + moves["irf_fwhm"])
        try:
            irf = irf_at(*new)
        except ParameterError:
            return shift, fwhm, pick, steps
        shift, fwhm = new
        steps += 1


def _step_needed(shared: tuple[str, ...], step: np.ndarray, cov: np.ndarray) -> bool:
    """True when the IRF width is among the shared parameters and the scoring step of
    (shift, FWHM) exceeds ``_STEP_SIGMAS`` standard errors (Mahalanobis distance)."""
    if "irf_fwhm" not in shared or not np.all(np.isfinite(cov)):
        return False
    return float(step @ np.linalg.solve(cov, step)) > _STEP_SIGMAS**2
