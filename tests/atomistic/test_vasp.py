"""VASP inputs with the thesis's settings (issue #16): what the files say, read back with
pymatgen's own parsers."""

from __future__ import annotations

import pytest

from heterolab.errors import OutputError, ParameterError

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from pymatgen.io.vasp import Incar, Kpoints, Poscar

from heterolab.atomistic import build, vasp


@pytest.fixture(scope="module")
def pbs_slab():
    return build.slab(build.bulk("PbS"), (1, 0, 0), layers=4, fix_bottom=2)


def test_relax_inputs_carry_thesis_settings(tmp_path, pbs_slab) -> None:
    files = vasp.write_inputs(pbs_slab, tmp_path / "relax", "relax")
    assert [p.name for p in files] == ["INCAR", "KPOINTS", "POSCAR", "POTCAR.spec"]
    incar = Incar.from_file(tmp_path / "relax" / "INCAR")
    assert incar["ENCUT"] == 500
    assert incar["EDIFFG"] == -0.03
    assert incar["IVDW"] == 11  # D3 zero damping, stated in the module docstring
    assert incar["ISIF"] == 2 and incar["IBRION"] == 2
    assert incar["ISMEAR"] == 0 and incar["LDIPOL"] is True and incar["IDIPOL"] == 3
    kp = Kpoints.from_file(tmp_path / "relax" / "KPOINTS")
    assert kp.style.name == "Gamma" and tuple(kp.kpts[0]) == (1, 2, 1)
    pos = Poscar.from_file(tmp_path / "relax" / "POSCAR")
    fixed = [not any(f) for f in pos.selective_dynamics]
    assert sum(fixed) == 4  # two PbS(100) layers of 2 atoms each frozen
    assert (tmp_path / "relax" / "POTCAR.spec").read_text().split() == ["Pb_d", "S"]


def test_static_inputs_write_charge_and_potential(tmp_path, pbs_slab) -> None:
    vasp.write_inputs(pbs_slab, tmp_path, "static", ivdw=12, kpoints=(2, 2, 1))
    incar = Incar.from_file(tmp_path / "INCAR")
    assert incar["NSW"] == 0 and incar["LCHARG"] and incar["LVHAR"] and incar["LORBIT"] == 11
    assert incar["IVDW"] == 12
    assert tuple(Kpoints.from_file(tmp_path / "KPOINTS").kpts[0]) == (2, 2, 1)


def test_interface_inputs_share_one_cell(tmp_path) -> None:
    ab = build.interface(
        build.bulk("CsPbBr3"), build.bulk("PbS"), (1, 0, 0), (1, 0, 0), max_area=40
    )
    written = vasp.write_interface_inputs(ab, tmp_path)
    assert set(written) == {f"{p}/{k}" for p in ("AB", "A", "B") for k in ("relax", "static")}
    cells = {
        p: Poscar.from_file(tmp_path / p / "static" / "POSCAR").structure for p in ("AB", "A", "B")
    }
    assert len(cells["A"]) + len(cells["B"]) == len(cells["AB"])
    assert cells["A"].composition.reduced_formula == "CsPbBr3" or "Cs" in cells["A"].composition
    for p in ("A", "B"):
        assert cells[p].lattice.matrix == pytest.approx(cells["AB"].lattice.matrix)


def test_input_errors(tmp_path, pbs_slab) -> None:
    with pytest.raises(ParameterError, match="ivdw must be 11"):
        vasp.thesis_incar(ivdw=4)
    with pytest.raises(ParameterError, match="kind must be 'relax' or 'static'"):
        vasp.thesis_incar("md")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="three positive integers"):
        vasp.input_set(pbs_slab, kpoints=(1, 0, 1))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write VASP inputs"):
        vasp.write_inputs(pbs_slab, blocker / "sub")
