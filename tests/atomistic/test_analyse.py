"""Analysis of returned VASP calculations, against pymatgen's own numbers on real files and
against analytic synthetic grids (issue #16, spec P-50/P-51)."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from heterolab.errors import FormatError, ParameterError
from shared_paths import shared_file

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from pymatgen.core import Lattice, Structure
from pymatgen.io.vasp import Chgcar, Locpot, Poscar, Vasprun

from heterolab.atomistic import analyse

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def cs2sni6() -> Vasprun:
    path = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    return Vasprun(str(path), parse_potcar_file=False, parse_projected_eigen=True)


def _spins(d):
    return np.array([d[s] for s in sorted(d, key=lambda s: -int(s))])


def test_element_pdos_equals_pymatgen(cs2sni6: Vasprun) -> None:
    cdos = cs2sni6.complete_dos
    ours = analyse.aggregate_pdos(cdos, "element")
    theirs = {str(el): _spins(d.densities) for el, d in cdos.get_element_dos().items()}
    assert set(ours) == set(theirs) == {"Cs", "Sn", "I"}
    for el in theirs:
        assert np.max(np.abs(ours[el] - theirs[el])) <= 1e-10


def test_orbital_projected_dos_equals_pymatgen(cs2sni6: Vasprun) -> None:
    cdos = cs2sni6.complete_dos
    ours = analyse.aggregate_pdos(cdos, "element_orbital")
    for el in ("Cs", "Sn", "I"):
        for orb, d in cdos.get_element_spd_dos(el).items():
            assert np.max(np.abs(ours[f"{el}:{orb}"] - _spins(d.densities))) <= 1e-10
    spd = analyse.aggregate_pdos(cdos, "orbital")
    for orb, d in cdos.get_spd_dos().items():
        assert np.max(np.abs(spd[str(orb)] - _spins(d.densities))) <= 1e-10


def test_layer_dos_sums_to_element_dos(cs2sni6: Vasprun) -> None:
    cdos = cs2sni6.complete_dos
    sn_sites = [i for i, s in enumerate(cdos.structure) if s.specie.symbol == "Sn"]
    part = analyse.aggregate_pdos(cdos, "element", sites=sn_sites)
    assert set(part) == {"Sn"}
    whole = analyse.aggregate_pdos(cdos, "element")
    assert np.array_equal(part["Sn"], whole["Sn"])
    with pytest.raises(ParameterError, match=r"outside 0\.\.8"):
        analyse.aggregate_pdos(cdos, "element", sites=[42])
    with pytest.raises(ParameterError, match="valid: element, orbital"):
        analyse.aggregate_pdos(cdos, "shell")  # type: ignore[arg-type]


def test_projected_dos_result(cs2sni6: Vasprun) -> None:
    res = analyse.projected_dos(cs2sni6)
    assert res.ok
    assert set(res.curves) == {"total", "Cs", "Sn", "I"}
    e = res.curves["total"]["energy"].values
    assert e[0] == pytest.approx(cs2sni6.complete_dos.energies[0] - cs2sni6.efermi, abs=1e-12)
    assert res.curves["Sn"].attrs["units"] == "states/eV"


def test_band_gap_equals_stated_value() -> None:
    path = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    res = analyse.band_edges(path)
    # the data README states "gap 0.712 eV" (pymatgen's band structure: 0.7115 eV, direct at Γ)
    assert round(res.value("gap"), 3) == 0.712
    vr = Vasprun(str(path), parse_potcar_file=False)
    gap = vr.get_band_structure().get_band_gap()
    assert res.value("gap") == pytest.approx(gap["energy"], abs=1e-10)
    assert res.statistics["direct"] is gap["direct"] is True
    assert res.ok


def test_band_edges_per_region(cs2sni6: Vasprun) -> None:
    res = analyse.band_edges(cs2sni6, regions={"whole": (0.0, 100.0), "low": (0.0, 4.0)})
    assert res.value("whole_vbm") == res.value("vbm")
    assert res.value("whole_cbm") == res.value("cbm")
    # a region owns fewer states, so its edges can only lie deeper
    assert res.value("low_vbm") <= res.value("vbm")
    assert res.value("low_cbm") >= res.value("cbm")
    assert res.value("vbo") == pytest.approx(res.value("low_vbm") - res.value("vbm"))
    with pytest.raises(ParameterError, match="holds no atom"):
        analyse.band_edges(cs2sni6, regions={"empty": (50.0, 60.0)})


def test_locpot_planar_average_equals_pymatgen() -> None:
    path = shared_file("vasp", "pmg_defects_GaN", "LOCPOT_GaN_uc.gz")
    loc = Locpot.from_file(str(path))
    for axis in (0, 1, 2):
        pa = analyse.planar_average(loc, axis=axis)
        ref = loc.get_average_along_axis(axis)
        assert pa.attrs["units"] == "eV"
        assert np.max(np.abs(pa.values - ref)) <= 1e-12
    pa = analyse.planar_average(path)  # from the path: LOCPOT by name
    assert pa.sizes["z"] == 96
    assert pa["z"].values[-1] == pytest.approx(loc.structure.lattice.c * 95 / 96)


def test_registered_readers_sniff_gzip() -> None:
    from heterolab.io import read

    ds = read(shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz"))
    assert set(ds.data_vars) == {"total", "Cs", "Sn", "I"}
    assert ds.attrs["efermi"] == pytest.approx(1.85473152)
    da = read(shared_file("vasp", "pmg_defects_GaN", "LOCPOT_GaN_uc.gz"))
    assert da.dims == ("a", "b", "c") and da.shape == (56, 56, 96)
    assert da.attrs["units"] == "eV"


def test_truncated_vasprun_names_the_file(tmp_path) -> None:
    src = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    text = gzip.decompress(src.read_bytes())
    bad = tmp_path / "vasprun.xml"
    bad.write_bytes(text[: len(text) // 3])
    with pytest.raises(FormatError, match=r"vasprun\.xml.*not a readable vasprun"):
        analyse.band_edges(bad)
    with pytest.raises(FormatError, match="does not exist"):
        analyse.projected_dos(tmp_path / "missing.xml")


# ----------------------------------------------------------------- synthetic CHGCAR / LOCPOT
CELL = (4.0, 4.0, 20.0)
GRID = (8, 8, 160)


def _structure() -> Structure:
    return Structure(
        Lattice.tetragonal(CELL[0], CELL[2]), ["Pb", "S"], [[0, 0, 0.25], [0, 0, 0.75]]
    )


def _z() -> np.ndarray:
    return np.arange(GRID[2]) * CELL[2] / GRID[2]


def _gauss(z: np.ndarray, z0: float, w: float) -> np.ndarray:
    """Periodic normalised Gaussian along z (1/Å)."""
    d = (z - z0 + CELL[2] / 2) % CELL[2] - CELL[2] / 2
    return np.exp(-0.5 * (d / w) ** 2) / (w * math.sqrt(2 * math.pi))


def _write_chgcar(path, rho_z: np.ndarray) -> None:
    """CHGCAR holding a laterally uniform density ρ(z) (e/Å³): VASP stores ρ·V."""
    s = _structure()
    grid = np.broadcast_to(rho_z, GRID).copy() * s.lattice.volume
    Chgcar(Poscar(s), {"total": grid}).write_file(str(path))


def _charges(tmp_path, q: float, extra: float = 0.0):
    """ρ_A: 10 e at z = 5 Å, ρ_B: 8 e at z = 15 Å, ρ_AB adds a dipole moving q e from
    z = 11 Å to z = 9 Å (plus ``extra`` e spread uniformly)."""
    z, area = _z(), CELL[0] * CELL[1]
    ra = 10 * _gauss(z, 5.0, 1.0) / area
    rb = 8 * _gauss(z, 15.0, 1.0) / area
    dipole = q * (_gauss(z, 9.0, 0.25) - _gauss(z, 11.0, 0.25)) / area
    rab = ra + rb + dipole + extra / (area * CELL[2])
    paths = [tmp_path / n for n in ("CHGCAR_AB", "CHGCAR_A", "CHGCAR_B")]
    for p, r in zip(paths, (rab, ra, rb), strict=True):
        _write_chgcar(p, r)
    return paths, dipole


def test_charge_difference_neutral_integrates_to_zero(tmp_path) -> None:
    (ab, a, b), dipole = _charges(tmp_path, q=0.37)
    res = analyse.charge_density_difference(ab, a, b, interface_z=10.0)
    assert abs(res.value("net_charge")) < 1e-4
    assert res.ok
    # everything below the interface plane: the +q Gaussian at 9 Å (4 widths below 10 Å)
    assert res.value("transferred_charge") == pytest.approx(0.37, rel=1e-3)
    drho = res.curves["delta_rho"]
    assert drho.attrs["units"] == "e/angstrom^3"
    assert np.max(np.abs(drho.values - dipole)) < 1e-9
    assert res.value("electrons_A") == pytest.approx(10.0, abs=1e-6)
    assert res.value("electrons_AB") == pytest.approx(18.0, abs=1e-6)
    # without an interface plane the largest |ΔQ| is taken: between the two lobes
    auto = analyse.charge_density_difference(ab, a, b)
    assert 9.0 < auto.value("interface_z") < 11.0


def test_charge_difference_not_neutral_is_suspect(tmp_path) -> None:
    (ab, a, b), _ = _charges(tmp_path, q=0.2, extra=0.01)
    res = analyse.charge_density_difference(ab, a, b)
    assert res.status == "suspect"
    assert res.value("net_charge") == pytest.approx(0.01, rel=1e-4)
    assert "integrates to 0.01 e" in res.message


def test_charge_difference_needs_one_grid(tmp_path) -> None:
    (ab, a, _), _ = _charges(tmp_path, q=0.1)
    other = tmp_path / "CHGCAR_other"
    s = Structure(Lattice.tetragonal(4.0, 20.0), ["Pb"], [[0, 0, 0]])
    Chgcar(Poscar(s), {"total": np.ones((8, 8, 80))}).write_file(str(other))
    with pytest.raises(ParameterError, match=r"B grid \(8, 8, 80\) != AB grid \(8, 8, 160\)"):
        analyse.charge_density_difference(ab, a, other)


def test_potential_step_macroscopic_average(tmp_path) -> None:
    """V(z) = ΔV (tanh((z−5)/w) − tanh((z−15)/w))/2 + an atomic-period ripple: the
    macroscopic average over one period returns ΔV exactly between the plateaus."""
    z, step, period = _z(), 0.83, 2.5
    w = 0.3
    v = step * (np.tanh((z - 5) / w) - np.tanh((z - 15) / w)) / 2 + 0.4 * np.cos(
        2 * np.pi * z / period
    )
    s = _structure()
    path = tmp_path / "LOCPOT"
    Locpot(Poscar(s), {"total": np.broadcast_to(v, GRID).copy()}).write_file(str(path))
    res = analyse.potential_step(path, ((17.5, 20.0), (8.5, 11.5)), window=period)
    assert res.value("step") == pytest.approx(step, abs=1e-5)
    raw = analyse.potential_step(path, ((17.5, 20.0), (8.5, 11.5)))
    assert raw["step"].stderr > 0.2  # ripple left in: the spread says so


def test_interface_energy_per_area() -> None:
    res = analyse.interface_energy(-100.0, -60.0, -38.5, area=50.0, method="test")
    assert res.value("e_int") == pytest.approx(-1.5)
    assert res.value("gamma") == pytest.approx(-0.03)
    assert res.value("gamma_si") == pytest.approx(-0.03 * 16.02176634)
    two = analyse.interface_energy(-100.0, -60.0, -38.5, area=50.0, n_interfaces=2)
    assert two.value("gamma") == pytest.approx(-0.015)
    with pytest.raises(ParameterError, match="positive number"):
        analyse.interface_energy(-1, -1, -1, area=0.0)


def test_interface_energy_from_vasprun() -> None:
    path = shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz")
    res = analyse.interface_energy(path, -10.0, -10.0, area=10.0)
    assert res.value("e_ab") == pytest.approx(-27.72460543)
    assert res.value("e_int") == pytest.approx(-7.72460543)


def test_interface_energy_table_per_area() -> None:
    # same total E_int, different areas: the smaller interface binds more strongly per area
    small = analyse.interface_energy(-10.0, -4.0, -4.0, area=20.0)
    large = analyse.interface_energy(-10.0, -4.0, -4.0, area=80.0)
    table = analyse.interface_energy_table({"small": small, "large": large})
    assert table.statistics["favoured"] == "small"
    assert table.value("small_relative_gamma") == 0.0
    assert table.value("large_relative_gamma") == pytest.approx(-2 / 80 + 2 / 20)
    assert table.ok
    ml = analyse.interface_energy(-10.0, -4.0, -4.0, area=20.0, method="ML screening: x")
    mixed = analyse.interface_energy_table({"dft": small, "ml": ml})
    assert mixed.status == "suspect" and "different methods" in mixed.message


def test_energy_from_another_code_through_ase(tmp_path) -> None:
    from ase.build import bulk
    from ase.calculators.singlepoint import SinglePointCalculator

    atoms = bulk("Cu")
    atoms.calc = SinglePointCalculator(atoms, energy=-3.75)
    path = tmp_path / "run.extxyz"
    atoms.write(path)
    res = analyse.interface_energy(path, -1.0, -2.0, area=10.0)
    assert res.value("e_ab") == pytest.approx(-3.75)
    blank = tmp_path / "plain.xyz"
    bulk("Cu").write(blank)
    with pytest.raises(FormatError, match=r"plain\.xyz.*no total energy"):
        analyse.interface_energy(blank, -1.0, -2.0, area=10.0)


def test_layer_resolved_dos_partitions_the_cell(cs2sni6: Vasprun) -> None:
    c = cs2sni6.final_structure.lattice.c
    res = analyse.projected_dos(cs2sni6, regions={"low": (0.0, c / 2), "high": (c / 2, c + 1)})
    whole = analyse.projected_dos(cs2sni6)
    summed = res.curves["low"].values + res.curves["high"].values
    by_element = sum(whole.curves[el].values for el in ("Cs", "Sn", "I"))
    assert np.max(np.abs(summed - by_element)) <= 1e-10
