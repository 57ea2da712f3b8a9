"""Steady-state spectrum readers: delimited text/CSV, JASCO text export, JCAMP-DX.

Every reader returns an :class:`xarray.DataArray` whose spectral dimension is one of
``"wavelength"`` (coordinate units ``nm``), ``"energy"`` (``eV``) or ``"wavenumber"``
(``1/cm``). A file with several value columns gives a 2-D array with a second dimension
``"channel"`` whose coordinate holds the column names. The spectral axis is taken from the
file's header (column name or JASCO/JCAMP ``XUNITS``) or from the ``axis`` argument; it is
never guessed from the numbers. Bad input raises :class:`heterolab.errors.FormatError`
naming the file and line.

Also the small tables of the steady-state analyses: a transfer-efficiency table (thesis
Table 3-1 layout, :func:`read_transfer_table`) and a folder of spectra named by temperature
(:func:`read_temperature_series`).
"""

from __future__ import annotations

import math
import re
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import FormatError, ParameterError
from heterolab.io._textgrid import (
    first_cell_numeric,
    parse_float_row,
    parse_rows,
    read_lines,
    split_table,
)
from heterolab.io.choices import PhotoemissionAxis, SpectralAxis
from heterolab.io.registry import register_reader

__all__ = [
    "AXIS_UNITS",
    "PHOTOEMISSION_AXES",
    "TRANSFER_TABLE_COLUMNS",
    "PhotoemissionAxis",
    "SpectralAxis",
    "axis_from_label",
    "axis_scale",
    "make_photoemission_spectrum",
    "make_spectrum",
    "photoemission_axis_from_label",
    "read_jcamp",
    "read_spectrum_text",
    "read_temperature_series",
    "read_transfer_table",
    "read_ups_text",
    "read_vamas",  # noqa: F822 (lazy re-export of heterolab.io.vamas)
    "read_vamas_blocks",  # noqa: F822
    "write_spectrum_csv",
]


#: Standard spectral dimensions and the units of their coordinates.
AXIS_UNITS: dict[str, str] = {"wavelength": "nm", "energy": "eV", "wavenumber": "1/cm"}

# Header words (lower case) that identify each axis; checked in this order.
_AXIS_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("wavenumber", ("wavenumber", "cm-1", "cm^-1", "1/cm", "cm−1")),
    (
        "wavelength",
        (
            "wavelength",
            "nanometer",
            "(nm)",
            "[nm]",
            "lambda",
            "nm",
            "micrometer",
            "(um)",
            "[um]",
            "(µm)",
        ),
    ),
    ("energy", ("energy", "(ev)", "[ev]", "ev", "photon energy")),
)


def axis_from_label(label: str) -> str | None:
    """Spectral axis named by a header label or JCAMP/JASCO ``XUNITS`` value, or ``None``.

    Examples
    --------
    >>> axis_from_label("Wavelength (nm)"), axis_from_label("1/CM"), axis_from_label("Int")
    ('wavelength', 'wavenumber', None)
    """
    low = label.strip().lower()
    for axis, words in _AXIS_WORDS:
        if any(w in low for w in words):
            return axis
    return None


def axis_scale(label: str) -> float:
    """Factor converting a labelled axis to the standard unit: meV → eV (1e-3), µm → nm (1e3).

    Examples
    --------
    >>> axis_scale("Energy (meV)"), axis_scale("Wavelength [um]"), axis_scale("nm")
    (0.001, 1000.0, 1.0)
    """
    low = label.strip().lower()
    if "mev" in low:
        return 1e-3
    if any(w in low for w in ("(um)", "[um]", "(µm)", "[µm]", "micrometer", "micron")):
        return 1e3
    return 1.0


def make_spectrum(
    axis_values: np.ndarray,
    values: np.ndarray,
    axis: str,
    *,
    units: str = "counts",
    name: str = "intensity",
    attrs: dict[str, Any] | None = None,
) -> xr.DataArray:
    """Build a 1-D spectrum DataArray sorted by increasing axis value.

    Parameters
    ----------
    axis_values
        Wavelengths [nm], energies [eV] or wavenumbers [cm⁻¹].
    values
        Intensity, absorbance, ... (same length).
    axis
        ``"wavelength"``, ``"energy"`` or ``"wavenumber"``.
    units
        Units of ``values`` (``"counts"``, ``"OD"``, ``"1"``, ...).

    Raises
    ------
    ParameterError
        Unknown axis, mismatched lengths, fewer than 3 points or non-finite axis values.
    """
    if axis not in AXIS_UNITS:
        raise ParameterError(f"axis must be one of {', '.join(AXIS_UNITS)}, got {axis!r}")
    x = np.asarray(axis_values, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ParameterError(
            f"axis has {x.shape} points but values have shape {y.shape}; lengths must match"
        )
    if x.size < 3:
        raise ParameterError(f"a spectrum needs at least 3 points, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ParameterError("spectral axis contains non-finite values")
    order = np.argsort(x, kind="stable")
    dims = (axis,) if y.ndim == 1 else (axis, "channel")
    da = xr.DataArray(y[order], dims=dims, coords={axis: (axis, x[order])}, name=name)
    da[axis].attrs["units"] = AXIS_UNITS[axis]
    da.attrs.update(attrs or {})
    da.attrs["units"] = units
    return da


# ----------------------------------------------------------------------------- delimited text
def _header_fields(header: list[str]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for ln in header:
        parts = re.split(r"\t|,|;|:|=", ln, maxsplit=1)
        if len(parts) == 2 and parts[0].strip():
            fields[parts[0].strip().upper().lstrip("#")] = parts[1].strip()
    return fields


def _y_units(label: str | None) -> str:
    low = (label or "").lower()
    if "abs" in low or "od" in low.split():
        return "OD"
    if "%t" in low or "transmit" in low:
        return "%"
    return "counts"


def _read_table(
    p: Path, delimiter: str | None
) -> tuple[np.ndarray, list[str] | None, dict[str, str], list[str], list[int]]:
    """Numeric block of a delimited text file: (rows x columns, names, fields, header lines,
    1-based line of each row).

    Tokenised by the one shared text-table parser (:mod:`heterolab.io._textgrid`, also used by
    the decay readers): tab, semicolon, comma or whitespace separators and a decimal comma
    are detected the same way for every kind of table. A text footer after the data (JASCO
    ``[Comments]``) ends the block; text followed by more data is an error.

    Raises :class:`FormatError` naming the file and line for ragged rows, non-numeric cells
    inside the data block or a file without numeric rows.
    """
    lines = read_lines(p)
    first = next((i for i, ln in enumerate(lines) if first_cell_numeric(ln)), len(lines))
    # blank lines inside the data block are skipped like comments; text ends the block
    lines = lines[:first] + [ln if ln.strip() else "#" for ln in lines[first:]]
    table = split_table(p, lines, delimiter=delimiter, comment="#", stop_at_text=True)
    if table.footer and any(first_cell_numeric(t) for _, t in table.footer):
        n, text = table.footer[0]
        raise FormatError(p, f"non-numeric line {text.strip()!r} inside the data block", line=n)
    data = parse_rows(table)
    if data.shape[1] < 2:
        raise FormatError(
            p,
            "no numeric data rows with at least two columns (axis and values)",
            line=table.line_numbers[0],
        )
    header = [t for _, t in table.header]
    names = table.header_cells()
    cells = [c.strip() for c in names] if names else None
    return data, cells, _header_fields(header), header, list(table.line_numbers)


def _refuse_non_finite(p: Path, data: np.ndarray, lines: list[int]) -> None:
    """A NaN or infinite axis value or intensity is a FormatError naming its line (a
    spectrum has no missing points; a saturated or divided-by-zero cell must be dealt with
    before the analysis, never fitted as a number)."""
    bad = np.argwhere(~np.isfinite(data))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise FormatError(
            p, f"non-finite value {float(data[i, j]):g} in column {j + 1}", line=lines[i]
        )


#: The line before the data of an Ocean Optics SpectraSuite (">>>>>Begin Processed Spectral
#: Data<<<<<") or OceanView (">>>>>Begin Spectral Data<<<<<") text export.
_OCEAN_MARKER = re.compile(r">>>>>\s*Begin( Processed)? Spectral Data\s*<<<<<", re.I)


def read_spectrum_text(
    path: str | PathLike[str],
    *,
    axis: str | None = None,
    units: str | None = None,
    delimiter: str | None = None,
) -> xr.DataArray:
    """Read a delimited text spectrum (CSV, TSV, whitespace; JASCO ``XYDATA`` export too).

    The first column is the spectral axis, the others are values. Leading non-numeric lines
    are the header; its last line before the data names the columns. A JASCO V-series text
    export (``XUNITS``/``YUNITS`` fields followed by ``XYDATA``) is read with its units; an
    Ocean Optics SpectraSuite/OceanView text export (header ending ``>>>>>Begin (Processed)
    Spectral Data<<<<<``, tab-separated wavelength (nm) and counts, closed by ``>>>>>End``)
    is read on its wavelength axis.

    Parameters
    ----------
    path
        File to read.
    axis
        ``"wavelength"``, ``"energy"`` or ``"wavenumber"``; required when the header does
        not name the axis (it is never inferred from the numbers).
    units
        Units of the values; default from the header (``OD`` for absorbance) else ``counts``.
    delimiter
        Column separator, as for the decay readers: ``"tab"``, ``"semicolon"``, ``"comma"``,
        ``"whitespace"`` (or the character itself); detected when omitted.

    Returns
    -------
    xarray.DataArray
        1-D (one value column) or 2-D with dim ``"channel"`` (several value columns).

    Raises
    ------
    FormatError
        No numeric data, ragged rows, non-numeric cells inside the data block, axis not
        named in the header and no ``axis`` given, or a repeated axis value.
    """
    p = Path(path)
    data, names, fields, header, lines = _read_table(p, delimiter)
    _refuse_non_finite(p, data, lines)
    file_axis = None
    axis_label = fields.get("XUNITS") or (names[0] if names else "")
    if axis_label:
        file_axis = axis_from_label(axis_label)
    if file_axis is not None:
        data[:, 0] *= axis_scale(axis_label)
    elif any(_OCEAN_MARKER.search(h) for h in header):
        file_axis = "wavelength"  # Ocean Optics exports: wavelengths in nm, by definition
    chosen = axis or file_axis
    if chosen is None:
        raise FormatError(
            p,
            "the header does not name the spectral axis (wavelength nm, energy eV or "
            "wavenumber cm-1); pass axis='wavelength' | 'energy' | 'wavenumber'",
        )
    if axis is not None and file_axis is not None and axis != file_axis:
        raise FormatError(p, f"axis={axis!r} given but the header says {file_axis!r}")
    if np.unique(data[:, 0]).size != data.shape[0]:
        raise FormatError(p, "repeated values on the spectral axis (first column)")
    y_label = fields.get("YUNITS") or (names[1] if names else None)
    y_units = units or _y_units(y_label)
    attrs = {"source_file": str(p), "reader": "spectrum_text", "header": dict(fields)}
    values = data[:, 1] if data.shape[1] == 2 else data[:, 1:]
    try:
        da = make_spectrum(data[:, 0], values, chosen, units=y_units, attrs=attrs)
    except ParameterError as exc:  # fewer than 3 points
        raise FormatError(p, str(exc)) from None
    if da.ndim == 2:
        channel = names[1:] if names else [f"column{i}" for i in range(2, data.shape[1] + 1)]
        da = da.assign_coords(channel=("channel", channel))
    return da


def _sniff_spectrum_text(head: bytes) -> bool:
    """JASCO text export (XUNITS ... XYDATA) or Ocean Optics export (the data marker)."""
    text = head[:4096].decode("utf-8", errors="ignore")
    if _OCEAN_MARKER.search(text):
        return True
    upper = text[:2048].upper()
    return "XYDATA" in upper and "XUNITS" in upper and "##" not in upper


register_reader(
    "spectrum_text", "spectrum", (".csv", ".txt", ".dat", ".tsv"), _sniff_spectrum_text
)(read_spectrum_text)


# ----------------------------------------------------------------------------- JCAMP-DX
def read_jcamp(path: str | PathLike[str], *, axis: str | None = None) -> xr.DataArray:
    """Read a JCAMP-DX spectrum (IUPAC JCAMP-DX 4.24/5.01) with the ``jcamp`` package.

    The axis comes from ``##XUNITS`` (``NANOMETERS``, ``1/CM``, ``EV``) unless ``axis`` is
    given; ``##YUNITS`` ``ABSORBANCE`` gives values in ``OD``.

    Raises
    ------
    FormatError
        If the file does not parse, holds no XY data, or its XUNITS are not a spectral axis
        and no ``axis`` is given.
    """
    import contextlib
    import io

    import jcamp

    p = Path(path)
    try:  # the package prints its consistency checks ("X-Check failed") to stdout
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            d = jcamp.readfile(str(p))
    except Exception as exc:  # the parser raises bare Python errors on malformed input
        raise FormatError(
            p, f"not a readable JCAMP-DX file ({type(exc).__name__}: {exc})"
        ) from None
    if "x" not in d or "y" not in d or len(np.atleast_1d(d["x"])) < 3:
        raise FormatError(p, "JCAMP-DX file holds no XY data block (##XYDATA / ##PEAK TABLE)")
    try:
        x = np.asarray(d["x"], dtype=float)
    except (ValueError, TypeError) as exc:
        raise FormatError(p, f"bad X values ({exc})") from None
    xunits = str(d.get("xunits", ""))
    file_axis = axis_from_label(xunits) if xunits else None
    if "micrometer" in xunits.lower() and axis is None:
        x = x * 1e3
        file_axis = "wavelength"
    chosen = axis or file_axis
    if chosen is None:
        raise FormatError(p, f"##XUNITS={xunits!r} is not a spectral axis; pass axis=...")
    attrs = {
        "source_file": str(p),
        "reader": "jcamp",
        "title": str(d.get("title", "")),
        "yunits_file": str(d.get("yunits", "")),
    }
    y_units = _y_units(str(d.get("yunits", "")))
    checks = [ln for ln in printed.getvalue().splitlines() if "check failed" in ln.lower()]
    if checks:  # JCAMP-DX's X/Y checks of compressed data: a damaged or mis-decoded block
        raise FormatError(p, f"XYDATA fails the JCAMP-DX consistency check: {checks[0]}")
    try:
        y = np.asarray(d["y"], dtype=float)
        if y.shape != x.shape or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ParameterError(
                f"{x.size} x values and {y.size} y values, or a non-finite value among them"
            )
        if np.unique(x).size != x.size:
            raise ParameterError("repeated values on the spectral axis")
        return make_spectrum(x, y, chosen, units=y_units, attrs=attrs)
    except (ParameterError, ValueError, TypeError) as exc:
        raise FormatError(p, f"bad XY data ({exc})") from None


def _sniff_jcamp(head: bytes) -> bool:
    return head.lstrip()[:8].upper().startswith(b"##TITLE")


register_reader("jcamp", "spectrum", (".jdx", ".dx", ".jcamp"), _sniff_jcamp)(read_jcamp)


# ----------------------------------------------------------------------------- writer
def write_spectrum_csv(spectrum: xr.DataArray, path: str | PathLike[str]) -> Path:
    """Write a 1-D spectrum as two-column CSV with a header that names axis and units.

    ``read_spectrum_text(write_spectrum_csv(s, p))`` returns ``s`` (values and axis).
    """
    if spectrum.ndim != 1 or spectrum.dims[0] not in AXIS_UNITS:
        raise ParameterError(
            f"expected a 1-D spectrum with dim in {list(AXIS_UNITS)}, got dims {spectrum.dims}"
        )
    dim = str(spectrum.dims[0])
    p = Path(path)
    head = f"{dim} ({AXIS_UNITS[dim]}),{spectrum.attrs.get('units', 'counts')}"
    body = "\n".join(
        f"{x!r},{y!r}"
        for x, y in zip(spectrum[dim].values.tolist(), spectrum.values.tolist(), strict=True)
    )
    p.write_text(head + "\n" + body + "\n", encoding="utf-8")
    return p


# ----------------------------------------------------------------------------- photoemission
#: Photoemission axes accepted by the UPS/XPS readers.
PHOTOEMISSION_AXES = tuple(m.value for m in PhotoemissionAxis)
_BINDING_LABEL = re.compile(r"^(binding|be\b|e_?b\b|e_?bin|ebind)")
_KINETIC_LABEL = re.compile(r"^(kinetic|ke\b|e_?k\b|e_?kin|ekin)")
_PHOTON_IN_HEADER = re.compile(
    r"(?:h\s*[νv]|hnu|photon[ _]energy)\s*[=:]\s*([0-9]+(?:\.[0-9]*)?)\s*(?:ev)?", re.I
)


def photoemission_axis_from_label(label: str) -> str | None:
    """``"binding_energy"``, ``"kinetic_energy"`` or ``None`` for a column label.

    Examples
    --------
    >>> photoemission_axis_from_label("BE/eV"), photoemission_axis_from_label("#E_kin")
    ('binding_energy', 'kinetic_energy')
    >>> photoemission_axis_from_label("Binding Energy (eV)"), photoemission_axis_from_label("I")
    ('binding_energy', None)
    """
    low = label.strip().lstrip("#").strip().lower()
    if "binding" in low or _BINDING_LABEL.match(low):
        return "binding_energy"
    if "kinetic" in low or _KINETIC_LABEL.match(low):
        return "kinetic_energy"
    return None


def _photon_energy_from_header(header: list[str]) -> float | None:
    for ln in header:
        m = _PHOTON_IN_HEADER.search(ln)
        if m:
            return float(m.group(1))
    return None


def make_photoemission_spectrum(
    energies: np.ndarray,
    counts: np.ndarray,
    axis: str,
    *,
    photon_energy: float | None,
    units: str = "counts",
    attrs: dict[str, Any] | None = None,
) -> xr.DataArray:
    """Photoemission spectrum over ``binding_energy`` [eV, relative to E_F, increasing].

    Kinetic energies are converted with E_B = hν − E_kin (Einstein photoelectric equation;
    Hüfner, *Photoelectron Spectroscopy*, 3rd ed., Springer 2003, §1.1), which assumes the
    kinetic energies are referenced to the Fermi level (spectrometer work function already
    applied, as analyser software reports them); the kinetic energies are kept as a
    coordinate ``kinetic_energy`` and hν as ``attrs["photon_energy"]`` [eV].

    Raises
    ------
    ParameterError
        Unknown axis, a kinetic axis without a positive photon energy, mismatched lengths,
        fewer than 3 points, non-finite or repeated energies.
    """
    if axis not in PHOTOEMISSION_AXES:
        raise ParameterError(f"axis must be one of {', '.join(PHOTOEMISSION_AXES)}, got {axis!r}")
    x = np.asarray(energies, dtype=float)
    y = np.asarray(counts, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ParameterError(f"energies have shape {x.shape} but counts {y.shape}; must match")
    if x.size < 3 or not np.all(np.isfinite(x)) or np.unique(x).size != x.size:
        raise ParameterError("need at least 3 finite, distinct energies")
    coords: dict[str, Any] = {}
    if axis == "kinetic_energy":
        if photon_energy is None or not photon_energy > 0:
            raise ParameterError(
                "a kinetic-energy axis needs the photon energy (eV) to give binding energies; "
                "pass photon_energy= (He I 21.22, He II 40.81, Al Kα 1486.6)"
            )
        ke = x
        x = photon_energy - ke
        coords["kinetic_energy"] = ke
    order = np.argsort(x, kind="stable")
    da = xr.DataArray(
        y[order],
        dims=("binding_energy",),
        coords={
            "binding_energy": x[order],
            **{k: ("binding_energy", v[order]) for k, v in coords.items()},
        },
        name="intensity",
    )
    da["binding_energy"].attrs["units"] = "eV"
    if "kinetic_energy" in da.coords:
        da["kinetic_energy"].attrs["units"] = "eV"
    da.attrs.update(attrs or {})
    da.attrs["units"] = units
    da.attrs["photon_energy"] = float(photon_energy) if photon_energy is not None else math.nan
    return da


def read_ups_text(
    path: str | PathLike[str],
    *,
    axis: str | None = None,
    photon_energy: float | None = None,
    units: str | None = None,
    delimiter: str | None = None,
) -> xr.DataArray:
    """Read a UPS/XPS spectrum from delimited text into a ``binding_energy`` DataArray [eV].

    The first column is the energy, the second the intensity. The energy axis comes from the
    header's first column label (``BE/eV``, ``Binding Energy (eV)`` → binding energy relative
    to E_F; ``KE``, ``E_kin``, ``Kinetic Energy`` → kinetic energy) or from ``axis``; it is
    never guessed from the numbers. A kinetic axis needs the photon energy, from
    ``photon_energy`` or a header entry such as ``hv=180eV``/``Photon energy: 21.22``;
    see :func:`make_photoemission_spectrum` for the conversion.

    Parameters
    ----------
    path
        File to read.
    axis
        ``"binding_energy"`` or ``"kinetic_energy"`` when the header does not say.
    photon_energy
        hν [eV] for a kinetic-energy axis.
    units
        Intensity units (default ``"counts"``).
    delimiter
        As for :func:`read_spectrum_text`.

    Raises
    ------
    FormatError
        Unreadable rows (with the line), not exactly two columns, no axis in header or
        argument, an ``axis`` or ``photon_energy`` contradicting the header, a kinetic axis
        without photon energy, or repeated energies.
    """
    p = Path(path)
    if axis is not None and axis not in PHOTOEMISSION_AXES:
        raise ParameterError(f"axis must be one of {', '.join(PHOTOEMISSION_AXES)}, got {axis!r}")
    data, _, fields, header, lines = _read_table(p, delimiter)
    if data.shape[1] != 2:
        raise FormatError(p, f"expected 2 columns (energy, intensity), found {data.shape[1]}")
    _refuse_non_finite(p, data, lines)
    label = ""
    if header:
        first = re.split(r"\t|,|;", header[-1].strip())[0]
        label = first if first.strip() else header[-1]
    file_axis = photoemission_axis_from_label(label) if label else None
    if axis is not None and file_axis is not None and axis != file_axis:
        raise FormatError(p, f"axis={axis!r} given but the header says {file_axis!r}")
    chosen = axis or file_axis
    if chosen is None:
        raise FormatError(
            p,
            "the header does not name the energy axis (e.g. 'BE/eV' or 'Kinetic Energy'); "
            "pass axis='binding_energy' | 'kinetic_energy'",
        )
    file_hv = _photon_energy_from_header(header)
    if photon_energy is not None and file_hv is not None and abs(photon_energy - file_hv) > 1e-6:
        raise FormatError(
            p, f"photon_energy={photon_energy} eV given but the header says {file_hv} eV"
        )
    hv = photon_energy if photon_energy is not None else file_hv
    if chosen == "kinetic_energy" and hv is None:
        raise FormatError(
            p,
            "kinetic-energy axis but no photon energy in the header; pass photon_energy= "
            "(He I 21.22 eV, He II 40.81 eV)",
        )
    if np.unique(data[:, 0]).size != data.shape[0]:
        raise FormatError(p, "repeated values on the energy axis (first column)")
    attrs = {"source_file": str(p), "reader": "ups_text", "header": dict(fields)}
    try:
        return make_photoemission_spectrum(
            data[:, 0], data[:, 1], chosen, photon_energy=hv, units=units or "counts", attrs=attrs
        )
    except ParameterError as exc:  # too few points, or hν from the file that is not positive
        raise FormatError(p, str(exc)) from None


register_reader("ups_text", "photoemission", (".csv", ".txt", ".dat", ".tsv"))(read_ups_text)


# ----------------------------------------------------------------------------- small tables
#: Columns a transfer-efficiency table must have (thesis Table 3-1: excitation counts, PbS PL
#: counts, absorbances of PbS and perovskite at the excitation, PbS PLQY); ``ratio`` (text)
#: and ``eta_trans`` (%) are optional.
TRANSFER_TABLE_COLUMNS = ("I_ex", "PL_PbS", "A_PbS", "A_perov", "PLQY_PbS")


def _half_unit(cell: str, decimal_comma: bool) -> float:
    """Half a unit of the last printed digit of a number written as ``cell`` ("0.113": 5e-4)."""
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(cell.strip().replace(",", ".") if decimal_comma else cell.strip())
    except InvalidOperation:
        return 0.0
    e = d.as_tuple().exponent
    return 0.5 * 10.0 ** int(e) if isinstance(e, int) else 0.0


def read_transfer_table(path: str | PathLike[str]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Read a transfer-efficiency table: one header row naming the columns, then one row per
    sample (``ratio`` as text, e.g. ``1:30``; the :data:`TRANSFER_TABLE_COLUMNS` as numbers;
    ``eta_trans`` in % optional; empty cells allowed).

    Tokenised by the shared text-table parser (comma, semicolon, tab or whitespace; decimal
    point or comma). Returns the rows and, per column, the rounding half-unit of the printed
    digits (largest over the rows), which the analysis takes as the precision of printed values.

    Raises
    ------
    FormatError
        Missing columns, a row with another number of cells than the header, or a non-numeric
        cell (file and line named).
    """
    p = Path(path)
    lines = read_lines(p)
    head = next(
        (i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")), None
    )
    if head is None or not any(ln.strip() for ln in lines[head + 1 :]):
        raise FormatError(p, "no data rows under the header")
    table = split_table(p, lines, first_data_line=head + 1)
    cells = table.header_cells()
    if cells is None:
        raise FormatError(p, "the header and the first row have different numbers of cells")
    names = [c.strip() for c in cells]
    missing = [c for c in TRANSFER_TABLE_COLUMNS if c not in names]
    if missing:
        raise FormatError(
            p, f"missing columns {', '.join(missing)}; header has {names}", line=head + 1
        )
    rows: list[dict[str, Any]] = []
    rounding: dict[str, float] = {}
    for row_cells, line in zip(table.rows, table.line_numbers, strict=True):
        if len(row_cells) != len(names):
            raise FormatError(
                p, f"{len(row_cells)} cells under a header of {len(names)}", line=line
            )
        row: dict[str, Any] = {}
        for j, (key, cell) in enumerate(zip(names, row_cells, strict=True)):
            text = cell.strip()
            if key in ("ratio", ""):
                row["ratio"] = text
            elif text:
                value = parse_float_row(
                    [text], path=p, line=line, decimal_comma=table.decimal_comma, col_offset=j
                )
                row[key] = float(value[0])
                rounding[key] = max(rounding.get(key, 0.0), _half_unit(text, table.decimal_comma))
        rows.append(row)
    return rows, rounding


_T_PATTERN = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*K(?![a-zA-Z])", re.IGNORECASE)


def read_temperature_series(
    folder: str | PathLike[str], **read_options: Any
) -> dict[float, xr.DataArray]:
    """Read every spectrum in ``folder`` whose file name carries a temperature (``PL_5K.csv``,
    ``T=260 K.txt``); returns ``{T [K]: spectrum}`` sorted by T. Each file is read with
    :func:`heterolab.io.read` (``kind="spectrum"``, ``read_options`` passed on).

    Raises
    ------
    FormatError
        If the folder is missing, holds no such files, or two files give the same T.
    """
    from heterolab.io.registry import read

    p = Path(folder)
    if not p.is_dir():
        raise FormatError(p, "is not a folder of spectra")
    series: dict[float, xr.DataArray] = {}
    for f in sorted(p.iterdir()):
        m = _T_PATTERN.search(f.stem)
        if not f.is_file() or m is None:
            continue
        t = float(m.group(1))
        if t in series:
            raise FormatError(f, f"temperature {t:g} K appears in two file names")
        series[t] = read(f, kind="spectrum", **read_options)
    if not series:
        raise FormatError(p, "no spectrum file names with a temperature such as 'PL_5K.csv'")
    return dict(sorted(series.items()))


# ----------------------------------------------------------------------------- VAMAS
# The VAMAS reader lives in heterolab.io.vamas; its names stay importable from here.
_MOVED = {"read_vamas": "heterolab.io.vamas", "read_vamas_blocks": "heterolab.io.vamas"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'heterolab.io.spectra' has no attribute {name!r}")
