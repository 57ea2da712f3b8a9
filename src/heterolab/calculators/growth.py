"""Nucleation by numbers: a Result-returning front end of :mod:`heterolab.physics.nucleation`.

Used by notebooks and ``heterolab physics nucleation``.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.physics import nucleation as nuc
from heterolab.result import Quantity, Result, make_provenance
from heterolab.units import E_CHARGE, K_B, N_A

__all__ = ["nucleation_summary"]


def nucleation_summary(
    *,
    gamma: float,
    temperature: float,
    supersaturation: float,
    molar_volume: float,
    prefactor: float = 1e33,
) -> Result:
    """Critical nucleus and nucleation rate (spec P-04, P-06; thesis Eqs. 1-4 to 1-8).

    Derived: r_c [nm], ΔG_c [eV] and in k_B T, molecules in the critical nucleus, rate
    [m⁻³ s⁻¹]. Curve: ΔG(r) [eV] for r in 0–3 r_c.
    """
    kw = {
        "gamma": gamma,
        "temperature": temperature,
        "supersaturation": supersaturation,
        "molar_volume": molar_volume,
    }
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            rc = float(nuc.critical_radius(**kw))
            dg = float(nuc.critical_free_energy(**kw))
            rate = float(nuc.nucleation_rate(prefactor=prefactor, **kw))
            barrier_kt = dg / (K_B * temperature)
            molecules = 4 / 3 * math.pi * rc**3 / (molar_volume / N_A)
    except (FloatingPointError, OverflowError, ZeroDivisionError):
        raise ParameterError(
            f"the classical-nucleation quantities overflow for {kw} (a surface energy, "
            "temperature or supersaturation far outside any synthesis)"
        ) from None
    if not all(math.isfinite(v) for v in (rc, dg, rate, barrier_kt, molecules)):
        raise ParameterError(f"the classical-nucleation quantities are not finite for {kw}")
    r = np.linspace(0.0, 3 * rc, 301)
    curve = xr.DataArray(
        np.asarray(nuc.nucleus_free_energy(r, **kw)) / E_CHARGE,
        dims=["radius"],
        coords={"radius": ("radius", r * 1e9, {"units": "nm"})},
        attrs={"units": "eV", "long_name": "free energy of a nucleus"},
    )
    return Result(
        kind="physics.nucleation",
        derived={
            "critical_radius": Quantity(rc * 1e9, None, "nm"),
            "barrier": Quantity(dg / E_CHARGE, None, "eV"),
            "barrier_over_kT": Quantity(barrier_kt, None, "1"),
            "molecules_in_critical_nucleus": Quantity(molecules, None, "1"),
            "nucleation_rate": Quantity(rate, None, "1/(m^3 s)"),
        },
        statistics={"equation": "dN/dt = A exp(-dG_c/(k_B T)) (thesis Eq. 1-4 with k_B T)"},
        provenance=make_provenance([], {**kw, "prefactor": prefactor}),
        curves={"free_energy": curve},
    )
