"""Orthorhombic CsPbBr3 from a Glazer a⁻a⁻c⁺ tilt of the cubic cell (issue #16).

Truth not built with the code under test: the space group from spglib (through pymatgen's
SpacegroupAnalyzer), Pb–Br–Pb angles measured on the periodic structure with pymatgen's own
neighbour search, and the rigid-octahedron relations worked by hand from Stoumpos et al.'s
cell (Cryst. Growth Des. 13, 2722 (2013)): cos θ = c/a, d = b/(4 cos θ),
cos φ = a/(2√2 d).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.errors import ParameterError

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from heterolab.atomistic import build
from heterolab.atomistic.perovskite import pb_x_pb_angles, pnma_tilted, tilts_from_lattice

A, B, C = 8.2440, 11.7351, 8.1982  # Stoumpos et al. 2013, Pnma, b long
THETA = math.degrees(math.acos(C / A))  # 6.04°
# spglib 2.x warns, through pymatgen, about its own error-handling switch
pytestmark = pytest.mark.filterwarnings("ignore:Set OLD_ERROR_HANDLING:DeprecationWarning")

D = B / (4 * math.cos(math.radians(THETA)))
PHI = math.degrees(math.acos(A / (2 * math.sqrt(2) * D)))  # 8.89°


@pytest.fixture(scope="module")
def ortho():
    return build.bulk("CsPbBr3", "orthorhombic")


@pytest.mark.parametrize("symprec", [1e-3, 1e-2, 0.1])
def test_space_group_is_pnma(ortho, symprec) -> None:
    sga = SpacegroupAnalyzer(ortho, symprec=symprec)
    assert sga.get_space_group_symbol() == "Pnma"
    assert sga.get_space_group_number() == 62


def test_cell_composition_and_model_label(ortho) -> None:
    assert ortho.lattice.abc == pytest.approx((A, B, C))
    assert ortho.lattice.angles == pytest.approx((90, 90, 90))
    assert ortho.composition.reduced_formula == "CsPbBr3" and len(ortho) == 20
    assert ortho.properties["model"] is True
    assert "MODEL" in ortho.properties["source"] and "Stoumpos" in ortho.properties["source"]


def test_tilt_angles_from_the_cell() -> None:
    t = tilts_from_lattice(A, B, C)
    assert t["theta_deg"] == pytest.approx(THETA, abs=1e-9)
    assert t["phi_deg"] == pytest.approx(PHI, abs=1e-9)
    assert t["bond"] == pytest.approx(D, abs=1e-12)
    assert 5 < THETA < 7 and 8 < PHI < 10  # sanity of the worked numbers above


def test_pb_br_pb_angles_match_the_tilt(ortho) -> None:
    ang = pb_x_pb_angles(ortho)
    assert len(ang["apical"]) == 4 and len(ang["equatorial"]) == 8  # 12 Br, each bridging
    # apical Br (along b) is tilted only by the antiphase rotation about a: 180° − 2θ
    assert ang["apical"] == pytest.approx([180 - 2 * THETA] * 4, abs=1e-6)
    # equatorial bonds tilt by φ about b and θ/√2 about the in-plane axis; the midpoint of
    # the two rigid images differs from the rigid angle at second order (< 0.1°)
    tilt_eq = math.degrees(
        math.acos(math.cos(math.radians(PHI)) * math.cos(math.radians(THETA / math.sqrt(2))))
    )
    assert ang["equatorial"] == pytest.approx([180 - 2 * tilt_eq] * 8, abs=0.1)


def test_octahedra_are_regular_to_a_milliangstrom(ortho) -> None:
    for site in ortho:
        if site.specie.symbol != "Pb":
            continue
        d = sorted(n.nn_distance for n in ortho.get_neighbors(site, 3.5))
        assert len(d) == 6
        assert np.allclose(d, D, atol=3e-3)


def test_untilted_cell_is_refused_or_cubic() -> None:
    with pytest.raises(ParameterError, match="need a >= c"):
        tilts_from_lattice(8.0, 11.7, 8.2)
    with pytest.raises(ParameterError, match="no in-phase tilt fits"):
        tilts_from_lattice(8.4, 11.2, 8.4)
    # a zero-tilt cell (a = c = b/√2) gives the cubic perovskite: Pm-3m
    a0 = 5.874 * math.sqrt(2)
    cubic = pnma_tilted(a0, 2 * 5.874, a0)
    assert SpacegroupAnalyzer(cubic, symprec=1e-3).get_space_group_symbol() == "Pm-3m"
