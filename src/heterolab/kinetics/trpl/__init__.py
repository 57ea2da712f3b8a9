"""TRPL / TCSPC decay analysis: single decays, batches, FLIM images, phasors, TRPL maps,
average lifetimes, and the transfer/transport quantities derived from lifetimes.

The public functions are imported lazily (PEP 562) so that importing the package does not pull
scipy's optimisers or xarray until a fit is run.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

__all__ = [
    "average_lifetimes",
    "fit_decay",
    "fit_decays",
    "fit_flim",
    "fit_trpl_map",
    "phasor_analysis",
    "radiative_rates",
    "transfer_from_decays",
    "transfer_from_lifetimes",
    "transport_from_quenching",
]

_LAZY = {
    "fit_decay": "heterolab.kinetics.trpl.decay_fit",
    "average_lifetimes": "heterolab.kinetics.trpl.averages",
    "fit_trpl_map": "heterolab.kinetics.trpl.trpl_map",
    "fit_decays": "heterolab.kinetics.trpl.batch",
    "fit_flim": "heterolab.kinetics.trpl.flim",
    "phasor_analysis": "heterolab.kinetics.trpl.phasor",
    "radiative_rates": "heterolab.kinetics.trpl.transfer",
    "transfer_from_decays": "heterolab.kinetics.trpl.transfer",
    "transfer_from_lifetimes": "heterolab.kinetics.trpl.transfer",
    "transport_from_quenching": "heterolab.kinetics.trpl.transfer",
}

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
