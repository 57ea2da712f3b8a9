"""Crystal chemistry: perovskite stability factors, plane spacings, lattice mismatch, strain.

Pure numpy (no pymatgen). Lengths in ångström, angles in degrees. Thesis: Yang Yongge, PhD
thesis, UEC Tokyo (2024), §1.2.2 Eq. 1-13, §3.3.1 (CsPbBr3/PbS (200)/(220) matching),
§4.3.1 (0.94 %, 1.35 %, 5.61 %); spec items P-08, P-09, P-12, P-20.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import constants as _c

from heterolab.errors import ParameterError
from heterolab.materials import LatticeParameters
from heterolab.materials.radii import RADII_SOURCE, ionic_radius_angstrom

__all__ = [
    "OCTAHEDRAL_WINDOW",
    "TOLERANCE_WINDOW",
    "PerovskiteStability",
    "PlaneMatch",
    "bartel_tau",
    "biaxial_epitaxial_strain",
    "d_spacing_angstrom",
    "electron_wavelength_pm",
    "find_matching_planes",
    "lattice_centering",
    "lattice_mismatch",
    "octahedral_factor",
    "perovskite_stability",
    "reciprocal_metric",
    "reflection_allowed",
    "tolerance_factor",
]

#: Goldschmidt-factor window for a 3D perovskite (thesis §1.2.2, Eq. 1-13).
TOLERANCE_WINDOW: tuple[float, float] = (0.8, 1.0)
#: Octahedral-factor window (thesis §1.2.2, ref. 108: Travis et al., Chem. Sci. 7, 4548 (2016)).
OCTAHEDRAL_WINDOW: tuple[float, float] = (0.442, 0.895)
#: Mismatch above which in-situ heteroepitaxy is unlikely (thesis §4.3.1, ref. 19:
#: Liu & Zhang, Chem. Rev. 120, 2123 (2020)).
EPITAXY_LIMIT = 0.05


def _positive(**values: float) -> None:
    bad = [f"{k} = {v!r}" for k, v in values.items() if not (math.isfinite(v) and v > 0)]
    if bad:
        raise ParameterError(f"must be positive and finite: {', '.join(bad)}")


def tolerance_factor(r_a: float, r_b: float, r_x: float) -> float:
    """Goldschmidt tolerance factor t = (r_A + r_X) / (√2 (r_B + r_X)) [1].

    Thesis Eq. 1-13 (§1.2.2); Goldschmidt, Naturwissenschaften 14, 477 (1926). Radii in any
    common length unit.
    """
    _positive(r_a=r_a, r_b=r_b, r_x=r_x)
    return (r_a + r_x) / (math.sqrt(2) * (r_b + r_x))


def octahedral_factor(r_b: float, r_x: float) -> float:
    """Octahedral factor μ = r_B / r_X [1] (thesis §1.2.2; Li et al., Acta Cryst. B 64, 702 (2008))."""
    _positive(r_b=r_b, r_x=r_x)
    return r_b / r_x


def bartel_tau(r_a: float, r_b: float, r_x: float, n_a: int = 1) -> float:
    """Bartel tolerance factor τ = r_X/r_B − n_A (n_A − (r_A/r_B)/ln(r_A/r_B)) [1].

    Perovskite predicted for τ < 4.18 (Bartel et al., Sci. Adv. 5, eaav0693 (2019));
    n_A is the oxidation state of A. Requires r_A > r_B.
    """
    _positive(r_a=r_a, r_b=r_b, r_x=r_x)
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

    The verdict is ``"stable 3D perovskite"`` when 0.8 ≤ t ≤ 1 and 0.442 ≤ μ ≤ 0.895 (thesis
    §1.2.2), otherwise it says which window fails and the usual consequence (t > 1: hexagonal or
    2D phases; t < 0.8: non-perovskite, e.g. δ-CsPbI3). The result depends on the radius set:
    CsPbI3 gives t = 0.851 with r_Cs(XII) = 1.88 Å and 0.81 with r_Cs(VI) = 1.67 Å (the thesis
    says "≈ 0.8"); state the coordination.

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
    name = f"{a_ion.rstrip('+')}{b_ion.rstrip('2+')}{x_ion.rstrip('-')}3"
    return PerovskiteStability(
        name, r_a, r_b, r_x, t, mu, tau, t_ok, mu_ok, verdict, RADII_SOURCE
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
    reference: Literal["a", "b"] = "b",
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
    _positive(d_a=d_a, d_b=d_b)
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


def _unique_planes(lattice: LatticeParameters, max_index: int) -> list[tuple[tuple[int, ...], float]]:
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
    _positive(a_film=a_film, a_substrate=a_substrate)
    e_par = (a_substrate - a_film) / a_film
    if poisson_ratio is None:
        return e_par, None
    if not -1 < poisson_ratio < 0.5:
        raise ParameterError(f"Poisson ratio must lie in (-1, 0.5), got {poisson_ratio}")
    return e_par, -2 * poisson_ratio / (1 - poisson_ratio) * e_par


def electron_wavelength_pm(accelerating_voltage_v: float) -> float:
    """Relativistic electron wavelength λ = h / √(2 m0 e V (1 + eV/(2 m0 c²))) [pm].

    Spec P-20 (thesis §2.10): 100 kV → 3.701 pm, 200 kV → 2.508 pm, 300 kV → 1.969 pm
    (Williams & Carter, *Transmission Electron Microscopy*, 2nd ed. (2009), Table 1.2).
    """
    _positive(accelerating_voltage_v=accelerating_voltage_v)
    ev = _c.e * accelerating_voltage_v
    p = math.sqrt(2 * _c.m_e * ev * (1 + ev / (2 * _c.m_e * _c.c**2)))
    return _c.h / p * 1e12
