"""Crystal chemistry: perovskite stability factors, plane spacings, lattice mismatch, strain.

Pure numpy (no pymatgen). Lengths in ångström, angles in degrees. Thesis: Yang Yongge, PhD
thesis, UEC Tokyo (2024), §1.2.2 Eq. 1-13, §3.3.1 (CsPbBr3/PbS (200)/(220) matching),
§4.3.1 (0.94 %, 1.35 %, 5.61 %); spec items P-08, P-09, P-11, P-12.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.materials import LatticeParameters
from heterolab.materials.radii import RADII_SOURCE, ionic_radius_angstrom
from heterolab.physics._checks import require_positive, scalar_or_array
from heterolab.physics.choices import MismatchReference

__all__ = [
    "BARTEL_LIMIT",
    "CU_KALPHA1_ANGSTROM",
    "OCTAHEDRAL_WINDOW",
    "STABILITY_CRITERION",
    "TOLERANCE_WINDOW",
    "MismatchReference",
    "PerovskiteStability",
    "PlaneMatch",
    "Reflection",
    "bartel_tau",
    "biaxial_epitaxial_strain",
    "bragg_two_theta_deg",
    "d_from_two_theta_angstrom",
    "d_spacing_angstrom",
    "find_matching_planes",
    "lattice_centering",
    "lattice_mismatch",
    "octahedral_factor",
    "perovskite_stability",
    "reciprocal_metric",
    "reflection_allowed",
    "reflections",
    "scattering_vector_per_angstrom",
    "strain_from_peak_shift",
    "tolerance_factor",
]

#: Goldschmidt-factor window for a 3D perovskite (thesis §1.2.2, Eq. 1-13).
TOLERANCE_WINDOW: tuple[float, float] = (0.8, 1.0)
#: Octahedral-factor window (thesis §1.2.2, ref. 108: Travis et al., Chem. Sci. 7, 4548 (2016)).
OCTAHEDRAL_WINDOW: tuple[float, float] = (0.442, 0.895)
#: Cu Kα1 wavelength [Å] (Hölzer et al., Phys. Rev. A 56, 4554 (1997)); the thesis's XRD
#: wavelength is not stated (Rigaku TTR-III, Cu Kα assumed; spec reference values).
CU_KALPHA1_ANGSTROM = 1.5406
#: Mismatch above which in-situ heteroepitaxy is unlikely (thesis §4.3.1, ref. 19:
#: Liu & Zhang, Chem. Rev. 120, 2123 (2020)).
EPITAXY_LIMIT = 0.05
#: Bartel τ below which a perovskite is predicted (Bartel et al., Sci. Adv. 5, eaav0693 (2019)).
BARTEL_LIMIT = 4.18
#: The criteria of :func:`perovskite_stability`, as reported with its verdict.
STABILITY_CRITERION = (
    "Goldschmidt t in [0.8, 1] and octahedral factor mu in [0.442, 0.895] (thesis §1.2.2, "
    "Eq. 1-13); checked against Bartel tau < 4.18 (Bartel et al., Sci. Adv. 5, eaav0693 (2019))"
)


def tolerance_factor(r_a: float, r_b: float, r_x: float) -> float:
    """Goldschmidt tolerance factor t = (r_A + r_X) / (√2 (r_B + r_X)) [1].

    Thesis Eq. 1-13 (§1.2.2); Goldschmidt, Naturwissenschaften 14, 477 (1926). Radii in any
    common length unit.
    """
    require_positive(r_a=r_a, r_b=r_b, r_x=r_x)
    return (r_a + r_x) / (math.sqrt(2) * (r_b + r_x))


def octahedral_factor(r_b: float, r_x: float) -> float:
    """Octahedral factor μ = r_B / r_X [1] (thesis §1.2.2; Li et al., Acta Cryst. B 64, 702 (2008))."""
    require_positive(r_b=r_b, r_x=r_x)
    return r_b / r_x


def bartel_tau(r_a: float, r_b: float, r_x: float, n_a: int = 1) -> float:
    """Bartel tolerance factor τ = r_X/r_B − n_A (n_A − (r_A/r_B)/ln(r_A/r_B)) [1].

    Perovskite predicted for τ < 4.18 (Bartel et al., Sci. Adv. 5, eaav0693 (2019));
    n_A is the oxidation state of A. Requires r_A > r_B.
    """
    require_positive(r_a=r_a, r_b=r_b, r_x=r_x)
    if r_a <= r_b:
        raise ParameterError(f"Bartel tau needs r_A > r_B, got r_A = {r_a}, r_B = {r_b}")
    ratio = r_a / r_b
    return r_x / r_b - n_a * (n_a - ratio / math.log(ratio))


@dataclass(frozen=True)
class PerovskiteStability:
    """Stability factors of an ABX3 composition and the verdict (spec P-08)."""

    formula: str
    r_a: float
    r_b: float
    r_x: float
    tolerance: float
    octahedral: float
    tau: float
    tolerance_ok: bool
    octahedral_ok: bool
    verdict: str
    radii_source: str
    #: Bartel τ below 4.18 (``None`` when τ is undefined, r_A ≤ r_B).
    bartel_ok: bool | None = None
    #: The criteria the verdict rests on, with their sources.
    criterion: str = ""

    @property
    def goldschmidt_ok(self) -> bool:
        """Both Goldschmidt windows hold (0.8 ≤ t ≤ 1 and 0.442 ≤ μ ≤ 0.895)."""
        return self.tolerance_ok and self.octahedral_ok

    @property
    def criteria_agree(self) -> bool:
        """The Goldschmidt windows and Bartel's τ give the same prediction (or τ is undefined)."""
        return self.bartel_ok is None or self.bartel_ok == self.goldschmidt_ok


def perovskite_stability(
    a_ion: str,
    b_ion: str,
    x_ion: str,
    *,
    a_coordination: str = "XII",
    b_coordination: str = "VI",
    x_coordination: str = "VI",
    n_a: int = 1,
) -> PerovskiteStability:
    """Tolerance and octahedral factors of ABX3 from the Shannon/Kieslich radii, with a verdict.

    One verdict, on one stated criterion (:data:`STABILITY_CRITERION`): ``"stable 3D
    perovskite"`` when 0.8 ≤ t ≤ 1 and 0.442 ≤ μ ≤ 0.895 (thesis §1.2.2), otherwise which window
    fails and the usual consequence (t > 1: hexagonal or 2D phases; t < 0.8: non-perovskite).
    Bartel's τ (Bartel et al., Sci. Adv. 5, eaav0693 (2019); perovskite for τ < 4.18) is
    computed beside it; when the two criteria disagree the verdict says so and names both
    numbers (CsPbI3: t = 0.851 and μ = 0.541 are inside the windows, τ = 4.30 is not; the
    cubic phase of CsPbI3 is indeed metastable at room temperature). The result depends on the
    radius set: CsPbI3 gives t = 0.851 with r_Cs(XII) = 1.88 Å and 0.81 with r_Cs(VI) = 1.67 Å
    (the thesis says "≈ 0.8"); state the coordination.

    Examples
    --------
    >>> s = perovskite_stability("Cs+", "Pb2+", "Br-")
    >>> round(s.tolerance, 3), round(s.octahedral, 3), s.verdict
    (0.862, 0.607, 'stable 3D perovskite')
    """
    r_a = ionic_radius_angstrom(a_ion, a_coordination)
    r_b = ionic_radius_angstrom(b_ion, b_coordination)
    r_x = ionic_radius_angstrom(x_ion, x_coordination)
    t = tolerance_factor(r_a, r_b, r_x)
    mu = octahedral_factor(r_b, r_x)
    tau = bartel_tau(r_a, r_b, r_x, n_a) if r_a > r_b else math.nan
    t_ok = TOLERANCE_WINDOW[0] <= t <= TOLERANCE_WINDOW[1]
    mu_ok = OCTAHEDRAL_WINDOW[0] <= mu <= OCTAHEDRAL_WINDOW[1]
    problems = []
    if t > TOLERANCE_WINDOW[1]:
        problems.append(f"t = {t:.3f} > 1: A cation too large (hexagonal or layered 2D phases)")
    elif t < TOLERANCE_WINDOW[0]:
        problems.append(f"t = {t:.3f} < 0.8: A cation too small (non-perovskite phase)")
    if not mu_ok:
        problems.append(f"μ = {mu:.3f} outside {OCTAHEDRAL_WINDOW}: BX6 octahedron unstable")
    verdict = "stable 3D perovskite" if not problems else "; ".join(problems)
    bartel_ok = None if math.isnan(tau) else bool(tau < BARTEL_LIMIT)
    if bartel_ok is not None and bartel_ok != (t_ok and mu_ok):
        says = "predicts a perovskite" if bartel_ok else "predicts no perovskite"
        sign = "<" if bartel_ok else ">"
        verdict = (
            f"criteria disagree: Goldschmidt says {verdict!r}, Bartel tau = {tau:.2f} "
            f"{sign} {BARTEL_LIMIT} {says}"
        )
    name = f"{a_ion.rstrip('+')}{b_ion.rstrip('2+')}{x_ion.rstrip('-')}3"
    return PerovskiteStability(
        name,
        r_a,
        r_b,
        r_x,
        t,
        mu,
        tau,
        t_ok,
        mu_ok,
        verdict,
        RADII_SOURCE,
        bartel_ok,
        STABILITY_CRITERION,
    )


def reciprocal_metric(lattice: LatticeParameters) -> np.ndarray:
    """Reciprocal metric tensor G* = G⁻¹ [Å⁻²] of a lattice (any crystal system).

    G_ij = a_i·a_j (International Tables for Crystallography, Vol. B, §1.1 (2010)).
    """
    a, b, c = lattice.lengths_angstrom
    al, be, ga = (math.radians(x) for x in lattice.angles_deg)
    g = np.array(
        [
            [a * a, a * b * math.cos(ga), a * c * math.cos(be)],
            [a * b * math.cos(ga), b * b, b * c * math.cos(al)],
            [a * c * math.cos(be), b * c * math.cos(al), c * c],
        ]
    )
    if np.linalg.det(g) <= 0:
        raise ParameterError(f"lattice angles {lattice.angles_deg} do not form a valid cell")
    return np.linalg.inv(g)


def d_spacing_angstrom(lattice: LatticeParameters, hkl: Sequence[int]) -> float:
    """Interplanar spacing d_hkl = 1/√(hᵀ G* h) [Å] (cubic: a/√(h²+k²+l²)).

    Raises
    ------
    ParameterError
        For (000) or non-integer indices.
    """
    h = np.asarray(hkl)
    if h.shape != (3,) or not np.all(np.equal(np.mod(h, 1), 0)) or not np.any(h):
        raise ParameterError(f"hkl must be three integers, not all zero; got {tuple(hkl)!r}")
    q2 = float(h @ reciprocal_metric(lattice) @ h)
    return 1.0 / math.sqrt(q2)


def lattice_mismatch(
    d_a: float,
    d_b: float,
    *,
    m: int = 1,
    n: int = 1,
    reference: MismatchReference | str = "b",
) -> float:
    """Lattice (domain) mismatch between planes of two phases [fraction].

    f = (m d_A − n d_B) / (n d_B) with ``reference="b"`` (B is the substrate/denominator),
    or (n d_B − m d_A)/(m d_A) with ``reference="a"``; m:n is the domain-matching ratio
    (m planes of A against n of B). Spec P-12; thesis §3.3.1 and §4.3.1 (which do not state
    their convention — report it with the number). Positive f: A is larger (compressed on B).

    Examples
    --------
    CsPbBr3 (110) vs PMA2PbBr4 (008) with c = 33.54 Å (the value the thesis's 0.94 % implies):

    >>> round(100 * lattice_mismatch(33.54 / 8, 5.874 / math.sqrt(2)), 2)
    0.94
    """
    require_positive(d_a=d_a, d_b=d_b)
    reference = as_choice(MismatchReference, reference, "reference")
    if m < 1 or n < 1:
        raise ParameterError(f"domain-matching integers must be >= 1, got m = {m}, n = {n}")
    if reference == "b":
        return (m * d_a - n * d_b) / (n * d_b)
    if reference == "a":
        return (n * d_b - m * d_a) / (m * d_a)
    raise ParameterError(f"reference must be 'a' or 'b', got {reference!r}")


@dataclass(frozen=True)
class PlaneMatch:
    """One pair of matching planes found by :func:`find_matching_planes`."""

    hkl_a: tuple[int, int, int]
    hkl_b: tuple[int, int, int]
    d_a: float
    d_b: float
    m: int
    n: int
    mismatch: float

    @property
    def epitaxial(self) -> bool:
        """|f| ≤ 5 % (thesis §4.3.1 criterion)."""
        return abs(self.mismatch) <= EPITAXY_LIMIT


def lattice_centering(lattice: LatticeParameters) -> str:
    """Bravais centring letter (P, I, F, A, B, C, R) from the space-group symbol; P if unknown."""
    sg = lattice.space_group.strip()
    return sg[0].upper() if sg and sg[0].upper() in "PIFABCR" else "P"


def reflection_allowed(hkl: Sequence[int], centering: str) -> bool:
    """Whether (hkl) survives the lattice-centring extinctions (International Tables Vol. A).

    F: h, k, l all even or all odd; I: h + k + l even; C: h + k even; A: k + l even;
    B: h + l even; P and R (hexagonal setting not handled): always.
    """
    h, k, l = (int(x) for x in hkl)
    rules = {
        "F": (h % 2 == k % 2 == l % 2),
        "I": (h + k + l) % 2 == 0,
        "C": (h + k) % 2 == 0,
        "A": (k + l) % 2 == 0,
        "B": (h + l) % 2 == 0,
    }
    return rules.get(centering, True)


def _unique_planes(
    lattice: LatticeParameters, max_index: int
) -> list[tuple[tuple[int, ...], float]]:
    """Allowed planes with distinct d (lowest index sum kept), largest d first."""
    centering = lattice_centering(lattice)
    best: dict[float, tuple[int, ...]] = {}
    for hkl in itertools.product(range(max_index, -1, -1), repeat=3):
        if not any(hkl) or not reflection_allowed(hkl, centering):
            continue
        key = round(d_spacing_angstrom(lattice, hkl), 6)
        if key not in best or sum(hkl) < sum(best[key]):
            best[key] = hkl
    return sorted(((hkl, d) for d, hkl in best.items()), key=lambda x: -x[1])


def find_matching_planes(
    lattice_a: LatticeParameters,
    lattice_b: LatticeParameters,
    *,
    max_index: int = 2,
    max_multiple: int = 1,
    threshold: float = EPITAXY_LIMIT,
) -> list[PlaneMatch]:
    """All low-index plane pairs (and m:n domain matches) with |mismatch| ≤ ``threshold``.

    Only reflections allowed by each lattice's centring (from its space-group symbol, e.g. F
    for rock-salt PbS) are used; planes with equal d (symmetry equivalents in the index
    range) are listed once, with non-negative indices. Negative-index planes of non-orthogonal
    cells are not searched. Sorted by |f|. Mismatch convention: B is the reference
    (:func:`lattice_mismatch`).
    """
    if max_index < 1 or max_multiple < 1 or threshold <= 0:
        raise ParameterError("max_index, max_multiple and threshold must be positive")
    out = []
    for hkl_a, d_a in _unique_planes(lattice_a, max_index):
        for hkl_b, d_b in _unique_planes(lattice_b, max_index):
            for m in range(1, max_multiple + 1):
                for n in range(1, max_multiple + 1):
                    if math.gcd(m, n) != 1:
                        continue
                    f = lattice_mismatch(d_a, d_b, m=m, n=n)
                    if abs(f) <= threshold:
                        out.append(PlaneMatch(hkl_a, hkl_b, d_a, d_b, m, n, f))  # type: ignore[arg-type]
    return sorted(
        out, key=lambda p: (round(abs(p.mismatch), 5), p.m + p.n, sum(p.hkl_a) + sum(p.hkl_b))
    )


def biaxial_epitaxial_strain(
    a_film: float, a_substrate: float, poisson_ratio: float | None = None
) -> tuple[float, float | None]:
    """In-plane and out-of-plane strain of a film coherently strained to a substrate.

    ε_∥ = (a_sub − a_film)/a_film; for biaxial stress in a cubic film
    ε_⊥ = −2ν/(1 − ν) ε_∥ (Freund & Suresh, *Thin Film Materials* (2003), §1.5). Returns
    (ε_∥, ε_⊥) with ε_⊥ ``None`` when ν is not given. Positive = tensile.
    """
    require_positive(a_film=a_film, a_substrate=a_substrate)
    e_par = (a_substrate - a_film) / a_film
    if poisson_ratio is None:
        return e_par, None
    if not -1 < poisson_ratio < 0.5:
        raise ParameterError(f"Poisson ratio must lie in (-1, 0.5), got {poisson_ratio}")
    return e_par, -2 * poisson_ratio / (1 - poisson_ratio) * e_par


def bragg_two_theta_deg(
    d_angstrom: ArrayLike, wavelength_angstrom: float = CU_KALPHA1_ANGSTROM, order: int = 1
) -> np.ndarray | float:
    """Diffraction angle 2θ [deg] from Bragg's law nλ = 2d sin θ (thesis Eq. 2-1, §2.6).

    Raises
    ------
    ParameterError
        If nλ > 2d (no reflection) or inputs are not positive.
    """
    d = np.asarray(d_angstrom, dtype=float)
    if not (np.all(d > 0) and wavelength_angstrom > 0 and order >= 1):
        raise ParameterError(
            f"need d > 0, wavelength > 0 and order >= 1; got {d_angstrom!r}, "
            f"{wavelength_angstrom!r}, {order!r}"
        )
    x = order * wavelength_angstrom / (2 * d)
    if np.any(x > 1):
        raise ParameterError(
            f"no reflection: n λ = {order * wavelength_angstrom:g} Å exceeds 2d for d = {d_angstrom!r} Å"
        )
    out = np.degrees(2 * np.arcsin(x))
    return scalar_or_array(out)


def d_from_two_theta_angstrom(
    two_theta_deg: ArrayLike, wavelength_angstrom: float = CU_KALPHA1_ANGSTROM, order: int = 1
) -> np.ndarray | float:
    """Plane spacing d = nλ / (2 sin θ) [Å] from a diffraction angle 2θ [deg] (Eq. 2-1)."""
    tt = np.asarray(two_theta_deg, dtype=float)
    if not (np.all((tt > 0) & (tt < 180)) and wavelength_angstrom > 0):
        raise ParameterError(f"2θ must lie in (0, 180) degrees, got {two_theta_deg!r}")
    out = order * wavelength_angstrom / (2 * np.sin(np.radians(tt / 2)))
    return scalar_or_array(out)


def scattering_vector_per_angstrom(d_angstrom: ArrayLike) -> np.ndarray | float:
    """Scattering vector q = 2π/d = 4π sin θ / λ [Å⁻¹] (spec P-09)."""
    d = np.asarray(d_angstrom, dtype=float)
    if not np.all(d > 0):
        raise ParameterError(f"d must be positive, got {d_angstrom!r}")
    out = 2 * math.pi / d
    return scalar_or_array(out)


def strain_from_peak_shift(
    two_theta_ref_deg: ArrayLike, two_theta_deg: ArrayLike, *, approximate: bool = False
) -> np.ndarray | float:
    """Lattice strain ε = (d − d₀)/d₀ = sin θ₀ / sin θ − 1 of one reflection [1] (spec P-11).

    Positive = tensile (peak moved to lower angle). ``approximate=True`` gives the small-shift
    form −cot θ₀ Δθ. Thesis §3.3.1: CsPbBr3 (200) 30.43° → 30.25° is +0.58 %, (220) 43.61° →
    43.47° +0.31 %; a homogeneous cubic strain would give equal values, so reflection-dependent
    strain signals specimen displacement or anisotropy (spec verification §2 item 8).
    """
    t0 = np.radians(np.asarray(two_theta_ref_deg, dtype=float) / 2)
    t1 = np.radians(np.asarray(two_theta_deg, dtype=float) / 2)
    if np.any(t0 <= 0) or np.any(t1 <= 0) or np.any(t0 >= math.pi / 2) or np.any(t1 >= math.pi / 2):
        raise ParameterError("2θ values must lie in (0, 180) degrees")
    out = -(t1 - t0) / np.tan(t0) if approximate else np.sin(t0) / np.sin(t1) - 1
    return scalar_or_array(out)


@dataclass(frozen=True)
class Reflection:
    """One allowed reflection: indices, spacing [Å], 2θ [deg], index-triple multiplicity."""

    hkl: tuple[int, int, int]
    d: float
    two_theta: float
    multiplicity: int


def reflections(
    lattice: LatticeParameters,
    *,
    wavelength_angstrom: float = CU_KALPHA1_ANGSTROM,
    two_theta_max_deg: float = 90.0,
    max_index: int = 6,
) -> list[Reflection]:
    """Allowed reflections of a lattice up to ``two_theta_max_deg``, by increasing 2θ.

    Centring extinctions only (no structure factors: intensities need the atom positions).
    ``multiplicity`` counts the index triples (all signs and permutations within
    ``max_index``) with the same d, which equals the crystallographic multiplicity unless two
    sets coincide accidentally. The listed hkl has the largest indices first.
    """
    if two_theta_max_deg <= 0 or two_theta_max_deg >= 180:
        raise ParameterError(f"two_theta_max must lie in (0, 180), got {two_theta_max_deg}")
    d_min = wavelength_angstrom / (2 * math.sin(math.radians(two_theta_max_deg / 2)))
    centering = lattice_centering(lattice)
    g_star = reciprocal_metric(lattice)
    groups: dict[float, list[tuple[int, int, int]]] = {}
    rng = range(-max_index, max_index + 1)
    for hkl in itertools.product(rng, repeat=3):
        if not any(hkl) or not reflection_allowed(hkl, centering):
            continue
        h = np.asarray(hkl)
        d = 1 / math.sqrt(float(h @ g_star @ h))
        if d < d_min - 1e-9:
            continue
        groups.setdefault(round(d, 6), []).append(hkl)  # type: ignore[arg-type]
    out = []
    for d, members in groups.items():
        rep = max(members, key=lambda x: (x[0] >= 0 and x[1] >= 0 and x[2] >= 0, x))
        tt = float(bragg_two_theta_deg(d, wavelength_angstrom))
        out.append(Reflection(rep, d, tt, len(members)))
    return sorted(out, key=lambda r: r.two_theta)
