"""PLQY (de Mello, relative, partition) and the transfer efficiency of thesis Table 3-1."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import FormatError, ParameterError
from heterolab.io.spectra import make_spectrum, read_transfer_table, write_spectrum_csv
from heterolab.reference import load_table
from heterolab.result import Quantity
from heterolab.spectroscopy.plqy import de_mello_plqy, plqy_absolute, plqy_partition, plqy_relative
from heterolab.spectroscopy.transfer import (
    absorbed_fractions,
    collection_factor_from_reference,
    transfer_efficiency,
    transfer_table_analysis,
)

runner = CliRunner()


def sphere_spectra(plqy: float, absorptance: float, seed: int = 0):
    """Integrating-sphere spectra (counts per nm) of a sample with known PLQY and absorptance."""
    rng = np.random.default_rng(seed)
    lam = np.arange(440.0, 600.0, 0.5)
    laser = 2e6 * np.exp(-0.5 * ((lam - 465) / 1.5) ** 2) / (1.5 * math.sqrt(2 * math.pi))
    emit_shape = np.exp(-0.5 * ((lam - 515) / 8) ** 2) / (8 * math.sqrt(2 * math.pi))
    absorbed = absorptance * laser.sum() * 0.5
    blank = laser + 20.0
    sample = laser * (1 - absorptance) + plqy * absorbed * emit_shape + 20.0
    noisy = [
        make_spectrum(lam, rng.poisson(y).astype(float), "wavelength") for y in (sample, blank)
    ]
    return noisy


def test_de_mello_formula_on_constructed_counts():
    # empty sphere L_a = 1000; indirect: 10 % of laser absorbed after scattering, emission 20
    la, lb, lc = 1000.0, 900.0, 540.0  # A = 1 - 540/900 = 0.4
    phi_true = 0.5
    pb = 20.0
    pc = phi_true * la * 0.4 + (1 - 0.4) * pb
    phi, a = de_mello_plqy(la, lb, lc, pb, pc)
    assert a == pytest.approx(0.4)
    assert phi == pytest.approx(phi_true)
    with pytest.raises(ParameterError, match="absorbs no laser light"):
        de_mello_plqy(1000, 900, 950, 0, 0)


def test_absolute_plqy_from_spectra_recovers_truth_within_poisson_error():
    sample, blank = sphere_spectra(0.62, 0.3, seed=4)
    r = plqy_absolute(sample, blank, laser_window=(455, 475), emission_window=(480, 580))
    q = r.parameters["plqy"]
    assert q.stderr is not None and 0 < q.stderr < 0.01
    # backgrounds of 20 counts/bin cancel between sample and blank
    assert abs(q.value - 0.62) < 4 * q.stderr
    assert r.derived["absorptance"].value == pytest.approx(0.3, abs=0.005)


def test_relative_plqy_against_standard():
    # identical absorbance and solvent: ratio of areas
    assert plqy_relative(2.0, 0.05, 1.0, 0.05, 0.45).value == pytest.approx(0.90)
    # absorptance ratio and refractive index correction (Würth 2013)
    q = plqy_relative(1.0, 0.1, 1.0, 0.05, 0.5, n=1.496, n_ref=1.333)
    expect = 0.5 * (1 - 10**-0.05) / (1 - 10**-0.1) * (1.496 / 1.333) ** 2
    assert q.value == pytest.approx(expect)
    with pytest.raises(ParameterError, match="absorbance=0"):
        plqy_relative(1.0, 0.0, 1.0, 0.05, 0.5)


def test_plqy_partition_of_the_heterostructure_and_its_warning():
    r = plqy_partition(0.30, 150.0, 450.0)
    assert r.derived["plqy_pbs_in_het"].value == pytest.approx(0.10)
    assert r.derived["plqy_het"].value == pytest.approx(0.40)
    assert any("circular" in w for w in r.warnings)


# ----------------------------------------------------------------------------- Table 3-1
@pytest.fixture(scope="module")
def table31():
    t = load_table("table_3_1")
    return t, transfer_table_analysis(t["rows"], rounding=t["rounding"], source=t["source"])


def test_table_3_1_common_collection_factor(table31):
    _, r = table31
    assert r.parameters["k"].value == pytest.approx(0.03359, abs=5e-6)
    assert 1 / r.parameters["k"].value == pytest.approx(29.77, abs=0.01)
    assert r.statistics["k_relative_spread"] < 1e-4
    assert r.derived["k_1:3"].value == pytest.approx(0.03087, abs=5e-6)


def test_table_3_1_eta_reproduced_within_rounding_except_row_1_3(table31):
    t, r = table31
    for row in t["rows"]:
        lab = row["ratio"]
        eta = r.derived[f"eta_{lab}"].value
        if lab == "1:3":
            assert eta == pytest.approx(19.92, abs=0.005)
        else:
            assert eta == pytest.approx(row["eta_trans"], abs=0.015), lab


def test_table_3_1_reports_row_1_3_with_the_values_that_would_fit(table31):
    _, r = table31
    assert r.statistics["inconsistent_rows"] == ["1:3"]
    assert r.derived["A_PbS_implied_1:3"].value == pytest.approx(0.0510, abs=5e-5)
    assert r.derived["PLQY_PbS_implied_1:3"].value == pytest.approx(0.0478, abs=5e-5)
    (w,) = r.warnings
    assert w.startswith("row 1:3 does not fit the others: its k = 0.03087 (-8.1 %")
    assert "printed 24.92 %" in w


def test_eta_with_given_k_and_error_propagation():
    r = transfer_efficiency(
        5502883, 0.113, Quantity(0.180, 0.0005, "OD"), 0.225, 3011395668, 0.03359
    )
    q = r.parameters["eta_trans"]
    assert q.value == pytest.approx(0.7156, abs=2e-4)
    # d eta / d A_perov = -eta / A_perov
    assert q.stderr == pytest.approx(0.7156 / 0.180 * 0.0005, rel=0.01)
    circ = transfer_efficiency(
        5502883, 0.113, 0.180, 0.225, 3011395668, 0.03359, plqy_from_heterostructure=True
    )
    assert any("circular" in w for w in circ.warnings)
    bad = transfer_efficiency(5502883, 0.113, 0.180, 0.225, 3011395668, 0.01)
    assert any("outside [0, 1]" in w for w in bad.warnings)
    assert bad.status == "suspect" and "eta_trans" in bad.message  # outside the physics
    with pytest.raises(ParameterError, match=r"standard errors must be >= 0: k=-0.1"):
        transfer_efficiency(1, 0.1, 0.1, 0.1, 1, Quantity(1.0, -0.1, "counts/(OD*counts)"))
    # a campaign passes the common k of Table 3-1 as a Quantity: its error reaches eta
    with_k = transfer_efficiency(
        5502883, 0.113, 0.180, 0.225, 3011395668, Quantity(0.03359, 3e-4, "")
    )
    assert with_k.parameters["eta_trans"].stderr > 0


def test_absorptance_option_bias_of_the_linear_form():
    """Spec V21: absorptance/(ln10·OD) is 0.836 for 1:1 (OD 0.160) and 0.727 for 1:30 (0.293)."""
    for a_pbs, a_per, ratio in ((0.022, 0.138, 0.836), (0.113, 0.180, 0.727)):
        f1, f2 = absorbed_fractions(a_pbs, a_per, "absorptance")
        assert (f1 + f2) / (math.log(10) * (a_pbs + a_per)) == pytest.approx(ratio, abs=0.001)
        assert f1 / f2 == pytest.approx(a_pbs / a_per)


def test_k_from_a_pure_pbs_reference_recovers_eta():
    k_true, iex, q = 0.02, 1e9, 0.3
    pl_ref = k_true * 0.1 * q * iex
    k = collection_factor_from_reference(pl_ref, 0.1, q, iex)
    assert k == pytest.approx(k_true)
    pl = k_true * (0.05 + 0.4 * 0.2) * q * iex
    assert transfer_efficiency(pl, 0.05, 0.2, q, iex, k).value("eta_trans") == pytest.approx(0.4)


def test_transfer_table_csv_and_cli(tmp_path):
    p = tmp_path / "t31.csv"
    cols = ["ratio", "I_ex", "PL_PbS", "A_PbS", "A_perov", "PLQY_PbS", "eta_trans"]
    t = load_table("table_3_1")
    lines = [",".join(cols)]
    for row in t["rows"]:
        lines.append(
            ",".join(
                f"{row[c]:.3f}"
                if c in ("A_PbS", "A_perov", "PLQY_PbS")
                else str(int(row[c]))
                if c in ("I_ex", "PL_PbS")
                else str(row[c])
                for c in cols
            )
        )
    p.write_text("\n".join(lines) + "\n")
    rows, rounding = read_transfer_table(p)
    assert [r["ratio"] for r in rows] == ["1:1", "1:3", "1:5", "1:10", "1:30"]
    assert rounding["A_perov"] == pytest.approx(0.0005)
    assert rounding["eta_trans"] == pytest.approx(0.005)
    out = runner.invoke(app, ["transfer-efficiency", str(p), "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["statistics"]["inconsistent_rows"] == ["1:3"]
    assert d["parameters"]["k"]["value"] == pytest.approx(0.03359, abs=5e-6)
    thesis = runner.invoke(app, ["transfer-efficiency", "--thesis"])
    assert thesis.exit_code == 0 and "row 1:3 does not fit" in thesis.output
    bad = tmp_path / "bad.csv"
    bad.write_text("ratio,I_ex\n1:1,3\n")
    with pytest.raises(FormatError, match="missing columns PL_PbS, A_PbS, A_perov, PLQY_PbS"):
        read_transfer_table(bad)
    out = runner.invoke(app, ["transfer-efficiency", str(bad)])
    assert out.exit_code == 2 and "error:" in out.output


def test_plqy_cli(tmp_path):
    sample, blank = sphere_spectra(0.4, 0.5, seed=9)
    ps, pb = (
        write_spectrum_csv(sample, tmp_path / "s.csv"),
        write_spectrum_csv(blank, tmp_path / "b.csv"),
    )
    out = runner.invoke(
        app,
        ["plqy", str(ps), str(pb), "--laser", "455", "475", "--emission", "480", "580", "--json"],
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["parameters"]["plqy"]["value"] == pytest.approx(0.4, abs=0.02)


def test_three_measurement_de_mello_from_spectra():
    """Indirect illumination absorbs μ = 0.1 of the scattered laser and emits accordingly."""
    lam = np.arange(440.0, 600.0, 0.5)
    laser = 1e6 * np.exp(-0.5 * ((lam - 465) / 1.5) ** 2) / (1.5 * math.sqrt(2 * math.pi))
    shape = np.exp(-0.5 * ((lam - 515) / 8) ** 2) / (8 * math.sqrt(2 * math.pi))
    phi, a, mu = 0.55, 0.4, 0.1
    la = laser.sum() * 0.5
    indirect = laser * (1 - mu) + phi * mu * la * shape
    direct = laser * (1 - a) * (1 - mu) + phi * (a + (1 - a) * mu) * la * shape
    spectra = [make_spectrum(lam, y, "wavelength", units="1") for y in (direct, laser, indirect)]
    r = plqy_absolute(
        spectra[0],
        spectra[1],
        laser_window=(455, 475),
        emission_window=(480, 580),
        indirect=spectra[2],
    )
    assert r.parameters["plqy"].value == pytest.approx(phi, rel=1e-3)
    assert r.derived["absorptance"].value == pytest.approx(a, rel=1e-3)
    # two measurements: same Φ in this model, but the absorptance includes the indirect part
    r2 = plqy_absolute(spectra[0], spectra[1], laser_window=(455, 475), emission_window=(480, 580))
    assert r2.parameters["plqy"].value == pytest.approx(phi, rel=1e-3)
    assert r2.derived["absorptance"].value == pytest.approx(a + (1 - a) * mu, rel=1e-3)


def test_table_3_1_absorptance_is_finite_and_says_the_rows_disagree():
    """Issue #9: --absorbed absorptance gave NaN for k and every eta with status ok."""
    from heterolab.thesis import thesis_table_3_1

    r = thesis_table_3_1(absorbed="absorptance")
    assert not r.nan_quantities()
    assert r.status == "suspect" and "do not share one collection factor" in r.message
    # k solved per row with f = (A_i/A_tot)(1 - 10^-A_tot), written out for row 1:30
    a, b = 0.113, 0.180
    f = 1 - 10 ** -(a + b)
    k_30 = 5502883 / ((a / (a + b) * f + 0.7156 * b / (a + b) * f) * 0.225 * 3011395668)
    assert r.derived["k_1:30"].value == pytest.approx(k_30, rel=1e-9)
    assert r.parameters["k"].stderr > 0
    out = runner.invoke(
        app, ["spectrum", "transfer-efficiency", "--thesis", "--absorbed", "absorptance"]
    )
    assert out.exit_code == 1 and "nan" not in out.output
    linear = thesis_table_3_1()
    assert linear.ok and linear.statistics["inconsistent_rows"] == ["1:3"]


def test_steady_state_commands_live_in_the_spectrum_group_and_old_names_work():
    listing = runner.invoke(app, ["spectrum", "--help"]).output
    for name in ("plqy", "transfer-efficiency", "temperature"):
        assert name in listing
    top = runner.invoke(app, ["--help"]).output
    assert "transfer-efficiency" not in top
    old = runner.invoke(app, ["transfer-efficiency", "--thesis", "--json"])
    assert old.exit_code == 0 and json.loads(old.output)["statistics"]["inconsistent_rows"] == [
        "1:3"
    ]


def test_transfer_table_is_read_by_io_with_the_shared_text_parser(tmp_path):
    """Issue #8: file reading lives in io; a semicolon/decimal-comma table reads like a CSV."""
    import heterolab.spectroscopy as sp

    assert read_transfer_table.__module__ == "heterolab.io.spectra"
    assert sp.read_transfer_table is read_transfer_table
    p = tmp_path / "t.csv"
    p.write_text(
        "# Table 3-1, row 1:30\n"
        "ratio;I_ex;PL_PbS;A_PbS;A_perov;PLQY_PbS;eta_trans\n"
        "1:30;3011395668;5502883;0,113;0,180;0,225;71,56\n"
    )
    rows, rounding = read_transfer_table(p)
    assert rows == [
        {
            "ratio": "1:30",
            "I_ex": 3011395668.0,
            "PL_PbS": 5502883.0,
            "A_PbS": 0.113,
            "A_perov": 0.180,
            "PLQY_PbS": 0.225,
            "eta_trans": 71.56,
        }
    ]
    assert rounding["A_PbS"] == pytest.approx(5e-4) and rounding["eta_trans"] == pytest.approx(5e-3)
    p.write_text("ratio,I_ex,PL_PbS,A_PbS,A_perov,PLQY_PbS\n1:1,3,4,0.1,x,0.2\n")
    with pytest.raises(FormatError, match=r"line 2.*non-numeric cell 'x' in column 5"):
        read_transfer_table(p)
