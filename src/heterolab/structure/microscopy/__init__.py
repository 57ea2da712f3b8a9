"""Electron microscopy: FFT d-spacings with errors and zone-axis matching, particle sizes
(scikit-image watershed), geometric phase analysis (strain, rotation) and strain profiles,
atom-column positions (atomap or scikit-image) and the strain between columns.

The public functions are imported lazily (PEP 562): importing the package pulls neither scipy,
scikit-image nor xarray.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "ColumnMethod",
    "SizeMeasure",
    "column_strain",
    "compare_spacing",
    "fft_spots",
    "find_atom_columns",
    "gpa",
    "match_zone_axes",
    "measure_particles",
    "measure_spacings",
    "power_spectrum",
    "segment_particles",
    "size_statistics",
    "strain_profile",
]

_LAZY = {
    "ColumnMethod": "heterolab.structure.microscopy.columns",
    "column_strain": "heterolab.structure.microscopy.columns",
    "find_atom_columns": "heterolab.structure.microscopy.columns",
    "compare_spacing": "heterolab.structure.microscopy.compare",
    "fft_spots": "heterolab.structure.microscopy.fft",
    "match_zone_axes": "heterolab.structure.microscopy.fft",
    "measure_spacings": "heterolab.structure.microscopy.fft",
    "power_spectrum": "heterolab.structure.microscopy.fft",
    "gpa": "heterolab.structure.microscopy.phase_strain",
    "strain_profile": "heterolab.structure.microscopy.phase_strain",
    "measure_particles": "heterolab.structure.microscopy.particles",
    "SizeMeasure": "heterolab.structure.microscopy.particles",
    "segment_particles": "heterolab.structure.microscopy.particles",
    "size_statistics": "heterolab.structure.microscopy.particles",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
