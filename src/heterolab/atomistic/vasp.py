"""VASP input sets with the thesis's settings, written through pymatgen's input sets.

heterolab writes the inputs and reads the outputs (:mod:`heterolab.atomistic.analyse`); it
does not run or schedule VASP. Settings (thesis §4.2; spec reference values ``dft_settings``):

===========  =====================================================================
functional   PBE (PAW potentials as chosen by pymatgen's MP sets; POTCAR.spec written)
dispersion   DFT-D3 — the thesis names only "D3 (Grimme)"; we choose **IVDW = 11**, D3 with
             zero damping (Grimme, Antony, Ehrlich & Krieg, J. Chem. Phys. 132, 154104
             (2010)), the original D3. ``ivdw=12`` selects Becke–Johnson damping.
cutoff       ENCUT = 500 eV
relaxation   EDIFFG = −0.03 (forces < 0.03 eV/Å), IBRION = 2, ISIF = 2 (cell fixed)
k-points     1 × 2 × 1, Γ-centred
smearing     ISMEAR = 0, SIGMA = 0.05 eV (not stated in the thesis; pymatgen's tetrahedron
             default is invalid on a 1 × 2 × 1 mesh)
EDIFF        1e-5 eV (not stated in the thesis)
slabs        dipole correction along c (LDIPOL, IDIPOL = 3) when ``slab=True``
static       LCHARG (CHGCAR), LVHAR (LOCPOT, Hartree + ionic), LORBIT = 11, NEDOS = 3001
===========  =====================================================================

Charge-density differences need ρ_AB, ρ_A and ρ_B on one FFT grid: :func:`write_interface_inputs`
writes the two parts in the combined cell with identical settings, so VASP picks the same grid.
The same settings as an atomate2/jobflow workflow (relax, static, DOS and the Δρ statics of
A, B and AB) for the user's cluster: :mod:`heterolab.atomistic.workflows` (extra
``workflows``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heterolab.atomistic.choices import CalcKind
from heterolab.errors import OutputError, ParameterError

if TYPE_CHECKING:
    from pymatgen.core import Structure
    from pymatgen.io.vasp.sets import VaspInputSet

__all__ = [
    "THESIS_SETTINGS",
    "CalcKind",
    "input_set",
    "thesis_incar",
    "write_inputs",
    "write_interface_inputs",
]


def _kind(kind: CalcKind | str) -> CalcKind:
    try:
        return CalcKind(str(kind).lower())
    except ValueError:
        raise ParameterError(f"kind must be 'relax' or 'static', got {kind!r}") from None


#: The thesis's DFT settings and the choices made where it is silent.
THESIS_SETTINGS: dict[str, Any] = {
    "ENCUT": 500,
    "EDIFFG": -0.03,
    "IVDW": 11,
    "GGA": "PE",
    "kpoints": (1, 2, 1),
    "kpoint_style": "Gamma",
    "source": "thesis §4.2 (VASP PAW, PBE, 500 eV, forces < 0.03 eV/Å, DFT-D3, 1x2x1 Γ)",
    "choices": "IVDW = 11 (D3 zero damping; thesis says only 'D3'), ISMEAR = 0, SIGMA = 0.05, "
    "EDIFF = 1e-5, ISPIN = 1",
}


def thesis_incar(
    kind: CalcKind | str = CalcKind.RELAX, *, slab: bool = True, ivdw: int = 11
) -> dict[str, Any]:
    """INCAR settings layered over pymatgen's MP set for ``kind`` (relax or static)."""
    kind = _kind(kind)
    if ivdw not in (11, 12):
        raise ParameterError(f"ivdw must be 11 (D3 zero damping) or 12 (D3-BJ), got {ivdw!r}")
    incar: dict[str, Any] = {
        "ENCUT": THESIS_SETTINGS["ENCUT"],
        "GGA": "PE",
        "IVDW": ivdw,
        "ISMEAR": 0,
        "SIGMA": 0.05,
        "EDIFF": 1e-5,
        "ISPIN": 1,
        "MAGMOM": None,
        "LDAU": False,
        "LWAVE": False,
    }
    if kind == "relax":
        incar.update(EDIFFG=THESIS_SETTINGS["EDIFFG"], IBRION=2, ISIF=2, NSW=300)
    else:
        incar.update(NSW=0, LCHARG=True, LVHAR=True, LORBIT=11, NEDOS=3001, LAECHG=False)
    if slab:
        incar.update(LDIPOL=True, IDIPOL=3)
    return incar


def input_set(
    structure: Structure,
    kind: CalcKind | str = CalcKind.RELAX,
    *,
    kpoints: Sequence[int] = (1, 2, 1),
    slab: bool = True,
    ivdw: int = 11,
    incar: Mapping[str, Any] | None = None,
) -> VaspInputSet:
    """pymatgen input set (MPRelaxSet / MPStaticSet) with the thesis's settings.

    ``incar`` overrides single tags. Selective dynamics in ``structure.site_properties``
    (fixed bottom layers from :func:`heterolab.atomistic.build.slab`) go into the POSCAR.
    """
    from pymatgen.io.vasp import Kpoints
    from pymatgen.io.vasp.sets import MPRelaxSet, MPStaticSet

    mesh = tuple(int(k) for k in kpoints)
    if len(mesh) != 3 or min(mesh) < 1:
        raise ParameterError(f"kpoints must be three positive integers, got {tuple(kpoints)!r}")
    kind = _kind(kind)
    settings = thesis_incar(kind, slab=slab, ivdw=ivdw)
    settings.update(dict(incar or {}))
    cls = MPRelaxSet if kind is CalcKind.RELAX else MPStaticSet
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(
            structure,
            user_incar_settings=settings,
            user_kpoints_settings=Kpoints.gamma_automatic(mesh),
            sort_structure=True,
        )


def write_inputs(
    structure: Structure,
    directory: str | PathLike[str],
    kind: CalcKind | str = CalcKind.RELAX,
    **options: Any,
) -> list[Path]:
    """Write INCAR, KPOINTS, POSCAR and POTCAR.spec into ``directory`` (created).

    A POTCAR itself needs the licensed VASP potentials (pymatgen's ``PMG_VASP_PSP_DIR``);
    POTCAR.spec names the ones to use. Returns the files written.

    Raises
    ------
    OutputError
        The directory cannot be created or written.
    """
    vis = input_set(structure, kind, **options)
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vis.write_input(str(out), potcar_spec=True)
    except OSError as exc:
        raise OutputError(f"cannot write VASP inputs to {out}: {exc.strerror or exc}") from None
    return sorted(p for p in out.iterdir() if p.is_file())


def write_interface_inputs(
    interface_structure: Structure,
    directory: str | PathLike[str],
    *,
    film_indices: Sequence[int] | None = None,
    **options: Any,
) -> dict[str, list[Path]]:
    """Relax and static inputs for AB, A (film) and B (substrate) in AB's cell.

    Layout: ``<dir>/{AB,A,B}/{relax,static}``. The parts keep AB's lattice, so the three
    static runs share one FFT grid and their CHGCARs can be subtracted
    (:func:`heterolab.atomistic.analyse.charge_density_difference`). ``film_indices``
    defaults to the ``interface_label == "film"`` sites of a pymatgen Interface.
    """
    if film_indices is None:
        labels = interface_structure.site_properties.get("interface_label")
        if labels is None:
            raise ParameterError(
                "film_indices not given and the structure has no interface_label site property"
            )
        film_indices = [i for i, lab in enumerate(labels) if lab == "film"]
    film_set = {int(i) for i in film_indices}
    if not film_set or len(film_set) >= len(interface_structure):
        raise ParameterError("film_indices must name some but not all sites")
    ab = interface_structure.copy()
    film = ab.copy()
    film.remove_sites([i for i in range(len(ab)) if i not in film_set])
    substrate = ab.copy()
    substrate.remove_sites(sorted(film_set))
    parts = {"AB": ab, "A": film, "B": substrate}
    root = Path(directory)
    written: dict[str, list[Path]] = {}
    for name, s in parts.items():
        for kind in CalcKind:
            written[f"{name}/{kind}"] = write_inputs(s, root / name / kind, kind, **options)
    return written
