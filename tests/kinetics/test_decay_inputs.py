"""One decay-input normaliser and one IRF argument for every TRPL fit (issue #8 rows 1-2)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy.special import ndtr

from heterolab.arrays import as_decays, as_irf
from heterolab.errors import ParameterError
from heterolab.kinetics.trpl import fit_decay, fit_decays
from heterolab.kinetics.trpl.phasor import phasor_analysis
from heterolab.result import Quantity

DT = 0.05
T = np.arange(256) * DT
EDGES = np.append(T, T[-1] + DT)
IRF = np.diff(ndtr((EDGES - 1.0) / 0.06))


def _decay(tau: float = 2.0, total: float = 1e5) -> np.ndarray:
    """Noise-free decay: Gaussian IRF (sigma 0.06 ns at 1 ns) convolved with exp, per bin,
    by direct summation on a fine grid (independent of heterolab's kernels)."""
    fine = np.arange(256 * 50) * DT / 50
    dens = np.convolve(np.exp(-0.5 * ((fine - 1.0) / 0.06) ** 2), np.exp(-fine / tau))
    per_bin = dens[: fine.size].reshape(256, 50).sum(axis=1)
    return total * per_bin / per_bin.sum() + 1.0


def _da(values: np.ndarray, t: np.ndarray, unit: str) -> xr.DataArray:
    return xr.DataArray(values, dims="time", coords={"time": ("time", t, {"units": unit})})


def test_phasor_of_a_decay_whose_time_axis_is_in_ps_reports_ns():
    """5.65 ns, not 5650.84 (the ps axis used to be read as ns)."""
    rng = np.random.default_rng(1)
    t = np.arange(1024) * 0.025
    y = rng.poisson(1e4 * np.exp(-t / 5.65) * (1 - np.exp(-0.025 / 5.65))).astype(float)
    ns = phasor_analysis(_da(y, t, "ns"))
    ps = phasor_analysis(_da(y, t * 1e3, "ps"))
    assert ps["tau_phase"].value == pytest.approx(ns["tau_phase"].value, rel=1e-9)
    assert ps["tau_phase"].value < 20


def test_decay_in_ps_fits_the_same_lifetime_as_in_ns():
    y = _decay()
    r_ns = fit_decay(_da(y, T, "ns"), irf=IRF, n_components=1)
    r_ps = fit_decay(_da(y, T * 1e3, "ps"), irf=IRF, n_components=1)
    assert r_ps["tau_1"].value == pytest.approx(r_ns["tau_1"].value, rel=1e-9)
    assert r_ps["tau_1"].unit == "ns"


def test_irf_on_other_bins_is_refused_with_the_reason():
    decay = _da(_decay(), T, "ns")
    with pytest.raises(ParameterError, match="bins are 50 ns wide"):
        fit_decay(decay, irf=_da(IRF, T, "us"), n_components=1)  # same numbers, other unit
    with pytest.raises(ParameterError, match=r"starts \+0.1 ns \(\+2 bins\)"):
        fit_decay(decay, irf=_da(IRF, T + 0.1, "ns"), n_components=1)
    with pytest.raises(ParameterError, match="IRF has 128 bins"):
        fit_decay(decay, irf=IRF[:128], n_components=1)
    # the same IRF with its axis in ps is the same IRF
    r = fit_decay(decay, irf=_da(IRF, T * 1e3, "ps"), n_components=1)
    assert r["tau_1"].value == pytest.approx(2.0, rel=2e-3)


def test_gaussian_fwhm_rules_are_one_for_all_fits():
    d = as_decays(_decay(), T)
    assert as_irf(Quantity(90.0, None, "ps"), d).fwhm == pytest.approx(0.09)
    assert as_irf("90 ps", d).fwhm == pytest.approx(0.09)
    assert as_irf(0.09, d).fwhm == pytest.approx(0.09)  # a bare number is ns
    assert as_irf(None, d).fwhm is None
    with pytest.raises(ParameterError, match=r"wider than the 12\.8 ns window"):
        as_irf(90, d)  # 90 ps meant: ambiguous, refused
    with pytest.raises(ParameterError, match="not a time"):
        as_irf(Quantity(1.0, None, "nm"), d)
    r = fit_decays(_decay()[None, :], time=T, irf="141.3 ps", n_components=1)
    assert r.provenance["settings"]["irf_fwhm"] == pytest.approx(0.1413)


def test_float32_time_column_is_recognised_as_uniform():
    t32 = (np.arange(4096) * 0.016).astype(np.float32).astype(float)
    d = as_decays(np.ones(4096), t32)
    assert d.bin_width == pytest.approx(0.016, rel=1e-6)
    assert np.ptp(np.diff(d.time)) < 1e-12
    with pytest.raises(ParameterError, match="equally spaced"):
        as_decays(np.ones(5), [0, 1, 2, 4, 5])


def test_bin_width_is_never_ignored():
    d = as_decays(np.ones(10), bin_width=25.0, time_unit="ps")
    assert d.time[1] == pytest.approx(0.025)
    with pytest.raises(ParameterError, match="contradicts the time axis"):
        as_decays(np.ones(10), np.arange(10) * 0.05, bin_width=0.025)
    with pytest.raises(ParameterError, match="no time axis"):
        as_decays(np.ones(10))


# ----------------------------------------------------------------------------- acceptor rise
def _acceptor_rise(k_d: float, k_et: float, k_a: float, k_i: float | None) -> float:
    """Rise time of the acceptor population fitted with a(e^{-t/tau_A} - e^{-t/tau_r}), from
    rate equations solved by eigen-decomposition (D -> A, or D -> I -> A with rate k_i)."""
    from scipy.optimize import curve_fit

    if k_i is None:
        rates = np.array([[-(k_d + k_et), 0.0], [k_et, -k_a]])
    else:
        rates = np.array([[-(k_d + k_et), 0, 0], [k_et, -k_i, 0], [0, k_i, -k_a]])
    t = np.linspace(0, 8 / k_a, 500)
    y0 = np.zeros(rates.shape[0])
    y0[0] = 1.0
    w, v = np.linalg.eig(rates)  # distinct rates: y(t) = V exp(w t) V^-1 y0
    acc = np.real((v[-1] * np.linalg.solve(v, y0)) @ np.exp(np.outer(w, t)))

    def model(t, a, tau_a, tau_r):
        return a * (np.exp(-t / tau_a) - np.exp(-t / tau_r))

    p, _ = curve_fit(model, t, acc, p0=[acc.max() * 2, 1 / k_a, 0.5 / (k_d + k_et)])
    return float(p[2])


def test_acceptor_rise_is_checked_against_the_donor_decay_time_not_1_over_k_et():
    """One step: the acceptor rises with tau_DA = 1/(k_D + k_ET) (0.5 ps here, 1/k_ET = 0.53 ps
    would already differ by 5 %; with k_D comparable to k_ET it differs by 2x)."""
    from heterolab.kinetics.trpl.transfer import transfer_from_lifetimes

    k_d, k_et, k_a = 1.0, 1.0, 0.05  # 1/ps: donor decay, transfer, acceptor decay
    tau_d, tau_da = 1 / k_d, 1 / (k_d + k_et)
    rise = _acceptor_rise(k_d, k_et, k_a, None)
    assert rise == pytest.approx(tau_da, rel=1e-3)
    r = transfer_from_lifetimes(tau_d, tau_da, unit="ps", tau_rise=rise)
    assert not [w for w in r.warnings if "acceptor rise" in w]
    assert r.derived["tau_ET"].value == pytest.approx(1 / k_et)  # 2x the rise time
    slow = _acceptor_rise(k_d, k_et, k_a, k_i=0.4)  # through an intermediate (2.5 ps)
    r2 = transfer_from_lifetimes(tau_d, tau_da, unit="ps", tau_rise=slow)
    assert any("intermediate state" in w for w in r2.warnings)


def test_transfer_time_with_a_dishonest_first_order_error_reports_a_monte_carlo_interval():
    """tau_DA close to tau_D: 1/(1/tau_DA - 1/tau_D) has a skewed distribution; the interval
    is checked against an independent seeded Monte Carlo of the same inputs."""
    from heterolab.kinetics.trpl.transfer import transfer_from_lifetimes

    r = transfer_from_lifetimes(Quantity(3.0, 0.02, "ns"), Quantity(2.95, 0.02, "ns"))
    assert r.status == "suspect" and "Monte Carlo" in r.message
    rng = np.random.default_rng(123)
    d = 3.0 + 0.02 * rng.standard_normal(200_000)
    da = 2.95 + 0.02 * rng.standard_normal(200_000)
    k = 1 / da - 1 / d
    lo, hi = np.percentile(1 / k[k > 0], [15.87, 84.13])
    got = r.statistics["tau_ET_interval_68"]
    assert got[0] == pytest.approx(lo, rel=0.05) and got[1] == pytest.approx(hi, rel=0.05)
    assert r.statistics["no_transfer_fraction"] == pytest.approx(np.mean(k <= 0), abs=0.01)
    # a precise case stays ok
    assert transfer_from_lifetimes(
        Quantity(8.08, 0.1, "ps"), Quantity(0.52, 0.01, "ps"), unit="ps"
    ).ok


def test_a_fit_can_be_rerun_from_its_own_parameter_sets():
    """One parameter idiom: ParameterSet start values / vary=False, and the Result keeps the
    initial and fitted sets (statistics, ParameterSet.to_dict form)."""
    from heterolab.parameters import ParameterSet

    y = np.random.default_rng(5).poisson(_decay(2.0, 2e4)).astype(float)
    r = fit_decay(y, time=T, irf=IRF, n_components=1)
    fitted = r.statistics["parameters_fitted"]
    assert fitted["tau_1"]["value"] == pytest.approx(r["tau_1"].value)
    assert set(r.statistics["parameters_initial"]) == set(fitted)
    again = fit_decay(y, time=T, irf=IRF, n_components=1, parameters=fitted)
    assert again["tau_1"].value == pytest.approx(r["tau_1"].value, rel=1e-6)
    ps = ParameterSet()
    ps.add("tau_1", 1.0)
    ps.add("shift", 0.0, vary=False)
    fixed = fit_decay(y, time=T, irf=IRF, n_components=1, parameters=ps)
    assert fixed["shift"].value == 0.0 and fixed["shift"].stderr is None
    assert fixed.statistics["parameters_initial"]["tau_1"]["value"] == pytest.approx(1.0)
    bounded = ParameterSet()
    bounded.add("tau_1", 1.0, min=0.5)
    with pytest.raises(ParameterError, match="start values and vary=False only"):
        fit_decay(y, time=T, irf=IRF, n_components=1, parameters=bounded)


def test_cli_reads_a_counts_only_file_with_bin_width_and_time_unit(tmp_path):
    """An IBH-style export without a time calibration: the reader's advice ("pass
    bin_width") exists on the command line as --bin-width (with --time-unit)."""
    import json

    from typer.testing import CliRunner

    from heterolab.cli import app

    y = np.random.default_rng(8).poisson(_decay(2.0, 5e4))
    p = tmp_path / "ibh.txt"
    p.write_text("\n".join(str(int(v)) for v in y) + "\n")
    runner = CliRunner()
    res = runner.invoke(app, ["trpl", "fit", str(p), "-n", "1", "--json"])
    assert res.exit_code == 2 and "pass bin_width" in res.output
    res = runner.invoke(
        app,
        ["trpl", "fit", str(p), "-n", "1", "--bin-width", "50", "--time-unit", "ps", "--json"],
    )
    assert res.exit_code in (0, 1), res.output
    assert json.loads(res.stdout)["parameters"]["tau_1"]["value"] == pytest.approx(2.0, rel=0.05)
