"""2D detector images to patterns and maps through pyFAI (Kieffer & Karkoulis, J. Phys. Conf.
Ser. 425, 202012 (2013)).

- :func:`integrate_1d`: azimuthal integration to I(2θ) or I(q) (transmission geometry), returned
  as a pattern that :func:`heterolab.structure.xrd.fit_peaks` takes.
- :func:`cake`: I(q, χ) ("cake") map.
- :func:`fibre_map`: grazing-incidence q_xy–q_z map with pyFAI's fibre integrator
  (incidence angle and tilt as parameters; the fibre axis is the sample normal).

The geometry comes from the image's ``attrs["geometry"]`` (a PONI read by
:func:`heterolab.io.xrd.read_detector_image`); the pixels must already have the PONI's
orientation (the reader's explicit ``flip``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import xarray as xr

from heterolab.arrays import pattern_dataarray
from heterolab.errors import ParameterError
from heterolab.structure.giwaxs.choices import MapKind

__all__ = ["MapKind", "azimuthal_integrator", "cake", "fibre_map", "integrate_1d"]

UNITS_1D = {"2th_deg": ("two_theta", "deg"), "q_A^-1": ("q", "1/angstrom")}


def _geometry(image: xr.DataArray) -> dict[str, Any]:
    """The image's PONI geometry, checked: a 2D image, distance (m), wavelength (m) and pixel
    sizes (m) finite and positive, PONI and rotations finite. Every problem is listed."""
    geo = image.attrs.get("geometry")
    if not geo:
        raise ParameterError(
            "the image has no geometry: read it with read_detector_image(path, poni=...)"
        )
    problems = []
    if image.ndim != 2:
        problems.append(f"the image must be 2D, got dims {image.dims}")
    cfg = geo.get("detector_config") or {}
    positive = {"dist": geo.get("dist"), "wavelength": geo.get("wavelength")}
    positive.update({k: cfg.get(k) for k in ("pixel1", "pixel2")})
    for key, value in positive.items():
        if not _finite(value) or not float(value) > 0:
            problems.append(f"{key} must be a positive number (m), got {value!r}")
    for key in ("poni1", "poni2", "rot1", "rot2", "rot3"):
        if not _finite(geo.get(key)):
            problems.append(f"{key} must be a finite number, got {geo.get(key)!r}")
    if problems:
        raise ParameterError("bad detector geometry: " + "; ".join(problems))
    return dict(geo)


def _finite(value: Any) -> bool:
    """True for a real finite number."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _check_bins(**counts: Any) -> None:
    """Every number of bins is an integer of at least 2."""
    bad = [f"{k} = {v!r}" for k, v in counts.items() if not (isinstance(v, int) and v >= 2)]
    if bad:
        raise ParameterError(f"numbers of bins must be integers >= 2: {', '.join(bad)}")


def azimuthal_integrator(image: xr.DataArray, fibre: bool = False) -> Any:
    """A pyFAI AzimuthalIntegrator (or FiberIntegrator) for the image's PONI geometry.

    Integrators are kept per (geometry, image shape, kind) so that pyFAI's look-up tables are
    built once per geometry, as in pyFAI's own warm timings (a pure cache: same inputs, same
    integrator).
    """
    geo = _geometry(image)
    key = (json.dumps(geo, sort_keys=True, default=str), tuple(image.shape), fibre)
    if key not in _INTEGRATORS:
        if len(_INTEGRATORS) >= 8:
            _INTEGRATORS.pop(next(iter(_INTEGRATORS)))
        _INTEGRATORS[key] = _new_integrator(geo, tuple(image.shape), fibre)
    return _INTEGRATORS[key]


_INTEGRATORS: dict[tuple[str, tuple[int, ...], bool], Any] = {}


def _new_integrator(geo: dict[str, Any], shape: tuple[int, ...], fibre: bool) -> Any:
    from pyFAI.detectors import Detector

    cfg = geo.get("detector_config") or {}
    det = Detector(pixel1=cfg.get("pixel1"), pixel2=cfg.get("pixel2"), max_shape=shape)
    kw = {k: geo[k] for k in ("dist", "poni1", "poni2", "rot1", "rot2", "rot3", "wavelength")}
    if fibre:
        from pyFAI.integrator.fiber import FiberIntegrator

        return FiberIntegrator(detector=det, **kw)
    from pyFAI.integrator.azimuthal import AzimuthalIntegrator

    return AzimuthalIntegrator(detector=det, **kw)


def _data_mask(image: xr.DataArray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray(image.values, dtype=np.float64)
    bad = ~np.isfinite(data)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != data.shape:
            raise ParameterError(f"mask shape {m.shape} differs from the image {data.shape}")
        bad |= m
    if bad.all():
        raise ParameterError("every pixel of the image is masked or not finite")
    return np.where(bad, 0.0, data), bad


def integrate_1d(
    image: xr.DataArray,
    *,
    npt: int = 2000,
    unit: str = "2th_deg",
    mask: np.ndarray | None = None,
    radial_range: tuple[float, float] | None = None,
    polarization_factor: float | None = None,
    method: str = "csr",
) -> xr.DataArray:
    """Azimuthally integrated pattern I(2θ) (deg) or I(q) (Å⁻¹) of a detector image.

    Masked pixels: NaN pixels of the image (the reader's negative-pixel mask) and ``mask``.
    Errors: Poisson variance propagated by pyFAI (``error_model="poisson"``).

    Returns
    -------
    xarray.DataArray
        For ``"2th_deg"`` a :func:`heterolab.arrays.pattern_dataarray` (``two_theta``, ``sigma``,
        ``wavelength_angstrom``); for ``"q_A^-1"`` the same with dim ``q``.
    """
    if unit not in UNITS_1D:
        raise ParameterError(f"unknown unit {unit!r}; use one of {', '.join(UNITS_1D)}")
    _check_bins(npt=npt)
    ai = azimuthal_integrator(image)
    data, bad = _data_mask(image, mask)
    res = ai.integrate1d(
        data,
        npt,
        unit=unit,
        mask=bad,
        radial_range=radial_range,
        polarization_factor=polarization_factor,
        error_model="poisson",
        method=("bbox", method, "cython"),
    )
    x = np.asarray(res.radial, dtype=float)
    y = np.asarray(res.intensity, dtype=float)
    s = np.asarray(res.sigma, dtype=float) if res.sigma is not None else np.sqrt(np.abs(y))
    lam = float(_geometry(image)["wavelength"]) * 1e10
    attrs = {
        "source": image.attrs.get("source", ""),
        "reader": "pyfai_integrate1d",
        "flip": image.attrs.get("flip", "none"),
        "errors": "poisson (pyFAI)",
    }
    keep = np.isfinite(y) & (x > 0)
    if "count" in dir(res) and res.count is not None:
        keep &= np.asarray(res.count) > 0
    if keep.sum() < 2:
        raise ParameterError(
            f"no pixel of the image falls in radial_range {radial_range} ({unit})"
            if radial_range is not None
            else "no pixel of the image could be integrated"
        )
    if unit == "2th_deg":
        return pattern_dataarray(
            x[keep], y[keep], sigma=s[keep], units="counts", wavelength_angstrom=lam, attrs=attrs
        )
    return xr.DataArray(
        y[keep],
        dims=("q",),
        coords={
            "q": xr.Variable(("q",), x[keep], attrs={"units": "1/angstrom"}),
            "sigma": xr.Variable(("q",), s[keep], attrs={"units": "counts"}),
        },
        name="intensity",
        attrs={"units": "counts", "wavelength_angstrom": lam, **attrs},
    )


def cake(
    image: xr.DataArray,
    *,
    npt_rad: int = 500,
    npt_azim: int = 360,
    mask: np.ndarray | None = None,
    method: str = "csr",
) -> xr.DataArray:
    """I(χ, q) map: dims ``("chi", "q")``, χ in deg (pyFAI convention), q in Å⁻¹.

    Empty bins (no pixel) are NaN.
    """
    _check_bins(npt_rad=npt_rad, npt_azim=npt_azim)
    ai = azimuthal_integrator(image)
    data, bad = _data_mask(image, mask)
    res = ai.integrate2d(
        data,
        npt_rad,
        npt_azim,
        unit="q_A^-1",
        mask=bad,
        method=("bbox", method, "cython"),
        dummy=np.nan,
    )
    inten = np.asarray(res.intensity, dtype=float)
    count = getattr(res, "count", None)
    if count is not None:  # pyFAI's csr engine returns 0, not the dummy, for empty bins
        inten = np.where(np.asarray(count) > 0, inten, np.nan)
    return xr.DataArray(
        inten,
        dims=("chi", "q"),
        coords={
            "chi": xr.Variable(("chi",), np.asarray(res.azimuthal, float), attrs={"units": "deg"}),
            "q": xr.Variable(("q",), np.asarray(res.radial, float), attrs={"units": "1/angstrom"}),
        },
        name="intensity",
        attrs={"units": "counts", "source": image.attrs.get("source", ""), "map": "cake"},
    )


def fibre_map(
    image: xr.DataArray,
    *,
    incidence_angle_deg: float = 0.2,
    tilt_angle_deg: float = 0.0,
    sample_orientation: int = 1,
    npt: tuple[int, int] = (500, 500),
    mask: np.ndarray | None = None,
) -> xr.DataArray:
    """Grazing-incidence q_xy–q_z map through pyFAI's fibre integrator.

    Parameters
    ----------
    incidence_angle_deg, tilt_angle_deg
        Incidence angle α_i and sample tilt (deg).
    sample_orientation
        pyFAI's sample orientation (1–8, EXIF-like; 1: the sample normal along the image's
        vertical).
    npt
        (in-plane, out-of-plane) bins.

    Returns
    -------
    xarray.DataArray
        dims ``("q_z", "q_xy")`` in Å⁻¹.
    """
    if not -90 < incidence_angle_deg < 90:
        raise ParameterError(
            f"incidence angle must lie in (-90, 90) deg, got {incidence_angle_deg}"
        )
    _check_bins(npt_ip=npt[0], npt_oop=npt[1])
    fi = azimuthal_integrator(image, fibre=True)
    data, bad = _data_mask(image, mask)
    res = fi.integrate2d_grazing_incidence(
        data,
        npt_ip=npt[0],
        npt_oop=npt[1],
        unit_ip="qip_A^-1",
        unit_oop="qoop_A^-1",
        incident_angle=math.radians(incidence_angle_deg),
        tilt_angle=math.radians(tilt_angle_deg),
        sample_orientation=sample_orientation,
        mask=bad,
        dummy=np.nan,
    )
    return xr.DataArray(
        np.asarray(res.intensity, dtype=float),
        dims=("q_z", "q_xy"),
        coords={
            "q_z": xr.Variable(
                ("q_z",), np.asarray(res.outofplane, float), attrs={"units": "1/angstrom"}
            ),
            "q_xy": xr.Variable(
                ("q_xy",), np.asarray(res.inplane, float), attrs={"units": "1/angstrom"}
            ),
        },
        name="intensity",
        attrs={
            "units": "counts",
            "incidence_angle_deg": incidence_angle_deg,
            "tilt_angle_deg": tilt_angle_deg,
            "map": "fibre",
        },
    )
