"""IRF-width dispersion (width as a polynomial in wavelength; issue #11) against a generator
written here: closed-form sequential populations convolved numerically, at each wavelength,
with a Gaussian whose width grows linearly with wavelength."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.target import fit_target, model_from_mapping

T = np.concatenate([np.linspace(-0.6, 1.5, 85), np.geomspace(1.55, 100.0, 40)])
WL = np.linspace(450.0, 650.0, 15)
K1, K2, T0 = 1 / 0.3, 1 / 20.0, 0.1
SIGMA0, W1 = 0.08, 0.04  # σ(λ) = 0.08 + 0.04 (λ - 550 nm)/100 nm: 0.04-0.12 ps


def _matrix(seed: int):
    step = 0.002
    fine = np.arange(-2.0, 102.0, step)
    tp = np.clip(fine, 0, None)
    a = np.exp(-K1 * tp) * (fine >= 0)
    b = K1 / (K2 - K1) * (np.exp(-K1 * tp) - np.exp(-K2 * tp)) * (fine >= 0)
    sa = -0.01 * np.exp(-(((WL - 500) / 60) ** 2))
    sb = 0.008 * np.exp(-(((WL - 600) / 60) ** 2))
    y = np.empty((T.size, WL.size))
    for j, wl in enumerate(WL):
        sigma = SIGMA0 + W1 * (wl - 550.0) / 100.0
        g = np.exp(-0.5 * (np.arange(-6 * sigma, 6 * sigma + step / 2, step) / sigma) ** 2)
        g /= g.sum()
        ca, cb = (np.interp(T - T0, fine, np.convolve(p, g, mode="same")) for p in (a, b))
        y[:, j] = ca * sa[j] + cb * sb[j]
    y += np.random.default_rng(seed).normal(0.0, 5e-5, y.shape)
    return make_ta_array(y, T, WL)


def _model(width_dispersion: bool):
    irf = {"center": "irf_center", "width": "irf_width", "dispersion_center": 550.0}
    params = {"k1": 2.0, "k2": 0.1, "irf_center": 0.0, "irf_width": 0.1}
    if width_dispersion:
        irf["width_dispersion"] = ["w1"]
        params["w1"] = 0.0
    return model_from_mapping(
        {
            "compartments": ["a", "b"],
            "transitions": [
                {"from": "a", "to": "b", "rate": "k1"},
                {"from": "b", "to": "ground", "rate": "k2"},
            ],
            "parameters": params,
            "datasets": [{"name": "d", "initial": {"a": 1.0}, "irf": irf}],
        }
    )


@pytest.mark.slow
def test_width_dispersion_recovers_the_width_slope_and_the_rates() -> None:
    da = _matrix(seed=2)
    res = fit_target(_model(True), da)
    assert res.ok, res.message
    for name, truth in (("k1", K1), ("k2", K2), ("irf_width", SIGMA0), ("w1", W1)):
        q = res.parameters[name]
        assert abs(q.value - truth) < 4 * q.stderr, (name, q, truth)
    assert res.parameters["w1"].unit == "ps"
    plain = fit_target(_model(False), da)
    assert plain.statistics["sse"] > 1.5 * res.statistics["sse"]
