"""XPS/UPS analysis: core-level fits (singlets, spin–orbit doublets, Shirley/Tougaard/linear
backgrounds, lmfitxps line shapes), charge correction, series with linked components,
quantification with RSFs; UPS cutoff / valence-band onset / work function are the one
implementation in :mod:`heterolab.spectroscopy.ups`, re-exported here.

The public functions are imported lazily (PEP 562): importing the package pulls neither scipy
nor xarray.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "Background",
    "ChargeReference",
    "Component",
    "LineShape",
    "UpsEdge",
    "apply_charge_shift",
    "charge_correction",
    "check_doublet",
    "describe_spectra",
    "doublet_area_ratio",
    "fit_fermi_edge",
    "fit_series",
    "fit_xps",
    "pb4f_components",
    "quantify",
    "secondary_electron_cutoff",
    "spin_orbit_splitting",
    "valence_band_onset",
]

_LAZY = {
    "Background": "heterolab.structure.xps.shapes",
    "LineShape": "heterolab.structure.xps.shapes",
    "ChargeReference": "heterolab.structure.xps.charge",
    "UpsEdge": "heterolab.structure.xps.charge",
    "Component": "heterolab.structure.xps.fit",
    "fit_xps": "heterolab.structure.xps.fit",
    "apply_charge_shift": "heterolab.structure.xps.charge",
    "charge_correction": "heterolab.structure.xps.charge",
    "fit_fermi_edge": "heterolab.structure.xps.charge",
    "check_doublet": "heterolab.structure.xps.series",
    "describe_spectra": "heterolab.structure.xps.summary",
    "fit_series": "heterolab.structure.xps.series",
    "pb4f_components": "heterolab.structure.xps.series",
    "quantify": "heterolab.structure.xps.quantification",
    "doublet_area_ratio": "heterolab.structure.xps.shapes",
    "spin_orbit_splitting": "heterolab.structure.xps.shapes",
    "secondary_electron_cutoff": "heterolab.spectroscopy.ups",
    "valence_band_onset": "heterolab.spectroscopy.ups",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
