"""Result-returning front ends of the physics models, by material name or plain numbers.

The pure models live in :mod:`heterolab.physics`; these functions look materials up
(:mod:`heterolab.materials`), call the models and return a :class:`~heterolab.result.Result`
with the caveats as warnings. They back ``heterolab physics ...`` and ``heterolab bands`` and
are what a notebook user calls:

- :mod:`~heterolab.calculators.nanocrystals` — sizes from exciton peaks and back, Brus terms.
- :mod:`~heterolab.calculators.crystal` — tolerance verdict, plane mismatch, plane search.
- :mod:`~heterolab.calculators.bands` — band edges (bulk vs measured) and heterojunctions.
- :mod:`~heterolab.calculators.growth` — classical nucleation summary.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "brus_energies",
    "confined_band_edges",
    "heterojunction",
    "lattice_of",
    "mismatch",
    "nucleation_summary",
    "parse_hkl",
    "peak_from_size",
    "plane_search",
    "size_from_peak",
    "tolerance",
]

_LAZY = {
    "brus_energies": "nanocrystals",
    "peak_from_size": "nanocrystals",
    "size_from_peak": "nanocrystals",
    "lattice_of": "crystal",
    "mismatch": "crystal",
    "parse_hkl": "crystal",
    "plane_search": "crystal",
    "tolerance": "crystal",
    "confined_band_edges": "bands",
    "heterojunction": "bands",
    "nucleation_summary": "growth",
}

__getattr__, __dir__ = lazy_api(
    __name__, {n: f"heterolab.calculators.{m}" for n, m in _LAZY.items()}
)
