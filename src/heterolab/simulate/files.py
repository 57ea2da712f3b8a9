"""Write simulated arrays as the plain-text files heterolab's io readers read.

- decays: two columns with a header ``time (ns),counts`` (read by ``heterolab.io.read(...,
  kind="decay")``);
- TA matrices: delays down the first column, wavelengths in the first row, top-left cell
  ``time (ps)`` (read by ``kind="ta"``);
- spectra and 1-D patterns: two columns ``<axis> (<unit>),<values>``;
- images: a plain comma-separated grid (rows = y), coordinates in the truth file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError

__all__ = ["write_array"]

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


def write_array(da: xr.DataArray, path: str | Path) -> Path:
    """Write ``da`` in the text layout matching its dims (see module docstring); return path."""
    p = Path(path)
    if da.ndim == 1:
        _two_columns(da, p)
    elif da.dims == ("time", "wavelength"):
        _matrix(da, p)
    elif da.ndim == 2:
        np.savetxt(p, da.values, delimiter=",", fmt=_FMT)
    else:
        raise ParameterError(f"no text layout for a {da.ndim}-D array with dims {da.dims}")
    return p
