"""GIWAXS and 2D detector images: azimuthal integration, cake and q_xy–q_z maps (pyFAI),
azimuthal profiles, Hermans orientation, ring/spot classification and (00l) stacking period.

Public functions are imported lazily (PEP 562): importing the package pulls neither pyFAI nor
xarray.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "azimuthal_profile",
    "cake",
    "classify_features",
    "fibre_map",
    "hermans_orientation",
    "integrate_1d",
    "q_peak_positions",
    "sector_profile",
    "stack_period",
]

_LAZY = {
    "integrate_1d": "heterolab.structure.giwaxs.integrate",
    "cake": "heterolab.structure.giwaxs.integrate",
    "fibre_map": "heterolab.structure.giwaxs.integrate",
    "azimuthal_profile": "heterolab.structure.giwaxs.orientation",
    "hermans_orientation": "heterolab.structure.giwaxs.orientation",
    "classify_features": "heterolab.structure.giwaxs.orientation",
    "stack_period": "heterolab.structure.giwaxs.orientation",
    "sector_profile": "heterolab.structure.giwaxs.orientation",
    "q_peak_positions": "heterolab.structure.giwaxs.orientation",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
