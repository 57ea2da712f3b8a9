"""Photostability series: retention against illumination time and T80/T50 (spec P-53).

Thesis §3.3.3, Figs. 3-26/3-27: after 180 h of AM1.5G illumination the visible absorbance of
CsPbBr3 fell by 16 %, of Pb/S 1:1 by 9 % and of Pb/S 1:30 by ≈0 %.
"""

from __future__ import annotations

import math

import numpy as np

from heterolab._linefit import fit_line
from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance

__all__ = ["retention_series", "time_to_fraction"]


def time_to_fraction(time: np.ndarray, retention: np.ndarray, fraction: float) -> float:
    """First time at which the retention falls to ``fraction`` (linear interpolation).

    Returns ``nan`` when the retention never falls that low in the series (not reached).
    """
    t = np.asarray(time, dtype=float)
    r = np.asarray(retention, dtype=float)
    below = np.nonzero(r <= fraction)[0]
    if below.size == 0:
        return math.nan
    i = int(below[0])
    if i == 0:
        return float(t[0])
    return float(t[i - 1] + (fraction - r[i - 1]) * (t[i] - t[i - 1]) / (r[i] - r[i - 1]))


def retention_series(
    time_h: np.ndarray,
    signal: np.ndarray,
    *,
    fit: bool = True,
) -> Result:
    """Retention R(t) = S(t)/S(0), final loss 1 − R, and T80/T50 [h] (spec P-53).

    S is an absorbance at a fixed wavelength, a band area or a PL intensity. T80/T50 are read
    from the data by interpolation; with ``fit`` a single exponential R = exp(−t/τ) is also
    fitted (log-linear least squares) and its T80 = τ ln(1/0.8) reported, extrapolated beyond
    the series when the data never reach 80 % (flagged in a warning).
    """
    t = np.asarray(time_h, dtype=float)
    s = np.asarray(signal, dtype=float)
    if t.shape != s.shape or t.size < 2:
        raise ParameterError(
            f"need ≥ 2 (time, signal) pairs of equal length, got {t.size}/{s.size}"
        )
    if np.any(np.diff(t) <= 0):
        raise ParameterError("times must be strictly increasing")
    if not s[0] > 0:
        raise ParameterError(f"initial signal must be > 0, got {s[0]!r}")
    r = s / s[0]
    res = Result(kind="spectrum.stability", provenance=make_provenance([], {"fit": fit}))
    res.derived["final_retention"] = Quantity(float(r[-1]), None, "1")
    res.derived["final_loss"] = Quantity(float(100 * (1 - r[-1])), None, "%")
    for frac, name in ((0.8, "t80"), (0.5, "t50")):
        v = time_to_fraction(t, r, frac)
        if math.isnan(v):  # not a failure: the series ends first; state the lower bound
            res.statistics[f"{name}_above_h"] = float(t[-1])
            res.warnings.append(f"{name.upper()} not reached within {t[-1]:g} h")
        else:
            res.derived[name] = Quantity(v, None, "h")
    res.statistics["retention"] = r.tolist()
    if fit and t.size >= 3 and np.all(r > 0):
        p, cov, _ = fit_line(t - t[0], np.log(r))
        slope = p[0]
        if slope < 0:
            tau = -1.0 / slope
            tau_err = math.sqrt(cov[0, 0]) / slope**2
            res.parameters["decay_time"] = Quantity(tau, tau_err, "h")
            res.derived["t80_fit"] = Quantity(
                tau * math.log(1 / 0.8), tau_err * math.log(1 / 0.8), "h"
            )
            if tau * math.log(1 / 0.8) > t[-1] - t[0]:
                res.warnings.append("t80_fit is extrapolated beyond the measured series")
        else:
            res.statistics["note"] = "no decay: retention does not decrease"
    return res
