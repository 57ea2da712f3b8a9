"""Atomistic interfaces: build structures, screen them with an ML potential, write VASP
inputs for a cluster and analyse what comes back.

The public names load on first use (pymatgen, ASE and torch are imported only then), so
``import heterolab.atomistic`` stays light:

- :mod:`~heterolab.atomistic.build`: ``bulk``, ``pma2pbbr4_model``, ``slab``,
  ``find_matches``, ``interface``, ``plane_matches_2d3d``
- :mod:`~heterolab.atomistic.perovskite`: ``pnma_tilted`` (a⁻a⁻c⁺ tilted CsPbBr3 model)
- :mod:`~heterolab.atomistic.surfaces`: ``retune_interface`` (contact layer, registry, gap)
- :mod:`~heterolab.atomistic.ligands`: ``adsorption_sites``, ``adsorb_pma``
- :mod:`~heterolab.atomistic.screen` (extra ``ml``): ``load_model``, ``energy``, ``relax``,
  ``ml_interface_energy``, ``set_threads``, ``ModelName``, ``Optimizer``
- :mod:`~heterolab.atomistic.workflows` (extra ``workflows``): ``interface_flow``,
  ``write_flow`` (atomate2/jobflow flows for the user's cluster)
- :mod:`~heterolab.atomistic.vasp`: ``input_set``, ``write_inputs``,
  ``write_interface_inputs``, ``THESIS_SETTINGS``
- :mod:`~heterolab.atomistic.analyse`: ``projected_dos``, ``aggregate_pdos``,
  ``band_edges``, ``planar_average``, ``charge_density_difference``, ``potential_step``,
  ``interface_energy``
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

_LAZY = {
    "bulk": "build",
    "pma2pbbr4_model": "build",
    "slab": "build",
    "find_matches": "build",
    "interface": "build",
    "plane_matches_2d3d": "build",
    "pnma_tilted": "perovskite",
    "retune_interface": "surfaces",
    "set_threads": "screen",
    "ModelName": "screen",
    "Optimizer": "screen",
    "interface_flow": "workflows",
    "write_flow": "workflows",
    "adsorption_sites": "ligands",
    "adsorb_pma": "ligands",
    "load_model": "screen",
    "energy": "screen",
    "relax": "screen",
    "ml_interface_energy": "screen",
    "input_set": "vasp",
    "write_inputs": "vasp",
    "write_interface_inputs": "vasp",
    "THESIS_SETTINGS": "vasp",
    "projected_dos": "analyse",
    "aggregate_pdos": "analyse",
    "band_edges": "analyse",
    "planar_average": "analyse",
    "charge_density_difference": "analyse",
    "potential_step": "analyse",
    "interface_energy": "analyse",
    "interface_energy_table": "analyse",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_api(__name__, {n: f"heterolab.atomistic.{m}" for n, m in _LAZY.items()})
