"""Campaign files: validation, dependency order, caching, outputs, failure propagation."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from heterolab.campaign import load_campaign, run_campaign
from heterolab.campaign import steps as steps_mod
from heterolab.errors import FormatError, ModelError, ParameterError
from heterolab.result import Quantity, Result

CALLS: list[str] = []


def _sum_step(step, used):
    """Test step type: sum of the numbers in inputs.numbers (+ used 'offset'), counted calls."""
    CALLS.append(step.id)
    values = np.loadtxt(step.inputs["numbers"])
    total = float(values.sum()) + (used["offset"].value if "offset" in used else 0.0)
    if step.options.get("fail"):
        raise ParameterError(f"step {step.id} asked to fail")
    return Result(kind="test.sum", parameters={"total": Quantity(total, 0.1, "1")})


@pytest.fixture
def campaign_dir(tmp_path, monkeypatch):
    monkeypatch.setitem(steps_mod.STEP_TYPES, "test.sum", _sum_step)
    CALLS.clear()
    (tmp_path / "a.txt").write_text("1 2 3\n")
    (tmp_path / "b.txt").write_text("10\n")
    (tmp_path / "campaign.toml").write_text(
        """
[campaign]
name = "test campaign"

[[step]]
id = "second"
type = "test.sum"
inputs = { numbers = "b.txt" }
uses = { offset = "first.total" }
reference = { total = 16.0 }

[[step]]
id = "first"
type = "test.sum"
label = "first step"
inputs = { numbers = "a.txt" }
reference = { total = 7.0 }
"""
    )
    return tmp_path


def test_steps_run_in_dependency_order_and_write_outputs(campaign_dir):
    run = run_campaign(campaign_dir / "campaign.toml", campaign_dir / "out", progress=False)
    assert CALLS == ["first", "second"]
    assert run.results["second"].value("total") == pytest.approx(16.0)
    payload = json.loads(run.results_json.read_text())
    assert [s["id"] for s in payload["steps"]] == ["first", "second"]
    with run.results_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["step"]: float(r["value"]) for r in rows} == {"first": 6.0, "second": 16.0}
    # first: 6 vs published 7 -> beyond 3 sigma (0.3) and rounding (0.05): a warning names it
    assert any("disagrees with the published 7.0" in w for w in run.results["first"].warnings)
    assert run.results["second"].warnings == []


def test_rerun_uses_cache_and_recomputes_only_what_changed(campaign_dir):
    run_campaign(campaign_dir / "campaign.toml", campaign_dir / "out", progress=False)
    CALLS.clear()
    again = run_campaign(campaign_dir / "campaign.toml", campaign_dir / "out", progress=False)
    assert CALLS == [] and again.cached == {"first", "second"}
    (campaign_dir / "b.txt").write_text("20\n")
    third = run_campaign(campaign_dir / "campaign.toml", campaign_dir / "out", progress=False)
    assert CALLS == ["second"]
    assert third.results["second"].value("total") == pytest.approx(26.0)


def test_failed_step_fails_its_dependents_with_a_message(campaign_dir):
    text = (
        (campaign_dir / "campaign.toml")
        .read_text()
        .replace('label = "first step"', 'label = "first step"\noptions = { fail = true }')
    )
    (campaign_dir / "campaign.toml").write_text(text)
    run = run_campaign(campaign_dir / "campaign.toml", campaign_dir / "out", progress=False)
    assert run.failed == ["first", "second"]
    assert run.results["first"].message == "step first asked to fail"
    assert "step first failed: step first asked to fail" in run.results["second"].message


def test_foreign_output_folder_is_refused(campaign_dir):
    out = campaign_dir / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("do not touch")
    with pytest.raises(ParameterError, match="not empty and was not written by heterolab"):
        run_campaign(campaign_dir / "campaign.toml", out, progress=False)
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]


def test_every_problem_of_a_bad_campaign_is_listed(campaign_dir):
    (campaign_dir / "bad.toml").write_text(
        """
[[step]]
id = "x"
type = "no.such"
inputs = { numbers = "missing.txt" }
uses = { offset = "ghost.total" }
colour = "red"

[[step]]
id = "x"
type = "test.sum"
inputs = { numbers = "a.txt" }
"""
    )
    with pytest.raises(ModelError) as info:
        load_campaign(campaign_dir / "bad.toml")
    text = str(info.value)
    for expected in (
        "unknown type 'no.such'",
        "missing.txt",
        "duplicate id 'x'",
        "unknown keys ['colour']",
        "uses unknown step 'ghost'",
    ):
        assert expected in text


def test_cycle_and_bad_toml_are_reported(campaign_dir):
    (campaign_dir / "cycle.toml").write_text(
        """
[[step]]
id = "a"
type = "test.sum"
inputs = { numbers = "a.txt" }
uses = { offset = "b.total" }
[[step]]
id = "b"
type = "test.sum"
inputs = { numbers = "a.txt" }
uses = { offset = "a.total" }
"""
    )
    with pytest.raises(ModelError, match="dependency cycle: a -> b -> a"):
        load_campaign(campaign_dir / "cycle.toml")
    (campaign_dir / "broken.toml").write_text("[[step]\nid = 'a'")
    with pytest.raises(FormatError, match=r"broken\.toml: not valid TOML"):
        load_campaign(campaign_dir / "broken.toml")
