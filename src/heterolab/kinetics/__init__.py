"""Kinetics: TRPL/TCSPC decays (:mod:`heterolab.kinetics.trpl`) and transient absorption
(:mod:`heterolab.kinetics.ta`); the decay kernels they share live in
:mod:`heterolab.kinetics.decay_models`.

The most used functions of both are reachable from here; they are imported lazily (PEP 562)
so that ``import heterolab.kinetics`` does not pull scipy's optimisers or xarray until a fit
is run.
"""

from __future__ import annotations

import importlib
from typing import Any

_FROM = {
    "heterolab.kinetics.trpl": (
        "average_lifetimes",
        "fit_decay",
        "fit_decays",
        "fit_flim",
        "fit_trpl_map",
        "phasor_analysis",
    ),
    "heterolab.kinetics.ta": ("fit_global", "fit_kinetics", "fit_target", "svd_analysis"),
}
_LAZY = {name: pkg for pkg, names in _FROM.items() for name in names}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'heterolab.kinetics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
