"""The Result: what every analysis returns and every CLI command prints.

A Result holds fitted parameters and derived quantities (each a :class:`Quantity` with value,
standard error and unit), fit statistics, provenance, and optionally model curves and
residuals as xarray DataArrays. ``to_dict()`` is JSON-safe and is exactly what ``--json``
prints::

    {"parameters": {NAME: {"value": v, "stderr": s, "unit": u}},
     "derived":    {NAME: {...same form...}},
     "statistics": {...},      # includes "status" ("ok" | "failed") and "message"
     "provenance": {...}}

``Result.from_dict(r.to_dict()) == r`` for everything except the curves.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xarray as xr
    from matplotlib.figure import Figure

__all__ = [
    "Quantity",
    "Result",
    "file_sha256",
    "json_safe",
    "make_provenance",
    "mark_outside_unit_interval",
]

STATUS_OK = "ok"
STATUS_SUSPECT = "suspect"
STATUS_FAILED = "failed"


@dataclass(frozen=True)
class Quantity:
    """A number with its standard error and unit.

    Parameters
    ----------
    value
        Best estimate. ``inf`` is allowed (e.g. a long-lived TA component).
    stderr
        One-sigma standard error, ``None`` when not estimated, ``nan`` when the data
        cannot determine it.
    unit
        Unit string understood by :mod:`heterolab.units` (``"1"`` for dimensionless).
    """

    value: float
    stderr: float | None = None
    unit: str = "1"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form ``{"value", "stderr", "unit"}``; non-finite numbers become strings."""
        return {
            "value": _json_float(self.value),
            "stderr": _json_float(self.stderr),
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Quantity:
        """Inverse of :meth:`to_dict`."""
        return cls(float(d["value"]), _from_json_float(d.get("stderr")), d.get("unit", "1"))

    @property
    def relative_error(self) -> float:
        """stderr / |value| (``nan`` if either is unavailable or value is 0)."""
        if self.stderr is None or self.value == 0 or not math.isfinite(self.value):
            return math.nan
        return abs(self.stderr / self.value)

    def __format__(self, spec: str) -> str:
        """``value ± stderr unit``; without a format spec the error is rounded to two
        significant digits and the value to the same decimal place (e.g. ``9.168 ± 0.029 ns``)."""
        unit = "" if self.unit == "1" else f" {self.unit}"
        has_err = self.stderr is not None and math.isfinite(self.stderr) and self.stderr > 0
        if spec:
            err = f" ± {self.stderr:{spec}}" if has_err else ""
            return f"{self.value:{spec}}{err}{unit}"
        if not math.isfinite(self.value):
            return f"{self.value}{unit}"
        if not has_err:
            suffix = " ± nan" if self.stderr is not None and math.isnan(self.stderr) else ""
            return f"{self.value:.6g}{suffix}{unit}"
        return _format_with_error(self.value, float(self.stderr)) + unit  # type: ignore[arg-type]

    def __str__(self) -> str:
        return format(self, "")


def _format_with_error(value: float, err: float) -> str:
    """Value and error rounded to the error's two leading significant digits; scientific
    notation for very large or small magnitudes."""
    exponent = math.floor(math.log10(err)) - 1
    scale = max(abs(value), err)
    if scale >= 1e5 or scale < 1e-3:
        power = math.floor(math.log10(scale))
        digits = max(power - exponent, 0)
        return f"({value / 10**power:.{digits}f} ± {err / 10**power:.{digits}f})e{power:+03d}"
    decimals = max(-exponent, 0)
    return f"{value:.{decimals}f} ± {err:.{decimals}f}"


def _json_float(x: float | None) -> float | str | None:
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _from_json_float(x: float | str | None) -> float | None:
    if x is None:
        return None
    return float(x)


def _from_numpy(obj: Any) -> Any:
    """numpy arrays and scalars as Python lists and numbers (without importing numpy, so the
    CLI's ``--help`` never loads it); anything else unchanged."""
    module = type(obj).__module__
    if module == "numpy" or module.startswith("numpy."):
        return obj.tolist()
    return obj


def json_safe(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays, paths and non-finite floats to JSON types."""
    obj = _from_numpy(obj)
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return _json_float(float(obj))
    if isinstance(obj, Quantity):
        return obj.to_dict()
    if isinstance(obj, PathLike):
        return str(obj)
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)


@dataclass
class Result:
    """Outcome of one analysis.

    Parameters
    ----------
    kind
        Dotted name of the analysis that made it, e.g. ``"trpl.decay_fit"``; selects the plot.
    parameters
        Fitted parameters by name.
    derived
        Quantities computed from the parameters, with propagated errors.
    statistics
        Fit statistics (chi-square, deviance, ...); always contains ``status`` and
        ``message``.
    provenance
        Input file hashes, settings and versions (see :func:`make_provenance`).
    curves
        Data, model and residual curves as DataArrays (not serialised by ``to_dict``).
    warnings
        Human-readable notes about the result (e.g. an inconsistency in reference data).
    """

    kind: str
    parameters: dict[str, Quantity] = field(default_factory=dict)
    derived: dict[str, Quantity] = field(default_factory=dict)
    statistics: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    curves: dict[str, xr.DataArray] = field(default_factory=dict, compare=False, repr=False)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.statistics.setdefault("status", STATUS_OK)
        self.statistics.setdefault("message", "")

    # ------------------------------------------------------------------ status
    @property
    def status(self) -> str:
        """``"ok"``, ``"suspect"`` (a number to be used with care, see :attr:`message`) or
        ``"failed"``.

        A result whose stored status is ok but which holds a NaN value among its parameters or
        derived quantities is reported as failed: a NaN is never an ok answer. (``inf`` is a
        valid value, e.g. a long-lived TA component.) One whose stored status is ok but whose
        data could not determine an error bar (a NaN standard error) is reported as suspect.
        """
        stored = str(self.statistics["status"])
        if stored == STATUS_OK and self.nan_quantities():
            return STATUS_FAILED
        if stored == STATUS_OK and self.undetermined_errors():
            return STATUS_SUSPECT
        return stored

    @property
    def ok(self) -> bool:
        """True when the analysis converged / succeeded and every diagnostic passed."""
        return self.status == STATUS_OK

    @property
    def message(self) -> str:
        """Why the analysis failed or is suspect, or notes on its convergence."""
        stored = str(self.statistics["message"])
        if str(self.statistics["status"]) != STATUS_OK:
            return stored
        note = ""
        if nan := self.nan_quantities():
            note = f"not a number: {', '.join(nan)}"
        elif undetermined := self.undetermined_errors():
            note = f"the data do not determine the error of {', '.join(undetermined)}"
        return f"{note}; {stored}" if note and stored else note or stored

    def nan_quantities(self) -> list[str]:
        """Names of parameters and derived quantities whose value is NaN."""
        groups = (self.parameters, self.derived)
        return [
            k
            for g in groups
            for k, q in g.items()
            if isinstance(q.value, float) and math.isnan(q.value)
        ]

    def undetermined_errors(self) -> list[str]:
        """Names of finite parameters and derived quantities whose standard error is NaN
        (an infinite value, such as a long-lived TA component's lifetime, has none to give)."""
        groups = (self.parameters, self.derived)
        return [
            k
            for g in groups
            for k, q in g.items()
            if isinstance(q.stderr, float)
            and math.isnan(q.stderr)
            and isinstance(q.value, float)
            and math.isfinite(q.value)
        ]

    def mark_failed(self, message: str) -> None:
        """Record that the analysis failed and why (never leaves start values as an answer)."""
        self.statistics["status"] = STATUS_FAILED
        self.statistics["message"] = message

    def mark_suspect(self, reason: str) -> None:
        """Record that the result is usable only with care, and why (appended to the message).

        A failed result stays failed; reasons accumulate (``"; "``-separated).
        """
        if self.statistics["status"] != STATUS_FAILED:
            self.statistics["status"] = STATUS_SUSPECT
        old = str(self.statistics["message"])
        if reason not in old:
            self.statistics["message"] = f"{old}; {reason}" if old else reason

    # ------------------------------------------------------------------ access
    def __getitem__(self, name: str) -> Quantity:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.derived:
            return self.derived[name]
        known = ", ".join([*self.parameters, *self.derived])
        raise KeyError(
            f"{name!r} is not a parameter or derived quantity of this result; known: {known}"
        )

    def value(self, name: str) -> float:
        """Value of parameter or derived quantity ``name``."""
        return self[name].value

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary; the form every ``--json`` prints."""
        statistics = dict(self.statistics)
        statistics["status"] = self.status
        statistics["message"] = self.message
        statistics["kind"] = self.kind
        if self.warnings:
            statistics["warnings"] = list(self.warnings)
        return {
            "parameters": {k: q.to_dict() for k, q in self.parameters.items()},
            "derived": {k: q.to_dict() for k, q in self.derived.items()},
            "statistics": json_safe(statistics),
            "provenance": json_safe(self.provenance),
        }

    def to_json(self, **kwargs: Any) -> str:
        """``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        """Rebuild a Result from :meth:`to_dict` output (curves are not restored)."""
        statistics = dict(d.get("statistics", {}))
        kind = statistics.pop("kind", "unknown")
        warnings = list(statistics.pop("warnings", []))
        return cls(
            kind=kind,
            parameters={k: Quantity.from_dict(v) for k, v in d.get("parameters", {}).items()},
            derived={k: Quantity.from_dict(v) for k, v in d.get("derived", {}).items()},
            statistics=statistics,
            provenance=dict(d.get("provenance", {})),
            warnings=warnings,
        )

    # ------------------------------------------------------------------ display
    def summary(self) -> str:
        """Readable multi-line table of parameters, derived quantities and key statistics."""
        lines = [f"{self.kind}  [{self.status}]" + (f"  {self.message}" if self.message else "")]
        for title, group in (("parameters", self.parameters), ("derived", self.derived)):
            if group:
                lines.append(f"  {title}:")
                width = max(len(k) for k in group)
                lines.extend(f"    {k:<{width}}  {q}" for k, q in group.items())
        stats = {k: v for k, v in self.statistics.items() if k not in ("status", "message")}
        stats = {k: _from_numpy(v) for k, v in stats.items()}
        scalar = {k: v for k, v in stats.items() if isinstance(v, (int, float, str))}
        if scalar:
            lines.append("  statistics:")
            width = max(len(k) for k in scalar)
            for k, v in scalar.items():
                text = f"{v:.6g}" if isinstance(v, float) else str(v)
                lines.append(f"    {k:<{width}}  {text}")
        lines.extend(f"  warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def plot(self, **kwargs: Any) -> Figure:
        """Matplotlib figure of the curves (data, model, residuals) appropriate to ``kind``."""
        from heterolab.report.plots import plot_result

        return plot_result(self, **kwargs)

    def __repr__(self) -> str:
        """One line: kind, status and the first quantities (the full text is :meth:`summary`)."""
        from heterolab.report.html_result import short_repr

        return short_repr(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's text display: the :meth:`summary` table."""
        p.text(self.summary() if not cycle else repr(self))

    def _repr_html_(self) -> str:
        """Notebook display: status, quantities rounded to their errors, warnings, thumbnail."""
        from heterolab.report.html_result import result_html

        return result_html(self)

    def _repr_markdown_(self) -> str:
        """Markdown display: status and a table of quantities with errors and units."""
        from heterolab.report.html_result import result_markdown

        return result_markdown(self)


# ---------------------------------------------------------------------- provenance
def file_sha256(path: str | PathLike[str]) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def mark_outside_unit_interval(result: Result, name: str, n_sigma: float = 2.0) -> None:
    """Mark ``result`` suspect when the fraction ``name`` (an efficiency, a yield) lies outside
    [0, 1] by more than ``n_sigma`` standard errors (by any amount when it has no error): such
    a number is outside the physics, not a result."""
    q = result[name]
    miss = max(-q.value, q.value - 1.0, 0.0)
    if miss > 0 and (q.stderr is None or not miss <= n_sigma * q.stderr):
        result.mark_suspect(f"{name} = {q.value:.4g} lies outside [0, 1]")


def make_provenance(
    inputs: Iterable[str | PathLike[str]] = (),
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Provenance record: input files with SHA-256, settings, and software versions.

    Deterministic (no timestamps), so identical inputs give identical records.
    """
    import numpy as np

    from heterolab import __version__

    files = {}
    for p in inputs:
        path = Path(p)
        files[path.name if path.exists() else str(p)] = (
            {"path": str(path), "sha256": file_sha256(path)}
            if path.is_file()
            else {"path": str(path)}
        )
    return {
        "heterolab_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "inputs": files,
        "settings": json_safe(dict(settings or {})),
    }
