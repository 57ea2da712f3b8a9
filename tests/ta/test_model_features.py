"""Modelling-language features of TOML target models against ground truth from a generator
written here (issue #11): parameter expressions with bounds, a baseline component."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.target import fit_target, model_from_mapping

T = np.concatenate([np.linspace(-1, 2, 61), np.geomspace(2.1, 500, 40)])
WL = np.linspace(450, 650, 21)


def _sequential(k1: float, k2: float, offset: float, seed: int):
    """A -> B -> ground, closed form, Gaussian IRF by numerical convolution (σ 0.08 ps at
    0.2 ps), plus a constant offset spectrum ``offset`` x cos present at all delays."""
    fine = np.arange(-3.0, 510.0, 0.004)
    tp = np.clip(fine, 0, None)
    a = np.exp(-k1 * tp)
    b = k1 / (k2 - k1) * (np.exp(-k1 * tp) - np.exp(-k2 * tp))
    g = np.exp(-0.5 * (np.arange(-0.5, 0.5001, 0.004) / 0.08) ** 2)
    g /= g.sum()
    pops = [np.convolve(p * (fine >= 0), g, mode="same") for p in (a, b)]
    conc = np.array([np.interp(T - 0.2, fine, p) for p in pops])
    sa = -0.01 * np.exp(-(((WL - 500) / 40) ** 2))
    sb = 0.008 * np.exp(-(((WL - 600) / 40) ** 2))
    y = conc.T @ np.stack([sa, sb]) + offset * np.cos(WL / 50.0)[None, :]
    y += np.random.default_rng(seed).normal(0, 1e-4, y.shape)
    return make_ta_array(y, T, WL)


def _spec(baseline: bool, k2: object = 0.1) -> dict:
    return {
        "compartments": ["a", "b"],
        "transitions": [
            {"from": "a", "to": "b", "rate": "k1"},
            {"from": "b", "to": "ground", "rate": "k2"},
        ],
        "parameters": {
            "k1": {"value": 1.0},
            "k2": k2,
            "irf_center": 0.1,
            "irf_width": 0.1,
        },
        "datasets": [
            {
                "name": "d",
                "initial": {"a": 1.0},
                "irf": {"center": "irf_center", "width": "irf_width"},
                "baseline": baseline,
            }
        ],
    }


def test_baseline_component_recovers_rates_and_the_offset_spectrum() -> None:
    da = _sequential(2.0, 0.05, 0.002, seed=1)
    res = fit_target(model_from_mapping(_spec(True)), da)
    assert res.ok, res.message
    for name, truth in (("k1", 2.0), ("k2", 0.05)):
        assert abs(res[name].value - truth) < 4 * res[name].stderr, (name, res[name])
    base = res.curves["d/spectra"].sel(species="baseline").values
    np.testing.assert_allclose(base, 0.002 * np.cos(WL / 50.0), atol=1e-4)
    without = fit_target(model_from_mapping(_spec(False)), da)
    assert without.statistics["sse"] > 5 * res.statistics["sse"]


def test_expression_with_bounds_ties_and_bounds_the_rates() -> None:
    """k2 = k1 / ratio with ratio bounded; a bound below the truth ends the fit on it."""
    da = _sequential(2.0, 0.05, 0.0, seed=2)
    spec = _spec(False, k2="k1 / ratio")
    spec["parameters"]["ratio"] = {"value": 10.0, "min": 1.0, "max": 100.0}
    res = fit_target(model_from_mapping(spec), da)
    assert res.ok, res.message
    assert res["ratio"].value == pytest.approx(40.0, abs=4 * res["ratio"].stderr)
    assert res["k2"].value == pytest.approx(res["k1"].value / res["ratio"].value, rel=1e-12)
    spec["parameters"]["ratio"] = {"value": 10.0, "min": 1.0, "max": 20.0}
    capped = fit_target(model_from_mapping(spec), da)
    assert capped.status == "suspect" and "ratio = 20 is at its bound" in capped.message


def _oscillating(nu: float, gamma: float, seed: int):
    """A -> ground (2 ps) plus a damped cosine wavepacket e^{-γt} cos(2π c ν̃ t) with its own
    spectrum; σ = 0.03 ps, numerical convolution on a 1 fs grid."""
    t = np.concatenate([np.arange(-0.5, 3.0, 0.01), np.geomspace(3.05, 100, 30)])
    fine = np.arange(-1.0, 101.0, 0.001)
    tp = np.clip(fine, 0, None)
    omega = 2 * np.pi * 2.99792458e-2 * nu
    cols = [np.exp(-tp / 2.0), np.exp(-gamma * tp) * np.cos(omega * tp)]
    g = np.exp(-0.5 * (np.arange(-0.2, 0.2005, 0.001) / 0.03) ** 2)
    g /= g.sum()
    conc = np.array(
        [np.interp(t - 0.1, fine, np.convolve(c * (fine >= 0), g, "same")) for c in cols]
    )
    spectra = np.stack(
        [-0.01 * np.exp(-(((WL - 520) / 50) ** 2)), 0.003 * np.exp(-(((WL - 600) / 30) ** 2))]
    )
    y = conc.T @ spectra + np.random.default_rng(seed).normal(0, 5e-5, (t.size, WL.size))
    return make_ta_array(y, t, WL)


def test_damped_oscillation_recovers_frequency_and_damping() -> None:
    da = _oscillating(150.0, 1.5, seed=4)
    spec = {
        "compartments": ["a"],
        "transitions": [{"from": "a", "to": "ground", "rate": "k1"}],
        "parameters": {
            "k1": 0.3,
            "irf_center": 0.1,
            "irf_width": 0.04,
            "nu": 140.0,
            "gamma": 1.0,
        },
        "datasets": [
            {
                "name": "d",
                "initial": {"a": 1.0},
                "irf": {"center": "irf_center", "width": "irf_width"},
                "oscillations": [{"frequency": "nu", "damping": "gamma"}],
            }
        ],
    }
    res = fit_target(model_from_mapping(spec), da)
    assert res.ok, res.message
    for name, truth in (("nu", 150.0), ("gamma", 1.5), ("k1", 0.5)):
        assert abs(res[name].value - truth) < 4 * res[name].stderr, (name, res[name])
    assert res.parameters["nu"].unit == "1/cm"
    cos = res.curves["d/spectra"].sel(species="osc1_cos").values
    np.testing.assert_allclose(cos, 0.003 * np.exp(-(((WL - 600) / 30) ** 2)), atol=3e-4)


def test_multi_gaussian_irf_recovers_the_rates_and_the_second_gaussian() -> None:
    """IRF = G(σ 0.05) + 0.4 G(σ 0.25, +0.3 ps) (normalised), numerical convolution."""
    t = np.concatenate([np.arange(-1.0, 3.0, 0.02), np.geomspace(3.05, 300, 40)])
    fine = np.arange(-3.0, 305.0, 0.002)
    tp = np.clip(fine, 0, None)
    k1, k2 = 1.25, 0.04
    pops = [np.exp(-k1 * tp), k1 / (k2 - k1) * (np.exp(-k1 * tp) - np.exp(-k2 * tp))]
    u = np.arange(-1.5, 1.5001, 0.002)
    g = np.exp(-0.5 * (u / 0.05) ** 2) / 0.05 + 0.4 * np.exp(-0.5 * ((u - 0.3) / 0.25) ** 2) / 0.25
    g /= g.sum()
    conc = np.array(
        [np.interp(t - 0.2, fine, np.convolve(p * (fine >= 0), g, "same")) for p in pops]
    )
    spectra = np.stack(
        [-0.01 * np.exp(-(((WL - 500) / 40) ** 2)), 0.008 * np.exp(-(((WL - 600) / 40) ** 2))]
    )
    y = conc.T @ spectra + np.random.default_rng(6).normal(0, 5e-5, (t.size, WL.size))
    spec = _spec(False)
    spec["parameters"].update({"w2": 0.2, "s2": 0.2, "a2": 0.2, "irf_width": 0.07})
    spec["datasets"][0]["irf"]["extra"] = [{"width": "w2", "shift": "s2", "amplitude": "a2"}]
    res = fit_target(model_from_mapping(spec), make_ta_array(y, t, WL))
    assert res.ok, res.message
    truth = {"k1": k1, "k2": k2, "irf_width": 0.05, "w2": 0.25, "s2": 0.3, "a2": 0.4}
    for name, value in truth.items():
        assert abs(res[name].value - value) < 4 * res[name].stderr, (name, res[name])
    single = fit_target(model_from_mapping(_spec(False)), make_ta_array(y, t, WL))
    assert abs(single["k1"].value - k1) > 4 * single["k1"].stderr  # one Gaussian is biased


def test_nonnegative_spectra_stay_non_negative_and_keep_the_rates() -> None:
    """Emission-like data: both species' spectra >= 0 and zero over part of the range."""
    fine = np.arange(-3.0, 510.0, 0.004)
    tp = np.clip(fine, 0, None)
    k1, k2 = 0.5, 0.02
    pops = [np.exp(-k1 * tp), k1 / (k2 - k1) * (np.exp(-k1 * tp) - np.exp(-k2 * tp))]
    g = np.exp(-0.5 * (np.arange(-0.5, 0.5001, 0.004) / 0.08) ** 2)
    g /= g.sum()
    conc = np.array(
        [np.interp(T - 0.2, fine, np.convolve(p * (fine >= 0), g, "same")) for p in pops]
    )
    sa = 0.01 * np.clip(np.sin((WL - 450) / 60.0), 0, None)
    sb = 0.01 * np.exp(-(((WL - 620) / 25) ** 2))
    y = conc.T @ np.stack([sa, sb]) + np.random.default_rng(8).normal(0, 3e-4, (T.size, WL.size))
    da = make_ta_array(y, T, WL)
    spec = _spec(False)
    free = fit_target(model_from_mapping(spec), da)
    spec["datasets"][0]["nonnegative"] = ["a", "b"]
    res = fit_target(model_from_mapping(spec), da)
    assert res.ok, res.message
    spectra = res.curves["d/spectra"].sel(species=["a", "b"]).values
    assert spectra.min() >= 0.0
    assert free.curves["d/spectra"].sel(species=["a", "b"]).values.min() < 0.0
    for name, truth in (("k1", k1), ("k2", k2)):
        assert abs(res[name].value - truth) < 4 * res[name].stderr, (name, res[name])
    assert res.statistics["sse"] >= free.statistics["sse"] * (1 - 1e-9)


def test_species_tied_by_an_equal_constraint_stay_non_negative() -> None:
    """A free spectral column that feeds several non-negative species with positive factors
    (an 'equal' constraint) is bounded at 0; a negative factor or a free species leaves it
    unbounded."""
    from heterolab.kinetics.ta.varpro import nonnegative_columns

    labels = ["s1", "s2", "s3"]
    t = np.array([[1.0, 0.0], [0.7, 0.0], [0.0, 1.0]])  # s2 = 0.7 s1; s3 alone
    assert nonnegative_columns(t, labels, {"s1", "s2", "s3"}).tolist() == [0.0, 0.0]
    assert nonnegative_columns(t, labels, {"s1", "s3"}).tolist() == [-np.inf, 0.0]
    t[1, 0] = -0.7
    assert nonnegative_columns(t, labels, {"s1", "s2", "s3"}).tolist() == [-np.inf, 0.0]
