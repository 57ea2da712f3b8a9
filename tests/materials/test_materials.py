"""Material data files and the loader."""

from __future__ import annotations

import pytest

from heterolab.errors import FormatError, ParameterError
from heterolab.materials import available, get
from heterolab.materials.radii import ionic_radius_angstrom, known_ions


def test_every_bundled_value_has_a_source():
    names = available()
    assert {"CsPbBr3", "PbS", "PMA2PbBr4", "CsPbCl3", "CsPbI3", "MAPbI3", "FAPbBr3"} <= set(names)
    for name in names:
        mat = get(name)
        assert mat.parameters, name
        for key, p in mat.parameters.items():
            assert p.source.strip(), (name, key)
        for lat in mat.lattices.values():
            assert lat.source.strip()


def test_cspbbr3_values_and_phases():
    m = get("CsPbBr3")
    assert m.electron_mass == 0.15 and m.hole_mass == 0.14 and m.dielectric_constant == 4.96
    assert m.value("exciton_binding_energy", "eV") == pytest.approx(0.040)
    assert set(m.lattices) == {"cubic", "orthorhombic", "monoclinic"}
    assert m.lattice("cubic").a == 5.874
    assert m.lattice("orthorhombic").b == pytest.approx(11.7351)
    with pytest.raises(ParameterError, match="no phase 'tetragonal'; available: cubic"):
        m.lattice("tetragonal")
    with pytest.raises(ParameterError, match="no parameter 'foo'"):
        m.parameter("foo")


def test_unknown_material_lists_bundled():
    with pytest.raises(ParameterError, match=r"unknown material 'Unobtainium'; bundled: .*CsPbBr3"):
        get("Unobtainium")


def test_user_file_round_trip(tmp_path):
    p = tmp_path / "CdSe.toml"
    p.write_text(
        'name = "CdSe"\n[parameters.band_gap]\nvalue = 1.74\nunit = "eV"\nsource = "me"\n'
        '[lattices.zb]\na = 0.6077\nunit = "nm"\nsource = "me"\n',
        encoding="utf-8",
    )
    m = get(p)
    assert m.band_gap_ev == 1.74
    assert m.lattice("zb").a == pytest.approx(6.077)  # stored in angstrom


def test_user_file_problems_are_all_reported(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(
        'name = "X"\n[parameters.band_gap]\nvalue = 1.0\nunit = "eV"\n'
        '[parameters.m]\nvalue = "heavy"\nunit = "1"\nsource = "s"\n',
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as exc:
        get(p)
    msg = str(exc.value)
    assert "bad.toml" in msg
    assert "parameter 'band_gap' lacks source" in msg
    assert "parameter 'm' has non-numeric" in msg
    p.write_text("name = [", encoding="utf-8")
    with pytest.raises(FormatError, match="not valid TOML"):
        get(p)
    with pytest.raises(ParameterError, match="does not exist"):
        get(tmp_path / "missing.toml")


def test_shannon_radii():
    assert ionic_radius_angstrom("Cs+", "XII") == 1.88
    assert ionic_radius_angstrom("Pb2+", "VI") == 1.19
    assert ionic_radius_angstrom("Br-", "VI") == 1.96
    assert ionic_radius_angstrom("FA+", "XII") == 2.53
    assert "MA+" in known_ions()
    with pytest.raises(ParameterError, match="tabulated coordinations: VI, VIII"):
        ionic_radius_angstrom("Cs+", "IV")
    with pytest.raises(ParameterError, match=r"no ionic radius for 'Xx\+'"):
        ionic_radius_angstrom("Xx+", "VI")
