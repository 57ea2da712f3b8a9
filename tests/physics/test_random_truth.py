"""Seeded random inputs over the valid range of the physics models, checked against
independent formulas written here, round trips and limiting cases; out-of-range inputs give
a ParameterError that names the problem (never a numpy/scipy exception)."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.physics import confinement, sizing, transport

HBAR = 1.054571817e-34
M0 = 9.1093837015e-31
E = 1.602176634e-19
EPS0 = 8.8541878128e-12
KB = 1.380649e-23


def _brus_here(d_nm, eg, me, mh, eps):
    """Brus (1984) with Kayanuma's correlation term, SI constants written here."""
    r = 0.5 * d_nm * 1e-9
    mu = me * mh / (me + mh)
    kinetic = HBAR**2 * math.pi**2 / (2 * mu * M0 * r**2) / E
    coulomb = 1.786 * E / (4 * math.pi * EPS0 * eps * r)
    rydberg = mu * M0 * E**4 / (2 * (4 * math.pi * EPS0 * eps * HBAR) ** 2) / E
    return eg + kinetic - coulomb - 0.248 * rydberg


@pytest.mark.parametrize("model", ["brus", "BRUS", "Brus", "kinetic", "Weak", "cube", "thesis"])
def test_confinement_energy_round_trip_any_case(model):
    """The inverse returns the diameter for every model name in any case: "BRUS" searched
    0.5-500 nm across the unphysical branch and refused energies the model reaches."""
    rng = np.random.default_rng(zlib.crc32(model.encode()))  # hash() varies per process
    for _ in range(40):
        me, mh = 10 ** rng.uniform(-1.5, 0.5, 2)
        eps, eg = rng.uniform(2, 20), rng.uniform(0.3, 3.5)
        kw = {"band_gap_ev": eg, "electron_mass": me, "hole_mass": mh, "eps_r": eps}
        hi = 400.0
        if model.lower() == "brus":
            hi = min(hi, 0.99 * confinement.brus_minimum_diameter_nm(me, mh, eps))
        d = float(10 ** rng.uniform(math.log10(0.6), math.log10(hi)))
        e = confinement.exciton_energy_ev(d, model=model, **kw)
        if model.lower() == "brus":
            # 1 µeV absolute: near E = 0 (the correlation term can cancel the gap) the
            # relative error of terms of ~1 eV is meaningless
            assert e == pytest.approx(_brus_here(d, eg, me, mh, eps), rel=1e-6, abs=1e-6)
        back = confinement.diameter_from_exciton_energy_nm(e, model=model, **kw)
        assert back == pytest.approx(d, rel=1e-7)


def test_pbs_sizing_round_trip_and_limits():
    rng = np.random.default_rng(2)
    for d in 10 ** rng.uniform(0, 1.5, 100):
        for unit in ("nm", "eV", "NM"):
            peak = sizing.pbs_peak_from_diameter(d, unit.lower())
            assert sizing.pbs_diameter_from_peak(peak, unit) == pytest.approx(d, rel=1e-9)
    # Moreels 2009 written here: E0 = 0.41 + 1/(0.0252 d^2 + 0.283 d)
    assert sizing.pbs_peak_from_diameter(3.0, "eV") == pytest.approx(
        0.41 + 1 / (0.0252 * 9 + 0.283 * 3)
    )
    for peak, unit in [(5000, "nm"), (0.3, "eV"), (-1, "nm"), (math.nan, "nm"), (800, "cm")]:
        with pytest.raises(ParameterError):
            sizing.pbs_diameter_from_peak(peak, unit)


def test_transport_round_trips_einstein_and_first_mode():
    rng = np.random.default_rng(3)
    for _ in range(200):
        tau0 = 10 ** rng.uniform(-1, 3)  # ns
        tq = tau0 * rng.uniform(0.01, 0.999)
        thick = 10 ** rng.uniform(1, 3)  # nm
        ld = transport.diffusion_length_first_mode(tau0, tq, thick)
        assert transport.implied_thickness_first_mode(ld, tau0, tq) == pytest.approx(thick)
        d = transport.diffusion_coefficient_first_mode(tau0 * 1e-9, tq * 1e-9, thick * 1e-9)
        # first mode: 1/tau_q = 1/tau0 + pi^2 D / (4 L^2)
        assert 1 / (tq * 1e-9) == pytest.approx(
            1 / (tau0 * 1e-9) + math.pi**2 * d / (4 * (thick * 1e-9) ** 2)
        )
        assert transport.diffusion_length_from_coefficient(d, tau0 * 1e-9) * 1e9 == pytest.approx(
            ld
        )
        t_k = rng.uniform(4, 600)
        mu = transport.einstein_mobility(d, temperature_k=t_k)
        assert mu == pytest.approx(E * d / (KB * t_k), rel=1e-12)
        assert transport.einstein_temperature(d, mu) == pytest.approx(t_k)
        q = transport.steady_state_quenching(ld, thick)
        if 1e-12 < q < 1 - 1e-12:
            back = transport.diffusion_length_from_steady_state_quenching(q, thick)
            assert back == pytest.approx(ld, rel=1e-6)


@pytest.mark.parametrize("q", [1e-12, 1e-9, 1e-300, 0.5, 1 - 1e-15])
def test_steady_state_quenching_inverse_over_the_whole_open_interval(q):
    """q = 1e-12 raised scipy's 'f(a) and f(b) must have different signs' (bracket 1e-8)."""
    ld = transport.diffusion_length_from_steady_state_quenching(q, 100.0)
    assert transport.steady_state_quenching(ld, 100.0) == pytest.approx(q, rel=1e-6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: transport.einstein_mobility(1e-4, temperature_k=np.array([300.0, 200.0])),
            "one temperature",
        ),
        (lambda: transport.einstein_mobility(1e-4, temperature_k=-3), "temperature_k"),
        (
            lambda: transport.diffusion_coefficient_first_mode(
                np.array([1.0, 2.0]), np.array([0.5, 0.5, 0.5]), 1e-7
            ),
            "matching shapes",
        ),
        (lambda: transport.diffusion_length_first_mode(1.0, 2.0, 100.0), "shorter than tau0"),
        (
            lambda: transport.diffusion_length_from_steady_state_quenching(1.0, 100.0),
            "between 0 and 1",
        ),
        (
            lambda: confinement.diameter_from_exciton_energy_nm(
                2.0, band_gap_ev=1.0, electron_mass=0.1, hole_mass=0.1, eps_r=5.0, model="nope"
            ),
            "must be one of",
        ),
        (
            lambda: confinement.exciton_energy_ev(
                5.0, band_gap_ev=1.0, electron_mass=-0.1, hole_mass=0.1, eps_r=5.0
            ),
            "electron_mass",
        ),
    ],
)
def test_out_of_range_inputs_raise_parameter_error(call, match):
    """einstein_mobility with an array temperature raised a TypeError, mismatched lifetime
    arrays a numpy broadcasting ValueError."""
    with pytest.raises(ParameterError, match=match):
        call()
