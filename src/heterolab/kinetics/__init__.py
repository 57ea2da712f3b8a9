"""Kinetics: decay fitting (TCSPC/TRPL), average lifetimes, TRPL maps; TA analysis.

The public functions are imported lazily (PEP 562) so that ``import heterolab.kinetics`` does
not pull scipy's optimisers or xarray until a fit is run.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "average_lifetimes",
    "fit_decay",
    "fit_decays",
    "fit_flim",
    "fit_trpl_map",
    "phasor_analysis",
]

_LAZY = {
    "fit_decay": "heterolab.kinetics.trpl.decay_fit",
    "average_lifetimes": "heterolab.kinetics.trpl.averages",
    "fit_trpl_map": "heterolab.kinetics.trpl.trpl_map",
    "fit_decays": "heterolab.kinetics.trpl.batch",
    "fit_flim": "heterolab.kinetics.trpl.flim",
    "phasor_analysis": "heterolab.kinetics.trpl.phasor",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'heterolab.kinetics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
