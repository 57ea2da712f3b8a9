"""Kinetic schemes for TA global and target analysis: parameters, rate matrices, IRF, datasets.

A scheme is a set of compartments (species) connected by first-order transitions; its rate
matrix K gives the populations through :math:`\\dot{\\mathbf c} = K\\mathbf c +
\\mathrm{IRF}(t)\\,\\mathbf c_0` (van Stokkum, Larsen & van Grondelle, Biochim. Biophys. Acta
1657, 82 (2004), §4 "target analysis"). The measured matrix is
:math:`\\Delta OD(t,\\lambda) = \\sum_s c_s(t - t_0(\\lambda))\\,\\mathrm{SAS}_s(\\lambda)`.

Everything here is plain data validated up front; problems are collected and raised together
as one :class:`~heterolab.errors.ModelError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from heterolab.errors import ModelError

__all__ = [
    "Constraint",
    "DatasetSpec",
    "IrfSpec",
    "KineticScheme",
    "Parameter",
    "ParameterSet",
    "Transition",
    "Weight",
]

GROUND = "ground"
_EXPR = re.compile(r"^\s*([-+0-9.eE]+)\s*\*\s*([A-Za-z_][\w.]*)\s*$")


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
    """

    value: float
    vary: bool = True
    positive: bool = False
    unit: str = "1"
    expr: tuple[float, str] | None = None


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
                unknown = set(item) - {"value", "vary", "positive", "unit"}
                if unknown or "value" not in item:
                    problems.append(
                        f"parameter {name!r}: needs 'value' and only value/vary/positive/unit, got {sorted(item)}"
                    )
                    continue
                out.add(
                    name,
                    float(item["value"]),  # type: ignore[arg-type]
                    vary=bool(item.get("vary", True)),
                    positive=bool(item.get("positive", False)),
                    unit=str(item.get("unit", "1")),
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


@dataclass(frozen=True)
class Transition:
    """First-order transition ``source -> target`` (``target == "ground"``: decay) with rate ``rate``."""

    source: str
    target: str
    rate: str


@dataclass
class KineticScheme:
    """Compartments and the transitions between them.

    Parameters
    ----------
    compartments
        Species names, in the order of the columns of the concentration matrix.
    transitions
        First-order transitions; rates are parameter names (1/ps).
    """

    compartments: list[str]
    transitions: list[Transition]

    def validate(self, params: ParameterSet) -> list[str]:
        """Every problem with the scheme, as messages (empty when valid)."""
        problems = []
        if len(set(self.compartments)) != len(self.compartments):
            problems.append(f"duplicated compartment names in {self.compartments}")
        known = set(self.compartments)
        for tr in self.transitions:
            if tr.source not in known:
                problems.append(
                    f"transition {tr.source}->{tr.target}: unknown source compartment {tr.source!r}; known: {sorted(known)}"
                )
            if tr.target not in known and tr.target != GROUND:
                problems.append(
                    f"transition {tr.source}->{tr.target}: unknown target {tr.target!r}; known: {sorted(known)} or {GROUND!r}"
                )
            if tr.rate not in params.params:
                problems.append(
                    f"transition {tr.source}->{tr.target}: rate parameter {tr.rate!r} is not defined"
                )
        return problems

    def rate_matrix(self, values: Mapping[str, float]) -> np.ndarray:
        """K with ``K[target, source] += k`` and ``K[source, source] -= k`` (1/ps).

        Source: van Stokkum et al., Biochim. Biophys. Acta 1657, 82 (2004), eq. (18).
        """
        idx = {c: i for i, c in enumerate(self.compartments)}
        k = np.zeros((len(idx), len(idx)))
        for tr in self.transitions:
            rate = values[tr.rate]
            s = idx[tr.source]
            k[s, s] -= rate
            if tr.target != GROUND:
                k[idx[tr.target], s] += rate
        return k


@dataclass
class IrfSpec:
    """Gaussian IRF whose centre follows a polynomial in wavelength.

    ``t0(λ) = center + Σ_i d_i ((λ - dispersion_center)/dispersion_scale)^(i+1)`` — the
    parametrisation of Glotaran/pyglotaran (Snellenburg et al., J. Stat. Softw. 49(3), 2012;
    scale 100 nm). ``width`` is the Gaussian standard deviation (ps).
    """

    center: str
    width: str
    dispersion: list[str] = field(default_factory=list)
    dispersion_center: float = 550.0
    dispersion_scale: float = 100.0

    def centers(self, wavelength: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        """IRF centre (ps) at each wavelength (nm)."""
        x = (np.asarray(wavelength, float) - self.dispersion_center) / self.dispersion_scale
        t0 = np.full(x.shape, values[self.center])
        for i, name in enumerate(self.dispersion):
            t0 = t0 + values[name] * x ** (i + 1)
        return t0


@dataclass(frozen=True)
class Constraint:
    """Spectral constraint on species-associated spectra over a wavelength range (nm).

    ``kind="zero"``: the spectrum of ``compartment`` is zero in ``range``.
    ``kind="equal"``: SAS(compartment) = ``ratio`` x SAS(target) in ``range``; ``ratio`` is a
    number or a parameter name.
    """

    kind: str
    compartment: str
    range: tuple[float, float]
    target: str | None = None
    ratio: float | str = 1.0


@dataclass(frozen=True)
class Weight:
    """Multiply residuals in a wavelength (nm) and time (ps) window by ``value``."""

    value: float
    wavelength: tuple[float, float] = (-np.inf, np.inf)
    time: tuple[float, float] = (-np.inf, np.inf)


@dataclass
class DatasetSpec:
    """How one measured matrix relates to the scheme.

    Parameters
    ----------
    name
        Dataset label (prefix of its curves in the Result).
    initial
        Initial population per compartment at the IRF: numbers or parameter names
        (they may differ between pump wavelengths).
    irf
        The Gaussian IRF with dispersion.
    constraints, weights
        Spectral constraints and residual weights.
    coherent_artifact
        Number of IRF-shaped terms for the coherent artefact: 0 (none) to 3 (Gaussian and its
        first two derivatives), each with a free spectrum (Lorenc et al., Appl. Phys. B 74, 19
        (2002) describe the artefact as such derivative terms).
    compartments
        Compartments that have a spectrum in this dataset (default: all with a population).
    """

    name: str
    initial: dict[str, float | str]
    irf: IrfSpec
    constraints: list[Constraint] = field(default_factory=list)
    weights: list[Weight] = field(default_factory=list)
    coherent_artifact: int = 0
    compartments: Sequence[str] | None = None

    def validate(self, scheme: KineticScheme, params: ParameterSet) -> list[str]:
        """Every problem with this dataset's specification."""
        problems = []
        head = f"dataset {self.name!r}"
        for c, v in self.initial.items():
            if c not in scheme.compartments:
                problems.append(f"{head}: initial population for unknown compartment {c!r}")
            if isinstance(v, str) and v not in params.params:
                problems.append(
                    f"{head}: initial population of {c!r} uses undefined parameter {v!r}"
                )
        names = [self.irf.center, self.irf.width, *self.irf.dispersion]
        problems += [
            f"{head}: IRF parameter {n!r} is not defined" for n in names if n not in params.params
        ]
        for con in self.constraints:
            if con.kind not in ("zero", "equal"):
                problems.append(f"{head}: constraint kind {con.kind!r} is not 'zero' or 'equal'")
            if con.compartment not in scheme.compartments:
                problems.append(f"{head}: constraint on unknown compartment {con.compartment!r}")
            if con.kind == "equal" and con.target not in scheme.compartments:
                problems.append(
                    f"{head}: 'equal' constraint target {con.target!r} is not a compartment"
                )
            if isinstance(con.ratio, str) and con.ratio not in params.params:
                problems.append(f"{head}: constraint ratio parameter {con.ratio!r} is not defined")
        if not 0 <= self.coherent_artifact <= 3:
            problems.append(f"{head}: coherent_artifact must be 0..3, got {self.coherent_artifact}")
        return problems

    def initial_vector(self, scheme: KineticScheme, values: Mapping[str, float]) -> np.ndarray:
        """Initial populations in compartment order."""
        c0 = np.zeros(len(scheme.compartments))
        for c, v in self.initial.items():
            c0[scheme.compartments.index(c)] = values[v] if isinstance(v, str) else float(v)
        return c0
