"""heterolab run | status | results on a small real campaign (stability and temperature
series), locally and on a Dask LocalCluster."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.campaign import open_results, run_campaign
from heterolab.cli import app


@pytest.fixture
def study(tmp_path):
    """Three films whose PL decays exponentially over 180 h with known time constants."""
    lines = ['[campaign]\nname = "stability"\nfigures = false\n']
    for i, tau in enumerate((50.0, 100.0, 200.0)):
        t = np.linspace(0, 180, 10)
        (tmp_path / f"film{i}.txt").write_text(
            "time_h signal\n" + "\n".join(f"{a} {1000 * math.exp(-a / tau)}" for a in t)
        )
        lines.append(
            f'[[sample]]\nname = "film{i}"\nsynthesis = {{ quencher_nm = {10 * i} }}\n'
            f'[[measurement]]\nid = "pl{i}"\nsample = "film{i}"\ntechnique = "pl-vs-time"\n'
            f'file = "film{i}.txt"\n'
        )
    lines.append(
        '[[step]]\nid = "ret"\ntype = "stability.retention"\nfor_each = "pl-vs-time"\n'
        '[[series]]\nid = "decay-vs-quencher"\nquantity = "decay_time"\nx = "quencher_nm"\n'
        'steps = ["ret"]\n'
    )
    (tmp_path / "campaign.toml").write_text("\n".join(lines))
    return tmp_path


def test_run_status_results_commands(study):
    runner = CliRunner()
    camp = str(study / "campaign.toml")
    res = runner.invoke(app, ["status", camp])
    assert res.exit_code == 0, res.output
    assert res.output.strip().endswith("3 new")
    res = runner.invoke(app, ["run", camp])
    assert res.exit_code == 0, res.output
    assert "3 computed, 0 from the store, 0 failed" in res.output
    assert (study / "heterolab-results" / "heterolab.sqlite").is_file()
    res = runner.invoke(app, ["status", camp, "--json"])
    assert {r["state"] for r in json.loads(res.output)["steps"]} == {"up to date"}
    res = runner.invoke(app, ["results", camp, "--json", "--name", "decay_time"])
    rows = json.loads(res.output)["quantities"]
    assert [r["sample"] for r in rows] == ["film0", "film1", "film2"]
    for r, tau in zip(rows, (50.0, 100.0, 200.0), strict=True):
        assert r["value"] == pytest.approx(tau, rel=1e-9)  # noise-free exponential
    res = runner.invoke(app, ["results", camp, "--csv", "--sample", "film1"])
    table = list(csv.DictReader(res.output.splitlines()))
    assert {r["name"] for r in table} >= {"decay_time", "t80", "final_retention"}
    assert all("value ± stderr" in r for r in table)
    res = runner.invoke(app, ["results", camp])
    assert "ret-pl0" in res.output and "decay_time" in res.output
    with open_results(study / "campaign.toml") as r:
        series = r.series("decay-vs-quencher")
    assert list(series["x"]) == [0, 10, 20]
    assert list(series["value"]) == pytest.approx([50.0, 100.0, 200.0])


def test_results_without_a_store_is_a_clear_error(study):
    res = CliRunner().invoke(app, ["results", str(study / "campaign.toml")])
    assert res.exit_code == 2
    assert "no heterolab result store" in res.output


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_dask_workers_give_the_same_results_as_local(study, capfd):
    pytest.importorskip("dask.distributed")
    local = run_campaign(study / "campaign.toml", study / "local", progress=False)
    dist = run_campaign(study / "campaign.toml", study / "dask", progress=False, workers=2)
    # the workers (separate processes writing to this stderr) shut down without tracebacks
    # (a heartbeat racing the scheduler's close once printed CommClosedError)
    assert "Traceback" not in capfd.readouterr().err
    assert dist.computed and sorted(dist.computed) == sorted(local.computed)
    assert (study / "dask" / "results.csv").read_bytes() == (
        study / "local" / "results.csv"
    ).read_bytes()
    # an existing scheduler (here a LocalCluster started by the test), no change to the file
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        remote = run_campaign(
            study / "campaign.toml",
            study / "remote",
            progress=False,
            scheduler=cluster.scheduler_address,
        )
    assert sorted(remote.computed) == sorted(local.computed)
    assert (study / "remote" / "results.csv").read_bytes() == (
        study / "local" / "results.csv"
    ).read_bytes()


def test_progress_bar_counts_steps(study):
    import io

    stream = io.StringIO()
    run_campaign(study / "campaign.toml", study / "p", progress=True, stream=stream)
    assert "3/3" in stream.getvalue()


def test_results_table_for_papers(study):
    runner = CliRunner()
    camp = str(study / "campaign.toml")
    assert runner.invoke(app, ["run", camp]).exit_code == 0
    res = runner.invoke(app, ["results", camp, "--table", "decay_time,t80", "--format", "md"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "| sample | decay_time (h) | t80 (h) |"
    assert lines[2].startswith("| film0 | ")  # exact exponential: decay time 50 h
    res = runner.invoke(app, ["results", camp, "--table", "tau_9"])
    assert res.exit_code == 2 and "no result has 'tau_9'" in res.output
    res = runner.invoke(app, ["results", camp, "--table", "t80", "--format", "xlsx"])
    assert res.exit_code == 2 and "--output" in res.output
    res = runner.invoke(
        app,
        ["results", camp, "--table", "t80", "--format", "csv", "--output", str(study / "t.csv")],
    )
    assert res.exit_code == 0 and (study / "t.csv").read_text().startswith("sample,")
