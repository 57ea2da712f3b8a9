"""Vendor text exports of XPS data: SPECS Prodigy XY and CasaXPS ASCII, written here from their
documented layouts (no third-party files), sniffed by content, read to binding energy, and
refused with the file and line when damaged."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.errors import FormatError
from heterolab.io import read
from heterolab.io.vamas import read_casa_text, read_specs_xy, read_specs_xy_blocks

runner = CliRunner()
HV = 1486.61


def _peak(be):
    return 200 + 5e3 * np.exp(-0.5 * ((be - 84.0) / 0.5) ** 2)


def _specs_file(path, *, axis="Binding Energy", rate="Counts per Second", scans=2):
    lines = [
        "# Created by:        SpecsLab Prodigy, Version 4.0",
        "#",
        "# XY-Serializer Export Settings:",
        "#   Comment Prefix:           #",
        f"#   Energy Axis:              {axis}",
        f"#   Count Rate:               {rate}",
        "#   Separate Scan Data:       yes",
        "#",
    ]
    for name, lo, hi in (("Au 4f", 80.0, 90.0), ("C 1s", 280.0, 290.0)):
        be = np.arange(lo, hi + 1e-9, 0.1)
        x = be if axis == "Binding Energy" else HV - be
        lines += [
            "# Group:                        Sample A",
            "#",
            f"# Region:                       {name}",
            "# Analysis Method:              XPS",
            f"# Excitation Energy:            {HV}",
            "# Pass Energy:                  20",
            "#",
        ]
        for k in range(scans):
            lines += [
                f"# Cycle: 0, Curve: 0, Scan: {k}",
                "#",
                "# ColumnLabels:                 energy counts/s",
                "#",
            ]
            lines += [f"{xi:.4f}  {yi + k:.2f}" for xi, yi in zip(x, _peak(be), strict=True)]
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_specs_xy_regions_to_binding_energy(tmp_path):
    f = _specs_file(tmp_path / "export.xy")
    blocks = read_specs_xy_blocks(f)
    assert list(blocks) == ["Au 4f", "C 1s"]
    au = blocks["Au 4f"]
    assert au.attrs["scans"] == 2 and au.attrs["units"] == "counts/s"
    be = au["binding_energy"].values
    assert be[0] == pytest.approx(80.0) and be[-1] == pytest.approx(90.0)
    # count rates of two scans are averaged: the second scan is +1
    assert float(au.sel(binding_energy=84.0, method="nearest")) == pytest.approx(5200.5, abs=1e-6)
    # sniffed by content although .xy is also a diffraction extension
    assert read(f, kind="photoemission", block="C 1s").attrs["reader"] == "specs_xy"


def test_specs_xy_kinetic_axis_and_counts(tmp_path):
    f = _specs_file(tmp_path / "ke.xy", axis="Kinetic Energy", rate="Counts", scans=3)
    au = read_specs_xy(f, block="au 4f")
    be = au["binding_energy"].values
    assert be[0] == pytest.approx(80.0, abs=1e-6) and au.attrs["photon_energy"] == HV
    y = float(au.sel(binding_energy=84.0, method="nearest"))
    assert y == pytest.approx(3 * 5200 + 3, abs=1e-6)  # counts of three scans are summed


def test_specs_xy_damaged(tmp_path):
    f = _specs_file(tmp_path / "bad.xy", scans=1)
    text = f.read_text().splitlines()
    i = next(k for k, ln in enumerate(text) if ln and not ln.startswith("#"))
    text[i] = "84.0  abc"
    (tmp_path / "bad1.xy").write_text("\n".join(text))
    with pytest.raises(FormatError, match=rf"bad1.xy.*line {i + 1}.*malformed data row"):
        read_specs_xy_blocks(tmp_path / "bad1.xy")
    idx = f.read_text().replace("ColumnLabels:                 energy", "ColumnLabels: index")
    (tmp_path / "bad2.xy").write_text(idx)
    with pytest.raises(FormatError, match="point indices, not energies"):
        read_specs_xy_blocks(tmp_path / "bad2.xy")
    noaxis = f.read_text().replace("Energy Axis:", "Energy Scale:")
    (tmp_path / "bad3.xy").write_text(noaxis)
    with pytest.raises(FormatError, match="no 'Energy Axis'"):
        read_specs_xy_blocks(tmp_path / "bad3.xy")


def _casa_file(path, *, cps_only=False):
    be = np.arange(95.0, 79.95, -0.1)
    counts = _peak(be)
    lines = [
        "Cycle 0:Au:Au 4f",
        f"\tCharacteristic Energy eV\t{HV:e}\tAcquisition Time s\t1.000000e-001",
        "Name\tAu 4f7/2\tAu 4f5/2",
        "Position\t84.00\t87.67",
        "FWHM\t1.18\t1.18",
        "Area\t1.0e4\t7.5e3",
        "Lineshape\tGL(30)\tGL(30)",
        "K.E.\tCPS\t\tB.E.\tCPS\tBackground\tEnvelope"
        if cps_only
        else "K.E.\tCounts\t\tB.E.\tCPS\tBackground\tEnvelope",
    ]
    for b, c in zip(be, counts, strict=True):
        lines.append(f"{HV - b:e}\t{c:e}\t\t{b:e}\t{10 * c:e}\t{200:e}\t{c:e}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_casa_ascii_export(tmp_path):
    f = _casa_file(tmp_path / "au.txt")
    s = read_casa_text(f)
    assert s.attrs["block"] == "Cycle 0:Au:Au 4f" and s.attrs["intensity_column"] == "Counts"
    assert s.attrs["photon_energy_stated"] == pytest.approx(HV)
    be = s["binding_energy"].values
    assert np.all(np.diff(be) > 0) and be[0] == pytest.approx(80.0)
    assert float(s.sel(binding_energy=84.0, method="nearest")) == pytest.approx(5200.0)
    assert read(f, kind="photoemission").attrs["reader"] == "casa_text"
    g = _casa_file(tmp_path / "cps.txt", cps_only=True)
    assert read_casa_text(g).attrs["units"] == "counts/s"
    text = f.read_text().splitlines()
    text[20] = "1.0\tx\t\t2.0\t3.0\t4.0\t5.0"
    (tmp_path / "bad.txt").write_text("\n".join(text))
    with pytest.raises(FormatError, match=r"line 21.*malformed data row"):
        read_casa_text(tmp_path / "bad.txt")
    (tmp_path / "none.txt").write_text("Cycle 0\nfoo\tbar\n1\t2\n")
    with pytest.raises(FormatError, match=r"no 'K\.E\.'/'B\.E\.' column header row"):
        read_casa_text(tmp_path / "none.txt")


def test_cli_reads_vendor_exports(tmp_path):
    f = _specs_file(tmp_path / "export.xy")
    res = runner.invoke(app, ["xps", "read", str(f), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {"Au 4f", "C 1s"} <= set(json.dumps(doc).split('"'))
    res = runner.invoke(
        app, ["xps", "fit", str(f), "--block", "Au 4f", "--singlet", "Au@84", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["parameters"]["Au_position"]["value"] == pytest.approx(
        84.0, abs=0.01
    )
    c = _casa_file(tmp_path / "au.txt")
    res = runner.invoke(app, ["xps", "fit", str(c), "--singlet", "Au@84", "--json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["xps", "fit", str(c), "--block", "x", "--singlet", "Au@84"])
    assert res.exit_code == 2 and "--block applies to VAMAS and SPECS XY" in res.output
