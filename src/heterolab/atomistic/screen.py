"""Local screening with a universal machine-learned interatomic potential (optional extra ``ml``).

Energies, forces and relaxations through ASE (Larsen et al., J. Phys.: Condens. Matter 29,
273002 (2017)) with a potential whose weights ship inside its wheel, so it runs offline:

- ``"7net-0"`` (default): SevenNet-0, 11 Jul 2024 checkpoint (Park et al., J. Chem. Theory
  Comput. 20, 4857 (2024), doi:10.1021/acs.jctc.4c00190), package ``sevenn``.
- ``"chgnet"``: CHGNet 0.3.0 (Deng et al., Nat. Mach. Intell. 5, 1031 (2023),
  doi:10.1038/s42256-023-00716-3), package ``chgnet``; its MPtrj-trained 0.3.0 weights file
  (``pretrained/0.3.0/*.pth.tar`` in the wheel) is loaded explicitly, never a download.

Every number produced here is labelled **ML screening** with the model name, package
version and the SHA-256 of the weights file: it ranks candidate interfaces before DFT, it
does not replace it. Install: ``pip install -e .[ml]`` (CPU torch 2.13.0, sevenn, chgnet).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import hashlib
import io
import math
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from heterolab.atomistic.choices import ModelName, Optimizer
from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance

if TYPE_CHECKING:
    from pymatgen.core import Structure

__all__ = [
    "MODELS",
    "MLModel",
    "ModelName",
    "Optimizer",
    "dft_available",
    "energy",
    "load_model",
    "ml_interface_energy",
    "relax",
    "set_threads",
    "validate_forces",
]


def _choice(enum_cls: type[enum.StrEnum], value: object, what: str) -> Any:
    """``value`` as a member of ``enum_cls`` (:func:`heterolab.choices.as_choice`)."""
    return as_choice(enum_cls, value, what)


#: Supported models → (package, description).
MODELS: dict[str, tuple[str, str]] = {
    "7net-0": ("sevenn", "SevenNet-0 (11Jul2024), Park et al., JCTC 20, 4857 (2024)"),
    "chgnet": ("chgnet", "CHGNet 0.3.0, Deng et al., Nat. Mach. Intell. 5, 1031 (2023)"),
}


@dataclass(frozen=True)
class MLModel:
    """A loaded potential: the ASE calculator and what identifies it."""

    name: str
    calculator: Any
    package_version: str
    weights_path: str
    weights_sha256: str

    @property
    def label(self) -> str:
        """``ML screening: <model> (<package> <version>, weights sha256 <first 12>)``."""
        pkg = MODELS[self.name][0]
        return (
            f"ML screening: {MODELS[self.name][1]} ({pkg} {self.package_version}, "
            f"weights sha256 {self.weights_sha256[:12]})"
        )

    def provenance(self) -> dict[str, str]:
        """Model identity for a Result's statistics."""
        return {
            "method": self.label,
            "model": self.name,
            "weights_sha256": self.weights_sha256,
            "weights_file": Path(self.weights_path).name,
        }


@functools.lru_cache(maxsize=8)
def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _torch() -> Any:
    """Import torch with passive OpenMP waits (unless the user chose a policy).

    With OpenMP's default spinning waits, two intra-op threads on a loaded 2-core machine
    spent 4x the CPU time per SevenNet-0 evaluation of a 312-atom cell (8.7 s instead of
    2.1 s at load average 10; ``benchmarks/bench_atomistic_relax.py``): the small e3nn kernels
    leave each thread waiting for the other. ``OMP_WAIT_POLICY`` must be set before the
    OpenMP runtime starts, i.e. before torch is imported; once torch is loaded it is left alone.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return _require("torch")


def set_threads(n: int) -> int:
    """Use ``n`` torch intra-op threads for the potentials (process-wide); returns the old count."""
    if n < 1:
        raise ParameterError(f"the number of threads must be >= 1, got {n}")
    torch = _torch()
    old = int(torch.get_num_threads())
    torch.set_num_threads(int(n))
    return old


def _require(package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError:
        raise ParameterError(
            f"the ML potential needs the package {package!r}, which is not installed; "
            "install the ml extra: pip install -e .[ml] (CPU torch 2.13.0, sevenn, chgnet)"
        ) from None


#: CHGNet weights loaded (the wheel's default MPtrj model; its pretrained/ folder also holds
#: 0.2.0 and an r2SCAN transfer model, which are not used).
CHGNET_VERSION = "0.3.0"


def load_model(name: ModelName | str = ModelName.SEVENNET_0, device: str = "cpu") -> MLModel:
    """Load a bundled potential (cached per process); weights read from the installed wheel.

    Raises
    ------
    ParameterError
        Unknown model (lists the known ones) or its package not installed (says how).
    """
    return _load_model(str(_choice(ModelName, name, "ML model").value), device)


@functools.lru_cache(maxsize=4)
def _load_model(name: str, device: str) -> MLModel:
    _torch()
    pkg = _require(MODELS[name][0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sevenn warns that no TP accelerator is enabled
        if name == "7net-0":
            from sevenn.calculator import SevenNetCalculator
            from sevenn.util import pretrained_name_to_path

            path = str(pretrained_name_to_path(name))
            calc: Any = SevenNetCalculator(path, device=device)
        else:
            from chgnet.model import CHGNet
            from chgnet.model.dynamics import CHGNetCalculator

            folder = Path(pkg.__file__).parent / "pretrained" / CHGNET_VERSION
            found = sorted(folder.glob("*.pth.tar"))
            if len(found) != 1:
                raise ParameterError(
                    f"the chgnet wheel has no single {CHGNET_VERSION} weights file in {folder}"
                )
            path = str(found[0])
            with contextlib.redirect_stdout(io.StringIO()):  # chgnet prints its banner
                model = CHGNet.load(model_name=CHGNET_VERSION, verbose=False, use_device=device)
                calc = CHGNetCalculator(model, use_device=device, on_isolated_atoms="ignore")
    sha = _sha256(path) if path and Path(path).is_file() else "unknown"
    return MLModel(name, calc, str(getattr(pkg, "__version__", "?")), path, sha)


def _atoms(structure: Structure) -> Any:
    """ASE Atoms of a pymatgen Structure, with selective dynamics as FixAtoms."""
    from ase.constraints import FixAtoms
    from pymatgen.io.ase import AseAtomsAdaptor

    atoms = AseAtomsAdaptor.get_atoms(structure)
    sd = structure.site_properties.get("selective_dynamics")
    atoms.set_constraint()
    if sd is not None:
        fixed = [i for i, flags in enumerate(sd) if not any(flags)]
        if fixed:
            atoms.set_constraint(FixAtoms(indices=fixed))
    return atoms


def _max_force(atoms: Any) -> float:
    f = atoms.get_forces()  # constrained components are zeroed by ASE
    return float(np.sqrt((f**2).sum(axis=1)).max()) if len(f) else 0.0


def energy(structure: Structure, model: ModelName | str = ModelName.SEVENNET_0) -> Result:
    """Single-point energy (eV) and largest force (eV/Å) — ``atomistic.ml_energy``."""
    m = load_model(model)
    atoms = _atoms(structure)
    atoms.calc = m.calculator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = float(atoms.get_potential_energy())
        fmax = _max_force(atoms)
    return Result(
        kind="atomistic.ml_energy",
        derived={
            "energy": Quantity(e, None, "eV"),
            "energy_per_atom": Quantity(e / len(atoms), None, "eV"),
            "max_force": Quantity(fmax, None, "eV/angstrom"),
        },
        statistics={**m.provenance(), "n_atoms": len(atoms)},
        provenance=make_provenance((), {"model": m.name}),
    )


def _optimizer(kind: Optimizer, atoms: Any) -> Any:
    from ase.optimize import BFGS, FIRE, LBFGS

    if kind is Optimizer.PRECON_LBFGS:
        from ase.optimize.precon import PreconLBFGS

        return PreconLBFGS(atoms, logfile=None, use_armijo=True)
    return {Optimizer.FIRE: FIRE, Optimizer.BFGS: BFGS, Optimizer.LBFGS: LBFGS}[kind](
        atoms, logfile=None
    )


def relax(
    structure: Structure,
    model: ModelName | str = ModelName.SEVENNET_0,
    *,
    fmax: float = 0.03,
    steps: int = 500,
    optimizer: Optimizer | str = Optimizer.FIRE,
) -> tuple[Structure, Result]:
    """Relax positions (cell fixed; selective dynamics honoured) until all forces < ``fmax``.

    ``fmax`` defaults to the thesis's 0.03 eV/Å. ``optimizer`` is an :class:`Optimizer`
    (case-insensitive). A progress bar (stderr) ticks once per optimiser step. Returns the
    relaxed structure and an ``atomistic.ml_relax`` Result (energy, max force, steps); suspect
    when not converged within ``steps``.
    """
    from pymatgen.io.ase import AseAtomsAdaptor

    from heterolab.progress import progress_task

    if not (fmax > 0) or steps < 1:
        raise ParameterError(f"need fmax > 0 and steps >= 1, got fmax = {fmax}, steps = {steps}")
    opt_kind = _choice(Optimizer, optimizer, "optimizer")
    m = load_model(model)
    atoms = _atoms(structure)
    atoms.calc = m.calculator
    with (
        warnings.catch_warnings(),
        progress_task(f"relaxing {len(atoms)} atoms ({m.name})", unit="steps") as tick,
    ):
        warnings.simplefilter("ignore")
        e0 = float(atoms.get_potential_energy())
        opt = _optimizer(opt_kind, atoms)
        opt.attach(tick, interval=1)
        converged = bool(opt.run(fmax=fmax, steps=steps))
        e = float(atoms.get_potential_energy())
        fm = _max_force(atoms)
    relaxed = AseAtomsAdaptor.get_structure(atoms)
    relaxed.properties.update(structure.properties)
    if "selective_dynamics" in structure.site_properties:
        relaxed.add_site_property(
            "selective_dynamics", structure.site_properties["selective_dynamics"]
        )
    res = Result(
        kind="atomistic.ml_relax",
        derived={
            "energy": Quantity(e, None, "eV"),
            "energy_change": Quantity(e - e0, None, "eV"),
            "max_force": Quantity(fm, None, "eV/angstrom"),
        },
        statistics={
            **m.provenance(),
            "optimizer": opt_kind.value,
            "steps": int(opt.nsteps),
            "converged": converged,
            "fmax": fmax,
            "n_atoms": len(atoms),
        },
        provenance=make_provenance(
            (), {"model": m.name, "fmax": fmax, "steps": steps, "optimizer": opt_kind.value}
        ),
    )
    if not converged:
        res.mark_suspect(f"not converged in {steps} steps: max force {fm:.3g} eV/Å > {fmax}")
    return relaxed, res


def ml_interface_energy(
    ab: Structure,
    a: Structure,
    b: Structure,
    *,
    area: float | None = None,
    n_interfaces: int = 1,
    model: ModelName | str = ModelName.SEVENNET_0,
    relax_structures: bool = True,
    fmax: float = 0.03,
    steps: int = 300,
    optimizer: Optimizer | str = Optimizer.FIRE,
) -> Result:
    """E_int = E_AB − E_A − E_B per area with the ML potential — labelled ML screening.

    ``area`` defaults to |a × b| of AB's cell (Å²). With ``relax_structures`` each of the
    three is relaxed first (positions only); unconverged relaxations make the result
    suspect.
    """
    from heterolab.atomistic.analyse import interface_energy

    energies = []
    notes = []
    for name, s in (("AB", ab), ("A", a), ("B", b)):
        if relax_structures:
            _, r = relax(s, model, fmax=fmax, steps=steps, optimizer=optimizer)
            if not r.statistics["converged"]:
                notes.append(f"{name}: {r.message}")
        else:
            r = energy(s, model)
        energies.append(r.value("energy"))
    if area is None:
        m = ab.lattice.matrix
        area = float(np.linalg.norm(np.cross(m[0], m[1])))
    label = load_model(model).label
    e_ab, e_a, e_b = energies
    res = interface_energy(e_ab, e_a, e_b, area=area, n_interfaces=n_interfaces, method=label)
    res.statistics.update(load_model(model).provenance())
    res.statistics["relaxed"] = relax_structures
    res.statistics["screening"] = True
    for n in notes:
        res.mark_suspect(n)
    if not math.isfinite(res.value("e_int")):
        res.mark_failed("the potential returned a non-finite energy")
    return res


def dft_available() -> dict[str, str | None]:
    """Which open DFT engines this machine has: ``{"gpaw": version | None, "cp2k": path | None}``."""
    import importlib.util
    import shutil

    gpaw = None
    if importlib.util.find_spec("gpaw") is not None:
        import gpaw as _g

        gpaw = str(getattr(_g, "__version__", "?"))
    cp2k = next(
        (shutil.which(n) for n in ("cp2k.psmp", "cp2k.ssmp", "cp2k") if shutil.which(n)), None
    )
    return {"gpaw": gpaw, "cp2k": cp2k}


def validate_forces(
    structure: Structure,
    code: str = "gpaw",
    model: ModelName | str = ModelName.SEVENNET_0,
    *,
    ecut: float = 400.0,
    kpts: tuple[int, int, int] = (2, 2, 2),
) -> Result:
    """Small-cell check of the ML forces against an open DFT code (GPAW or CP2K via ASE).

    Compares forces (eV/Å), which share no arbitrary reference between codes: RMS and largest
    difference. PBE, plane waves ``ecut`` eV (GPAW) or CP2K's ASE defaults.

    Raises
    ------
    ParameterError
        The code is not installed, saying how to get it (the check is skipped, never faked).
    """
    have = dft_available()
    if code not in have:
        raise ParameterError(f"unknown DFT code {code!r}; valid: gpaw, cp2k")
    if have[code] is None:
        how = (
            "pip install gpaw (needs libxc and BLAS; then gpaw install-data for PAW setups)"
            if code == "gpaw"
            else "install CP2K so that cp2k.psmp or cp2k is on PATH"
        )
        raise ParameterError(f"{code} is not available on this machine: {how}")
    atoms = _atoms(structure)
    if code == "gpaw":
        from gpaw import GPAW, PW

        atoms.calc = GPAW(mode=PW(ecut), xc="PBE", kpts=kpts, txt=None)
    else:
        from ase.calculators.cp2k import CP2K

        atoms.calc = CP2K(xc="PBE", command=str(have["cp2k"]))
    f_dft = atoms.get_forces()
    ml = load_model(model)
    atoms.calc = ml.calculator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f_ml = atoms.get_forces()
    diff = np.linalg.norm(f_ml - f_dft, axis=1)
    return Result(
        kind="atomistic.ml_validation",
        derived={
            "force_rms_difference": Quantity(float(np.sqrt((diff**2).mean())), None, "eV/angstrom"),
            "force_max_difference": Quantity(float(diff.max()), None, "eV/angstrom"),
        },
        statistics={**ml.provenance(), "dft_code": code, "dft_version": have[code]},
        provenance=make_provenance((), {"code": code, "ecut": ecut, "kpts": list(kpts)}),
    )
