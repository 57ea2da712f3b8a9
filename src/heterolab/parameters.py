"""Fit parameters: one concept for every fit in heterolab.

A :class:`Parameter` has a start (and, after a fit, fitted) value, a unit, whether it varies,
optional bounds, whether it is fitted on a log scale (rates, widths), and optionally an
expression tying it to another parameter. A :class:`ParameterSet` maps names to parameters and
converts between them and the optimiser's vector. Every fit takes a ParameterSet (or a mapping
that :meth:`ParameterSet.from_mapping` accepts) and keeps the initial and the fitted set in its
Result, so a fit can be repeated, or started from another fit's result.

Expressions tie a parameter to others: ``"0.5 * k1"``, ``"k1 + k2"``, ``"1 / tau_2"``,
``"kd * phi / (1 - phi)"``, ``"exp(-ea / kt)"``. They are parsed by :mod:`ast` and evaluated
by walking the tree over a whitelist (numbers, parameter names, ``+ - * / **``, unary
minus, ``pi``, ``e`` and the functions in ``FUNCTIONS``); nothing is passed to ``eval``, so a
model file cannot run code. Expressions may refer to other expressions (resolved in
dependency order; a cycle is an error).

The idea follows lmfit's ``Parameters`` (Newville et al., lmfit, doi:10.5281/zenodo.11813),
with a unit on every parameter.
"""

from __future__ import annotations

import ast
import copy
import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heterolab.errors import ModelError

__all__ = ["FUNCTIONS", "Expression", "Parameter", "ParameterSet"]

_KEYS = {"value", "vary", "positive", "unit", "min", "max"}
_NAME = re.compile(r"(?<![\w.])[A-Za-z_][\w.:]*")

FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "abs": abs,
    "min": min,
    "max": max,
}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


class Expression:
    """A safe arithmetic expression over parameter names.

    Parameters
    ----------
    text
        E.g. ``"0.5 * k1"``, ``"k1 + k2"``, ``"1/tau"``, ``"exp(-ea/kt)"``. Names may contain
        ``.`` and ``:`` (``"ds1.k"``, ``"s0:peak_center"``).

    Raises
    ------
    ModelError
        If the text is not an arithmetic expression of numbers, names, ``+ - * / **``,
        unary signs, ``pi``, ``e`` and the functions in :data:`FUNCTIONS`.
    """

    def __init__(self, text: str) -> None:
        self.text = str(text).strip()
        self._alias: dict[str, str] = {}

        def alias(m: re.Match[str]) -> str:
            name = m.group(0)
            if name in FUNCTIONS or name in _CONSTANTS:
                return name
            return self._alias.setdefault(name, f"_p{len(self._alias)}")

        try:
            tree = ast.parse(_NAME.sub(alias, self.text), mode="eval")
        except SyntaxError:
            raise ModelError(f"expression {self.text!r} is not valid arithmetic") from None
        self._tree = tree.body
        self._names = {v: k for k, v in self._alias.items()}
        problem = self._check(self._tree)
        if problem:
            raise ModelError(f"expression {self.text!r}: {problem}")

    @property
    def names(self) -> list[str]:
        """Parameter names the expression uses."""
        return list(self._alias)

    def _check(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant):
            ok = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
            return None if ok else f"{node.value!r} is not a number"
        if isinstance(node, ast.Name):
            return None
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                return f"operator {type(node.op).__name__} is not allowed (use + - * / **)"
            return self._check(node.left) or self._check(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self._check(node.operand)
        if isinstance(node, ast.Call):
            fn = node.func.id if isinstance(node.func, ast.Name) else None
            if fn not in FUNCTIONS or node.keywords:
                return f"only the functions {', '.join(FUNCTIONS)} may be called"
            for a in node.args:
                problem = self._check(a)
                if problem:
                    return problem
            return None
        return f"{type(node).__name__} is not allowed in an expression"

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The expression's value for parameter ``values``."""
        return float(self._eval(self._tree, values))

    def _eval(self, node: ast.AST, values: Mapping[str, float]) -> float:
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # _check admits numbers only
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            return float(values[self._names[node.id]])
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, values), self._eval(node.right, values)
            try:
                return _BINARY[type(node.op)](left, right)
            except (ZeroDivisionError, OverflowError):
                return math.nan
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, values)
            return -v if isinstance(node.op, ast.USub) else v
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [self._eval(a, values) for a in node.args]
        try:
            return float(FUNCTIONS[node.func.id](*args))
        except (ValueError, OverflowError):
            return math.nan

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


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
        An expression tying it to other parameters (not fitted itself): a string such as
        ``"0.5 * k1"`` or ``"k1 + k2"``, or the older ``(factor, other)`` meaning
        ``factor * other``.
    min, max
        Bounds of the fitted value (``-inf``/``inf``: none); fits keep the value inside them.
        A fitted value at a bound is reported as such by the fit.
    """

    value: float
    vary: bool = True
    positive: bool = False
    unit: str = "1"
    expr: tuple[float, str] | str | None = None
    min: float = -math.inf
    max: float = math.inf

    @property
    def expression(self) -> Expression | _Scaled | None:
        """The parsed :class:`Expression` (``None`` without one)."""
        if self.expr is None:
            return None
        text = self.expr if isinstance(self.expr, str) else None
        cached = self.__dict__.get("_parsed")
        if cached is not None and cached[0] == self.expr:
            return cached[1]
        parsed: Expression | _Scaled
        if text is None:
            assert isinstance(self.expr, tuple)
            parsed = _Scaled(float(self.expr[0]), str(self.expr[1]))
        else:
            parsed = Expression(text)
        self.__dict__["_parsed"] = (self.expr, parsed)
        return parsed

    def expr_text(self) -> str | None:
        """The expression as text (``None`` without one)."""
        if self.expr is None:
            return None
        if isinstance(self.expr, str):
            return self.expr
        return f"{self.expr[0]!r} * {self.expr[1]}"

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
            d["expr"] = self.expr_text()
        return d


class _Scaled:
    """``factor * other`` (the tuple form of :attr:`Parameter.expr`; names may hold any text)."""

    def __init__(self, factor: float, other: str) -> None:
        self.factor, self.other = factor, other
        self.text = f"{factor!r} * {other}"

    @property
    def names(self) -> list[str]:
        return [self.other]

    def evaluate(self, values: Mapping[str, float]) -> float:
        return self.factor * float(values[self.other])


@dataclass
class ParameterSet:
    """Named parameters; maps between a dict of values and the optimiser's vector."""

    params: dict[str, Parameter] = field(default_factory=dict)

    def add(self, name: str, value: float, **kwargs: object) -> None:
        """Add (or replace) parameter ``name``."""
        self.params[name] = Parameter(float(value), **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_mapping(cls, spec: Mapping[str, object], source: str = "parameters") -> ParameterSet:
        """Build from ``{name: number | "expression" | {value, vary, positive, unit, min, max}}``.

        A table may give ``expr = "..."`` instead of a value. Every problem (bad numbers,
        values outside their bounds, invalid or circular expressions, unknown names) is
        collected and raised together.
        """
        out = cls()
        problems: list[str] = []
        for name, item in spec.items():
            if isinstance(item, bool):
                problems.append(f"parameter {name!r}: {item!r} is not a number")
            elif isinstance(item, (int, float)):
                out.add(name, float(item))
            elif isinstance(item, str) or (isinstance(item, Mapping) and item.get("expr")):
                text = item if isinstance(item, str) else item["expr"]
                unit = "1" if isinstance(item, str) else str(item.get("unit", "1"))
                try:
                    Expression(str(text))
                except ModelError as exc:
                    problems.append(f"parameter {name!r}: {exc}")
                    continue
                out.params[name] = Parameter(math.nan, vary=False, unit=unit, expr=str(text))
            elif isinstance(item, Mapping):
                problem = _check_table(name, item)
                if problem:
                    problems.append(problem)
                    continue
                out.add(
                    name,
                    float(item["value"]),
                    vary=bool(item.get("vary", True)),
                    positive=bool(item.get("positive", False)),
                    unit=str(item.get("unit", "1")),
                    min=float(item.get("min", -math.inf)),
                    max=float(item.get("max", math.inf)),
                )
            else:
                problems.append(
                    f"parameter {name!r}: {item!r} is not a number, expression or table"
                )
        problems += out.check_expressions()
        if problems:
            raise ModelError(problems, source=source)
        for n, v in out.values().items():  # show the resolved value of every expression
            if out.params[n].expr is not None:
                out.params[n].value = v
        return out

    def check_expressions(self) -> list[str]:
        """Problems with the expressions: unknown names and circular references."""
        problems = []
        for name, p in self.params.items():
            ex = p.expression
            if ex is None:
                continue
            unknown = [n for n in ex.names if n not in self.params]
            if unknown:
                problems.append(
                    f"parameter {name!r} refers to unknown parameter(s) {', '.join(map(repr, unknown))}"
                )
        if not problems:
            try:
                self._order()
            except ModelError as exc:
                problems.append(str(exc))
        return problems

    def _order(self) -> list[str]:
        """Expression parameters in dependency order (each after the ones it uses)."""
        deps = {
            n: [d for d in p.expression.names if self.params[d].expr is not None]  # type: ignore[union-attr]
            for n, p in self.params.items()
            if p.expr is not None
        }
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(n: str, path: list[str]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                cycle = " -> ".join([*path[path.index(n) :], n])
                raise ModelError(f"circular parameter expressions: {cycle}")
            state[n] = 1
            for d in deps[n]:
                visit(d, [*path, n])
            state[n] = 2
            order.append(n)

        for n in deps:
            visit(n, [])
        return order

    @property
    def free(self) -> list[str]:
        """Names of the varied parameters, in insertion order."""
        return [n for n, p in self.params.items() if p.vary and p.expr is None]

    def values(self) -> dict[str, float]:
        """Current values with expressions resolved."""
        return self.resolve({n: p.value for n, p in self.params.items() if p.expr is None})

    def to_vector(self) -> np.ndarray:
        """Free parameters in the optimiser's space (log for positive ones)."""
        return np.array(
            [
                np.log(self.params[n].value) if self.params[n].positive else self.params[n].value
                for n in self.free
            ]
        )

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the free parameters in the optimiser's space.

        ``-inf``/``inf`` where a parameter has none; for positive (log-fitted) parameters the
        logarithm of a positive bound (a lower bound <= 0 is no bound in log space).
        """
        lo, hi = [], []
        for n in self.free:
            p = self.params[n]
            a, b = float(p.min), float(p.max)
            if p.positive:
                a = math.log(a) if a > 0 else -math.inf
                b = math.log(b) if 0 < b < math.inf else (math.inf if b > 0 else -math.inf)
            lo.append(a)
            hi.append(b)
        return np.array(lo, dtype=float), np.array(hi, dtype=float)

    def from_vector(self, x: np.ndarray) -> dict[str, float]:
        """All values (expressions resolved) for optimiser vector ``x``."""
        vals = {n: p.value for n, p in self.params.items() if p.expr is None}
        for n, xi in zip(self.free, x, strict=True):
            vals[n] = float(np.exp(xi)) if self.params[n].positive else float(xi)
        return self.resolve(vals)

    def resolve(self, values: Mapping[str, float]) -> dict[str, float]:
        """``values`` with every expression parameter recomputed from the ones it uses."""
        out = dict(values)
        for n in self._order():
            out[n] = self.params[n].expression.evaluate(out)  # type: ignore[union-attr]
        return out

    def set_vector(self, x: np.ndarray) -> None:
        """Store optimiser vector ``x`` as the parameters' values (expressions resolved too)."""
        vals = self.from_vector(x)
        for n, p in self.params.items():
            if n in vals and (p.expr is not None or n in self.free):
                p.value = vals[n]

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
    try:
        lo, hi, v = (
            float(item.get(k, d))  # type: ignore[arg-type]
            for k, d in (("min", -math.inf), ("max", math.inf), ("value", 0.0))
        )
    except (TypeError, ValueError):
        return f"parameter {name!r}: value, min and max must be numbers, got {dict(item)}"
    if not lo <= v <= hi:
        return f"parameter {name!r}: value {v} outside its bounds [{lo}, {hi}]"
    if item.get("positive") and (v <= 0 or hi <= 0):
        return f"parameter {name!r}: positive parameter needs a value > 0, got {v}"
    return None
