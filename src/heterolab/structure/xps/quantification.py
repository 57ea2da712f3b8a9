"""Atomic fractions from XPS peak areas and relative sensitivity factors (RSFs).

x_i = (A_i / S_i) / Σ_j (A_j / S_j) (Briggs & Seah, *Practical Surface Analysis*, Vol. 1,
2nd ed., Wiley 1990, §5.2), with the areas' standard errors and an optional relative RSF
uncertainty propagated linearly. RSFs depend on the instrument (transmission function,
geometry, photon energy): pass your spectrometer library's values and name their source.
The built-in table holds only theoretical Al Kα photoionisation cross sections relative to
C 1s (Scofield, J. Electron Spectrosc. Relat. Phenom. 8, 129 (1976)) for light elements,
without transmission or inelastic-mean-free-path corrections.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.uncertainty import propagate

__all__ = ["SCOFIELD_AL_KA", "quantify"]

#: Scofield (1976) Al Kα cross sections relative to C 1s (whole subshell).
SCOFIELD_AL_KA: dict[str, float] = {"C 1s": 1.00, "N 1s": 1.80, "O 1s": 2.93, "F 1s": 4.43}


def quantify(
    areas: Mapping[str, Quantity | float | tuple[float, float]],
    rsf: Mapping[str, float] | None = None,
    *,
    rsf_source: str | None = None,
    rsf_relative_error: float = 0.0,
) -> Result:
    """Atomic fractions (``xps.quantify``) from background-subtracted areas.

    Parameters
    ----------
    areas
        Area (counts·eV) of each line, keyed like ``"Pb 4f"``: a :class:`Quantity`, a number,
        or ``(value, stderr)``.
    rsf
        Relative sensitivity factor per key; ``None`` uses :data:`SCOFIELD_AL_KA` (only
        C, N, O, F). Every key of ``areas`` needs one.
    rsf_source
        Where the RSFs come from (required when ``rsf`` is given); stored with the result.
    rsf_relative_error
        Relative standard uncertainty of each RSF (e.g. 0.1), propagated as independent.
    """
    if not areas:
        raise ParameterError("no areas to quantify")
    table = SCOFIELD_AL_KA if rsf is None else dict(rsf)
    if rsf is not None and not rsf_source:
        raise ParameterError("name the source of the RSFs with rsf_source= (e.g. 'Kratos library')")
    source = rsf_source or "Scofield, JESRP 8, 129 (1976), Al Kα, relative to C 1s"
    missing = [k for k in areas if k not in table]
    if missing:
        raise ParameterError(
            f"no RSF for {', '.join(missing)}; RSFs known: {', '.join(table)}; pass rsf={{...}}"
        )
    names = list(areas)
    vals, errs = [], []
    for k in names:
        a = areas[k]
        if isinstance(a, Quantity):
            v, e = a.value, a.stderr or 0.0
        elif isinstance(a, tuple):
            v, e = float(a[0]), float(a[1])
        else:
            v, e = float(a), 0.0
        if not (math.isfinite(v) and v >= 0):
            raise ParameterError(f"area of {k} must be a finite number ≥ 0, got {v!r}")
        vals.append(v)
        errs.append(e)
    s = np.array([float(table[k]) for k in names])
    if np.any(s <= 0):
        raise ParameterError("RSFs must be positive")
    n = len(names)
    x = np.concatenate([vals, s])
    cov = np.diag(np.concatenate([np.square(errs), np.square(rsf_relative_error * s)]))
    res = Result(kind="xps.quantify")
    for i, k in enumerate(names):
        res.parameters[f"{k}_area"] = Quantity(vals[i], errs[i] or None, "counts·eV")

        def frac(v: np.ndarray, i: int = i) -> float:
            r = v[:n] / v[n:]
            return float(r[i] / r.sum())

        val, err = propagate(frac, x, cov)
        res.derived[f"{k}_fraction"] = Quantity(val, err, "1")
    res.statistics.update(
        {
            "rsf": {k: float(table[k]) for k in names},
            "rsf_source": source,
            "rsf_relative_error": float(rsf_relative_error),
        }
    )
    return res
