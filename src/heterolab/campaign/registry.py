"""Step types of a campaign, declared as data: a name, the public function it calls, and the
inputs (files) that fill the function's data arguments.

Registering a new analysis is one line in :data:`STEP_TYPES` (or one call to
:func:`register_step_type` from another package)::

    StepType("xrd.peaks", "heterolab.structure.xrd.peaks:fit_peaks", {"pattern": "xrd_pattern"})

Input specifications (values of the ``inputs`` mapping; the key is the function parameter):

``"KIND"``
    one file read by the reader for ``KIND`` (see :data:`READERS`; any other kind is read by
    :func:`heterolab.io.read` with ``kind=KIND``).
``"KIND?"``
    optional input.
``"KIND+"``
    one or more files, passed as a list.
``"columns:A,B"``
    a numeric text table whose columns fill the parameters ``A`` and ``B`` (the key is then
    only the campaign's name for the file).
``"path"``
    the file's path as a string (for functions that read files themselves).

Every other parameter of the function is a campaign ``option`` (checked at load time against
the signature: name, type, Literal choices) or, for numbers, a quantity of an earlier step
named in ``uses``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from heterolab.errors import ParameterError

__all__ = ["READERS", "STEP_TYPES", "InputSpec", "StepType", "register_step_type"]


@dataclass(frozen=True)
class InputSpec:
    """One file input of a step type (parsed from the specification string)."""

    name: str
    kind: str
    optional: bool = False
    many: bool = False
    columns: tuple[str, ...] = ()

    @classmethod
    def parse(cls, name: str, spec: str) -> InputSpec:
        """``"decay"``, ``"decay?"``, ``"ta+"`` or ``"columns:time_h,signal"``."""
        optional = spec.endswith("?")
        many = spec.endswith("+")
        kind = spec.rstrip("?+")
        columns: tuple[str, ...] = ()
        if kind.startswith("columns:"):
            columns = tuple(c.strip() for c in kind.split(":", 1)[1].split(","))
            kind = "columns"
        return cls(name, kind, optional, many, columns)

    @property
    def fills(self) -> tuple[str, ...]:
        """Function parameters this input provides."""
        if self.kind == "columns":
            return self.columns
        if self.kind == "transfer_table":
            return ("rows", "rounding")
        return (self.name,)


@dataclass(frozen=True)
class StepType:
    """A step type: ``name`` → public ``function`` (``"module:attribute"`` or a callable)."""

    name: str
    function: str | Callable[..., Any]
    inputs: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    @cached_property
    def input_specs(self) -> dict[str, InputSpec]:
        """Parsed input specifications by campaign input name."""
        return {k: InputSpec.parse(k, v) for k, v in self.inputs.items()}

    @property
    def primary_input(self) -> str | None:
        """The first required input (filled by ``for_each`` measurements)."""
        for name, spec in self.input_specs.items():
            if not spec.optional:
                return name
        return next(iter(self.input_specs), None)

    @property
    def function_name(self) -> str:
        """Dotted name of the function, for messages and provenance."""
        if callable(self.function):
            return f"{self.function.__module__}.{self.function.__qualname__}"
        return self.function.replace(":", ".")

    def resolve(self) -> Callable[..., Any]:
        """Import and return the function (raises ImportError/AttributeError if absent)."""
        if callable(self.function):
            return self.function
        module, attr = self.function.split(":")
        return getattr(importlib.import_module(module), attr)

    def signature(self) -> inspect.Signature:
        """The function's signature."""
        return inspect.signature(self.resolve())


def _types(*entries: StepType) -> dict[str, StepType]:
    return {e.name: e for e in entries}


_TRPL = "heterolab.kinetics.trpl"
_TA = "heterolab.kinetics.ta"
_ST = "heterolab.structure"
_SP = "heterolab.spectroscopy"

#: Every step type a campaign may use, by name. One line per analysis.
STEP_TYPES: dict[str, StepType] = _types(
    # --- TRPL / TCSPC, FLIM
    StepType("trpl.fit", f"{_TRPL}.decay_fit:fit_decay", {"decay": "decay", "irf": "decay?"}),
    StepType("trpl.batch", f"{_TRPL}.batch:fit_decays", {"decays": "decays", "irf": "decay?"}),
    StepType("trpl.flim", f"{_TRPL}.flim:fit_flim", {"image": "flim", "irf": "decay?"}),
    StepType("trpl.phasor", f"{_TRPL}.phasor:phasor_analysis", {"decays": "decays"}),
    StepType("trpl.transfer", f"{_TRPL}.transfer:transfer_from_lifetimes"),
    StepType(
        "trpl.transfer_decays",
        f"{_TRPL}.transfer:transfer_from_decays",
        {"donor": "path", "donor_acceptor": "path", "irf": "path?"},
    ),
    StepType("trpl.transport", f"{_TRPL}.transfer:transport_from_quenching"),
    StepType("trpl.rates", f"{_TRPL}.transfer:radiative_rates"),
    StepType("trpl.table_averages", "heterolab.thesis.table_3_2:thesis_table_3_2"),
    # --- transient absorption
    StepType("ta.svd", f"{_TA}.preprocess:svd_analysis", {"da": "ta"}),
    StepType("ta.chirp", f"{_TA}.preprocess:estimate_chirp", {"da": "ta"}),
    StepType("ta.kinetics", f"{_TA}.single:fit_kinetics", {"data": "ta"}),
    StepType("ta.global", f"{_TA}.global_fit:fit_global", {"da": "ta"}),
    StepType("ta.target", f"{_TA}.target:fit_target", {"model": "ta_model", "data": "ta+"}),
    # --- steady-state spectra
    StepType("spectrum.peaks", f"{_SP}.peakfit:fit_peaks", {"spectrum": "spectrum"}),
    StepType("spectrum.tauc", f"{_SP}.absorption:tauc_gap", {"absorbance": "spectrum"}),
    StepType("spectrum.urbach", f"{_SP}.absorption:urbach_energy", {"absorbance": "spectrum"}),
    StepType("spectrum.elliott", f"{_SP}.absorption:elliott_fit", {"absorbance": "spectrum"}),
    StepType(
        "spectrum.size_pbs", f"{_SP}.sizes:pbs_size_from_absorption", {"absorbance": "spectrum"}
    ),
    StepType("spectrum.size_cspbbr3", f"{_SP}.sizes:cspbbr3_size_from_peak"),
    StepType("spectrum.ftir", f"{_SP}.ftir:ftir_peaks", {"spectrum": "spectrum"}),
    StepType(
        "spectrum.forster",
        f"{_SP}.forster:forster_rate",
        {"donor_emission": "spectrum", "acceptor_extinction": "spectrum"},
    ),
    StepType(
        "spectrum.power_law", f"{_SP}.intensity:power_law_fit", {"table": "columns:excitation,pl"}
    ),
    # --- PLQY and transfer efficiency
    StepType(
        "plqy.absolute",
        f"{_SP}.plqy:plqy_absolute",
        {"sample": "spectrum", "blank": "spectrum", "indirect": "spectrum?"},
    ),
    StepType("plqy.relative", f"{_SP}.plqy:plqy_relative"),
    StepType("plqy.partition", f"{_SP}.plqy:plqy_partition"),
    StepType("transfer.row", f"{_SP}.transfer:transfer_efficiency"),
    StepType(
        "transfer.efficiency",
        f"{_SP}.transfer:transfer_table_analysis",
        {"table": "transfer_table"},
    ),
    # --- bands
    StepType(
        "bands.ups_levels",
        f"{_SP}.ups:material_levels_from_files",
        {"secondary_file": "path", "valence_file": "path", "absorption_file": "path"},
    ),
    StepType("bands.cutoff", f"{_SP}.ups:secondary_electron_cutoff", {"spectrum": "photoemission"}),
    StepType("bands.valence", f"{_SP}.ups:valence_band_onset", {"spectrum": "photoemission"}),
    StepType("bands.confined", "heterolab.calculators.bands:confined_band_edges"),
    StepType("bands.heterojunction", "heterolab.calculators.bands:heterojunction"),
    # --- temperature and stability series
    StepType(
        "temperature.fit",
        f"{_SP}.temperature:fit_temperature_dependence",
        {"table": "columns:temperature,values"},
    ),
    StepType(
        "stability.retention",
        f"{_SP}.stability:retention_series",
        {"table": "columns:time_h,signal"},
    ),
    # structure (heterolab.structure): steps on one measured file each
    StepType("xrd.peaks", f"{_ST}.xrd.peaks:fit_peaks", {"pattern": "xrd_pattern"}),
    StepType(
        "xrd.powder_model", f"{_ST}.xrd.powder_model:fit_powder_model", {"pattern": "xrd_pattern"}
    ),
    StepType("xps.charge", f"{_ST}.xps.charge:charge_correction", {"spectrum": "photoemission"}),
    StepType("xps.pb4f", "heterolab.campaign.steps:xps_pb4f", {"spectrum": "photoemission"}),
    StepType("xps.fermi_edge", f"{_ST}.xps.charge:fit_fermi_edge", {"spectrum": "photoemission"}),
    StepType("tem.spacings", f"{_ST}.microscopy.fft:measure_spacings", {"image": "image"}),
    StepType("tem.particles", f"{_ST}.microscopy.particles:measure_particles", {"image": "image"}),
    StepType("tem.gpa", f"{_ST}.microscopy.phase_strain:gpa", {"image": "image"}),
    StepType("image.resolution", f"{_ST}.imaging.quality:slanted_edge_mtf", {"image": "image"}),
    StepType("image.contrast", f"{_ST}.imaging.quality:contrast", {"image": "image"}),
)


def register_step_type(step_type: StepType, *, replace: bool = False) -> StepType:
    """Add a step type (e.g. from ``heterolab.structure``); refuses to shadow one silently."""
    if step_type.name in STEP_TYPES and not replace:
        raise ParameterError(f"step type {step_type.name!r} is already registered")
    STEP_TYPES[step_type.name] = step_type
    return step_type


# ---------------------------------------------------------------------- readers
def _read_columns(path: Path, names: tuple[str, ...]) -> dict[str, Any]:
    from heterolab.io.text import read_columns

    return read_columns(path, names)


def _read_ta_model(path: Path) -> Any:
    from heterolab.kinetics.ta.target import load_model

    return load_model(path)


def _read_transfer_table(path: Path) -> dict[str, Any]:
    from heterolab.spectroscopy.transfer import read_transfer_table

    rows, rounding = read_transfer_table(path)
    return {"rows": rows, "rounding": rounding}


def _read_with(module: str, attr: str) -> Callable[..., Any]:
    def reader(path: Path, **options: Any) -> Any:
        return getattr(importlib.import_module(module), attr)(path, **options)

    return reader


#: Reader of each input kind (any other kind: ``heterolab.io.read(path, kind=KIND)``).
READERS: dict[str, Callable[..., Any]] = {
    "decay": _read_with("heterolab.io", "read_decay"),
    "decays": _read_with("heterolab.io", "read_decays"),
    "flim": _read_with("heterolab.io", "read_flim"),
    # microscopy images (dm3/dm4, emd, ser, hspy and calibrated TIFF)
    "image": _read_with("heterolab.io.images", "read_microscopy_image"),
    "ta_model": lambda path, **_: _read_ta_model(path),
    "transfer_table": lambda path, **_: _read_transfer_table(path),
    "path": lambda path, **_: str(path),
}


def read_input(spec: InputSpec, path: Path, read_options: Mapping[str, Any]) -> Any:
    """Read one file of an input as its kind requires."""
    if spec.kind == "columns":
        return _read_columns(path, spec.columns)
    reader = READERS.get(spec.kind)
    if reader is not None:
        return reader(path, **read_options)
    from heterolab.io import read

    return read(path, kind=spec.kind, **read_options)
