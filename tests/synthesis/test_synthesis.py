"""Recipes and the stoichiometry calculator against the thesis (§3.2, §4.2; spec V16)."""

from __future__ import annotations

import pytest

from heterolab.errors import ParameterError
from heterolab.synthesis import (
    available_recipes,
    check_stock,
    dilution,
    get_reagent,
    get_recipe,
    limiting_reagent,
    molar_mass,
    molarity,
    parse_ratio,
    reaction_inventory,
    sulfur_addition,
    sulfur_stock_for_volume,
)


def test_formula_masses():
    assert molar_mass("Cs2CO3") == pytest.approx(325.82, abs=0.02)
    assert molar_mass("PbBr2") == pytest.approx(367.01, abs=0.01)
    assert molar_mass("(C7H10N)2PbBr4") == pytest.approx(743.1, abs=0.1)
    assert get_reagent("(TMS)2S").molar_mass == pytest.approx(178.4, abs=0.1)
    with pytest.raises(ParameterError, match="unknown element 'Xx'"):
        molar_mass("Xx2O")
    with pytest.raises(ParameterError, match=r"unbalanced '\('"):
        molar_mass("(CH3")
    with pytest.raises(ParameterError, match="unknown reagent 'unobtainium'"):
        get_reagent("unobtainium")


def test_stated_stock_concentrations_v16():
    cs = check_stock("cs_dopa")
    assert cs.derived["concentration"].value == pytest.approx(0.0205, abs=1e-4)
    assert not cs.warnings  # 0.0205 vs stated 0.02: within 5 %
    pb = check_stock("pbbr2_topo")
    assert pb.derived["concentration"].value == pytest.approx(0.040)
    lec = check_stock("lecithin")
    assert lec.derived["concentration_min"].value == pytest.approx(0.0636, abs=2e-4)
    assert lec.derived["concentration_max"].value == pytest.approx(0.0660, abs=2e-4)
    assert len(lec.warnings) == 1 and "stated [lecithin] = 0.13 M" in lec.warnings[0]


def test_chapter4_precursor_concentrations():
    r = get_recipe("pma2pbbr4_cspbbr3_precursor")
    conc = {c.reagent: c.amount_mmol / r.volume_ml for c in r.components if c.amount_mmol}
    assert conc == pytest.approx({"CsBr": 0.10, "PbBr2": 0.50, "PMA": 0.25, "BA": 1.85})


def test_reaction_inventory_cspbbr3():
    inv = reaction_inventory("cspbbr3_qds")
    assert inv.derived["amount_Pb"].value == pytest.approx(3.20)
    assert inv.derived["amount_Cs"].value == pytest.approx(0.80)
    assert inv.derived["ratio_Pb_Cs"].value == pytest.approx(4.0)
    assert inv.derived["volume"].value == pytest.approx(3.12)
    computed = reaction_inventory("cspbbr3_qds", use="computed")
    assert computed.derived["amount_Cs"].value == pytest.approx(0.818, abs=1e-3)
    with pytest.raises(ParameterError, match="not a reaction"):
        reaction_inventory("cs_dopa")
    assert "cspbbr3_pbs_heterostructure" in available_recipes()
    assert get_recipe("cspbbr3_pbs_heterostructure").extra["pb_s_ratios"][-1] == "1:30"


def test_sulfur_addition_reproduces_thesis_1mM():
    r = sulfur_addition("1:1", s_stock_molar=0.04)
    assert r.derived["S_amount"].value == pytest.approx(3.20)
    assert r.derived["stock_volume"].value == pytest.approx(80.0)
    # thesis Table 3-1 [S] = 1.06 mM is 3.20 umol / 3.0 mL
    assert r.derived["S_concentration_thesis_convention"].value == pytest.approx(1.067, abs=1e-3)
    assert r.derived["S_concentration"].value == pytest.approx(3.2 / 3.2)


def test_sulfur_series_scales_linearly_and_checks():
    vols = [
        sulfur_addition(q, s_stock_molar=1.0).derived["stock_volume"].value
        for q in ("1:1", "1:3", "1:5", "1:10", "1:30")
    ]
    assert vols == pytest.approx([3.2, 9.6, 16.0, 32.0, 96.0])
    with pytest.raises(ParameterError, match=r"use a stock of at least 0\.0615 M"):
        sulfur_addition("1:30", s_stock_molar=0.01)
    with pytest.raises(ParameterError, match="must be positive numbers: s_stock_molar = -1"):
        sulfur_addition("1:3", s_stock_molar=-1)
    warn = sulfur_addition("1:30", s_stock_molar=0.2)
    assert "dilutes the reaction" in warn.warnings[0]


def test_ratio_parsing():
    assert parse_ratio("1:30") == 30.0
    assert parse_ratio("2/1") == 0.5
    assert parse_ratio(5) == 5.0
    for bad in ("1:0", "a:b", "1:2:3", -1, float("nan")):
        with pytest.raises(ParameterError):
            parse_ratio(bad)


def test_stock_for_volume_and_helpers():
    # PbS QDs: 80 uL PbBr2-TOPO + 80 uL (TMS)2S is 1:1 only with a 0.04 M sulfur solution
    assert sulfur_stock_for_volume("1:1", addition_ul=80) == pytest.approx(0.04)
    assert molarity(367.01, "PbBr2", 25.0) == pytest.approx(0.04, rel=1e-4)
    assert dilution(0.5, 0.2, 10.2) == pytest.approx(0.5 * 0.2 / 10.2)
    with pytest.raises(ParameterError, match="not a dilution"):
        dilution(1.0, 2.0, 1.0)


def test_limiting_reagent_chapter4():
    cs = limiting_reagent({"Cs": 0.4, "Pb": 2.0, "Br": 4.4})
    assert cs.statistics["limiting"] == "Cs"
    assert cs.derived["excess_Pb"].value == pytest.approx(1.6)
    pma = limiting_reagent({"PMA": 1.0, "Pb": 1.6, "Br": 3.2}, "PMA2PbBr4")
    assert pma.statistics["limiting"] == "PMA"
    assert pma.derived["product_amount"].value == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="no amount given for Br"):
        limiting_reagent({"Cs": 1, "Pb": 1})
    with pytest.raises(ParameterError, match="unknown product 'CdSe'"):
        limiting_reagent({"Cd": 1}, "CdSe")
