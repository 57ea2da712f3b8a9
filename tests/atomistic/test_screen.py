"""ML screening with the bundled SevenNet-0 potential (optional extra ``ml``; issue #16).

Checks that hold for any correct potential: zero forces on an ideal rock-salt lattice by
symmetry, extensivity of the energy, a displaced atom relaxing back, E_int = 0 for a cell
cut from the same bulk, and the label naming the weights file's SHA-256.
"""

from __future__ import annotations

import hashlib

import pytest

from heterolab.errors import ParameterError

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")

from heterolab.atomistic import screen


def test_unknown_model_lists_choices() -> None:
    with pytest.raises(ParameterError, match="must be one of 7net-0, chgnet"):
        screen.load_model("mace")


sevenn = pytest.importorskip(
    "sevenn", reason="the ml extra (sevenn, torch==2.13.0) is not installed: pip install -e .[ml]"
)

from pymatgen.core import Lattice, Structure  # noqa: E402

pytestmark = pytest.mark.slow


def _pbs(a: float = 5.9362) -> Structure:
    return Structure(
        Lattice.cubic(a), ["Pb"] * 4 + ["S"] * 4, _fcc() + [[x + 0.5, y, z] for x, y, z in _fcc()]
    )


def _fcc() -> list[list[float]]:
    return [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]


def test_energy_label_and_symmetric_forces() -> None:
    res = screen.energy(_pbs())
    model = screen.load_model()
    with open(model.weights_path, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    assert res.statistics["weights_sha256"] == sha
    assert res.statistics["method"].startswith("ML screening: SevenNet-0")
    assert sha[:12] in res.statistics["method"]
    assert res.value("max_force") < 1e-4  # every atom is an inversion centre
    assert -6.0 < res.value("energy_per_atom") < -3.0  # PbS cohesive scale, eV/atom


def test_energy_is_extensive_and_interface_of_bulk_is_zero() -> None:
    bulk = _pbs()
    double = bulk.copy()
    double.make_supercell([2, 1, 1])
    e1 = screen.energy(bulk).value("energy")
    e2 = screen.energy(double).value("energy")
    assert e2 == pytest.approx(2 * e1, abs=2e-3)
    res = screen.ml_interface_energy(double, bulk, bulk, relax_structures=False)
    assert res.value("e_int") == pytest.approx(0.0, abs=2e-3)
    assert res.statistics["screening"] is True
    assert res.statistics["method"].startswith("ML screening")


def test_displaced_atom_relaxes_back() -> None:
    s = _pbs().get_primitive_structure()  # 2 atoms: Pb and S
    pb = next(i for i, x in enumerate(s) if x.specie.symbol == "Pb")
    other = 1 - pb
    s.translate_sites([pb], [0.1, 0, 0], frac_coords=False)
    relaxed, res = screen.relax(s, fmax=0.03, steps=200)
    assert res.statistics["converged"] is True and res.ok
    assert res.value("max_force") < 0.03
    assert res.value("energy_change") < 0
    # the displaced Pb moves back towards its site; the soft PbS optical mode leaves a
    # residual offset ~ fmax / k, so the check is "at least halfway back", not exact
    before = abs(s[pb].distance(s[other]) - 5.9362 / 2)
    after = abs(relaxed[pb].distance(relaxed[other]) - 5.9362 / 2)
    assert before == pytest.approx(0.1, abs=1e-9)
    assert after < before / 2


def test_dft_validation_skips_with_a_reason_when_absent() -> None:
    have = screen.dft_available()
    missing = [code for code, v in have.items() if v is None]
    if not missing:
        pytest.skip(f"GPAW and CP2K both present ({have}); the full check is a benchmark")
    with pytest.raises(ParameterError, match=f"{missing[0]} is not available on this machine"):
        screen.validate_forces(_pbs(), code=missing[0])


def test_unknown_optimizer_lists_choices() -> None:
    with pytest.raises(ParameterError, match="must be one of fire, bfgs, lbfgs, precon-lbfgs"):
        screen.relax(_pbs(), optimizer="newton")


def test_relax_with_bfgs_and_upper_case_names() -> None:
    s = _pbs().get_primitive_structure()
    s.translate_sites([0], [0.05, 0, 0], frac_coords=False)
    _, res = screen.relax(s, "7NET-0", fmax=0.03, steps=100, optimizer="BFGS")
    assert res.statistics["optimizer"] == "bfgs" and res.statistics["model"] == "7net-0"
    assert res.statistics["converged"] is True and res.value("energy_change") < 0


def _small_interface(gap: float = 3.5):
    """CsPbBr3(100) one unit plane on PbS(100) one unit plane, 13 atoms, and its two parts."""
    from heterolab.atomistic import build

    ab = build.interface(
        build.bulk("CsPbBr3"),
        build.bulk("PbS"),
        (1, 0, 0),
        (1, 0, 0),
        max_area=40,
        film_layers=1,
        substrate_layers=1,
        gap=gap,
    )
    labels = ab.site_properties["interface_label"]
    a, b = ab.copy(), ab.copy()
    a.remove_sites([i for i, lab in enumerate(labels) if lab != "film"])
    b.remove_sites([i for i, lab in enumerate(labels) if lab == "film"])
    return ab, a, b


def test_chgnet_and_sevennet_agree_on_a_small_interface() -> None:
    pytest.importorskip(
        "chgnet", reason="the ml extra's chgnet is not installed: pip install -e .[ml]"
    )
    import numpy as np

    ab, a, b = _small_interface()
    results = {}
    for model in ("7net-0", "chgnet"):
        results[model] = screen.ml_interface_energy(ab, a, b, model=model, relax_structures=False)
    r7, rc = results["7net-0"], results["chgnet"]
    # labelled with each model and its own weights file's hash
    chg = screen.load_model("chgnet")
    with open(chg.weights_path, "rb") as fh:
        sha = hashlib.sha256(fh.read()).hexdigest()
    assert "pretrained/0.3.0" in chg.weights_path.replace("\\", "/")
    assert rc.statistics["weights_sha256"] == sha and sha[:12] in rc.statistics["method"]
    assert rc.statistics["method"].startswith("ML screening: CHGNet 0.3.0")
    assert r7.statistics["weights_sha256"] != sha
    # both finite, the same sign, and on the scale of ionic-solid interfaces: |gamma| below
    # 2 J/m^2 (about twice the largest surface energies of ionic solids; PbS(100) and the
    # lead-halide perovskite surfaces are a few tenths of J/m^2)
    g7, gc = r7.value("gamma_si"), rc.value("gamma_si")
    assert np.isfinite([g7, gc]).all() and np.sign(g7) == np.sign(gc) != 0
    assert abs(g7) < 2 and abs(gc) < 2
    for model in ("7net-0", "chgnet"):
        e = screen.energy(ab, model)
        assert np.isfinite(e.value("energy")) and np.isfinite(e.value("max_force"))
        assert -6.0 < e.value("energy_per_atom") < -2.0  # cohesive scale of PbS/CsPbBr3, eV/atom


def test_threads_and_cli_screen_with_upper_case_model(tmp_path) -> None:
    import json

    import torch
    from typer.testing import CliRunner

    from heterolab.cli import app

    with pytest.raises(ParameterError, match="threads must be >= 1"):
        screen.set_threads(0)
    old = screen.set_threads(1)
    try:
        assert torch.get_num_threads() == 1
        poscar = tmp_path / "POSCAR"
        _pbs().get_primitive_structure().to(filename=str(poscar))
        res = CliRunner().invoke(
            app,
            ["atomistic", "screen", str(poscar), "--model", "7NET-0", "--threads", "1", "--json"],
        )
        assert res.exit_code == 0, res.output
        d = json.loads(res.stdout)
        assert d["statistics"]["model"] == "7net-0" and d["derived"]["max_force"]["value"] < 1e-4
    finally:
        screen.set_threads(old)
