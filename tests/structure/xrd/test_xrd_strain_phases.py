"""Strain per reflection (thesis §3.3.1 numbers), stick patterns from the shared CIFs, phase
identification, RIR fractions and line-broadening analyses against values computed here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.xrd import (
    caglioti,
    identify_phases,
    rir_fractions,
    scherrer,
    stick_pattern,
    strain_per_reflection,
    williamson_hall,
)
from shared_paths import shared_file


@pytest.mark.parametrize(
    ("ref", "obs", "expected"),
    [
        ([30.43, 43.61], [30.25, 43.47], [0.58, 0.31]),  # CsPbBr3 (200), (220)
        ([29.50, 42.45], [29.71, 42.59], [-0.69, -0.31]),  # PbS (200), (220)
    ],
)
def test_thesis_strains_and_their_inconsistency(ref, obs, expected) -> None:
    res = strain_per_reflection(ref, obs, labels=["200", "220"], phase="x")
    got = [100 * res.value("strain_200"), 100 * res.value("strain_220")]
    assert got == pytest.approx(expected, abs=0.005)
    assert res.status == "suspect" and not res.statistics["single_strain"]
    assert res.statistics["chi2"] > 100 and "chi2 =" in res.message


def test_one_strain_passes_when_shifts_agree() -> None:
    eps = 0.004
    ref = np.array([21.38, 30.41, 37.47, 43.56])
    obs = np.degrees(2 * np.arcsin(np.sin(np.radians(ref / 2)) / (1 + eps)))
    res = strain_per_reflection(ref, obs, errors=[0.002] * 4, reference_errors=[0.002] * 4)
    assert res.ok and res.statistics["single_strain"]
    assert res.value("mean_strain") == pytest.approx(eps, rel=1e-9)


def test_cif_sticks_reproduce_the_thesis_cspbbr3_list() -> None:
    pytest.importorskip("pymatgen")
    cif = shared_file("cif", "CsPbBr3_cubic_a5.874_constructed.cif")
    sticks = {s["hkl"]: s["two_theta"] for s in stick_pattern(cif, wavelength_angstrom=1.5406)}
    thesis = {"110": 21.38, "200": 30.41, "211": 37.47, "220": 43.56}
    for hkl, tt in thesis.items():
        assert sticks[hkl] == pytest.approx(tt, abs=0.05)


def test_identification_table_and_impurity_candidate() -> None:
    pytest.importorskip("pymatgen")
    cif = shared_file("cif", "CsPbBr3_cubic_a5.874_constructed.cif")
    res = identify_phases(
        [21.38, 30.41, 37.47, 43.56, 31.29], {"CsPbBr3": cif}, wavelength_angstrom=1.5406
    )
    assert res.statistics["present"] == ["CsPbBr3"]
    assert {r["hkl"] for r in res.statistics["matched"]} >= {"110", "200", "211", "220"}
    assert res.statistics["unmatched"] == [31.29]
    assert res.statistics["impurity_candidates"][0]["phase"] == "Pb (metal)"
    assert res.status == "suspect"


def test_identification_with_line_lists_needs_no_pymatgen() -> None:
    res = identify_phases([10.0, 20.0], {"A": [10.02, 20.01, 35.0]}, tolerance_deg=0.05)
    assert res.statistics["unmatched"] == [] and res.ok


def test_rir_fractions_invert_a_known_mixture() -> None:
    w_true = {"A": 0.3, "B": 0.7}
    rir = {"A": 2.0, "B": 5.0}
    inten = {k: w_true[k] * rir[k] * 123.0 for k in w_true}  # I_i ∝ w_i RIR_i (Chung 1974)
    res = rir_fractions(inten, rir, errors={"A": 1.0, "B": 1.0})
    assert res.value("w_A") == pytest.approx(0.3) and res.value("w_B") == pytest.approx(0.7)
    # propagated error against finite differences
    eps = 1e-6
    da = (inten["A"] + eps) / rir["A"]
    wa = da / (da + inten["B"] / rir["B"])
    slope = (wa - 0.3) / eps
    sb = (0.3 / (inten["B"])) * 0.7  # ∂w_A/∂I_B = -w_A w_B / I_B
    assert res["w_A"].stderr == pytest.approx(math.hypot(slope * 1.0, sb * 1.0), rel=1e-4)
    assert "amorphous" in res.warnings[0]
    with pytest.raises(ParameterError, match="no RIR for"):
        rir_fractions({"A": 1, "B": 2}, {"A": 1})


def _peaks(tt, fwhm, err=1e-4) -> Result:
    table = [
        {"peak": f"p{i}", "two_theta": t, "two_theta_err": 1e-4, "fwhm": w, "fwhm_err": err}
        for i, (t, w) in enumerate(zip(tt, fwhm, strict=True))
    ]
    return Result(
        kind="xrd.peaks",
        statistics={"table": table, "wavelength_angstrom": 1.5406},
        parameters={"x": Quantity(1.0)},
    )


def test_caglioti_recovers_uvw() -> None:
    tt = np.linspace(20, 140, 12)
    t = np.tan(np.radians(tt / 2))
    u, v, w = 0.004, -0.002, 0.003
    res = caglioti(_peaks(tt, np.sqrt(u * t**2 + v * t + w)))
    assert [res.value(k) for k in "UVW"] == pytest.approx([u, v, w], abs=1e-8)


def test_scherrer_and_williamson_hall_recover_size_and_strain() -> None:
    lam, size_nm, eps, inst = 1.5406, 25.0, 0.002, 0.05
    tt = np.array([21.4, 30.4, 37.5, 43.6, 49.0, 54.0])
    th = np.radians(tt / 2)
    beta = 0.9 * lam / (size_nm * 10 * np.cos(th)) + 4 * eps * np.tan(th)  # rad, WH form
    measured = np.hypot(np.degrees(beta), inst)
    wh = williamson_hall(_peaks(tt, measured), instrument=inst)
    assert wh.value("size") == pytest.approx(size_nm, rel=1e-6)
    assert wh.value("microstrain") == pytest.approx(eps, rel=1e-6)
    beta0 = 0.9 * lam / (size_nm * 10 * np.cos(th))
    sch = scherrer(_peaks(tt, np.hypot(np.degrees(beta0), inst)), instrument=inst)
    assert sch.value("size_p0") == pytest.approx(size_nm, rel=1e-9)
    assert sch.value("mean_size") == pytest.approx(size_nm, rel=1e-6)
    assert sch.ok
    narrow = scherrer(_peaks(tt, np.full(tt.size, 0.04)), instrument=inst)
    assert narrow.status == "suspect"
