"""Units: conversion factors between the practical units heterolab accepts, and constants.

heterolab computes in SI internally where physics demands it and exchanges practical units at
its boundaries (ns for TRPL, ps for TA, nm, eV, ...). Every array carries its unit in
``attrs["units"]``; every scalar result carries it in :class:`heterolab.result.Quantity`.
Conversions go through :func:`convert` so that no factor of 1e-9 is ever written twice.

Constants are CODATA 2018 from :mod:`scipy.constants`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import constants as _c

from heterolab.errors import UnitError

__all__ = [
    "C_LIGHT",
    "EPS0",
    "E_CHARGE",
    "HBAR",
    "HC_EV_NM",
    "H_PLANCK",
    "K_B",
    "K_B_EV",
    "M_E",
    "N_A",
    "convert",
    "dimension_of",
    "energy_ev_to_wavelength_nm",
    "normalize_unit",
    "scale_factor",
    "wavelength_nm_to_energy_ev",
]

E_CHARGE: float = _c.e  #: elementary charge [C]
H_PLANCK: float = _c.h  #: Planck constant [J s]
HBAR: float = _c.hbar  #: reduced Planck constant [J s]
K_B: float = _c.k  #: Boltzmann constant [J/K]
K_B_EV: float = _c.k / _c.e  #: Boltzmann constant [eV/K]
M_E: float = _c.m_e  #: electron rest mass [kg]
C_LIGHT: float = _c.c  #: speed of light [m/s]
EPS0: float = _c.epsilon_0  #: vacuum permittivity [F/m]
N_A: float = _c.N_A  #: Avogadro constant [1/mol]
HC_EV_NM: float = _c.h * _c.c / _c.e * 1e9  #: h c = 1239.842 eV nm

# Linear units: name -> (dimension, factor to the dimension's SI base unit).
_LINEAR: dict[str, tuple[str, float]] = {
    # time
    "s": ("time", 1.0),
    "ms": ("time", 1e-3),
    "us": ("time", 1e-6),
    "ns": ("time", 1e-9),
    "ps": ("time", 1e-12),
    "fs": ("time", 1e-15),
    # rate
    "1/s": ("rate", 1.0),
    "1/ms": ("rate", 1e3),
    "1/us": ("rate", 1e6),
    "1/ns": ("rate", 1e9),
    "1/ps": ("rate", 1e12),
    "1/fs": ("rate", 1e15),
    # length
    "m": ("length", 1.0),
    "cm": ("length", 1e-2),
    "mm": ("length", 1e-3),
    "um": ("length", 1e-6),
    "nm": ("length", 1e-9),
    "angstrom": ("length", 1e-10),
    "pm": ("length", 1e-12),
    # energy
    "J": ("energy", 1.0),
    "eV": ("energy", _c.e),
    "meV": ("energy", 1e-3 * _c.e),
    # diffusion coefficient
    "m^2/s": ("diffusivity", 1.0),
    "cm^2/s": ("diffusivity", 1e-4),
    # mobility
    "m^2/(V s)": ("mobility", 1.0),
    "cm^2/(V s)": ("mobility", 1e-4),
    # temperature (absolute only)
    "K": ("temperature", 1.0),
    # number density
    "1/m^3": ("density", 1.0),
    "1/cm^3": ("density", 1e6),
    # optical density
    "OD": ("absorbance", 1.0),
    "mOD": ("absorbance", 1e-3),
    # dimensionless
    "1": ("dimensionless", 1.0),
    "%": ("dimensionless", 1e-2),
    # angle
    "deg": ("angle", np.pi / 180.0),
    "rad": ("angle", 1.0),
    # counts
    "counts": ("counts", 1.0),
}

_ALIASES: dict[str, str] = {
    "sec": "s",
    "second": "s",
    "seconds": "s",
    "µs": "us",
    "μs": "us",
    "microsecond": "us",
    "nanosecond": "ns",
    "nanoseconds": "ns",
    "picosecond": "ps",
    "picoseconds": "ps",
    "femtosecond": "fs",
    "µm": "um",
    "μm": "um",
    "å": "angstrom",
    "Å": "angstrom",
    "A": "angstrom",
    "ev": "eV",
    "mev": "meV",
    "cm2/s": "cm^2/s",
    "m2/s": "m^2/s",
    "cm2/Vs": "cm^2/(V s)",
    "cm^2/Vs": "cm^2/(V s)",
    "cm2/(V s)": "cm^2/(V s)",
    "cm-3": "1/cm^3",
    "cm^-3": "1/cm^3",
    "m-3": "1/m^3",
    "ns-1": "1/ns",
    "ps-1": "1/ps",
    "s-1": "1/s",
    "mod": "mOD",
    "od": "OD",
    "dOD": "OD",
    "ΔOD": "OD",
    "degree": "deg",
    "degrees": "deg",
    "count": "counts",
    "": "1",
}


def normalize_unit(unit: str) -> str:
    """Return the canonical spelling of ``unit`` (e.g. ``"µs"`` -> ``"us"``).

    Raises
    ------
    UnitError
        If the unit is not known; the message lists the known units.
    """
    u = unit.strip()
    if u in _LINEAR:
        return u
    if u in _ALIASES:
        return _ALIASES[u]
    low = u.lower()
    for name in _LINEAR:
        if name.lower() == low:
            return name
    if low in _ALIASES:
        return _ALIASES[low]
    raise UnitError(f"unknown unit {unit!r}; known units: {', '.join(sorted(_LINEAR))}")


def dimension_of(unit: str) -> str:
    """Physical dimension name of ``unit`` ("time", "length", "energy", ...)."""
    return _LINEAR[normalize_unit(unit)][0]


def scale_factor(from_unit: str, to_unit: str) -> float:
    """Multiplicative factor that converts a value in ``from_unit`` to ``to_unit``.

    Raises
    ------
    UnitError
        If either unit is unknown or the two have different dimensions.
    """
    a, b = normalize_unit(from_unit), normalize_unit(to_unit)
    (da, fa), (db, fb) = _LINEAR[a], _LINEAR[b]
    if da != db:
        raise UnitError(f"cannot convert {from_unit!r} ({da}) to {to_unit!r} ({db})")
    return fa / fb


def convert(value: ArrayLike, from_unit: str, to_unit: str) -> np.ndarray | float:
    """Convert ``value`` between two linear units of the same dimension.

    Examples
    --------
    >>> convert(2.5, "ns", "ps")
    2500.0
    """
    factor = scale_factor(from_unit, to_unit)
    if np.ndim(value) == 0:
        return float(value) * factor  # type: ignore[arg-type]
    return np.asarray(value, dtype=float) * factor


def wavelength_nm_to_energy_ev(wavelength_nm: ArrayLike) -> np.ndarray | float:
    """Photon energy E = hc/λ [eV] of a vacuum wavelength λ [nm]."""
    w = np.asarray(wavelength_nm, dtype=float)
    out = HC_EV_NM / w
    return float(out) if out.ndim == 0 else out


def energy_ev_to_wavelength_nm(energy_ev: ArrayLike) -> np.ndarray | float:
    """Vacuum wavelength λ = hc/E [nm] of a photon energy E [eV]."""
    return wavelength_nm_to_energy_ev(energy_ev)
