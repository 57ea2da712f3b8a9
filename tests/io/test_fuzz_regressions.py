"""One test per reader bug the seeded fuzzing found (tests/io/test_fuzz_formats.py): each file
here is the smallest damaged input that let a raw exception, a warning, printed text or a
hang through, or that read into non-finite numbers."""

from __future__ import annotations

import contextlib
import io
import signal

import numpy as np
import pytest

from heterolab.errors import FormatError


def test_ups_text_with_a_nan_energy_names_the_file_and_line(tmp_path):
    from heterolab.io.spectra import read_ups_text

    p = tmp_path / "ups.csv"
    p.write_text("BE/eV,I\n1.0,5\nnan,6\n0.9,7\n0.8,8\n")
    with pytest.raises(FormatError, match=r"ups\.csv, line 3: non-finite value nan in column 1"):
        read_ups_text(p)
    p.write_text("BE/eV,I\n1.0,5\n0.9,6\n")  # two points: was a ParameterError without the file
    with pytest.raises(FormatError, match=r"ups\.csv: need at least 3"):
        read_ups_text(p)


@pytest.mark.parametrize("cell", ["inf", "nan", "-inf"])
def test_non_finite_intensities_are_refused_by_the_spectrum_readers(tmp_path, cell):
    from heterolab.io.spectra import read_spectrum_text
    from heterolab.io.vamas import read_xps_file

    p = tmp_path / "pl.csv"
    p.write_text(f"Wavelength (nm),Intensity\n500,1\n501,{cell}\n502,3\n503,4\n")
    with pytest.raises(FormatError, match=r"pl\.csv, line 3: non-finite value"):
        read_spectrum_text(p)
    q = tmp_path / "au.csv"
    q.write_text(f"#E_kin, intensity, hv=180eV\n84.0,1\n84.1,{cell}\n84.2,3\n84.3,4\n")
    with pytest.raises(FormatError, match=r"au\.csv, line 3: non-finite value"):
        read_xps_file(q)


def test_xy_pattern_with_repeated_angle_or_infinite_intensity_names_the_file(tmp_path):
    from heterolab.io.xrd import read_pattern

    p = tmp_path / "p.xy"
    p.write_text("10.0 1\n10.1 2\n10.1 3\n10.2 4\n")
    with pytest.raises(FormatError, match=r"p\.xy: two_theta repeats a value"):
        read_pattern(p)
    p.write_text("10.0 1\n10.1 inf\n10.2 4\n")
    with pytest.raises(FormatError, match=r"p\.xy, line 2: non-finite intensity inf at point 2"):
        read_pattern(p)


def test_ras_intensity_times_attenuation_overflow_is_refused_without_a_warning(tmp_path):
    from heterolab.io.xrd import read_patterns

    p = tmp_path / "o.ras"
    rows = "20.00 1e308 10\r\n20.01 12 1\r\n20.02 12 1\r\n"
    p.write_bytes(
        (
            '*RAS_DATA_START\r\n*RAS_HEADER_START\r\n*MEAS_DATA_COUNT "3"\r\n*RAS_HEADER_END\r\n'
            f"*RAS_INT_START\r\n{rows}*RAS_INT_END\r\n*RAS_DATA_END\r\n"
        ).encode()
    )
    with pytest.raises(
        FormatError, match=r"o\.ras: non-finite intensity x attenuation of scan 0, inf at point 1"
    ):
        read_patterns(p)  # was RuntimeWarning: overflow (an error under -W error)
    p.write_bytes(p.read_bytes().replace(b"1e308 10", b"nan 1"))
    with pytest.raises(FormatError, match=r"o\.ras, line 6: non-finite value"):
        read_patterns(p)


XRDML = """<?xml version="1.0" encoding="{enc}"?>
<xrdMeasurements xmlns="http://www.xrdml.com/XRDMeasurement/1.5"><xrdMeasurement>
<scan><dataPoints><positions axis="2Theta" unit="deg"><startPosition>{start}</startPosition>
<endPosition>11</endPosition></positions><intensities unit="counts">{counts}</intensities>
</dataPoints></scan></xrdMeasurement></xrdMeasurements>
"""


@pytest.mark.parametrize(
    ("enc", "start", "counts", "message"),
    [
        ("UTFnan", "10", "1 2 3", "not readable XML"),  # was LookupError
        ("UTF-8", "10", "1 2 x3", "non-numeric text in scan 0 <intensities>"),  # ValueError
        ("UTF-8", "nan", "1 2 3", "scan 0: 2Theta start/end nan/11.0 not finite"),  # RuntimeWarning
        ("UTF-8", "10", "1 inf 3", "non-finite intensity of scan 0, inf at point 2"),
    ],
)
def test_damaged_xrdml_gives_format_errors(tmp_path, enc, start, counts, message):
    from heterolab.io.xrd import read_patterns

    p = tmp_path / "d.xrdml"
    p.write_text(XRDML.format(enc=enc, start=start, counts=counts))
    with pytest.raises(FormatError, match=rf"d\.xrdml: {message}"):
        read_patterns(p)


JDX = "##TITLE=t\n##JCAMP-DX=4.24\n##XUNITS=1/CM\n##YUNITS=ABSORBANCE\n##XFACTOR=1\n##YFACTOR=1\n"


def test_jcamp_prints_nothing_and_a_failed_x_check_is_an_error(tmp_path):
    """The jcamp package prints its X-checks to stdout (which broke --json output) and then
    returned the damaged numbers."""
    from heterolab.io.spectra import read_jcamp

    p = tmp_path / "s.jdx"
    body = "##FIRSTX=1000\n##LASTX=1019\n##NPOINTS=20\n##XYDATA=(X++(Y..Y))\n"
    body += "1000 1 2 3 4 5 6 7 8 9 10\n1030 11 12 13 14 15 16 17 18 19 20\n##END=\n"
    p.write_text(JDX + body)  # second line's X should be 1010
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(FormatError, match="X-Check failed"):
        read_jcamp(p)
    assert out.getvalue() == ""
    p.write_text(JDX + body.replace("1030 11", "1010 11"))
    with contextlib.redirect_stdout(out):
        s = read_jcamp(p)
    assert out.getvalue() == "" and s.sizes["wavenumber"] == 20


def test_vamas_block_with_a_non_finite_ordinate_is_refused(tmp_path):
    from heterolab.io.vamas import read_vamas_blocks
    from shared_paths import shared_file

    raw = shared_file("xps", "lg4x_kratos_NiW_vamas", "0-150W.vms").read_text("latin-1")
    lines = raw.split("\n")
    k = len(lines) // 2  # inside the data of the 'wide' block (5 blocks; 'wide' is the longest)
    assert float(lines[k]) > 0
    lines[k] = "nan"
    p = tmp_path / "n.vms"
    p.write_text("\n".join(lines), "latin-1")
    with pytest.raises(FormatError, match=r"n\.vms: block .*non-finite ordinate nan"):
        read_vamas_blocks(p)


def test_specs_xy_with_a_damaged_excitation_energy_gives_a_format_error(tmp_path):
    from heterolab.io.vamas import read_specs_xy_blocks

    lines = [
        "# Created by:        SpecsLab Prodigy, Version 4.0",
        "#   Energy Axis:              Kinetic Energy",
        "#   Count Rate:               Counts",
        "# Region:                       Au 4f",
        "# Excitation Energy:            14x6.61",
        "# ColumnLabels:                 energy counts",
        "1400.0 1",
        "1400.1 2",
        "1400.2 3",
    ]
    p = tmp_path / "k.xy"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match=r"k\.xy, line 4: region 'Au 4f'.*photon energy"):
        read_specs_xy_blocks(p)  # was ValueError: could not convert string to float


def _alarm(signum, frame):
    raise TimeoutError("fabio hung on a truncated CBF")


def test_truncated_cbf_is_refused_instead_of_hanging(tmp_path):
    """fabio 2026.6 reads a CBF whose binary start marker is missing for ever."""
    from fabio.cbfimage import CbfImage

    from heterolab.io.xrd import read_detector_image

    f = tmp_path / "a.cbf"
    CbfImage(data=np.arange(64, dtype=np.int32).reshape(8, 8)).write(str(f))
    raw = f.read_bytes()
    f.write_bytes(raw[: raw.index(b"X-Binary-Size:") + 20])
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        with pytest.raises(FormatError, match=r"a\.cbf: CBF binary section without its start"):
            read_detector_image(f)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_tiff_with_a_zero_size_image_names_the_file(tmp_path):
    import tifffile

    from heterolab.io.images import read_microscopy_image

    f = tmp_path / "z.tif"
    tifffile.imwrite(f, np.zeros((1, 8), "uint16"), imagej=True, metadata={"unit": "nm"})
    with pytest.raises(FormatError, match=r"z\.tif: signal 0 has shape \(1, 8\): not an image"):
        read_microscopy_image(f)  # was a ParameterError from the array constructor, no file


def test_a_failed_tiff_read_leaves_no_open_file_behind(tmp_path):
    """rsciio leaves the file of a TIFF it failed to read open; its ResourceWarning came at a
    later garbage collection (an error under -W error, in whatever test ran then)."""
    import gc
    import warnings

    from heterolab.io.images import read_microscopy_image

    f = tmp_path / "t.tif"
    f.write_bytes(b"II*\x00" + b"\x08\x00\x00\x00" + b"\xff" * 64)
    with pytest.raises(FormatError, match=r"t\.tif: unreadable"):
        read_microscopy_image(f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_vasprun_with_inconsistent_dos_blocks_gives_a_format_error(tmp_path):
    import gzip

    from heterolab.io.dft import read_vasp_dos
    from shared_paths import shared_file

    xml = gzip.decompress(shared_file("vasp", "sumo_Cs2SnI6_dos", "vasprun.xml.gz").read_bytes())
    k = xml.index(b"<partial>")  # drop some rows of one projected DOS block
    start = xml.index(b"<r>", k)
    cut = xml[:start] + xml[xml.index(b"<r>", start + 2000) :]
    p = tmp_path / "vasprun.xml"
    p.write_bytes(cut)
    with pytest.raises(FormatError, match=r"vasprun\.xml: the DOS"):
        read_vasp_dos(p)


@pytest.mark.parametrize(
    "text",
    ["", "hello\n", "poni_version: 2\nDetector: Detector\nDistance: 0.2\n"],
)
def test_poni_without_geometry_numbers_is_refused_at_read(tmp_path, text):
    """pyFAI reads such files as None values; the integration then raised KeyError."""
    from heterolab.io.xrd import read_poni

    p = tmp_path / "g.poni"
    p.write_text(text)
    with pytest.raises(FormatError, match=r"g\.poni: PONI file without a usable .*wavelength"):
        read_poni(p)


def test_a_binary_campaign_file_is_a_format_error(tmp_path):
    from heterolab.campaign.spec import load_campaign

    p = tmp_path / "c.toml"
    p.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FormatError, match=r"c\.toml: not a text \(UTF-8\) campaign file"):
        load_campaign(p)  # was UnicodeDecodeError (heterolab run/status/report tracebacks)


@pytest.mark.parametrize(
    ("suffix", "old", "new", "message"),
    [
        (".edf", b"Dim_1 = 64", b"Dim_1 = 2000000000", "declares a 2000000000 x 48 pixel frame"),
        (".cbf", b"X-Binary-Size: ", b"X-Binary-Size: 99999999999", "declares a binary block of 9"),
    ],
)
def test_detector_header_declaring_an_absurd_frame_is_refused_before_fabio(
    tmp_path, suffix, old, new, message
):
    """fabio allocates the frame its header declares before reading the pixels (a MemoryError
    at best, hundreds of GB of address space at worst)."""
    from fabio.cbfimage import CbfImage
    from fabio.edfimage import EdfImage

    from heterolab.io.xrd import read_detector_image

    f = tmp_path / f"big{suffix}"
    data = np.arange(64 * 48, dtype=np.int32).reshape(48, 64)
    (EdfImage(data=data.astype(np.float32)) if suffix == ".edf" else CbfImage(data=data)).write(
        str(f)
    )
    raw = f.read_bytes()
    if suffix == ".cbf":  # replace the declared size's digits too
        i = raw.index(old) + len(old)
        j = raw.index(b"\r", i)
        raw = raw[: i - len(old)] + new + raw[j:]
    else:
        raw = raw.replace(old, new)
    f.write_bytes(raw)
    with pytest.raises(FormatError, match=rf"big\{suffix}: the header {message}"):
        read_detector_image(f)


def test_an_edf_whose_header_shrinks_the_frame_to_no_rows_is_refused(tmp_path):
    """A damaged Dim_2 made fabio return a (0, 64) array, which read as an empty image."""
    from fabio.edfimage import EdfImage

    from heterolab.io.xrd import read_detector_image

    f = tmp_path / "flat.edf"
    EdfImage(data=np.ones((48, 64), np.float32)).write(str(f))
    f.write_bytes(f.read_bytes().replace(b"Dim_2 = 48 ", b"Dim_2 = 0  "))
    with pytest.raises(
        FormatError, match=r"flat\.edf: (the header declares a 64 x 0|expected a 2-D)"
    ):
        read_detector_image(f)
