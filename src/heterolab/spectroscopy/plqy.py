"""Photoluminescence quantum yield: absolute (integrating sphere), relative, and the
partition of a dual-emitting heterostructure's PLQY into its components (spec P-27, P-28).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance, mark_outside_unit_interval
from heterolab.spectroscopy.spectra import axis_to_ev, integrate, spectral_axis, to_energy
from heterolab.uncertainty import propagate_independent

__all__ = [
    "de_mello_plqy",
    "photon_area",
    "plqy_absolute",
    "plqy_partition",
    "plqy_relative",
]


def photon_area(spectrum: xr.DataArray, window: tuple[float, float]) -> float:
    """Emission area proportional to the photon number in ``window`` (spectrum axis units).

    The spectrum is put on an energy axis with the Jacobian (counts per eV; Mooney &
    Kambhampati, J. Phys. Chem. Lett. 4, 3316 (2013)) and integrated over the window converted
    to eV; for counts per nm this equals ∫ S_λ dλ over the same range. Emission and laser
    spectra are always treated as spectral densities, whatever their value units.
    """
    dim = spectral_axis(spectrum)
    lo, hi = sorted(axis_to_ev(float(w), dim) for w in window)
    return integrate(to_energy(spectrum, jacobian=True), (lo, hi))


def _check_counts(**values: float) -> None:
    bad = [f"{k}={v!r}" for k, v in values.items() if not math.isfinite(v) or v < 0]
    if bad:
        raise ParameterError(f"photon counts must be finite and >= 0: {', '.join(bad)}")


def de_mello_plqy(
    laser_empty: float,
    laser_indirect: float,
    laser_direct: float,
    emission_indirect: float,
    emission_direct: float,
) -> tuple[float, float]:
    """Absolute PLQY and absorptance by the three-measurement integrating-sphere method.

    Φ = [P_c − (1 − A) P_b] / (L_a A), A = 1 − L_c/L_b (de Mello, Wittmann & Friend,
    Adv. Mater. 9, 230 (1997)); a = empty sphere, b = sample in sphere off the beam
    (indirect), c = sample in the beam (direct). L: integrated laser photons; P: emission.

    Returns
    -------
    plqy, absorptance
    """
    _check_counts(
        L_a=laser_empty,
        L_b=laser_indirect,
        L_c=laser_direct,
        P_b=emission_indirect,
        P_c=emission_direct,
    )
    if laser_indirect <= 0 or laser_empty <= 0:
        raise ParameterError("laser counts of the empty and indirect measurements must be > 0")
    a = 1.0 - laser_direct / laser_indirect
    if a <= 0:
        raise ParameterError(
            f"absorptance A = 1 - L_c/L_b = {a:.4g} <= 0: the sample absorbs no laser light "
            "(direct laser counts >= indirect); check the laser window"
        )
    return (emission_direct - (1.0 - a) * emission_indirect) / (laser_empty * a), a


def plqy_absolute(
    sample: xr.DataArray,
    blank: xr.DataArray,
    *,
    laser_window: tuple[float, float],
    emission_window: tuple[float, float],
    indirect: xr.DataArray | None = None,
) -> Result:
    """Absolute PLQY from integrating-sphere spectra (spec P-27).

    Two measurements (sample, blank): Φ = (P_sample − P_blank)/(L_blank − L_sample), the
    number of emitted over absorbed photons. With ``indirect`` (sample in the sphere, off
    the beam) the de Mello three-measurement formula is used (:func:`de_mello_plqy`), which
    corrects re-absorption of scattered laser light. Areas are photon numbers
    (:func:`photon_area`); standard errors assume Poisson counts when the value units are
    ``counts`` (otherwise none).

    Parameters
    ----------
    sample, blank
        Spectra with the sample in the beam and with the empty sphere / blank cuvette.
    laser_window, emission_window
        Integration ranges in the spectra's axis units.
    """
    areas = {
        "L_blank": photon_area(blank, laser_window),
        "L_sample": photon_area(sample, laser_window),
        "P_blank": photon_area(blank, emission_window),
        "P_sample": photon_area(sample, emission_window),
    }
    if indirect is not None:
        areas["L_indirect"] = photon_area(indirect, laser_window)
        areas["P_indirect"] = photon_area(indirect, emission_window)
    poisson = sample.attrs.get("units", "counts") == "counts"
    res = Result(
        kind="spectrum.plqy_absolute",
        provenance=make_provenance(
            [
                s.attrs["source_file"]
                for s in (sample, blank, indirect)
                if s is not None and "source_file" in s.attrs
            ],
            {
                "laser_window": laser_window,
                "emission_window": emission_window,
                "method": "de Mello 1997 (3 measurements)"
                if indirect is not None
                else "2 measurements",
            },
        ),
    )
    names = list(areas)
    x = np.array([areas[k] for k in names])
    err = np.sqrt(np.abs(x)) if poisson else [None] * len(x)

    if indirect is None:

        def phi(v: np.ndarray) -> float:
            d = dict(zip(names, v, strict=True))
            return (d["P_sample"] - d["P_blank"]) / (d["L_blank"] - d["L_sample"])

        def absorb(v: np.ndarray) -> float:
            d = dict(zip(names, v, strict=True))
            return 1.0 - d["L_sample"] / d["L_blank"]
    else:

        def phi(v: np.ndarray) -> float:
            d = dict(zip(names, v, strict=True))
            return de_mello_plqy(
                d["L_blank"], d["L_indirect"], d["L_sample"], d["P_indirect"], d["P_sample"]
            )[0]

        def absorb(v: np.ndarray) -> float:
            d = dict(zip(names, v, strict=True))
            return 1.0 - d["L_sample"] / d["L_indirect"]

    if areas["L_blank"] <= areas["L_sample"]:
        raise ParameterError(
            f"laser area with sample ({areas['L_sample']:.4g}) is not below the blank's "
            f"({areas['L_blank']:.4g}): no absorbed photons in laser_window {laser_window}"
        )
    v, e = propagate_independent(phi, x, err)
    a, ea = propagate_independent(absorb, x, err)
    res.parameters["plqy"] = Quantity(v, e if poisson else None, "1")
    res.derived["absorptance"] = Quantity(a, ea if poisson else None, "1")
    for k, val in areas.items():
        res.statistics[f"area_{k}"] = val
    res.curves["sample"], res.curves["blank"] = sample, blank
    if indirect is not None:
        res.curves["indirect"] = indirect
    if not 0 <= v <= 1:
        res.warnings.append(
            f"PLQY {v:.3g} outside [0, 1]: check windows, blank and detector calibration"
        )
        mark_outside_unit_interval(res, "plqy")
    return res


def plqy_relative(
    area: float,
    absorbance: float,
    area_ref: float,
    absorbance_ref: float,
    plqy_ref: float,
    *,
    n: float = 1.0,
    n_ref: float = 1.0,
    plqy_ref_stderr: float | None = None,
) -> Quantity:
    """Relative PLQY against a standard (spec P-27).

    Φ = Φ_ref (F/F_ref)(f_ref/f)(n²/n_ref²), f = 1 − 10^(−A) (Würth et al., Nat. Protoc. 8,
    1535 (2013)). F: integrated photon areas under identical settings; A: absorbance at the
    excitation wavelength; n: refractive index of the solvents.
    """
    vals = {
        "area": area,
        "absorbance": absorbance,
        "area_ref": area_ref,
        "absorbance_ref": absorbance_ref,
        "plqy_ref": plqy_ref,
    }
    bad = [f"{k}={v!r}" for k, v in vals.items() if not math.isfinite(v) or v <= 0]
    if bad:
        raise ParameterError(f"relative PLQY inputs must be finite and > 0: {', '.join(bad)}")

    def phi(x: np.ndarray) -> float:
        f, fr = 1 - 10 ** (-x[1]), 1 - 10 ** (-x[3])
        return x[4] * (x[0] / x[2]) * (fr / f) * (n**2 / n_ref**2)

    v, e = propagate_independent(
        phi, list(vals.values()), [None, None, None, None, plqy_ref_stderr]
    )
    return Quantity(v, e if plqy_ref_stderr is not None else None, "1")


def plqy_partition(
    plqy_perovskite_in_het: float,
    pl_area_pbs: float,
    pl_area_perovskite: float,
) -> Result:
    """Split a heterostructure's PLQY into its PbS and perovskite parts (thesis §3.2, P-28).

    PLQY_PbS,het = PLQY_perov,het × (A_PbS/A_perov); PLQY_het = sum. The areas are PL
    **photon** areas of each band from one spectrum on one calibrated detector chain (thesis:
    Hamamatsu C11367, 465 nm excitation) — not absorbances (the thesis reuses the symbol).
    """
    vals = {
        "plqy_perovskite_in_het": plqy_perovskite_in_het,
        "pl_area_pbs": pl_area_pbs,
        "pl_area_perovskite": pl_area_perovskite,
    }
    bad = [f"{k}={v!r}" for k, v in vals.items() if not math.isfinite(v) or v < 0]
    if bad or pl_area_perovskite == 0:
        raise ParameterError(
            "PLQY and PL areas must be finite, >= 0, perovskite area > 0: "
            + ", ".join(bad or ["pl_area_perovskite=0"])
        )
    pbs = plqy_perovskite_in_het * pl_area_pbs / pl_area_perovskite
    res = Result(kind="spectrum.plqy_partition", provenance=make_provenance([], vals))
    res.parameters["plqy_perovskite_in_het"] = Quantity(plqy_perovskite_in_het, None, "1")
    res.derived["plqy_pbs_in_het"] = Quantity(pbs, None, "1")
    res.derived["plqy_het"] = Quantity(pbs + plqy_perovskite_in_het, None, "1")
    res.warnings.append(
        "plqy_pbs_in_het contains excitations transferred from the perovskite; using it as "
        "PLQY_PbS in the transfer-efficiency formula is circular (spec P-29, verification item 15)"
    )
    return res
