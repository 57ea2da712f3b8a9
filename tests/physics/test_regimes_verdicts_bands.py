"""Issue #9/#8: models say when they leave their regime, one tolerance verdict, one bands command."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from heterolab.calculators import brus_energies, heterojunction, size_from_peak, tolerance
from heterolab.cli import app
from heterolab.errors import FormatError, ParameterError
from heterolab.physics.confinement import regime_warning

runner = CliRunner()

# CsPbBr3 masses and permittivity of the material file, written out independently:
# a_B = eps * a_H / mu with mu = 0.15*0.14/0.29 (Protesescu et al. 2015).
A_H_NM = 0.0529177
A_B_CSPBBR3 = 4.96 * A_H_NM / (0.15 * 0.14 / 0.29)


def test_weak_confinement_inversion_in_the_strong_regime_warns_and_is_suspect():
    # The audit: the weak model inverts to ~5 nm (R = 2.5 nm < a_B = 3.6 nm) without a word.
    r = size_from_peak("CsPbBr3", 2.45, "eV", model="weak")
    d = r.derived["diameter"].value
    assert d / 2 < A_B_CSPBBR3
    assert r.statistics["regime"] == "strong"
    assert any("assumes weak confinement" in w for w in r.warnings)
    assert r.status == "suspect"


def test_strong_confinement_models_say_when_the_crystal_is_large():
    big = size_from_peak("CsPbBr3", 2.36, "eV", model="kinetic")
    assert big.derived["diameter"].value / 2 > 3 * A_B_CSPBBR3
    assert big.status == "suspect" and any("assumes strong" in w for w in big.warnings)
    assert regime_warning("brus", 2.0, A_B_CSPBBR3) is None
    assert "semi-quantitative" in regime_warning("brus", 10.0, A_B_CSPBBR3)
    # every model in brus_energies is checked: at 4 nm the weak model is out of its regime
    assert any("model 'weak'" in w for w in brus_energies("CsPbBr3", 4.0).warnings)
    with pytest.raises(ParameterError, match="unknown confinement model"):
        regime_warning("foo", 4.0, 3.6)


def test_cspbi3_tolerance_verdict_names_its_criterion_and_the_disagreement():
    r = tolerance("Cs+", "Pb2+", "I-")
    # independent numbers: Shannon r_Cs(XII) 1.88, r_Pb 1.19, r_I 2.20
    t = (1.88 + 2.20) / (math.sqrt(2) * (1.19 + 2.20))
    tau = 2.20 / 1.19 - (1 - (1.88 / 1.19) / math.log(1.88 / 1.19))
    assert r.derived["tolerance_factor"].value == pytest.approx(t)
    assert r.derived["bartel_tau"].value == pytest.approx(tau) and tau > 4.18
    assert "Goldschmidt" in r.statistics["criterion"] and "Bartel" in r.statistics["criterion"]
    assert r.statistics["goldschmidt"] == "perovskite" and r.statistics["bartel"] == "no perovskite"
    assert r.statistics["verdict"].startswith("criteria disagree")
    assert r.status == "suspect"
    ok = tolerance("Cs+", "Pb2+", "Br-")
    assert ok.ok and ok.statistics["verdict"] == "stable 3D perovskite"


NUMBERS = ("CsPbBr3:4.56:1.40:2.37", "PMA2PbBr4:4.85:0.45:3.06")


def _json(*args: str) -> dict:
    out = runner.invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_one_bands_command_same_keys_and_signs_for_names_numbers_and_both_paths():
    by_name = _json("bands", "CsPbBr3", "PMA2PbBr4", "--json")
    by_numbers = _json("bands", *NUMBERS, "--json")
    via_physics = _json("physics", "bands", "CsPbBr3", "PMA2PbBr4", "--json")
    for d in (by_numbers, via_physics):
        assert set(d["derived"]) >= {"conduction_band_offset", "valence_band_offset"}
        for key in ("conduction_band_offset", "valence_band_offset"):
            assert d["derived"][key]["value"] == pytest.approx(
                by_name["derived"][key]["value"], abs=1e-9
            )
    assert set(by_name["parameters"]) >= {"A_vbm", "A_cbm", "B_vbm", "B_cbm"}
    # signed convention B - A: thesis Fig. 4-9 levels CBM -3.59/-2.24, VBM -5.96/-5.30 eV
    assert by_name["derived"]["conduction_band_offset"]["value"] == pytest.approx(-2.24 + 3.59)
    assert by_name["derived"]["valence_band_offset"]["value"] == pytest.approx(-5.30 + 5.96)
    swapped = heterojunction("PMA2PbBr4", "CsPbBr3")
    assert swapped.derived["conduction_band_offset"].value == pytest.approx(-1.35)
    assert "CBM_B - CBM_A" in by_name["statistics"]["convention"]


def test_bands_diameter_refuses_measured_film_edges_and_says_which_is_bulk():
    out = runner.invoke(app, ["physics", "bands", "CsPbBr3", "--diameter", "8"])
    assert out.exit_code == 2
    assert "measured on a nanocrystal film" in out.output and "bulk edges only" in out.output
    out = runner.invoke(app, ["bands", *NUMBERS, "--diameter", "8"])
    assert out.exit_code == 2 and "measured values" in out.output
    d = _json("bands", "CsPbBr3", "--cbm", "-3.5", "--vbm", "-5.8", "--diameter", "8", "--json")
    assert d["statistics"]["edges_input"] == "bulk" and d["statistics"]["confinement_added"]
    # hbar^2 pi^2 / (2 m* m0 R^2), R = 4 nm, written out: 0.0380998 eV nm^2 * pi^2 / 16
    k = 0.0380998 * math.pi**2 / 16
    assert d["derived"]["CBM"]["value"] == pytest.approx(-3.5 + k / 0.15, abs=1e-5)
    assert d["derived"]["VBM"]["value"] == pytest.approx(-5.8 - k / 0.14, abs=1e-5)
    plain = _json("bands", "CsPbBr3", "--json")
    assert plain["statistics"]["edges_input"] == "nanocrystal film"


def test_mismatch_given_a_binary_file_is_a_format_error(tmp_path):
    blob = tmp_path / "pattern.bin"
    blob.write_bytes(bytes(range(256)) * 4)
    out = runner.invoke(app, ["physics", "mismatch", str(blob), "PbS", "--hkl-a", "1,0,0"])
    assert out.exit_code == 2 and "not a UTF-8 text file" in out.output
    cif = tmp_path / "x.cif"
    cif.write_bytes(b"data_x\x00\x01\x02")
    from heterolab.calculators import lattice_of

    with pytest.raises(FormatError, match="binary file"):
        lattice_of(cif)
