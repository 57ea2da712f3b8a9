"""Crystal chemistry by material name: tolerance factors, plane mismatch, plane search.

Result-returning front ends of :mod:`heterolab.physics.structure` used by notebooks and
``heterolab physics tolerance|mismatch``. Lattices come from a material (bundled name or TOML
path) or a CIF file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from heterolab.calculators.nanocrystals import material_of as _material
from heterolab.errors import ParameterError
from heterolab.materials import LatticeParameters, Material, get, lattice_from_cif
from heterolab.physics import structure as st
from heterolab.result import Quantity, Result, make_provenance

__all__ = ["lattice_of", "mismatch", "parse_hkl", "plane_search", "tolerance"]


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
    """Goldschmidt tolerance, octahedral and Bartel factors with one verdict (spec P-08).

    The verdict rests on the Goldschmidt windows (statistics ``criterion`` names them);
    Bartel's τ < 4.18 is the check. When the two disagree (CsPbI3: t = 0.851 inside its
    window, τ = 4.30 > 4.18) the verdict says so and the Result is marked suspect.
    """
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
    res = Result(
        kind="physics.tolerance",
        derived=derived,
        statistics={
            "formula": s.formula,
            "verdict": s.verdict,
            "criterion": s.criterion,
            "goldschmidt": "perovskite" if s.goldschmidt_ok else "no perovskite",
            "bartel": "undefined (r_A <= r_B)"
            if s.bartel_ok is None
            else ("perovskite" if s.bartel_ok else "no perovskite"),
            "radii": s.radii_source,
            "coordination": f"A {a_coordination}, B {b_coordination}, X {x_coordination}",
        },
        provenance=make_provenance([], {"ions": [a_ion, b_ion, x_ion]}),
        warnings=warnings,
    )
    if not s.criteria_agree:
        res.mark_suspect("the Goldschmidt windows and Bartel's tau disagree")
    return res


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
    return vals


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
    if p.from_thesis:
        note += "; a value from the thesis itself: it reproduces the thesis, it cannot confirm it"
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
        if lat.from_thesis:
            notes.append(
                f"{obj} lattice a = {lat.a:g} A was fitted to the thesis's own XRD: this "
                "mismatch reproduces the thesis and cannot confirm it"
            )
        if not st.reflection_allowed(h, st.lattice_centering(lat)):
            raise ParameterError(
                f"({''.join(map(str, h))}) is extinct for the {lat.space_group} cell of {obj}"
            )
        d_vals.append(st.d_spacing_angstrom(lat, h))
        labels.append(f"{Path(str(obj)).stem}({''.join(map(str, h))})")
    f = st.lattice_mismatch(d_vals[0], d_vals[1], m=m, n=n, reference=reference)
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
