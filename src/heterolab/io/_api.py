"""Format-independent entry points: read a decay, several decays or a FLIM image from any file.

Each function picks the registered reader for its kind (``"decay"``, ``"decays"``,
``"flim"``) by content sniffing, then extension (see :func:`heterolab.io.read`), and passes
on only the options that were given, so format-specific options (``channel=`` for PTU,
``curve=`` for SDT, ``counts_column=`` for text) reach the reader that understands them.
"""

from __future__ import annotations

from os import PathLike
from typing import Any

from heterolab.errors import ParameterError
from heterolab.io.registry import read

__all__ = ["read_decay", "read_decays", "read_flim"]


def _given(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def _read(path: str | PathLike[str], kind: str, options: dict[str, Any]) -> Any:
    """``read`` with an option the chosen reader does not take reported as ParameterError."""
    try:
        return read(path, kind=kind, **options)
    except TypeError as exc:
        if "unexpected keyword argument" not in str(exc):
            raise
        name = str(exc).split("argument")[-1].strip()
        raise ParameterError(
            f"{path}: option {name} does not apply to the reader for this file ({exc})"
        ) from None


def read_decay(
    path: str | PathLike[str],
    *,
    time_unit: str = "ns",
    time_column: int | str | None = None,
    counts_column: int | str | None = None,
    **options: Any,
) -> Any:
    """Read one TRPL decay histogram from a text, Horiba, PicoQuant (.phu/.ptu), B&H (.sdt)
    or heterolab HDF5 file.

    Parameters
    ----------
    path
        The file.
    time_unit
        Unit of the returned time axis (default ns).
    time_column, counts_column
        Column index or header name (text files only).
    **options
        Reader-specific options, e.g. ``channel`` (PTU/PHU), ``curve`` (SDT),
        ``bin_width``/``file_time_unit``/``delimiter``/``decimal`` (text).

    Returns
    -------
    xarray.DataArray
        ``counts`` with dim ``time`` (coord units ``time_unit``), attrs ``units="counts"``,
        ``source``, ``reader``, ``bin_width`` and any instrument metadata read.

    Raises
    ------
    FormatError
        The file is missing, unrecognised, or invalid (named with line or byte offset).
    ParameterError
        An option does not apply (e.g. a multi-channel file without ``channel``).
    """
    opts = _given({"time_column": time_column, "counts_column": counts_column, **options})
    return _read(path, "decay", {"time_unit": time_unit, **opts})


def read_decays(path: str | PathLike[str], *, time_unit: str = "ns", **options: Any) -> Any:
    """Read several decays sharing a time axis (multi-column text, SDT curves, PTU channels).

    Returns
    -------
    xarray.DataArray
        ``counts`` with dims ``("decay", "time")`` and a ``decay`` coord of labels.
    """
    return _read(path, "decays", {"time_unit": time_unit, **_given(options)})


def read_flim(path: str | PathLike[str], *, time_unit: str = "ns", **options: Any) -> Any:
    """Read a FLIM image (PTU T3 image, SDT image, heterolab HDF5).

    Returns
    -------
    xarray.DataArray
        ``counts`` with dims ``("y", "x", "time")`` (channels summed unless ``channel`` is
        given; see the reader).
    """
    return _read(path, "flim", {"time_unit": time_unit, **_given(options)})
