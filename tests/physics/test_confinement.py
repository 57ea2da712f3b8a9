"""Confinement models against the spec's recomputed thesis numbers (P-02, P-03, V8)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.physics.confinement import (
    COULOMB_EV_NM,
    HBAR2_2M0_EV_NM2,
    brus_minimum_diameter_nm,
    confined_band_edges_ev,
    confinement_regime,
    density_of_states,
    diameter_from_exciton_energy_nm,
    exciton_bohr_radius_nm,
    exciton_energy_ev,
    exciton_rydberg_ev,
)

CSPBBR3 = {"electron_mass": 0.15, "hole_mass": 0.14, "eps_r": 4.96}
HC = 1239.84198


def test_derived_constants_match_spec_conventions():
    assert abs(HBAR2_2M0_EV_NM2 - 0.0380998) < 2e-7
    assert abs(COULOMB_EV_NM - 1.439965) < 2e-6


def test_cspbbr3_bohr_radius_and_rydberg():
    # spec P-02 / V8: a_B = 3.62 nm, E*_Ry = 40 meV (thesis's "5 nm" is inconsistent)
    assert exciton_bohr_radius_nm(**CSPBBR3) == pytest.approx(3.62, abs=0.005)
    assert exciton_rydberg_ev(**CSPBBR3) == pytest.approx(0.0400, abs=0.0005)


def test_pbs_bohr_radius():
    # spec V7: eps_inf 17.2, m = 0.085 -> 21.4 nm
    assert exciton_bohr_radius_nm(0.085, 0.085, 17.2) == pytest.approx(21.4, abs=0.05)


@pytest.mark.parametrize(("d", "nm"), [(8.14, 492.4), (9.40, 504.7), (6.0, 453.1)])
def test_brus_reproduces_verification_v8(d, nm):
    e = exciton_energy_ev(d, band_gap_ev=2.342, **CSPBBR3)
    assert HC / e == pytest.approx(nm, abs=0.06)


def test_thesis_literal_form_is_nearly_size_independent():
    # erratum: literal Eq. 1-3 gives 522-528 nm for every size (V8, Eg 2.342..2.36)
    for d in (6.0, 8.14, 9.40):
        lam = HC / exciton_energy_ev(d, band_gap_ev=2.342, model="thesis", **CSPBBR3)
        assert 522 < lam < 529


def test_large_size_limits():
    big = 2000.0
    assert exciton_energy_ev(big, band_gap_ev=2.342, model="kinetic", **CSPBBR3) == pytest.approx(
        2.342, abs=1e-4
    )
    ry = exciton_rydberg_ev(**CSPBBR3)
    assert exciton_energy_ev(big, band_gap_ev=2.342, model="weak", **CSPBBR3) == pytest.approx(
        2.342 - ry, abs=1e-4
    )


def test_coulomb_term_lowers_energy_and_cube_kinetic_factor():
    kw = {"band_gap_ev": 2.342, **CSPBBR3}
    assert exciton_energy_ev(5.0, model="brus", **kw) < exciton_energy_ev(
        5.0, model="kinetic", **kw
    )
    # cube of edge L: 3 pi^2 hbar^2/(2 mu L^2) vs sphere d = L: pi^2 hbar^2 / (2 mu (L/2)^2)
    k_cube = exciton_energy_ev(5.0, model="cube", **kw) - 2.342
    k_sph = exciton_energy_ev(5.0, model="kinetic", **kw) - 2.342
    assert k_cube / k_sph == pytest.approx(3 / 4)


def test_inverse_round_trip_and_branch():
    kw = {"band_gap_ev": 2.342, **CSPBBR3}
    for d in (3.0, 8.14, 15.0):
        e = exciton_energy_ev(d, **kw)
        assert diameter_from_exciton_energy_nm(e, **kw) == pytest.approx(d, rel=1e-8)
    d_star = brus_minimum_diameter_nm(**CSPBBR3)
    grid = np.linspace(0.9 * d_star, 1.1 * d_star, 201)
    e = exciton_energy_ev(grid, **kw)
    assert grid[np.argmin(e)] == pytest.approx(d_star, rel=2e-3)
    with pytest.raises(ParameterError, match="outside the range"):
        diameter_from_exciton_energy_nm(2.2, **kw)


def test_regime_and_errors():
    assert confinement_regime(4.0, 3.62) == "strong"
    assert confinement_regime(10.0, 3.62) == "intermediate"
    assert confinement_regime(30.0, 3.62) == "weak"
    with pytest.raises(
        ParameterError,
        match="confinement model must be one of brus, kinetic, weak, cube, thesis; got 'foo'",
    ):
        exciton_energy_ev(5.0, band_gap_ev=2.3, model="foo", **CSPBBR3)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="diameter_nm"):
        exciton_energy_ev(-1.0, band_gap_ev=2.3, **CSPBBR3)


def test_band_edges_split_confinement_by_mass():
    kw = {"cbm_ev": -3.59, "vbm_ev": -5.96, "electron_mass": 0.15, "hole_mass": 0.14}
    cbm, vbm = confined_band_edges_ev(6.0, **kw)
    d_gap = (cbm - vbm) - (-3.59 + 5.96)
    kin = exciton_energy_ev(6.0, band_gap_ev=1.0, model="kinetic", **CSPBBR3) - 1.0
    assert d_gap == pytest.approx(kin)
    assert (cbm + 3.59) / (-5.96 - vbm) == pytest.approx(0.14 / 0.15)
    with pytest.raises(ParameterError, match="must lie above"):
        confined_band_edges_ev(6.0, cbm_ev=-6, vbm_ev=-5, electron_mass=0.1, hole_mass=0.1)


def test_density_of_states_shapes():
    e = np.linspace(-0.05, 1.0, 2001)
    m, L = 0.1, 5.0
    e1 = HBAR2_2M0_EV_NM2 / m * math.pi**2 / L**2
    g3 = density_of_states(e, dimensionality=3, effective_mass=m)
    assert g3[e < 0].max() == 0 and np.all(np.diff(g3[e > 0]) > 0)
    g2 = density_of_states(e, dimensionality=2, effective_mass=m, size_nm=L)
    # step of height m/(pi hbar^2) per subband, first at E1
    step = 1 / (2 * math.pi * HBAR2_2M0_EV_NM2 / m)
    assert g2[e < e1 * 0.999].max() == 0
    assert g2[(e > e1) & (e < 4 * e1 * 0.999)] == pytest.approx(step)
    g0 = density_of_states(e, dimensionality=0, effective_mass=m, size_nm=L, broadening_ev=0.005)
    # each level holds 2 states: integral over a window around the ground level = 2
    win = e < (3 * e1 + 6 * e1) / 2
    assert np.trapezoid(g0[win], e[win]) == pytest.approx(2.0, rel=1e-3)
    assert e[np.argmax(g0[win])] == pytest.approx(3 * e1, abs=1e-3)
    g1 = density_of_states(e, dimensionality=1, effective_mass=m, size_nm=L)
    assert np.all(np.isfinite(g1)) and g1[e < 2 * e1 * 0.999].max() == 0
    with pytest.raises(ParameterError, match="size_nm is required"):
        density_of_states(e, dimensionality=2, effective_mass=m)
