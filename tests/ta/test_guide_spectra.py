"""Guidance spectra (issue #11; pyglotaran's clp guide, KiMoPack's fixed spectra) against a
generator written here.

Two parallel decays from one excitation with an unknown branching p: with free spectra p
only rescales the second spectrum, so the data alone cannot determine it (the fit says so).
A guide, the known spectrum of s2 (on its own, finer grid, over part of the data's range),
determines it: soft (rows weight (SAS - g)) and fixed (SAS = g).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heterolab.errors import ModelError
from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.target import fit_target, load_model, model_from_mapping

T = np.concatenate([np.linspace(-1.0, 2.0, 61), np.geomspace(2.1, 500.0, 50)])
WL = np.linspace(450.0, 650.0, 21)
K1, K2, P, T0, SIGMA, NOISE = 1 / 1.5, 1 / 60.0, 0.6, 0.2, 0.08, 1e-4
GUIDE_WL = np.arange(470.0, 630.01, 2.5)  # a finer grid than the data's, part of its range


def s1_true(wl: np.ndarray) -> np.ndarray:
    return 0.01 * np.exp(-(((wl - 520) / 40) ** 2))


def s2_true(wl: np.ndarray) -> np.ndarray:
    return 0.008 * np.exp(-(((wl - 590) / 45) ** 2)) - 0.003 * np.exp(-(((wl - 480) / 30) ** 2))


def matrix(seed: int):
    """Exponentials convolved numerically with the Gaussian IRF (4 fs grid), sampled at T - T0."""
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
    y = np.outer(pops[0], s1_true(WL)) + P * np.outer(pops[1], s2_true(WL))
    y += np.random.default_rng(seed).normal(0.0, NOISE, y.shape)
    return make_ta_array(y, T, WL)


def spec(guide: list | None = None):
    ds = {
        "name": "d",
        "initial": {"s1": 1.0, "s2": "p"},
        "irf": {"center": "irf_center", "width": "irf_width"},
    }
    if guide is not None:
        ds["guide"] = guide
    return {
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


def inline(fixed: bool = False, weight: float = 1.0) -> dict:
    return {
        "compartment": "s2",
        "wavelength": GUIDE_WL.tolist(),
        "value": s2_true(GUIDE_WL).tolist(),
        "weight": weight,
        "fixed": fixed,
    }


def check_recovered(res) -> None:
    assert res.ok, (res.status, res.warnings)
    for name, truth in (("p", P), ("k1", K1), ("k2", K2)):
        q = res.parameters[name]
        assert abs(q.value - truth) < 4 * q.stderr, (name, q, truth)
    p = res.parameters["p"]
    assert p.stderr < 0.02 * P


def test_without_a_guide_the_branching_is_undetermined() -> None:
    res = fit_target(model_from_mapping(spec()), matrix(seed=4))
    assert res.status != "ok" and "p" in res.statistics["undetermined"]


def test_a_soft_guide_determines_the_branching() -> None:
    res = fit_target(model_from_mapping(spec([inline(weight=10.0)])), matrix(seed=4))
    check_recovered(res)
    sas = res.curves["d/spectra"].sel(species="s2").values
    inside = (GUIDE_WL[0] <= WL) & (GUIDE_WL[-1] >= WL)
    # pulled to the guide where it exists, free (but still right) outside its range
    np.testing.assert_allclose(sas, s2_true(WL), atol=3e-4)
    assert np.max(np.abs(sas[inside] - s2_true(WL[inside]))) < 1e-4


def test_a_fixed_guide_is_the_spectrum_and_determines_the_branching(tmp_path: Path) -> None:
    # the same guide from a CSV file next to the model, read through load_model
    rows = "\n".join(f"{w:.2f},{v:.8e}" for w, v in zip(GUIDE_WL, s2_true(GUIDE_WL), strict=True))
    (tmp_path / "s2.csv").write_text("# wavelength (nm), SAS (OD)\nwavelength,s2\n" + rows + "\n")
    (tmp_path / "model.toml").write_text(
        """
compartments = ["s1", "s2"]
transitions = [{from = "s1", to = "ground", rate = "k1"}, {from = "s2", to = "ground", rate = "k2"}]
[parameters]
k1 = 0.5
k2 = 0.02
p = {value = 1.0, min = 0.0}
irf_center = 0.1
irf_width = 0.1
[[datasets]]
name = "d"
initial = {s1 = 1.0, s2 = "p"}
irf = {center = "irf_center", width = "irf_width"}
guide = [{compartment = "s2", file = "s2.csv", fixed = true}]
"""
    )
    res = fit_target(load_model(tmp_path / "model.toml"), matrix(seed=5))
    check_recovered(res)
    sas = res.curves["d/spectra"].sel(species="s2").values
    inside = (GUIDE_WL[0] <= WL) & (GUIDE_WL[-1] >= WL)
    np.testing.assert_allclose(sas[inside], s2_true(WL[inside]), atol=2e-6)  # interpolated


def test_invalid_guides_are_listed_together(tmp_path: Path) -> None:
    bad = spec(
        [
            {"compartment": "s9", "wavelength": [500.0, 510.0], "value": [1.0, 2.0]},
            {"compartment": "s2", "file": str(tmp_path / "missing.csv")},
            {"compartment": "s2", "wavelength": [500.0, 490.0], "value": [1.0], "weight": 0},
            {"compartment": "s1"},
            {"compartment": "s1", "wavelength": [500.0, 510.0], "value": [1, 2], "fixed": "yes"},
        ]
    )
    with pytest.raises(ModelError) as err:
        model_from_mapping(bad)
    msg = str(err.value)
    assert "guide #2: guide file" in msg and "missing.csv does not exist" in msg
    assert "guide #4 needs 'file' or 'wavelength' and 'value' arrays" in msg
    assert "guide #5: fixed must be true or false, got 'yes'" in msg
    unordered = {"compartment": "s2", "wavelength": [500.0, 490.0], "value": [1, 2], "weight": 0}
    bad["datasets"][0]["guide"] = [bad["datasets"][0]["guide"][0], unordered]
    with pytest.raises(ModelError) as err:
        model_from_mapping(bad)
    msg = str(err.value)
    assert "guide for 's9' (inline): unknown compartment" in msg
    assert "wavelengths must increase strictly" in msg
    assert "weight must be > 0, got 0.0" in msg


def test_a_guide_outside_the_data_is_refused() -> None:
    far = {"compartment": "s2", "wavelength": [300.0, 350.0, 400.0], "value": [0.0, 1.0, 0.0]}
    with pytest.raises(ModelError, match=r"covers 300-400 nm, none of the data's wavelengths"):
        fit_target(model_from_mapping(spec([far])), matrix(seed=1))


def test_a_guide_scale_relates_the_guide_to_the_spectrum() -> None:
    """Row weight (scale SAS - g): a guide measured 2.5x larger with scale 2.5 recovers the
    branching; with the scale free (pyglotaran's free scale of a clp-guide dataset) the guide
    fixes only the shape, so the branching stays undetermined and the fit says so."""
    big = {**inline(weight=4.0), "value": (2.5 * s2_true(GUIDE_WL)).tolist()}
    check_recovered(fit_target(model_from_mapping(spec([{**big, "scale": 2.5}])), matrix(seed=4)))
    free = spec([{**big, "scale": "gs"}])
    free["parameters"]["gs"] = {"value": 1.0, "positive": True}
    res = fit_target(model_from_mapping(free), matrix(seed=4))
    assert res.status != "ok"
    assert {"p", "gs"} & set(res.statistics["undetermined"])


def test_guide_scale_problems_are_listed() -> None:
    bad = spec([{**inline(fixed=True), "scale": 2.0}, {**inline(), "scale": "nope"}])
    with pytest.raises(ModelError) as err:
        model_from_mapping(bad)
    text = str(err.value)
    assert "a fixed guide is the spectrum itself and takes no scale" in text
    assert "scale parameter 'nope' is not defined" in text
