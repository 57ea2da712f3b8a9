"""CLI: heterolab trpl transfer | transport | rates, through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heterolab.cli import app

runner = CliRunner()
SIMULATED = Path(__file__).resolve().parents[2] / "examples" / "thesis_trpl" / "data" / "simulated"


def _json(args: list[str]) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_transfer_numbers_json() -> None:
    d = _json(["trpl", "transfer", "--tau-d", "8.08", "--tau-da", "0.52", "--unit", "ps",
               "--tau-d-err", "0.25", "--tau-da-err", "0.02", "--json"])  # fmt: skip
    assert d["derived"]["k_ET"]["unit"] == "1/ps"
    assert d["derived"]["k_ET"]["value"] == pytest.approx(1.7993, abs=1e-4)
    assert d["derived"]["eta"]["value"] == pytest.approx(0.9356, abs=1e-4)
    assert d["derived"]["eta"]["stderr"] > 0
    assert d["statistics"]["kind"] == "trpl.transfer"


def test_transfer_text_and_errors() -> None:
    res = runner.invoke(app, ["trpl", "transfer", "--tau-d", "8.08", "--tau-da", "0.52"])
    assert res.exit_code == 0
    assert "k_ET" in res.stdout and "eta" in res.stdout
    res = runner.invoke(app, ["trpl", "transfer", "--tau-d", "0.5", "--tau-da", "8"])
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        "error: tau_da = 8 ns must be shorter than tau_d = 0.5 ns: the acceptor cannot "
        "lengthen the donor lifetime (no transfer to quantify)"
    )
    res = runner.invoke(app, ["trpl", "transfer"])
    assert res.exit_code == 2
    assert (
        "give either --tau-d and --tau-da (lifetimes) or --donor and --donor-acceptor" in res.stderr
    )


def test_transfer_from_decay_files_recovers_simulated_truth() -> None:
    donor, acceptor, irf = (
        SIMULATED / f for f in ("het_original.csv", "het_pcbm.csv", "irf_fast.csv")
    )
    if not donor.is_file():
        pytest.skip("example decays not present")
    d = _json(["trpl", "transfer", "--donor", str(donor), "--donor-acceptor", str(acceptor),
               "--irf", str(irf), "--components", "1", "--rep-rate", "2e7", "--json"])  # fmt: skip
    # truth.json: single exponentials of 9.2 ns and 1.0 ns -> eta = 1 - 1/9.2
    tau_d, tau_da = d["parameters"]["tau_d"], d["parameters"]["tau_da"]
    assert abs(tau_d["value"] - 9.2) < 4 * tau_d["stderr"]
    assert abs(tau_da["value"] - 1.0) < 4 * tau_da["stderr"]
    eta = d["derived"]["eta"]
    assert abs(eta["value"] - (1 - 1 / 9.2)) < 4 * eta["stderr"]
    assert d["provenance"]["settings"]["average"] == "intensity"
    assert "donor.tau_1" in d["parameters"]


def test_transport_json_and_missing_temperature() -> None:
    d = _json(["trpl", "transport", "--tau0", "9.2", "--tau-q-electron", "1.0", "--tau-q-hole",
               "1.8", "--thickness", "100", "--temperature", "298.15", "--json"])  # fmt: skip
    assert d["derived"]["L_D_electron"]["value"] == pytest.approx(182.3, abs=0.05)
    assert d["derived"]["D_hole"]["unit"] == "cm^2/s"
    assert d["derived"]["mu_electron"]["value"] == pytest.approx(1.406, abs=5e-4)
    res = runner.invoke(app, ["trpl", "transport", "--tau0", "9.2", "--tau-q-electron", "1.0",
                              "--thickness", "100"])  # fmt: skip
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        "error: temperature_k is required for the Einstein relation mu = eD/(kB T); "
        "heterolab does not assume room temperature"
    )
    res = runner.invoke(app, ["trpl", "transport", "--tau0", "9.2", "--tau-q-hole", "1.8",
                              "--thickness", "-100", "--temperature", "300"])  # fmt: skip
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: thickness_nm must be positive, got -100.0"


def test_transport_thesis_preset() -> None:
    res = runner.invoke(app, ["trpl", "transport", "--preset", "thesis-table-4-1", "--json"])
    assert res.exit_code == 0, res.output
    het, le = json.loads(res.stdout)["results"]  # one JSON document (issue #8)
    assert het["statistics"]["film"].startswith("2D-3D")
    assert het["derived"]["L_D_electron_from_printed_D"]["value"] == pytest.approx(181.0, abs=0.05)
    assert any("printed as 49 nm" in w for w in le["statistics"]["warnings"])
    text = runner.invoke(app, ["trpl", "transport", "--preset", "thesis-table-4-1"])
    assert text.exit_code == 0
    assert "warning: §5.1 bullet 2 attributes" in text.stdout
    bad = runner.invoke(app, ["trpl", "transport", "--preset", "table-9"])
    assert bad.exit_code == 2
    assert bad.stderr.strip() == "error: unknown preset 'table-9'; known: thesis-table-4-1"


def test_rates_cli() -> None:
    d = _json(["trpl", "rates", "--plqy", "0.01", "--tau", "82.5", "--json"])
    assert d["derived"]["k_r"]["value"] == pytest.approx(1.2121e5, rel=1e-4)
    assert d["derived"]["k_r"]["unit"] == "1/s"
    res = runner.invoke(app, ["trpl", "rates", "--plqy", "2.1", "--tau", "19.5"])
    assert res.exit_code == 2
    assert "plqy must be a fraction in (0, 1] (e.g. 0.01 for 1 %), got 2.1" in res.stderr
