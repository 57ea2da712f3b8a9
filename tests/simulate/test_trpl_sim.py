"""TRPL simulators: reader convention, reproducibility, counting statistics, analytic moments."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.simulate.trpl import (
    simulate_decay,
    simulate_decay_batch,
    simulate_flim,
    simulate_irf,
    simulate_trpl_map,
)


def test_decay_follows_reader_convention():
    da, truth = simulate_decay(
        [1.0, 5.0], [0.6, 0.4], total_counts=1e4, repetition_rate_hz=1e7, seed=3
    )
    assert da.name == "counts" and da.dims == ("time",)
    assert da["time"].attrs["units"] == "ns"
    assert da.attrs["units"] == "counts" and da.attrs["simulated"] is True
    assert da.attrs["source"] == "simulated" and da.attrs["repetition_rate_hz"] == 1e7
    assert da.attrs["bin_width"] == pytest.approx(float(da.time[1] - da.time[0]))
    assert np.all(da.values == np.round(da.values)) and np.all(da.values >= 0)
    assert truth["amplitudes"] == pytest.approx([0.6, 0.4])


def test_same_seed_same_data_different_seed_differs():
    a, _ = simulate_decay([2.0], [1.0], total_counts=5e3, seed=11)
    b, _ = simulate_decay([2.0], [1.0], total_counts=5e3, seed=11)
    c, _ = simulate_decay([2.0], [1.0], total_counts=5e3, seed=12)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


def test_noise_requires_a_seed():
    with pytest.raises(ParameterError, match="seed is required"):
        simulate_decay([2.0], [1.0], total_counts=5e3)


def test_total_counts_within_poisson_error():
    total, bg, n_bins = 2e5, 3.0, 1024
    sums = [
        simulate_decay(
            [0.8, 4.0],
            [1, 1],
            total_counts=total,
            background_counts_per_bin=bg,
            n_bins=n_bins,
            seed=s,
        )[0]
        .sum()
        .item()
        for s in range(20)
    ]
    expected = total + bg * n_bins
    # the sum of Poisson counts is Poisson: sd = sqrt(expected); mean of 20 has sd/sqrt(20)
    assert abs(np.mean(sums) - expected) < 4 * np.sqrt(expected / 20)
    assert np.std(sums, ddof=1) == pytest.approx(np.sqrt(expected), rel=0.4)


def test_mean_arrival_time_equals_t0_plus_intensity_average_lifetime():
    taus, amps, t0 = np.array([0.7, 3.0]), np.array([0.5, 0.5]), 2.0
    da, truth = simulate_decay(
        taus, amps, total_counts=1.0, n_bins=4000, bin_width_ns=0.02, t0_ns=t0, noise=False
    )
    centres = da.time.values + 0.01
    mean_t = np.sum(centres * da.values) / da.values.sum()
    analytic = t0 + np.sum(amps * taus**2) / np.sum(amps * taus)
    assert truth["tau_avg_intensity"] == pytest.approx(analytic - t0)
    assert mean_t == pytest.approx(analytic, rel=1e-4)


def test_amplitude_raw_is_counts_per_bin_at_t0_for_slow_decay():
    # for tau >> IRF and bin width the bin-averaged density just after t0 is ~ amplitude_raw
    da, truth = simulate_decay(
        [50.0],
        [1.0],
        total_counts=1e6,
        irf_fwhm_ns=0.01,
        bin_width_ns=0.01,
        n_bins=2000,
        t0_ns=1.0,
        noise=False,
    )
    j = round(1.1 / 0.01)
    assert da.values[j] == pytest.approx(truth["amplitude_raw"][0] * np.exp(-0.1 / 50), rel=1e-3)


def test_repetition_rate_adds_earlier_pulse_tails_before_t0():
    kw = {"total_counts": 1e5, "n_bins": 500, "bin_width_ns": 0.1, "t0_ns": 5.0, "noise": False}
    without, _ = simulate_decay([20.0], [1.0], **kw)
    with_tails, _ = simulate_decay([20.0], [1.0], repetition_rate_hz=2e7, **kw)
    # 50 ns period, 20 ns lifetime: before t0 the pedestal is exp(-(t-t0+T)/tau)/(1-exp(-T/tau))
    ratio = with_tails.values[10] / with_tails.values[60]
    expected = (
        np.exp(-(1.05 - 5.0 + 50.0) / 20)
        / (1 - np.exp(-2.5))
        / (np.exp(-(6.05 - 5.0) / 20) * (1 + np.exp(-2.5) / (1 - np.exp(-2.5))))
    )
    assert ratio == pytest.approx(expected, rel=2e-3)
    assert without.values[10] < 1e-6 * without.values[60]


def test_period_shorter_than_window_is_refused():
    with pytest.raises(ParameterError, match="shorter than the time window"):
        simulate_decay(
            [1.0],
            [1.0],
            total_counts=10,
            n_bins=1024,
            bin_width_ns=0.05,
            repetition_rate_hz=2e7,
            noise=False,
        )


def test_bad_inputs_name_the_problem():
    with pytest.raises(ParameterError, match="taus_ns has 2 lifetimes but amplitudes has 1"):
        simulate_decay([1.0, 2.0], [1.0], total_counts=10, noise=False)
    with pytest.raises(ParameterError, match="taus_ns must all be > 0"):
        simulate_decay([-1.0], [1.0], total_counts=10, noise=False)
    with pytest.raises(ParameterError, match=r"measured IRF has shape \(10,\)"):
        simulate_decay([1.0], [1.0], total_counts=10, irf=np.ones(10), noise=False)


def test_irf_fwhm_and_tail():
    irf, truth = simulate_irf(
        fwhm_ns=0.3,
        tail_fraction=0.0,
        n_bins=400,
        bin_width_ns=0.01,
        t0_ns=2.0,
        total_counts=1.0,
        noise=False,
    )
    y = irf.values
    above = np.nonzero(y >= y.max() / 2)[0]
    assert (above[-1] - above[0] + 1) * 0.01 == pytest.approx(0.3, abs=0.02)
    assert irf.time.values[np.argmax(y)] == pytest.approx(2.0 - 0.005, abs=0.011)
    tailed, _ = simulate_irf(
        fwhm_ns=0.3,
        tail_fraction=0.1,
        tail_tau_ns=0.5,
        n_bins=400,
        bin_width_ns=0.01,
        total_counts=1.0,
        noise=False,
    )
    late = irf.time.values > 3.0
    assert tailed.values[late].sum() > 50 * y[late].sum()
    assert tailed.attrs["kind"] == "irf" and truth["sigma_ns"] == pytest.approx(0.3 / 2.3548, 1e-3)


def test_batch_rows_match_single_decays():
    taus = [[1.0, 4.0], [2.0, 6.0]]
    amps = [[0.5, 0.5], [0.3, 0.7]]
    batch, truths = simulate_decay_batch(taus, amps, total_counts=[1e3, 2e3], noise=False)
    single, _ = simulate_decay(taus[1], amps[1], total_counts=2e3, noise=False)
    assert batch.dims == ("decay", "time")
    np.testing.assert_allclose(batch.values[1], single.values)
    assert truths[0]["taus_ns"] == [1.0, 4.0]


def test_trpl_map_is_das_times_kernels():
    wl = np.linspace(480, 540, 7)
    das = np.vstack([np.exp(-(((wl - 500) / 10) ** 2)), np.exp(-(((wl - 520) / 10) ** 2))]) * 100
    m, truth = simulate_trpl_map(wl, [1.0, 8.0], das, noise=False)
    assert m.dims == ("wavelength", "time") and m["wavelength"].attrs["units"] == "nm"
    one, one_truth = simulate_decay(
        [1.0], [1.0], total_counts=1.0, n_bins=512, bin_width_ns=0.1, noise=False
    )
    shape1 = one.values / one_truth["amplitude_raw"][0]  # unit-amplitude kernel
    only_first = simulate_trpl_map(wl, [1.0], das[:1], noise=False)[0]
    np.testing.assert_allclose(only_first.values[3], das[0, 3] * shape1, rtol=1e-10)
    second = simulate_trpl_map(wl, [8.0], das[1:], noise=False)[0]
    np.testing.assert_allclose(m.values, only_first.values + second.values, rtol=1e-12)
    assert truth["das"][1][4] == pytest.approx(das[1, 4])


def test_flim_lifetime_map_and_photons():
    tau_map = np.array([[1.0, 2.0], [3.0, 4.0]])
    img, truth = simulate_flim(tau_map, photons_per_pixel=[[1e3, 2e3], [3e3, 4e3]], seed=5)
    assert img.dims == ("y", "x", "time")
    sums = img.sum("time").values
    np.testing.assert_array_less(
        np.abs(sums - [[1e3, 2e3], [3e3, 4e3]]), 5 * np.sqrt([[1e3, 2e3], [3e3, 4e3]])
    )
    noise_free, _ = simulate_flim(
        tau_map, photons_per_pixel=1.0, n_bins=2000, bin_width_ns=0.02, noise=False
    )
    centres = noise_free.time.values + 0.01
    mean_t = (noise_free * centres).sum("time").values - 1.0
    np.testing.assert_allclose(mean_t, tau_map, rtol=1e-3)
    assert truth["lifetime_map_ns"] == tau_map.tolist()
