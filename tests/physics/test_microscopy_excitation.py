"""Electron optics (P-20, V18) and excitation occupancy (P-39, V20) against the spec."""

from __future__ import annotations

import pytest

from heterolab.errors import ParameterError
from heterolab.physics.excitation import (
    mean_occupancy,
    multiexciton_fraction,
    occupancy_probability,
    photon_fluence_per_cm2,
)
from heterolab.physics.microscopy import (
    chromatic_aberration_radius,
    electron_wavelength_pm,
    rayleigh_resolution_nm,
    scherzer_defocus,
    scherzer_resolution,
    spherical_aberration_radius,
)
from heterolab.physics.sizing import pbs_extinction_400nm


@pytest.mark.parametrize(("kv", "pm"), [(100, 3.701), (200, 2.508), (300, 1.969)])
def test_electron_wavelengths(kv, pm):
    assert electron_wavelength_pm(kv * 1e3) == pytest.approx(pm, abs=1e-3)


def test_tem_resolution_thesis_1_9_angstrom():
    lam = electron_wavelength_pm(300e3) * 1e-12
    assert scherzer_resolution(1e-3, lam) * 1e10 == pytest.approx(1.95, abs=0.01)
    assert scherzer_defocus(1e-3, lam) == pytest.approx(-1.2 * (1e-3 * lam) ** 0.5)
    # least-confusion disk is a quarter of the Gaussian-plane radius (Eq. 2-6 erratum)
    g = spherical_aberration_radius(1e-3, 0.01, "gaussian")
    assert g == pytest.approx(1e-9)
    assert spherical_aberration_radius(1e-3, 0.01) == pytest.approx(0.25 * g)
    assert chromatic_aberration_radius(1e-3, 0.01, 0.5, 300e3) == pytest.approx(
        1e-3 * 0.01 * 0.5 / 3e5
    )


def test_rayleigh_immersion_media_v18():
    assert rayleigh_resolution_nm(365, 1.5597, 72) == pytest.approx(150, abs=0.5)
    assert rayleigh_resolution_nm(365, 1.658, 72) == pytest.approx(141, abs=0.5)
    with pytest.raises(ParameterError, match=r"\(0, 90\]"):
        rayleigh_resolution_nm(365, 1.5, 100)


@pytest.mark.parametrize(
    ("f", "lam", "j"), [(6.03, 470, 1.43e13), (6.72, 470, 1.59e13), (12.30, 600, 3.72e13)]
)
def test_ta_photon_fluences_v20(f, lam, j):
    assert photon_fluence_per_cm2(f, lam) == pytest.approx(j, rel=0.005)


def test_pbs_occupancy_single_exciton_regime_v20():
    n29 = mean_occupancy(6.03, 470, molar_extinction=pbs_extinction_400nm(2.9))
    n34 = mean_occupancy(6.03, 470, molar_extinction=pbs_extinction_400nm(3.4))
    assert n29 == pytest.approx(0.031, abs=0.001)
    assert n34 == pytest.approx(0.050, abs=0.001)
    assert multiexciton_fraction(n34) < 0.03
    p = occupancy_probability([0, 1, 2, 3], 0.5)
    assert p[1] == pytest.approx(0.5 * p[0]) and p[2] == pytest.approx(0.25 / 2 * p[0])
    with pytest.raises(ParameterError, match="exactly one of"):
        mean_occupancy(1.0, 400)
    with pytest.raises(ParameterError, match="non-negative integers"):
        occupancy_probability(1.5, 0.1)
