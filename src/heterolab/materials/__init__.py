"""Material parameters kept as data files, each value with its literature source.

Every material is one TOML file in this package (``CsPbBr3.toml``, ``PbS.toml`` ...); a user
adds a material by writing a file in the same format and passing its path to :func:`get`.
The format::

    name = "CsPbBr3"
    formula = "CsPbBr3"
    description = "..."

    [parameters.band_gap]          # any name; see PARAMETER_NAMES for the ones models use
    value = 2.342
    unit = "eV"
    source = "Protesescu et al., Nano Lett. 15, 3692 (2015)"
    note = "optional remark (e.g. temperature, spread of literature values)"
    from_thesis = false            # true: fitted to the reference thesis (never confirms it)
    measured_on = ""               # e.g. "nanocrystal film" when not a bulk property

    [lattices.cubic]               # any phase name
    a = 5.874                      # b, c default to a; alpha, beta, gamma to 90 (degrees)
    unit = "angstrom"
    space_group = "Pm-3m"
    source = "..."

Shannon ionic radii are in :mod:`heterolab.materials.radii`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from heterolab.errors import FormatError, ParameterError, UnitError
from heterolab.units import convert

__all__ = [
    "PARAMETER_NAMES",
    "LatticeParameters",
    "Material",
    "MaterialParameter",
    "available",
    "get",
    "lattice_from_cif",
    "load_file",
]

#: Parameter names the physics models look up, with the unit dimension they need.
PARAMETER_NAMES: dict[str, str] = {
    "band_gap": "bulk band gap at room temperature (energy)",
    "electron_mass": "electron effective mass m*_e (units of m0, unit '1')",
    "hole_mass": "hole effective mass m*_h (units of m0, unit '1')",
    "dielectric_constant": "relative permittivity used for the exciton (optical/high-frequency)",
    "static_dielectric_constant": "static relative permittivity",
    "exciton_binding_energy": "exciton binding energy (energy)",
    "exciton_bohr_radius": "exciton Bohr radius (length)",
}


@dataclass(frozen=True)
class MaterialParameter:
    """One material parameter: value, unit and the literature source it comes from."""

    value: float
    unit: str
    source: str
    note: str = ""
    #: True when the value was fitted to or read from the reference thesis itself: it can
    #: reproduce the thesis but never confirm it (use an independent literature value).
    from_thesis: bool = False
    #: The sample the value was measured on when it is not an intrinsic (bulk) property,
    #: e.g. ``"nanocrystal film"`` (such band edges already contain confinement).
    measured_on: str = ""

    def to(self, unit: str) -> float:
        """The value converted to ``unit`` (raises UnitError if the dimensions differ)."""
        return float(convert(self.value, self.unit, unit))


@dataclass(frozen=True)
class LatticeParameters:
    """Lattice constants of one crystal phase.

    Lengths are stored in ångström and angles in degrees, whatever the file used.
    """

    a: float
    b: float
    c: float
    alpha: float
    beta: float
    gamma: float
    space_group: str
    source: str
    note: str = ""
    #: True when the cell was fitted to the reference thesis's own data (see
    #: :attr:`MaterialParameter.from_thesis`).
    from_thesis: bool = False

    @property
    def lengths_angstrom(self) -> tuple[float, float, float]:
        """(a, b, c) in Å."""
        return (self.a, self.b, self.c)

    @property
    def angles_deg(self) -> tuple[float, float, float]:
        """(α, β, γ) in degrees."""
        return (self.alpha, self.beta, self.gamma)


@dataclass(frozen=True)
class Material:
    """A material: named parameters and crystal phases, each with its source."""

    name: str
    formula: str
    description: str
    parameters: dict[str, MaterialParameter] = field(default_factory=dict)
    lattices: dict[str, LatticeParameters] = field(default_factory=dict)
    path: str = ""

    def parameter(self, name: str) -> MaterialParameter:
        """Parameter ``name``; raises ParameterError listing the available names."""
        try:
            return self.parameters[name]
        except KeyError:
            raise ParameterError(
                f"material {self.name!r} has no parameter {name!r}; "
                f"available: {', '.join(sorted(self.parameters)) or 'none'}"
            ) from None

    def value(self, name: str, unit: str) -> float:
        """Value of parameter ``name`` converted to ``unit``."""
        return self.parameter(name).to(unit)

    def lattice(self, phase: str) -> LatticeParameters:
        """Lattice of ``phase``; raises ParameterError listing the known phases."""
        try:
            return self.lattices[phase]
        except KeyError:
            raise ParameterError(
                f"material {self.name!r} has no phase {phase!r}; "
                f"available: {', '.join(sorted(self.lattices)) or 'none'}"
            ) from None

    @property
    def band_gap_ev(self) -> float:
        """Bulk band gap [eV]."""
        return self.value("band_gap", "eV")

    @property
    def electron_mass(self) -> float:
        """Electron effective mass [m0]."""
        return self.value("electron_mass", "1")

    @property
    def hole_mass(self) -> float:
        """Hole effective mass [m0]."""
        return self.value("hole_mass", "1")

    @property
    def dielectric_constant(self) -> float:
        """Relative permittivity used for excitons [1]."""
        return self.value("dielectric_constant", "1")


def available() -> list[str]:
    """Names of the bundled materials."""
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(__package__).iterdir()
        if p.name.endswith(".toml") and not p.name.startswith("_")
    )


def get(name_or_path: str | PathLike[str]) -> Material:
    """Load a bundled material by name (``"CsPbBr3"``) or a user's TOML file by path.

    Raises
    ------
    ParameterError
        If ``name_or_path`` is neither a bundled material nor an existing file.
    FormatError
        If the file is not valid material TOML (names the file and the problem).
    """
    text_name = str(name_or_path)
    if text_name.endswith(".toml") or Path(text_name).is_file():
        path = Path(text_name)
        if not path.is_file():
            raise ParameterError(f"material file {text_name!r} does not exist")
        return load_file(path)
    resource = resources.files(__package__) / f"{text_name}.toml"
    if not resource.is_file():
        raise ParameterError(
            f"unknown material {text_name!r}; bundled: {', '.join(available())} "
            "(or pass the path of a material TOML file)"
        )
    return _parse(resource.read_text(encoding="utf-8"), f"heterolab/materials/{text_name}.toml")


def load_file(path: str | PathLike[str]) -> Material:
    """Load a material TOML file (format in the module docstring)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise FormatError(p, f"cannot read file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise FormatError(
            p, f"not a UTF-8 text file (byte {exc.start}): expected a material TOML file"
        ) from None
    return _parse(text, str(p))


def _parse(text: str, where: str) -> Material:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(where, f"not valid TOML: {exc}") from None
    problems: list[str] = []
    name = data.get("name")
    if not isinstance(name, str) or not name:
        problems.append("missing top-level string 'name'")
    params = {
        key: p
        for key, raw in dict(data.get("parameters", {})).items()
        if (p := _parse_parameter(key, raw, problems)) is not None
    }
    lattices = {
        key: lat
        for key, raw in dict(data.get("lattices", {})).items()
        if (lat := _parse_lattice(key, raw, problems)) is not None
    }
    if problems:
        raise FormatError(where, "; ".join(problems))
    return Material(
        name=str(name),
        formula=str(data.get("formula", name)),
        description=str(data.get("description", "")),
        parameters=params,
        lattices=lattices,
        path=where,
    )


def _parse_parameter(key: str, raw: Any, problems: list[str]) -> MaterialParameter | None:
    if not isinstance(raw, dict):
        problems.append(f"parameter {key!r} must be a table with value, unit, source")
        return None
    missing = [f for f in ("value", "unit", "source") if f not in raw]
    if missing:
        problems.append(f"parameter {key!r} lacks {', '.join(missing)}")
        return None
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(f"parameter {key!r} has non-numeric or non-finite value {value!r}")
        return None
    try:
        convert(1.0, raw["unit"], raw["unit"])
    except UnitError as exc:
        problems.append(f"parameter {key!r}: {exc}")
        return None
    if not str(raw["source"]).strip():
        problems.append(f"parameter {key!r} has an empty source")
        return None
    from_thesis = raw.get("from_thesis", False)
    if not isinstance(from_thesis, bool):
        problems.append(f"parameter {key!r}: from_thesis must be true or false")
        return None
    return MaterialParameter(
        float(value),
        str(raw["unit"]),
        str(raw["source"]),
        str(raw.get("note", "")),
        from_thesis,
        str(raw.get("measured_on", "")),
    )


def _parse_lattice(key: str, raw: Any, problems: list[str]) -> LatticeParameters | None:
    if not isinstance(raw, dict) or "a" not in raw or "source" not in raw:
        problems.append(f"lattice {key!r} needs at least 'a' and 'source'")
        return None
    try:
        factor = float(convert(1.0, raw.get("unit", "angstrom"), "angstrom"))
    except UnitError as exc:
        problems.append(f"lattice {key!r}: {exc}")
        return None
    a = float(raw["a"]) * factor
    b = float(raw.get("b", raw["a"])) * factor
    c = float(raw.get("c", raw["a"])) * factor
    angles = [float(raw.get(n, 90.0)) for n in ("alpha", "beta", "gamma")]
    if min(a, b, c) <= 0 or not all(0 < x < 180 for x in angles):
        problems.append(f"lattice {key!r} has non-positive lengths or angles outside (0, 180)")
        return None
    return LatticeParameters(
        a,
        b,
        c,
        angles[0],
        angles[1],
        angles[2],
        space_group=str(raw.get("space_group", "")),
        source=str(raw["source"]),
        note=str(raw.get("note", "")),
        from_thesis=bool(raw.get("from_thesis", False)),
    )


_CIF_KEYS = {
    "a": "_cell_length_a",
    "b": "_cell_length_b",
    "c": "_cell_length_c",
    "alpha": "_cell_angle_alpha",
    "beta": "_cell_angle_beta",
    "gamma": "_cell_angle_gamma",
}
_CIF_SG_KEYS = ("_symmetry_space_group_name_h-m", "_space_group_name_h-m_alt")


def _cif_number(text: str) -> float:
    """CIF numbers may carry a standard uncertainty in brackets: ``5.874(2)``."""
    return float(text.split("(")[0])


def lattice_from_cif(path: str | PathLike[str]) -> LatticeParameters:
    """Cell constants and space group of the first data block of a CIF file.

    Reads only the ``_cell_length_*``, ``_cell_angle_*`` and space-group tags (IUCr CIF 1.1
    core dictionary); atom positions are not needed for plane spacings and mismatch.

    Raises
    ------
    FormatError
        If a cell tag is missing or not a number (names the file, line and tag).
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FormatError(p, f"cannot read file: {exc.strerror}") from None
    if b"\x00" in raw[:4096]:
        raise FormatError(p, "binary file (NUL bytes): expected a text CIF file")
    lines = raw.decode("utf-8", errors="replace").splitlines()
    found: dict[str, float] = {}
    space_group = ""
    blocks = 0
    for lineno, line in enumerate(lines, 1):
        parts = line.split(None, 1)
        if not parts:
            continue
        tag = parts[0].lower()
        if tag.startswith("data_"):
            blocks += 1
            if blocks > 1:
                break
        value = parts[1].strip().strip("'\"") if len(parts) > 1 else ""
        for key, cif_tag in _CIF_KEYS.items():
            if tag == cif_tag:
                try:
                    found[key] = _cif_number(value)
                except ValueError:
                    raise FormatError(
                        p, f"{cif_tag} is not a number: {value!r}", line=lineno
                    ) from None
        if tag in _CIF_SG_KEYS and not space_group:
            space_group = value.replace(" ", "")
    missing = [_CIF_KEYS[k] for k in _CIF_KEYS if k not in found]
    if missing:
        raise FormatError(p, f"missing cell tags: {', '.join(missing)}")
    return LatticeParameters(
        found["a"],
        found["b"],
        found["c"],
        found["alpha"],
        found["beta"],
        found["gamma"],
        space_group=space_group,
        source=f"CIF file {p.name}",
    )
