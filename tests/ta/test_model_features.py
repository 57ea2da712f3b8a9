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
