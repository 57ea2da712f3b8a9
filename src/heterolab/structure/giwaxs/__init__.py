"""GIWAXS and 2D detector images: azimuthal integration, cake and q_xy–q_z maps (pyFAI),
azimuthal profiles, Hermans orientation, ring/spot classification, (00l) stacking period and
Scherrer sizes from GI line profiles with the instrument resolution stated.

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
    "gi_instrument_resolution",
    "gi_scherrer",
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
    "gi_scherrer": "heterolab.structure.giwaxs.size",
    "gi_instrument_resolution": "heterolab.structure.giwaxs.size",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
