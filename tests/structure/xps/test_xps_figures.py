"""Every XPS figure names each axis a reader sees, with its unit."""

from __future__ import annotations

import re

import numpy as np
import pytest

from heterolab.io.spectra import make_photoemission_spectrum
from heterolab.report.plots import plot_result, unlabelled_axes
from heterolab.structure.xps import Component, describe_spectra, fit_series, fit_xps

pytest.importorskip("lmfitxps")  # the structure extra

UNIT = re.compile(r"\(([^()]+)\)\s*$")


def _spectrum(pos, seed):
    e = np.arange(80.0, 95.0, 0.05)
    peak = 4e3 * np.exp(-0.5 * ((e - pos) / 0.4) ** 2) + 3e3 * np.exp(
        -0.5 * ((e - pos - 3.67) / 0.4) ** 2
    )
    counts = np.random.default_rng(seed).poisson(peak + 200 + 0.02 * np.cumsum(peak))
    return make_photoemission_spectrum(
        e, counts.astype(float), "binding_energy", photon_energy=None
    )


@pytest.mark.parametrize("background", ["shirley", "ACTIVE_TOUGAARD"])
def test_xps_figures_label_every_axis_with_a_unit(background):
    s = _spectrum(84.0, 0)
    comp = [Component("Au", 84.0, level="Au 4f", shape="ds", fix_splitting=False)]
    results = [
        fit_xps(s, comp, background_kind=background),
        fit_series([s, _spectrum(84.2, 1)], comp, labels=["a", "b"]),
        describe_spectra({"Au 4f": s}),
    ]
    for r in results:
        fig = plot_result(r)
        assert unlabelled_axes(fig) == []
        for ax in fig.axes:
            for label in (ax.get_xlabel(), ax.get_ylabel()):
                if label.strip():
                    assert UNIT.search(label), f"no unit in axis label {label!r}"
