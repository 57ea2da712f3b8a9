"""PbS (111) on its primitive hexagonal surface cell, with its polar stacking stated
(issue #16). Expected numbers from the rock-salt geometry by hand: in-plane a/√2, area
√3 a²/4, interlayer spacing a/(2√3), one atom a layer alternating Pb²⁺ / S²⁻."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from heterolab.atomistic import build

A = 5.9362  # rock-salt PbS (materials data)


@pytest.fixture(scope="module")
def pbs():
    return build.bulk("PbS")


def _layers_by_z(s):
    order = sorted(s, key=lambda site: site.coords[2])
    return [site.specie.symbol for site in order], [site.coords[2] for site in order]


def test_pbs_111_primitive_hexagonal_cell(pbs) -> None:
    s = build.slab(pbs, (1, 1, 1), layers=6, termination="Pb", fix_bottom=2)
    m = s.lattice.matrix
    assert s.lattice.a == pytest.approx(A / math.sqrt(2), abs=1e-6)
    assert s.lattice.b == pytest.approx(A / math.sqrt(2), abs=1e-6)
    assert s.lattice.gamma == pytest.approx(120.0, abs=1e-6)
    area = math.sqrt(3) * A**2 / 4
    assert s.properties["area"] == pytest.approx(area, abs=1e-6)
    assert abs(np.cross(m[0], m[1])[2]) == pytest.approx(area, abs=1e-6)
    # surface normal: c along +z, in-plane vectors without z component, right-handed
    assert np.allclose(m[2, :2], 0) and m[2, 2] > 0
    assert np.allclose(m[:2, 2], 0) and np.linalg.det(m) > 0
    # the normal is the bulk [111]: the (111) spacing between consecutive planes
    symbols, z = _layers_by_z(s)
    assert symbols == ["S", "Pb"] * 3
    assert np.diff(z) == pytest.approx([A / (2 * math.sqrt(3))] * 5, abs=1e-6)
    assert s.composition.formula.replace(" ", "") == "Pb3S3"  # stoichiometric
    # bottom two layers frozen
    frozen = [
        not any(site.properties["selective_dynamics"])
        for site in sorted(s, key=lambda x: x.coords[2])
    ]
    assert frozen == [True, True, False, False, False, False]


def test_pbs_111_polarity_is_stated(pbs) -> None:
    stoich = build.slab(pbs, (1, 1, 1), layers=6, termination="Pb")
    p = stoich.properties
    assert p["tasker_type"] == "III" and p["polar"] is True
    assert p["layer_charges"] == [-2.0, 2.0] * 3  # nominal Pb2+ / S2- planes, bottom first
    assert p["net_charge"] == 0
    # dipole of alternating ±2 e planes spaced h = a/(2√3): 3 pairs × 2 e × h
    h = A / (2 * math.sqrt(3))
    assert p["dipole_e_angstrom"] == pytest.approx(3 * 2 * h, abs=1e-5)
    sym = build.slab(pbs, (1, 1, 1), layers=7, termination="S", symmetric=True)
    assert (sym.properties["termination_top"], sym.properties["termination_bottom"]) == ("S", "S")
    assert sym.properties["dipole_e_angstrom"] == pytest.approx(0, abs=1e-6)
    assert sym.properties["net_charge"] == -2  # off-stoichiometric Pb3S4
    assert sym.composition.formula.replace(" ", "") == "Pb3S4"


def test_nonpolar_faces_are_type_one(pbs) -> None:
    assert build.slab(pbs, (1, 0, 0), layers=4).properties["tasker_type"] == "I"
    cs = build.slab(build.bulk("CsPbBr3"), (1, 0, 0), layers=5, termination="PbBr2")
    assert cs.properties["layer_charges"] == [0.0] * 5 and cs.properties["polar"] is False


def test_retune_interface_pbbr2_contact_in_rock_salt_registry(pbs) -> None:
    from heterolab.atomistic.surfaces import retune_interface
    from heterolab.errors import ParameterError

    ab = build.interface(
        build.bulk("CsPbBr3"),
        pbs,
        (1, 0, 0),
        (1, 0, 0),
        max_area=40,
        film_layers=2,
        substrate_layers=2,
    )
    new = retune_interface(ab, film_bottom="PbBr2", shift=(0.5, 0.0), gap=3.0)
    labels = new.site_properties["interface_label"]
    film = [s for s, lab in zip(new, labels, strict=True) if lab == "film"]
    sub = [s for s, lab in zip(new, labels, strict=True) if lab != "film"]
    z_film = min(s.coords[2] for s in film)
    z_sub = max(s.coords[2] for s in sub)
    assert z_film - z_sub == pytest.approx(3.0, abs=1e-6)
    contact = [s for s in film if abs(s.coords[2] - z_film) < 0.3]
    top = [s for s in sub if abs(s.coords[2] - z_sub) < 0.3]
    assert sorted(s.specie.symbol for s in contact) == ["Br", "Br", "Pb"]

    def below(site):  # the substrate atom straight under a film atom (in-plane distance ~0)
        d = [
            (
                np.linalg.norm(
                    ((site.frac_coords - t.frac_coords + 0.5) % 1 - 0.5)[:2] * new.lattice.abc[:2]
                ),
                t,
            )
            for t in top
        ]
        dist, t = min(d, key=lambda x: x[0])
        assert dist < 1e-6
        return t.specie.symbol

    assert {s.specie.symbol: below(s) for s in contact} == {"Pb": "S", "Br": "Pb"}
    # one CsBr layer removed from the film; substrate untouched
    assert (
        len(film) == ab.properties["film_atoms"] - 2
        and len(sub) == ab.properties["substrate_atoms"]
    )
    assert new.properties["film_termination_bottom"] == "PbBr2"
    with pytest.raises(ParameterError, match="film termination 'PbS'"):
        retune_interface(ab, film_bottom="PbS")


def test_describe_warns_about_a_polar_slab(pbs) -> None:
    res = build.describe(build.slab(pbs, (1, 1, 1), layers=6, termination="Pb"))
    assert res.statistics["tasker_type"] == "III" and res.statistics["polar"] is True
    assert res.value("dipole") == pytest.approx(3 * 2 * A / (2 * math.sqrt(3)), abs=1e-5)
    assert any("polar (Tasker III)" in w for w in res.warnings)
    assert res.ok  # stated, not an error
    assert not build.describe(build.slab(pbs, (1, 0, 0), layers=4)).warnings
