"""Band edges and heterojunctions by material name: Result-returning front ends.

One convention for every band-alignment Result in heterolab (the same keys whether the
levels come from numbers, UPS files or material names): energies on the vacuum scale in eV
(levels below vacuum are negative), parameters ``A_vbm``, ``A_cbm``, ``B_vbm``, ``B_cbm``,
and *signed* offsets ``conduction_band_offset`` = E_CBM,B − E_CBM,A and
``valence_band_offset`` = E_VBM,B − E_VBM,A (:data:`heterolab.physics.bands.OFFSET_CONVENTION`,
:func:`heterolab.spectroscopy.ups.band_alignment`).

Which band edges are bulk and which measured: the bundled CsPbBr3 and PMA2PbBr4 edges are
the thesis's UPS + Tauc levels of *films* (thesis §4.3.2, Fig. 4-9), i.e. of the nanocrystals
as measured; they already contain whatever confinement those crystals have. Confinement for a
diameter is therefore only added to edges that are bulk values (given explicitly, or marked
bulk in the material file); adding it to measured nanocrystal edges would count it twice and
is refused.
"""

from __future__ import annotations

from heterolab.calculators.nanocrystals import material_of, thesis_derived_note
from heterolab.errors import ParameterError
from heterolab.materials import Material
from heterolab.physics import bands as bnd
from heterolab.physics import confinement as conf
from heterolab.result import Quantity, Result, make_provenance

__all__ = ["confined_band_edges", "heterojunction", "material_band_edges"]

_CBM, _VBM = "conduction_band_minimum", "valence_band_maximum"


def _edges_origin(mat: Material, cbm_ev: float | None, vbm_ev: float | None) -> str:
    """``"bulk"`` or what the edges were measured on (``"nanocrystal film"``, ...)."""
    if cbm_ev is not None and vbm_ev is not None:
        return "bulk"
    if (cbm_ev is None) != (vbm_ev is None):
        raise ParameterError("give both --cbm and --vbm (bulk edges) or neither")
    measured = {mat.parameter(k).measured_on for k in (_CBM, _VBM)} - {""}
    return ", ".join(sorted(measured)) or "bulk"


def confined_band_edges(
    material: Material | str,
    *,
    diameter_nm: float | None = None,
    cbm_ev: float | None = None,
    vbm_ev: float | None = None,
    shape: str = "sphere",
) -> Result:
    """Band edges of a material, shifted by confinement for a nanocrystal of ``diameter_nm``.

    ``cbm_ev``/``vbm_ev`` are *bulk* edges [eV, vacuum scale]; without them the material's
    edges are used, and the Result says what they are (statistics ``edges_input``: ``"bulk"``
    or the sample they were measured on). The kinetic confinement energy is split by the
    inverse effective masses (:func:`heterolab.physics.confinement.confined_band_edges_ev`).

    Raises
    ------
    ParameterError
        ``diameter_nm`` given with measured (non-bulk) edges: confinement would be counted
        twice; or a material without effective masses.
    """
    mat = material_of(material)
    origin = _edges_origin(mat, cbm_ev, vbm_ev)
    cbm = mat.value(_CBM, "eV") if cbm_ev is None else cbm_ev
    vbm = mat.value(_VBM, "eV") if vbm_ev is None else vbm_ev
    key = "bulk" if origin == "bulk" else "measured"
    derived = {f"CBM_{key}": Quantity(cbm, None, "eV"), f"VBM_{key}": Quantity(vbm, None, "eV")}
    warnings: list[str] = []
    if diameter_nm is not None:
        if origin != "bulk":
            raise ParameterError(
                f"the {mat.name} band edges ({cbm:g}/{vbm:g} eV) were measured on a {origin} "
                f"({mat.parameter(_CBM).source}); they already contain the confinement of the "
                "crystals measured. A --diameter shifts bulk edges only: give bulk edges "
                "(--cbm, --vbm) or drop --diameter"
            )
        if "electron_mass" not in mat.parameters or "hole_mass" not in mat.parameters:
            raise ParameterError(f"material {mat.name!r} lacks effective masses for confinement")
        c, v = conf.confined_band_edges_ev(
            diameter_nm,
            cbm_ev=cbm,
            vbm_ev=vbm,
            electron_mass=mat.electron_mass,
            hole_mass=mat.hole_mass,
            shape=shape,
        )
        derived["CBM"] = Quantity(float(c), None, "eV")
        derived["VBM"] = Quantity(float(v), None, "eV")
        warnings.append("single-particle edges: the exciton Coulomb energy is not included")
    else:
        derived["CBM"], derived["VBM"] = derived[f"CBM_{key}"], derived[f"VBM_{key}"]
    derived["gap"] = Quantity(derived["CBM"].value - derived["VBM"].value, None, "eV")
    return Result(
        kind="physics.band_edges",
        derived=derived,
        statistics={
            "material": mat.name,
            "edges_input": origin,
            "confinement_added": diameter_nm is not None,
            "diameter_nm": diameter_nm,
            "shape": shape,
            "convention": "energies vs vacuum (eV), levels below vacuum negative",
        },
        provenance=make_provenance([], {"material": mat.path or mat.name}),
        warnings=warnings,
    )


def material_band_edges(
    material: Material | str,
    *,
    diameter_nm: float | None = None,
    cbm_ev: float | None = None,
    vbm_ev: float | None = None,
) -> tuple[bnd.BandEdges, Result]:
    """:class:`~heterolab.physics.bands.BandEdges` of a material and the edges Result."""
    r = confined_band_edges(material, diameter_nm=diameter_nm, cbm_ev=cbm_ev, vbm_ev=vbm_ev)
    name = str(r.statistics["material"])
    return bnd.BandEdges(name, r.derived["VBM"].value, r.derived["CBM"].value), r


def heterojunction(
    material_a: Material | str,
    material_b: Material | str,
    *,
    diameter_a_nm: float | None = None,
    diameter_b_nm: float | None = None,
    quasi_threshold_ev: float = 0.1,
) -> Result:
    """Band alignment of two materials by name, in the one convention of this module.

    Band edges come from the materials (vacuum scale), shifted for nanocrystal sizes only
    when they are bulk edges (:func:`confined_band_edges`); offsets, type and carrier
    destinations by :func:`heterolab.spectroscopy.ups.band_alignment` (spec P-46), so the
    keys and signs are those of the UPS route. Thesis §4.3.2 (films): CsPbBr3/PMA2PbBr4 is
    type II with ΔE_C = +1.35 eV and ΔE_V = +0.66 eV (B above A), electrons to CsPbBr3, holes
    to PMA2PbBr4 (V6).
    """
    from heterolab.spectroscopy.ups import band_alignment

    ea, ra = material_band_edges(material_a, diameter_nm=diameter_a_nm)
    eb, rb = material_band_edges(material_b, diameter_nm=diameter_b_nm)
    res = band_alignment(ea, eb, quasi_threshold=quasi_threshold_ev)
    res.statistics["A_edges_input"] = ra.statistics["edges_input"]
    res.statistics["B_edges_input"] = rb.statistics["edges_input"]
    res.statistics["diameter_a_nm"] = diameter_a_nm
    res.statistics["diameter_b_nm"] = diameter_b_nm
    res.warnings.extend(ra.warnings[:1] + rb.warnings[:1])
    for r in (ra, rb):
        mat = material_of(str(r.statistics["material"]))
        note = (
            thesis_derived_note(mat, [_CBM, _VBM])
            if r.statistics["edges_input"] != "bulk"
            else None
        )
        if note:
            res.warnings.append(note)
    return res
