"""Powder X-ray diffraction: background and Kα1/Kα2 peak fitting, lattice refinement with
displacement and zero shift, phase identification from CIF stick patterns, strain per
reflection and the single-strain test, instrument resolution (Caglioti), Scherrer and
Williamson–Hall sizes, RIR phase fractions, and series comparison.

Public functions are imported lazily (PEP 562): importing the package pulls neither scipy nor
pymatgen until an analysis runs.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "caglioti",
    "compare_patterns",
    "fit_peaks",
    "fit_powder_model",
    "identify_phases",
    "refine_lattice",
    "rir_fractions",
    "scherrer",
    "size_strain_pattern",
    "size_strain_voigt",
    "stick_pattern",
    "strain_per_reflection",
    "williamson_hall",
]

_LAZY = {
    "fit_peaks": "heterolab.structure.xrd.peaks",
    "refine_lattice": "heterolab.structure.xrd.lattice",
    "strain_per_reflection": "heterolab.structure.xrd.strain",
    "caglioti": "heterolab.structure.xrd.broadening",
    "scherrer": "heterolab.structure.xrd.broadening",
    "williamson_hall": "heterolab.structure.xrd.broadening",
    "size_strain_voigt": "heterolab.structure.xrd.broadening",
    "size_strain_pattern": "heterolab.structure.xrd.sizestrain",
    "identify_phases": "heterolab.structure.xrd.phases",
    "rir_fractions": "heterolab.structure.xrd.phases",
    "stick_pattern": "heterolab.structure.xrd.phases",
    "compare_patterns": "heterolab.structure.xrd.compare",
    "fit_powder_model": "heterolab.structure.xrd.powder_model",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
