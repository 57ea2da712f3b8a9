"""Pattern readers: the shared LaB6 .xye.bz2 and the Rigaku .ras (both scans, CP932 header),
synthetic .xy/.xrdml written here, and damaged files with the line named."""

from __future__ import annotations

import bz2

import numpy as np
import pytest

from heterolab.errors import FormatError, ParameterError
from heterolab.io.xrd import read_pattern, read_patterns
from shared_paths import shared_file

LAB6 = ("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2")
RAS = ("xrd", "xrayutilities_RAS_InMnAs", "inas_layer_radial_002_004.ras.bz2")


@pytest.mark.shared_data
def test_lab6_xye_reads_with_the_files_errors() -> None:
    p = read_pattern(shared_file(*LAB6), anode="Cu")
    assert p.sizes["two_theta"] == 17381
    assert p["two_theta"].values[0] == pytest.approx(4.57208)
    assert p["two_theta"].values[-1] == pytest.approx(150.578, abs=1e-3)
    assert p["sigma"].values[0] == pytest.approx(548.589)
    assert p.attrs["wavelength_angstrom"] == pytest.approx(1.5405929)
    assert p.attrs["errors"] == "file"
    assert p["two_theta"].attrs["units"] == "deg"


@pytest.mark.shared_data
def test_ras_reads_both_scans_with_header_wavelengths() -> None:
    scans = read_patterns(shared_file(*RAS))
    assert [s.sizes["two_theta"] for s in scans] == [1501, 2501]
    assert [s["two_theta"].values[0] for s in scans] == [26.5, 56.0]
    maxima = [float(s["two_theta"].values[int(np.argmax(s.values))]) for s in scans]
    assert maxima == pytest.approx([29.448, 61.124], abs=1e-3)
    assert scans[0].attrs["wavelength_angstrom"] == pytest.approx(1.540593)
    assert scans[0].attrs["wavelength2_angstrom"] == pytest.approx(1.544414)
    assert scans[0].attrs["header"]["HW_ATTACHMENT_NAME"].startswith("χφ")  # CP932 bytes
    assert scans[1].attrs["scan"] == 1


@pytest.mark.shared_data
def test_several_scans_need_a_choice() -> None:
    with pytest.raises(ParameterError, match=r"has 2 scans .*pass scan="):
        read_pattern(shared_file(*RAS))
    assert read_pattern(shared_file(*RAS), scan=1).sizes["two_theta"] == 2501
    with pytest.raises(ParameterError, match="out of range"):
        read_pattern(shared_file(*RAS), scan=2)


def test_xy_two_columns_get_poisson_errors(tmp_path) -> None:
    f = tmp_path / "p.xy"
    f.write_text("# 2theta counts\n10.0 100\n10.1 0\n10.2 400\n")
    p = read_pattern(f, wavelength_angstrom=1.5406)
    np.testing.assert_allclose(p["sigma"].values, [10.0, 1.0, 20.0])
    assert p.attrs["errors"] == "poisson"
    assert "wavelength2_angstrom" not in p.attrs


def test_compressed_and_csv_read_alike(tmp_path) -> None:
    text = "2theta,I,sigma\n20,5,2\n20.5,7,3\n21,9,3\n"
    (tmp_path / "a.csv").write_text(text)
    with bz2.open(tmp_path / "a.xye.bz2", "wt") as fh:
        fh.write(text.replace(",", " "))
    a = read_pattern(tmp_path / "a.csv")
    b = read_pattern(tmp_path / "a.xye.bz2")
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a["sigma"].values, [2, 3, 3])


def test_damaged_xy_names_the_line(tmp_path) -> None:
    f = tmp_path / "bad.xy"
    f.write_text("10 1\n10.1 2\n10.2 x3\n")
    with pytest.raises(FormatError, match="line 3"):
        read_pattern(f)
    f.write_text("10 1 1 1\n11 1 1 1\n")
    with pytest.raises(FormatError, match="expected 2 or 3 columns"):
        read_pattern(f)
    f.write_text("190 1\n191 1\n")
    with pytest.raises(FormatError, match=r"outside \(0, 180\)"):
        read_pattern(f)


def _ras(blocks: list[str]) -> str:
    return "*RAS_DATA_START\r\n" + "".join(blocks) + "*RAS_DATA_END\r\n"


def _block(rows: str, count: int) -> str:
    return (
        "*RAS_HEADER_START\r\n"
        f'*MEAS_DATA_COUNT "{count}"\r\n*HW_XG_WAVE_LENGTH_ALPHA1 "1.540593"\r\n'
        '*MEAS_SCAN_STEP "0.01"\r\n*MEAS_SCAN_SPEED "1.0"\r\n*MEAS_SCAN_UNIT_Y "counts"\r\n'
        "*RAS_HEADER_END\r\n*RAS_INT_START\r\n" + rows + "*RAS_INT_END\r\n"
    )


def test_ras_damage_is_reported(tmp_path) -> None:
    f = tmp_path / "t.ras"
    f.write_bytes(_ras([_block("20.00 10 1\r\n20.01 12 2\r\n", 2)]).encode("cp932"))
    p = read_pattern(f)
    np.testing.assert_allclose(p.values, [10, 24])  # attenuation factor applied
    f.write_bytes(_ras([_block("20.00 10 1\r\n", 2)]).encode())
    with pytest.raises(FormatError, match="MEAS_DATA_COUNT says 2"):
        read_pattern(f)
    f.write_bytes(b"*RAS_DATA_START\r\n*RAS_HEADER_START\r\n*RAS_INT_START\r\n20 1 1\r\n")
    with pytest.raises(FormatError, match="truncated"):
        read_pattern(f)


XRDML = """<?xml version="1.0" encoding="UTF-8"?>
<xrdMeasurements xmlns="http://www.xrdml.com/XRDMeasurement/1.5">
 <xrdMeasurement measurementType="Scan">
  <usedWavelength intended="K-Alpha 1">
   <kAlpha1 unit="Angstrom">1.5405980</kAlpha1>
   <kAlpha2 unit="Angstrom">1.5444260</kAlpha2>
   <ratioKAlpha2KAlpha1>0.5000</ratioKAlpha2KAlpha1>
  </usedWavelength>
  <scan appendNumber="0" mode="Continuous" scanAxis="Gonio">
   <dataPoints>
    <positions axis="2Theta" unit="deg"><startPosition>10.00</startPosition>
     <endPosition>10.04</endPosition></positions>
    <positions axis="Omega" unit="deg"><startPosition>5</startPosition>
     <endPosition>5.02</endPosition></positions>
    <commonCountingTime unit="seconds">0.5</commonCountingTime>
    <intensities unit="counts">4 9 16 25 36</intensities>
   </dataPoints>
  </scan>
 </xrdMeasurement>
</xrdMeasurements>
"""


def test_xrdml_reads_axis_counts_and_wavelengths(tmp_path) -> None:
    f = tmp_path / "s.xrdml"
    f.write_text(XRDML)
    p = read_pattern(f)
    np.testing.assert_allclose(p["two_theta"].values, [10.0, 10.01, 10.02, 10.03, 10.04])
    np.testing.assert_allclose(p["sigma"].values, [2, 3, 4, 5, 6])
    assert p.attrs["wavelength2_angstrom"] == pytest.approx(1.544426)
    assert p.attrs["kalpha2_ratio"] == 0.5
    listed = XRDML.replace(
        "<startPosition>10.00</startPosition>\n     <endPosition>10.04</endPosition>",
        "<listPositions>10 10.01 10.02 10.03 10.04</listPositions>",
    )
    assert "listPositions" in listed
    f.write_text(listed.replace("4 9 16 25 36", "4 9 16"))
    with pytest.raises(FormatError, match="5 positions but 3 intensities"):
        read_pattern(f)
    f.write_text("<xrdMeasurements><oops>")
    with pytest.raises(FormatError, match="not valid XML"):
        read_pattern(f)


def test_unknown_anode_lists_the_known(tmp_path) -> None:
    f = tmp_path / "p.xy"
    f.write_text("10 1\n11 2\n")
    with pytest.raises(ParameterError, match="known: Cu, Mo"):
        read_pattern(f, anode="Xx")


@pytest.mark.parametrize("suffix", [".brml", ".raw", ".RAW"])
def test_bruker_files_are_refused_with_the_reason_and_a_way_out(tmp_path, suffix) -> None:
    f = tmp_path / f"scan{suffix}"
    f.write_bytes(b"PK\x03\x04 not parsed")
    with pytest.raises(
        FormatError, match=r"Bruker .* is not read: .*xylib-py.*Export the scan as \.xy"
    ):
        read_pattern(f)
