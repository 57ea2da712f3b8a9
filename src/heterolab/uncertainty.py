"""Propagation of standard errors and covariances through functions (first-order, delta method).

One place for error propagation: analyses compute derived quantities (average lifetimes,
transfer rates, diffusion lengths) as functions of fitted parameters and call
:func:`propagate` with the parameters' covariance matrix.

References
----------
JCGM 100:2008, *Evaluation of measurement data — Guide to the expression of uncertainty in
measurement* (GUM), §5.1–5.2 (law of propagation of uncertainty).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "MISFIT_Z",
    "chi2_misfit_z",
    "numerical_gradient",
    "propagate",
    "propagate_independent",
    "rounding_half_width",
    "rounding_stderr",
]


def numerical_gradient(
    func: Callable[[np.ndarray], float], x: ArrayLike, rel_step: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of a scalar function at ``x``.

    The step for component i is ``rel_step * max(|x_i|, 1e-12)``.
    """
    x = np.asarray(x, dtype=float)
    grad = np.empty_like(x)
    for i in range(x.size):
        h = rel_step * max(abs(x[i]), 1e-12)
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (func(xp) - func(xm)) / (2 * h)
    return grad


def propagate(
    func: Callable[[np.ndarray], float],
    x: ArrayLike,
    covariance: ArrayLike,
    gradient: ArrayLike | None = None,
) -> tuple[float, float]:
    """Value and standard error of ``func(x)`` given the covariance of ``x``.

    Parameters
    ----------
    func
        Scalar function of the parameter vector.
    x
        Parameter values.
    covariance
        Covariance matrix of ``x`` (same units squared). NaN entries give a NaN error.
    gradient
        Analytic gradient of ``func`` at ``x``; estimated numerically when omitted.

    Returns
    -------
    value, stderr
        ``func(x)`` and ``sqrt(g^T C g)``.
    """
    x = np.asarray(x, dtype=float)
    cov = np.atleast_2d(np.asarray(covariance, dtype=float))
    g = numerical_gradient(func, x) if gradient is None else np.asarray(gradient, dtype=float)
    var = float(g @ cov @ g)
    return float(func(x)), float(np.sqrt(var)) if var >= 0 else float("nan")


def propagate_independent(
    func: Callable[[np.ndarray], float], x: ArrayLike, stderr: list[float | None] | ArrayLike
) -> tuple[float, float]:
    """As :func:`propagate` for uncorrelated inputs with standard errors ``stderr``.

    An error of ``None`` means "exact" (contributes nothing); ``nan`` makes the result's
    error ``nan`` (an undetermined input cannot give a determined output).
    """
    s = np.array(
        [0.0 if v is None else float(v) for v in np.atleast_1d(np.asarray(stderr, dtype=object))]
    )
    return propagate(func, x, np.diag(s**2))


def rounding_half_width(value: float, decimals: int | None = None) -> float:
    """Half a unit in the last printed digit of a published number (9.2 -> 0.05).

    ``decimals`` gives the printed decimals explicitly; without it they are read from the
    shortest text form of ``value`` (integers and exponent forms count as 0 decimals -> 0.5).
    """
    if decimals is None:
        text = repr(float(value))
        decimals = 0 if "e" in text else len(text.split(".")[1].rstrip("0"))
    return 0.5 * 10.0 ** (-decimals)


def rounding_stderr(value: float, decimals: int | None = None) -> float:
    """Standard uncertainty of a printed number from its rounding alone: the half-width spread
    uniformly, ``rounding_half_width / sqrt(3)`` (GUM, JCGM 100:2008 §4.3.7)."""
    return rounding_half_width(value, decimals) / float(np.sqrt(3.0))


#: Misfit z above which a fit does not describe its data within their noise (p < 3e-5 for a
#: normal z): one bar for every technique (TRPL decays, XPS spectra).
MISFIT_Z = 5.0


def chi2_misfit_z(chi2: float, dof: int) -> float:
    """Standardised excess z = (χ² − ν)/√(2ν) of a weighted χ² over its expectation.

    The χ² distribution with ν degrees of freedom has mean ν and variance 2ν (Gaussian
    errors, or Poisson counts well above ~10 per point; for low counts see
    :func:`heterolab.kinetics.trpl.decay_diagnostics.misfit_z`).
    """
    nu = max(int(dof), 1)
    return (float(chi2) - nu) / (2.0 * nu) ** 0.5
