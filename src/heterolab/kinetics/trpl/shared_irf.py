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
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from heterolab.kinetics.trpl._batch_kernels import _model_rows, _shared_sensitivity

__all__ = ["shared_parameter_variance"]

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
