"""Readers of transient-absorption (TA) matrices: delay x wavelength ΔOD maps.

Every reader returns an :class:`xarray.DataArray` with dims ``("time", "wavelength")``,
``time`` in ps, ``wavelength`` in nm and values in OD (``attrs["units"] == "OD"``); a file in
mOD is converted when ``signal_unit="mOD"`` is given (never guessed).

Formats
-------
- Delimited matrix text (``.csv``, ``.txt``, ``.dat``, ``.sia``; tab, comma, semicolon or
  blanks): one axis in the first row, the other in the first column, the top-left cell empty
  or a label. Which axis is the delay is detected (a non-positive value, a label naming the
  time axis, or the axis not looking like a wavelength grid) or given with
  ``orientation="time_rows"`` (delays down the first column) / ``"time_columns"``. Ultrafast
  Systems / Surface Xplorer CSV exports and KiMoPack ``.SIA`` files have this layout
  (Surface Xplorer puts wavelengths down the first column and delays in the first row).
- Glotaran legacy ASCII (``.ascii``), as read by pyglotaran's ``load_dataset``: two free
  header lines, ``Time explicit`` or ``Wavelength explicit``, ``Intervalnr N``, the N values
  of the explicit axis, then records ``value_of_other_axis  x_1 ... x_N`` (records may wrap
  over several lines).
- heterolab HDF5 (``.h5``) holding a ``(time, wavelength)`` DataArray: :func:`read_ta_hdf5`
  (registered for kind ``"ta"``; also reached through :func:`read_ta_matrix`).
- Ultrafast Systems / Surface Xplorer CSV: the matrix (top-left cell ``0``), then a blank
  line and metadata lines (``key,value``), kept in ``attrs["footer"]`` and ``attrs["metadata"]``.

Bad input — ragged rows, non-numeric cells, duplicated or non-monotonic axes, all-NaN rows
or columns, empty files — raises :class:`~heterolab.errors.FormatError` naming the file, the
line and the problem. Strictly decreasing axes are accepted and reversed.
"""

from __future__ import annotations

import re
import warnings
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.choices import as_choice
from heterolab.errors import FormatError, ParameterError
from heterolab.io.choices import Duplicates, SignalUnit, TimeUnit
from heterolab.io.hdf5 import HDF5_MAGIC, read_hdf5
from heterolab.io.registry import register_reader
from heterolab.io.text import read_matrix_text

__all__ = [
    "Duplicates",
    "SignalUnit",
    "TimeUnit",
    "make_ta_array",
    "read_chirp_file",
    "read_glotaran_ascii",
    "read_ta_hdf5",
    "read_ta_matrix",
    "write_curve_csv",
    "write_ta_result",
]


_SIGNAL_SCALE = {"OD": 1.0, "mOD": 1e-3}
_ORIENTATIONS = ("auto", "time_rows", "time_columns")
_TIME_SCALE = {"fs": 1e-3, "ps": 1.0, "ns": 1e3}
_TIME_LABEL = re.compile(r"time|delay|ps\b|fs\b", re.IGNORECASE)
_WL_LABEL = re.compile(r"wave|lambda|nm\b|λ", re.IGNORECASE)


def make_ta_array(
    data: np.ndarray,
    time_ps: np.ndarray,
    wavelength_nm: np.ndarray,
    *,
    source: str = "",
    signal_unit: str = "OD",
    duplicates: str = "mean",
    time_unit: str = "ps",
) -> xr.DataArray:
    """Assemble a validated TA DataArray (dims ``time``, ``wavelength``; values in OD).

    Infinite cells (a division by zero in the instrument software) become NaN, which fits
    weight zero; repeated delays (instruments that re-measure a delay) are merged into their
    NaN-ignoring mean with ``duplicates="mean"`` or refused with ``"error"``. Each such
    change is recorded as a sentence in ``attrs["warnings"]``, which the analyses copy into
    their Result's warnings (printed by the command line).

    Parameters
    ----------
    data
        Array of shape (n_time, n_wavelength) in ``signal_unit``.
    time_ps, wavelength_nm
        Axes in ps and nm; strictly increasing or strictly decreasing (reversed here).
    source
        Name used in error messages (file path).
    signal_unit
        ``"OD"`` or ``"mOD"`` (converted to OD).
    duplicates
        ``"mean"`` (merge repeated delays or wavelengths, with a warning) or ``"error"``.
    time_unit
        Unit of ``time_ps`` as given: ``"fs"``, ``"ps"`` or ``"ns"`` (converted to ps).
    """
    time_unit = as_choice(TimeUnit, time_unit, "time_unit")
    duplicates = as_choice(Duplicates, duplicates, "duplicates")
    signal_unit = as_choice(SignalUnit, signal_unit, "signal_unit")
    data = np.asarray(data, dtype=float)
    t = np.asarray(time_ps, dtype=float) * _TIME_SCALE[time_unit]
    wl = np.asarray(wavelength_nm, dtype=float)
    if data.shape != (t.size, wl.size):
        raise FormatError(
            source,
            f"matrix shape {data.shape} does not match axes ({t.size} delays, {wl.size} wavelengths)",
        )
    notes: list[str] = []
    inf = ~np.isfinite(data) & ~np.isnan(data)
    if inf.any():
        i, j = np.argwhere(inf)[0]
        notes.append(
            f"{int(inf.sum())} infinite cell(s) set to NaN (weight 0), first at delay "
            f"{t[i]:g} ps, wavelength {wl[j]:g} nm"
        )
        data = np.where(inf, np.nan, data)
    if duplicates == "mean":
        t, data = _merge_repeated(t, data, 0, "delay", "ps", notes)
        wl, data = _merge_repeated(wl, data, 1, "wavelength", "nm", notes)
    t, data = _monotonic_axis(t, data, 0, "delay", source)
    wl, data = _monotonic_axis(wl, data, 1, "wavelength", source)
    _check_nan_regions(data, t, wl, source)
    da = xr.DataArray(
        data * _SIGNAL_SCALE[signal_unit],
        dims=("time", "wavelength"),
        coords={"time": t, "wavelength": wl},
        name="delta_od",
        attrs={"units": "OD", "long_name": "ΔOD", "source": str(source)},
    )
    if notes:
        da.attrs["warnings"] = notes
    da["time"].attrs["units"] = "ps"
    da["wavelength"].attrs["units"] = "nm"
    return da


def _merge_repeated(
    axis: np.ndarray, data: np.ndarray, dim: int, name: str, unit: str, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Merge runs of equal axis values into one, averaging their rows/columns (NaN ignored)."""
    if axis.size < 2 or not np.any(np.diff(axis) == 0) or not np.all(np.isfinite(axis)):
        return axis, data
    if not (np.all(np.diff(axis) >= 0) or np.all(np.diff(axis) <= 0)):
        return axis, data  # unsorted: _monotonic_axis names the problem
    starts = np.flatnonzero(np.concatenate([[True], np.diff(axis) != 0]))
    moved = np.moveaxis(data, dim, 0)
    merged = []
    with np.errstate(invalid="ignore"):
        for a, b in zip(starts, [*starts[1:], axis.size], strict=True):
            block = moved[a:b]
            count = np.sum(np.isfinite(block), axis=0)
            total = np.nansum(block, axis=0)
            merged.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    repeated = axis[starts[np.diff([*starts, axis.size]) > 1]]
    notes.append(
        f"{axis.size - starts.size} repeated {name} value(s) merged into their mean "
        f"({', '.join(f'{v:g}' for v in repeated[:5])}{' ...' if repeated.size > 5 else ''} {unit}); "
        "pass duplicates='error' to refuse them"
    )
    return axis[starts], np.moveaxis(np.array(merged), 0, dim)


def _monotonic_axis(
    axis: np.ndarray, data: np.ndarray, dim: int, name: str, source: str
) -> tuple[np.ndarray, np.ndarray]:
    if axis.size < 2:
        raise FormatError(source, f"{name} axis has {axis.size} value(s); need at least 2")
    if not np.all(np.isfinite(axis)):
        bad = int(np.flatnonzero(~np.isfinite(axis))[0])
        raise FormatError(source, f"{name} axis value #{bad + 1} is not a finite number")
    d = np.diff(axis)
    if np.any(d == 0):
        i = int(np.flatnonzero(d == 0)[0])
        raise FormatError(
            source, f"duplicated {name} value {axis[i]:g} (positions {i + 1} and {i + 2})"
        )
    if np.all(d < 0):
        return axis[::-1].copy(), np.flip(data, axis=dim).copy()
    if not np.all(d > 0):
        i = int(np.flatnonzero(d < 0)[0])
        raise FormatError(
            source,
            f"{name} axis is not sorted: {axis[i]:g} is followed by {axis[i + 1]:g} (position {i + 2})",
        )
    return axis, data


def _check_nan_regions(data: np.ndarray, t: np.ndarray, wl: np.ndarray, source: str) -> None:
    finite = np.isfinite(data)
    if not finite.any():
        raise FormatError(source, "the matrix holds no finite value (all NaN)")
    bad_rows = np.flatnonzero(~finite.any(axis=1))
    if bad_rows.size:
        raise FormatError(
            source,
            f"{bad_rows.size} delay row(s) are all NaN, first at {t[bad_rows[0]]:g} ps; crop or mask them",
        )
    bad_cols = np.flatnonzero(~finite.any(axis=0))
    if bad_cols.size:
        raise FormatError(
            source,
            f"{bad_cols.size} wavelength column(s) are all NaN, first at {wl[bad_cols[0]]:g} nm; crop or mask them",
        )


def _split(line: str) -> list[str]:
    for sep in ("\t", ",", ";"):
        if sep in line:
            return [c.strip() for c in line.rstrip("\r\n").split(sep)]
    return line.split()


def _to_float(cell: str, path: Path, line: int, col: int) -> float:
    if cell == "" or cell.lower() in ("nan", "na"):
        return np.nan
    try:
        return float(cell)
    except ValueError:
        raise FormatError(path, f"non-numeric cell {cell!r} in column {col}", line=line) from None


def _looks_like_wavelengths(axis: np.ndarray) -> bool:
    """A wavelength grid: positive, 150-30000 nm, and roughly uniform steps."""
    if np.any(axis <= 0) or axis.min() < 150 or axis.max() > 30000:
        return False
    steps = np.abs(np.diff(axis))
    return bool(steps.max() <= 5 * np.median(steps))


def _first_row_is_time(first_row: np.ndarray, first_col: np.ndarray, corner: str) -> bool:
    """Decide whether delays run along the first row (True) or down the first column."""
    if corner and _TIME_LABEL.search(corner) and not _WL_LABEL.search(corner):
        return False  # a "Time in ps" corner labels the first column (KiMoPack .SIA)
    if corner and _WL_LABEL.search(corner) and not _TIME_LABEL.search(corner):
        return True
    row_wl, col_wl = _looks_like_wavelengths(first_row), _looks_like_wavelengths(first_col)
    if np.any(first_row <= 0) and col_wl:
        return True
    if np.any(first_col <= 0) and row_wl:
        return False
    if row_wl != col_wl:
        return col_wl
    return False


# ---------------------------------------------------------------------------- matrix text
def _sniff_matrix(head: bytes) -> bool:
    text = head.decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()][:3]
    if len(lines) < 3 or "explicit" in text.lower():
        return False
    cells = [_split(ln) for ln in lines]
    try:  # a numeric axis in the first row after the corner cell, numeric rows below it
        [float(c) for row in cells for c in row[1:5] if c]
        [float(row[0]) for row in cells[1:]]
    except ValueError:
        return False
    return all(len(c) >= 4 and len(c) == len(cells[0]) for c in cells)


@register_reader("ta_matrix", "ta", (".csv", ".sia", ".txt", ".dat"), _sniff_matrix)
def read_ta_matrix(
    path: str | PathLike[str],
    *,
    orientation: str = "auto",
    signal_unit: str = "OD",
    duplicates: str = "mean",
    time_unit: str = "ps",
) -> xr.DataArray:
    """Read a delay x wavelength matrix: delimited text (axes in the first row and column) or heterolab HDF5.

    Text files are parsed by :func:`heterolab.io.text.read_matrix_text` (the project's one
    text-matrix parser); the delay axis is then identified here. Lines before the axis row
    go to ``attrs["header"]``; the matrix ends at the first blank or text line and what
    follows (the metadata footer of Ultrafast Systems / Surface Xplorer CSV exports) goes to
    ``attrs["footer"]``, with ``key,value`` footer lines also collected in
    ``attrs["metadata"]``. The top-left cell may be empty, a label or a number (Surface
    Xplorer writes ``0``). ``.h5``/``.hdf5`` files are read with
    :func:`heterolab.io.hdf5.read_hdf5` and must hold a ``(time, wavelength)`` DataArray.

    Parameters
    ----------
    path
        Text file (cells separated by tab, comma, semicolon or blanks; ``#`` comments) or
        heterolab HDF5 file.
    orientation
        ``"auto"`` (detect), ``"time_rows"`` (delays down the first column, wavelengths in
        the first row) or ``"time_columns"`` (the transposed layout). Ignored for HDF5.
    signal_unit
        ``"OD"`` or ``"mOD"`` (converted to OD).
    duplicates
        ``"mean"``: repeated delays (or wavelengths) are merged into their mean, with a
        warning in ``attrs["warnings"]``; ``"error"``: refused with the lines named.
    time_unit
        Unit of the file's delays: ``"fs"``, ``"ps"`` (default) or ``"ns"`` (converted to ps).

    Returns
    -------
    DataArray
        dims ``("time", "wavelength")``, ps and nm, values in OD.

    Raises
    ------
    FormatError
        Ragged rows, non-numeric cells, duplicated/unsorted axes, all-NaN rows or columns;
        an HDF5 file holding something other than a TA matrix.
    """
    p = Path(path)
    if orientation not in _ORIENTATIONS:
        raise ParameterError(f"orientation {orientation!r} is not one of {_ORIENTATIONS}")
    signal_unit = as_choice(SignalUnit, signal_unit, "signal_unit")
    duplicates = as_choice(Duplicates, duplicates, "duplicates")
    time_unit = as_choice(TimeUnit, time_unit, "time_unit")
    if p.suffix.lower() in _HDF5_EXT:
        return read_ta_hdf5(p, signal_unit=signal_unit, duplicates=duplicates)
    raw = read_matrix_text(
        p,
        row_dim="row",
        col_dim="column",
        row_unit="",
        col_unit="",
        value_unit=signal_unit,
        layout="as_is",
        trailing="keep",
        duplicates="keep" if duplicates == "mean" else "error",
    )
    first_col = np.asarray(raw["row"].values, float)
    first_row = np.asarray(raw["column"].values, float)
    corner = str(raw.attrs.get("corner_label", ""))
    if orientation == "auto":
        time_in_row = _first_row_is_time(first_row, first_col, corner)
    else:
        time_in_row = orientation == "time_columns"
    body = raw.values
    kw = {
        "source": str(p),
        "signal_unit": signal_unit,
        "duplicates": duplicates,
        "time_unit": time_unit,
    }
    if time_in_row:
        da = make_ta_array(body.T, first_row, first_col, **kw)
    else:
        da = make_ta_array(body, first_col, first_row, **kw)
    for key in ("header", "footer", "corner_label"):
        if key in raw.attrs:
            da.attrs[key] = raw.attrs[key]
    if "footer" in raw.attrs:
        da.attrs["metadata"] = _footer_metadata(raw.attrs["footer"])
    return da


def _footer_metadata(footer: str) -> dict[str, str]:
    """``key,value`` (or ``key: value``) footer lines as a dict; other lines are skipped."""
    meta: dict[str, str] = {}
    for line in footer.splitlines():
        key, sep, value = next(
            (
                (k, s, v)
                for s in (",", "\t", ":", "=")
                for k, _, v in [line.partition(s)]
                if _ and k.strip()
            ),
            ("", "", ""),
        )
        if sep:
            meta[key.strip()] = value.strip().strip(",").strip()
    return meta


# ---------------------------------------------------------------------------- heterolab HDF5
_HDF5_EXT = (".h5", ".hdf5", ".hdf")


def _sniff_hdf5(head: bytes) -> bool:
    return head.startswith(HDF5_MAGIC)


@register_reader("hdf5_ta", "ta", _HDF5_EXT, _sniff_hdf5)
def read_ta_hdf5(
    path: str | PathLike[str],
    *,
    signal_unit: str | None = None,
    duplicates: str = "mean",
    time_unit: str = "ps",
) -> xr.DataArray:
    """Read a TA matrix saved with :func:`heterolab.io.hdf5.write_hdf5`.

    The file records the unit of its values (``attrs["units"]``, OD or mOD, converted to OD);
    ``signal_unit`` is accepted for a uniform reader interface and must then be ``"OD"`` (the
    default of the text readers) or equal that recorded unit; the delays are stored in ps,
    so ``time_unit`` must be ``"ps"``.

    Raises
    ------
    FormatError
        If the file holds a Result or a DataArray whose dims are not ``time`` and
        ``wavelength``.
    """
    p = Path(path)
    obj = read_hdf5(p)
    if not isinstance(obj, xr.DataArray) or set(obj.dims) != {"time", "wavelength"}:
        what = (
            f"a DataArray with dims {obj.dims}"
            if isinstance(obj, xr.DataArray)
            else f"a {type(obj).__name__}"
        )
        raise FormatError(p, f"holds {what}, not a TA matrix with dims ('time', 'wavelength')")
    obj = obj.transpose("time", "wavelength")
    unit = str(obj.attrs.get("units", "OD"))
    if unit not in _SIGNAL_SCALE:
        raise FormatError(p, f"TA values in unit {unit!r}; expected one of {sorted(_SIGNAL_SCALE)}")
    if time_unit != "ps":
        raise ParameterError(f"{p}: heterolab HDF5 stores delays in ps; time_unit={time_unit!r}")
    if signal_unit not in (None, "OD", unit):
        raise ParameterError(
            f"{p}: the file records its values in {unit}; signal_unit={signal_unit!r} contradicts it"
        )
    return make_ta_array(
        obj.values,
        obj["time"].values,
        obj["wavelength"].values,
        source=str(p),
        signal_unit=unit,
        duplicates=duplicates,
    )


# ---------------------------------------------------------------------------- glotaran ascii
def _sniff_glotaran(head: bytes) -> bool:
    lines = head.decode("utf-8", errors="replace").lower().splitlines()[:6]
    return any(ln.strip() in ("time explicit", "wavelength explicit") for ln in lines)


def _glotaran_values(lines: list[str], first: int, path: Path) -> np.ndarray:
    """Every number after the header, in file order: numpy's C parser on the whole text (a
    10 MB streak matrix in 0.02 s instead of 0.3 s token by token); a cell it refuses ('NA',
    text, a decimal comma) is looked up token by token for the line and column of the
    error."""
    with warnings.catch_warnings():  # numpy < 2 only warns, and stops, at a bad token
        warnings.simplefilter("error", DeprecationWarning)
        try:
            return np.fromstring("".join(lines[first:]), sep=" ")
        except (ValueError, DeprecationWarning):
            pass
    values: list[float] = []
    for k, ln in enumerate(lines[first:], first + 1):
        for tok in ln.split():
            values.append(_to_float(tok, path, k, len(values) + 1))
    return np.asarray(values)


@register_reader("glotaran_ascii", "ta", (".ascii",), _sniff_glotaran)
def read_glotaran_ascii(
    path: str | PathLike[str],
    *,
    signal_unit: str = "OD",
    duplicates: str = "mean",
    time_unit: str = "ps",
) -> xr.DataArray:
    """Read a Glotaran legacy ASCII file ("Time explicit" or "Wavelength explicit").

    Parameters
    ----------
    path
        The ``.ascii`` file (format of Glotaran 1.x and pyglotaran's ``load_dataset``;
        Snellenburg et al., J. Stat. Softw. 49(3), 2012).
    signal_unit
        ``"OD"`` or ``"mOD"`` (converted to OD).

    Raises
    ------
    FormatError
        Missing ``explicit``/``Intervalnr`` lines, non-numeric tokens, a token count that is
        not a whole number of records, or bad axes.
    """
    p = Path(path)
    with open(p, encoding="utf-8", errors="replace") as fh:
        lines = fh.readlines()
    mode_line = next(
        (i for i, ln in enumerate(lines[:6]) if ln.strip().lower().endswith("explicit")), None
    )
    if mode_line is None:
        raise FormatError(
            p, "no 'Time explicit' or 'Wavelength explicit' line in the first 6 lines"
        )
    mode = lines[mode_line].strip().lower().split()[0]
    if mode not in ("time", "wavelength"):
        raise FormatError(
            p,
            f"unknown layout {lines[mode_line].strip()!r}; expected 'Time explicit' or 'Wavelength explicit'",
            line=mode_line + 1,
        )
    m = re.match(
        r"\s*intervalnr\s+(\d+)", lines[mode_line + 1] if mode_line + 1 < len(lines) else "", re.I
    )
    if m is None:
        raise FormatError(p, "expected 'Intervalnr N' after the explicit line", line=mode_line + 2)
    n = int(m.group(1))
    arr = _glotaran_values(lines, mode_line + 2, p)
    if arr.size <= n or (arr.size - n) % (n + 1):
        raise FormatError(
            p,
            f"{arr.size - n} values after the {n} axis values is not a whole number of records of {n + 1} (axis value + {n} signals)",
        )
    explicit = arr[:n]
    records = arr[n:].reshape(-1, n + 1)
    other, body = records[:, 0], records[:, 1:]
    kw = {
        "source": str(p),
        "signal_unit": signal_unit,
        "duplicates": duplicates,
        "time_unit": time_unit,
    }
    if mode == "time":
        return make_ta_array(body.T, explicit, other, **kw)
    return make_ta_array(body, other, explicit, **kw)


# ---------------------------------------------------------------------------- writing results
def read_chirp_file(path: str | PathLike[str]) -> np.ndarray:
    """Read KiMoPack-style chirp coefficients: one line of comma-separated numbers (polyval order).

    ``Chirp.from_polyval(read_chirp_file(path))`` gives the same curve in heterolab's one
    chirp convention (:class:`~heterolab.kinetics.ta.model.Chirp`);
    :func:`~heterolab.kinetics.ta.preprocess.correct_chirp` and
    :func:`~heterolab.kinetics.ta.preprocess.chirp_delay` accept the coefficients directly.

    Raises
    ------
    FormatError
        If the file does not hold numbers.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(p, f"cannot read the chirp file ({exc})") from None
    text = raw.replace(";", ",").replace("\t", ",")
    try:
        coeffs = np.array([float(c) for c in text.replace("\n", ",").split(",") if c.strip()])
    except ValueError as exc:
        raise FormatError(p, f"chirp coefficients are not numbers ({exc})") from None
    if coeffs.size == 0:
        raise FormatError(p, "no chirp coefficients found")
    if not np.all(np.isfinite(coeffs)):
        raise FormatError(p, "chirp coefficients must be finite numbers")
    return coeffs


def curve_file_stem(key: str, result_kind: str, spectra_label: str | None = None) -> str:
    """File stem of curve ``key`` (``"data/spectra"`` -> ``"data_EAS"``; ``/`` -> ``_``)."""
    head, _, tail = key.rpartition("/")
    if tail == "spectra" and result_kind.startswith("ta."):
        tail = spectra_label or "SAS"
    return f"{head}_{tail}" if head else tail


def write_curve_csv(da: xr.DataArray, path: str | PathLike[str]) -> Path:
    """Write a 1-D or 2-D curve as CSV with its units in a ``#`` comment line.

    2-D: the first row holds ``dim0\\dim1`` and the second dim's coordinates, each further
    row a first-dim coordinate and its values (the layout :func:`read_ta_matrix` reads).
    1-D: two columns, coordinate and value.
    """
    p = Path(path)
    units = [f"values: {da.attrs.get('units', '')}"]
    units += [f"{d}: {da[d].attrs.get('units', '')}" for d in da.dims if d in da.coords]
    lines = [f"# {'; '.join(units)}"]

    def coord(dim: Any) -> np.ndarray:
        return np.asarray(da[dim].values) if dim in da.coords else np.arange(da.sizes[dim])

    if da.ndim == 1:
        dim = da.dims[0]
        lines.append(f"{dim},{da.name or 'value'}")
        lines += [f"{c},{v:.10g}" for c, v in zip(coord(dim), da.values, strict=True)]
    elif da.ndim == 2:
        d0, d1 = da.dims
        lines.append(f"{d0}\\{d1}," + ",".join(str(c) for c in coord(d1)))
        for c, row in zip(coord(d0), np.asarray(da.values, float), strict=True):
            lines.append(f"{c}," + ",".join(f"{v:.10g}" for v in row))
    else:
        raise ParameterError(f"cannot write a {da.ndim}-D curve as CSV")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def write_ta_result(result: Any, folder: str | PathLike[str]) -> list[Path]:
    """Write a TA Result's full content into ``folder`` (created if missing).

    Files: ``result.json`` (``Result.to_dict()``), ``result.h5`` (heterolab HDF5: the
    Result with all its curves, :func:`heterolab.io.hdf5.read_hdf5` reads it back) and one
    CSV per curve: ``<dataset>_DAS|EAS|SAS.csv`` (spectra, species x wavelength),
    ``<dataset>_concentrations.csv``, ``<dataset>_data.csv``, ``<dataset>_fit.csv``,
    ``<dataset>_residuals.csv`` (time x wavelength) and the residual SVD; for kinetics,
    SVD and chirp results their traces, vectors and polynomial.

    Raises
    ------
    OutputError
        When the folder or a file cannot be written (the message names the path).
    """
    import json

    from heterolab.errors import OutputError
    from heterolab.io.hdf5 import write_hdf5

    out = Path(folder)
    label = result.statistics.get("spectra")
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        written.append(out / "result.json")
        written[-1].write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        for key, da in result.curves.items():
            stem = curve_file_stem(key, result.kind, label)
            written.append(write_curve_csv(da, out / f"{stem}.csv"))
        written.append(write_hdf5(result, out / "result.h5", overwrite=True))
    except OSError as exc:
        raise OutputError(f"cannot write results into {out}: {exc.strerror or exc}") from None
    return written
