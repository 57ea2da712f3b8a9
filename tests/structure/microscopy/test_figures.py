"""Every microscopy and image-quality figure names each axis a reader sees, with its unit;
the CLI's --plot writes them (tem columns, image contrast, image line-pairs)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.arrays import image_dataarray
from heterolab.cli import app
from heterolab.report.plots import plot_result, unlabelled_axes

pytest.importorskip("skimage")  # the structure extra
tifffile = pytest.importorskip("tifffile")

runner = CliRunner()
UNIT = re.compile(r"\(([^()]+)\)\s*$")


def _assert_labelled(fig):
    assert unlabelled_axes(fig) == []
    for ax in fig.axes:
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if label.strip():
                assert UNIT.search(label), f"no unit in axis label {label!r}"


def _lattice(n=128, px=0.05, d=0.3):
    y, x = np.mgrid[:n, :n] * px
    return image_dataarray(np.cos(2 * np.pi * x / d) + np.cos(2 * np.pi * y / d) + 3, px, "nm")


def _columns_image(n=160, px=0.01, a=0.2):
    yy, xx = np.mgrid[:n, :n] * px
    img = np.zeros((n, n))
    for i in range(int(n * px / a) + 2):
        for j in range(int(n * px / a) + 2):
            img += np.exp(-((xx - i * a - 0.05) ** 2 + (yy - j * a - 0.05) ** 2) / (2 * 0.02**2))
    return image_dataarray(img + 0.01 * np.random.default_rng(0).normal(size=img.shape), px, "nm")


def test_microscopy_figures_label_every_axis_with_a_unit():
    from heterolab.structure.imaging import contrast, line_pairs, slanted_edge_mtf
    from heterolab.structure.microscopy import (
        column_strain,
        find_atom_columns,
        gpa,
        measure_particles,
        measure_spacings,
        strain_profile,
    )

    lat = _lattice()
    g = 1 / 0.3
    r_gpa = gpa(lat, [[g, 0], [0, g]])
    yy, xx = np.mgrid[:120, :120]
    blobs = np.zeros((120, 120))
    for cy, cx in [(30, 30), (30, 90), (90, 30), (90, 90)]:
        blobs = np.maximum(blobs, np.clip(12.5 - np.hypot(yy - cy, xx - cx), 0, 1))
    cols = find_atom_columns(_columns_image(), 0.12, method="skimage", sublattice_vector=0)
    edge = np.where(xx + 0.1 * yy > 60, 0.8, 0.2) + 0.01 * np.random.default_rng(1).normal(
        size=xx.shape
    )
    bars = 1 + np.sign(np.sin(2 * np.pi * xx / 10.0)) * 0.5
    results = [
        measure_spacings(lat),
        measure_particles(image_dataarray(blobs, 0.5, "nm")),
        r_gpa,
        strain_profile(r_gpa),
        cols,
        column_strain(cols),
        slanted_edge_mtf(edge),
        contrast(
            blobs + 0.05 * np.random.default_rng(2).normal(size=blobs.shape),
            (20, 40, 20, 40),
            (0, 15, 0, 120),
        ),
        line_pairs(bars, (0, 60, 119, 60), width=3),
    ]
    for r in results:
        fig = plot_result(r)
        _assert_labelled(fig)


def _tif(path, img):
    tifffile.imwrite(path, np.asarray(img, dtype="float32"))


def test_cli_plots_columns_contrast_line_pairs(tmp_path):
    img = _columns_image()
    f = tmp_path / "cols.tif"
    tifffile.imwrite(
        f,
        img.values.astype("float32"),
        imagej=True,
        resolution=(100.0, 100.0),
        metadata={"unit": "nm"},
    )
    png = tmp_path / "cols.png"
    res = runner.invoke(
        app,
        [
            "tem",
            "columns",
            str(f),
            "--separation",
            "0.12",
            "--method",
            "SKIMAGE",
            "--sublattice-vector",
            "0",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["statistics"]["method"] == "skimage"
    assert png.stat().st_size > 5_000
    res = runner.invoke(app, ["tem", "columns", str(f), "--separation", "0.12", "--method", "x"])
    assert res.exit_code == 2 and "'x' is not one of" in res.output
    png = tmp_path / "strain.png"
    res = runner.invoke(
        app,
        [
            "tem",
            "column-strain",
            str(f),
            "--separation",
            "0.12",
            "--method",
            "skimage",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    assert abs(json.loads(res.stdout)["parameters"]["exx_reference"]["value"]) < 0.01
    assert png.exists()

    _yy, xx = np.mgrid[:64, :128]
    bars = 1 + 0.5 * np.sign(np.sin(2 * np.pi * xx / 8.0))
    b = tmp_path / "bars.tif"
    _tif(b, bars)
    png = tmp_path / "lp.png"
    res = runner.invoke(
        app,
        [
            "image",
            "line-pairs",
            str(b),
            "--line",
            "2",
            "32",
            "125",
            "32",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["parameters"]["modulation"]["value"] == pytest.approx(0.5, abs=0.05)
    assert doc["derived"]["period"]["value"] == pytest.approx(8.0, abs=0.5)
    assert png.exists()
    res = runner.invoke(app, ["image", "line-pairs", str(b), "--line", "0", "0", "500", "0"])
    assert res.exit_code == 2 and "outside the image" in res.output
    png = tmp_path / "c.png"
    res = runner.invoke(
        app,
        [
            "image",
            "contrast",
            str(b),
            "--signal",
            "0",
            "4",
            "0",
            "64",
            "--background",
            "4",
            "8",
            "0",
            "64",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    assert png.exists()
