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

from heterolab.kinetics.ta.choices import CoherentArtifact
from heterolab.kinetics.ta.shapes import SpectralShape, validate_shapes
from heterolab.parameters import Parameter, ParameterSet

__all__ = [
    "DISPERSION_CENTER_NM",
    "DISPERSION_SCALE_NM",
    "Chirp",
    "CoherentArtifact",
    "Constraint",
    "DatasetSpec",
    "EqualArea",
    "Guide",
    "IrfSpec",
    "KineticScheme",
    "Oscillation",
    "Parameter",
    "ParameterSet",
    "SpectralLink",
    "Transition",
    "Weight",
    "artifact_terms",
]

GROUND = "ground"


def artifact_terms(value: object) -> int | str:
    """``coherent_artifact`` as ``"auto"`` or the number of terms 0-3.

    Accepts a :class:`CoherentArtifact`, its string value or an int 0-3.

    Raises
    ------
    ParameterError
        For anything else (booleans included), naming the valid values.
    """
    from heterolab.errors import ParameterError

    if isinstance(value, CoherentArtifact):
        return "auto" if value is CoherentArtifact.AUTO else int(value.value)
    if isinstance(value, bool) or value not in (0, 1, 2, 3, "auto", "0", "1", "2", "3"):
        if not (isinstance(value, str) and value.strip().lower() == "auto"):
            raise ParameterError(
                "coherent_artifact is the number of artefact terms 0-3 (Gaussian, 1st, 2nd "
                f"derivative) or 'auto', got {value!r}"
            )
        return "auto"
    return "auto" if value == "auto" else int(value)


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


DISPERSION_CENTER_NM = 550.0  # reference wavelength of every chirp polynomial (nm)
DISPERSION_SCALE_NM = 100.0  # unit of the polynomial's variable (nm)


def chirp_x(wavelength: np.ndarray, reference: float, scale: float) -> np.ndarray:
    """The chirp polynomial's variable x = (λ - reference)/scale."""
    return (np.asarray(wavelength, float) - reference) / scale


@dataclass(frozen=True)
class Chirp:
    """Time zero against wavelength: the ONE chirp convention of heterolab's TA code.

    ``t0(λ) = t0 + Σ_i d_i x^(i+1)`` with ``x = (λ - reference)/scale``, reference 550 nm and
    scale 100 nm by default — the dispersion parametrisation of Glotaran/pyglotaran
    (Snellenburg et al., J. Stat. Softw. 49(3), 2012). :func:`~heterolab.kinetics.ta.
    preprocess.estimate_chirp` returns it, :func:`~heterolab.kinetics.ta.preprocess.
    correct_chirp` applies it, and a fit's IRF dispersion (:class:`IrfSpec`) uses the same
    basis, so an estimate starts a fit without being refitted in another basis. KiMoPack's
    chirp files (numpy.polyval coefficients in nm) are converted exactly at the file boundary
    (:meth:`from_polyval`, :meth:`polyval`).
    """

    t0: float
    dispersion: tuple[float, ...] = ()
    reference: float = DISPERSION_CENTER_NM
    scale: float = DISPERSION_SCALE_NM

    def delay(self, wavelength: np.ndarray) -> np.ndarray:
        """Time zero (ps) at each wavelength (nm)."""
        x = chirp_x(wavelength, self.reference, self.scale)
        return self.t0 + sum(
            (d * x ** (i + 1) for i, d in enumerate(self.dispersion)), np.zeros_like(x)
        )

    @classmethod
    def from_polyval(
        cls,
        coefficients: Sequence[float],
        reference: float = DISPERSION_CENTER_NM,
        scale: float = DISPERSION_SCALE_NM,
    ) -> Chirp:
        """The same polynomial from numpy.polyval coefficients in λ (nm) — exact re-expansion."""
        p = np.polynomial.Polynomial(np.asarray(coefficients, float)[::-1])
        q = p(np.polynomial.Polynomial([reference, scale]))  # p(reference + scale x)
        c = np.asarray(q.coef, float)
        return cls(float(c[0]), tuple(float(v) for v in c[1:]), reference, scale)

    def polyval(self) -> np.ndarray:
        """numpy.polyval coefficients in λ (nm), e.g. to write a KiMoPack chirp file."""
        x = np.polynomial.Polynomial([-self.reference / self.scale, 1.0 / self.scale])
        p = np.polynomial.Polynomial([self.t0, *self.dispersion])(x)
        return np.asarray(p.coef, float)[::-1]


@dataclass
class IrfSpec:
    """Gaussian IRF whose centre follows a :class:`Chirp` polynomial in wavelength.

    ``t0(λ) = center + Σ_i d_i ((λ - dispersion_center)/dispersion_scale)^(i+1)`` — the
    parametrisation of Glotaran/pyglotaran (Snellenburg et al., J. Stat. Softw. 49(3), 2012;
    reference 550 nm, scale 100 nm). ``width`` is the Gaussian standard deviation (ps).
    ``extra``: further Gaussians ``(width, shift, amplitude)`` (parameter names; σ in ps,
    shift from the main centre in ps, area relative to the main Gaussian) for a
    multi-Gaussian IRF. ``width_dispersion``: coefficients of the width's polynomial in
    wavelength (see :meth:`widths`). ``backsweep_period``: parameter name of the synchroscan period T (ps)
    of a streak camera; when given, the signal of earlier pulses and the one imaged by the
    sweep's return half are added (:func:`~heterolab.kinetics.ta.varpro.backsweep_terms`).
    """

    center: str
    width: str
    dispersion: list[str] = field(default_factory=list)
    dispersion_center: float = DISPERSION_CENTER_NM
    dispersion_scale: float = DISPERSION_SCALE_NM
    extra: list[tuple[str, str, str]] = field(default_factory=list)
    backsweep_period: str | None = None
    width_dispersion: list[str] = field(default_factory=list)

    def widths(self, wavelength: np.ndarray, values: Mapping[str, float]) -> float | np.ndarray:
        """IRF width σ (ps): a number, or per wavelength with ``width_dispersion``:
        ``σ(λ) = width + Σ_i w_i x^(i+1)``, x as in the centre's polynomial (pyglotaran's
        ``width_dispersion``)."""
        sigma = float(values[self.width])
        if not self.width_dispersion:
            return sigma
        x = chirp_x(wavelength, self.dispersion_center, self.dispersion_scale)
        return sigma + sum(
            (float(values[n]) * x ** (i + 1) for i, n in enumerate(self.width_dispersion)),
            np.zeros_like(x),
        )

    def components(self, values: Mapping[str, float]) -> list[tuple[float, float, float]]:
        """(weight, shift ps, σ ps) of each Gaussian: the main one (weight 1, shift 0) and
        the ``extra`` ones ``(width, shift, amplitude)`` — a multi-Gaussian IRF whose weights
        are relative to the main Gaussian (each Gaussian has unit area)."""
        out = [(1.0, 0.0, float(values[self.width]))]
        out += [(float(values[a]), float(values[sh]), float(values[w])) for w, sh, a in self.extra]
        return out

    def centers(self, wavelength: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        """IRF centre (ps) at each wavelength (nm)."""
        return self.chirp(values).delay(wavelength)

    def chirp(self, values: Mapping[str, float]) -> Chirp:
        """The IRF centre's :class:`Chirp` at parameter ``values``."""
        return Chirp(
            float(values[self.center]),
            tuple(float(values[n]) for n in self.dispersion),
            self.dispersion_center,
            self.dispersion_scale,
        )


@dataclass(frozen=True)
class Oscillation:
    """A damped oscillation (coherent vibrational wavepacket) with its own cos and sin spectra.

    Columns ``IRF ⊗ e^{-γt} cos(ωt)`` and ``IRF ⊗ e^{-γt} sin(ωt)`` (t >= 0), with
    ``ω = 2π c ν̃`` from ``frequency`` ν̃ (1/cm) and damping rate γ = ``damping`` (1/ps) —
    both parameter names (pyglotaran's damped-oscillation megacomplex).
    """

    frequency: str
    damping: str


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
class EqualArea:
    """Penalty tying the area of a species' spectrum to another's (pyglotaran's
    ``equal_area_penalties``): the residual vector gets the element
    ``weight x (Σ_λ SAS_compartment(λ) - ratio x Σ_λ SAS_target(λ))``, sums over the
    wavelengths in ``range`` (nm); ``ratio`` is a number or a parameter name."""

    compartment: str
    target: str
    range: tuple[float, float] = (-np.inf, np.inf)
    ratio: float | str = 1.0
    weight: float = 1.0


def scale_problems(where: str, scale: float | str, params: ParameterSet) -> list[str]:
    """Problems with a dataset's or a guide's ``scale``: a defined parameter or a number > 0."""
    if isinstance(scale, str):
        return (
            [] if scale in params.params else [f"{where}: scale parameter {scale!r} is not defined"]
        )
    if np.isfinite(scale) and scale > 0:
        return []
    return [f"{where}: scale must be a parameter name or a number > 0, got {scale!r}"]


@dataclass(frozen=True, eq=False)
class Guide:
    """A known spectrum of one species (pyglotaran's clp guide; KiMoPack's external spectra).

    ``wavelength`` (nm, increasing) and ``value`` (ΔOD) are interpolated linearly to the
    data's wavelengths; wavelengths outside ``[wavelength[0], wavelength[-1]]`` are not
    guided. Soft (``fixed=False``): each guided wavelength's linear problem gets the row
    ``weight x (scale x SAS_compartment(λ) - g(λ))``; ``scale`` (a number or a parameter
    name, default 1) is the guide's own amplitude relative to the species' spectrum — free,
    the guide fixes the spectrum's shape, not its size (pyglotaran's scale of a clp-guide
    dataset). Hard (``fixed=True``, scale 1): the spectrum is ``g(λ)`` there (its
    contribution is subtracted from the data, its column removed). ``source``: file name or
    ``"inline"`` (for messages).
    """

    compartment: str
    wavelength: np.ndarray
    value: np.ndarray
    weight: float = 1.0
    fixed: bool = False
    source: str = "inline"
    scale: float | str = 1.0

    def scale_value(self, values: Mapping[str, float]) -> float:
        """The guide's scale at ``values``."""
        return float(values[self.scale]) if isinstance(self.scale, str) else float(self.scale)

    def problems(self, head: str, compartments: Sequence[str]) -> list[str]:
        """Every problem with this guide (empty when valid)."""
        out = []
        where = f"{head}: guide for {self.compartment!r} ({self.source})"
        if self.compartment not in compartments:
            out.append(f"{where}: unknown compartment; known: {sorted(compartments)}")
        wl, v = np.asarray(self.wavelength, float), np.asarray(self.value, float)
        if wl.ndim != 1 or wl.shape != v.shape or wl.size < 2:
            out.append(
                f"{where}: needs two equally long columns of >= 2 points (wavelength nm, value)"
            )
        elif not (np.all(np.isfinite(wl)) and np.all(np.isfinite(v))):
            out.append(f"{where}: non-finite wavelength or value")
        elif np.any(np.diff(wl) <= 0):
            out.append(f"{where}: wavelengths must increase strictly")
        if not (np.isfinite(self.weight) and self.weight > 0):
            out.append(f"{where}: weight must be > 0, got {self.weight}")
        if self.fixed and self.scale != 1.0:
            out.append(f"{where}: a fixed guide is the spectrum itself and takes no scale")
        return out

    def at(self, wavelength: np.ndarray) -> np.ndarray:
        """The guide at ``wavelength`` (nm): linear interpolation, NaN outside its range."""
        return np.interp(wavelength, self.wavelength, self.value, left=np.nan, right=np.nan)


@dataclass(frozen=True)
class SpectralLink:
    """Species spectra shared by several datasets (pyglotaran's ``link_clp`` with
    ``clp_link_tolerance``).

    Wavelengths of the ``datasets`` (names, in model order; ``None``: all) that lie within
    ``tolerance`` (nm) of each other carry ONE spectrum per species: one least-squares
    problem over the stacked, scaled concentration matrices. Artefact, oscillation and
    baseline spectra stay per dataset. ``same_spectrum``: compartments (keys) whose
    spectrum is another compartment's (values), e.g. ``{"t2": "s2"}`` when a second
    dataset's scheme has its own compartments (other rates) for the same species — as
    pyglotaran links the spectra of equally named compartments of different k-matrices.
    """

    tolerance: float = 0.0
    datasets: tuple[str, ...] | None = None
    same_spectrum: Mapping[str, str] = field(default_factory=dict)

    def problems(self, names: Sequence[str], compartments: Sequence[str] = ()) -> list[str]:
        """Every problem with the link (empty when valid)."""
        out = []
        for a, b in self.same_spectrum.items():
            bad = [c for c in (a, b) if compartments and c not in compartments]
            if bad:
                out.append(f"link_spectra same_spectrum names unknown compartment(s) {bad}")
            elif b in self.same_spectrum or a == b:
                out.append(
                    f"link_spectra same_spectrum {a!r} -> {b!r}: the target must be a "
                    "compartment that is not itself mapped"
                )
        if not (np.isfinite(self.tolerance) and self.tolerance >= 0):
            out.append(f"link_spectra: tolerance must be >= 0 nm, got {self.tolerance}")
        chosen = list(names) if self.datasets is None else list(self.datasets)
        unknown = [n for n in chosen if n not in names]
        if unknown:
            out.append(f"link_spectra names unknown dataset(s) {unknown}; known: {list(names)}")
        if len(set(chosen)) < 2:
            out.append(f"link_spectra needs at least two datasets, got {chosen}")
        return out

    def members(self, names: Sequence[str]) -> list[str]:
        """The linked datasets' names in model order."""
        return [n for n in names if self.datasets is None or n in self.datasets]


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
    baseline
        Add a constant (time-independent) column with a free spectrum: an offset such as
        scattered pump light or a long-lived background present before time zero
        (pyglotaran's baseline megacomplex).
    oscillations
        Damped oscillations, each with free cos and sin spectra.
    equal_area
        Area penalties between species' spectra (:class:`EqualArea`).
    scale
        Factor (a number or a parameter name) multiplying this dataset's model (pyglotaran's
        dataset ``scale``), e.g. relative excitation density. Degenerate with free spectra:
        a free scale needs spectra linked to another dataset or a guide.
    guide
        Known spectra of species (:class:`Guide`).
    nonnegative
        Compartments whose spectra must be >= 0 (e.g. fluorescence, stimulated emission
        written as positive): each wavelength is then solved by bounded least squares
        (BVLS; Stark & Parker, Comput. Stat. 10, 129 (1995)) and the Jacobian is differenced.
    shapes
        Parametric band shapes (amplitude x Gaussian or skewed Gaussian) for some
        compartments' spectra (:mod:`heterolab.kinetics.ta.shapes`).
    """

    name: str
    initial: dict[str, float | str]
    irf: IrfSpec
    constraints: list[Constraint] = field(default_factory=list)
    weights: list[Weight] = field(default_factory=list)
    coherent_artifact: int = 0
    compartments: Sequence[str] | None = None
    baseline: bool = False
    oscillations: list[Oscillation] = field(default_factory=list)
    nonnegative: list[str] = field(default_factory=list)
    equal_area: list[EqualArea] = field(default_factory=list)
    scale: float | str = 1.0
    guide: list[Guide] = field(default_factory=list)
    shapes: list[SpectralShape] = field(default_factory=list)

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
        names += [n for g in self.irf.extra for n in g]
        names += [self.irf.backsweep_period] if self.irf.backsweep_period else []
        names += list(self.irf.width_dispersion)
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
        problems += [
            f"{head}: nonnegative names unknown compartment {c!r}"
            for c in self.nonnegative
            if c not in scheme.compartments
        ]
        for ea in self.equal_area:
            for c in (ea.compartment, ea.target):
                if c not in scheme.compartments:
                    problems.append(f"{head}: equal_area names unknown compartment {c!r}")
            if isinstance(ea.ratio, str) and ea.ratio not in params.params:
                problems.append(f"{head}: equal_area ratio parameter {ea.ratio!r} is not defined")
            if not (np.isfinite(ea.weight) and ea.weight > 0):
                problems.append(f"{head}: equal_area weight must be > 0, got {ea.weight}")
        for osc in self.oscillations:
            for n in (osc.frequency, osc.damping):
                if n not in params.params:
                    problems.append(f"{head}: oscillation parameter {n!r} is not defined")
        problems += scale_problems(head, self.scale, params)
        for g in self.guide:
            problems += g.problems(head, scheme.compartments)
            problems += scale_problems(f"{head}: guide for {g.compartment!r}", g.scale, params)
        if not 0 <= self.coherent_artifact <= 3:
            problems.append(f"{head}: coherent_artifact must be 0..3, got {self.coherent_artifact}")
        problems += validate_shapes(self, scheme, params)
        return problems

    def initial_vector(self, scheme: KineticScheme, values: Mapping[str, float]) -> np.ndarray:
        """Initial populations in compartment order."""
        c0 = np.zeros(len(scheme.compartments))
        for c, v in self.initial.items():
            c0[scheme.compartments.index(c)] = values[v] if isinstance(v, str) else float(v)
        return c0
