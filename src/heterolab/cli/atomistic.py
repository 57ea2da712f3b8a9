"""``heterolab atomistic build|match|screen|vasp-inputs|analyse``: a thin layer over
:mod:`heterolab.atomistic` (each command prints a Result; ``--json`` one JSON document)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from heterolab.atomistic.choices import CalcKind, DosGrouping, ModelName, Optimizer
from heterolab.cli._apps import atomistic_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import OutputError, ParameterError
from heterolab.result import Quantity, Result, make_provenance

analyse_app = typer.Typer(
    help="Analyse returned VASP runs: DOS, band edges, Δρ(z), potential step, E_int.",
    no_args_is_help=True,
)
atomistic_app.add_typer(analyse_app, name="analyse")


def _ints(text: str, n: int, what: str) -> tuple[int, ...]:
    try:
        vals = tuple(int(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        vals = ()
    if len(vals) != n:
        raise ParameterError(f"{what} must be {n} comma-separated integers, got {text!r}")
    return vals


def _range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in text.split(":"))
    except ValueError:
        raise ParameterError(f"a z range is LO:HI in Å, got {text!r}") from None
    return lo, hi


def _write(structure: object, out: Path | None) -> None:
    """Write a structure; a pymatgen Interface is written as a plain Structure that keeps
    its site labels (film/substrate) and JSON-safe properties (its Strain objects are not)."""
    if out is None:
        return
    from pymatgen.core import Structure

    s: Any = structure
    if type(s) is not Structure:
        plain = Structure(s.lattice, s.species, s.frac_coords, site_properties=s.site_properties)
        plain.properties.update(
            {k: v for k, v in s.properties.items() if isinstance(v, (str, int, float, bool, list))}
        )
        s = plain
    try:
        s.to(filename=str(out))
    except (OSError, ValueError, TypeError) as exc:
        raise OutputError(f"cannot write the structure to {out}: {exc}") from None


@atomistic_app.command("build")
@handle_errors
def build_cmd(
    material: str = typer.Argument(
        ..., help="CsPbBr3, CsPbBr3:orthorhombic, PbS, PMA2PbBr4, or a CIF/POSCAR path."
    ),
    miller: str | None = typer.Option(None, "--miller", help="Slab plane h,k,l (bulk if absent)."),
    layers: int = typer.Option(7, "--layers", help="Atomic layers of the slab."),
    termination: str | None = typer.Option(
        None, "--termination", help="Top layer formula: CsBr, PbBr2, PbS, Pb, S."
    ),
    symmetric: bool = typer.Option(False, "--symmetric", help="Same termination at the bottom."),
    vacuum: float = typer.Option(15.0, "--vacuum", help="Vacuum thickness (Å)."),
    fix_bottom: int = typer.Option(0, "--fix-bottom", help="Bottom layers frozen."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the structure (POSCAR, .cif, .json by name)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Bulk cell or terminated slab, described (atoms, cell, area, terminations) and written.

    Example: heterolab atomistic build CsPbBr3 --miller 1,0,0 --termination PbBr2 -o POSCAR
    """
    from heterolab.atomistic import build

    s = build.load_structure(material)
    if miller is not None:
        s = build.slab(
            s,
            _ints(miller, 3, "--miller"),
            layers=layers,
            vacuum=vacuum,
            termination=termination,
            symmetric=symmetric,
            fix_bottom=fix_bottom,
        )
    _write(s, output)
    emit(build.describe(s, output), as_json)


@atomistic_app.command("match")
@handle_errors
def match_cmd(
    film: str = typer.Argument(..., help="Film: material name or structure file."),
    substrate: str = typer.Argument(..., help="Substrate: material name or structure file."),
    film_miller: str = typer.Option("1,0,0", "--film-miller", help="Film plane h,k,l."),
    substrate_miller: str = typer.Option("1,0,0", "--substrate-miller", help="Substrate h,k,l."),
    max_area: float = typer.Option(100.0, "--max-area", help="Largest supercell area (Å^2)."),
    max_length_tol: float = typer.Option(
        0.03, "--max-length-tol", help="Largest length mismatch (fraction)."
    ),
    planes_2d3d: bool = typer.Option(
        False,
        "--planes-2d3d",
        help="Also the thesis's 2D/3D plane-spacing pairs (0.94/1.35/5.61 %).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Build the smallest-area interface and write it here."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Coincidence-lattice (ZSL) matches with the strain of each side, area and cell counts.

    Example: heterolab atomistic match CsPbBr3 PbS --film-miller 1,0,0 --substrate-miller 1,0,0
    """
    from heterolab.atomistic import build

    f, s = build.load_structure(film), build.load_structure(substrate)
    fm, sm = (
        _ints(film_miller, 3, "--film-miller"),
        _ints(substrate_miller, 3, "--substrate-miller"),
    )
    res = build.match_interfaces(f, s, fm, sm, max_area=max_area, max_length_tol=max_length_tol)
    if planes_2d3d:
        res.statistics["planes_2d3d"] = build.plane_matches_2d3d()
    if output is not None and res.ok:
        iface = build.interface(f, s, fm, sm, max_area=max_area, max_length_tol=max_length_tol)
        _write(iface, output)
        res.statistics["interface_atoms"] = len(iface)
        res.statistics["interface_file"] = str(output)
    emit(res, as_json)


@atomistic_app.command("screen")
@handle_errors
def screen_cmd(
    structures: list[Path] = typer.Argument(
        ..., help="One structure (energy/relax) or three: AB A B (interface energy)."
    ),
    model: ModelName = typer.Option(
        ModelName.SEVENNET_0,
        "--model",
        case_sensitive=False,
        help="7net-0 (SevenNet-0) or chgnet (CHGNet 0.3.0).",
    ),
    relax: bool = typer.Option(False, "--relax", help="Relax positions before the energy."),
    optimizer: Optimizer = typer.Option(
        Optimizer.FIRE, "--optimizer", case_sensitive=False, help="ASE optimiser (cell fixed)."
    ),
    fmax: float = typer.Option(0.03, "--fmax", help="Force criterion (eV/Å)."),
    steps: int = typer.Option(300, "--steps", help="Largest number of optimiser steps."),
    area: float | None = typer.Option(None, "--area", help="Interface area (Å^2); AB's a x b."),
    n_interfaces: int = typer.Option(1, "--interfaces", help="Interfaces in the AB cell (1 or 2)."),
    threads: int | None = typer.Option(
        None, "--threads", help="torch threads for the potential (default: torch's choice)."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the relaxed structure."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """ML screening (labelled with model and weights hash): energy, relaxation, or E_int per area.

    With three structures, --plot draws γ (J/m²) as a bar titled with the model.

    Example: heterolab atomistic screen AB.vasp A.vasp B.vasp --relax --plot gamma.png
    """
    from heterolab.atomistic import build, screen

    if len(structures) not in (1, 3):
        raise ParameterError(f"give one structure or three (AB A B), got {len(structures)}")
    if threads is not None:
        screen.set_threads(threads)
    loaded = [build.load_structure(str(p)) for p in structures]
    if len(loaded) == 3:
        res = screen.ml_interface_energy(
            *loaded,
            area=area,
            n_interfaces=n_interfaces,
            model=model,
            relax_structures=relax,
            fmax=fmax,
            steps=steps,
            optimizer=optimizer,
        )
    elif relax:
        relaxed, res = screen.relax(loaded[0], model, fmax=fmax, steps=steps, optimizer=optimizer)
        _write(relaxed, output)
    else:
        res = screen.energy(loaded[0], model)
    if plot is not None and res.kind != "atomistic.interface_energy":
        raise ParameterError("--plot draws the interface energy: give three structures (AB A B)")
    emit(res, as_json, plot=plot)


@atomistic_app.command("vasp-inputs")
@handle_errors
def vasp_inputs_cmd(
    structure: str = typer.Argument(..., help="Structure file or material name."),
    directory: Path = typer.Argument(
        ..., help="Folder to write INCAR, KPOINTS, POSCAR, POTCAR.spec."
    ),
    kind: CalcKind = typer.Option(
        CalcKind.RELAX,
        "--kind",
        case_sensitive=False,
        help="relax or static (CHGCAR, LOCPOT, DOS).",
    ),
    kpoints: str = typer.Option("1,2,1", "--kpoints", help="Γ-centred mesh (thesis 1,2,1)."),
    ivdw: int = typer.Option(11, "--ivdw", help="11 = D3 zero damping, 12 = D3-BJ."),
    bulk_cell: bool = typer.Option(False, "--bulk", help="No dipole correction (not a slab)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """VASP inputs with the thesis's settings (PBE-D3, 500 eV, EDIFFG −0.03, Γ 1×2×1).

    Example: heterolab atomistic vasp-inputs POSCAR_slab runs/slab --kind static
    """
    from heterolab.atomistic import build, vasp

    s = build.load_structure(structure)
    files = vasp.write_inputs(
        s,
        directory,
        kind,
        kpoints=_ints(kpoints, 3, "--kpoints"),
        ivdw=ivdw,
        slab=not bulk_cell,
    )
    incar = vasp.thesis_incar(kind, slab=not bulk_cell, ivdw=ivdw)
    res = Result(
        kind="atomistic.vasp_inputs",
        derived={"n_atoms": Quantity(float(len(s)), None, "1")},
        statistics={
            "directory": str(directory),
            "files": ", ".join(p.name for p in files),
            "ENCUT": incar["ENCUT"],
            "IVDW": ivdw,
            "kpoints": kpoints,
            "settings": vasp.THESIS_SETTINGS["source"],
            "choices": vasp.THESIS_SETTINGS["choices"],
        },
        provenance=make_provenance((), {"kind": str(kind), "ivdw": ivdw, "kpoints": kpoints}),
    )
    emit(res, as_json)


@atomistic_app.command("workflow")
@handle_errors
def workflow_cmd(
    interface_file: Path = typer.Argument(
        ..., help="Interface structure with film/substrate labels (.json from match -o)."
    ),
    output: Path = typer.Argument(..., help="JSON file for the jobflow Flow."),
    kpoints: str = typer.Option("1,2,1", "--kpoints", help="Γ-centred mesh (thesis 1,2,1)."),
    dos_kpoints: str | None = typer.Option(
        None, "--dos-kpoints", help="Γ-centred mesh of the DOS runs (default: --kpoints)."
    ),
    ivdw: int = typer.Option(11, "--ivdw", help="11 = D3 zero damping, 12 = D3-BJ."),
    as_json: bool = JSON_OPTION,
) -> None:
    """atomate2/jobflow workflow (relax, static, DOS, Δρ statics of AB, A, B) written to JSON.

    Run it on your cluster with a jobflow manager; heterolab does not submit it.

    Example: heterolab atomistic workflow interface.json flow.json
    """
    from pymatgen.core import Structure

    from heterolab.atomistic import workflows
    from heterolab.errors import FormatError

    try:
        s = Structure.from_file(str(interface_file))
    except (OSError, ValueError) as exc:
        raise FormatError(interface_file, f"not a readable structure ({exc})") from None
    flow = workflows.interface_flow(
        s,
        ivdw=ivdw,
        kpoints=_ints(kpoints, 3, "--kpoints"),
        dos_kpoints=_ints(dos_kpoints, 3, "--dos-kpoints") if dos_kpoints else None,
    )
    workflows.write_flow(flow, output)
    res = Result(
        kind="atomistic.workflow",
        derived={"n_jobs": Quantity(float(len(flow.jobs)), None, "1")},
        statistics={
            "file": str(output),
            "jobs": ", ".join(j.name for j in flow.jobs),
            "settings": _settings_source(),
            "run": "jobflow manager on your cluster (e.g. jobflow.managers.local.run_locally)",
        },
        provenance=make_provenance([interface_file], {"kpoints": kpoints, "ivdw": ivdw}),
    )
    emit(res, as_json)


def _settings_source() -> str:
    """The thesis's DFT settings and the choices made where it is silent."""
    from heterolab.atomistic.vasp import THESIS_SETTINGS

    return f"{THESIS_SETTINGS['source']}; {THESIS_SETTINGS['choices']}"


@analyse_app.command("dos")
@handle_errors
def dos_cmd(
    vasprun: Path = typer.Argument(..., help="vasprun.xml (or .xml.gz) with projected DOS."),
    by: DosGrouping = typer.Option(
        DosGrouping.ELEMENT, "--by", case_sensitive=False, help="How the DOS is grouped."
    ),
    region: list[str] = typer.Option(
        [], "--region", help="NAME:LO:HI z range (Å): layer-resolved DOS instead of --by."
    ),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Element-, orbital- or layer-projected DOS (curves relative to E_F).

    Example: heterolab atomistic analyse dos vasprun.xml.gz --by element --plot dos.png
    """
    from heterolab.atomistic.analyse import projected_dos

    res = projected_dos(vasprun, by=by, regions=_regions(region) or None)
    emit(res, as_json, plot=plot)


def _regions(items: list[str]) -> dict[str, tuple[float, float]]:
    regions = {}
    for r in items:
        name, _, rest = r.partition(":")
        if not name or not rest:
            raise ParameterError(f"--region is NAME:LO:HI, got {r!r}")
        regions[name] = _range(rest)
    return regions


@analyse_app.command("edges")
@handle_errors
def edges_cmd(
    vasprun: Path = typer.Argument(..., help="vasprun.xml of the slab or bulk."),
    region: list[str] = typer.Option(
        [], "--region", help="NAME:LO:HI z range (Å) along c; twice for band offsets."
    ),
    min_weight: float = typer.Option(0.1, "--min-weight", help="Projection share of a state."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Band gap, VBM, CBM; per region of a slab and band offsets between two regions.

    --plot draws the band-edge diagram (VBM, CBM per region; energy in eV).

    Example: heterolab atomistic analyse edges vasprun.xml --region A:0:12 --region B:14:30
    """
    from heterolab.atomistic.analyse import band_edges

    res = band_edges(vasprun, regions=_regions(region) or None, min_weight=min_weight)
    emit(res, as_json, plot=plot)


@analyse_app.command("charge")
@handle_errors
def charge_cmd(
    ab: Path = typer.Argument(..., help="CHGCAR of the combined system."),
    a: Path = typer.Argument(..., help="CHGCAR of part A (same cell and grid)."),
    b: Path = typer.Argument(..., help="CHGCAR of part B (same cell and grid)."),
    axis: int = typer.Option(2, "--axis", help="Interface normal: 0, 1 or 2 (a, b, c)."),
    interface_z: float | None = typer.Option(None, "--interface-z", help="Interface plane (Å)."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Planar-averaged Δρ(z) = ρ_AB − ρ_A − ρ_B (e/Å³) and transferred charge ΔQ(z) (e).

    Example: heterolab atomistic analyse charge AB/CHGCAR A/CHGCAR B/CHGCAR --plot drho.png
    """
    from heterolab.atomistic.analyse import charge_density_difference

    res = charge_density_difference(ab, a, b, axis=axis, interface_z=interface_z)
    emit(res, as_json, plot=plot)


@analyse_app.command("potential")
@handle_errors
def potential_cmd(
    locpot: Path = typer.Argument(..., help="LOCPOT (LVHAR = .TRUE.)."),
    region1: str = typer.Option(..., "--region1", help="LO:HI z range (Å) of side 1."),
    region2: str = typer.Option(..., "--region2", help="LO:HI z range (Å) of side 2."),
    window: float | None = typer.Option(None, "--window", help="Macroscopic-average period (Å)."),
    axis: int = typer.Option(2, "--axis", help="Normal: 0, 1 or 2."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Electrostatic potential step ΔV = ⟨V⟩₂ − ⟨V⟩₁ from the planar (macroscopic) average.

    Example: heterolab atomistic analyse potential LOCPOT --region1 2:8 --region2 20:26 --window 5.9
    """
    from heterolab.atomistic.analyse import potential_step

    res = potential_step(locpot, (_range(region1), _range(region2)), axis=axis, window=window)
    emit(res, as_json, plot=plot)


@analyse_app.command("energy")
@handle_errors
def energy_cmd(
    e_ab: str = typer.Argument(..., help="E_AB (eV) or its vasprun.xml."),
    e_a: str = typer.Argument(..., help="E_A (eV) or its vasprun.xml."),
    e_b: str = typer.Argument(..., help="E_B (eV) or its vasprun.xml."),
    area: float = typer.Option(..., "--area", help="Interface area (Å^2)."),
    n_interfaces: int = typer.Option(1, "--interfaces", help="1, or 2 for a superlattice."),
    method: str = typer.Option("DFT", "--method", help="Where the energies come from."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Interface energy E_int = E_AB − E_A − E_B and per area (eV/Å², J/m²).

    Example: heterolab atomistic analyse energy AB/vasprun.xml A/vasprun.xml B/vasprun.xml --area 35.2

    Negative numbers follow "--": heterolab atomistic analyse energy --area 50 -- -100 -60 -38.5
    """
    from heterolab.atomistic.analyse import interface_energy

    res = interface_energy(e_ab, e_a, e_b, area, n_interfaces=n_interfaces, method=method)
    emit(res, as_json, plot=plot)
