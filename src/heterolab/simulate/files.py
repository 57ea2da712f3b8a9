"""Write simulated arrays as the plain-text files heterolab's io readers read.

- decays: two columns with a header ``time (ns),counts`` (read by ``heterolab.io.read(...,
  kind="decay")``);
- TA matrices: delays down the first column, wavelengths in the first row, top-left cell
  ``time (ps)`` (read by ``kind="ta"``);
- spectra and 1-D patterns: two columns ``<axis> (<unit>),<values>``;
- images (dims ``("y", "x")`` in nm): an ImageJ TIFF (float32) whose resolution tags and
  ``unit=nm`` carry the pixel size, read as a calibrated image by
  :func:`heterolab.io.images.read_microscopy_image` (``tifffile``, the ``structure`` extra).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError

__all__ = ["file_suffix", "write_array"]

_FMT = "%.10g"


def _two_columns(da: xr.DataArray, path: Path) -> None:
    dim = da.dims[0]
    unit = da[dim].attrs.get("units", "")
    header = f"{dim} ({unit}),{da.attrs.get('units', da.name)}" if unit else f"{dim},{da.name}"
    if da.name == "counts" and dim == "time":
        header = f"time ({unit}),counts"
    table = np.column_stack([da[dim].values, da.values])
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt=_FMT)


def _matrix(da: xr.DataArray, path: Path) -> None:
    if da.dims != ("time", "wavelength"):
        raise ParameterError(f"TA matrix must have dims ('time', 'wavelength'), got {da.dims}")
    unit = da["time"].attrs.get("units", "ps")
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"time ({unit})," + ",".join(_FMT % w for w in da["wavelength"].values) + "\n")
        for t, row in zip(da["time"].values, da.values, strict=True):
            fh.write(_FMT % t + "," + ",".join(_FMT % v for v in row) + "\n")


def _pixel_nm(da: xr.DataArray) -> float:
    """Pixel size (nm) of an image with equally spaced ``x``/``y`` coordinates in nm."""
    steps = []
    for dim in ("y", "x"):
        if da[dim].attrs.get("units") != "nm" or da.sizes[dim] < 2:
            raise ParameterError(f"image axis {dim!r} must be in nm with at least 2 pixels")
        steps.append(np.diff(da[dim].values))
    step = float(steps[1][0])
    if not all(np.allclose(s, step, rtol=1e-9) for s in steps):
        raise ParameterError("image pixels must be square and equally spaced")
    return step


def _imagej_tiff(da: xr.DataArray, path: Path) -> None:
    """ImageJ TIFF: float32 values, pixel size as resolution (pixels per nm), unit nm."""
    try:
        import tifffile
    except ImportError:
        raise ParameterError(
            "writing a simulated image needs tifffile: pip install 'heterolab[structure]'"
        ) from None
    px = _pixel_nm(da)
    tifffile.imwrite(
        path,
        np.asarray(da.values, dtype=np.float32),
        imagej=True,
        resolution=(1.0 / px, 1.0 / px),
        metadata={"unit": "nm"},
    )


def file_suffix(da: xr.DataArray) -> str:
    """Suffix of the file :func:`write_array` writes for ``da``: ``.tif`` for images, else
    ``.csv``."""
    return ".tif" if da.dims == ("y", "x") else ".csv"


def write_array(da: xr.DataArray, path: str | Path) -> Path:
    """Write ``da`` in the layout matching its dims (see module docstring); return the path.

    The suffix of ``path`` is replaced by :func:`file_suffix` (an image is always a TIFF).
    """
    p = Path(path).with_suffix(file_suffix(da))
    if da.ndim == 1:
        _two_columns(da, p)
    elif da.dims == ("time", "wavelength"):
        _matrix(da, p)
    elif da.dims == ("y", "x"):
        _imagej_tiff(da, p)
    else:
        raise ParameterError(f"no text layout for a {da.ndim}-D array with dims {da.dims}")
    return p
