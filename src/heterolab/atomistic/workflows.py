"""atomate2/jobflow workflows for an interface: relax, static (CHGCAR, LOCPOT), DOS and the
charge-density-difference statics of A, B and AB, with the thesis's VASP settings
(optional extra ``workflows``).

heterolab builds and writes the workflow; the user runs it on their own cluster with
jobflow's managers (``jobflow.managers.local.run_locally`` on a node, FireWorks or
jobflow-remote for a queue). Nothing here submits or schedules.

Settings are those of :mod:`heterolab.atomistic.vasp` (thesis §4.2): PBE, PAW, ENCUT 500 eV,
DFT-D3 with IVDW = 11 (zero damping; the thesis says only "D3"), EDIFFG = −0.03 eV/Å,
Γ-centred 1 × 2 × 1 k-mesh, ISMEAR 0 / SIGMA 0.05, dipole correction along c for slabs,
layered over atomate2's own input-set generators (Ganose et al., Digital Discovery 4, 1944
(2025), doi:10.1039/D5DD00019J; jobflow: Rosen et al., J. Open Source Softw. 9, 5995 (2024)).

The flow, for each part P of AB (interface), A (film) and B (substrate), A and B in AB's
cell:

- ``P relax`` — positions (ISIF = 2), thesis INCAR;
- ``P static`` — from the relaxed structure: CHGCAR, LOCPOT (LVHAR), LORBIT = 11;
- ``P dos`` — non-self-consistent on the static's charge density (ICHARG = 11), uniform
  Γ mesh ``dos_kpoints`` (the thesis's 1 × 2 × 1 unless given), NEDOS = 3001, LORBIT = 11;

and for Δρ(z) = ρ_AB − ρ_A − ρ_B (:func:`heterolab.atomistic.analyse.
charge_density_difference`), which needs all three on AB's relaxed geometry and one FFT
grid:

- ``split A from relaxed AB`` / ``split B from relaxed AB`` — :func:`take_sites` as a
  jobflow job (heterolab must be installed where the flow runs);
- ``A in AB static (charge)`` / ``B in AB static (charge)`` — statics of those frozen parts
  with the same settings, hence the same grid as ``AB static``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heterolab.errors import OutputError, ParameterError

if TYPE_CHECKING:
    from jobflow import Flow
    from pymatgen.core import Structure

__all__ = ["JOB_NAMES", "interface_flow", "take_sites", "thesis_generator", "write_flow"]

#: Jobs of :func:`interface_flow`, in order.
JOB_NAMES: tuple[str, ...] = (
    *(f"{p} {step}" for p in ("AB", "A", "B") for step in ("relax", "static", "dos")),
    "split A from relaxed AB",
    "A in AB static (charge)",
    "split B from relaxed AB",
    "B in AB static (charge)",
)


def _require() -> None:
    import importlib.util

    missing = [m for m in ("atomate2", "jobflow") if importlib.util.find_spec(m) is None]
    if missing:
        raise ParameterError(
            f"workflows need {', '.join(missing)}: install the workflows extra "
            "(pip install -e .[workflows])"
        )


def thesis_generator(
    step: str,
    *,
    ivdw: int = 11,
    kpoints: Sequence[int] = (1, 2, 1),
    slab: bool = True,
) -> Any:
    """atomate2 input-set generator for ``step`` (``relax``, ``static`` or ``dos``) with the
    thesis's INCAR (:func:`heterolab.atomistic.vasp.thesis_incar`) and a Γ-centred mesh."""
    _require()
    from atomate2.vasp.sets.core import (
        NonSCFSetGenerator,
        RelaxSetGenerator,
        StaticSetGenerator,
    )
    from pymatgen.io.vasp import Kpoints

    from heterolab.atomistic.vasp import thesis_incar

    mesh = tuple(int(k) for k in kpoints)
    if len(mesh) != 3 or min(mesh) < 1:
        raise ParameterError(f"kpoints must be three positive integers, got {tuple(kpoints)!r}")
    kp: Any = Kpoints.gamma_automatic(mesh)  # atomate2 takes a Kpoints (typed as dict)
    if step == "relax":
        return RelaxSetGenerator(
            user_incar_settings=thesis_incar("relax", slab=slab, ivdw=ivdw),
            user_kpoints_settings=kp,
        )
    if step == "static":
        return StaticSetGenerator(
            user_incar_settings=thesis_incar("static", slab=slab, ivdw=ivdw),
            user_kpoints_settings=kp,
        )
    if step == "dos":
        incar = thesis_incar("static", slab=slab, ivdw=ivdw)
        incar.update(ICHARG=11, LCHARG=False, LVHAR=False)
        return NonSCFSetGenerator(
            mode="uniform", user_incar_settings=incar, user_kpoints_settings=kp
        )
    raise ParameterError(f"unknown workflow step {step!r}; valid: relax, static, dos")


def take_sites(structure: Structure, indices: list[int]) -> Structure:
    """The sites ``indices`` of ``structure`` in the same cell (module-level, so that a
    serialized flow finds it by import path on the cluster)."""
    keep = set(indices)
    part = structure.copy()
    part.remove_sites([i for i in range(len(structure)) if i not in keep])
    return part


def interface_flow(
    interface_structure: Structure,
    *,
    film_indices: Sequence[int] | None = None,
    ivdw: int = 11,
    kpoints: Sequence[int] = (1, 2, 1),
    dos_kpoints: Sequence[int] | None = None,
    name: str = "heterolab interface (thesis settings)",
) -> Flow:
    """The jobflow Flow of the module docstring for an interface and its two parts.

    ``film_indices`` default to the ``interface_label == "film"`` sites of a pymatgen
    Interface (as built by :func:`heterolab.atomistic.build.interface`).

    Raises
    ------
    ParameterError
        atomate2/jobflow missing (says how to install), no film labels, bad indices.
    """
    _require()
    from atomate2.vasp.jobs.core import NonSCFMaker, RelaxMaker, StaticMaker
    from jobflow import Flow, job

    if film_indices is None:
        labels = interface_structure.site_properties.get("interface_label")
        if labels is None:
            raise ParameterError(
                "film_indices not given and the structure has no interface_label site property"
            )
        film_indices = [i for i, lab in enumerate(labels) if lab == "film"]
    film = sorted({int(i) for i in film_indices})
    if not film or len(film) >= len(interface_structure) or film[-1] >= len(interface_structure):
        raise ParameterError("film_indices must name some but not all sites of the interface")
    sub = [i for i in range(len(interface_structure)) if i not in set(film)]
    parts = {
        "AB": interface_structure,
        "A": take_sites(interface_structure, film),
        "B": take_sites(interface_structure, sub),
    }
    gen = {
        step: thesis_generator(step, ivdw=ivdw, kpoints=k)
        for step, k in (("relax", kpoints), ("static", kpoints), ("dos", dos_kpoints or kpoints))
    }

    def maker(cls: Any, job_name: str, step: str) -> Any:
        return cls(name=job_name, input_set_generator=gen[step])

    jobs: list[Any] = []
    ab_relax: Any = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p, s in parts.items():
            relax = maker(RelaxMaker, f"{p} relax", "relax").make(s)
            static = maker(StaticMaker, f"{p} static", "static").make(
                relax.output.structure, prev_dir=relax.output.dir_name
            )
            dos = maker(NonSCFMaker, f"{p} dos", "dos").make(
                static.output.structure, prev_dir=static.output.dir_name, mode="uniform"
            )
            jobs += [relax, static, dos]
            if p == "AB":
                ab_relax = relax
        split_job: Any = job(take_sites)
        for p, idx in (("A", film), ("B", sub)):
            split = split_job(ab_relax.output.structure, idx)
            split.name = f"split {p} from relaxed AB"
            charge = maker(StaticMaker, f"{p} in AB static (charge)", "static").make(split.output)
            jobs += [split, charge]
    return Flow(jobs, name=name)


def write_flow(flow: Flow, path: str | PathLike[str]) -> Path:
    """Write ``flow`` as JSON (monty's serialization; read back with ``monty.serialization.
    loadfn``, then run it with a jobflow manager on the cluster).

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    from monty.serialization import dumpfn

    out = Path(path)
    try:
        dumpfn(flow, out)
    except OSError as exc:
        raise OutputError(f"cannot write the workflow to {out}: {exc.strerror or exc}") from None
    return out
