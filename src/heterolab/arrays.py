"""Building the standard TRPL DataArrays (one decay, several decays, FLIM image).

Conventions (see :mod:`heterolab.io`): values named ``counts`` in float64 with
``attrs["units"] = "counts"``; the ``time`` coord holds bin start times with its own
``units`` attr; ``attrs`` carry ``source``, ``reader``, ``bin_width`` (in the time unit) and
instrument metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.units import normalize_unit, scale_factor

__all__ = [
    "bin_width_of",
    "capture_log",
    "decay_dataarray",
    "histogram_time_axis",
    "select_decay",
]


def bin_width_of(t: np.ndarray) -> tuple[float, bool]:
    """Bin width of a time axis and whether the bins are uniform (1e-6 relative).

    For uniform bins the width is (t[-1] - t[0]) / (n - 1), free of per-bin rounding;
    otherwise the median spacing.
    """
    if t.size < 2:
        return float("nan"), True
    d = np.diff(t)
    w = float(np.median(d))
    tol = max(1e-6 * abs(w), 1e-9 * float(t[-1] - t[0]))
    uniform = bool(np.all(np.abs(d - w) <= tol))
    if uniform:
        w = float((t[-1] - t[0]) / (t.size - 1))
    return w, uniform


def histogram_time_axis(
    n_bins: int, bin_width: float, width_unit: str, time_unit: str
) -> np.ndarray:
    """Bin start times k * bin_width (k = 0 .. n_bins-1) converted to ``time_unit``."""
    return np.arange(n_bins, dtype=float) * (bin_width * scale_factor(width_unit, time_unit))


def decay_dataarray(
    counts: np.ndarray,
    time: np.ndarray,
    time_unit: str,
    attrs: dict[str, Any],
    *,
    leading: tuple[tuple[str, np.ndarray], ...] = (),
) -> xr.DataArray:
    """A ``counts`` DataArray with dims ``(*leading dims, "time")``.

    Parameters
    ----------
    counts
        Counts, last axis = time.
    time
        Bin start times in ``time_unit``.
    time_unit
        Unit of ``time``.
    attrs
        ``source``, ``reader`` and metadata; ``units``, ``bin_width`` and ``uniform_bins``
        are filled in here.
    leading
        ``(dim, coord values)`` pairs for the axes before time, e.g. ``(("decay", labels),)``
        or ``(("y", ys), ("x", xs))``.
    """
    unit = normalize_unit(time_unit)
    width, uniform = bin_width_of(np.asarray(time, dtype=float))
    base: dict[str, Any] = {"units": "counts", "bin_width": width, "uniform_bins": uniform}
    base.update(attrs)
    coords: dict[str, Any] = {
        "time": xr.Variable(("time",), np.asarray(time, dtype=float), attrs={"units": unit})
    }
    for dim, values in leading:
        coords[dim] = (dim, np.asarray(values))
    dims = (*[d for d, _v in leading], "time")
    return xr.DataArray(
        np.asarray(counts, dtype=float), dims=dims, coords=coords, name="counts", attrs=base
    )


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def capture_log(name: str) -> Iterator[list[str]]:
    """Collect WARNING+ messages of logger ``name`` instead of letting them reach stderr.

    The messages are yielded as a list filled during the ``with`` block, so a reader can put
    them into ``attrs["reader_warnings"]`` where the user sees them.
    """
    logger = logging.getLogger(name)
    handler = _ListHandler()
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


def select_decay(
    decays: xr.DataArray, which: int | str | None, word: str, path: Path
) -> xr.DataArray:
    """One curve of a ``("decay", "time")`` array by label ``f"{word} {which}"``, ``"sum"``,
    or the only curve when ``which`` is None (ParameterError listing the curves otherwise)."""
    labels = [str(v) for v in decays["decay"].values]
    if which is None:
        if len(labels) != 1:
            raise ParameterError(
                f"{path} has {len(labels)} curves ({', '.join(labels)}); pass {word}= one of "
                f"them or 'sum', or use read_decays"
            )
        out = decays.isel(decay=0, drop=True)
    elif which == "sum":
        out = decays.sum("decay", keep_attrs=True)
        out.attrs[word] = "sum of " + ", ".join(labels)
    else:
        label = f"{word} {which}"
        if label not in labels:
            raise ParameterError(f"{path}: no {label!r}; the file has {', '.join(labels)}")
        out = decays.sel(decay=label, drop=True)
        out.attrs[word] = which
    out.name = "counts"
    out.attrs["reader"] = decays.attrs["reader"].removesuffix("s")
    return out
