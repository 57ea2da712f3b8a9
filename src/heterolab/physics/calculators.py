"""Result-returning front ends of the physics models, used by notebooks and ``heterolab physics``.

Each function takes materials by name (bundled, see :func:`heterolab.materials.available`) or
by path (a user TOML file, or a CIF for lattices), calls the pure models in
:mod:`~heterolab.physics.confinement`, :mod:`~heterolab.physics.sizing`,
:mod:`~heterolab.physics.structure`, :mod:`~heterolab.physics.nucleation` and returns a
:class:`~heterolab.result.Result` whose warnings carry the caveats and the thesis
inconsistencies the numbers touch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.materials import LatticeParameters, Material, get, lattice_from_cif
from heterolab.physics import bands as bnd
from heterolab.physics import confinement as conf
from heterolab.physics import nucleation as nuc
from heterolab.physics import sizing
from heterolab.physics import structure as st
from heterolab.result import Quantity, Result, make_provenance
from heterolab.units import E_CHARGE, HC_EV_NM, K_B, N_A

__all__ = [
    "brus_energies",
    "confined_band_edges",
    "heterojunction",
    "lattice_of",
    "mismatch",
    "nucleation_summary",
    "parse_hkl",
    "peak_from_size",
    "plane_search",
    "size_from_peak",
    "tolerance",
]

_PBS = "PbS"


def _material(material: Material | str) -> Material:
    return material if isinstance(material, Material) else get(material)


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
    if {"electron_mass", "hole_mass", "dielectric_constant"} <= set(mat.parameters):
        a_b = conf.exciton_bohr_radius_nm(mat.electron_mass, mat.hole_mass, mat.dielectric_constant)
        derived["exciton_bohr_radius"] = Quantity(a_b, None, "nm")
        derived["radius_over_bohr_radius"] = Quantity(diameter / 2 / a_b, None, "1")
        regime = conf.confinement_regime(diameter, a_b)
        stats["regime"] = regime
        if method.startswith("brus") and regime != "strong":
            warnings.append(
                f"{regime} confinement (R/a_B = {diameter / 2 / a_b:.2f}): the effective-mass "
                "model is semi-quantitative here"
            )
    if band_gap_ev is not None or "band_gap" in mat.parameters:
        stats["band_gap_ev"] = band_gap_ev if band_gap_ev is not None else mat.band_gap_ev
    return Result(
        kind="physics.size",
        derived=derived,
        statistics=stats,
        provenance=make_provenance([], {"material": mat.path or mat.name, "method": method}),
        warnings=warnings,
    )


def size_from_peak(
    material: Material | str,
    peak: float,
    unit: str = "nm",
    *,
    band_gap_ev: float | None = None,
    model: conf.BrusModel = "brus",
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
        return _size_result(mat, d, e, "moreels2009", sizing.MOREELS_2009, None, warnings)
    e = sizing._peak_to_ev(peak, unit)
    kw = sizing.effective_mass_parameters(mat, band_gap_ev)
    d = conf.diameter_from_exciton_energy_nm(e, model=model, **kw)
    return _size_result(
        mat,
        d,
        e,
        f"brus:{model}",
        "Brus, J. Chem. Phys. 80, 4403 (1984)",
        kw["band_gap_ev"],
        warnings,
    )


def peak_from_size(
    material: Material | str,
    diameter_nm: float,
    *,
    band_gap_ev: float | None = None,
    model: conf.BrusModel = "brus",
) -> Result:
    """First excitonic peak of a nanocrystal of diameter ``diameter_nm`` (inverse of
    :func:`size_from_peak`; PbS by Moreels 2009, others by the Brus model)."""
    mat = _material(material)
    if mat.name == _PBS and band_gap_ev is None:
        e = float(sizing.pbs_peak_from_diameter(diameter_nm, "eV"))
        return _size_result(mat, diameter_nm, e, "moreels2009", sizing.MOREELS_2009, None, [])
    kw = sizing.effective_mass_parameters(mat, band_gap_ev)
    e = float(conf.exciton_energy_ev(diameter_nm, model=model, **kw))
    return _size_result(
        mat,
        diameter_nm,
        e,
        f"brus:{model}",
        "Brus, J. Chem. Phys. 80, 4403 (1984)",
        kw["band_gap_ev"],
        [],
    )


def brus_energies(
    material: Material | str, diameter_nm: float, *, band_gap_ev: float | None = None
) -> Result:
    """Exciton energy of a nanocrystal by every confinement model, and the Brus terms.

    Derived: ``E_<model>`` [eV] and ``wavelength_<model>`` [nm] for brus, kinetic (no
    Coulomb term), weak, cube and the literal thesis Eq. 1-3; the kinetic, Coulomb and
    correlation terms [eV]; a_B [nm], E*_Ry [meV]. Curves: E(d) for each model over
    0.3–3× the diameter. Warns that the thesis form is an erratum (spec P-03).
    """
    mat = _material(material)
    kw = sizing.effective_mass_parameters(mat, band_gap_ev)
    mu = conf.reduced_mass(kw["electron_mass"], kw["hole_mass"])
    r = diameter_nm / 2
    ry = conf.exciton_rydberg_ev(kw["electron_mass"], kw["hole_mass"], kw["eps_r"])
    derived: dict[str, Quantity] = {}
    grid = np.linspace(0.3 * diameter_nm, 3 * diameter_nm, 200)
    curves = {}
    for model in conf.BRUS_MODELS:
        e = float(conf.exciton_energy_ev(diameter_nm, model=model, **kw))  # type: ignore[arg-type]
        derived[f"E_{model}"] = Quantity(e, None, "eV")
        derived[f"wavelength_{model}"] = Quantity(HC_EV_NM / e, None, "nm")
        curve = conf.exciton_energy_ev(grid, model=model, **kw)  # type: ignore[arg-type]
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


def tolerance(
    a_ion: str,
    b_ion: str,
    x_ion: str,
    *,
    a_coordination: str = "XII",
    b_coordination: str = "VI",
    x_coordination: str = "VI",
    n_a: int = 1,
) -> Result:
    """Goldschmidt tolerance, octahedral and Bartel factors with the verdict (spec P-08)."""
    s = st.perovskite_stability(
        a_ion,
        b_ion,
        x_ion,
        a_coordination=a_coordination,
        b_coordination=b_coordination,
        x_coordination=x_coordination,
        n_a=n_a,
    )
    derived = {
        "tolerance_factor": Quantity(s.tolerance, None, "1"),
        "octahedral_factor": Quantity(s.octahedral, None, "1"),
        "bartel_tau": Quantity(s.tau, None, "1"),
        "r_A": Quantity(s.r_a, None, "angstrom"),
        "r_B": Quantity(s.r_b, None, "angstrom"),
        "r_X": Quantity(s.r_x, None, "angstrom"),
    }
    warnings = [] if s.verdict == "stable 3D perovskite" else [s.verdict]
    return Result(
        kind="physics.tolerance",
        derived=derived,
        statistics={
            "formula": s.formula,
            "verdict": s.verdict,
            "radii": s.radii_source,
            "coordination": f"A {a_coordination}, B {b_coordination}, X {x_coordination}",
        },
        provenance=make_provenance([], {"ions": [a_ion, b_ion, x_ion]}),
        warnings=warnings,
    )


def parse_hkl(text: str | Sequence[int]) -> tuple[int, int, int]:
    """Miller indices from ``"1,1,0"``, ``"1 1 0"``, ``"110"`` or ``"(0,0,10)"``."""
    if not isinstance(text, str):
        vals = tuple(int(v) for v in text)
    else:
        t = text.strip().strip("()[]")
        parts = t.replace(",", " ").split()
        if len(parts) == 1 and len(parts[0]) == 3 and parts[0].isdigit():
            parts = list(parts[0])
        try:
            vals = tuple(int(p) for p in parts)
        except ValueError:
            raise ParameterError(f"Miller indices {text!r} must be integers like '1,1,0'") from None
    if len(vals) != 3:
        raise ParameterError(f"Miller indices {text!r} must have three integers like '0,0,10'")
    return vals  # type: ignore[return-value]


def lattice_of(material: Material | str | Path, phase: str | None = None) -> LatticeParameters:
    """Lattice from a CIF path, or a material's phase (its only/first phase if not named)."""
    if isinstance(material, (str, Path)) and str(material).lower().endswith(".cif"):
        return lattice_from_cif(material)
    mat = _material(material)  # type: ignore[arg-type]
    if phase is not None:
        return mat.lattice(phase)
    if not mat.lattices:
        raise ParameterError(
            f"material {mat.name!r} has no lattice; give a CIF or the spacing (d) directly"
        )
    return next(iter(mat.lattices.values()))


def _stacking_spacing(
    obj: object, hkl: tuple[int, int, int], phase: str | None
) -> tuple[float, str] | None:
    """d(00l) = c/l for a layered material known only by its stacking period c.

    Used for PMA2PbBr4, for which no licensed CIF is available: ``phase`` names the parameter
    (``stacking_period`` by default, or ``stacking_period_stem``).
    """
    if isinstance(obj, Material):
        mat = obj
    elif isinstance(obj, str) and not obj.lower().endswith(".cif"):
        mat = get(obj)
    else:
        return None
    if mat.lattices:
        return None
    key = phase or "stacking_period"
    if key not in mat.parameters:
        return None
    if hkl[0] or hkl[1] or not hkl[2]:
        raise ParameterError(
            f"{mat.name} is known only by its stacking period: give a (0,0,l) plane or a CIF"
        )
    p = mat.parameter(key)
    note = f"{mat.name} d(00l) = c/l with c = {p.to('angstrom'):g} A: {p.source}"
    if p.note:
        note += f" ({p.note})"
    return p.to("angstrom") / hkl[2], note


def mismatch(
    a: Material | str | Path | float,
    hkl_a: Sequence[int] | str | None,
    b: Material | str | Path | float,
    hkl_b: Sequence[int] | str | None,
    *,
    phase_a: str | None = None,
    phase_b: str | None = None,
    m: int = 1,
    n: int = 1,
    reference: str = "b",
) -> Result:
    """Mismatch between plane (hkl)_A of phase A and (hkl)_B of phase B (spec P-12).

    ``a``/``b`` are materials, CIF paths or plane spacings in Å (then hkl is ignored). A
    layered material known only by its stacking period (PMA2PbBr4) accepts (0,0,l) planes;
    ``phase_*`` then names the period parameter and its source is reported. The
    convention (which side is the denominator) is recorded; |f| > 5 % is flagged (thesis
    §4.3.1, Liu & Zhang, Chem. Rev. 120, 2123 (2020)).
    """
    d_vals, labels, notes = [], [], []
    for obj, hkl, phase in ((a, hkl_a, phase_a), (b, hkl_b, phase_b)):
        if isinstance(obj, (int, float)):
            d_vals.append(float(obj))
            labels.append(f"d = {obj} A")
            continue
        if hkl is None:
            raise ParameterError(f"Miller indices are required for {obj}")
        h = parse_hkl(hkl)
        stacked = _stacking_spacing(obj, h, phase)
        if stacked is not None:
            d, note = stacked
            d_vals.append(d)
            labels.append(f"{obj}({''.join(map(str, h))})")
            notes.append(note)
            continue
        lat = lattice_of(obj, phase)
        if not st.reflection_allowed(h, st.lattice_centering(lat)):
            raise ParameterError(
                f"({''.join(map(str, h))}) is extinct for the {lat.space_group} cell of {obj}"
            )
        d_vals.append(st.d_spacing_angstrom(lat, h))
        labels.append(f"{Path(str(obj)).stem}({''.join(map(str, h))})")
    f = st.lattice_mismatch(d_vals[0], d_vals[1], m=m, n=n, reference=reference)  # type: ignore[arg-type]
    conv = "(m d_A - n d_B)/(n d_B)" if reference == "b" else "(n d_B - m d_A)/(m d_A)"
    warnings = list(notes)
    if abs(f) > st.EPITAXY_LIMIT:
        warnings.append(f"|f| = {100 * abs(f):.2f} % exceeds the ~5 % limit for heteroepitaxy")
    return Result(
        kind="physics.mismatch",
        derived={
            "d_A": Quantity(d_vals[0], None, "angstrom"),
            "d_B": Quantity(d_vals[1], None, "angstrom"),
            "mismatch": Quantity(100 * f, None, "%"),
        },
        statistics={
            "A": labels[0],
            "B": labels[1],
            "m": m,
            "n": n,
            "convention": conv,
            "epitaxial": abs(f) <= st.EPITAXY_LIMIT,
        },
        provenance=make_provenance(
            [p for p in (a, b) if isinstance(p, (str, Path)) and str(p).endswith(".cif")],
            {"reference": reference},
        ),
        warnings=warnings,
    )


def plane_search(
    a: Material | str | Path,
    b: Material | str | Path,
    *,
    phase_a: str | None = None,
    phase_b: str | None = None,
    max_index: int = 2,
    max_multiple: int = 1,
    threshold: float = 0.05,
    limit: int = 10,
) -> Result:
    """The ``limit`` best-matching low-index plane pairs of two lattices (spec P-12 search)."""
    matches = st.find_matching_planes(
        lattice_of(a, phase_a),
        lattice_of(b, phase_b),
        max_index=max_index,
        max_multiple=max_multiple,
        threshold=threshold,
    )[:limit]
    derived = {
        f"{''.join(map(str, p.hkl_a))}/{''.join(map(str, p.hkl_b))}"
        + (f" {p.m}:{p.n}" if (p.m, p.n) != (1, 1) else ""): Quantity(100 * p.mismatch, None, "%")
        for p in matches
    }
    return Result(
        kind="physics.mismatch_search",
        derived=derived,
        statistics={
            "A": str(a),
            "B": str(b),
            "n_matches": len(matches),
            "convention": "(m d_A - n d_B)/(n d_B)",
            "threshold_percent": 100 * threshold,
        },
        provenance=make_provenance([], {"max_index": max_index, "max_multiple": max_multiple}),
        warnings=[] if matches else [f"no plane pair within {100 * threshold:g} %"],
    )


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
    rc = float(nuc.critical_radius(**kw))
    dg = float(nuc.critical_free_energy(**kw))
    rate = float(nuc.nucleation_rate(prefactor=prefactor, **kw))
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
            "barrier_over_kT": Quantity(dg / (K_B * temperature), None, "1"),
            "molecules_in_critical_nucleus": Quantity(
                4 / 3 * math.pi * rc**3 / (molar_volume / N_A), None, "1"
            ),
            "nucleation_rate": Quantity(rate, None, "1/(m^3 s)"),
        },
        statistics={"equation": "dN/dt = A exp(-dG_c/(k_B T)) (thesis Eq. 1-4 with k_B T)"},
        provenance=make_provenance([], {**kw, "prefactor": prefactor}),
        curves={"free_energy": curve},
    )


def confined_band_edges(
    material: Material | str,
    *,
    diameter_nm: float | None = None,
    cbm_ev: float | None = None,
    vbm_ev: float | None = None,
    shape: str = "sphere",
) -> Result:
    """Band edges of a material, shifted by confinement for a nanocrystal of ``diameter_nm``.

    Bulk edges come from the material (``conduction_band_minimum``,
    ``valence_band_maximum``, vacuum scale) unless given. The kinetic confinement energy is
    split by the inverse effective masses (:func:`confined_band_edges_ev`).
    """
    mat = _material(material)
    cbm = mat.value("conduction_band_minimum", "eV") if cbm_ev is None else cbm_ev
    vbm = mat.value("valence_band_maximum", "eV") if vbm_ev is None else vbm_ev
    derived = {"CBM_bulk": Quantity(cbm, None, "eV"), "VBM_bulk": Quantity(vbm, None, "eV")}
    warnings = []
    if diameter_nm is not None:
        if "electron_mass" not in mat.parameters or "hole_mass" not in mat.parameters:
            raise ParameterError(f"material {mat.name!r} lacks effective masses for confinement")
        c, v = conf.confined_band_edges_ev(
            diameter_nm,
            cbm_ev=cbm,
            vbm_ev=vbm,
            electron_mass=mat.electron_mass,
            hole_mass=mat.hole_mass,
            shape=shape,  # type: ignore[arg-type]
        )
        derived["CBM"] = Quantity(float(c), None, "eV")
        derived["VBM"] = Quantity(float(v), None, "eV")
        warnings.append("single-particle edges: the exciton Coulomb energy is not included")
    else:
        derived["CBM"], derived["VBM"] = derived["CBM_bulk"], derived["VBM_bulk"]
    derived["gap"] = Quantity(derived["CBM"].value - derived["VBM"].value, None, "eV")
    return Result(
        kind="physics.band_edges",
        derived=derived,
        statistics={"material": mat.name, "diameter_nm": diameter_nm, "shape": shape},
        provenance=make_provenance([], {"material": mat.path or mat.name}),
        warnings=warnings,
    )


def heterojunction(
    material_a: Material | str,
    material_b: Material | str,
    *,
    diameter_a_nm: float | None = None,
    diameter_b_nm: float | None = None,
    quasi_threshold_ev: float = 0.1,
) -> Result:
    """Band offsets and heterojunction type of two materials, with optional confinement.

    Band edges come from the materials (vacuum scale) and are shifted for nanocrystal sizes by
    :func:`confined_band_edges`; offsets, type and carrier destinations by
    :mod:`heterolab.physics.bands` (spec P-46). Thesis §4.3.2 (films): CsPbBr3/PMA2PbBr4 is
    type II with CBO 1.35 eV and VBO 0.66 eV, electrons to CsPbBr3, holes to PMA2PbBr4 (V6).
    """
    ra = confined_band_edges(material_a, diameter_nm=diameter_a_nm)
    rb = confined_band_edges(material_b, diameter_nm=diameter_b_nm)
    ea = bnd.BandEdges(
        str(ra.statistics["material"]), ra.derived["VBM"].value, ra.derived["CBM"].value
    )
    eb = bnd.BandEdges(
        str(rb.statistics["material"]), rb.derived["VBM"].value, rb.derived["CBM"].value
    )
    dc, dv = bnd.band_offsets(ea, eb)
    kind = bnd.heterojunction_type(ea, eb, quasi_threshold=quasi_threshold_ev)
    electrons, holes = bnd.carrier_destinations(ea, eb)
    derived = {
        f"CBM_{ea.name}": Quantity(ea.cbm, None, "eV"),
        f"VBM_{ea.name}": Quantity(ea.vbm, None, "eV"),
        f"CBM_{eb.name}": Quantity(eb.cbm, None, "eV"),
        f"VBM_{eb.name}": Quantity(eb.vbm, None, "eV"),
        "conduction_band_offset": Quantity(abs(dc), None, "eV"),
        "valence_band_offset": Quantity(abs(dv), None, "eV"),
    }
    return Result(
        kind="physics.heterojunction",
        derived=derived,
        statistics={
            "type": kind,
            "electrons_to": electrons,
            "holes_to": holes,
            "diameter_a_nm": diameter_a_nm,
            "diameter_b_nm": diameter_b_nm,
        },
        provenance=make_provenance([], {"a": ea.name, "b": eb.name}),
        warnings=ra.warnings[:1] + rb.warnings[:1] if (diameter_a_nm or diameter_b_nm) else [],
    )
