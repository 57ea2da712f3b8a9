"""Diffraction files: powder patterns (.xy/.xye/CSV, Rigaku .ras, PANalytical .xrdml) and 2D
detector images (TIFF/CBF/EDF via fabio) with pyFAI ``.poni`` geometry.

Every pattern is a :func:`heterolab.arrays.pattern_dataarray`: ``intensity`` over ``two_theta``
(deg) with a ``sigma`` coordinate (the file's errors, or Poisson) and the wavelength(s) in attrs
(from the header, or from ``wavelength_angstrom=`` / ``anode=``). Files with several scans
(Rigaku .ras, multi-scan .xrdml) read with :func:`read_patterns`; :func:`read_pattern` takes
``scan=`` (0-based) and refuses to guess when there are several. bzip2/gzip/xz-compressed text
(``.xye.bz2``) is decompressed on the fly.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import xml.etree.ElementTree as ET
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.arrays import anode_lines, pattern_dataarray
from heterolab.errors import FormatError, ParameterError
from heterolab.io._textgrid import parse_rows, split_table
from heterolab.io.choices import Flip
from heterolab.io.registry import read, register_reader

__all__ = [
    "read_detector_image",
    "read_pattern",
    "read_patterns",
    "read_poni",
    "read_ras",
    "read_xrdml",
    "read_xy",
]

_COMPRESSED = {".bz2": bz2.open, ".gz": gzip.open, ".xz": lzma.open}
XY_EXTENSIONS = (".xy", ".xye", ".csv", ".dat", ".txt")


FLIPS = tuple(m.value for m in Flip)


def _wavelength_attrs(
    header: dict[str, float | None],
    wavelength_angstrom: float | None,
    wavelength2_angstrom: float | None,
    kalpha2_ratio: float | None,
    anode: str | None,
) -> dict[str, float | None]:
    """Wavelengths: the user's values win over the anode's, which win over the header's."""
    out = dict(header)
    if anode is not None:
        l1, l2, r = anode_lines(anode)
        out.update(wavelength_angstrom=l1, wavelength2_angstrom=l2, kalpha2_ratio=r)
    for key, val in (
        ("wavelength_angstrom", wavelength_angstrom),
        ("wavelength2_angstrom", wavelength2_angstrom),
        ("kalpha2_ratio", kalpha2_ratio),
    ):
        if val is not None:
            if not (float(val) > 0):
                raise ParameterError(f"{key} must be positive, got {val!r}")
            out[key] = float(val)
    return out


def _text_lines(p: Path) -> list[str]:
    """Lines of a (possibly compressed) text file; CP932/Latin-1 bytes never fail decoding."""
    opener = _COMPRESSED.get(p.suffix.lower())
    try:
        raw = opener(p, "rb").read() if opener else p.read_bytes()  # type: ignore[operator]
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise FormatError(p, f"cannot decompress ({exc})") from None
    if not raw.strip():
        raise FormatError(p, "file is empty")
    if b"\x00" in raw[:65536]:
        raise FormatError(p, "binary content (NUL bytes), expected a text table")
    for enc in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(enc).splitlines()
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1").splitlines()


def _pattern(p: Path, *args: Any, **kwargs: Any) -> xr.DataArray:
    """:func:`pattern_dataarray` with its complaints (repeated or out-of-range 2θ, bad sigma)
    reported as a FormatError naming the file."""
    try:
        return pattern_dataarray(*args, **kwargs)
    except ParameterError as exc:
        raise FormatError(p, str(exc)) from None


def _first_non_finite(p: Path, values: np.ndarray, what: str, lines: Any = None) -> None:
    """FormatError naming the first non-finite entry of ``values`` (and its line if known)."""
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        k = int(bad[0])
        where = {"line": int(lines[k])} if lines is not None else {}
        raise FormatError(p, f"non-finite {what} {float(values[k]):g} at point {k + 1}", **where)


def _inner_suffix(p: Path) -> str:
    s = p.suffixes
    if s and s[-1].lower() in _COMPRESSED and len(s) > 1:
        return s[-2].lower()
    return p.suffix.lower()


# ---------------------------------------------------------------------- .xy / .xye / CSV
def read_xy(
    path: str | PathLike[str],
    *,
    wavelength_angstrom: float | None = None,
    wavelength2_angstrom: float | None = None,
    kalpha2_ratio: float | None = None,
    anode: str | None = None,
    units: str = "counts",
    delimiter: str | None = None,
) -> xr.DataArray:
    """Two- or three-column text pattern: 2θ (deg), intensity, [one-sigma error].

    Parsed by the shared text-table tokenizer (:mod:`heterolab.io._textgrid`: delimiter and
    decimal separator detected, errors name the line). Without a third column the errors are
    Poisson (``units="counts"``).

    Raises
    ------
    FormatError
        No numeric rows, a ragged or non-numeric row, fewer than 2 or more than 3 columns,
        a negative error, or an angle outside (0, 180) deg (named with the line).
    """
    p = Path(path)
    lines = _text_lines(p)
    table = split_table(p, lines, delimiter=delimiter)
    data = parse_rows(table)
    if data.shape[1] not in (2, 3):
        raise FormatError(
            p,
            f"expected 2 or 3 columns (2θ, intensity[, sigma]), found {data.shape[1]}",
            line=table.line_numbers[0],
        )
    tt = data[:, 0]
    bad = np.flatnonzero(~((tt > 0) & (tt < 180)))
    if bad.size:
        raise FormatError(
            p, f"2θ = {tt[bad[0]]!r} outside (0, 180) deg", line=table.line_numbers[bad[0]]
        )
    _first_non_finite(p, data[:, 1], "intensity", table.line_numbers)
    sigma = None
    if data.shape[1] == 3:
        sigma = data[:, 2]
        neg = np.flatnonzero(~(sigma >= 0))
        if neg.size:
            raise FormatError(
                p, f"negative or NaN error {sigma[neg[0]]!r}", line=table.line_numbers[neg[0]]
            )
    wl = _wavelength_attrs({}, wavelength_angstrom, wavelength2_angstrom, kalpha2_ratio, anode)
    return _pattern(
        p,
        tt,
        data[:, 1],
        sigma=sigma,
        units=units,
        **wl,
        attrs={
            "source": str(p),
            "reader": "xrd_xy",
            "errors": "file" if sigma is not None else "poisson",
            "header": [t for _n, t in table.header][:50],
        },
    )


# ---------------------------------------------------------------------- Rigaku .ras
_RAS_FIELD = re.compile(r'^\*(\S+)\s+"(.*)"\s*$')


def read_ras(
    path: str | PathLike[str],
    *,
    wavelength_angstrom: float | None = None,
    wavelength2_angstrom: float | None = None,
    kalpha2_ratio: float | None = None,
    anode: str | None = None,
) -> list[xr.DataArray]:
    """All scans of a Rigaku ``.ras`` (RAS_RAW) file, one pattern each.

    Each ``*RAS_HEADER_START … *RAS_INT_END`` block is a scan; its data rows are
    ``angle intensity attenuation``. The intensity is multiplied by the attenuation factor.
    Header values may be CP932 (Shift-JIS) bytes; they are decoded as such. Wavelengths come
    from ``*HW_XG_WAVE_LENGTH_ALPHA1/ALPHA2``; the counting time per point from
    ``*MEAS_SCAN_STEP`` / ``*MEAS_SCAN_SPEED`` gives the Poisson errors of cps data.

    Raises
    ------
    FormatError
        No scan, an unterminated block, a bad data row (with its line), or a point count that
        differs from ``*MEAS_DATA_COUNT``.
    """
    p = Path(path)
    lines = _text_lines(p)
    if not lines or not lines[0].startswith("*RAS_DATA_START"):
        raise FormatError(p, "not a Rigaku RAS file (first line is not *RAS_DATA_START)", line=1)
    scans: list[xr.DataArray] = []
    header: dict[str, str] = {}
    rows: list[list[float]] = []
    in_data = False
    start_line = 0
    for i, raw in enumerate(lines, start=1):
        ln = raw.strip()
        if ln.startswith("*RAS_HEADER_START"):
            header, rows, in_data = {}, [], False
        elif ln.startswith("*RAS_INT_START"):
            in_data, start_line = True, i
        elif ln.startswith("*RAS_INT_END"):
            if not in_data:
                raise FormatError(p, "*RAS_INT_END without *RAS_INT_START", line=i)
            in_data = False
            scans.append(_ras_scan(p, header, rows, len(scans), start_line))
        elif in_data:
            if not ln:
                continue
            cells = ln.split()
            try:
                vals = [float(c) for c in cells]
            except ValueError:
                raise FormatError(p, f"non-numeric data row {ln[:40]!r}", line=i) from None
            if len(vals) < 2:
                raise FormatError(p, "data row with fewer than 2 values", line=i)
            if not all(np.isfinite(vals[:3])):
                raise FormatError(p, f"non-finite value in data row {ln[:40]!r}", line=i)
            rows.append(vals[:3] if len(vals) >= 3 else [*vals, 1.0])
        else:
            m = _RAS_FIELD.match(ln)
            if m:
                header[m.group(1)] = m.group(2)
    if in_data:
        raise FormatError(p, "data block not closed by *RAS_INT_END (truncated file)")
    if not scans:
        raise FormatError(p, "no scan (*RAS_INT_START … *RAS_INT_END) in the file")
    wl = _wavelength_attrs(
        {}, wavelength_angstrom, wavelength2_angstrom, kalpha2_ratio, anode
    )  # user overrides
    for s in scans:
        s.attrs.update({k: v for k, v in wl.items() if v is not None})
    return scans


def _header_float(header: dict[str, str], key: str) -> float | None:
    try:
        return float(header[key])
    except (KeyError, ValueError):
        return None


def _ras_scan(
    p: Path, header: dict[str, str], rows: list[list[float]], index: int, line: int
) -> xr.DataArray:
    if not rows:
        raise FormatError(p, f"scan {index} has no data rows", line=line)
    data = np.asarray(rows, dtype=float)
    count = _header_float(header, "MEAS_DATA_COUNT")
    if count is not None and int(count) != data.shape[0]:
        raise FormatError(
            p,
            f"scan {index}: {data.shape[0]} data rows but *MEAS_DATA_COUNT says {int(count)}",
            line=line,
        )
    step = _header_float(header, "MEAS_SCAN_STEP")
    speed = _header_float(header, "MEAS_SCAN_SPEED")
    speed_unit = header.get("MEAS_SCAN_SPEED_UNIT", "deg/min")
    count_time = None
    if step and speed and speed > 0:
        count_time = step / speed * (60.0 if "min" in speed_unit else 1.0)
    unit_y = header.get("MEAS_SCAN_UNIT_Y", "counts").strip().lower() or "counts"
    with np.errstate(over="ignore", invalid="ignore"):
        intensity = data[:, 1] * data[:, 2]
    _first_non_finite(p, intensity, f"intensity x attenuation of scan {index},")
    if unit_y == "cps" and count_time:
        sigma = np.sqrt(np.maximum(intensity * count_time, 1.0)) / count_time
    else:
        sigma = np.sqrt(np.maximum(intensity, 1.0))
    lam1 = _header_float(header, "HW_XG_WAVE_LENGTH_ALPHA1")
    lam2 = _header_float(header, "HW_XG_WAVE_LENGTH_ALPHA2")
    meta = {
        k: header[k]
        for k in (
            "MEAS_SCAN_AXIS_X",
            "MEAS_SCAN_START",
            "MEAS_SCAN_STOP",
            "MEAS_SCAN_STEP",
            "MEAS_SCAN_SPEED",
            "MEAS_SCAN_MODE",
            "MEAS_SCAN_START_TIME",
            "HW_XG_TARGET_NAME",
            "HW_COUNTER_SELECT_NAME",
            "HW_GONIOMETER_NAME",
            "FILE_SAMPLE",
            "FILE_COMMENT",
            "HW_ATTACHMENT_NAME",
        )
        if k in header
    }
    return _pattern(
        p,
        data[:, 0],
        intensity,
        sigma=sigma,
        units="counts" if unit_y != "cps" else "cps",
        wavelength_angstrom=lam1,
        wavelength2_angstrom=lam2,
        kalpha2_ratio=0.5 if lam2 else None,
        attrs={
            "source": str(p),
            "reader": "rigaku_ras",
            "scan": index,
            "count_time_s": count_time if count_time is not None else float("nan"),
            "errors": "poisson",
            "header": meta,
        },
    )


# ---------------------------------------------------------------------- PANalytical .xrdml
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _xml_floats(p: Path, text: str | None, what: str) -> np.ndarray:
    """The numbers of an XML element's text, or a FormatError naming the element."""
    try:
        return np.array((text or "").split(), dtype=float)
    except ValueError:
        raise FormatError(p, f"non-numeric text in {what}: {(text or '')[:40]!r}") from None


def read_xrdml(
    path: str | PathLike[str],
    *,
    wavelength_angstrom: float | None = None,
    wavelength2_angstrom: float | None = None,
    kalpha2_ratio: float | None = None,
    anode: str | None = None,
) -> list[xr.DataArray]:
    """All scans of a PANalytical ``.xrdml`` file (XML, any schema version 1.x).

    2θ from ``positions axis="2Theta"`` (start/end or a list), intensities from
    ``<intensities>`` or ``<counts>`` (counts; divided by ``commonCountingTime`` they would be
    cps, which this reader does not do), wavelengths from ``usedWavelength``.

    Raises
    ------
    FormatError
        Not XML, no scan, no 2θ axis, or a point count that does not match the axis.
    """
    p = Path(path)
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as exc:
        raise FormatError(p, f"not valid XML ({exc})", line=exc.position[0]) from None
    except (LookupError, ValueError, OSError) as exc:  # e.g. a damaged encoding declaration
        raise FormatError(p, f"not readable XML ({exc})") from None
    head: dict[str, float | None] = {}
    for key, tag in (
        ("wavelength_angstrom", "kAlpha1"),
        ("wavelength2_angstrom", "kAlpha2"),
        ("kalpha2_ratio", "ratioKAlpha2KAlpha1"),
    ):
        found = _children(root, tag)
        if found and found[0].text:
            value = _xml_floats(p, found[0].text, f"<{tag}>")
            low = 0.0 if key == "kalpha2_ratio" else np.nextafter(0.0, 1.0)
            if value.size != 1 or not np.isfinite(value[0]) or value[0] < low:
                raise FormatError(p, f"<{tag}> is not one positive number: {found[0].text!r}")
            head[key] = float(value[0])
    wl = _wavelength_attrs(head, wavelength_angstrom, wavelength2_angstrom, kalpha2_ratio, anode)
    out = []
    for k, scan in enumerate(_children(root, "scan")):
        points = _children(scan, "dataPoints")
        if not points:
            continue
        dp = points[0]
        values_el = _children(dp, "intensities") or _children(dp, "counts")
        if not values_el or not values_el[0].text:
            raise FormatError(p, f"scan {k} has no <intensities> or <counts>")
        y = _xml_floats(p, values_el[0].text, f"scan {k} <{_local(values_el[0].tag)}>")
        axis = [e for e in _children(dp, "positions") if e.get("axis") == "2Theta"]
        if not axis:
            raise FormatError(p, f"scan {k} has no positions axis='2Theta'")
        listed = _children(axis[0], "listPositions")
        if listed and listed[0].text:
            tt = _xml_floats(p, listed[0].text, f"scan {k} <listPositions>")
        else:
            try:
                start = float(_children(axis[0], "startPosition")[0].text or "")
                end = float(_children(axis[0], "endPosition")[0].text or "")
            except (IndexError, ValueError):
                raise FormatError(p, f"scan {k}: 2Theta axis without start/end") from None
            if not (np.isfinite(start) and np.isfinite(end)):
                raise FormatError(p, f"scan {k}: 2Theta start/end {start!r}/{end!r} not finite")
            tt = np.linspace(start, end, y.size)
        if tt.size != y.size:
            raise FormatError(p, f"scan {k}: {tt.size} positions but {y.size} intensities")
        _first_non_finite(p, y, f"intensity of scan {k},")
        _first_non_finite(p, tt, f"2Theta position of scan {k},")
        time_el = _children(dp, "commonCountingTime")
        times = _xml_floats(p, time_el[0].text, "<commonCountingTime>") if time_el else np.zeros(0)
        count_time = float(times[0]) if len(times) else float("nan")
        out.append(
            _pattern(
                p,
                tt,
                y,
                **wl,
                attrs={
                    "source": str(p),
                    "reader": "xrdml",
                    "scan": k,
                    "count_time_s": count_time,
                    "errors": "poisson",
                },
            )
        )
    if not out:
        raise FormatError(p, "no <scan> with <dataPoints> in the file")
    return out


# ---------------------------------------------------------------------- dispatch
#: Bruker DIFFRAC formats no maintained Python library reads here (checked 2026-12): xylib-py
#: 1.6.1 and xylib-py-wheels 1.7.3 ship no wheel for this Python and their source build needs
#: SWIG and a C++ toolchain; bruker-powderxrd-parser 1.0.0 needs Python >= 3.13; fabio reads
#: Bruker 2D frames (.gfrm) only; xrayutilities 1.8 has no Bruker reader.
BRUKER_SUFFIXES = (".brml", ".raw")


def read_patterns(path: str | PathLike[str], **options: Any) -> list[xr.DataArray]:
    """Every scan in a pattern file, as a list (one element for .xy files)."""
    p = Path(path)
    if p.suffix.lower() in BRUKER_SUFFIXES and p.is_file():
        raise FormatError(
            p,
            f"Bruker {p.suffix.lower()} is not read: no maintained Python library for it installs "
            "here (xylib-py needs SWIG and a C++ build, bruker-powderxrd-parser Python >= 3.13). "
            "Export the scan as .xy from DIFFRAC.EVA, or convert it with xylib's xyconv, and read "
            "that",
        )
    out = read(p, kind="xrd_pattern", **options)
    return out if isinstance(out, list) else [out]


def read_pattern(
    path: str | PathLike[str], *, scan: int | None = None, **options: Any
) -> xr.DataArray:
    """One powder pattern from any supported file (see the module doc).

    Parameters
    ----------
    path
        The file (.xy, .xye, .csv, .ras, .xrdml; optionally .bz2/.gz/.xz compressed).
    scan
        0-based scan index for files with several scans; required when there are several.
    **options
        ``wavelength_angstrom``, ``wavelength2_angstrom``, ``kalpha2_ratio``, ``anode``
        (e.g. ``"Cu"``) override the header.

    Raises
    ------
    ParameterError
        Several scans and no ``scan``, or ``scan`` out of range (the message lists them).
    """
    scans = read_patterns(path, **options)
    if scan is None:
        if len(scans) != 1:
            ranges = ", ".join(
                f"{i}: {s.two_theta.values[0]:g}–{s.two_theta.values[-1]:g}°"
                for i, s in enumerate(scans)
            )
            raise ParameterError(
                f"{path} has {len(scans)} scans ({ranges}); pass scan= one of them or use "
                "read_patterns"
            )
        return scans[0]
    if not 0 <= scan < len(scans):
        raise ParameterError(f"scan {scan} out of range: {path} has scans 0..{len(scans) - 1}")
    return scans[scan]


def _read_any_text(path: Path, **options: Any) -> Any:
    inner = _inner_suffix(path)
    if inner == ".ras":
        return read_ras(path, **options)
    if inner == ".xrdml":
        return read_xrdml(path, **options)
    return read_xy(path, **options)


def _sniff_ras(head: bytes) -> bool:
    return head.startswith(b"*RAS_DATA_START")


def _sniff_xrdml(head: bytes) -> bool:
    return b"<xrdMeasurements" in head or b"XRDMeasurement" in head


register_reader("rigaku_ras", "xrd_pattern", (".ras",), _sniff_ras)(read_ras)
register_reader("xrdml", "xrd_pattern", (".xrdml",), _sniff_xrdml)(read_xrdml)
register_reader("xrd_xy", "xrd_pattern", XY_EXTENSIONS)(read_xy)
register_reader("xrd_compressed", "xrd_pattern", tuple(_COMPRESSED))(_read_any_text)


# ---------------------------------------------------------------------- 2D detector images
def read_poni(path: str | PathLike[str]) -> dict[str, Any]:
    """Geometry of a pyFAI ``.poni`` file (any version) as a JSON-safe dict.

    Keys: ``dist``, ``poni1``, ``poni2`` (m), ``rot1..3`` (rad), ``wavelength`` (m),
    ``detector``, ``detector_config`` (``pixel1``, ``pixel2`` in m, ...).
    """
    p = Path(path)
    if not p.is_file():
        raise FormatError(p, "PONI file does not exist")
    from pyFAI.io.ponifile import PoniFile

    try:
        d = PoniFile(str(p)).as_dict()
    except Exception as exc:  # pyFAI raises bare exceptions on malformed files
        raise FormatError(p, f"not a readable pyFAI PONI file ({exc})") from None
    cfg = {
        k: (int(v) if hasattr(v, "value") else v)
        for k, v in dict(d.get("detector_config") or {}).items()
    }
    # pyFAI reads a damaged file as None/absent values: every number the integration uses
    # (structure.giwaxs builds a generic detector from pixel1/pixel2) must be there
    needed = ("dist", "poni1", "poni2", "rot1", "rot2", "rot3", "wavelength")
    missing = [k for k in needed if not _finite_number(d.get(k))]
    missing += [
        f"Detector_config {k}" for k in ("pixel1", "pixel2") if not _finite_number(cfg.get(k))
    ]
    if missing:
        raise FormatError(
            p, f"PONI file without a usable {', '.join(missing)} (a pyFAI geometry needs them)"
        )
    if not (d["dist"] > 0 and d["wavelength"] > 0 and cfg["pixel1"] > 0 and cfg["pixel2"] > 0):
        raise FormatError(p, "PONI distance, wavelength and pixel sizes must be positive")
    out = {k: v for k, v in d.items() if k != "detector_config"}
    out["detector_config"] = cfg
    out["path"] = str(p)
    return out


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and np.isfinite(value)


def read_detector_image(
    path: str | PathLike[str],
    *,
    poni: str | PathLike[str] | None = None,
    flip: Flip | str = "none",
    mask_negative: bool = True,
) -> xr.DataArray:
    """A 2D detector image (TIFF, CBF, EDF, ... via fabio) as a ``(y, x)`` DataArray.

    Parameters
    ----------
    path
        The image file.
    poni
        pyFAI geometry file; its dict (:func:`read_poni`) goes to ``attrs["geometry"]``.
    flip
        ``"none"``, ``"ud"`` (up–down), ``"lr"`` or ``"both"``: how the stored pixels must be
        flipped to match the PONI's orientation. Never guessed: e.g. the Dioptas CeO2 Pilatus
        TIFF needs ``"ud"``. Recorded in ``attrs["flip"]``.
    mask_negative
        Pixels < 0 (Pilatus gaps and dead pixels are -1/-2) become NaN and are counted in
        ``attrs["masked_pixels"]``.

    Raises
    ------
    FormatError
        The file is missing or fabio cannot read it, or it is not 2-D.
    ParameterError
        ``flip`` is not one of the choices.
    """
    p = Path(path)
    if str(flip).lower() not in FLIPS:
        raise ParameterError(f"unknown flip {flip!r}; use one of {', '.join(FLIPS)}")
    flip = Flip(str(flip).lower()).value
    if not p.is_file():
        raise FormatError(p, "file does not exist")
    import fabio

    _check_frame_header(p)
    try:
        img = fabio.open(str(p))
        data = np.asarray(img.data, dtype=float)
        header = {str(k): str(v)[:200] for k, v in dict(img.header).items()}
    except Exception as exc:  # fabio raises many types for unreadable files
        raise FormatError(
            p, f"not a readable detector image ({type(exc).__name__}: {exc})"
        ) from None
    if data.ndim != 2 or min(data.shape) < 2:
        raise FormatError(p, f"expected a 2-D image, found shape {data.shape}")
    if flip in ("ud", "both"):
        data = data[::-1, :]
    if flip in ("lr", "both"):
        data = data[:, ::-1]
    masked = 0
    if mask_negative:
        neg = data < 0
        masked = int(neg.sum())
        data = np.where(neg, np.nan, data)
    attrs: dict[str, Any] = {
        "units": "counts",
        "source": str(p),
        "reader": "detector_image",
        "flip": flip,
        "masked_pixels": masked,
        "header": header,
    }
    if poni is not None:
        attrs["geometry"] = read_poni(poni)
    ny, nx = data.shape
    return xr.DataArray(
        np.ascontiguousarray(data),
        dims=("y", "x"),
        coords={
            "y": xr.Variable(("y",), np.arange(ny, dtype=float), attrs={"units": "px"}),
            "x": xr.Variable(("x",), np.arange(nx, dtype=float), attrs={"units": "px"}),
        },
        name="intensity",
        attrs=attrs,
    )


_CBF_SECTION = b"--CIF-BINARY-FORMAT-SECTION--"
_CBF_STARTER = b"\x0c\x1a\x04\xd5"


#: Largest detector frame read (pixels): 16x a 16-Mpixel Eiger2; a header declaring more is
#: damaged, and fabio would first allocate what it declares.
MAX_DETECTOR_PIXELS = 2**28
_DIM_FIELDS = re.compile(
    rb"(?:Dim_[12]|X-Binary-Size-(?:Fastest|Second)-Dimension)\s*[=:]\s*(-?\d+)", re.I
)


_SIZE_FIELDS = re.compile(rb"(?:^|[\s{;])(?:Size|EDF_BinarySize|X-Binary-Size)\s*[=:]\s*(\d+)")


def _check_frame_header(p: Path) -> None:
    """Refuse a CBF whose binary section has no start marker (a truncated file): fabio 2026.6
    then reads past the end of the file for ever; and an EDF/CBF whose header declares a frame
    of more than :data:`MAX_DETECTOR_PIXELS` (fabio allocates it before reading)."""
    import mmap

    if p.stat().st_size == 0:
        raise FormatError(p, "file is empty")
    with open(p, "rb") as fh:
        head = fh.read(65536)
    dims = [int(m) for m in _DIM_FIELDS.findall(head)[:2]]
    if dims and (min(dims) <= 0 or int(np.prod(dims, dtype=float)) > MAX_DETECTOR_PIXELS):
        raise FormatError(p, f"the header declares a {' x '.join(map(str, dims))} pixel frame")
    sizes = [int(m) for m in _SIZE_FIELDS.findall(head)]
    if sizes and max(sizes) > 8 * MAX_DETECTOR_PIXELS:
        raise FormatError(p, f"the header declares a binary block of {max(sizes)} bytes")
    with open(p, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        section = mm.find(_CBF_SECTION)
        if section >= 0 and mm.find(_CBF_STARTER, section) < 0:
            raise FormatError(
                p, "CBF binary section without its start marker (truncated or damaged file)"
            )


def _sniff_cbf(head: bytes) -> bool:
    return head.startswith(b"###CBF")


register_reader("detector_image", "detector_image", (".cbf", ".edf", ".tif", ".tiff"), _sniff_cbf)(
    read_detector_image
)
