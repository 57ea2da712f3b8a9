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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from heterolab.parameters import Parameter, ParameterSet

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
