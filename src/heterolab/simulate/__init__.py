"""Virtual experiments: realistic synthetic data with known ground truth for every technique.

Each simulator returns the same labelled :class:`xarray.DataArray` the io readers return
(attrs ``source="simulated"``, ``simulated=True``) together with a ground-truth dict, and every
random draw comes from a seeded generator. Analysis code never imports this package; tests,
demos and experiment planning do (DESIGN.md).

- TRPL/TCSPC: :func:`simulate_decay`, :func:`simulate_irf`, :func:`simulate_decay_batch`,
  :func:`simulate_trpl_map`, :func:`simulate_flim`;
- transient absorption: :func:`simulate_ta` (kinetic scheme, chirp, IRF, artefact, noise);
- steady-state spectra: :func:`simulate_absorption`, :func:`simulate_pl` (:class:`Emitter`);
- structure: :func:`simulate_xrd`, :func:`simulate_xps`, :func:`simulate_lattice_image`;
- thesis presets: :func:`make_preset`, :func:`write_preset` (``heterolab simulate``).
"""

from __future__ import annotations

from heterolab.simulate.presets import available_presets, make_preset, write_preset
from heterolab.simulate.spectra import Emitter, EnergyTransfer, simulate_absorption, simulate_pl
from heterolab.simulate.ta import gaussian_band, simulate_ta
from heterolab.simulate.tem import simulate_lattice_image
from heterolab.simulate.trpl import (
    simulate_decay,
    simulate_decay_batch,
    simulate_flim,
    simulate_irf,
    simulate_trpl_map,
)
from heterolab.simulate.xps import Doublet, simulate_xps
from heterolab.simulate.xrd import Crystal, Phase, simulate_xrd

__all__ = [
    "Crystal",
    "Doublet",
    "Emitter",
    "EnergyTransfer",
    "Phase",
    "available_presets",
    "gaussian_band",
    "make_preset",
    "simulate_absorption",
    "simulate_decay",
    "simulate_decay_batch",
    "simulate_flim",
    "simulate_irf",
    "simulate_lattice_image",
    "simulate_pl",
    "simulate_ta",
    "simulate_trpl_map",
    "simulate_xps",
    "simulate_xrd",
    "write_preset",
]
