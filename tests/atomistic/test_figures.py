"""Atomistic figures (issue #15/#16): band edges per region and interface energies per area,
through the report functions and the CLI's --plot; every axis names its quantity and unit,
and the interface-energy figure names the method (DFT or the ML model)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")
pytest.importorskip("matplotlib", reason="the report extra (matplotlib) is not installed")

from heterolab.atomistic.analyse import band_edges, interface_energy, interface_energy_table
from heterolab.cli import app
from shared_paths import shared_file

UNIT = re.compile(r"\((eV|J/m²)\)$")


def _units(fig) -> list[str]:
    ax = fig.axes[0]
    return [ax.get_xlabel(), ax.get_ylabel()]


def test_band_edges_figure_cell_and_regions() -> None:
    vr = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    res = band_edges(vr)
    fig = res.plot()
    xlabel, ylabel = _units(fig)
    assert xlabel == "region" and UNIT.search(ylabel) and ylabel.startswith("energy")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cell"]
    gap_text = [t.get_text() for t in ax.texts]
    assert f"{res.value('gap'):.2f} eV" in gap_text
    # two regions: one column each, the offsets and alignment written on the figure
    from heterolab.result import Quantity, Result

    two = Result(
        kind="atomistic.band_edges",
        derived={
            "gap": Quantity(1.0, None, "eV"),
            "vbm": Quantity(0.0, None, "eV"),
            "cbm": Quantity(1.0, None, "eV"),
            "efermi": Quantity(0.5, None, "eV"),
            "A_vbm": Quantity(0.0, None, "eV"),
            "A_cbm": Quantity(2.3, None, "eV"),
            "B_vbm": Quantity(0.4, None, "eV"),
            "B_cbm": Quantity(1.0, None, "eV"),
            "vbo": Quantity(0.4, None, "eV"),
            "cbo": Quantity(-1.3, None, "eV"),
        },
        statistics={"alignment": "type I"},
    )
    ax2 = two.plot().axes[0]
    assert [t.get_text() for t in ax2.get_xticklabels()] == ["A", "B"]
    assert UNIT.search(ax2.get_ylabel())
    texts = " ".join(t.get_text() for t in ax2.texts)
    assert "2.30 eV" in texts and "0.60 eV" in texts


def test_interface_energy_bar_names_the_method() -> None:
    res = interface_energy(-100.0, -60.0, -38.5, 50.0, method="ML screening: SevenNet-0 test")
    ax = res.plot().axes[0]
    assert UNIT.search(ax.get_ylabel()) and ax.get_xlabel() == "interface"
    assert "SevenNet-0 test" in ax.get_title()
    (bar,) = ax.patches
    assert bar.get_height() == pytest.approx(res.value("gamma_si"))
    table = interface_energy_table(
        {
            "vertical": interface_energy(-100.0, -60.0, -38.5, 50.0, method="DFT"),
            "lateral": interface_energy(-200.0, -120.0, -79.0, 60.0, method="DFT"),
        }
    )
    ax = table.plot().axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["vertical", "lateral"]
    assert [p.get_height() for p in ax.patches] == pytest.approx(
        [table.value("vertical_gamma_si"), table.value("lateral_gamma_si")]
    )
    assert ax.get_title() == "DFT" and UNIT.search(ax.get_ylabel())


def test_cli_plot_for_edges_and_energy(tmp_path) -> None:
    runner = CliRunner()
    vr = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    png = tmp_path / "edges.png"
    res = runner.invoke(
        app, ["atomistic", "analyse", "edges", str(vr), "--plot", str(png), "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["statistics"]["kind"] == "atomistic.band_edges"
    assert png.stat().st_size > 0
    png = tmp_path / "gamma.png"
    args = ["atomistic", "analyse", "energy", "--area", "50", "--plot", str(png)]
    res = runner.invoke(app, [*args, "--json", "--", "-100", "-60", "-38.5"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["derived"]["gamma"]["value"] == pytest.approx(-0.03)
    assert png.stat().st_size > 0


def test_cli_choices_are_enums_and_case_insensitive(tmp_path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["atomistic", "screen", "--help"])
    assert "7net-0" in res.output and "chgnet" in res.output and "precon-lbfgs" in res.output
    res = runner.invoke(
        app,
        [
            "atomistic",
            "vasp-inputs",
            "PbS",
            str(tmp_path / "r"),
            "--bulk",
            "--kind",
            "STATIC",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "LCHARG = True" in (tmp_path / "r" / "INCAR").read_text()
    res = runner.invoke(
        app, ["atomistic", "vasp-inputs", "PbS", str(tmp_path / "r"), "--kind", "md"]
    )
    assert res.exit_code == 2 and "relax" in res.output and "static" in res.output
