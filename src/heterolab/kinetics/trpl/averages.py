"""Average lifetimes of multi-exponential decays, with propagated standard errors.

For a decay :math:`I(t) = \\sum_i A_i e^{-t/\\tau_i}` two averages are in use:

.. math::

    \\langle\\tau\\rangle_\\mathrm{amp} = \\frac{\\sum_i A_i\\tau_i}{\\sum_i A_i},\\qquad
    \\langle\\tau\\rangle_\\mathrm{int} = \\frac{\\sum_i A_i\\tau_i^2}{\\sum_i A_i\\tau_i}

(Sillen & Engelborghs, Photochem. Photobiol. 67, 475 (1998); Lakowicz, *Principles of
Fluorescence Spectroscopy*, 3rd ed., Springer 2006, §4.12). The amplitude-weighted mean is
proportional to the steady-state intensity (the quantity used for quenching and transfer
efficiencies); the intensity-weighted mean is the average time a photon spends in the excited
state. The thesis's Table 3-2 ``tau_ave`` is the intensity-weighted mean (spec P-33, V1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from heterolab.errors import ParameterError
from heterolab.result import Quantity
from heterolab.uncertainty import propagate

__all__ = [
    "AverageLifetimes",
    "amplitude_weighted_lifetime",
    "average_lifetimes",
    "intensity_weighted_lifetime",
]


@dataclass(frozen=True)
class AverageLifetimes:
    """Amplitude- and intensity-weighted mean lifetimes (value, stderr, unit)."""

    amplitude_weighted: Quantity
    intensity_weighted: Quantity


def amplitude_weighted_lifetime(amplitudes: ArrayLike, taus: ArrayLike) -> float:
    """Amplitude-weighted mean lifetime sum(A tau) / sum(A) (Sillen & Engelborghs 1998).

    Amplitudes may be raw pre-exponential factors or fractions; units follow ``taus``.
    """
    a = np.asarray(amplitudes, dtype=float)
    t = np.asarray(taus, dtype=float)
    return float(np.sum(a * t) / np.sum(a))


def intensity_weighted_lifetime(amplitudes: ArrayLike, taus: ArrayLike) -> float:
    """Intensity-weighted mean lifetime sum(A tau^2) / sum(A tau) (Sillen & Engelborghs 1998).

    This is the thesis's Table 3-2 ``tau_ave`` (§3.3.2; spec P-33).
    """
    a = np.asarray(amplitudes, dtype=float)
    t = np.asarray(taus, dtype=float)
    return float(np.sum(a * t * t) / np.sum(a * t))


def average_lifetimes(
    amplitudes: ArrayLike,
    taus: ArrayLike,
    covariance: ArrayLike | None = None,
    *,
    unit: str = "ns",
) -> AverageLifetimes:
    """Amplitude- and intensity-weighted average lifetimes with first-order errors.

    Parameters
    ----------
    amplitudes
        Pre-exponential amplitudes A_i (any common scale; fractions or counts). Negative values
        (rise components) are allowed but make the averages hard to interpret.
    taus
        Lifetimes tau_i, same length, > 0, in ``unit``.
    covariance
        Covariance matrix of the vector ``[A_1..A_n, tau_1..tau_n]`` (shape ``(2n, 2n)``), e.g.
        the block of a fit's covariance; ``None`` gives ``stderr=None`` (exact inputs).
    unit
        Unit of ``taus`` (and of the results).

    Returns
    -------
    AverageLifetimes
        ``amplitude_weighted`` = sum(A tau)/sum(A) and ``intensity_weighted`` =
        sum(A tau^2)/sum(A tau), errors propagated with :func:`heterolab.uncertainty.propagate`.

    Raises
    ------
    ParameterError
        On length mismatch, non-positive lifetimes, zero total amplitude or a covariance of the
        wrong shape.

    Examples
    --------
    >>> r = average_lifetimes([0.80, 0.20], [0.55, 4.84], unit="us")  # thesis Table 3-2, 1:30
    >>> round(r.intensity_weighted.value, 3)
    3.499
    """
    a = np.atleast_1d(np.asarray(amplitudes, dtype=float))
    t = np.atleast_1d(np.asarray(taus, dtype=float))
    n = a.size
    if a.ndim != 1 or t.shape != a.shape or n == 0:
        raise ParameterError(
            f"amplitudes and taus must be 1-D of equal length, got {a.size} and {t.size}"
        )
    if np.any(~np.isfinite(t)) or np.any(t <= 0):
        raise ParameterError(f"lifetimes must be finite and > 0, got {t.tolist()}")
    if not np.all(np.isfinite(a)) or np.sum(a) == 0 or np.sum(a * t) == 0:
        raise ParameterError(f"amplitudes must be finite with a non-zero sum, got {a.tolist()}")
    x = np.concatenate([a, t])

    def amp_mean(v: np.ndarray) -> float:
        return amplitude_weighted_lifetime(v[:n], v[n:])

    def int_mean(v: np.ndarray) -> float:
        return intensity_weighted_lifetime(v[:n], v[n:])

    if covariance is None:
        return AverageLifetimes(
            Quantity(amp_mean(x), None, unit), Quantity(int_mean(x), None, unit)
        )
    cov = np.asarray(covariance, dtype=float)
    if cov.shape != (2 * n, 2 * n):
        raise ParameterError(
            f"covariance must have shape ({2 * n}, {2 * n}) for [A_1..A_{n}, tau_1..tau_{n}], "
            f"got {cov.shape}"
        )
    g_amp, g_int = _average_gradients(a, t)
    v_amp, s_amp = propagate(amp_mean, x, cov, gradient=g_amp)
    v_int, s_int = propagate(int_mean, x, cov, gradient=g_int)
    return AverageLifetimes(Quantity(v_amp, s_amp, unit), Quantity(v_int, s_int, unit))


def _average_gradients(a: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Analytic gradients of both averages with respect to ``[A..., tau...]``."""
    s0, s1, s2 = a.sum(), (a * t).sum(), (a * t * t).sum()
    g_amp = np.concatenate([(t * s0 - s1) / s0**2, a / s0])
    g_int = np.concatenate([(t * t * s1 - s2 * t) / s1**2, (2 * a * t * s1 - s2 * a) / s1**2])
    return g_amp, g_int
