"""``heterolab tem …`` and ``heterolab image …`` through the CLI (JSON and figures)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import erf
from typer.testing import CliRunner

from heterolab.cli import app
from shared_paths import shared_file

tifffile = pytest.importorskip("tifffile")  # the structure extra
pytest.importorskip("skimage")
pytest.importorskip("rsciio")

runner = CliRunner()
STO = ("tem", "atomap_SrTiO3_ADF_ABF", "test_ADF_cropped.hdf5")
CAL = ["--pixel-size", "0.009326270238006416", "--unit", "nm"]


def test_tem_fft_spacings_json_and_plot(tmp_path):
    s = str(shared_file(*STO))
    png = tmp_path / "fft.png"
    res = runner.invoke(
        app, ["tem", "spacings", s, *CAL, "--phase", "PbS", "--json", "--plot", str(png)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["derived"]["basis_d2"]["value"] == pytest.approx(0.2761, rel=0.01)
    assert png.stat().st_size > 10_000
    res = runner.invoke(app, ["tem", "fft", s])
    assert res.exit_code == 2 and "--pixel-size" in res.output


def _tif(path, img, px=0.5):
    tifffile.imwrite(
        path,
        img.astype("float32"),
        imagej=True,
        resolution=(1 / px, 1 / px),
        metadata={"unit": "nm"},
    )


def test_tem_particles_and_gpa(tmp_path):
    yy, xx = np.mgrid[:200, :200]
    img = np.zeros((200, 200))
    for cy, cx in [(50, 50), (50, 150), (150, 50), (150, 150)]:
        img = np.maximum(img, np.clip(20.5 - np.hypot(yy - cy, xx - cx), 0, 1))
    f = tmp_path / "p.tif"
    _tif(f, img + 0.01 * np.random.default_rng(0).normal(size=img.shape))
    png = tmp_path / "p.png"
    res = runner.invoke(app, ["tem", "particles", str(f), "--json", "--plot", str(png)])
    doc = json.loads(res.stdout)
    assert doc["statistics"]["n_measured"] == 4
    # the half-intensity contour of clip(20.5 - r, 0, 1) is r = 20 px: diameter 40 px = 20 nm
    assert doc["parameters"]["mean_size"]["value"] == pytest.approx(20.0, rel=0.02)
    assert png.exists()
    y, x = np.mgrid[:256, :256] * 0.05
    lat = np.cos(2 * np.pi * x / 0.3) + np.cos(2 * np.pi * y / 0.3)
    g = tmp_path / "g.tif"
    _tif(g, lat, px=0.05)
    png = tmp_path / "gpa.png"
    res = runner.invoke(
        app,
        [
            "tem",
            "gpa",
            str(g),
            "--g",
            f"{1 / 0.3},0",
            "--g",
            f"0,{1 / 0.3}",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (
        abs(doc["derived"]["exx"]["value"]) < 1e-4
        and "small strain" in doc["statistics"]["strain_definition"]
    )
    assert png.exists()


def _edge(n=96, sigma=1.2, angle=5.0):
    yy, xx = np.mgrid[:n, :n].astype(float)
    t = math.radians(angle)
    return 0.2 + 0.6 * 0.5 * (
        1 + erf(((xx - n / 2) * math.cos(t) - (yy - n / 2) * math.sin(t)) / (math.sqrt(2) * sigma))
    )


def test_image_resolution_contrast_compare(tmp_path):
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, _edge(sigma=1.0) + 0.005 * np.random.default_rng(1).normal(size=(96, 96)))
    np.save(b, _edge(sigma=3.0) + 0.005 * np.random.default_rng(2).normal(size=(96, 96)))
    png = tmp_path / "mtf.png"
    res = runner.invoke(app, ["image", "resolution", str(a), "--json", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["parameters"]["mtf50"]["value"] > 0.1 and png.exists()
    res = runner.invoke(
        app,
        [
            "image",
            "contrast",
            str(a),
            "--signal",
            "80",
            "96",
            "0",
            "96",
            "--background",
            "0",
            "16",
            "0",
            "96",
            "--json",
        ],
    )
    assert json.loads(res.stdout)["derived"]["weber"]["value"] == pytest.approx(3.0, rel=0.05)
    png = tmp_path / "cmp.png"
    res = runner.invoke(
        app,
        [
            "image",
            "compare",
            str(b),
            str(a),
            "--signal",
            "80",
            "96",
            "0",
            "96",
            "--background",
            "0",
            "16",
            "0",
            "96",
            "--edge",
            "16",
            "80",
            "8",
            "88",
            "--rank-by",
            "mtf50",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["statistics"]["ranking"] == ["a", "b"] and png.exists()
