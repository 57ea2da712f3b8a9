"""Microscopy images with their calibration: DigitalMicrograph (dm3/dm4), Velox/Berkeley EMD,
TIA ser, HyperSpy hspy/hdf5 and TIFF, read with RosettaSciIO (tifffile for TIFF).

Every image comes back as :func:`heterolab.arrays.image_dataarray` (dims ``("y", "x")``,
coordinates in nm for real-space images or 1/nm for diffraction patterns). The pixel size and
its unit come from the file; when the file does not state a length unit (an uncalibrated TIFF,
a HyperSpy file saved without units) the reader refuses rather than assume one — pass
``pixel_size=`` and ``unit=``. (2-D X-ray detector images are read in :mod:`heterolab.io.xrd`.)
"""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.arrays import image_dataarray
from heterolab.errors import FormatError, ParameterError
from heterolab.io.registry import register_reader

__all__ = ["IMAGE_EXTENSIONS", "normalize_length_unit", "read_microscopy_image"]

_PLUGINS = {
    ".dm3": "rsciio.digitalmicrograph",
    ".dm4": "rsciio.digitalmicrograph",
    ".emd": "rsciio.emd",
    ".ser": "rsciio.tia",
    ".hspy": "rsciio.hspy",
    ".hdf5": "rsciio.hspy",
    ".h5": "rsciio.hspy",
    ".tif": "rsciio.tiff",
    ".tiff": "rsciio.tiff",
}
IMAGE_EXTENSIONS = tuple(_PLUGINS)

# length units -> nm; reciprocal units -> 1/nm
_REAL = {
    "nm": 1.0,
    "µm": 1e3,
    "μm": 1e3,
    "um": 1e3,
    "å": 0.1,
    "a": 0.1,
    "angstrom": 0.1,
    "pm": 1e-3,
    "mm": 1e6,
    "m": 1e9,
}
_RECIP = {
    "1/nm": 1.0,
    "nm^-1": 1.0,
    "nm-1": 1.0,
    "1/å": 10.0,
    "1/a": 10.0,
    "å^-1": 10.0,
    "1/µm": 1e-3,
    "1/um": 1e-3,
    "1/pm": 1e3,
    "1/m": 1e-9,
}


def normalize_length_unit(unit: str | None) -> tuple[float, str, str] | None:
    """``(factor, unit, space)`` converting ``unit`` to nm (real) or 1/nm (reciprocal).

    ``None`` for a missing or non-length unit (``"px"``, ``"<undefined>"``, ``""``).

    Examples
    --------
    >>> normalize_length_unit("Å"), normalize_length_unit("1/nm"), normalize_length_unit("px")
    ((0.1, 'nm', 'real'), (1.0, '1/nm', 'reciprocal'), None)
    """
    if unit is None:
        return None
    u = str(unit).strip().lower().replace(" ", "")
    if u in _REAL:
        return _REAL[u], "nm", "real"
    if u in _RECIP:
        return _RECIP[u], "1/nm", "reciprocal"
    return None


def _load(p: Path) -> list[dict[str, Any]]:
    import gc
    import importlib
    import warnings

    ext = p.suffix.lower()
    if ext not in _PLUGINS:
        raise FormatError(p, f"not a microscopy image type ({', '.join(IMAGE_EXTENSIONS)})")
    if not p.is_file():
        raise FormatError(p, "file not found")
    mod = importlib.import_module(_PLUGINS[ext])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return list(mod.file_reader(str(p)))
        except Exception as exc:  # the plugins raise bare errors on damaged files
            problem = f"unreadable ({type(exc).__name__}: {exc})"
        # a plugin that failed half-way leaves its file handle to the collector: close it
        gc.collect(1)  # here, where its ResourceWarning is ignored (young objects only: fast)
    raise FormatError(p, problem)


def read_microscopy_image(
    path: str | PathLike[str],
    *,
    pixel_size: float | None = None,
    unit: str | None = None,
    index: int = 0,
) -> xr.DataArray:
    """One calibrated 2-D image from a microscopy file.

    Parameters
    ----------
    path
        ``.dm3 .dm4 .emd .ser .hspy .hdf5 .h5 .tif .tiff``.
    pixel_size, unit
        Calibration to use instead of the file's (both or neither); ``unit`` a length
        (``"nm"``, ``"Å"``) or inverse length (``"1/nm"``).
    index
        Which signal of a multi-signal file (EMD with several detectors; 0-based).

    Raises
    ------
    FormatError
        Unreadable file, no 2-D image, or no length calibration in the file and none given.
    ParameterError
        Only one of ``pixel_size``/``unit``, an unknown unit, or ``index`` out of range.
    """
    p = Path(path)
    if (pixel_size is None) != (unit is None):
        raise ParameterError("pass both pixel_size= and unit= (e.g. 0.0093, 'nm'), or neither")
    signals = [s for s in _load(p) if np.asarray(s.get("data")).ndim >= 2]
    if not signals:
        raise FormatError(p, "holds no 2-D image")
    if not 0 <= index < len(signals):
        raise ParameterError(f"{p}: index {index} out of range 0..{len(signals) - 1}")
    sig = signals[index]
    data = np.asarray(sig["data"])
    if data.ndim > 2:
        raise FormatError(p, f"signal {index} is a stack of shape {data.shape}, not one image")
    if min(data.shape) < 2:
        raise FormatError(p, f"signal {index} has shape {data.shape}: not an image")
    axes = sig.get("axes", [])[-2:]
    attrs: dict[str, Any] = {
        "source_file": str(p),
        "reader": "microscopy_image",
        "title": str(sig.get("metadata", {}).get("General", {}).get("title", "")),
    }
    if unit is not None:
        conv = normalize_length_unit(unit)
        if conv is None:
            raise ParameterError(
                f"unit {unit!r} is not a length or inverse length (nm, Å, 1/nm, …)"
            )
        factor, norm_unit, space = conv
        size = (float(pixel_size) * factor,) * 2  # type: ignore[arg-type]
        attrs["calibration"] = "user"
    else:
        if p.suffix.lower() in (".tif", ".tiff") and all(ax.get("units") is None for ax in axes):
            axes = _imagej_axes(p, axes)
        file_units = [ax.get("units") for ax in axes]
        convs = [normalize_length_unit(u if isinstance(u, str) else None) for u in file_units]
        if len(axes) != 2 or any(c is None for c in convs):
            raise FormatError(
                p,
                f"no length calibration stored (axis units {file_units}); pass pixel_size= and "
                "unit= (command line: --pixel-size, --unit) — the pixel size is never assumed",
            )
        if convs[0][1] != convs[1][1]:  # type: ignore[index]
            raise FormatError(p, f"axes in different units {file_units}")
        scales = [
            float(ax.get("scale", math.nan)) * c[0] for ax, c in zip(axes, convs, strict=True)
        ]  # type: ignore[index]
        if not all(math.isfinite(s) and s > 0 for s in scales):
            raise FormatError(p, f"pixel size {scales} is not a positive number")
        size = (scales[0], scales[1])
        norm_unit, space = convs[0][1], convs[0][2]  # type: ignore[index]
        attrs["calibration"] = "file"
    return image_dataarray(data.astype(float), size, norm_unit, space=space, attrs=attrs)


def _imagej_axes(p: Path, axes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ImageJ's ``unit`` (e.g. ``nm``), which RosettaSciIO leaves out, read with tifffile."""
    import tifffile

    with tifffile.TiffFile(p) as tif:
        meta = tif.imagej_metadata or {}
    u = meta.get("unit")
    if not isinstance(u, str) or normalize_length_unit(u.replace("micron", "µm")) is None:
        return axes
    return [{**ax, "units": u.replace("micron", "µm")} for ax in axes]


def _sniff_dm(head: bytes) -> bool:
    """DigitalMicrograph dm3/dm4 magic, or a TIFF written by ImageJ/Fiji (its description,
    which carries the calibration unit, sits in the first bytes): a micrograph. Other TIFFs
    without ``kind`` go to the detector-image reader (:mod:`heterolab.io.xrd`)."""
    if head[:4] in (b"\x00\x00\x00\x03", b"\x00\x00\x00\x04"):
        return True
    return head[:4] in (b"II*\x00", b"MM\x00*") and b"ImageJ=" in head


register_reader("microscopy_image", "image", IMAGE_EXTENSIONS, _sniff_dm)(read_microscopy_image)
