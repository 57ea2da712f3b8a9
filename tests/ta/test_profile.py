"""Profile-likelihood intervals (issue #11, `--profile`): against the covariance error where
the model is nearly linear, open where the data do not bound the parameter."""

from __future__ import annotations

import numpy as np
import pytest
from ta_truth import chirped_matrix

from heterolab.errors import ParameterError
from heterolab.io.ta import make_ta_array
from heterolab.kinetics.ta.global_fit import fit_global


def test_profile_interval_brackets_the_value_and_matches_the_standard_error() -> None:
    da, _ = chirped_matrix(12, 2, True, n_wl=20)
    res = fit_global(
        da, "sequential", 2, long_lived=True, chirp="auto", coherent_artifact=0, profile=["tau_1"]
    )
    assert res.ok, res.message
    prof = res.statistics["profile"]["tau_1"]
    q = res["tau_1"]
    assert prof["lower"] < q.value < prof["upper"]
    # a well-determined lifetime: the profile's half-widths equal the standard error to ~15 %
    assert (prof["upper"] - q.value) == pytest.approx(q.stderr, rel=0.15)
    assert (q.value - prof["lower"]) == pytest.approx(q.stderr, rel=0.15)
    assert prof["unit"] == "ps" and prof["parameter"] == "k1"


def test_lifetime_beyond_the_window_has_an_open_profile_and_unknown_names_are_refused() -> None:
    t = np.concatenate([np.linspace(-1, 2, 40), np.geomspace(2.1, 20, 30)])
    wl = np.linspace(450, 650, 15)
    rng = np.random.default_rng(3)
    tp = np.clip(t, 0, None)
    y = np.outer(np.exp(-tp / 2.0) * (t > 0), np.sin(wl / 40)) * 0.01
    y += np.outer(np.exp(-tp / 3000.0) * (t > 0), np.cos(wl / 60)) * 0.01
    da = make_ta_array(y + rng.normal(0, 2e-4, y.shape), t, wl)
    res = fit_global(
        da, "parallel", 2, coherent_artifact=0, lifetimes=[1.0, 100.0], profile=["tau_2"]
    )
    prof = res.statistics["profile"]["tau_2"]
    assert prof["upper"] is None
    assert any("not bounded by the data on the upper side" in w for w in res.warnings)
    with pytest.raises(ParameterError, match="cannot profile"):
        fit_global(da, "parallel", 2, coherent_artifact=0, profile=["tau_9"])
