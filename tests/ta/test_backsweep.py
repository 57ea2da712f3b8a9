"""Synchroscan streak-camera backsweep (issue #11) against a generator written here.

The generator sums the pulses explicitly (no geometric series, no heterolab kernel): the
decay of the current pulse convolved numerically with the Gaussian IRF, plus the decays of
the 40 earlier pulses at x + nT and the light of the current and 40 earlier pulses imaged by
the sweep's return half at T/2 - x + nT.
"""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.target import fit_target, model_from_mapping

PERIOD = 13160.0  # ps, 76 MHz synchroscan
TAUS = (250.0, 2500.0)  # ps
SIGMA, T0 = 8.0, 50.0  # ps
T = np.linspace(0.0, 1500.0, 240)
WL = np.linspace(680.0, 740.0, 13)


def _streak(seed: int) -> object:
    fine = np.arange(-200.0, 1700.0, 0.5)
    kernel = np.exp(-0.5 * (np.arange(-6 * SIGMA, 6 * SIGMA + 0.25, 0.5) / SIGMA) ** 2)
    kernel /= kernel.sum()
    traces = []
    for tau in TAUS:
        x = fine - T0
        main = np.convolve(
            np.where(x >= 0, np.exp(-np.clip(x, 0, None) / tau), 0.0), kernel, "same"
        )
        earlier = sum(np.exp(-(x + n * PERIOD) / tau) for n in range(1, 41))
        back = sum(np.exp(-(PERIOD / 2 - x + n * PERIOD) / tau) for n in range(41))
        traces.append(np.interp(T, fine, main + earlier + back))
    das = np.stack([np.exp(-(((WL - 700) / 20) ** 2)), 0.6 * np.exp(-(((WL - 720) / 25) ** 2))])
    y = np.stack(traces, axis=1) @ das
    y += np.random.default_rng(seed).normal(0.0, 2e-3, y.shape)
    return make_ta_array(y, T, WL)


def _model(backsweep: bool):
    irf = {"center": "irf_center", "width": "irf_width"}
    if backsweep:
        irf["backsweep_period"] = "period"
    return model_from_mapping(
        {
            "compartments": ["s1", "s2"],
            "transitions": [
                {"from": "s1", "to": "ground", "rate": "k1"},
                {"from": "s2", "to": "ground", "rate": "k2"},
            ],
            "parameters": {
                "k1": 1 / 150.0,
                "k2": 1 / 1500.0,
                "irf_center": 40.0,
                "irf_width": 10.0,
                "period": {"value": PERIOD, "vary": False},
            },
            "datasets": [{"name": "streak", "initial": {"s1": 1.0, "s2": 1.0}, "irf": irf}],
        }
    )


@pytest.mark.slow
def test_backsweep_recovers_the_lifetimes_that_a_plain_fit_biases() -> None:
    da = _streak(seed=5)
    res = fit_target(_model(True), da)
    assert res.ok, res.message
    for rate, tau in zip(("k1", "k2"), TAUS, strict=True):
        q = res.derived[f"tau_{rate}"]
        assert abs(q.value - tau) < 3 * q.stderr, (rate, q)
    assert res.parameters["period"].value == PERIOD
    plain = fit_target(_model(False), da)
    slow = plain.derived["tau_k2"]
    assert abs(slow.value - TAUS[1]) > 10 * slow.stderr  # the backsweep biases it
    assert plain.statistics["sse"] > 2 * res.statistics["sse"]
