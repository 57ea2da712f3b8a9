"""The calibration of an image DataArray: pixel size and unit, never assumed."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError

__all__ = ["calibration"]


def calibration(image: xr.DataArray) -> tuple[float, str]:
    """``(pixel_size, unit)`` of a ``("y", "x")`` image.

    From ``attrs["pixel_size"]``/``["pixel_unit"]`` (:func:`heterolab.arrays.image_dataarray`),
    else from evenly spaced ``x``/``y`` coordinates that carry a ``units`` attribute.

    Raises
    ------
    ParameterError
        Not a 2-D ``("y", "x")`` array, non-square pixels, or no stated calibration.
    """
    if not isinstance(image, xr.DataArray) or image.dims != ("y", "x"):
        raise ParameterError(
            "the image must be a DataArray with dims ('y', 'x') (heterolab.arrays.image_dataarray)"
        )
    px = image.attrs.get("pixel_size")
    unit = image.attrs.get("pixel_unit")
    if px is not None and unit:
        py = float(image.attrs.get("pixel_size_y", px))
        if abs(py - float(px)) > 1e-6 * float(px):
            raise ParameterError(f"non-square pixels ({py} × {px}) are not supported")
        if math.isfinite(float(px)) and float(px) > 0:
            return float(px), str(unit)
    steps = []
    for dim in ("y", "x"):
        c = image[dim]
        u = c.attrs.get("units")
        v = np.asarray(c.values, dtype=float)
        if not u or v.size < 2:
            break
        d = np.diff(v)
        if not np.allclose(d, d[0], rtol=1e-6) or d[0] <= 0:
            break
        steps.append((float(d[0]), str(u)))
    if len(steps) == 2 and steps[0][1] == steps[1][1]:
        if abs(steps[0][0] - steps[1][0]) > 1e-6 * steps[1][0]:
            raise ParameterError(
                f"non-square pixels ({steps[0][0]} × {steps[1][0]}) are not supported"
            )
        return steps[1][0], steps[1][1]
    raise ParameterError(
        "the image states no pixel size (attrs['pixel_size'] and 'pixel_unit', or x/y "
        "coordinates with units); it is never assumed"
    )
