"""Text/CSV readers: TRPL decays (one or several columns), Horiba TCSPC exports, 2-D matrices.

Delimiters (tab, semicolon, comma, whitespace) and decimal commas are detected from the data
rows unless given (see :mod:`heterolab.io._textgrid`). Column units are read from header
labels such as ``Time (ps)``, ``t [ns]`` or ``t / us``; otherwise they come from options.
Every problem in the file raises :class:`heterolab.errors.FormatError` naming the file, the
1-based line and the problem; nothing is skipped or repaired silently.
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path
from typing import Any, Literal

import numpy as np
import xarray as xr

from heterolab.arrays import decay_dataarray
from heterolab.errors import FormatError, ParameterError, UnitError
from heterolab.io._textgrid import (
    TextTable,
    first_cell_numeric,
    is_comment,
    is_probably_text,
    parse_float_row,
    parse_rows,
    read_lines,
    read_table,
    split_table,
    unit_from_label,
)
from heterolab.io.registry import register_reader
from heterolab.units import normalize_unit, scale_factor

__all__ = [
    "detect_matrix_layout",
    "guess_table_kind",
    "read_columns",
    "read_horiba_tcspc",
    "read_matrix_text",
    "read_text_decay",
    "read_text_decays",
]

TEXT_EXTENSIONS = (".txt", ".csv", ".dat", ".tsv", ".asc")
_CHANNEL_LABEL = re.compile(r"^\s*(chan(nel)?s?|ch|bins?|channel\s*(no|number|#)\.?)\s*$", re.I)
_HORIBA_CAL = re.compile(r"time\s+calibration\s*:\s*([-+0-9.eE]+)\s*([A-Za-zµμ]+)\s*/\s*ch", re.I)
_REAL_TIME = re.compile(r"^\s*real\s+time\s*:\s*([-+0-9.eE]+)\s*$", re.I)

Layout = Literal["as_is", "transposed", "auto"]


# --------------------------------------------------------------------------- helpers


def _time_unit(unit: str, what: str) -> str:
    """Canonical time unit or ParameterError naming ``what``."""
    try:
        u = normalize_unit(unit)
        scale_factor(u, "ns")
    except UnitError as exc:
        raise ParameterError(f"{what}: {exc}") from None
    return u


def _column_index(
    spec: int | str | None, names: list[str] | None, n_cols: int, what: str
) -> int | None:
    """Resolve a column given by 0-based index or header name."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if names is None or spec not in names:
            known = ", ".join(repr(n) for n in names) if names else "no header"
            raise ParameterError(f"{what} {spec!r} not found; columns: {known}")
        return names.index(spec)
    if not -n_cols <= spec < n_cols:
        raise ParameterError(f"{what} {spec} out of range for a file with {n_cols} columns")
    return spec % n_cols


def _check_time_axis(path: Path, t: np.ndarray, lines: list[int], unit: str) -> None:
    """Finite, strictly increasing time; duplicates and reversals named by line."""
    bad = np.flatnonzero(~np.isfinite(t))
    if bad.size:
        k = int(bad[0])
        raise FormatError(path, f"non-finite time value {t[k]:g}", line=lines[k])
    d = np.diff(t)
    dup = np.flatnonzero(d == 0)
    if dup.size:
        k = int(dup[0]) + 1
        raise FormatError(path, f"duplicated time value {t[k]:g} {unit}", line=lines[k])
    back = np.flatnonzero(d < 0)
    if back.size:
        k = int(back[0]) + 1
        raise FormatError(
            path,
            f"non-monotonic time: {t[k]:g} {unit} follows {t[k - 1]:g} {unit}",
            line=lines[k],
        )


def _check_counts(path: Path, counts: np.ndarray, lines: list[int], col: int) -> None:
    """Counts must be finite and non-negative; ``col`` is the 1-based column number."""
    bad = np.flatnonzero(~np.isfinite(counts))
    if bad.size:
        k = int(bad[0])
        raise FormatError(path, f"non-finite counts {counts[k]:g} in column {col}", line=lines[k])
    neg = np.flatnonzero(counts < 0)
    if neg.size:
        k = int(neg[0])
        raise FormatError(path, f"negative counts {counts[k]:g} in column {col}", line=lines[k])


def _header_metadata(table: TextTable) -> dict[str, Any]:
    """Instrument metadata found in header lines (Horiba calibration and real time)."""
    meta: dict[str, Any] = {}
    for _line, text in table.header:
        m = _HORIBA_CAL.search(text)
        if m:
            meta["calibration"] = (float(m.group(1)), m.group(2))
        m = _REAL_TIME.match(text)
        if m:
            meta["acquisition_time_s"] = float(m.group(1))
    if table.header:
        meta["header"] = "\n".join(t for _n, t in table.header)
    return meta


def _file_time_unit(label: str | None, option: str | None, path: Path) -> str:
    """Unit of the time column: from the header label, else the option, else ns."""
    from_label = unit_from_label(label) if label else None
    if from_label is not None:
        try:
            u = normalize_unit(from_label)
            scale_factor(u, "ns")
        except UnitError:
            raise FormatError(
                path, f"time column label {label!r} has unit {from_label!r}, not a time unit"
            ) from None
        if option is not None and _time_unit(option, "file_time_unit") != u:
            raise ParameterError(
                f"{path}: header says time is in {u!r} but file_time_unit={option!r}"
            )
        return u
    return _time_unit(option, "file_time_unit") if option is not None else "ns"


def _decay_array(
    counts: np.ndarray,
    time: np.ndarray,
    time_unit: str,
    attrs: dict[str, Any],
    labels: list[str] | None = None,
) -> xr.DataArray:
    leading = () if labels is None else (("decay", np.array(labels, dtype=str)),)
    return decay_dataarray(counts, time, time_unit, attrs, leading=leading)


def _time_from_channels(
    chan: np.ndarray, width: float, first_channel: float, time_unit: str, width_unit: str
) -> np.ndarray:
    return (chan - first_channel) * width * scale_factor(width_unit, time_unit)


def _decay_table(
    path: Path,
    *,
    time_unit: str,
    time_column: int | str | None,
    file_time_unit: str | None,
    bin_width: float | None,
    first_channel: float | None,
    delimiter: str | None,
    decimal: str | None,
    comment: str | None,
) -> tuple[np.ndarray, np.ndarray | None, TextTable, list[str] | None, int | None, dict[str, Any]]:
    """Parse a decay table; returns (data, time in time_unit or None, table, names, tcol, meta)."""
    time_unit = _time_unit(time_unit, "time_unit")
    table, data = read_table(
        path, delimiter=delimiter, decimal=decimal, comment=comment, description="reading decay"
    )
    names = table.header_cells()
    meta = _header_metadata(table)
    n_cols = data.shape[1]
    tcol = _column_index(time_column, names, n_cols, "time_column")
    if tcol is None and n_cols >= 2:
        tcol = 0
    lines = table.line_numbers
    if tcol is None:  # counts only: the time axis comes from bin_width or the calibration
        if bin_width is None and "calibration" not in meta:
            raise ParameterError(
                f"{path}: single-column file has no time axis; pass bin_width (in {time_unit})"
            )
        chan = np.arange(data.shape[0], dtype=float)
        w, wu = (bin_width, time_unit) if bin_width is not None else meta["calibration"]
        return data, _time_from_channels(chan, w, 0.0, time_unit, wu), table, names, None, meta
    label = names[tcol] if names else None
    raw_t = data[:, tcol]
    if (label is not None and _CHANNEL_LABEL.match(label)) or (
        label is None and "calibration" in meta
    ):
        if bin_width is None and "calibration" not in meta:
            raise ParameterError(
                f"{path}: column {label!r} holds channel numbers and the header has no time "
                f"calibration; pass bin_width (in {time_unit})"
            )
        w, wu = (bin_width, time_unit) if bin_width is not None else meta["calibration"]
        origin = (
            first_channel if first_channel is not None else (1.0 if "calibration" in meta else 0.0)
        )
        _check_time_axis(path, raw_t, lines, "channel")
        return data, _time_from_channels(raw_t, w, origin, time_unit, wu), table, names, tcol, meta
    unit = _file_time_unit(label, file_time_unit, path)
    _check_time_axis(path, raw_t, lines, unit)
    t = raw_t * scale_factor(unit, time_unit)
    if bin_width is not None and t.size > 1:  # never ignored: it must agree with the column
        width = float((t[-1] - t[0]) / (t.size - 1))
        if abs(width - bin_width) > 1e-3 * abs(bin_width):
            raise ParameterError(
                f"{path}: bin_width={bin_width:g} {time_unit} contradicts the time column, "
                f"whose bins are {width:.6g} {time_unit} wide (file unit {unit!r}; set "
                "file_time_unit if the column is in another unit)"
            )
    return data, t, table, names, tcol, meta


def _attrs(path: Path, reader: str, meta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"source": str(path), "reader": reader}
    for key in ("acquisition_time_s", "header"):
        if key in meta:
            out[key] = meta[key]
    return out


# --------------------------------------------------------------------------- decays


def read_text_decay(
    path: str | PathLike[str],
    *,
    time_unit: str = "ns",
    time_column: int | str | None = None,
    counts_column: int | str | None = None,
    file_time_unit: str | None = None,
    bin_width: float | None = None,
    first_channel: float | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    comment: str | None = "#",
    check_shape: bool = False,
) -> xr.DataArray:
    """Read one TRPL decay (photon counts per time bin) from a text/CSV table.

    Layouts: ``time, counts`` (with or without a header line), ``channel, counts`` with a
    time calibration in the header (Horiba) or ``bin_width``, or a single ``counts`` column
    with ``bin_width``. Time values are bin start times.

    Parameters
    ----------
    path
        Text file.
    time_unit
        Unit of the returned time axis (default ns).
    time_column, counts_column
        0-based index or header name; defaults: time = column 0, counts = column 1 (a file
        with more than two columns needs ``counts_column`` or :func:`read_text_decays`).
    file_time_unit
        Unit of the time column when its header label carries none (default ns).
    bin_width
        Bin width in ``time_unit`` for files without a time column or calibration.
    first_channel
        Channel number at t = 0 for channel columns (default 1 with a Horiba calibration
        header, whose channels count from 1, else 0).
    delimiter, decimal
        Force the cell separator (``"tab"``, ``"semicolon"``, ``"comma"``, ``"whitespace"``)
        or decimal separator (``"."``, ``","``); detected by default.
    comment
        Prefix of comment lines (default ``#``).
    check_shape
        Refuse a table that does not look like a decay (several peaks, no fall): set by
        :func:`heterolab.io.read` / ``read_decay`` when they choose this reader from the file's
        content; a reader named explicitly (``reader="text_decay"``, CLI ``--reader``) or
        called directly reads what it is given.

    Returns
    -------
    xarray.DataArray
        ``counts`` with dim ``time`` (see :mod:`heterolab.io` conventions).

    Raises
    ------
    FormatError
        Empty file, ragged/truncated row, non-numeric cell, negative or non-finite counts,
        non-finite, duplicated or non-monotonic time; the message names file and line.
    ParameterError
        Unknown column, conflicting units, or a file that needs ``bin_width``.
    """
    p = Path(path)
    data, t, table, names, tcol, meta = _decay_table(
        p,
        time_unit=time_unit,
        time_column=time_column,
        file_time_unit=file_time_unit,
        bin_width=bin_width,
        first_channel=first_channel,
        delimiter=delimiter,
        decimal=decimal,
        comment=comment,
    )
    n_cols = data.shape[1]
    ccol = _column_index(counts_column, names, n_cols, "counts_column")
    if ccol is None:
        if n_cols > 2:
            raise ParameterError(
                f"{p}: file has {n_cols} columns; pass counts_column or use read_decays"
            )
        ccol = n_cols - 1
    if ccol == tcol:
        raise ParameterError(f"counts_column and time_column are both column {ccol}")
    counts = data[:, ccol]
    _check_counts(p, counts, table.line_numbers, ccol + 1)
    if check_shape:
        _check_decay_shape(p, counts)
    attrs = _attrs(p, "text_decay", meta)
    if names:
        attrs["label"] = names[ccol]
    return _decay_array(counts, t, normalize_unit(time_unit), attrs)


def _check_decay_shape(path: Path, counts: np.ndarray) -> None:
    """Refuse a two-column table that is not a decay (a powder pattern, a spectrum): a decay has
    one main peak (its rise, or none for a tail) and falls to half of it by the end. Counted on
    a 5-bin running mean: >= 3 peaks with a prominence of 10 % of the range, or no fall, is not
    a decay. Skipped when the reader is chosen explicitly (``reader=`` / ``--reader``)."""
    from scipy.signal import find_peaks

    if counts.size < 16:
        return
    if counts.size > 8192:  # the shape needs no more than ~4000 points (and find_peaks on
        f = counts.size // 4096  # millions of noisy maxima takes minutes)
        counts = counts[: f * (counts.size // f)].reshape(-1, f).mean(axis=1)
    ys = np.convolve(counts, np.ones(5) / 5, mode="valid")
    span = float(ys.max() - ys.min())
    if span <= 0:
        return
    peaks, _ = find_peaks(ys, prominence=0.1 * span)
    tail = float(ys[-max(ys.size // 10, 1) :].mean())
    k = int(np.argmax(ys))
    falls = tail - ys.min() <= 0.5 * (ys[k] - ys.min()) and k < 0.9 * ys.size
    if peaks.size >= 3 or not falls:
        why = f"{peaks.size} separate peaks" if peaks.size >= 3 else "no decay after its maximum"
        raise FormatError(
            path,
            f"does not look like a decay ({why}; a decay rises once and falls): a diffraction "
            "pattern or a spectrum? Read it with its own reader, or insist with "
            "reader='text_decay' (CLI --reader text_decay)",
        )


def read_text_decays(
    path: str | PathLike[str],
    *,
    time_unit: str = "ns",
    time_column: int | str | None = None,
    counts_columns: list[int | str] | None = None,
    file_time_unit: str | None = None,
    bin_width: float | None = None,
    first_channel: float | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    comment: str | None = "#",
) -> xr.DataArray:
    """Read several decays sharing one time axis (one decay per column) from a text table.

    Parameters are as in :func:`read_text_decay`; ``counts_columns`` selects the decay
    columns (default: every column except the time column). Without a time column
    (``time_column=None`` and a single column) pass ``bin_width``; to read a file whose
    columns are all decays, pass ``time_column=None`` together with ``bin_width``.

    Returns
    -------
    xarray.DataArray
        ``counts`` with dims ``("decay", "time")``; coord ``decay`` holds the header names
        (or ``"column N"``, 1-based, without a header).
    """
    p = Path(path)
    if time_column is None and bin_width is not None:
        data, t, table, names, tcol, meta = _decays_without_time(
            p, time_unit, bin_width, delimiter, decimal, comment
        )
    else:
        data, t, table, names, tcol, meta = _decay_table(
            p,
            time_unit=time_unit,
            time_column=time_column,
            file_time_unit=file_time_unit,
            bin_width=bin_width,
            first_channel=first_channel,
            delimiter=delimiter,
            decimal=decimal,
            comment=comment,
        )
    n_cols = data.shape[1]
    if counts_columns is None:
        cols = [j for j in range(n_cols) if j != tcol]
    else:
        cols = [_column_index(c, names, n_cols, "counts_columns entry") for c in counts_columns]  # type: ignore[misc]
    if not cols or tcol in cols:
        raise ParameterError(f"{p}: no decay columns selected (time column {tcol}, columns {cols})")
    for j in cols:
        _check_counts(p, data[:, j], table.line_numbers, j + 1)  # type: ignore[index]
    labels = [names[j] if names else f"column {j + 1}" for j in cols]  # type: ignore[index]
    if len(set(labels)) != len(labels):
        labels = [f"{lab} (column {j + 1})" for lab, j in zip(labels, cols, strict=True)]  # type: ignore[operator]
    counts = data[:, cols].T
    return _decay_array(
        counts, t, normalize_unit(time_unit), _attrs(p, "text_decays", meta), labels
    )  # type: ignore[arg-type]


def _decays_without_time(
    p: Path,
    time_unit: str,
    bin_width: float,
    delimiter: str | None,
    decimal: str | None,
    comment: str | None,
) -> tuple[np.ndarray, np.ndarray, TextTable, list[str] | None, None, dict[str, Any]]:
    time_unit = _time_unit(time_unit, "time_unit")
    table, data = read_table(
        p, delimiter=delimiter, decimal=decimal, comment=comment, description="reading decays"
    )
    t = np.arange(data.shape[0], dtype=float) * bin_width
    return data, t, table, table.header_cells(), None, _header_metadata(table)


def read_horiba_tcspc(path: str | PathLike[str], *, time_unit: str = "ns") -> xr.DataArray:
    """Read a Horiba TCSPC ASCII export (``Time calibration: ... ns/ch`` then ``Chan  Data``).

    Channel numbers count from 1; channel k covers [(k-1) Δ, k Δ) with Δ the header's time
    calibration, so the time axis holds bin start times (k-1) Δ. ``Real time`` (s) becomes
    ``acquisition_time_s``. Layout as read by LifeFit (Steffen et al., Phys. Chem. Chem.
    Phys. 18, 29045 (2016)) for its Horiba example files.

    Raises
    ------
    FormatError
        If the header has no ``Time calibration`` line or the data are invalid (see
        :func:`read_text_decay`).
    """
    p = Path(path)
    lines = read_lines(p)
    if not any(_HORIBA_CAL.search(ln) for ln in lines[:100]):
        raise FormatError(
            p, "no 'Time calibration: <value> ns/ch' line in the header (not a Horiba TCSPC export)"
        )
    da = read_text_decay(p, time_unit=time_unit, time_column=0, counts_column=1)
    da.attrs["reader"] = "horiba_tcspc"
    da.attrs["instrument"] = "Horiba TCSPC (ASCII export)"
    return da


# --------------------------------------------------------------------------- matrices


def _range_fraction(values: np.ndarray, rng: tuple[float, float]) -> float:
    lo, hi = min(rng), max(rng)
    return float(np.mean((values >= lo) & (values <= hi)))


def detect_matrix_layout(
    row_values: np.ndarray,
    col_values: np.ndarray,
    row_range: tuple[float, float],
    col_range: tuple[float, float],
) -> Literal["as_is", "transposed"]:
    """Decide whether a matrix file holds the expected row axis in its rows or its columns.

    Each axis scores the fraction of its values inside the expected (min, max) range of the
    quantity; the layout whose two axes both lie fully in range wins.

    Parameters
    ----------
    row_values, col_values
        Axis values as found in the file (first column, first row).
    row_range, col_range
        Expected value ranges, in file units, of the quantities meant for rows and columns
        (e.g. time -5..8000 ps and wavelength 300..2000 nm).

    Returns
    -------
    "as_is" or "transposed"

    Raises
    ------
    ParameterError
        If both or neither layout fits; pass ``layout`` explicitly then.
    """
    as_is = min(_range_fraction(row_values, row_range), _range_fraction(col_values, col_range))
    swapped = min(_range_fraction(col_values, row_range), _range_fraction(row_values, col_range))
    if as_is == 1.0 and swapped < 1.0:
        return "as_is"
    if swapped == 1.0 and as_is < 1.0:
        return "transposed"
    why = "both layouts fit" if as_is == swapped == 1.0 else "neither layout fits"
    raise ParameterError(
        f"cannot tell which matrix axis is which ({why}): rows span "
        f"{np.nanmin(row_values):g}..{np.nanmax(row_values):g}, columns span "
        f"{np.nanmin(col_values):g}..{np.nanmax(col_values):g}, expected rows in {row_range} "
        f"and columns in {col_range}; pass layout='as_is' or 'transposed'"
    )


def _find_axis_row(path: Path, lines: list[str], comment: str | None) -> int:
    """Index of the column-axis row: the line before the first numeric row, or that row itself
    when the top-left cell is numeric and the row below has the same shape."""
    numeric = [i for i, ln in enumerate(lines) if ln.strip() and not is_comment(ln, comment)]
    if not numeric:
        raise FormatError(path, "no data rows found")
    first_num = next((i for i in numeric if first_cell_numeric(lines[i])), None)
    if first_num is None:
        raise FormatError(path, "no numeric data rows found (only header or text lines)")
    before = [i for i in numeric if i < first_num]
    return before[-1] if before else first_num


def _check_axis(
    path: Path, values: np.ndarray, what: str, where: list[str], duplicates: bool = False
) -> bool:
    """Finite, no duplicates (unless ``duplicates``), monotonic; returns True if descending."""
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        k = int(bad[0])
        raise FormatError(path, f"non-finite {what} axis value at {where[k]}")
    order = np.argsort(values, kind="stable")
    sv = values[order]
    dup = np.flatnonzero(np.diff(sv) == 0)
    if dup.size and not duplicates:
        a, b = sorted((int(order[dup[0]]), int(order[dup[0] + 1])))
        raise FormatError(
            path, f"duplicated {what} axis value {values[a]:g} at {where[a]} and {where[b]}"
        )
    d = np.diff(values)
    if duplicates:  # repeated values keep their place; the order is judged without them
        d = d[d != 0] if np.any(d != 0) else np.ones(1)
    if values.size > 1 and not (np.all(d > 0) or np.all(d < 0)):
        sign = np.sign(d[0])
        k = int(np.flatnonzero(np.sign(d) != sign)[0]) + 1
        raise FormatError(
            path,
            f"unsorted {what} axis: {values[k]:g} at {where[k]} breaks the order of {values[k - 1]:g}",
        )
    return bool(values.size > 1 and d[0] < 0)


def read_matrix_text(
    path: str | PathLike[str],
    *,
    row_dim: str,
    col_dim: str,
    row_unit: str,
    col_unit: str,
    value_unit: str,
    name: str = "values",
    layout: Layout = "as_is",
    row_range: tuple[float, float] | None = None,
    col_range: tuple[float, float] | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    comment: str | None = "#",
    trailing: Literal["error", "keep"] = "error",
    duplicates: Literal["error", "keep"] = "error",
) -> xr.DataArray:
    """Read a 2-D matrix from text: first row = column axis, first column = row axis.

    ``duplicates="keep"`` accepts repeated axis values (kept in file order, for the caller
    to merge); the default refuses them.

    The top-left cell may hold a label (kept as ``attrs["corner_label"]``) or a number
    (ignored). Lines before the axis row are kept in ``attrs["header"]``. Descending axes are
    reversed to ascending together with the data (values are never rescaled). ``NaN`` cells
    are allowed; a row or column that is entirely NaN is an error.

    Parameters
    ----------
    path
        Text/CSV file.
    row_dim, col_dim
        Dimension names for the quantities meant as rows and columns of the result.
    row_unit, col_unit, value_unit
        Units of the row axis, column axis and values as stored in the file.
    name
        Name of the returned DataArray.
    layout
        ``"as_is"`` (rows of the file are ``row_dim``), ``"transposed"`` (the file's rows
        are ``col_dim``) or ``"auto"`` (decided by :func:`detect_matrix_layout` from
        ``row_range`` and ``col_range``, which are then required).
    row_range, col_range
        Expected value ranges (file units) of ``row_dim`` and ``col_dim`` for ``"auto"``.
    delimiter, decimal, comment
        As in :func:`read_text_decay`.
    trailing
        ``"error"``: text after the matrix is an error; ``"keep"``: the matrix ends at the
        first blank or non-numeric line and the rest goes to ``attrs["footer"]``.

    Returns
    -------
    xarray.DataArray
        Dims ``(row_dim, col_dim)``, float64, coords with ``units`` attrs, ``attrs`` with
        ``units`` (value_unit), ``source``, ``reader``.

    Raises
    ------
    FormatError
        Ragged rows, non-numeric cells, non-finite/duplicated/unsorted axis values, all-NaN
        rows or columns (with line numbers), or no data.
    ParameterError
        Bad options, or ``layout="auto"`` without ranges or with an undecidable file.
    """
    p = Path(path)
    if layout not in ("as_is", "transposed", "auto"):
        raise ParameterError(f"layout must be 'as_is', 'transposed' or 'auto', not {layout!r}")
    if trailing not in ("error", "keep"):
        raise ParameterError(f"trailing must be 'error' or 'keep', not {trailing!r}")
    if layout == "auto" and (row_range is None or col_range is None):
        raise ParameterError("layout='auto' needs row_range and col_range (expected value ranges)")
    lines = read_lines(p)
    axis_idx = _find_axis_row(p, lines, comment)
    table = split_table(
        p,
        lines,
        delimiter=delimiter,
        decimal=decimal,
        comment=comment,
        first_data_line=axis_idx,
        stop_at_text=trailing == "keep",
    )
    head_cells, axis_line = table.rows[0], table.line_numbers[0]
    if len(table.rows) < 2 or len(head_cells) < 2:
        raise FormatError(
            p, "a matrix needs an axis row, an axis column and at least one value", line=axis_line
        )
    col_vals = parse_float_row(
        head_cells[1:], path=p, line=axis_line, decimal_comma=table.decimal_comma, col_offset=1
    )
    n = len(head_cells)
    body = TextTable(
        p, [], table.rows[1:], table.line_numbers[1:], table.separator, table.decimal_comma
    )
    data = parse_rows(body, n_cols=n)
    row_vals, values = data[:, 0], data[:, 1:]
    lines_r = body.line_numbers
    row_where = [f"line {ln}" for ln in lines_r]
    col_where = [f"line {axis_line}, column {j + 2}" for j in range(col_vals.size)]
    keep = duplicates == "keep"
    if _check_axis(p, row_vals, "row", row_where, keep):
        row_vals, values, lines_r = row_vals[::-1], values[::-1], lines_r[::-1]
    if _check_axis(p, col_vals, "column", col_where, keep):
        col_vals, values = col_vals[::-1], values[:, ::-1]
    nan_rows = np.flatnonzero(np.all(np.isnan(values), axis=1))
    if nan_rows.size:
        raise FormatError(p, "row has no values (all NaN)", line=lines_r[int(nan_rows[0])])
    nan_cols = np.flatnonzero(np.all(np.isnan(values), axis=0))
    if nan_cols.size:
        raise FormatError(
            p, f"column at axis value {col_vals[int(nan_cols[0])]:g} has no values (all NaN)"
        )
    if layout == "auto":
        layout = detect_matrix_layout(row_vals, col_vals, row_range, col_range)  # type: ignore[arg-type]
    if layout == "transposed":
        row_vals, col_vals, values = col_vals, row_vals, values.T
    corner = head_cells[0]
    attrs: dict[str, Any] = {
        "units": value_unit,
        "source": str(p),
        "reader": "matrix_text",
        "layout": layout,
    }
    if corner and not _is_number(corner, table.decimal_comma):
        attrs["corner_label"] = corner
    if table.header:
        attrs["header"] = "\n".join(t for _n, t in table.header)
    if table.footer:
        attrs["footer"] = "\n".join(t for _n, t in table.footer)
    return xr.DataArray(
        values,
        dims=(row_dim, col_dim),
        coords={
            row_dim: xr.Variable((row_dim,), row_vals, attrs={"units": row_unit}),
            col_dim: xr.Variable((col_dim,), col_vals, attrs={"units": col_unit}),
        },
        name=name,
        attrs=attrs,
    )


def _is_number(cell: str, decimal_comma: bool) -> bool:
    try:
        float(cell.replace(",", ".") if decimal_comma else cell)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- sniffing


def _sniff_table(head: bytes) -> TextTable | None:
    if not is_probably_text(head):
        return None
    text = head.decode("utf-8", errors="ignore")
    lines = text.splitlines()
    if len(head) >= 4096 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sniff window
    try:
        return split_table(Path("<sniff>"), lines)
    except (FormatError, ParameterError):
        return None


def _sniff_horiba(head: bytes) -> bool:
    return is_probably_text(head) and bool(_HORIBA_CAL.search(head.decode("utf-8", "ignore")))


def _sniff_decay(head: bytes) -> bool:
    table = _sniff_table(head)
    return table is not None and {len(r) for r in table.rows} <= {1, 2}


def _sniff_decays(head: bytes) -> bool:
    table = _sniff_table(head)
    names = table.header_cells() if table is not None else None
    if table is None or names is None or len(names) < 3:
        return False
    if any(_is_number(c, table.decimal_comma) for c in names):
        return False  # a numeric header row is a matrix axis, not decay names
    first = names[0]
    return bool(
        _CHANNEL_LABEL.match(first) or unit_from_label(first) or first.lower().startswith("time")
    )


register_reader("horiba_tcspc", "decay", (".txt",), _sniff_horiba)(read_horiba_tcspc)
register_reader("text_decay", "decay", TEXT_EXTENSIONS, _sniff_decay, generic=True)(read_text_decay)
register_reader("text_decays", "decays", TEXT_EXTENSIONS, _sniff_decays, generic=True)(
    read_text_decays
)

_TWO_THETA_LABEL = re.compile(r"2\s*-?\s*th|2\s*θ|two[\s_-]*theta|^angle", re.I)
_TIME_LABEL = re.compile(r"^\s*#?\s*(time|delay|lifetime)", re.I)
KIND_HINT = (
    "pass kind='decay' (time, counts), 'spectrum' (wavelength nm, energy eV or wavenumber "
    "cm-1), 'photoemission' (binding or kinetic energy) or 'xrd_pattern' (2θ), or name the "
    "first column in a header line such as 'Wavelength (nm),Intensity'"
)


def _is_time_label(label: str) -> bool:
    if _CHANNEL_LABEL.match(label) or _TIME_LABEL.match(label):
        return True
    unit = unit_from_label(label)
    if unit is None:
        return False
    try:
        scale_factor(normalize_unit(unit), "ns")
    except UnitError:
        return False
    return True


def guess_table_kind(path: Path, head: bytes) -> str | None:
    """The kind of data a plain numeric text table holds, from the label of its first column.

    ``"photoemission"`` (binding/kinetic energy: ``BE/eV``, ``E_kin``), ``"xrd_pattern"``
    (``2theta``, ``2θ``), ``"spectrum"`` (wavelength nm, energy eV, wavenumber cm⁻¹; also
    the Ocean Optics ``>>>>>Begin Spectral Data<<<<<`` marker), ``"decay"``/``"decays"``
    (time with a time unit, channel); a single numeric column is a ``"decay"`` (whose reader
    asks for the bin width). Used by :func:`heterolab.io.read` when no ``kind`` is given.

    Returns
    -------
    str or None
        None when the first bytes are not a numeric text table.

    Raises
    ------
    FormatError
        A table of two or more columns whose header names no known axis: the message says
        which ``kind=`` to pass.
    """
    from heterolab.io.spectra import axis_from_label, photoemission_axis_from_label

    table = _sniff_table(head)
    if table is None or not table.rows:
        return None
    n_cols = len(table.rows[0])
    names = table.header_cells()
    label = names[0] if names else None
    if label is None and table.header:  # "# 2theta I" style comment headers
        label = re.split(r"[\t,;]|\s{2,}|\s(?=\S+$)", table.header[-1][1].strip(), maxsplit=1)[0]
    header_text = "\n".join(t for _n, t in table.header).lower()
    if ">>>>>begin" in header_text and "spectral data" in header_text:
        return "spectrum"  # Ocean Optics SpectraSuite / OceanView export (wavelength in nm)
    if n_cols == 1:
        return "decay"
    if label is not None:
        clean = label.strip().lstrip("#").strip()
        if photoemission_axis_from_label(clean):
            return "photoemission"
        if _TWO_THETA_LABEL.search(clean):
            return "xrd_pattern"
        if _is_time_label(clean):
            return "decays" if n_cols > 2 and names is not None else "decay"
        if axis_from_label(clean):
            return "spectrum"
    why = (
        f"its first column is labelled {label.strip()!r}, which names no known axis"
        if label and label.strip()
        else "no header line names its first column"
    )
    raise FormatError(
        path, f"cannot tell what this {n_cols}-column table holds ({why}); {KIND_HINT}"
    )


def read_columns(path: str | PathLike[str], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The first ``len(names)`` numeric columns of a text table, by the given names.

    Any delimiter and decimal separator the shared parser detects (comma, semicolon, tab,
    whitespace; decimal point or comma); header and comment lines are skipped. Used for the
    small tables of campaigns (temperature series, stability series).

    Raises
    ------
    FormatError
        For no data, fewer columns than ``names``, a ragged row or a non-numeric cell, naming
        the file and line.
    """
    path = Path(path)
    table = split_table(path, read_lines(path))
    if not table.rows:
        raise FormatError(path, f"no numeric data rows; needs columns {', '.join(names)}")
    data = parse_rows(table)
    if data.shape[1] < len(names):
        raise FormatError(
            path,
            f"needs {len(names)} numeric columns ({', '.join(names)}), found {data.shape[1]}",
            line=table.line_numbers[0],
        )
    return {n: data[:, i] for i, n in enumerate(names)}
