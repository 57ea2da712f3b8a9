"""PicoQuant .ptu/.phu and Becker & Hickl .sdt readers against real files and damaged copies.

The .sdt file is GPL-2.0 (ChiSurf): it is read from ../shared/data and copied only into
pytest's temporary directory, never into the repository.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from heterolab.errors import FormatError, ParameterError
from heterolab.io import read, read_decay, read_decays, read_flim
from shared_paths import shared_file

BEADS = ("trpl", "tttrlib_microtime200_beads_ptu", "beads.ptu")
SDT = ("trpl", "chisurf_bh_spc830_sdt", "140507p.sdt")


def cut_copy(src: Path, tmp_path: Path, keep: int) -> Path:
    """Copy of ``src`` truncated to its first ``keep`` bytes (negative: drop that many)."""
    data = src.read_bytes()
    out = tmp_path / f"cut{src.suffix}"
    out.write_bytes(data[:keep])
    return out


# ----------------------------------------------------------------- PicoQuant PTU (real)


def test_ptu_decays_per_channel_match_the_photon_records():
    da = read_decays(shared_file(*BEADS))
    assert da.dims == ("decay", "time")
    assert list(da["decay"].values) == ["channel 0", "channel 1"]
    assert da.sizes["time"] == 1562  # 25 ns period / 16 ps
    np.testing.assert_array_equal(da.sum("time").values, [52_833, 20_954])  # README
    assert da.attrs["bin_width"] == pytest.approx(0.016, rel=1e-8)
    assert da["time"].attrs["units"] == "ns"
    assert da["time"].values[-1] == pytest.approx(1561 * 0.016, rel=1e-8)
    assert da.attrs["repetition_rate_hz"] == pytest.approx(39_999_960)
    assert da.attrs["acquisition_time_s"] == pytest.approx(10.5558, abs=1e-3)
    assert da.attrs["record_type"] == "HydraHarp2T3"
    assert da.attrs["instrument"] == "HydraHarp"
    assert da.attrs["number_photons"] == 73_787


def test_ptu_single_decay_needs_a_channel():
    path = shared_file(*BEADS)
    with pytest.raises(
        ParameterError, match=r"has 2 curves \(channel 0, channel 1\); pass channel="
    ):
        read_decay(path)
    one = read_decay(path, channel=1, time_unit="ps")
    assert one.dims == ("time",)
    assert one.sum().item() == 20_954
    assert one.attrs["bin_width"] == pytest.approx(16.0, rel=1e-8)
    assert one.attrs["reader"] == "ptu_decay"
    assert read_decay(path, channel="sum").sum().item() == 73_787
    with pytest.raises(ParameterError, match="no 'channel 5'; the file has channel 0, channel 1"):
        read_decay(path, channel=5)


def test_ptu_flim_image_and_the_line_marker_message_is_kept_not_logged(caplog):
    path = shared_file(*BEADS)
    with caplog.at_level(logging.DEBUG):
        img = read_flim(path)
    assert not [r for r in caplog.records if r.name.startswith("ptufile")]
    assert img.dims == ("y", "x", "time")
    assert img.shape == (50, 50, 1562)
    assert img.sum().item() == 37_384  # photons inside line start/stop windows (README)
    assert "invalid line_start, line_stop, or frame_change masks" in img.attrs["reader_warnings"]
    assert img.attrs["channel"] == "sum of 0, 1"
    assert img.attrs["pixel_time_s"] == pytest.approx(1e-3)
    assert img.attrs["pixel_size_um"] == pytest.approx(0.0308)
    ch0, ch1 = read_flim(path, channel=0), read_flim(path, channel=1)
    np.testing.assert_array_equal(ch0.values + ch1.values, img.values)
    with pytest.raises(ParameterError, match=r"no channel 7; active channels: \[0, 1\]"):
        read_flim(path, channel=7)


def test_registry_sniffs_ptu_content_even_with_a_wrong_extension(tmp_path):
    src = shared_file(*BEADS)
    renamed = tmp_path / "beads.dat"
    renamed.write_bytes(src.read_bytes())
    assert read(renamed).attrs["reader"] == "ptu_decays"
    assert read(renamed, kind="flim").shape == (50, 50, 1562)


def test_truncated_ptu_is_an_error_not_fewer_photons(tmp_path):
    cut = cut_copy(shared_file(*BEADS), tmp_path, -1001)
    with pytest.raises(
        FormatError,
        match=r"truncated: the header announces 104776 records but the file holds 104525",
    ) as info:
        read_decays(cut)
    assert str(info.value).startswith(f"{cut}, byte offset")


@pytest.mark.parametrize("keep", [8, 100, 3000])
def test_ptu_with_a_cut_header_is_a_format_error(tmp_path, keep):
    cut = cut_copy(shared_file(*BEADS), tmp_path, keep)
    with pytest.raises(
        FormatError, match=r"cut\.ptu: (not a valid PicoQuant \.ptu file|header lacks|corrupt)"
    ):
        read_decays(cut)


def test_garbage_behind_ptu_magic(tmp_path):
    p = tmp_path / "g.ptu"
    p.write_bytes(b"PQTTTR\x00\x00" + bytes(range(256)) * 4)
    with pytest.raises(FormatError, match=r"g\.ptu: "):
        read_flim(p)


# ----------------------------------------------------------------- PicoQuant PHU (synthetic)


def make_phu(
    path: Path,
    hists: list[np.ndarray],
    resolution_s: float = 8e-12,
    sync_rate: int = 40_000_000,
    truncate: int = 0,
) -> Path:
    """A minimal .phu file in PicoQuant's tagged layout, written with ptufile's tag encoder."""
    from ptufile.ptufile import encode_tag

    fixed = [
        encode_tag("File_GUID", "{00000000-0000-0000-0000-000000000000}"),
        encode_tag("Measurement_Mode", 0),
        encode_tag("Measurement_SubMode", 0),
        encode_tag("HW_Type", "PicoHarp 300"),
        encode_tag("MeasDesc_Resolution", resolution_s),
        encode_tag("HistoResult_NumberOfCurves", len(hists)),
    ]

    def header(offsets: list[int]) -> bytes:
        tags = list(fixed)
        for i, (h, off) in enumerate(zip(hists, offsets, strict=True)):
            tags += [
                encode_tag("HistResDscr_DataOffset", off, i),
                encode_tag("HistResDscr_HistogramBins", int(h.size), i),
                encode_tag("HistResDscr_MDescResolution", resolution_s, i),
                encode_tag("HistResDscr_SyncRate", sync_rate, i),
            ]
        tags.append(encode_tag("Header_End", None))
        return b"PQHISTO\x00" + b"1.0\x00\x00\x00\x00\x00" + b"".join(tags)

    pos = len(header([0] * len(hists)))
    offsets = []
    for h in hists:
        offsets.append(pos)
        pos += 4 * h.size
    blob = header(offsets) + b"".join(np.asarray(h, "<u4").tobytes() for h in hists)
    path.write_bytes(blob[: len(blob) - truncate])
    return path


def test_phu_histograms_round_trip_counts_and_bin_width(tmp_path):
    rng = np.random.default_rng(20261124)
    hists = [rng.poisson(100.0, 256), rng.poisson(30.0, 256)]
    p = make_phu(tmp_path / "h.phu", hists)
    da = read_decays(p)
    assert da.dims == ("decay", "time")
    np.testing.assert_array_equal(da.values, np.stack(hists))
    assert da.attrs["bin_width"] == pytest.approx(0.008, rel=1e-12)
    assert da.attrs["repetition_rate_hz"] == 40e6
    assert da.attrs["instrument"] == "PicoHarp 300"
    one = read_decay(p, curve=1)
    np.testing.assert_array_equal(one.values, hists[1])
    assert one.attrs["curve"] == 1
    with pytest.raises(ParameterError, match=r"has 2 curves \(0\.\.1\); pass curve="):
        read_decay(p)
    with pytest.raises(ParameterError, match=r"no curve 2; the file has curves 0\.\.1"):
        read_decay(p, curve=2)


def test_truncated_phu_is_a_format_error(tmp_path):
    p = make_phu(tmp_path / "t.phu", [np.ones(64, int)], truncate=40)
    with pytest.raises(
        FormatError,
        match=r"t\.phu, byte offset \d+: truncated: curve 0 should have 64 bins, the file holds 54",
    ):
        read_decays(p)


# ----------------------------------------------------------------- Becker & Hickl SDT (real)


def test_sdt_three_curves_totals_and_metadata():
    da = read_decays(shared_file(*SDT))
    assert da.dims == ("decay", "time")
    assert list(da["decay"].values) == ["curve 0", "curve 1", "curve 2"]
    assert da.sizes["time"] == 1024
    np.testing.assert_array_equal(da.sum("time").values, [186_554, 1_485_465, 1_401_925])
    assert da.attrs["bin_width"] == pytest.approx(0.019537, rel=1e-4)  # 100.03 ns / (5 x 1024)
    assert da.attrs["bin_width"] == pytest.approx(
        da.attrs["tac_range_s"] * 1e9 / (5 * 1024), rel=1e-6
    )
    assert da.attrs["instrument"] == "SPC-830 (serial 3D0112)"
    assert da.attrs["repetition_rate_hz"] == pytest.approx(4.0512e6)
    np.testing.assert_allclose(da.attrs["acquisition_time_s"], [20.98, 120.10, 120.09], atol=0.01)
    assert int(da.isel(decay=0).argmax("time")) == 67  # peak channel of curve 0 (README)


def test_sdt_single_curve_selection():
    path = shared_file(*SDT)
    c2 = read_decay(path, curve=2)
    assert c2.sum().item() == 1_401_925
    assert c2.attrs["acquisition_time_s"] == pytest.approx(120.089, abs=1e-3)
    with pytest.raises(
        ParameterError, match=r"has 3 curves \(curve 0, curve 1, curve 2\); pass curve="
    ):
        read_decay(path)
    with pytest.raises(FormatError, match="no image block"):
        read_flim(path)


@pytest.mark.parametrize(
    ("keep", "problem"),
    [
        (30, "not a readable Becker & Hickl .sdt file"),
        (500, "not a readable Becker & Hickl .sdt file"),
        (15_000, "not a readable Becker & Hickl .sdt file"),
        (-500, "data block does not match its header (truncated?)"),
    ],
)
def test_truncated_sdt_is_a_format_error(tmp_path, keep, problem):
    cut = cut_copy(shared_file(*SDT), tmp_path, keep)
    with pytest.raises(FormatError) as info:
        read_decays(cut)
    assert str(info.value).startswith(str(cut))
    assert problem in str(info.value)


def test_missing_file_and_unknown_content(tmp_path):
    with pytest.raises(FormatError, match=r"nothere\.ptu: file does not exist"):
        read_decay(tmp_path / "nothere.ptu")
    odd = tmp_path / "odd.xyz"
    odd.write_bytes(b"\x00\x01binary")
    with pytest.raises(FormatError, match=r"no reader recognises this file as 'decay'"):
        read_decay(odd)


def test_t2_ptu_is_refused_with_the_record_type(tmp_path):
    """beads.ptu with its record-type tag rewritten to HydraHarp2 T2 (0x01010204)."""
    import struct

    data = bytearray(shared_file(*BEADS).read_bytes())
    for tag, value in (("TTResultFormat_TTTRRecType", 0x01010204), ("Measurement_Mode", 2)):
        ident = tag.encode().ljust(32, b"\x00")
        pos = data.index(ident)
        data[pos + 40 : pos + 48] = struct.pack("<q", value)
    p = tmp_path / "t2.ptu"
    p.write_bytes(bytes(data))
    with pytest.raises(
        FormatError,
        match=r"t2\.ptu: record type HydraHarp2T2 is T2 \(time tags without TCSPC delay time\)",
    ):
        read_decays(p)


def test_sdt_image_blocks(tmp_path):
    """The SPC-830 file with its measurement descriptions rewritten to 2 x 2 pixels x 256 channels.

    Offsets: measurement description blocks start at byte 13534, 383 bytes each; adc_re,
    scan_x and scan_y sit at 82, 173 and 177 within a block (sdtfile's MEASURE_INFO).
    """
    import struct

    src = shared_file(*SDT)
    curves = read_decays(src)
    data = bytearray(src.read_bytes())
    for i in range(3):
        base = 13534 + i * 383
        data[base + 82 : base + 84] = struct.pack("<h", 256)
        data[base + 173 : base + 181] = struct.pack("<ii", 2, 2)
    p = tmp_path / "img.sdt"
    p.write_bytes(bytes(data))
    with pytest.raises(ParameterError, match=r"has image blocks \[0, 1, 2\]; pass block="):
        read_flim(p)
    img = read_flim(p, block=1)
    assert img.dims == ("y", "x", "time") and img.shape == (2, 2, 256)
    np.testing.assert_array_equal(img.values.ravel(), curves.isel(decay=1).values)
    assert img.attrs["bin_width"] == pytest.approx(4 * curves.attrs["bin_width"], rel=1e-9)
    assert img.attrs["block"] == 1
    with pytest.raises(FormatError, match="no single-curve blocks"):
        read_decays(p)
