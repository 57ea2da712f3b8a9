"""Lattice strain per reflection from peak shifts, and the test of one strain for all reflections.

Per reflection ε = sin θ₀ / sin θ − 1 (:func:`heterolab.physics.structure.strain_from_peak_shift`,
spec P-11); its error from the two positions' errors, σ_ε = (1 + ε) √(cot²θ₀ σ_θ₀² + cot²θ σ_θ²).
A homogeneous (hydrostatic or isotropic) strain of a cubic phase is the same for every
reflection: the weighted mean ε̄ and χ² = Σ (ε_i − ε̄)²/σ_i² with n − 1 degrees of freedom test
it (p-value from the χ² distribution). The thesis's CsPbBr3 (200)/(220) strains +0.58 %/+0.31 %
(§3.3.1) fail it: reflection-dependent shifts point to specimen displacement or anisotropic
strain (spec verification §2 item 8).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from heterolab.errors import ParameterError
from heterolab.physics.structure import strain_from_peak_shift
from heterolab.result import Quantity, Result

__all__ = ["strain_per_reflection"]


def strain_per_reflection(
    reference_two_theta: Sequence[float],
    two_theta: Sequence[float],
    *,
    reference_errors: Sequence[float] | None = None,
    errors: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    phase: str = "",
    significance: float = 0.01,
) -> Result:
    """Strain of each reflection and whether one strain explains them all.

    Parameters
    ----------
    reference_two_theta, two_theta
        Unstrained (reference) and measured positions of the same reflections (deg).
    reference_errors, errors
        One-sigma errors (deg); None: the rounding error of a two-decimal list, 0.01/√12 deg.
    labels
        Reflection names (e.g. ``"200"``), default ``r1, r2, ...``.
    phase
        Name used in the messages.
    significance
        p-value below which the single-strain model is rejected.

    Returns
    -------
    Result
        kind ``"xrd.strain"``: derived ``strain_<label>`` (1, positive = tensile) and
        ``mean_strain``; statistics ``chi2``, ``dof``, ``p_value``, ``single_strain`` (bool).
        Suspect when one strain does not explain all reflections (the message says so, with χ²).
    """
    from scipy.stats import chi2 as chi2_dist

    t0 = np.asarray(reference_two_theta, dtype=float)
    t1 = np.asarray(two_theta, dtype=float)
    if t0.shape != t1.shape or t0.ndim != 1 or t0.size == 0:
        raise ParameterError("reference and measured positions must be equal-length lists")
    rounding = 0.01 / math.sqrt(12.0)
    e0 = (
        np.full(t0.shape, rounding)
        if reference_errors is None
        else np.asarray(reference_errors, float)
    )
    e1 = np.full(t1.shape, rounding) if errors is None else np.asarray(errors, float)
    labs = list(labels) if labels is not None else [f"r{i + 1}" for i in range(t0.size)]
    if len(labs) != t0.size:
        raise ParameterError(f"{len(labs)} labels for {t0.size} reflections")
    eps = np.atleast_1d(strain_from_peak_shift(t0, t1))
    th0, th1 = np.radians(t0 / 2), np.radians(t1 / 2)
    sig = (1 + eps) * np.sqrt(
        (np.radians(e0) / 2 / np.tan(th0)) ** 2 + (np.radians(e1) / 2 / np.tan(th1)) ** 2
    )
    w = 1.0 / sig**2
    mean = float(np.sum(w * eps) / np.sum(w))
    mean_err = float(1.0 / math.sqrt(np.sum(w)))
    chi2 = float(np.sum(w * (eps - mean) ** 2))
    dof = t0.size - 1
    p = float(chi2_dist.sf(chi2, dof)) if dof > 0 else math.nan
    result = Result(kind="xrd.strain")
    for lab, e, s in zip(labs, eps, sig, strict=True):
        result.derived[f"strain_{lab}"] = Quantity(float(e), float(s), "1")
    result.derived["mean_strain"] = Quantity(
        mean, mean_err * (math.sqrt(chi2 / dof) if dof and chi2 > dof else 1.0), "1"
    )
    single = bool(dof == 0 or p >= significance)
    result.statistics.update(
        {
            "phase": phase,
            "chi2": chi2,
            "dof": dof,
            "p_value": p,
            "single_strain": single,
            "table": [
                {
                    "reflection": lab,
                    "two_theta_ref": float(a),
                    "two_theta": float(b),
                    "strain": float(e),
                    "strain_err": float(s),
                }
                for lab, a, b, e, s in zip(labs, t0, t1, eps, sig, strict=True)
            ],
        }
    )
    if not single:
        spread = ", ".join(f"{lab}: {100 * e:+.2f} %" for lab, e in zip(labs, eps, strict=True))
        result.mark_suspect(
            f"one strain does not explain all reflections{f' of {phase}' if phase else ''} "
            f"({spread}; chi2 = {chi2:.3g} for {dof} dof, p = {p:.2g}): specimen displacement "
            "or anisotropic strain"
        )
    return result
