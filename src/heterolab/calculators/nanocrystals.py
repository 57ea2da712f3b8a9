"""Nanocrystal sizes and exciton energies by material name: Result-returning front ends.

Used by notebooks and ``heterolab physics size|brus``. Each function takes a material by name
(bundled, see :func:`heterolab.materials.available`) or by TOML path, calls the pure models
of :mod:`heterolab.physics.confinement` and :mod:`heterolab.physics.sizing`, and returns a
:class:`~heterolab.result.Result` whose warnings carry the caveats: every confinement model
says when it is used outside its regime (R vs the exciton Bohr radius a_B).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from heterolab.materials import Material, get
from heterolab.physics import confinement as conf
from heterolab.physics import sizing
from heterolab.result import Quantity, Result, make_provenance
from heterolab.units import HC_EV_NM

__all__ = ["brus_energies", "material_of", "peak_from_size", "size_from_peak"]

_PBS = "PbS"


def material_of(material: Material | str) -> Material:
    """A :class:`~heterolab.materials.Material` from itself, a bundled name or a TOML path."""
    return material if isinstance(material, Material) else get(material)


_material = material_of


def thesis_derived_note(mat: Material, names: list[str]) -> str | None:
    """A warning when any of the material values ``names`` was fitted to the thesis itself.

    Such a value reproduces the thesis but cannot confirm it (issue #9): a result built on it
    that agrees with the thesis is circular. ``None`` when all are independent.
    """
    used = [
        f"{n} = {mat.parameters[n].value:g} {mat.parameters[n].unit}"
        for n in names
        if n in mat.parameters and mat.parameters[n].from_thesis
    ]
    if not used:
        return None
    return (
        f"{mat.name} {', '.join(used)} fitted to the thesis itself: this result reproduces "
        "the thesis and cannot confirm it (pass an independent value to test it)"
    )


def _size_result(
    mat: Material,
    diameter: float,
    energy: float,
    method: str,
    source: str,
    band_gap_ev: float | None,
    warnings: list[str],
) -> Result:
    derived = {
        "diameter": Quantity(diameter, None, "nm"),
        "peak_energy": Quantity(energy, None, "eV"),
        "peak_wavelength": Quantity(HC_EV_NM / energy, None, "nm"),
    }
    stats: dict[str, object] = {"material": mat.name, "method": method, "source": source}
    outside = None
    if {"electron_mass", "hole_mass", "dielectric_constant"} <= set(mat.parameters):
        a_b = conf.exciton_bohr_radius_nm(mat.electron_mass, mat.hole_mass, mat.dielectric_constant)
        derived["exciton_bohr_radius"] = Quantity(a_b, None, "nm")
        derived["radius_over_bohr_radius"] = Quantity(diameter / 2 / a_b, None, "1")
        stats["regime"] = conf.confinement_regime(diameter, a_b)
        if method.startswith("brus:"):
            model = method.removeprefix("brus:")
            stats["model_regime"] = conf.MODEL_REGIMES[model]
            outside = conf.regime_warning(model, diameter, a_b)
            if outside:
                warnings.append(outside)
    if band_gap_ev is not None or "band_gap" in mat.parameters:
        stats["band_gap_ev"] = band_gap_ev if band_gap_ev is not None else mat.band_gap_ev
    own_gap = mat.parameters.get("band_gap")
    if method.startswith("brus:") and own_gap is not None and band_gap_ev == own_gap.to("eV"):
        circular = thesis_derived_note(mat, ["band_gap"])
        if circular:
            warnings.append(circular)
            stats["thesis_derived_inputs"] = ["band_gap"]
    res = Result(
        kind="physics.size",
        derived=derived,
        statistics=stats,
        provenance=make_provenance([], {"material": mat.path or mat.name, "method": method}),
        warnings=warnings,
    )
    if outside and stats.get("regime") != "intermediate":
        res.mark_suspect(outside)
    return res


def size_from_peak(
    material: Material | str,
    peak: float,
    unit: str = "nm",
    *,
    band_gap_ev: float | None = None,
    model: conf.BrusModel | str = "brus",
) -> Result:
    """Nanocrystal diameter from its first excitonic peak (spec P-47, P-48).

    PbS: Moreels et al., ACS Nano 3, 3023 (2009) (absorption peak; a warning reminds that PL
    peaks carry a Stokes shift). Other materials: inverse of the Brus model with the material's
    effective masses, permittivity and band gap (``band_gap_ev`` overrides the gap).
    """
    mat = _material(material)
    warnings: list[str] = []
    if mat.name == _PBS and band_gap_ev is None:
        d = sizing.pbs_diameter_from_peak(peak, unit)
        e = float(sizing.pbs_peak_from_diameter(d, "eV"))
        warnings.append(
            "PbS sizing expects the first-exciton ABSORPTION peak; a PL peak (Stokes shift "
            "30-150 meV) gives too large a size"
        )
        if not 2.5 <= d <= 10:
            warnings.append(f"d = {d:.2f} nm is outside the calibrated range 2.5-10 nm")
        res = _size_result(mat, d, e, "moreels2009", sizing.MOREELS_2009, None, warnings)
        return _with_sizing_curve(res, d, None, model)
    e = sizing._peak_to_ev(peak, unit)
    kw = sizing.effective_mass_parameters(mat, band_gap_ev)
    d = conf.diameter_from_exciton_energy_nm(e, model=model, **kw)
    res = _size_result(
        mat,
        d,
        e,
        f"brus:{model}",
        "Brus, J. Chem. Phys. 80, 4403 (1984)",
        kw["band_gap_ev"],
        warnings,
    )
    return _with_sizing_curve(res, d, kw, model)


def peak_from_size(
    material: Material | str,
    diameter_nm: float,
    *,
    band_gap_ev: float | None = None,
    model: conf.BrusModel | str = "brus",
) -> Result:
    """First excitonic peak of a nanocrystal of diameter ``diameter_nm`` (inverse of
    :func:`size_from_peak`; PbS by Moreels 2009, others by the Brus model)."""
    mat = _material(material)
    diameter_nm = float(conf.check_diameter(diameter_nm))
    if mat.name == _PBS and band_gap_ev is None:
        e = float(sizing.pbs_peak_from_diameter(diameter_nm, "eV"))
        res = _size_result(mat, diameter_nm, e, "moreels2009", sizing.MOREELS_2009, None, [])
        return _with_sizing_curve(res, diameter_nm, None, model)
    kw = sizing.effective_mass_parameters(mat, band_gap_ev)
    e = float(conf.exciton_energy_ev(diameter_nm, model=model, **kw))
    res = _size_result(
        mat,
        diameter_nm,
        e,
        f"brus:{model}",
        "Brus, J. Chem. Phys. 80, 4403 (1984)",
        kw["band_gap_ev"],
        [],
    )
    return _with_sizing_curve(res, diameter_nm, kw, model)


def _with_sizing_curve(
    res: Result, diameter_nm: float, kw: dict[str, float] | None, model: str
) -> Result:
    """Add the sizing curve used (first-exciton energy [eV] over 0.4-2.5 x the diameter):
    Moreels 2009 for PbS (``kw`` None), else the Brus-type model with the effective masses."""
    lo, hi = conf.DIAMETER_RANGE_NM
    grid = np.geomspace(max(0.4 * diameter_nm, lo), min(2.5 * diameter_nm, hi), 60)
    if kw is None:
        energy = np.asarray(sizing.pbs_peak_from_diameter(grid, "eV"), dtype=float)
    else:
        energy = np.asarray(conf.exciton_energy_ev(grid, model=model, **kw), dtype=float)
    res.curves["sizing_curve"] = xr.DataArray(
        energy,
        dims=["diameter"],
        coords={"diameter": ("diameter", grid, {"units": "nm"})},
        attrs={"units": "eV", "long_name": "first-exciton energy"},
    )
    return res


def brus_energies(
    material: Material | str, diameter_nm: float, *, band_gap_ev: float | None = None
) -> Result:
    """Exciton energy of a nanocrystal by every confinement model, and the Brus terms.

    Derived: ``E_<model>`` [eV] and ``wavelength_<model>`` [nm] for brus, kinetic (no
    Coulomb term), weak, cube and the literal thesis Eq. 1-3; the kinetic, Coulomb and
    correlation terms [eV]; a_B [nm], E*_Ry [meV]. Curves: E(d) for each model over
    0.3–3× the diameter. Warns that the thesis form is an erratum (spec P-03) and, for each
    model used outside its confinement regime, by how much (:func:`confinement.regime_warning`).
    """
    mat = _material(material)
    diameter_nm = float(conf.check_diameter(diameter_nm))
    kw = sizing.effective_mass_parameters(mat, band_gap_ev)
    mu = conf.reduced_mass(kw["electron_mass"], kw["hole_mass"])
    r = diameter_nm / 2
    ry = conf.exciton_rydberg_ev(kw["electron_mass"], kw["hole_mass"], kw["eps_r"])
    derived: dict[str, Quantity] = {}
    grid = np.linspace(0.3 * diameter_nm, 3 * diameter_nm, 200)
    curves = {}
    for model in conf.BRUS_MODELS:
        e = float(conf.exciton_energy_ev(diameter_nm, model=model, **kw))
        derived[f"E_{model}"] = Quantity(e, None, "eV")
        derived[f"wavelength_{model}"] = Quantity(HC_EV_NM / e, None, "nm")
        curve = conf.exciton_energy_ev(grid, model=model, **kw)
        curves[model] = xr.DataArray(
            curve,
            dims=["diameter"],
            coords={"diameter": ("diameter", grid, {"units": "nm"})},
            attrs={"units": "eV", "long_name": f"exciton energy ({model})"},
        )
    derived["kinetic_term"] = Quantity(conf.HBAR2_2M0_EV_NM2 * math.pi**2 / (mu * r**2), None, "eV")
    derived["coulomb_term"] = Quantity(-1.786 * conf.COULOMB_EV_NM / (kw["eps_r"] * r), None, "eV")
    derived["correlation_term"] = Quantity(-0.248 * ry, None, "eV")
    a_b = conf.exciton_bohr_radius_nm(kw["electron_mass"], kw["hole_mass"], kw["eps_r"])
    derived["exciton_bohr_radius"] = Quantity(a_b, None, "nm")
    derived["exciton_rydberg"] = Quantity(1e3 * ry, None, "meV")
    warnings = [
        "E_thesis is the literal thesis Eq. 1-3 (hbar instead of h, no Coulomb term): an "
        "erratum kept for reproduction only"
    ]
    circular = thesis_derived_note(mat, ["band_gap"]) if band_gap_ev is None else None
    if circular:
        warnings.append(circular)
    for model in conf.BRUS_MODELS:
        note = conf.regime_warning(model, diameter_nm, a_b)
        if note:
            warnings.append(note)
    d_star = conf.brus_minimum_diameter_nm(kw["electron_mass"], kw["hole_mass"], kw["eps_r"])
    if diameter_nm > d_star:
        warnings.append(f"d > {d_star:.1f} nm lies beyond the Brus minimum: use model 'weak'")
    return Result(
        kind="physics.brus",
        derived=derived,
        statistics={
            "material": mat.name,
            "diameter_nm": diameter_nm,
            "regime": conf.confinement_regime(diameter_nm, a_b),
            "band_gap_ev": kw["band_gap_ev"],
        },
        provenance=make_provenance([], {"material": mat.path or mat.name}),
        curves=curves,
        warnings=warnings,
    )
