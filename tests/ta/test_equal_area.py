"""Equal-area penalties (issue #11) against a generator written here.

Two parallel decays from one excitation with an unknown branching p: with free spectra p
only rescales the second spectrum, so the data cannot determine it. A penalty that ties the
areas of the two spectra (true here) determines it (pyglotaran's equal_area_penalties)."""

from __future__ import annotations

import numpy as np

from heterolab.errors import ModelError
from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.target import fit_target, model_from_mapping

T = np.concatenate([np.linspace(-1.0, 2.0, 61), np.geomspace(2.1, 500.0, 50)])
WL = np.linspace(450.0, 650.0, 21)
K1, K2, P, T0, SIGMA = 1 / 1.5, 1 / 60.0, 0.6, 0.2, 0.08


def _matrix(seed: int):
    step = 0.004
    fine = np.arange(-3.0, 510.0, step)
    g = np.exp(-0.5 * (np.arange(-6 * SIGMA, 6 * SIGMA + step / 2, step) / SIGMA) ** 2)
    g /= g.sum()
    pops = [
        np.interp(
            T - T0, fine, np.convolve(np.exp(-k * np.clip(fine, 0, None)) * (fine >= 0), g, "same")
        )
        for k in (K1, K2)
    ]
    s1 = 0.01 * np.exp(-(((WL - 520) / 40) ** 2))
    s2 = 0.01 * np.exp(-(((WL - 590) / 40) ** 2))
    s2 *= s1.sum() / s2.sum()  # equal areas, as the penalty assumes
    y = np.outer(pops[0], s1) + P * np.outer(pops[1], s2)
    y += np.random.default_rng(seed).normal(0.0, 1e-4, y.shape)
    return make_ta_array(y, T, WL)


def _model(penalty: bool):
    ds = {
        "name": "d",
        "initial": {"s1": 1.0, "s2": "p"},
        "irf": {"center": "irf_center", "width": "irf_width"},
    }
    if penalty:
        ds["equal_area"] = [{"compartment": "s2", "target": "s1", "weight": 10.0}]
    return model_from_mapping(
        {
            "compartments": ["s1", "s2"],
            "transitions": [
                {"from": "s1", "to": "ground", "rate": "k1"},
                {"from": "s2", "to": "ground", "rate": "k2"},
            ],
            "parameters": {
                "k1": 0.5,
                "k2": 0.02,
                "p": {"value": 1.0, "min": 0.0},
                "irf_center": 0.1,
                "irf_width": 0.1,
            },
            "datasets": [ds],
        }
    )


def test_equal_area_penalty_determines_the_branching_the_data_cannot() -> None:
    da = _matrix(seed=3)
    res = fit_target(_model(True), da)
    assert res.ok, res.message
    p = res.parameters["p"]
    assert abs(p.value - P) < 4 * p.stderr and p.stderr < 0.05
    spectra = res.curves["d/spectra"]
    a1, a2 = (float(spectra.sel(species=s).sum()) for s in ("s1", "s2"))
    assert abs(a2 - a1) < 0.02 * abs(a1)
    for rate, k in (("k1", K1), ("k2", K2)):
        q = res.parameters[rate]
        assert abs(q.value - k) < 4 * q.stderr
    plain = fit_target(_model(False), da)
    assert plain.status != "ok" and "p" in plain.statistics["undetermined"]


def test_equal_area_with_an_unknown_compartment_is_refused() -> None:
    spec = _model(True)
    bad = {
        "compartments": ["s1"],
        "transitions": [{"from": "s1", "to": "ground", "rate": "k1"}],
        "parameters": {"k1": 1.0, "c": 0.0, "w": 0.1},
        "datasets": [
            {
                "name": "d",
                "initial": {"s1": 1.0},
                "irf": {"center": "c", "width": "w"},
                "equal_area": [{"compartment": "s9", "target": "s1", "weight": -1.0}],
            }
        ],
    }
    assert spec.datasets[0].equal_area
    try:
        model_from_mapping(bad)
    except ModelError as exc:
        assert "equal_area names unknown compartment 's9'" in str(exc)
        assert "equal_area weight must be > 0" in str(exc)
    else:
        raise AssertionError("no ModelError")
