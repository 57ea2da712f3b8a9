"""Plots of Results. Analyses register a plotter for their ``kind``; others get a generic plot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files, not windows: heterolab runs headless in pipelines and CI

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from heterolab.result import Result

__all__ = ["plot_result", "register_plotter", "save_figure"]

_PLOTTERS: dict[str, Callable[..., Figure]] = {}

# Modules that register plotters for their analyses' kinds; imported on first plot.
_PLOTTER_MODULES = (
    "heterolab.report.trpl",
    "heterolab.report.flim",
    "heterolab.report.ta",
    "heterolab.report.spectroscopy",
    "heterolab.report.physics",
)
_loaded = False


def _load_plotters() -> None:
    global _loaded
    if _loaded:
        return
    import importlib

    for mod in _PLOTTER_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # area without plots yet
            if exc.name != mod:
                raise
    _loaded = True


def register_plotter(kind: str) -> Callable[[Callable[..., Figure]], Callable[..., Figure]]:
    """Decorator registering ``func(result, **kwargs) -> Figure`` for results of ``kind``."""

    def deco(func: Callable[..., Figure]) -> Callable[..., Figure]:
        _PLOTTERS[kind] = func
        return func

    return deco


def plot_result(result: Result, **kwargs: Any) -> Figure:
    """Figure for ``result``: its kind's plotter, else data/model over residuals."""
    _load_plotters()
    if result.kind in _PLOTTERS:
        return _PLOTTERS[result.kind](result, **kwargs)
    return _generic_plot(result)


def _generic_plot(result: Result) -> Figure:
    curves = result.curves
    has_resid = "residuals" in curves
    fig, axes = plt.subplots(
        2 if has_resid else 1,
        1,
        sharex=True,
        figsize=(6.4, 4.8),
        gridspec_kw={"height_ratios": [3, 1]} if has_resid else None,
        squeeze=False,
    )
    ax = axes[0, 0]
    for name, da in curves.items():
        if name == "residuals" or da.ndim != 1:
            continue
        dim = da.dims[0]
        ax.plot(da[dim].values, da.values, label=name, lw=1 if name != "data" else 0.8)
        ax.set_xlabel(f"{dim} ({da[dim].attrs.get('units', '')})")
        ax.set_ylabel(da.attrs.get("units", ""))
    ax.legend()
    ax.set_title(result.kind)
    if has_resid:
        r = curves["residuals"]
        axes[1, 0].plot(r[r.dims[0]].values, r.values, lw=0.6)
        axes[1, 0].axhline(0, color="k", lw=0.5)
        axes[1, 0].set_ylabel("residual")
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 130) -> Path:
    """Save ``fig`` as PNG at ``path`` (parent folders created) and close it."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=dpi)
    plt.close(fig)
    return p
