"""Transient absorption: preprocessing, SVD, single-wavelength kinetics, global and target analysis.

The public API is declared here once and imported lazily (PEP 562).
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

_LAZY = {
    "ChirpMethod": "heterolab.kinetics.ta.preprocess",
    "CoherentArtifact": "heterolab.kinetics.ta.model",
    "GlobalModel": "heterolab.kinetics.ta.global_fit",
    "correct_chirp": "heterolab.kinetics.ta.preprocess",
    "estimate_chirp": "heterolab.kinetics.ta.preprocess",
    "filter_outliers": "heterolab.kinetics.ta.preprocess",
    "mask_wavelengths": "heterolab.kinetics.ta.preprocess",
    "read_chirp_file": "heterolab.io.ta",
    "select_region": "heterolab.kinetics.ta.preprocess",
    "subtract_background": "heterolab.kinetics.ta.preprocess",
    "svd_analysis": "heterolab.kinetics.ta.preprocess",
    "fit_kinetics": "heterolab.kinetics.ta.single",
    "fit_global": "heterolab.kinetics.ta.global_fit",
    "fit_target": "heterolab.kinetics.ta.target",
    "load_model": "heterolab.kinetics.ta.target",
    "TargetModel": "heterolab.kinetics.ta.target",
    "KineticScheme": "heterolab.kinetics.ta.model",
    "fit_donor_acceptor": "heterolab.kinetics.ta.donor_acceptor",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
