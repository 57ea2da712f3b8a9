"""``heterolab atomistic ...``: each command through the CLI, with --json (issue #16)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from heterolab.cli import app
from shared_paths import shared_file

runner = CliRunner()


def _json(args: list[str]) -> dict:
    res = runner.invoke(app, ["atomistic", *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_build_slab_writes_poscar(tmp_path) -> None:
    out = tmp_path / "POSCAR"
    d = _json(
        [
            "build",
            "CsPbBr3",
            "--miller",
            "1,0,0",
            "--termination",
            "CsBr",
            "--layers",
            "5",
            "-o",
            str(out),
        ]
    )
    assert d["derived"]["n_atoms"]["value"] == 12  # 3 CsBr + 2 PbBr2 layers: Cs3Pb2Br7
    assert d["statistics"]["termination_top"] == "CsBr"
    from pymatgen.io.vasp import Poscar

    assert Poscar.from_file(out).structure.composition.reduced_formula == "Cs3Pb2Br7"


def test_match_reports_strain_and_2d3d(tmp_path) -> None:
    d = _json(
        [
            "match",
            "CsPbBr3",
            "PbS",
            "--max-area",
            "40",
            "--planes-2d3d",
            "-o",
            str(tmp_path / "i.cif"),
        ]
    )
    assert d["derived"]["film_strain_max"]["value"] == pytest.approx(100 * (5.9362 / 5.874 - 1))
    assert [r["thesis_percent"] for r in d["statistics"]["planes_2d3d"]] == [0.94, 1.35, 5.61]
    assert (tmp_path / "i.cif").exists()


def test_vasp_inputs(tmp_path) -> None:
    d = _json(["vasp-inputs", "PbS", str(tmp_path / "run"), "--bulk", "--kind", "static"])
    assert d["statistics"]["files"] == "INCAR, KPOINTS, POSCAR, POTCAR.spec"
    assert "IVDW = 11" in d["statistics"]["choices"]


def test_analyse_commands(tmp_path) -> None:
    vr = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    d = _json(["analyse", "dos", str(vr), "--plot", str(tmp_path / "dos.png")])
    assert d["statistics"]["groups"] == "I,Cs,Sn"
    assert (tmp_path / "dos.png").stat().st_size > 0
    d = _json(["analyse", "edges", str(vr)])
    assert round(d["derived"]["gap"]["value"], 3) == 0.712
    res = runner.invoke(
        app,
        ["atomistic", "analyse", "energy", "--area", "50", "--json", "--", "-100", "-60", "-38.5"],
    )
    d = json.loads(res.stdout)
    assert d["derived"]["gamma"]["value"] == pytest.approx(-0.03)
    loc = shared_file("vasp", "pmg_defects_GaN", "LOCPOT_GaN_uc.gz")
    d = _json(
        [
            "analyse",
            "potential",
            str(loc),
            "--region1",
            "0:2",
            "--region2",
            "3:5",
            "--plot",
            str(tmp_path / "v.png"),
        ]
    )
    assert d["statistics"]["kind"] == "atomistic.potential_step"


def test_errors_are_messages() -> None:
    res = runner.invoke(app, ["atomistic", "build", "GaAs"])
    assert res.exit_code == 2
    assert "unknown material 'GaAs'; known: CsPbBr3, PbS, PMA2PbBr4" in res.output
    res = runner.invoke(app, ["atomistic", "build", "PbS", "--miller", "1,0"])
    assert res.exit_code == 2 and "--miller must be 3 comma-separated integers" in res.output


def test_analyse_charge_difference_with_figure(tmp_path) -> None:
    import numpy as np
    from pymatgen.core import Lattice, Structure
    from pymatgen.io.vasp import Chgcar, Poscar

    s = Structure(Lattice.tetragonal(3.0, 12.0), ["Pb"], [[0, 0, 0.5]])
    z = np.arange(48) / 48 * 12.0
    base = np.exp(-((z - 6) ** 2))
    shift = 0.05 * (np.exp(-((z - 5) ** 2) / 0.1) - np.exp(-((z - 7) ** 2) / 0.1))
    paths = []
    for name, prof in (("CHGCAR_AB", 2 * base + shift), ("CHGCAR_A", base), ("CHGCAR_B", base)):
        grid = np.broadcast_to(prof, (4, 4, 48)).copy()
        Chgcar(Poscar(s), {"total": grid}).write_file(str(tmp_path / name))
        paths.append(str(tmp_path / name))
    fig = tmp_path / "drho.png"
    d = _json(["analyse", "charge", *paths, "--interface-z", "6", "--plot", str(fig)])
    assert abs(d["derived"]["net_charge"]["value"]) < 1e-4
    assert d["derived"]["transferred_charge"]["value"] > 0
    assert fig.stat().st_size > 0
