"""fit_decay behaviour: options, models, result layout, failure reporting, bad input."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import xarray as xr
from scipy.special import gamma, gammainc, ndtr

import heterolab.kinetics.trpl.decay_fit as decay_fit_module
from heterolab.errors import ParameterError
from heterolab.kinetics import fit_decay
from heterolab.kinetics.decay_models import exp_conv_irf
from heterolab.result import Result

N, DT = 512, 0.05
T = np.arange(N) * DT
EDGES = np.append(T, T[-1] + DT)
IRF = np.diff(ndtr((EDGES - 2.0) / (0.2 / 2.3548)))


def poisson(m, seed=0):
    return np.random.default_rng(seed).poisson(m).astype(float)


def test_dataarray_input_result_layout_and_json_round_trip():
    m = exp_conv_irf(T, np.array([0.5, 3.0]), IRF, 0.0).T @ np.array([4000.0, 2000.0]) + 2.0
    da = xr.DataArray(poisson(m), dims="time", coords={"time": ("time", T * 1e3, {"units": "ps"})})
    r = fit_decay(da, irf=IRF, n_components=2)
    assert r.ok and r.kind == "trpl.decay_fit"
    assert r["tau_1"].value < r["tau_2"].value  # ascending, in ns although the axis was in ps
    assert r["tau_1"].value == pytest.approx(0.5, abs=4 * r["tau_1"].stderr)
    assert r["tau_2"].value == pytest.approx(3.0, abs=4 * r["tau_2"].stderr)
    assert r["amplitude_1"].value + r["amplitude_2"].value == pytest.approx(1.0)
    assert r["amplitude_1"].value == pytest.approx(2 / 3, abs=4 * r["amplitude_1"].stderr)
    assert r["amplitude_raw_1"].unit == "counts" and r["tau_1"].unit == "ns"
    a, t = np.array([r[f"amplitude_{i}"].value for i in (1, 2)]), [0.5, 3.0]
    assert r["tau_avg_amplitude"].value == pytest.approx(np.dot(a, t), rel=0.02)
    assert r["tau_avg_intensity"].value == pytest.approx(
        np.dot(a, np.square(t)) / np.dot(a, t), rel=0.02
    )
    s = r.statistics
    assert s["dof"] == s["n_points"] - 6 and s["estimator"] == "mle" and s["converged"]
    assert 0.8 < s["chi2_reduced"] < 1.2
    assert abs(s["autocorrelation_lag1"]) < 4 * s["autocorrelation_threshold"]
    assert s["correlation"]["names"][0] == "tau_1"
    assert set(r.curves) >= {"data", "model", "residuals", "autocorrelation", "irf"}
    d = json.loads(r.to_json())
    assert Result.from_dict(d) == r
    assert d["parameters"]["tau_1"]["unit"] == "ns"


def test_rise_component_is_found_with_negative_amplitude():
    m = 2000 * exp_conv_irf(T, 3.0, IRF, 0) - 1200 * exp_conv_irf(T, 0.5, IRF, 0) + 3
    r = fit_decay(poisson(m), time=T, irf=IRF, n_components=2)
    assert r.ok
    assert r["tau_1"].value == pytest.approx(0.5, abs=4 * r["tau_1"].stderr)
    assert r["amplitude_raw_1"].value < 0 < r["amplitude_raw_2"].value
    assert any("rise" in w for w in r.warnings)


def test_gaussian_irf_width_and_position_are_recovered():
    from heterolab.kinetics.decay_models import exp_conv_gaussian_binned

    m = 5000 * exp_conv_gaussian_binned(EDGES, 1.5, 3.0, 0.3 / 2.3548) + 1.0
    r = fit_decay(poisson(m, 2), time=T, irf="gaussian", n_components=1)
    assert r["irf_fwhm"].value == pytest.approx(0.3, abs=4 * r["irf_fwhm"].stderr)
    assert r["shift"].value == pytest.approx(3.0, abs=4 * r["shift"].stderr)
    fixed = fit_decay(poisson(m, 2), time=T, irf_fwhm=0.3, n_components=1)
    assert (
        fixed["irf_fwhm"].stderr is None
        and "irf_fwhm" not in fixed.statistics["correlation"]["names"]
    )


def test_tail_fit_from_a_chosen_start():
    m = 5000 * exp_conv_irf(T, 3.0, IRF, 0) + 1
    r = fit_decay(poisson(m, 3), time=T, n_components=1, tail_start=4.0)
    assert r.statistics["fit_range_ns"][0] == pytest.approx(4.0)
    assert r["tau_1"].value == pytest.approx(3.0, abs=4 * r["tau_1"].stderr)
    assert "shift" not in r.parameters


def test_stretched_exponential_and_its_mean_lifetime():
    tau, beta = 2.0, 0.6
    h = (
        np.diff(
            tau / beta * gamma(1 / beta) * gammainc(1 / beta, (np.arange(N + 1) * DT / tau) ** beta)
        )
        / DT
    )
    m = 3000 * np.convolve(IRF, h)[:N] + 2
    r = fit_decay(poisson(m, 4), time=T, irf=IRF, model="stretched")
    assert r.ok
    assert r["beta"].value == pytest.approx(beta, abs=4 * r["beta"].stderr)
    assert r["tau_1"].value == pytest.approx(tau, abs=4 * r["tau_1"].stderr)
    mean = tau / beta * gamma(1 / beta)  # Lindsey & Patterson 1980
    assert r["tau_mean"].value == pytest.approx(mean, abs=4 * r["tau_mean"].stderr)


def test_earlier_pulse_tails_at_the_repetition_rate():
    period = N * DT  # 25.6 ns: a 8 ns decay does not finish between pulses
    m = 3000 * exp_conv_irf(T, 8.0, IRF, 0, period=period) + 1
    y = poisson(m, 5)
    r = fit_decay(y, time=T, irf=IRF, n_components=1, repetition_rate_hz=1e9 / period)
    assert r["tau_1"].value == pytest.approx(8.0, abs=4 * r["tau_1"].stderr)
    naive = fit_decay(y, time=T, irf=IRF, n_components=1)
    assert abs(naive["tau_1"].value - 8.0) > 10 * naive["tau_1"].stderr  # ignoring them biases


def test_lsq_and_fixed_background_and_bootstrap():
    m = 8000 * exp_conv_irf(T, 1.2, IRF, 0) + 5.0
    y = poisson(m, 6)
    r = fit_decay(y, time=T, irf=IRF, n_components=1, estimator="lsq", background=5.0)
    assert r.statistics["estimator"] == "lsq" and r["background"].stderr is None
    assert "background" not in r.statistics["correlation"]["names"]
    b = fit_decay(y, time=T, irf=IRF, n_components=1, bootstrap=30, seed=1)
    assert b.statistics["stderr_method"] == "bootstrap" and b.statistics["bootstrap_samples"] == 30
    c = fit_decay(y, time=T, irf=IRF, n_components=1)
    assert b["tau_1"].stderr == pytest.approx(c["tau_1"].stderr, rel=0.4)  # 30 draws: ±13 %
    with pytest.raises(ParameterError, match="bootstrap needs a seed"):
        fit_decay(y, time=T, irf=IRF, n_components=1, bootstrap=3)


def test_undetermined_parameters_get_nan_errors_and_a_warning():
    r = fit_decay(poisson(np.full(N, 50.0), 7), time=T, irf=IRF, n_components=2)
    assert any("not determined by the data" in w for w in r.warnings)
    assert r.status != "ok"
    assert any(q.stderr is not None and np.isnan(q.stderr) for q in r.parameters.values())


def test_a_fit_that_does_not_move_is_marked_failed(monkeypatch):
    def stuck(p, x0, lo, hi, max_iter):
        return decay_fit_module._Optimum(x0.copy(), x0.copy(), 1.0, 1, 1, "stationary")

    monkeypatch.setattr(decay_fit_module, "_fisher_scoring", stuck)
    m = 5000 * exp_conv_irf(T, 1.0, IRF, 0) + 1
    r = fit_decay(poisson(m), time=T, irf=IRF, n_components=1)
    assert not r.ok
    assert r.message == "optimizer did not move the lifetimes from their starting values"


def test_non_convergence_is_marked_failed(monkeypatch):
    def no_convergence(p, x0, lo, hi, max_iter):
        return decay_fit_module._Optimum(
            x0 * 1.01, x0, 1.0, 500, 0, "no convergence within 9 iterations"
        )

    monkeypatch.setattr(decay_fit_module, "_fisher_scoring", no_convergence)
    m = 5000 * exp_conv_irf(T, 1.0, IRF, 0) + 1
    r = fit_decay(poisson(m), time=T, irf=IRF, n_components=1)
    assert r.status == "failed"
    assert r.message == "optimizer did not converge: no convergence within 9 iterations"


def test_fisher_scoring_reaches_the_deviance_minimum():
    """Independent check of the optimum: the deviance gradient vanishes there."""
    m = exp_conv_irf(T, np.array([0.5, 3.0]), IRF, 0.0).T @ np.array([4000.0, 2000.0]) + 2.0
    y = poisson(m, 9)
    r = fit_decay(y, time=T, irf=IRF, n_components=2)
    model = r.curves["model"].values
    data = r.curves["data"].values
    t = r.curves["data"]["time"].values
    for name in ("tau_1", "tau_2"):
        v = {k: r[k].value for k in ("tau_1", "tau_2")}
        step = 1e-4 * v[name]
        devs = []
        for sign in (-1, 1):
            v2 = dict(v)
            v2[name] += sign * step
            shapes = exp_conv_irf(T, np.array([v2["tau_1"], v2["tau_2"]]), IRF, r["shift"].value)
            i0 = int(np.searchsorted(T, t[0] - 1e-9))
            sel = slice(i0, i0 + t.size)
            mm = np.array([r["amplitude_raw_1"].value, r["amplitude_raw_2"].value]) @ shapes[:, sel]
            mm = mm + r["background"].value
            devs.append(decay_fit_module.poisson_deviance(data, mm))
        d0 = decay_fit_module.poisson_deviance(data, model)
        assert min(devs) >= d0 - 1e-6  # no lower deviance next to the optimum


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"irf": IRF[:-1]},
            "IRF has 511 bins but the decay has 512; the IRF must be on the same time bins",
        ),
        ({"n_components": 5}, "n_components must be an integer from 1 to 4, got 5"),
        ({"n_components": 0}, "n_components must be an integer from 1 to 4, got 0"),
        ({"estimator": "chi2"}, "estimator must be one of mle, lsq, ols; got 'chi2'"),
        ({"model": "gauss"}, "model must be one of exp, stretched; got 'gauss'"),
        (
            {"irf": "lorentz"},
            "irf must be a measured IRF (array/DataArray), 'gaussian', a FWHM such as '90 ps' or Quantity(0.09, unit='ns'), got 'lorentz'",
        ),
        ({"irf": -IRF}, "IRF must be finite, non-negative and not all zero"),
        ({"shift": "auto"}, "shift must be 'free' or a number, got 'auto'"),
        (
            {"repetition_rate_hz": 80e6},
            "repetition period 12.5 ns is shorter than the time window 25.6 ns",
        ),
        ({"fit_range": (5.0, 1.0)}, "fit_range must be (start, stop) with stop > start"),
        ({"initial": {"tau_9": 1.0}}, "initial values for unknown parameters ['tau_9']"),
    ],
)
def test_bad_settings_raise_named_errors(kwargs, message):
    y = poisson(5000 * exp_conv_irf(T, 1.0, IRF, 0) + 1)
    kw = {"time": T, "irf": IRF, "n_components": 1} | kwargs
    with pytest.raises(ParameterError, match=re.escape(message)):
        fit_decay(y, **kw)


def test_bad_data_raise_named_errors():
    y = poisson(5000 * exp_conv_irf(T, 1.0, IRF, 0) + 1)
    bad = y.copy()
    bad[7] = -3
    with pytest.raises(ParameterError, match=r"decay has negative counts \(e.g. -3 in bin 7\)"):
        fit_decay(bad, time=T, irf=IRF)
    with pytest.raises(
        ParameterError, match="time axis has 511 values but the decays have 512 bins"
    ):
        fit_decay(y, time=T[:-1], irf=IRF)
    with pytest.raises(ParameterError, match="no time axis: pass time="):
        fit_decay(y, irf=IRF)
    with pytest.raises(ParameterError, match="decay has no counts"):
        fit_decay(np.zeros(N), time=T, irf=IRF)
    nan = y.copy()
    nan[3] = np.nan
    with pytest.raises(ParameterError, match="decay contains NaN or infinite counts"):
        fit_decay(nan, time=T, irf=IRF)


def test_gaussian_irf_earlier_pulse_tails_match_an_explicit_sum_over_pulses():
    from heterolab.kinetics.decay_models import exp_conv_gaussian_binned

    period, tau, t0, sigma = N * DT, 9.0, 2.0, 0.1
    shape = sum(exp_conv_gaussian_binned(EDGES, tau, t0 - k * period, sigma) for k in range(30))
    m = 2000 * shape + 1.0
    r = fit_decay(
        poisson(m, 8),
        time=T,
        irf_fwhm=sigma * 2.3548,
        n_components=1,
        repetition_rate_hz=1e9 / period,
    )
    assert r["tau_1"].value == pytest.approx(tau, abs=4 * r["tau_1"].stderr)
    assert r["background"].value == pytest.approx(1.0, abs=4 * r["background"].stderr)
