"""Every command's error line names the input file it refuses, also when the refusal comes
from the analysis after a successful read (issue #9: "bad input gets a clear error that names
the file and the problem")."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from heterolab.cli import app

runner = CliRunner()


def _tiny_decay(tmp_path: Path) -> Path:
    p = tmp_path / "tiny_decay.csv"
    p.write_text("time,counts\n0,1\n0.1,5\n0.2,3\n0.3,2\n")
    return p


def test_an_analysis_refusal_names_the_file_it_was_given(tmp_path: Path) -> None:
    p = _tiny_decay(tmp_path)
    out = runner.invoke(app, ["trpl", "fit", str(p)])
    assert out.exit_code == 2
    assert out.stderr.strip() == f"error: {p}: a decay needs >= 8 time bins, got 4"


def test_a_message_that_names_the_file_is_not_prefixed_twice(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    out = runner.invoke(app, ["trpl", "fit", str(missing)])
    assert out.exit_code == 2
    assert out.stderr.count(str(missing)) == 1 and out.stderr.startswith("error: ")


def test_output_paths_are_not_named_as_inputs(tmp_path: Path) -> None:
    p = _tiny_decay(tmp_path)
    plot = tmp_path / "old.png"
    plot.write_bytes(b"")  # an existing output file is not an input
    out = runner.invoke(app, ["trpl", "fit", str(p), "--plot", str(plot)])
    assert out.exit_code == 2
    assert "old.png" not in out.stderr and str(p) in out.stderr


def test_an_option_error_is_not_attributed_to_the_file(tmp_path: Path) -> None:
    p = _tiny_decay(tmp_path)
    out = runner.invoke(app, ["trpl", "fit", str(p), "--components", "5"])
    assert out.exit_code == 2
    assert out.stderr.strip() == "error: n_components must be an integer from 1 to 4, got 5"
