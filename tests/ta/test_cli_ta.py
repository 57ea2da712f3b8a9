"""heterolab ta fit / kinetics / svd / chirp through the CLI (thin layer over the API)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers_ta import gaussian_band, synthetic_matrix
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import ParameterError

RUNNER = CliRunner()
T = np.concatenate([np.linspace(-1, 3, 61), np.geomspace(3.1, 500, 40)])
WL = np.linspace(450, 700, 26)


def _csv(tmp_path: Path) -> Path:
    k = np.array([[-1 / 1.5, 0.0], [1 / 1.5, 0.0]])  # 1.5 ps into a long-lived state
    s = np.stack([gaussian_band(WL, 520, 50, -0.01), gaussian_band(WL, 620, 50, 0.006)])
    da = synthetic_matrix(k, np.array([1.0, 0.0]), s, T, WL, 0.2, 0.08, 5e-5, seed=3)
    p = tmp_path / "ta.csv"
    lines = [",".join(["time_ps", *map(str, WL)])]
    lines += [
        ",".join([f"{t:.6g}", *(f"{v:.8g}" for v in row)])
        for t, row in zip(T, da.values, strict=True)
    ]
    p.write_text("\n".join(lines))
    return p


def test_fit_sequential_json(tmp_path: Path) -> None:
    out = RUNNER.invoke(
        app,
        [
            "ta",
            "fit",
            str(_csv(tmp_path)),
            "--model",
            "sequential",
            "--components",
            "2",
            "--long-lived",
            "--irf-width",
            "0.1",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    tau1 = d["parameters"]["tau_1"]
    assert abs(tau1["value"] - 1.5) < 4 * tau1["stderr"]
    assert d["parameters"]["tau_2"]["value"] == "inf"
    assert {"irf_center", "irf_width"} <= set(d["parameters"])


def test_text_output_and_other_commands(tmp_path: Path) -> None:
    p = _csv(tmp_path)
    out = RUNNER.invoke(
        app, ["ta", "fit", str(p), "--model", "parallel", "--components", "2", "--long-lived"]
    )
    assert out.exit_code == 0 and "tau_1" in out.output and "irf_width" in out.output
    k = RUNNER.invoke(app, ["ta", "kinetics", str(p), "--wavelength", "520", "--json"])
    assert k.exit_code == 0 and "fraction_1" in json.loads(k.output)["derived"]
    s = RUNNER.invoke(app, ["ta", "svd", str(p), "--json"])
    assert s.exit_code == 0 and json.loads(s.output)["statistics"]["n_significant"] == 2
    c = RUNNER.invoke(app, ["ta", "chirp", str(p), "--order", "1"])
    assert c.exit_code == 0 and "t0_min" in c.output


def test_chirp_plot_shows_the_map_with_the_chirp_and_labels_with_units(tmp_path: Path) -> None:
    """``ta chirp --plot``: the ΔA map around time zero with onsets and polynomial; every
    axis (and the colour bar) labelled with its unit."""
    from heterolab.io import read
    from heterolab.kinetics.ta.preprocess import estimate_chirp

    p = _csv(tmp_path)
    png = tmp_path / "chirp.png"
    c = RUNNER.invoke(app, ["ta", "chirp", str(p), "--order", "1", "--plot", str(png)])
    assert c.exit_code == 0, c.output
    assert png.stat().st_size > 0
    res = estimate_chirp(read(p, kind="ta"), order=1)
    fig = res.plot()
    labels = [ax.get_xlabel() for ax in fig.axes] + [ax.get_ylabel() for ax in fig.axes]
    assert "wavelength (nm)" in labels and "delay (ps)" in labels
    assert "time zero (ps)" in labels and "ΔA (OD)" in labels
    for ax in fig.axes:
        for text in (ax.get_xlabel(), ax.get_ylabel()):
            assert not text or ("(" in text and ")" in text), text
    mesh_ax = next(ax for ax in fig.axes if ax.get_title() == "ΔA with chirp")
    line = next(ln for ln in mesh_ax.get_lines() if ln.get_label() == "chirp")
    np.testing.assert_allclose(line.get_ydata(), res.curves["polynomial"].values)
    assert (
        "chirp/data"
        not in json.loads(
            RUNNER.invoke(app, ["ta", "chirp", str(p), "--order", "1", "--json"]).stdout
        )["curves"]
    )  # the map only with --curves all


def test_bad_file_gives_error_message(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(",500,510\n0,1,2\n1,x,4\n2,5,6\n")
    out = RUNNER.invoke(app, ["ta", "svd", str(p)])
    assert out.exit_code == 2
    assert "line 3: non-numeric cell 'x' in column 2" in out.output


def test_plots_of_fit_kinetics_and_svd(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from heterolab.io import read
    from heterolab.kinetics.ta.global_fit import fit_global
    from heterolab.kinetics.ta.preprocess import svd_analysis
    from heterolab.kinetics.ta.single import fit_kinetics

    da = read(_csv(tmp_path), kind="ta")
    for res in (
        fit_global(da, "sequential", 2, long_lived=True, irf_width=0.1),
        fit_kinetics(da, 520.0),
        svd_analysis(da),
    ):
        fig = res.plot()
        assert len(fig.axes) >= 2
        plt.close(fig)


def test_fit_reads_heterolab_hdf5(tmp_path: Path) -> None:
    from heterolab.io.hdf5 import write_hdf5
    from heterolab.io.ta import read_ta_matrix

    h5 = write_hdf5(read_ta_matrix(_csv(tmp_path)), tmp_path / "m.h5")
    out = RUNNER.invoke(
        app,
        [
            "ta",
            "fit",
            str(h5),
            "--model",
            "sequential",
            "--components",
            "2",
            "--long-lived",
            "--irf-width",
            "0.1",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    ref = RUNNER.invoke(
        app,
        [
            "ta",
            "fit",
            str(_csv(tmp_path)),
            "--model",
            "sequential",
            "--components",
            "2",
            "--long-lived",
            "--irf-width",
            "0.1",
            "--json",
        ],
    )
    assert (
        json.loads(out.stdout)["parameters"]["tau_1"]
        == json.loads(ref.stdout)["parameters"]["tau_1"]
    )


def test_linked_model_needs_one_matrix_per_dataset(tmp_path: Path) -> None:
    model = Path(__file__).resolve().parents[2] / "examples" / "models" / "co_c2o_linked.toml"
    out = RUNNER.invoke(app, ["ta", "fit", str(_csv(tmp_path)), "--model", str(model)])
    assert out.exit_code == 2
    assert "has 2 dataset(s) (co, c2o) but 1 matrix file(s) were given" in out.stderr
    two = RUNNER.invoke(
        app, ["ta", "fit", str(_csv(tmp_path)), str(_csv(tmp_path)), "--model", "parallel"]
    )
    assert two.exit_code == 2 and "fits one matrix, got 2" in two.stderr
    bad = RUNNER.invoke(
        app,
        [
            "ta",
            "fit",
            str(_csv(tmp_path)),
            str(_csv(tmp_path)),
            "--model",
            str(model),
            "--x-scale",
            "abc",
        ],
    )
    assert (
        bad.exit_code == 2
        and "--x-scale must be 'jac' or a positive number, got 'abc'" in bad.stderr
    )


def test_simulated_thesis_preset_round_trips_with_the_coherent_artefact_modelled(tmp_path):
    """The thesis CsPbBr3-PbS preset (donor bleach 0.52 ps, 150 fs IRF, chirp, coherent artefact
    = 2nd derivative of the IRF) is fitted back within its error once the CLI models the
    artefact; a boolean artefact setting is refused with the valid choices."""
    from heterolab.io.ta import read_ta_matrix
    from heterolab.kinetics.ta.global_fit import fit_global
    from heterolab.simulate.presets import write_preset

    write_preset("thesis-cspbbr3-pbs-1to30", tmp_path / "sim", seed=3)
    matrix = tmp_path / "sim" / "ta_vis_470pump_het_1to30.csv"
    res = RUNNER.invoke(
        app,
        [
            "ta",
            "fit",
            str(matrix),
            "--model",
            "parallel",
            "--components",
            "2",
            "--long-lived",
            "--irf-width",
            "0.06",
            "--chirp",
            "auto",
            "--chirp-order",
            "2",
            "--dispersion-center",
            "500",
            "--coherent-artifact",
            "3",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    tau = json.loads(res.output)["parameters"]["tau_1"]
    assert abs(tau["value"] - 0.52) < 4 * tau["stderr"]
    with pytest.raises(
        ParameterError, match="coherent_artifact is the number of artefact terms 0-3"
    ):
        fit_global(read_ta_matrix(matrix), "parallel", 1, coherent_artifact=True)


KIMOPACK = ("ta", "kimopack_ru_dppz_acn")


def test_cli_reproduces_the_python_api_on_raw_kimopack_data(tmp_path: Path) -> None:
    """Issue #11: the raw KiMoPack file with the tutorial's pre-processing on the command
    line gives the Python API's answer (the CLI once returned 0.88/113 ps)."""
    from heterolab.io import read
    from heterolab.kinetics.ta import preprocess as pp
    from heterolab.kinetics.ta.global_fit import fit_global
    from shared_paths import shared_file

    sia = shared_file(*KIMOPACK, "TA_Ru-dppz_400nm_ACN.SIA")
    chirp = shared_file(*KIMOPACK, "TA_Ru-dppz_400nm_ACN_chirp.dat")
    da = pp.subtract_background(pp.filter_outliers(read(sia, kind="ta"), 20.0), -0.5)
    da = pp.correct_chirp(da, pp.read_chirp_file(chirp))
    da = pp.select_region(pp.mask_wavelengths(da, [(380, 405)]), time=(0.3, 1800.0))
    api = fit_global(
        da,
        "parallel",
        3,
        long_lived=True,
        lifetimes=[3.0, 90.0],
        irf_center=0.0,
        irf_width=0.1,
        fix_irf=True,
    )
    # fmt: off
    args = ["ta", "fit", str(sia), "--model", "Parallel", "--components", "3", "--long-lived",
            "--outliers", "20", "--background", "-0.5", "--chirp", str(chirp),
            "--exclude", "380-405", "--t-min", "0.3", "--lifetimes", "3,90",
            "--irf-center", "0", "--irf-width", "0.1", "--fix-irf", "--json",
            "--precision", "0.1",
            "--out", str(tmp_path / "out")]
    # fmt: on
    out = RUNNER.invoke(app, args)
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    for name in ("tau_1", "tau_2"):
        assert d["parameters"][name]["value"] == pytest.approx(api[name].value, rel=1e-6)
    assert d["statistics"]["coherent_artifact"] == api.statistics["coherent_artifact"]
    das = d["curves"]["data/spectra"]
    assert das["dims"] == ["species", "wavelength"] and das["units"] == "OD"
    assert "data/data" not in d["curves"]  # matrices only with --curves all
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {
        "data_DAS.csv",
        "data_concentrations.csv",
        "data_fit.csv",
        "data_residuals.csv",
        "result.h5",
        "result.json",
        "data_overview.png",
    } <= files
    back = read(tmp_path / "out" / "data_fit.csv", kind="ta")
    np.testing.assert_allclose(back.values, api.curves["data/fit"].values, rtol=1e-8, atol=1e-12)


def test_time_unit_case_insensitive_choices_duplicates_and_warnings(tmp_path: Path) -> None:
    p = _csv(tmp_path)
    lines = p.read_text().splitlines()
    fs = tmp_path / "fs.csv"  # delays in fs, one delay repeated
    rows = [lines[0]] + [
        ",".join([f"{float(r.split(',')[0]) * 1000:.6g}", *r.split(",")[1:]]) for r in lines[1:]
    ]
    rows.insert(30, rows[30])
    fs.write_text("\n".join(rows))
    out = RUNNER.invoke(
        app,
        [
            "ta",
            "fit",
            str(fs),
            "--time-unit",
            "FS",
            "--signal-unit",
            "od",
            "--components",
            "2",
            "--long-lived",
            "--json",
            "--curves",
            "none",
        ],
    )
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert abs(d["parameters"]["tau_1"]["value"] - 1.5) < 4 * d["parameters"]["tau_1"]["stderr"]
    assert "repeated delay value(s) merged" in out.stderr
    assert d["curves"] == {}
    bad = RUNNER.invoke(app, ["ta", "svd", str(fs), "--duplicates", "error"])
    assert bad.exit_code == 2 and "duplicated row axis value" in bad.output
    unit = RUNNER.invoke(app, ["ta", "svd", str(fs), "--time-unit", "min"])
    assert unit.exit_code == 2 and "'min' is not one of 'fs', 'ps', 'ns'" in unit.output
    rng = RUNNER.invoke(app, ["ta", "svd", str(fs), "--exclude", "500"])
    assert rng.exit_code == 2 and "LOW-HIGH" in rng.output


def test_failed_fit_exits_1_and_chirp_file_round_trip(tmp_path: Path) -> None:
    noise = tmp_path / "noise.csv"
    rng = np.random.default_rng(0)
    rows = [",".join(["t", *map(str, WL)])]
    rows += [",".join([f"{t:.6g}", *(f"{v:.4g}" for v in rng.normal(0, 1e-4, WL.size))]) for t in T]
    noise.write_text("\n".join(rows))
    out = RUNNER.invoke(app, ["ta", "fit", str(noise), "--components", "2"])
    assert out.exit_code == 1 and "failed" in out.output
    p = _csv(tmp_path)
    chirp = tmp_path / "chirp.dat"
    c = RUNNER.invoke(app, ["ta", "chirp", str(p), "--order", "1", "--write-chirp", str(chirp)])
    assert c.exit_code == 0, c.output
    f = RUNNER.invoke(
        app,
        ["ta", "fit", str(p), "--chirp", str(chirp), "--components", "2", "--long-lived", "--json"],
    )
    assert f.exit_code == 0, f.output
    missing = RUNNER.invoke(app, ["ta", "fit", str(p), "--chirp", "nofile.dat"])
    assert missing.exit_code == 2 and "not 'auto' and no such chirp file" in missing.output
