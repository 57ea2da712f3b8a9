"""Derived quantities with seeded random inputs: transfer rate/time/efficiency, radiative
rates and first-mode transport against formulas written here, and their first-order errors
against a Monte Carlo of the inputs (normal errors) done in the test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.kinetics.trpl.transfer import (
    radiative_rates,
    transfer_from_lifetimes,
    transport_from_quenching,
)
from heterolab.result import Quantity

E = 1.602176634e-19
KB = 1.380649e-23


def _mc_std(f, means, errs, rng, n=40000):
    draws = [m + s * rng.standard_normal(n) for m, s in zip(means, errs, strict=True)]
    return float(np.std(f(*draws)))


def test_transfer_values_and_errors_against_formulas_and_monte_carlo():
    rng = np.random.default_rng(30)
    for _ in range(40):
        td = 10 ** rng.uniform(-1, 3)
        tda = td * rng.uniform(0.02, 0.8)
        rel = 10 ** rng.uniform(-3, -1.7)  # 0.1-2 %: first order holds
        r = transfer_from_lifetimes(Quantity(td, rel * td, "ns"), Quantity(tda, rel * tda, "ns"))
        k = 1 / tda - 1 / td
        assert r.value("k_ET") == pytest.approx(k, rel=1e-12)
        assert r.value("tau_ET") == pytest.approx(1 / k, rel=1e-12)
        assert r.value("eta") == pytest.approx(1 - tda / td, rel=1e-12)
        assert r.value("k_ET_per_s") == pytest.approx(k * 1e9, rel=1e-12)
        mc = {
            "k_ET": _mc_std(lambda a, b: 1 / b - 1 / a, [td, tda], [rel * td, rel * tda], rng),
            "eta": _mc_std(lambda a, b: 1 - b / a, [td, tda], [rel * td, rel * tda], rng),
        }
        for name, s in mc.items():
            assert r.derived[name].stderr == pytest.approx(s, rel=0.05), name
        assert r.status == "ok"


def test_transfer_with_an_insignificant_difference_is_suspect_with_an_interval():
    """tau_DA within its error of tau_D: the first-order tau_ET error is not honest."""
    rng = np.random.default_rng(31)
    for _ in range(20):
        td = 10 ** rng.uniform(0, 2)
        tda = td * rng.uniform(0.9, 0.99)
        r = transfer_from_lifetimes(Quantity(td, 0.05 * td, "ns"), Quantity(tda, 0.05 * tda, "ns"))
        assert r.status == "suspect", r.summary()
        lo, hi = r.statistics["tau_ET_interval_68"]
        assert lo < hi


def test_radiative_rates_against_formulas_and_monte_carlo():
    rng = np.random.default_rng(32)
    for _ in range(40):
        phi, tau = rng.uniform(0.01, 0.99), 10 ** rng.uniform(-1, 3)
        ep, et = 0.01 * phi, 0.01 * tau
        r = radiative_rates(Quantity(phi, ep, "1"), Quantity(tau, et, "ns"))
        assert r.value("k_r") == pytest.approx(phi / (tau * 1e-9), rel=1e-12)
        assert r.value("k_nr") == pytest.approx((1 - phi) / (tau * 1e-9), rel=1e-12)
        mc = _mc_std(lambda p, t: p / (t * 1e-9), [phi, tau], [ep, et], rng)
        assert r.derived["k_r"].stderr == pytest.approx(mc, rel=0.05)


def test_first_mode_transport_against_formulas_and_monte_carlo():
    rng = np.random.default_rng(33)
    for _ in range(25):
        tau0 = 10 ** rng.uniform(0, 3)
        tq = tau0 * rng.uniform(0.05, 0.9)
        thick, temp = rng.uniform(30, 500), rng.uniform(77, 400)
        err = 0.005
        r = transport_from_quenching(
            Quantity(tau0, err * tau0, "ns"),
            tau_q_electron=Quantity(tq, err * tq, "ns"),
            thickness_nm=thick,
            temperature_k=temp,
        )
        ld = 2 * thick / math.pi * math.sqrt(tau0 / tq - 1)
        d_cm2_s = (ld * 1e-7) ** 2 / (tau0 * 1e-9)
        assert r.value("L_D_electron") == pytest.approx(ld, rel=1e-9)
        assert r.value("D_electron") == pytest.approx(d_cm2_s, rel=1e-9)
        assert r.value("mu_electron") == pytest.approx(E * d_cm2_s / (KB * temp), rel=1e-9)

        def ld_of(a, b, thick=thick):
            return 2 * thick / math.pi * np.sqrt(a / b - 1)

        mc = _mc_std(ld_of, [tau0, tq], [err * tau0, err * tq], rng)
        assert r.derived["L_D_electron"].stderr == pytest.approx(mc, rel=0.07)
