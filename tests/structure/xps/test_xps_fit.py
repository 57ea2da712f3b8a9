"""XPS fits against real data (lmfitxps Au 4f, LG4X Kratos Ni–W), an independent generator
written here, the thesis's Pb 4f numbers, and exact error messages."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import voigt_profile

from heterolab.errors import ParameterError
from heterolab.io.spectra import make_photoemission_spectrum, read_ups_text
from heterolab.io.vamas import read_vamas, read_vamas_blocks
from heterolab.structure.xps import (
    Component,
    apply_charge_shift,
    charge_correction,
    check_doublet,
    doublet_area_ratio,
    fit_series,
    fit_xps,
    pb4f_components,
    quantify,
)
from shared_paths import shared_file

pytest.importorskip("lmfitxps")  # the structure extra

VMS = ("xps", "lg4x_kratos_NiW_vamas", "0-150W.vms")


def _voigt(x, c, fwhm_g, fwhm_l):
    return voigt_profile(x - c, fwhm_g / 2.3548200450309493, fwhm_l / 2)


def _doublets(e, states, *, step_frac=0.25, base=150.0, seed=0):
    """Independent generator: Voigt doublets (area ratio 3:4, split 4.87 eV) on a Shirley step
    proportional to the cumulative peak area from low binding energy, Poisson noise."""
    peaks = np.zeros_like(e)
    for pos, area in states:
        peaks += area / 1.75 * (_voigt(e, pos, 1.0, 0.3) + 0.75 * _voigt(e, pos + 4.87, 1.0, 0.3))
    cum = np.concatenate([[0], np.cumsum(0.5 * (peaks[1:] + peaks[:-1]) * np.diff(e))])
    expected = peaks + base + step_frac * peaks.max() * cum / cum[-1]
    counts = np.random.default_rng(seed).poisson(expected).astype(float)
    return make_photoemission_spectrum(e, counts, "binding_energy", photon_energy=None)


def test_area_ratios_follow_the_subshell():
    assert [doublet_area_ratio(s) for s in ("2p", "3d", "4f", "1s")] == [0.5, 2 / 3, 0.75, 0.0]


def test_au4f_delta_doublet_splitting():
    s = read_ups_text(shared_file("xps", "lmfitxps_Au4f_DELTA", "clean_Au_4f.csv"))
    for bg in ("shirley", "linear"):
        r = fit_xps(
            s,
            [Component("Au", 87.6, level="Au 4f", fix_splitting=False, fix_ratio=False)],
            background_kind=bg,
        )
        assert r["Au_splitting"].value == pytest.approx(3.67, abs=0.02)
        assert 0.6 < r["Au_ratio"].value < 0.8  # 3:4 within final-state/background effects
        # lmfitxps's own fit: 4f7/2 at KE 92.340 eV, hv 180 eV -> BE 87.66 eV
        assert r["Au_position"].value == pytest.approx(180 - 92.34, abs=0.05)


def test_kratos_niw_c1s_charge_shift_and_w4f_doublet():
    blocks = read_vamas_blocks(shared_file(*VMS))
    c = charge_correction(blocks["C 1s"], "C 1s", window=(278, 292))
    assert 2.3 <= c["shift"].value <= 2.5 and c.ok
    w = apply_charge_shift(blocks["W 4f"], c["shift"].value)
    assert w.attrs["charge_shift_ev"] == pytest.approx(c["shift"].value)
    r = fit_xps(
        w,
        [Component("W", 36.0, level="W 4f", fix_splitting=False), Component("W5p", 41.6, fwhm=2.0)],
        window=(30.5, 46.5),
    )
    assert r["W_splitting"].value == pytest.approx(2.18, abs=0.1)  # Moulder: 2.18 eV
    assert 35.5 < r["W_position"].value < 36.5  # W6+-like after the shift (data README)
    assert r.statistics["chi2_red"] < 5


def test_vamas_reader_tolerates_leading_blank_lines_and_selects_blocks(tmp_path):
    raw = shared_file(*VMS).read_bytes()
    assert raw.startswith(b"\r\n") or raw.startswith(b"\n")
    f = tmp_path / "more_blank.vms"
    f.write_bytes(b"\n\n\n" + raw.lstrip())
    assert read_vamas(f, block="w 4f").attrs["block"] == "W 4f"
    with pytest.raises(ParameterError, match="no block 'Pb 4f'; blocks: wide, Ni 2p"):
        read_vamas(f, block="Pb 4f")


def test_single_doublet_area_round_trip_within_3_percent():
    e = np.arange(128.0, 152.0, 0.05)
    s = _doublets(e, [(138.0, 3.0e4)], seed=3)
    for bg in ("active_shirley", "shirley"):
        r = fit_xps(s, [Component("Pb", 138.3, level="Pb 4f")], background_kind=bg)
        # the static Shirley is not the generator's background: χ²_red 1.67 on 476 degrees of
        # freedom is 10 σ of counting noise, said as such; the area is still within 3 %
        assert r.ok or (bg == "shirley" and "misfit z" in r.message), r.message
        assert r["Pb_area"].value == pytest.approx(3.0e4, rel=0.03)
        assert r["Pb_position"].value == pytest.approx(
            138.0, abs=4 * r["Pb_position"].stderr + 0.01
        )


def test_pb4f_series_fractions_and_linked_shift():
    e = np.arange(128.0, 152.0, 0.05)
    truth = [0.2, 0.5, 0.8]
    spectra = [
        _doublets(e, [(137.83 + 0.1 * i, 4e4 * (1 - f)), (137.83 + 0.1 * i - 1.2, 4e4 * f)], seed=i)
        for i, f in enumerate(truth)
    ]
    comps = pb4f_components(137.9, 136.6)
    r = fit_series(spectra, comps, labels=["1:1", "1:10", "1:30"], background_kind="active_shirley")
    assert r.ok, r.message
    assert r["Pb-S_shift"].value == pytest.approx(-1.2, abs=4 * r["Pb-S_shift"].stderr)
    for lab, f in zip(["1:1", "1:10", "1:30"], truth, strict=True):
        q = r[f"{lab}:Pb-S_fraction"]
        assert q.value == pytest.approx(f, abs=max(4 * q.stderr, 0.01))
        tot = r[f"{lab}:Pb-Br_area"].value + r[f"{lab}:Pb-S_area"].value
        assert tot == pytest.approx(4e4, rel=0.03)


def test_thesis_pb_br_pair_reported_inconsistent():
    r = check_doublet("Pb 4f", 137.83, 143.61)
    assert r.status == "suspect"
    assert r["stated_splitting"].value == pytest.approx(5.78)
    assert r["discrepancy"].value == pytest.approx(0.91)
    assert "4.87" in r.warnings[0]
    assert check_doublet("Pb 4f", 137.42, 142.29).ok


def test_quantify_fractions_and_errors():
    r = quantify({"C 1s": (1000.0, 30.0), "O 1s": (2930.0, 50.0)})
    assert r["C 1s_fraction"].value == pytest.approx(0.5)
    # d x_C / d A_C = S_O A_O / (..)^2 etc.; here 0.25 * sqrt((30/1000)^2 + (50/2930)^2)
    assert r["C 1s_fraction"].stderr == pytest.approx(0.25 * np.hypot(0.03, 50 / 2930), rel=1e-4)
    assert "Scofield" in r.statistics["rsf_source"]
    with pytest.raises(ParameterError, match="no RSF for Pb 4f"):
        quantify({"Pb 4f": 1.0, "C 1s": 1.0})
    with pytest.raises(ParameterError, match="name the source"):
        quantify({"Pb 4f": 1.0}, rsf={"Pb 4f": 8.0})


def test_bad_inputs_raise_clear_errors():
    e = np.arange(128.0, 152.0, 0.05)
    s = _doublets(e, [(138.0, 1e4)])
    with pytest.raises(ParameterError, match=r"background must be one of shirley.*; got 'spline'"):
        fit_xps(s, [Component("Pb", 138, level="Pb 4f")], background_kind="spline")
    with pytest.raises(ParameterError, match="refers to unknown component 'X'"):
        fit_xps(s, [Component("Pb", 138, level="Pb 4f", shift_from="X")])
    with pytest.raises(ParameterError, match="no tabulated spin–orbit splitting for 'Xx 4f'"):
        fit_xps(s, [Component("Pb", 138, level="Xx 4f")])
    with pytest.raises(ParameterError, match="holds 0 points"):
        fit_xps(s, [Component("Pb", 138, level="Pb 4f")], window=(10, 20))


def test_simulate_xps_round_trip_areas_within_3_percent():
    from heterolab.simulate.xps import Doublet, simulate_xps

    e = np.arange(128.0, 152.0, 0.05)
    truth_states = [Doublet("Pb-Br", 138.6, 3.0e4), Doublet("Pb-S", 137.2, 2.0e4)]
    da, truth = simulate_xps(e, truth_states, seed=11)
    spec = make_photoemission_spectrum(e, da.values, "binding_energy", photon_energy=None)
    comps = pb4f_components(138.5, 137.3)
    r = fit_xps(spec, comps, background_kind="active_shirley")
    assert r.ok, r.message
    for name, d in truth["doublets"].items():
        assert r[f"{name}_area"].value == pytest.approx(d["area"], rel=0.03)
    assert r["Pb-S_shift"].value == pytest.approx(-1.4, abs=4 * r["Pb-S_shift"].stderr)


#: Tougaard cross-section (C, C', D) stated by lmfitxps's Au 4f example for these data
AU4F_CROSS_SECTION = (144.506, 0.281, 268.598)


def _au4f_ds():
    """lmfitxps's Au 4f model: a DS ⊗ Gaussian doublet, free splitting and ratio, with a
    Coster–Kronig-broadened upper line (its example's start values)."""
    return Component(
        "Au",
        87.6,
        level="Au 4f",
        fix_splitting=False,
        fix_ratio=False,
        shape="ds",
        asymmetry=0.05,
        upper_broadening=1.04,
        fix_upper_broadening=False,
    )


def test_au4f_lmfitxps_model_reaches_its_chi2():
    # the source's own model (examples/Example_ConvGaussianDoniachDublett.py): DS ⊗ Gaussian
    # doublet with a Coster–Kronig-broadened upper line on a Tougaard background of its stated
    # cross-section (C, C', D = 144.506, 0.281, 268.598), weights 1/√counts; lmfitxps 4.2.0
    # reaches χ²_red = 19.9 on these data (data README) — the same model here is no worse
    s = read_ups_text(shared_file("xps", "lmfitxps_Au4f_DELTA", "clean_Au_4f.csv"))
    comp = _au4f_ds()
    r = fit_xps(
        s,
        [comp],
        background_kind="active_tougaard",
        cross_section=AU4F_CROSS_SECTION,
        extend=30.0,
    )
    # lmfitxps's one-doublet model is far from the counting noise of this spectrum (χ²_red
    # ~20): the fit is as good as lmfitxps's but honestly marked suspect
    assert r.status == "suspect" and "misfit z" in r.message, r.message
    assert r.statistics["chi2_red"] <= 19.9
    assert r["Au_splitting"].value == pytest.approx(3.67, abs=0.02)
    # lmfitxps: center KE 92.340 eV, but its Gaussian kernel sits half a step off on this
    # 294-point grid (its symmetric singlet peaks at KE 92.360 for center 92.340)
    assert r["Au_position"].value == pytest.approx(180 - 92.36, abs=0.01)
    assert 1.0 < r["Au_upper_broadening"].value < 1.2  # lmfitxps: 1.07
    # the universal-cross-section Tougaard, refined, also beats the fixed Shirley
    r2 = fit_xps(s, [comp], background_kind="active_tougaard")
    r3 = fit_xps(s, [comp], background_kind="shirley")
    assert r2.statistics["chi2_red"] < r3.statistics["chi2_red"]


def test_ds_with_zero_asymmetry_is_the_voigt_and_tails_to_high_binding_energy():
    from heterolab.structure.xps.shapes import lineshape

    x = np.linspace(80.0, 95.0, 601)
    v = _voigt(x, 87.0, 0.5, 0.4)
    v /= np.trapezoid(v, x)
    ds = lineshape("ds", x, 87.0, 0.5, 0.4, 0.0)
    assert np.max(np.abs(ds - v)) < 2e-3 * v.max()
    a = lineshape("ds", x, 87.0, 0.5, 0.4, 0.1)
    hi, lo = x > 88.0, x < 86.0
    assert np.trapezoid(a[hi], x[hi]) > 2 * np.trapezoid(a[lo], x[lo])
    # non-uniform grid: same line
    xn = np.sort(np.concatenate([x[::2], [87.013, 87.31]]))
    an = lineshape("ds", xn, 87.0, 0.5, 0.4, 0.1)
    assert np.interp(x, xn, an)[::2] == pytest.approx(a[::2], abs=5e-3 * a.max())


def _loss_sum(x, y, c, cd, d):
    """Direct O(n²) Tougaard loss sum, rectangle rule (the definition, written here)."""
    out = np.zeros_like(y)
    dx = x[1] - x[0]
    for k in range(x.size):
        t = x[k] - x[: k + 1]
        out[k] = np.sum(t / ((c + cd * t**2) ** 2 + d * t**2) * y[: k + 1]) * dx
    return out


@pytest.mark.parametrize("cs", [(1643.0, 1.0, 0.0), (144.506, 0.281, 268.598)])
def test_tougaard_integral_is_the_direct_sum(cs):
    from heterolab.structure.xps.shapes import tougaard_integral

    x = np.arange(80.0, 100.0, 0.05)
    y = (
        100
        + 5e3 * np.exp(-0.5 * ((x - 88) / 0.4) ** 2)
        + 3e3 * np.exp(-0.5 * ((x - 92) / 0.4) ** 2)
    )
    t = tougaard_integral(x, y, cs)
    assert t == pytest.approx(_loss_sum(x, y, *cs), rel=1e-9, abs=1e-9 * t.max())
    # the peer's loss integral (lmfitxps TougaardBG, kinetic-energy order, B = 1): same sum
    from lmfitxps.backgrounds import tougaard_closure

    ke = 200 - x[::-1]
    peer = tougaard_closure()(ke, y[::-1], 1.0, cs[0], cs[1], cs[2], 0)[::-1]
    # lmfitxps takes the step as span/n instead of span/(n − 1)
    assert t * (x.size - 1) / x.size == pytest.approx(peer, rel=1e-9, abs=1e-9 * t.max())


def test_au4f_bulk_and_surface_doublets_describe_the_data():
    # clean Au at hv = 180 eV (KE ≈ 92 eV, surface sensitive): a surface doublet shifted to
    # lower binding energy (Au 4f7/2 surface core-level shift −0.3…−0.4 eV; Citrin, Wertheim &
    # Baer, Phys. Rev. Lett. 41, 1425 (1978)) with shared widths takes χ²_red from the
    # one-doublet 19.9 (lmfitxps's and ours) to under 5
    s = read_ups_text(shared_file("xps", "lmfitxps_Au4f_DELTA", "clean_Au_4f.csv"))
    bulk = _au4f_ds()
    surf = Component(
        "Au-s",
        87.2,
        level="Au 4f",
        shape="ds",
        shift_from="Au",
        width_from="Au",
        asymmetry=0.05,
        fix_ratio=False,
    )
    r = fit_xps(
        s,
        [bulk, surf],
        background_kind="active_tougaard",
        cross_section=AU4F_CROSS_SECTION,
        extend=30.0,
    )
    # bulk + surface doublets: χ²_red 2.7, still beyond counting noise on ~300 points
    assert r.status == "suspect" and "misfit z" in r.message, r.message
    assert r.statistics["chi2_red"] < 5
    assert -0.40 < r["Au-s_shift"].value < -0.25
    assert r["Au_splitting"].value == pytest.approx(3.67, abs=0.02)
    assert 0.1 < r["Au-s_fraction"].value < 0.7
