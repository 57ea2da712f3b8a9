"""Photostability T80 (P-53), Förster overlap and radius (P-49), sizes (P-47/48), FT-IR."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import constants as sc
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import ParameterError
from heterolab.io.spectra import make_spectrum, write_spectrum_csv
from heterolab.spectroscopy.forster import (
    forster_efficiency,
    forster_radius_nm,
    forster_rate,
    spectral_overlap,
)
from heterolab.spectroscopy.ftir import assign_bands, ftir_peaks, ligand_bands
from heterolab.spectroscopy.sizes import cspbbr3_size_from_peak, pbs_size_from_absorption
from heterolab.spectroscopy.stability import retention_series
from heterolab.units import HC_EV_NM


# ----------------------------------------------------------------------------- stability
def test_t80_of_an_exponential_decay_from_data_and_fit():
    t = np.linspace(0, 200, 41)
    tau = 300.0
    r = retention_series(t, 0.8 * np.exp(-t / tau))
    assert r.derived["t80"].value == pytest.approx(tau * math.log(1 / 0.8), rel=2e-3)
    assert r.derived["t80_fit"].value == pytest.approx(tau * math.log(1 / 0.8), rel=1e-6)
    assert r.parameters["decay_time"].value == pytest.approx(tau, rel=1e-6)
    assert "t50" not in r.derived and r.statistics["t50_above_h"] == 200.0
    assert r.ok  # a T50 beyond the series is a lower bound, not a failed analysis
    assert "T50 not reached within 200 h" in r.warnings


def test_thesis_losses_after_180_h():
    """§3.3.3: visible absorbance −16 % (CsPbBr3), −9 % (1:1), ≈0 % (1:30) after 180 h."""
    for start, end, loss in ((1.0, 0.84, 16.0), (0.5, 0.455, 9.0), (0.3, 0.3, 0.0)):
        r = retention_series(np.array([0.0, 180.0]), np.array([start, end]))
        assert r.derived["final_loss"].value == pytest.approx(loss, abs=1e-9)
        assert "t80" not in r.derived and r.statistics["t80_above_h"] == 180.0 and r.ok
    with pytest.raises(ParameterError, match="strictly increasing"):
        retention_series([0, 0], [1, 1])


# ----------------------------------------------------------------------------- Förster
def test_r0_prefactor_equals_the_si_formula():
    """R0^6 = 9 ln10 κ² Φ J / (128 π^5 n^4 N_A) with J converted to SI (Lakowicz 2006, Eq. 13.5)."""
    j, qy, n, k2 = 1.0e15, 0.6, 1.4, 2 / 3
    j_si = j * 1e-3 * 1e2 * 1e-36  # M^-1 cm^-1 nm^4 -> (m^3/mol)(1/m)(m^4) = m^6/mol
    r0_si = (9 * math.log(10) * k2 * qy * j_si / (128 * math.pi**5 * n**4 * sc.N_A)) ** (1 / 6)
    assert forster_radius_nm(j, qy, refractive_index=n, kappa2=k2) == pytest.approx(
        r0_si * 1e9, rel=1e-3
    )


def test_overlap_of_narrow_donor_on_flat_acceptor():
    lam = np.linspace(380, 440, 601)
    donor = make_spectrum(lam, np.exp(-0.5 * ((lam - 410) / 0.5) ** 2), "wavelength")
    acceptor = make_spectrum(
        np.linspace(300, 600, 301), np.full(301, 2.0e5), "wavelength", units="1"
    )
    j = spectral_overlap(donor, acceptor)
    assert j == pytest.approx(2.0e5 * 410.0**4, rel=1e-4)
    r = forster_rate(donor, acceptor, donor_qy=0.5, donor_lifetime_ns=1.0, distance_nm=5.0)
    r0 = r.derived["forster_radius"].value
    assert r.derived["efficiency"].value == pytest.approx(r0**6 / (r0**6 + 5.0**6))
    assert r.derived["rate"].value == pytest.approx((r0 / 5.0) ** 6 * 1e9)
    assert forster_efficiency(r0, r0, "plane") == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="geometry must be"):
        forster_efficiency(1.0, 1.0, "line")


# ----------------------------------------------------------------------------- sizes
def absorption_with_exciton(peak_nm, seed):
    rng = np.random.default_rng(seed)
    e = np.linspace(0.9, 2.2, 1301)
    e0 = HC_EV_NM / peak_nm
    a = 0.02 * (e - 0.7) ** 2 + 0.03 * np.exp(-0.5 * ((e - e0) / 0.05) ** 2)
    a = a + 0.015 * np.exp(-0.5 * ((e - e0 - 0.35) / 0.1) ** 2) + rng.normal(0, 2e-5, e.size)
    return make_spectrum(HC_EV_NM / e, a, "wavelength", units="OD")


@pytest.mark.parametrize(("peak_nm", "diameter"), [(899, 2.9), (1027, 3.4)])
def test_pbs_size_series_from_first_exciton(peak_nm, diameter):
    """Thesis Fig. 3-16e: 2.9 → 3.4 nm (Pb/S 1:1 → 1:30) ⇔ Moreels 2009 peaks 899 / 1027 nm."""
    r = pbs_size_from_absorption(absorption_with_exciton(peak_nm, seed=peak_nm), (800, 1200))
    assert r.ok
    assert r.derived["peak_wavelength"].value == pytest.approx(peak_nm, abs=5)
    assert r.derived["diameter"].value == pytest.approx(diameter, abs=0.05)


def test_cspbbr3_size_from_emission_matches_verification_c8():
    assert cspbbr3_size_from_peak(492.4).derived["diameter"].value == pytest.approx(8.14, abs=0.01)
    assert cspbbr3_size_from_peak(504.7).derived["diameter"].value == pytest.approx(9.40, abs=0.01)


# ----------------------------------------------------------------------------- FT-IR
def test_ligand_table_has_sources_for_every_thesis_ligand():
    rows = ligand_bands()
    names = " ".join(str(r["ligand"]).lower() for r in rows)
    for lig in (
        "dopa",
        "topo",
        "lecithin",
        "benzylamine",
        "benzoic acid",
        "oleic acid",
        "oleylamine",
    ):
        assert lig in names
    assert all(r["reference"] in ("Socrates", "Deacon1980") and r["low"] < r["high"] for r in rows)
    with pytest.raises(ParameterError, match="no bands for ligands"):
        ligand_bands(["pyridine"])


def test_ftir_peaks_on_baseline_are_assigned():
    wn = np.arange(800.0, 3600.0, 1.0)
    bands = [(2922, 15, 1.0), (2852, 12, 0.7), (1540, 20, 0.4), (1410, 15, 0.3), (1710, 10, 0.2)]
    y = sum(h * np.exp(-0.5 * ((wn - c) / w) ** 2) for c, w, h in bands)
    rng = np.random.default_rng(0)
    y = y + 0.1 + 2e-5 * (wn - 800) + rng.normal(0, 0.003, wn.size)
    r = ftir_peaks(
        make_spectrum(wn, y, "wavenumber", units="OD"),
        ligands=["oleic", "oleate", "alkyl"],
        baseline_options={"lam": 1e7},
    )
    pos = sorted(q.value for k, q in r.parameters.items())
    assert len(pos) == 5
    for (c, _, _), p in zip(sorted(bands), pos, strict=True):
        assert p == pytest.approx(c, abs=2)
    a = {round(float(k), -1): v for k, v in r.statistics["assignments"].items()}
    assert any("COO- asymmetric" in s for s in a[1540])
    assert any("C=O stretch" in s for s in a[1710])
    assert r.statistics["unassigned"] == []
    assert assign_bands([2000.0])[2000.0] == []


def test_spectrum_peaks_fit_exciton_cli(tmp_path):
    lam = np.arange(440.0, 600.0, 0.5)
    e = HC_EV_NM / lam
    y = 1000 * np.exp(-0.5 * ((e - 2.43) / 0.035) ** 2) * e**2 / HC_EV_NM + 1.0
    p = write_spectrum_csv(make_spectrum(lam, y, "wavelength"), tmp_path / "pl.csv")
    out = CliRunner().invoke(app, ["spectrum", "peaks", str(p), "--window", "460", "580", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["parameters"]["peak_energy"]["value"] == pytest.approx(
        2.43, abs=2e-3
    )
    out = CliRunner().invoke(
        app, ["spectrum", "fit", str(p), "--center", "510", "--plot", str(tmp_path / "f.png")]
    )
    assert out.exit_code == 0, out.output
    assert (tmp_path / "f.png").exists()
    q = write_spectrum_csv(absorption_with_exciton(899, 1), tmp_path / "abs.csv")
    out = CliRunner().invoke(
        app, ["spectrum", "exciton", str(q), "--window", "800", "1200", "--pbs-size", "--json"]
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["derived"]["diameter"]["value"] == pytest.approx(2.9, abs=0.05)
    out = CliRunner().invoke(app, ["spectrum", "peaks", str(tmp_path / "missing.csv")])
    assert out.exit_code == 2 and "file does not exist" in out.output
