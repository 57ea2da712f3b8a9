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
        assert mat.parameters or mat.lattices, name
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


# --------------------------------------------------------------------- issue #9: data that proves
A_H_NM = 0.0529177210903  # hydrogen Bohr radius (CODATA 2018)


def test_every_value_has_a_source_and_none_awaits_a_check():
    for name in available():
        mat = get(name)
        entries = [*mat.parameters.items(), *mat.lattices.items()]
        for key, p in entries:
            assert p.source.strip(), (name, key)
            text = f"{p.source} {p.note}".lower()
            assert "check against" not in text and "verify against" not in text, (name, key)


def test_bohr_radius_agrees_with_the_files_own_masses_and_permittivity():
    checked = 0
    for name in available():
        mat = get(name)
        needed = {"electron_mass", "hole_mass", "dielectric_constant", "exciton_bohr_radius"}
        if not needed <= set(mat.parameters):
            continue
        mu = mat.electron_mass * mat.hole_mass / (mat.electron_mass + mat.hole_mass)
        derived = mat.dielectric_constant * A_H_NM / mu
        listed = mat.value("exciton_bohr_radius", "nm")
        assert listed == pytest.approx(derived, rel=0.02), name
        checked += 1
    assert checked >= 2  # CsPbBr3 (3.62 nm, not 3.5) and PbS


def test_cspbbr3_exciton_binding_energy_agrees_with_its_masses():
    m = get("CsPbBr3")
    mu = m.electron_mass * m.hole_mass / (m.electron_mass + m.hole_mass)
    assert m.value("exciton_binding_energy", "eV") == pytest.approx(
        13.605693 * mu / m.dielectric_constant**2, rel=0.02
    )


def test_thesis_derived_values_are_marked_and_have_an_independent_neighbour():
    cs = get("CsPbBr3")
    assert cs.parameter("band_gap").from_thesis and cs.lattice("cubic").from_thesis
    assert not cs.parameter("band_gap_literature").from_thesis
    assert cs.parameter("band_gap_literature").value != cs.band_gap_ev
    assert not cs.lattice("orthorhombic").from_thesis  # the independent cell
    for key in ("conduction_band_minimum", "valence_band_maximum"):
        assert cs.parameter(key).from_thesis and get("PMA2PbBr4").parameter(key).from_thesis
    assert get("PMA2PbBr4").parameter("stacking_period").from_thesis


def test_corrected_credits():
    # CsPbCl3 3.03 eV was the thesis's mixed Br/Cl gap credited to Protesescu: gone
    assert "band_gap" not in get("CsPbCl3").parameters
    # Weber (1978) gives 5.92 A for cubic MAPbBr3, not 5.933 A
    assert get("MAPbBr3").lattice("cubic").a == pytest.approx(5.92)
    assert "Weber" in get("MAPbBr3").lattice("cubic").source


def test_results_built_on_thesis_values_say_they_cannot_confirm_the_thesis():
    from heterolab.calculators import heterojunction, peak_from_size

    r = peak_from_size("CsPbBr3", 8.14)
    assert any("cannot confirm" in w for w in r.warnings)
    independent = peak_from_size("CsPbBr3", 8.14, band_gap_ev=2.25)
    assert not any("cannot confirm" in w for w in independent.warnings)
    assert any("cannot confirm" in w for w in heterojunction("CsPbBr3", "PMA2PbBr4").warnings)


def test_every_source_is_a_citation_with_a_year_or_the_thesis():
    import re

    for name in available():
        mat = get(name)
        for key, p in [*mat.parameters.items(), *mat.lattices.items()]:
            cited = re.search(r"\((1[89]\d\d|20\d\d)\)", p.source) or "thesis" in p.source.lower()
            assert cited, (name, key, p.source)


# Numbers read in the cited sources' own abstracts (issue #9): material, key, value, source word
CHECKED_IN_ABSTRACT = [
    ("MAPbI3", "reduced_mass", 0.104, "Miyata"),
    ("MAPbI3", "exciton_binding_energy", 16.0, "Miyata"),
    ("CsPbBr3", "band_gap_literature", 2.29, "Zhang"),
]


@pytest.mark.parametrize(("name", "key", "value", "who"), CHECKED_IN_ABSTRACT)
def test_values_agree_with_the_text_of_their_source(name, key, value, who):
    p = get(name).parameter(key)
    assert p.value == value and who in p.source


def test_family_values_lie_in_the_ranges_their_source_states():
    # Galkowski et al. (2016) abstract: 14-25 meV and 0.09-0.117 m0 for MA/FA lead tri-halides
    for name in ("FAPbI3", "FAPbBr3"):
        mat = get(name)
        assert 14 <= mat.parameter("exciton_binding_energy").value <= 25
        assert 0.09 <= mat.parameter("reduced_mass").value <= 0.117


def test_the_unverifiable_stoumpos_gap_is_not_used():
    p = get("CsPbBr3").parameter("band_gap_literature")
    assert p.value != 2.25 and "Stoumpos" in p.note and "could not be checked" in p.note
