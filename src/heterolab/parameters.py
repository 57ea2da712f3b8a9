"""Fit parameters: one concept for every fit in heterolab.

A :class:`Parameter` has a start (and, after a fit, fitted) value, a unit, whether it varies,
optional bounds, whether it is fitted on a log scale (rates, widths), and optionally an
expression tying it to another parameter. A :class:`ParameterSet` maps names to parameters and
converts between them and the optimiser's vector. Every fit takes a ParameterSet (or a mapping
that :meth:`ParameterSet.from_mapping` accepts) and keeps the initial and the fitted set in its
Result, so a fit can be repeated, or started from another fit's result.

The idea follows lmfit's ``Parameters`` (Newville et al., lmfit, doi:10.5281/zenodo.11813),
with a unit on every parameter.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heterolab.errors import ModelError

__all__ = ["Parameter", "ParameterSet"]

_EXPR = re.compile(r"^\s*([-+0-9.eE]+)\s*\*\s*([A-Za-z_][\w.]*)\s*$")
_KEYS = {"value", "vary", "positive", "unit", "min", "max"}


@dataclass
class Parameter:
    """One model parameter.

    Parameters
    ----------
    value
        Start value (and the fitted value afterwards).
    vary
        Whether the fit varies it.
    positive
        If True the parameter is fitted as its logarithm (rates, IRF widths), so it stays > 0.
    unit
        Unit string (``"1/ps"`` for rates, ``"ps"`` for times, ``"1"`` otherwise).
    expr
        ``(factor, other)``: the parameter equals ``factor * other`` (not fitted itself).
    min, max
        Bounds of the fitted value (``-inf``/``inf``: none). A fitted value at a bound is
        reported as such by the fit.
    """

    value: float
    vary: bool = True
    positive: bool = False
    unit: str = "1"
    expr: tuple[float, str] | None = None
    min: float = -math.inf
    max: float = math.inf

    def at_bound(self, rel_tol: float = 1e-6) -> bool:
        """Whether the value sits on a finite bound (within ``rel_tol`` of the bound's scale)."""
        for b in (self.min, self.max):
            if math.isfinite(b) and abs(self.value - b) <= rel_tol * max(abs(b), 1e-300):
                return True
        return False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (non-finite numbers as strings)."""
        d: dict[str, Any] = {
            "value": _num(self.value),
            "vary": self.vary,
            "positive": self.positive,
            "unit": self.unit,
            "min": _num(self.min),
            "max": _num(self.max),
        }
        if self.expr is not None:
            d["expr"] = f"{self.expr[0]!r} * {self.expr[1]}"
        return d


@dataclass
class ParameterSet:
    """Named parameters; maps between a dict of values and the optimiser's vector."""

    params: dict[str, Parameter] = field(default_factory=dict)

    def add(self, name: str, value: float, **kwargs: object) -> None:
        """Add (or replace) parameter ``name``."""
        self.params[name] = Parameter(float(value), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, spec: Mapping[str, object], source: str = "parameters") -> ParameterSet:
        """Build from ``{name: number | "2*other" | {value, vary, positive, unit}}``."""
        out = cls()
        problems: list[str] = []
        for name, item in spec.items():
            if isinstance(item, bool):
                problems.append(f"parameter {name!r}: {item!r} is not a number")
            elif isinstance(item, (int, float)):
                out.add(name, float(item))
            elif isinstance(item, str):
                m = _EXPR.match(item)
                if m is None:
                    problems.append(
                        f"parameter {name!r}: expression {item!r} is not of the form 'factor * name'"
                    )
                else:
                    out.params[name] = Parameter(
                        np.nan, vary=False, expr=(float(m.group(1)), m.group(2))
                    )
            elif isinstance(item, Mapping):
                problem = _check_table(name, item)
                if problem:
                    problems.append(problem)
                    continue
                if item.get("expr") is not None:
                    item = {"value": item["expr"]}
                    m = _EXPR.match(str(item["value"]))
                    if m is None:
                        problems.append(
                            f"parameter {name!r}: expression {item['value']!r} is not of the form 'factor * name'"
                        )
                    else:
                        out.params[name] = Parameter(
                            np.nan, vary=False, expr=(float(m.group(1)), m.group(2))
                        )
                    continue
                out.add(
                    name,
                    float(item["value"]),  # type: ignore[arg-type]
                    vary=bool(item.get("vary", True)),
                    positive=bool(item.get("positive", False)),
                    unit=str(item.get("unit", "1")),
                    min=float(item.get("min", -math.inf)),  # type: ignore[arg-type]
                    max=float(item.get("max", math.inf)),  # type: ignore[arg-type]
                )
            else:
                problems.append(
                    f"parameter {name!r}: {item!r} is not a number, expression or table"
                )
        for name, p in out.params.items():
            if p.expr is not None and p.expr[1] not in out.params:
                problems.append(f"parameter {name!r} refers to unknown parameter {p.expr[1]!r}")
        if problems:
            raise ModelError(problems, source=source)
        return out

    @property
    def free(self) -> list[str]:
        """Names of the varied parameters, in insertion order."""
        return [n for n, p in self.params.items() if p.vary and p.expr is None]

    def values(self) -> dict[str, float]:
        """Current values with expressions resolved."""
        vals = {n: p.value for n, p in self.params.items() if p.expr is None}
        for n, p in self.params.items():
            if p.expr is not None:
                vals[n] = p.expr[0] * vals[p.expr[1]]
        return vals

    def to_vector(self) -> np.ndarray:
        """Free parameters in the optimiser's space (log for positive ones)."""
        return np.array(
            [
                np.log(self.params[n].value) if self.params[n].positive else self.params[n].value
                for n in self.free
            ]
        )

    def from_vector(self, x: np.ndarray) -> dict[str, float]:
        """All values (expressions resolved) for optimiser vector ``x``."""
        vals = {n: p.value for n, p in self.params.items() if p.expr is None}
        for n, xi in zip(self.free, x, strict=True):
            vals[n] = float(np.exp(xi)) if self.params[n].positive else float(xi)
        for n, p in self.params.items():
            if p.expr is not None:
                vals[n] = p.expr[0] * vals[p.expr[1]]
        return vals

    def resolve(self, values: Mapping[str, float]) -> dict[str, float]:
        """``values`` with every expression parameter recomputed from its source."""
        out = dict(values)
        for n, p in self.params.items():
            if p.expr is not None:
                out[n] = p.expr[0] * out[p.expr[1]]
        return out

    def set_vector(self, x: np.ndarray) -> None:
        """Store optimiser vector ``x`` as the parameters' values."""
        vals = self.from_vector(x)
        for n in self.free:
            self.params[n].value = vals[n]

    def copy(self) -> ParameterSet:
        """An independent deep copy (a fit never changes the set it was given)."""
        return copy.deepcopy(self)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{name: Parameter.to_dict()}``; :meth:`from_mapping` reads it back."""
        return {n: p.to_dict() for n, p in self.params.items()}


def _num(x: float) -> float | str:
    return float(x) if math.isfinite(x) else str(x)


def _check_table(name: str, item: Mapping[str, object]) -> str | None:
    """The problem with a parameter table ``{value, vary, positive, unit, min, max, expr}``."""
    unknown = set(item) - _KEYS - {"expr"}
    if unknown or "value" not in item:
        return (
            f"parameter {name!r}: needs 'value' and only {', '.join(sorted(_KEYS))}, "
            f"got {sorted(item)}"
        )
    if item.get("expr") is not None:
        return None
    try:
        lo, hi, v = (
            float(item.get(k, d))
            for k, d in (("min", -math.inf), ("max", math.inf), ("value", 0.0))
        )  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"parameter {name!r}: value, min and max must be numbers, got {dict(item)}"
    if not lo <= v <= hi:
        return f"parameter {name!r}: value {v} outside its bounds [{lo}, {hi}]"
    return None
