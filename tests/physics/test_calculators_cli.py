"""Result-returning calculators, the ``heterolab physics``/``recipe`` CLI and the plots."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from heterolab.calculators import (
    brus_energies,
    confined_band_edges,
    heterojunction,
    mismatch,
    nucleation_summary,
    parse_hkl,
    peak_from_size,
    plane_search,
    size_from_peak,
    tolerance,
)
from heterolab.cli import app
from heterolab.errors import ParameterError
from heterolab.result import Result

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.output


def test_size_calculators_match_models():
    pbs = size_from_peak("PbS", 899.5)
    assert pbs.derived["diameter"].value == pytest.approx(2.9, abs=0.001)
    assert any("ABSORPTION" in w for w in pbs.warnings)
    cs = peak_from_size("CsPbBr3", 8.14)
    assert cs.derived["peak_wavelength"].value == pytest.approx(492.4, abs=0.05)
    assert cs.statistics["regime"] == "intermediate"
    back = size_from_peak("CsPbBr3", cs.derived["peak_energy"].value, "eV")
    assert back.derived["diameter"].value == pytest.approx(8.14, rel=1e-8)
    with pytest.raises(ParameterError, match="lacks electron_mass, hole_mass"):
        size_from_peak("PMA2PbBr4", 400)


def test_brus_terms_add_up():
    r = brus_energies("CsPbBr3", 8.14)
    d = r.derived
    total = 2.342 + d["kinetic_term"].value + d["coulomb_term"].value + d["correlation_term"].value
    assert d["E_brus"].value == pytest.approx(total)
    assert d["E_kinetic"].value == pytest.approx(2.342 + d["kinetic_term"].value)
    assert set(r.curves) == {"brus", "kinetic", "weak", "cube", "thesis"}
    assert any("erratum" in w for w in r.warnings)


def test_structure_and_nucleation_calculators():
    t = tolerance("Cs+", "Pb2+", "Br-")
    assert t.derived["tolerance_factor"].value == pytest.approx(0.862, abs=5e-4)
    assert not t.warnings
    bad = tolerance("Na+", "Pb2+", "I-")
    assert bad.warnings and "< 0.8" in bad.warnings[0]
    m = mismatch("CsPbBr3", "1,0,0", 33.37 / 6, None, reference="a")
    assert m.derived["mismatch"].value == pytest.approx(-5.61 / 1.0561, abs=0.01)
    big = mismatch("CsPbBr3", "100", 33.37 / 6, None)
    assert big.derived["mismatch"].value == pytest.approx(5.61, abs=0.01)
    assert any("5 % limit" in w for w in big.warnings)
    assert any("fitted to the thesis" in w for w in big.warnings)  # a = 5.874 A is thesis XRD
    s = plane_search("CsPbBr3", "PbS")
    assert "200/200" in s.derived
    n = nucleation_summary(gamma=0.0728, temperature=293, supersaturation=4, molar_volume=1.8e-5)
    assert n.derived["critical_radius"].value == pytest.approx(0.776, abs=0.001)
    e = confined_band_edges("CsPbBr3")
    assert e.derived["gap"].value == pytest.approx(2.37)


def test_parse_hkl():
    assert parse_hkl("110") == (1, 1, 0)
    assert parse_hkl("(0,0,10)") == (0, 0, 10)
    assert parse_hkl("1 1 1") == (1, 1, 1)
    with pytest.raises(ParameterError, match="three integers"):
        parse_hkl("0010")


def test_results_round_trip_json():
    for r in (brus_energies("CsPbBr3", 6.0), tolerance("FA+", "Pb2+", "I-")):
        back = Result.from_dict(json.loads(json.dumps(r.to_dict())))
        assert back.derived == r.derived


def test_cli_physics_commands():
    code, out = _run("physics", "size", "PbS", "--peak", "1027", "--json")
    assert code == 0
    assert json.loads(out)["derived"]["diameter"]["value"] == pytest.approx(3.40, abs=0.005)
    code, out = _run("physics", "tolerance", "Cs+", "Pb2+", "I-", "--a-cn", "VI")
    # suspect (exit 1): Goldschmidt t = 0.807 is inside its window, Bartel tau is not
    assert code == 1 and "0.8072" in out and "criteria disagree" in out
    code, out = _run(
        "physics", "mismatch", "CsPbBr3", "PbS", "--hkl-a", "2,2,0", "--hkl-b", "2,2,0"
    )
    assert code == 0 and "mismatch  -1.0478" in out
    code, out = _run("physics", "brus", "CsPbBr3", "9.4", "--json")
    assert json.loads(out)["derived"]["wavelength_brus"]["value"] == pytest.approx(504.65, abs=0.01)
    code, out = _run(
        "physics", "bands", "CsPbBr3", "--cbm", "-3.5", "--vbm", "-5.8", "--diameter", "8", "--json"
    )
    assert code == 0 and json.loads(out)["derived"]["CBM"]["value"] > -3.5
    code, out = _run(
        "physics",
        "nucleation",
        "--gamma",
        "0.0728",
        "--temperature",
        "293",
        "-S",
        "4",
        "--molar-volume",
        "1.8e-5",
    )
    assert code == 0 and "barrier_over_kT                45.39" in out


def test_cli_errors_are_messages_not_tracebacks():
    res = runner.invoke(app, ["physics", "size", "Foo", "--peak", "3"])
    assert res.exit_code == 2
    assert "error: unknown material 'Foo'" in res.output
    res = runner.invoke(
        app, ["physics", "mismatch", "CsPbBr3", "PbS", "--hkl-a", "1,0,0", "--hkl-b", "1,0,0"]
    )
    assert res.exit_code == 2 and "extinct for the Fm-3m cell of PbS" in res.output


def test_cli_recipe_commands():
    code, out = _run("recipe", "list")
    assert code == 0 and "cs_dopa" in out and "pma2pbbr4_cspbbr3" in out
    code, out = _run("recipe", "check", "lecithin")
    assert code == 0 and "warning: Lecithin stock" in out
    code, out = _run("recipe", "sulfur", "1:1", "--stock", "0.04", "--json")
    d = json.loads(out)["derived"]
    assert d["stock_volume"]["value"] == pytest.approx(80.0)
    assert d["S_concentration_thesis_convention"]["value"] == pytest.approx(1.0667, abs=1e-4)
    code, out = _run("recipe", "limiting", "PMA=1", "Pb=1.6", "Br=3.2", "--product", "PMA2PbBr4")
    assert code == 0 and "PMA" in out
    res = runner.invoke(app, ["recipe", "sulfur", "1:30", "--stock", "0.01"])
    assert res.exit_code == 2 and "use a stock of at least 0.0615 M" in res.output


def test_plots_write_files(tmp_path):
    out = tmp_path / "brus.png"
    code, _ = _run("physics", "brus", "CsPbBr3", "8", "--plot", str(out))
    assert code == 0 and out.stat().st_size > 1000
    code, _ = _run("physics", "lamer", "--duration", "30", "--plot", str(tmp_path / "l.png"))
    assert code == 0 and (tmp_path / "l.png").stat().st_size > 1000
    fig = nucleation_summary(
        gamma=0.1, temperature=500, supersaturation=5, molar_volume=3e-5
    ).plot()
    assert fig.axes[0].get_xlabel() == "radius (nm)"


def test_pma2pbbr4_stacking_period_mismatch_and_stem_value():
    # HR-STEM c = 32.76 A gives 1.43 / 3.52 / 7.58 % (d3D - d2D)/d2D (V10), not 0.94/1.35/5.61
    for hkl_a, hkl_b, f in (
        ("110", "0,0,8", 1.43),
        ("111", "0,0,10", 3.52),
        ("100", "0,0,6", 7.58),
    ):
        r = mismatch("CsPbBr3", hkl_a, "PMA2PbBr4", hkl_b, phase_b="stacking_period_stem")
        assert r.derived["mismatch"].value == pytest.approx(f, abs=0.01)
        assert any("HR-STEM" in w for w in r.warnings)
    with pytest.raises(ParameterError, match=r"give a \(0,0,l\) plane or a CIF"):
        mismatch("CsPbBr3", "110", "PMA2PbBr4", "1,1,0")


def test_heterojunction_thesis_type_ii_and_confinement():
    # thesis §4.3.2 / V6: type II, CBO 1.35 eV, VBO 0.66 eV, e- -> CsPbBr3, h+ -> PMA2PbBr4
    r = heterojunction("CsPbBr3", "PMA2PbBr4")
    assert r.statistics["type"] == "type II"
    assert r.derived["conduction_band_offset"].value == pytest.approx(1.35)
    assert r.derived["valence_band_offset"].value == pytest.approx(0.66)
    assert (r.statistics["electrons_to"], r.statistics["holes_to"]) == ("CsPbBr3", "PMA2PbBr4")
    # the bundled edges are measured on films: confinement on top of them is refused
    with pytest.raises(ParameterError, match="measured on a nanocrystal film"):
        heterojunction("CsPbBr3", "PMA2PbBr4", diameter_a_nm=4.0)
    code, out = _run("physics", "bands", "CsPbBr3", "PMA2PbBr4", "--json")
    assert code == 0 and json.loads(out)["statistics"]["type"] == "type II"


def test_choice_options_are_enums_listed_in_help_and_case_insensitive():
    """Issue #8: a fixed set of values is a StrEnum declared once in the analysis module; the
    command line lists it in --help and takes any case; the Python API takes either."""
    from typer.testing import CliRunner

    from heterolab.cli import app
    from heterolab.physics.confinement import BrusModel, exciton_energy_ev

    runner = CliRunner()
    out = runner.invoke(app, ["physics", "size", "--help"])
    assert "brus" in out.output and "kinetic" in out.output and "thesis" in out.output
    upper = runner.invoke(
        app, ["physics", "size", "CsPbBr3", "--peak", "495", "--model", "KINETIC"]
    )
    lower = runner.invoke(
        app, ["physics", "size", "CsPbBr3", "--peak", "495", "--model", "kinetic"]
    )
    assert upper.exit_code == 0 and upper.output == lower.output
    bad = runner.invoke(app, ["physics", "size", "CsPbBr3", "--peak", "495", "--model", "foo"])
    assert bad.exit_code == 2
    kw = {"band_gap_ev": 2.342, "electron_mass": 0.15, "hole_mass": 0.14, "eps_r": 4.96}
    assert exciton_energy_ev(8.0, model=BrusModel.CUBE, **kw) == exciton_energy_ev(
        8.0, model="Cube", **kw
    )
