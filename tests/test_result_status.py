"""Result status: a NaN is never ok, suspect results carry their reasons, and the CLI prints a
finished analysis before it tries to save a figure (issues #8, #9)."""

import io
import json
import math
from pathlib import Path

import pytest
import typer

from heterolab.cli._common import emit
from heterolab.errors import OutputError
from heterolab.result import Quantity, Result


def test_nan_parameter_turns_ok_into_failed_with_its_name() -> None:
    r = Result("x", parameters={"k": Quantity(math.nan, None, "1/ps")})
    assert r.status == "failed" and not r.ok
    assert r.message == "not a number: k"
    assert r.to_dict()["statistics"]["status"] == "failed"


def test_inf_is_a_valid_value_and_nan_stderr_is_not_a_failure() -> None:
    r = Result("x", parameters={"tau_3": Quantity(math.inf, math.nan, "ps")})
    assert r.ok


def test_an_error_the_data_cannot_determine_makes_a_result_suspect() -> None:
    r = Result("x", parameters={"g": Quantity(0.02, math.nan, "1"), "s": Quantity(0.1, 0.01)})
    assert r.status == "suspect"
    assert r.message == "the data do not determine the error of g"
    back = Result.from_dict(r.to_dict())
    assert (back.status, back.message) == (r.status, r.message)
    r.mark_failed("no signal")
    assert r.status == "failed" and r.message == "no signal"


def test_suspect_accumulates_reasons_and_never_upgrades_a_failure() -> None:
    r = Result("x", parameters={"a": Quantity(1.0, 0.1)})
    r.mark_suspect("chi2_red 4.2")
    r.mark_suspect("tau_2 at its upper bound")
    assert r.status == "suspect"
    assert r.message == "chi2_red 4.2; tau_2 at its upper bound"
    r.mark_failed("did not converge")
    r.mark_suspect("another")
    assert r.status == "failed"


def test_emit_prints_before_an_unwritable_plot_and_names_the_path(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    r = Result("x", parameters={"a": Quantity(1.0, 0.1)})
    r.plot = Figure  # type: ignore[method-assign]
    out = io.StringIO()
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "fig.png"
    with pytest.raises(OutputError, match=r"cannot write the figure .*a-file/fig\.png"):
        emit(r, True, out, plot=target)
    assert json.loads(out.getvalue())["parameters"]["a"]["value"] == 1.0


def test_emit_of_several_results_is_one_json_document_and_exit_1_when_suspect() -> None:
    good = Result("x", parameters={"a": Quantity(1.0, 0.1)})
    bad = Result("y")
    bad.mark_suspect("residuals correlated")
    out = io.StringIO()
    with pytest.raises(typer.Exit) as exc:
        emit([good, bad], True, out)
    assert exc.value.exit_code == 1
    doc = json.loads(out.getvalue())
    assert [d["statistics"]["status"] for d in doc["results"]] == ["ok", "suspect"]


def test_version_flag_prints_the_package_version() -> None:
    from typer.testing import CliRunner

    from heterolab import __version__
    from heterolab.cli import app

    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"heterolab {__version__}"


def test_an_unwritable_output_folder_is_a_clear_error(tmp_path) -> None:
    from typer.testing import CliRunner

    from heterolab.cli import app

    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "sim"
    res = CliRunner().invoke(app, ["simulate", "thesis-cspbbr3-pbs-1to30", str(target)])
    assert res.exit_code == 2
    assert res.output.strip() == f"error: {target}: Not a directory"


def test_a_fraction_outside_the_unit_interval_beyond_its_error_is_suspect() -> None:
    from heterolab.result import mark_outside_unit_interval

    within = Result("x", parameters={"eta": Quantity(1.03, 0.02, "1")})  # 1.5 σ above 1
    mark_outside_unit_interval(within, "eta")
    assert within.ok
    beyond = Result("x", parameters={"eta": Quantity(1.10, 0.02, "1")})  # 5 σ above 1
    mark_outside_unit_interval(beyond, "eta")
    assert beyond.status == "suspect" and beyond.message == "eta = 1.1 lies outside [0, 1]"
    no_error = Result("x", parameters={"plqy": Quantity(-0.01, None, "1")})
    mark_outside_unit_interval(no_error, "plqy")
    assert no_error.status == "suspect"
