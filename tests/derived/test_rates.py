"""physics.rates: transfer from lifetimes, k_r/k_nr, Marcus, Förster and tunnelling limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import constants as sc

from heterolab.errors import ParameterError
from heterolab.physics import rates


# ----------------------------------------------------------------------------- lifetimes
def test_thesis_vis_gsb_transfer_rate_and_efficiency() -> None:
    # Thesis §3.3.3 / verification V13: 1/0.52 - 1/8.08 ps^-1, tau_ET = 0.556 ps, eta = 93.6 %
    k = rates.transfer_rate_from_lifetimes(8.08, 0.52)
    assert k == pytest.approx(1 / 0.52 - 1 / 8.08, rel=1e-12)
    assert 1 / k == pytest.approx(0.5558, abs=5e-4)
    eta = rates.transfer_efficiency_from_lifetimes(8.08, 0.52)
    assert eta == pytest.approx(0.9356, abs=5e-5)
    # eta = k_ET / (k_ET + 1/tau_D): the two forms of P-38 agree
    assert eta == pytest.approx(k / (k + 1 / 8.08), rel=1e-12)


def test_amplitude_estimator_thesis_tables_3_3_3_4() -> None:
    # fast fraction 9.27 % -> 47.46 % gives 42.1 % (verification V13)
    assert rates.transfer_efficiency_from_amplitudes(0.4746, 0.0927) == pytest.approx(
        0.4209, abs=1e-4
    )
    # no change in the fast fraction = no transfer; all fast = complete transfer
    assert rates.transfer_efficiency_from_amplitudes(0.3, 0.3) == 0.0
    assert rates.transfer_efficiency_from_amplitudes(1.0, 0.3) == 1.0


def test_rise_estimators() -> None:
    assert rates.injection_rate_from_rise(0.55) == pytest.approx(1.818, abs=1e-3)
    assert rates.added_rise_time(0.55, 0.30) == pytest.approx(0.25)
    with pytest.raises(ParameterError, match="cannot be faster than the bare acceptor"):
        rates.added_rise_time(0.2, 0.3)


def test_transfer_rejects_longer_quenched_lifetime() -> None:
    with pytest.raises(ParameterError) as exc:
        rates.transfer_rate_from_lifetimes(1.0, 2.0)
    assert str(exc.value) == (
        "tau_da = 2.0 must be shorter than tau_d = 1.0: the acceptor cannot lengthen the "
        "donor lifetime (no transfer to quantify)"
    )
    with pytest.raises(ParameterError, match="tau_d must be positive and finite, got -1"):
        rates.transfer_efficiency_from_lifetimes(-1, 0.5)


def test_radiative_rates_thesis_films() -> None:
    # Verification V14: 1.0 % / 82.5 ns -> k_r 1.2e5 s^-1; 2.1 % / 19.5 ns -> 1.1e6 s^-1
    assert rates.radiative_rate(0.010, 82.5e-9) == pytest.approx(1.21e5, rel=5e-3)
    assert rates.radiative_rate(0.021, 19.5e-9) == pytest.approx(1.08e6, rel=5e-3)
    # k_r + k_nr = 1/tau for any PLQY
    q = np.array([0.0, 0.3, 1.0])
    total = rates.radiative_rate(q, 4.0) + rates.nonradiative_rate(q, 4.0)
    np.testing.assert_allclose(total, 0.25, rtol=1e-14)
    with pytest.raises(ParameterError, match=r"plqy must be a fraction between 0 and 1, got 1\.5"):
        rates.radiative_rate(1.5, 1.0)


# ----------------------------------------------------------------------------- Marcus
def test_marcus_rate_is_maximal_at_activationless_point() -> None:
    lam, h, T = 0.4, 5e-3, 298.15
    dg = np.linspace(-1.2, 0.2, 2801)
    k = rates.marcus_rate(dg, lam, h, T)
    assert dg[np.argmax(k)] == pytest.approx(-lam, abs=1e-3)
    assert k.max() == pytest.approx(rates.marcus_max_rate(lam, h, T), rel=1e-9)
    # inverted region: the parabola is symmetric about -dG = lambda
    assert rates.marcus_rate(-lam - 0.2, lam, h, T) == pytest.approx(
        rates.marcus_rate(-lam + 0.2, lam, h, T), rel=1e-12
    )


def test_marcus_prefactor_against_hand_computation() -> None:
    lam, h, T, dg = 0.3, 0.01, 300.0, -0.1
    kt = sc.k * T / sc.e
    hbar_ev = sc.hbar / sc.e
    expected = (
        2
        * math.pi
        / hbar_ev
        * h**2
        / math.sqrt(4 * math.pi * lam * kt)
        * math.exp(-((dg + lam) ** 2) / (4 * lam * kt))
    )
    assert rates.marcus_rate(dg, lam, h, T) == pytest.approx(expected, rel=1e-12)
    # activation energy (dG + lam)^2 / (4 lam) from an Arrhenius slope between two temperatures
    k1, k2 = rates.marcus_rate(dg, lam, h, 280.0), rates.marcus_rate(dg, lam, h, 320.0)
    # ln(k sqrt(T)) = const - Ea/(kB T)
    ea = -(math.log(k2 * math.sqrt(320.0)) - math.log(k1 * math.sqrt(280.0))) / (
        1 / (sc.k / sc.e * 320.0) - 1 / (sc.k / sc.e * 280.0)
    )
    assert ea == pytest.approx((dg + lam) ** 2 / (4 * lam), rel=1e-9)


def test_marcus_distance_decay() -> None:
    k = rates.marcus_rate_at_distance(1e12, np.array([0.3, 0.8, 1.3]), 0.3, 10.0)
    np.testing.assert_allclose(k[1:] / k[:-1], math.exp(-5.0), rtol=1e-12)
    assert k[0] == 1e12


# ----------------------------------------------------------------------------- Förster
def test_forster_efficiency_half_at_r0_and_rate_equals_donor_decay() -> None:
    assert rates.forster_efficiency(5.0, 5.0) == pytest.approx(0.5)
    assert rates.forster_rate(2.0, 5.0, 5.0) == pytest.approx(0.5)  # k = 1/tau_D at r = R0
    for geometry in ("point", "plane", "slab"):
        assert rates.forster_efficiency(3.0, 3.0, geometry) == pytest.approx(0.5)
    # E = k/(k + 1/tau_D) at any distance (Lakowicz 2006 Eq. 13.11 vs 13.12)
    r = np.array([2.0, 4.0, 7.0])
    k = rates.forster_rate(3.0, r, 4.0)
    np.testing.assert_allclose(rates.forster_efficiency(r, 4.0), k / (k + 1 / 3.0), rtol=1e-12)
    # slope: r^-6, r^-4, r^-3
    for geometry, p in rates.FORSTER_EXPONENTS.items():
        ratio = rates.forster_rate(1.0, 2.0, 4.0, geometry) / rates.forster_rate(
            1.0, 4.0, 4.0, geometry
        )
        assert ratio == pytest.approx(2.0**p)
    with pytest.raises(
        ParameterError, match="geometry must be one of point, plane, slab, got 'line'"
    ):
        rates.forster_efficiency(1.0, 1.0, "line")  # type: ignore[arg-type]


def test_forster_radius_from_first_principles() -> None:
    # Lakowicz 2006 Eq. 13.5: R0^6 = 9000 ln10 kappa^2 Q J / (128 pi^5 n^4 N_A), J in M^-1 cm^3;
    # the 0.0211 nm prefactor of Eq. 13.8 is that constant for J in M^-1 cm^-1 nm^4.
    k2, n, q, j_nm = 2 / 3, 1.4, 0.5, 1e15
    j_cm3 = j_nm * 1e-28  # nm^4 = 1e-28 cm^4
    r0_cm = (9000 * math.log(10) * k2 * q * j_cm3 / (128 * math.pi**5 * n**4 * sc.N_A)) ** (1 / 6)
    assert rates.forster_radius_nm(j_nm, q, n, k2) == pytest.approx(r0_cm * 1e7, rel=1e-3)
    with pytest.raises(ParameterError, match=r"kappa2 must lie in \[0, 4\], got 5"):
        rates.forster_radius_nm(j_nm, q, n, 5)


# ----------------------------------------------------------------------------- tunnelling
def test_tunnelling_exact_matches_transfer_matrix() -> None:
    """Exact formula vs an independent numerical transfer-matrix solution of Schrödinger's eq."""
    V, a, m = 1.0, 0.8, 0.25
    hb2m = sc.hbar**2 / (2 * sc.m_e) / sc.e * 1e18  # eV nm^2

    def transfer_matrix(E: float) -> float:
        # unknowns (r, A, B, t): psi = e^{ikx} + r e^{-ikx} | A e^{iqx} + B e^{-iqx} | t e^{ikx}
        k = math.sqrt(m * E / hb2m)
        q = np.sqrt(complex(m * (E - V) / hb2m))
        eq, emq, ek = np.exp(1j * q * a), np.exp(-1j * q * a), np.exp(1j * k * a)
        M = np.array(
            [
                [1, -1, -1, 0],
                [-1j * k, -1j * q, 1j * q, 0],
                [0, eq, emq, -ek],
                [0, 1j * q * eq, -1j * q * emq, -1j * k * ek],
            ]
        )
        sol = np.linalg.solve(M, np.array([-1, -1j * k, 0, 0]))
        return abs(sol[3]) ** 2

    for E in (0.2, 0.7, 1.3, 2.5):
        assert rates.tunnelling_transmission_rectangular(E, V, a, m) == pytest.approx(
            transfer_matrix(E), rel=1e-9
        )
    # continuous through E = V
    near = rates.tunnelling_transmission_rectangular(
        np.array([V * (1 - 1e-7), V, V * (1 + 1e-7)]), V, a, m
    )
    np.testing.assert_allclose(near, near[1], rtol=1e-5)


def test_wkb_approaches_exact_for_opaque_barrier() -> None:
    E, V, m = 0.5, 1.0, 0.2
    for a in (3.0, 6.0):
        exact = rates.tunnelling_transmission_rectangular(E, V, a, m)
        wkb = rates.tunnelling_transmission_wkb(E, V, a, m)
        # exact -> 16 E (V-E)/V^2 exp(-2 kappa a) when kappa a >> 1
        assert exact / wkb == pytest.approx(16 * E * (V - E) / V**2, rel=1e-3)
    with pytest.raises(ParameterError, match="WKB tunnelling needs energy_ev < barrier_ev"):
        rates.tunnelling_transmission_wkb(1.5, 1.0, 1.0, 0.2)
