"""Kinetics: TRPL/TCSPC decays (:mod:`heterolab.kinetics.trpl`) and transient absorption
(:mod:`heterolab.kinetics.ta`); the decay kernels they share live in
:mod:`heterolab.kinetics.decay_models`.

The most used functions of both are reachable from here; they are imported lazily (PEP 562)
so that ``import heterolab.kinetics`` does not pull scipy's optimisers or xarray until a fit
is run.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

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

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
