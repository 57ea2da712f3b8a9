"""Excitation-intensity-dependent PL: power-law exponent and trap density (spec P-31).

The thesis (§4.3.2, Fig. 4-8b) reports trap densities 4.74×10¹⁷ (heterojunction) and
5.36×10¹⁷ cm⁻³ (ligand-exchanged film) without stating a model; heterolab implements the
standard trap-filling rate model and says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from heterolab._linefit import fit_line
from heterolab.errors import ParameterError
from heterolab.parameters import ParameterSet
from heterolab.physics.excitation import photon_fluence_per_cm2
from heterolab.result import Quantity, Result, make_provenance
from heterolab.spectroscopy._fitparams import (
    fit_parameter_set,
    merge_parameters,
    record_parameter_sets,
)
from heterolab.units import convert

__all__ = [
    "carrier_density_per_pulse",
    "fit_trap_density",
    "power_law_fit",
    "srh_consistency",
    "trap_filling_steady_state",
]


def power_law_fit(excitation: np.ndarray, pl: np.ndarray) -> Result:
    """I_PL = η I_ex^κ by a straight line in log-log (Schmidt, Lischka & Zulehner, PRB 45, 8989
    (1992)). κ ≈ 1 excitonic, ≈ 2 bimolecular free carriers, 1 < κ < 2 trap filling.
    """
    x = np.asarray(excitation, dtype=float)
    y = np.asarray(pl, dtype=float)
    if x.shape != y.shape or x.size < 3:
        raise ParameterError(
            f"need ≥ 3 (excitation, PL) pairs of equal length; got {x.size} and {y.size}"
        )
    if np.any(x <= 0) or np.any(y <= 0):
        raise ParameterError("excitation and PL must be > 0 for a log-log fit")
    p, cov, _ = fit_line(np.log10(x), np.log10(y))
    res = Result(
        kind="spectrum.power_law", provenance=make_provenance([], {"n_points": int(x.size)})
    )
    res.parameters["exponent"] = Quantity(float(p[0]), float(math.sqrt(cov[0, 0])), "1")
    res.parameters["log10_prefactor"] = Quantity(float(p[1]), float(math.sqrt(cov[1, 1])), "1")
    k = p[0]
    res.statistics["regime"] = (
        "excitonic (κ ≈ 1)"
        if k < 1.15
        else "bimolecular (κ ≈ 2)"
        if k > 1.85
        else "trap filling (1 < κ < 2)"
    )
    return res


def carrier_density_per_pulse(
    fluence_uj_cm2: float, wavelength_nm: float, absorbance: float, thickness_nm: float
) -> float:
    """Initial carrier density n₀ = (Fλ/hc)(1 − 10^(−OD))/d [cm⁻³] (spec P-31).

    F pump fluence [µJ cm⁻²], λ [nm], OD at λ, film thickness d [nm].
    """
    if min(fluence_uj_cm2, wavelength_nm, thickness_nm) <= 0 or absorbance < 0:
        raise ParameterError("fluence, wavelength and thickness must be > 0 and absorbance >= 0")
    photons_cm2 = photon_fluence_per_cm2(fluence_uj_cm2, wavelength_nm)
    return photons_cm2 * (1.0 - 10.0 ** (-absorbance)) / float(convert(thickness_nm, "nm", "cm"))


def _trapped(ne: np.ndarray, n_t: float, k_t: float, k_r: float) -> np.ndarray:
    # k_R n_T² + (k_R + k_T) n_e n_T − k_T n_e N_T = 0, positive root
    b = (k_r + k_t) * ne
    c = k_t * ne * n_t
    return 2 * c / (b + np.sqrt(b * b + 4 * k_r * c))


def trap_filling_steady_state(
    generation: np.ndarray, trap_density: float, k_trap: float, k_rad: float, k_depop: float
) -> tuple[np.ndarray, np.ndarray]:
    """Steady state of the trap-filling model under CW generation G [cm⁻³ s⁻¹] (spec P-31).

    ṅ_e = G − k₂n_en_h − k_Tn_e(N_T − n_T), ṅ_T = k_Tn_e(N_T − n_T) − k_Rn_Tn_h, n_h = n_e + n_T
    (Stranks et al., Phys. Rev. Applied 2, 034007 (2014)); k₂ = ``k_rad``, k_T = ``k_trap``,
    k_R = ``k_depop`` [cm³ s⁻¹], N_T [cm⁻³].

    Returns
    -------
    pl, plqy
        PL = k₂n_en_h [cm⁻³ s⁻¹] and PLQY = PL/G.
    """
    from scipy.optimize import brentq

    g = np.atleast_1d(np.asarray(generation, dtype=float))
    if np.any(g <= 0) or min(trap_density, k_trap, k_rad, k_depop) <= 0:
        raise ParameterError("generation, N_T and the rate constants must be > 0")

    def gen_of(ne: float) -> float:
        nt = float(_trapped(np.array([ne]), trap_density, k_trap, k_depop)[0])
        return k_rad * ne * (ne + nt) + k_trap * ne * (trap_density - nt)

    pl = np.empty_like(g)
    for i, gi in enumerate(g):
        hi = max(math.sqrt(gi / k_rad), gi / (k_trap * trap_density)) * 2 + 1.0
        ne = brentq(lambda n, gi=gi: gen_of(n) - gi, 1e-30 * hi, hi, xtol=1e-12 * hi, rtol=1e-12)
        nt = float(_trapped(np.array([ne]), trap_density, k_trap, k_depop)[0])
        pl[i] = k_rad * ne * (ne + nt)
    return pl, pl / g


def fit_trap_density(
    generation: np.ndarray,
    pl: np.ndarray,
    *,
    k_trap: float,
    k_rad: float,
    k_depop: float,
    trap_density_start: float = 1e17,
    pl_stderr: np.ndarray | None = None,
    parameters: ParameterSet | Mapping[str, Any] | None = None,
) -> Result:
    """Trap density N_T [cm⁻³] and a collection scale from PL against CW generation (P-31).

    Model: measured PL = s × PL_model(G; N_T) with the trap-filling steady state
    (:func:`trap_filling_steady_state`); k₂, k_T, k_R are inputs with their source (they
    are not identifiable from one PL(G) curve). Fitted in log space (``trap_density`` as its
    logarithm, ``log10_scale``); ``parameters`` (a :class:`~heterolab.parameters.
    ParameterSet` or mapping) sets their starts, bounds or fixes one; the Result keeps
    ``statistics["parameters_initial"]`` and ``["parameters_fitted"]``.
    """
    g = np.asarray(generation, dtype=float)
    y = np.asarray(pl, dtype=float)
    if g.shape != y.shape or g.size < 4 or np.any(y <= 0):
        raise ParameterError("need ≥ 4 pairs of generation and PL > 0 of equal length")
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(y)) and np.all(g > 0)):
        raise ParameterError("generation and PL must be finite, and the generation > 0")
    w = np.ones_like(y) if pl_stderr is None else y / np.asarray(pl_stderr, dtype=float)

    def resid(vals: dict[str, float]) -> np.ndarray:
        model, _ = trap_filling_steady_state(g, vals["trap_density"], k_trap, k_rad, k_depop)
        return (np.log(y) - np.log(model) - vals["log10_scale"] * math.log(10)) * w

    model0, _ = trap_filling_steady_state(g, trap_density_start, k_trap, k_rad, k_depop)
    defaults = ParameterSet()
    defaults.add("trap_density", trap_density_start, positive=True, unit="1/cm^3")
    defaults.add("log10_scale", float(np.median(np.log10(y) - np.log10(model0))), unit="1")
    initial = merge_parameters(defaults, parameters, "fit_trap_density")
    res = Result(
        kind="spectrum.trap_density",
        provenance=make_provenance(
            [],
            {
                "k_trap": k_trap,
                "k_rad": k_rad,
                "k_depop": k_depop,
                "model": "trap filling, Stranks et al. 2014 (thesis states no model)",
            },
        ),
    )
    fitted, errors, _, sol = fit_parameter_set(initial, resid, absolute_sigma=pl_stderr is not None)
    if not sol.success:
        res.mark_failed(f"trap-density fit did not converge: {sol.message}")
        return res
    record_parameter_sets(res, initial, fitted)
    vals = fitted.values()
    res.parameters["trap_density"] = Quantity(
        vals["trap_density"], errors.get("trap_density"), "1/cm^3"
    )
    res.parameters["log10_scale"] = Quantity(vals["log10_scale"], errors.get("log10_scale"), "1")
    res.statistics["cost"] = float(sol.cost)
    return res


def srh_consistency(
    trap_density_a: float, trap_density_b: float, lifetime_a: float, lifetime_b: float
) -> Result:
    """Check trap densities against lifetimes assuming SRH-limited decay, τ ∝ 1/N_T (spec P-31).

    Thesis §4.3.2: N_T 4.74 vs 5.36 ×10¹⁷ cm⁻³ (ratio 1.13) but τ 82.5 vs 19.5 ns (ratio 4.23):
    the trap densities do not explain the lifetimes (verification item 5).
    """
    if min(trap_density_a, trap_density_b, lifetime_a, lifetime_b) <= 0:
        raise ParameterError("trap densities and lifetimes must be > 0")
    r_n = trap_density_b / trap_density_a
    r_t = lifetime_a / lifetime_b
    res = Result(kind="spectrum.srh_check", provenance=make_provenance([], {}))
    res.derived["trap_density_ratio"] = Quantity(r_n, None, "1")
    res.derived["lifetime_ratio"] = Quantity(r_t, None, "1")
    consistent = abs(math.log(r_n / r_t)) < math.log(1.5)
    res.statistics["consistent"] = consistent
    if not consistent:
        res.warnings.append(
            f"trap-density ratio {r_n:.2f} does not match the inverse lifetime ratio {r_t:.2f}: "
            "SRH trapping at these densities does not explain the lifetimes"
        )
    return res
