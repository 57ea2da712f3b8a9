"""Campaign runs: dependency order, caching (what is recomputed, counted), failures that do not
stop the others, reference comparisons, outputs that are safe to open."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sqlite3

import numpy as np
import pytest
import xarray as xr

from heterolab.campaign import StepType, load_campaign, run_campaign
from heterolab.campaign import registry as registry_mod
from heterolab.campaign import runner as runner_mod
from heterolab.errors import OutputError, ParameterError
from heterolab.result import Quantity, Result

CALLS: list[str] = []


def _sum(
    numbers: str,
    offset: float = 0.0,
    fail: bool = False,
    crash: bool = False,
    label: str = "x",
    curve: bool = False,
) -> Result:
    """Test analysis: sum of the numbers in a file (+ offset); counts its calls."""
    values = np.loadtxt(numbers, ndmin=1)
    CALLS.append(f"{os.path.basename(numbers)}:{label}")
    if fail:
        raise ParameterError(f"asked to fail on {os.path.basename(numbers)}")
    if crash:
        return values[10]  # IndexError: a bug, not a heterolab error
    res = Result(
        kind="test.sum", parameters={"total": Quantity(float(values.sum()) + offset, 0.1, "1")}
    )
    res.derived["name_text"] = Quantity(1.0, None, "=cmd|' /C calc'!A0")
    if curve:
        res.curves["data"] = xr.DataArray(values, dims="x", coords={"x": np.arange(values.size)})
    return res


@pytest.fixture
def campaign_dir(tmp_path, monkeypatch):
    monkeypatch.setitem(
        registry_mod.STEP_TYPES, "test.sum", StepType("test.sum", _sum, {"numbers": "path"})
    )
    CALLS.clear()
    (tmp_path / "a.txt").write_text("1 2 3\n")
    (tmp_path / "b.txt").write_text("10\n")
    (tmp_path / "c.txt").write_text("100\n")
    (tmp_path / "campaign.toml").write_text(
        """
[campaign]
name = "test campaign"

[[sample]]
name = "S1"
synthesis = { ratio = 3 }

[[sample]]
name = "S2"
synthesis = { ratio = 1 }

[[step]]
id = "second"
type = "test.sum"
sample = "S2"
inputs = { numbers = "b.txt" }
uses = { offset = "first.total" }
reference = { total = 16.0 }

[[step]]
id = "first"
type = "test.sum"
label = "=first step"
sample = "S1"
inputs = { numbers = "a.txt" }
reference = { total = 7.0 }

[[step]]
id = "third"
type = "test.sum"
inputs = { numbers = "c.txt" }

[[series]]
id = "total-vs-ratio"
quantity = "total"
x = "ratio"
"""
    )
    return tmp_path


def _run(d, **kw):
    return run_campaign(d / "campaign.toml", d / "out", progress=False, **kw)


def test_steps_run_in_dependency_order_and_write_outputs(campaign_dir):
    run = _run(campaign_dir)
    assert sorted(CALLS) == ["a.txt:x", "b.txt:x", "c.txt:x"]
    assert CALLS.index("a.txt:x") < CALLS.index("b.txt:x")  # second uses first
    assert run.results["second"].value("total") == pytest.approx(16.0)
    payload = json.loads(run.results_json.read_text())
    assert [s["id"] for s in payload["steps"]] == ["first", "second", "third"]
    assert payload["series"]["total-vs-ratio"] == [
        {
            "sample": "S2",
            "x": 1,
            "step": "second",
            "value": 16.0,
            "stderr": 0.1,
            "unit": "1",
            "value ± stderr": "16.00 ± 0.10",
            "status": "ok",
        },
        {
            "sample": "S1",
            "x": 3,
            "step": "first",
            "value": 6.0,
            "stderr": 0.1,
            "unit": "1",
            "value ± stderr": "6.00 ± 0.10",
            "status": "ok",
        },
    ]
    assert (campaign_dir / "out" / "series" / "total-vs-ratio.csv").is_file()


def test_reference_comparison_says_differs_beyond_the_combined_uncertainty(campaign_dir):
    run = _run(campaign_dir)
    # first: 6.0 ± 0.1 vs published 7.0 (TOML keeps no trailing zero: read as "7", rounding
    # half-width 0.5 -> u = 0.5/sqrt 3): z = -1 / hypot(0.1, 0.289) = -3.27 -> differs.
    first = run.results["first"].statistics["reference_comparison"]["total"]
    assert first["verdict"] == "differs"
    assert first["deviation_sigma"] == pytest.approx(-1.0 / math.hypot(0.1, 0.5 / math.sqrt(3)))
    assert run.results["second"].statistics["reference_comparison"]["total"]["verdict"] == "ok"
    assert any("differs from the published 7" in w for w in run.results["first"].warnings)
    rows = {
        (r["step"], r["name"]): r for r in csv.DictReader(run.results_csv.read_text().splitlines())
    }
    assert rows["first", "total"]["comparison"] == "differs"
    assert float(rows["first", "total"]["deviation_sigma"]) == pytest.approx(-3.27, abs=0.01)
    assert rows["second", "total"]["comparison"] == "ok"
    assert "differs from the published 7" in rows["first", "total"]["warnings"]
    payload = json.loads(run.results_json.read_text())
    stats = payload["steps"][0]["result"]["statistics"]
    assert stats["reference_comparison"]["total"]["verdict"] == "differs"


def test_a_value_within_rounding_is_ok_even_with_a_tiny_stderr(campaign_dir, monkeypatch):
    # 9.2 printed with one decimal: 9.17 +- 0.001 is 0.03 away, u_c = 0.0289 -> z = -1.04: ok
    from heterolab.campaign.compare import compare_with_reference

    res = Result(kind="t", parameters={"tau": Quantity(9.17, 0.001, "ns")})
    assert compare_with_reference({"tau": 9.2}, res)["tau"]["verdict"] == "ok"
    res = Result(kind="t", parameters={"tau": Quantity(9.10, 0.001, "ns")})  # z = -3.5
    assert compare_with_reference({"tau": 9.2}, res)["tau"]["verdict"] == "differs"
    res = Result(kind="t", parameters={"tau": Quantity(9.10, 0.001, "ns")})  # given tolerance
    assert compare_with_reference({"tau": [9.2, 0.2]}, res)["tau"]["verdict"] == "ok"


def test_csv_has_rounded_values_warnings_and_neutralised_text(campaign_dir):
    run = _run(campaign_dir)
    text = run.results_csv.read_text()
    rows = list(csv.DictReader(text.splitlines()))
    first = [r for r in rows if r["step"] == "first"]
    assert first[0]["label"] == "'=first step"  # formula neutralised
    assert first[0]["value"] == "6.0" and first[0]["value ± stderr"] == "6.00 ± 0.10"
    assert first[1]["unit"] == "'=cmd|' /C calc'!A0"
    assert first[0]["sample"] == "S1"
    for r in rows:
        for cell in r.values():
            assert not cell.startswith(("=", "+", "@")), cell
            if cell.startswith("-"):
                float(cell)  # only numbers may start with '-'


def test_rerun_uses_cache_and_recomputes_exactly_the_dependents(campaign_dir):
    _run(campaign_dir)
    CALLS.clear()
    again = _run(campaign_dir)
    assert CALLS == [] and again.cached == {"first", "second", "third"}
    (campaign_dir / "a.txt").write_text("1 2 4\n")  # first changes, second uses it
    third = _run(campaign_dir)
    assert sorted(CALLS) == ["a.txt:x", "b.txt:x"]
    assert third.results["second"].value("total") == pytest.approx(17.0)
    CALLS.clear()
    (campaign_dir / "c.txt").write_text("200\n")  # nothing depends on third
    _run(campaign_dir)
    assert CALLS == ["c.txt:x"]


def test_reference_option_and_version_edits_invalidate_exactly_the_affected_steps(
    campaign_dir, monkeypatch
):
    _run(campaign_dir)
    toml = campaign_dir / "campaign.toml"
    CALLS.clear()
    toml.write_text(
        toml.read_text().replace("reference = { total = 7.0 }", "reference = { total = 6.0 }")
    )
    run = _run(campaign_dir)
    assert CALLS == ["a.txt:x"]  # same numbers -> second's key unchanged
    assert run.results["first"].statistics["reference_comparison"]["total"]["verdict"] == "ok"
    CALLS.clear()
    toml.write_text(
        toml.read_text().replace(
            'inputs = { numbers = "c.txt" }',
            'inputs = { numbers = "c.txt" }\noptions = { label = "y" }',
        )
    )
    _run(campaign_dir)
    assert CALLS == ["c.txt:y"]
    CALLS.clear()
    monkeypatch.setattr(runner_mod, "__version__", "999.0")
    _run(campaign_dir)
    assert sorted(CALLS) == ["a.txt:x", "b.txt:x", "c.txt:y"]


def test_every_result_records_the_sha256_of_its_inputs(campaign_dir):
    run = _run(campaign_dir)
    digest = hashlib.sha256((campaign_dir / "a.txt").read_bytes()).hexdigest()
    inputs = run.results["first"].provenance["inputs"]
    assert inputs == {
        "numbers": [{"path": str((campaign_dir / "a.txt").resolve()), "sha256": digest}]
    }
    con = sqlite3.connect(run.store_path)
    assert con.execute("SELECT inputs FROM step_results WHERE step_id='first'").fetchone()[0] == (
        json.dumps({"numbers": digest})
    )


def test_failures_are_recorded_and_the_other_steps_go_on(campaign_dir):
    toml = campaign_dir / "campaign.toml"
    toml.write_text(
        toml.read_text()
        .replace('label = "=first step"', 'label = "first"\noptions = { fail = true }')
        .replace(
            'inputs = { numbers = "c.txt" }',
            'inputs = { numbers = "c.txt" }\noptions = { crash = true }',
        )
    )
    run = _run(campaign_dir)
    assert run.failed == ["first", "second", "third"]
    assert run.results["first"].message == "asked to fail on a.txt"
    assert "step first failed: asked to fail on a.txt" in run.results["second"].message
    assert run.results["third"].message.startswith("IndexError: index 10 is out of bounds")
    con = sqlite3.connect(run.store_path)
    failures = dict(con.execute("SELECT step_id, message FROM failures").fetchall())
    assert failures["first"] == "asked to fail on a.txt"
    assert set(failures) == {"first", "second", "third"}
    # a failed step is retried next time (never served from the store)
    CALLS.clear()
    _run(campaign_dir)
    assert "a.txt:x" in CALLS


def test_store_is_queryable_without_parsing_json(campaign_dir):
    run = _run(campaign_dir)
    con = sqlite3.connect(run.store_path)
    rows = con.execute(
        "SELECT step_id, value, stderr, unit, status FROM current_quantities "
        "WHERE sample = 'S1' AND name = 'total'"
    ).fetchall()
    assert rows == [("first", 6.0, 0.1, "1", "ok")]
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version, host = con.execute("SELECT heterolab_version, host FROM runs").fetchone()
    assert version and host
    assert (
        con.execute("SELECT synthesis FROM samples WHERE name='S1'").fetchone()[0] == '{"ratio": 3}'
    )
    con.close()
    # moving a step to another sample is not a new computation, but the store follows it
    toml = campaign_dir / "campaign.toml"
    toml.write_text(toml.read_text().replace('sample = "S1"', 'sample = "S2"'))
    CALLS.clear()
    run = _run(campaign_dir)
    assert CALLS == []
    con = sqlite3.connect(run.store_path)
    rows = con.execute(
        "SELECT step_id FROM current_quantities WHERE sample = 'S2' AND name = 'total'"
    )
    assert sorted(r[0] for r in rows) == ["first", "second"]
    con.close()


def test_python_accessor_returns_pandas_and_xarray_tables(campaign_dir):
    from heterolab.campaign import open_results

    _run(campaign_dir)
    with open_results(campaign_dir / "out") as res:
        q = res.quantities(name="total")
        assert list(q["step_id"]) == ["first", "second", "third"]
        assert list(q["value"]) == [6.0, 16.0, 100.0]
        series = res.series("total-vs-ratio")
        assert list(series["x"]) == [1, 3] and list(series["sample"]) == ["S2", "S1"]
        ds = res.to_xarray("total")
        assert ds["value"].sel(step="second").item() == 16.0
        assert ds["value"].attrs["units"] == "1"


def test_schema_1_store_is_migrated(campaign_dir):
    out = campaign_dir / "out"
    out.mkdir()
    (out / ".heterolab-results").write_text("x")
    con = sqlite3.connect(out / "heterolab.sqlite")
    con.executescript(
        "CREATE TABLE results (cache_key TEXT PRIMARY KEY, step_id TEXT, kind TEXT, result_json TEXT);"
    )
    old = Result(kind="test.sum", parameters={"total": Quantity(5.0, 0.1, "1")})
    con.execute("INSERT INTO results VALUES ('k', 'first', 'test.sum', ?)", (old.to_json(),))
    con.commit()
    con.close()
    from heterolab.campaign import open_results
    from heterolab.errors import FormatError

    with pytest.raises(FormatError, match="schema 0 was written by an older heterolab; run"):
        open_results(out)
    _run(campaign_dir)
    con = sqlite3.connect(out / "heterolab.sqlite")
    assert con.execute("SELECT value FROM quantities WHERE cache_key='k'").fetchone() == (5.0,)
    assert "results" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}


def test_missing_or_empty_figure_is_redrawn(campaign_dir):
    toml = campaign_dir / "campaign.toml"
    toml.write_text(
        toml.read_text().replace(
            'inputs = { numbers = "c.txt" }',
            'inputs = { numbers = "c.txt" }\noptions = { curve = true }',
        )
    )
    run = _run(campaign_dir)
    fig = run.figures["third"]
    assert fig.stat().st_size > 0
    fig.write_bytes(b"")  # what a killed run could leave
    CALLS.clear()
    run = _run(campaign_dir)
    assert CALLS == ["c.txt:x"] and fig.stat().st_size > 0
    fig.unlink()
    _run(campaign_dir)
    assert fig.stat().st_size > 0


def test_symlinks_in_the_output_folder_are_never_followed(campaign_dir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    victim = outside / "victim.csv"
    victim.write_text("precious")
    out = campaign_dir / "out"
    _run(campaign_dir)
    (out / "results.csv").unlink()
    (out / "results.csv").symlink_to(victim)
    _run(campaign_dir)
    assert victim.read_text() == "precious"
    assert not (out / "results.csv").is_symlink()
    # a folder inside the output that links out is refused, nothing written there
    import shutil

    shutil.rmtree(out / "series")
    (out / "series").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputError, match="symbolic link"):
        _run(campaign_dir)
    assert sorted(p.name for p in outside.iterdir()) == ["victim.csv"]


def test_a_second_concurrent_run_is_refused_with_a_message(campaign_dir):
    out = campaign_dir / "out"
    _run(campaign_dir)
    lock = runner_mod._Lock(out, 0.0)
    try:
        with pytest.raises(OutputError, match=r"another heterolab run .* is writing"):
            _run(campaign_dir)
    finally:
        lock.release()
    _run(campaign_dir)  # free again


def test_foreign_output_folder_is_refused(campaign_dir):
    out = campaign_dir / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("do not touch")
    with pytest.raises(ParameterError, match="not empty and was not written by heterolab"):
        run_campaign(campaign_dir / "campaign.toml", out, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_campaign_status_says_what_would_run(campaign_dir):
    from heterolab.campaign import campaign_status

    states = {
        r["step"]: r["state"]
        for r in campaign_status(campaign_dir / "campaign.toml", campaign_dir / "out")
    }
    assert states == {"first": "new", "second": "waiting", "third": "new"}
    _run(campaign_dir)
    (campaign_dir / "a.txt").write_text("5\n")
    rows = campaign_status(load_campaign(campaign_dir / "campaign.toml"), campaign_dir / "out")
    assert {r["step"]: r["state"] for r in rows} == {
        "first": "changed",
        "second": "waiting",
        "third": "up to date",
    }
