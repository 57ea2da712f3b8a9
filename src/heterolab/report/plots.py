"""Figures of Results: the plotter registry, figure construction and saving.

Analyses register a plotter for their Result ``kind`` with :func:`register_plotter`; other
kinds get a generic data/model/residual plot. Helpers every figure module uses:

- :func:`subplots` / :func:`new_figure`: a :class:`matplotlib.figure.Figure` (no pyplot
  state, no backend switch) sized for a journal column, with constrained layout;
- :func:`axis_label` / :func:`label_of`: ``"name (unit)"`` labels;
- :func:`quantity_text` / :func:`annotate`: values with their uncertainties;
- :func:`add_scale_bar`: a physical scale bar on an image;
- :func:`save_figure`: the one place a figure file is written (PNG at 300 dpi, PDF and SVG
  as vectors).

Every plotter runs inside :func:`heterolab.report.style.style_context`; labels that are not
valid mathtext are drawn literally instead of crashing the figure.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.text import Text

from heterolab.report import check_figure_path
from heterolab.report.style import figure_size, style_context, warn_missing_glyphs
from heterolab.result import Quantity, Result

__all__ = [
    "add_scale_bar",
    "annotate",
    "axis_label",
    "label_of",
    "new_figure",
    "plot_result",
    "positive_or_nan",
    "quantity_text",
    "register_plotter",
    "sanitize_text",
    "save_figure",
    "subplots",
    "unlabelled_axes",
]

_PLOTTERS: dict[str, Callable[..., Figure]] = {}

# Modules that register plotters for their analyses' kinds; imported on first plot.
_PLOTTER_MODULES = (
    "heterolab.report.trpl",
    "heterolab.report.flim",
    "heterolab.report.ta",
    "heterolab.report.spectroscopy",
    "heterolab.report.physics",
    "heterolab.report.xrd",
    "heterolab.report.xps",
    "heterolab.report.microscopy",
    "heterolab.report.atomistic",
)
_loaded = False
_GLYPH_WARNING = r"Glyph .* missing from font"


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
    """Figure for ``result``: its kind's plotter, else data/model over residuals.

    The plotter runs in the heterolab style; the figure is laid out once inside it, labels
    that are invalid mathtext are shown literally, and a :class:`~heterolab.report.style.
    FontWarning` is issued when a label holds CJK characters that no installed font draws.
    """
    _load_plotters()
    plotter = _PLOTTERS.get(result.kind, _generic_plot)
    with style_context():
        fig = plotter(result, **kwargs)
        _finish(fig)
    return fig


def _finish(fig: Figure) -> None:
    """Sanitise texts, warn about undrawable CJK text, and create the tick artists while the
    style is active (matplotlib creates ticks lazily, from the rcParams of that moment)."""
    warn_missing_glyphs(sanitize_text(fig))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_major_ticks()
            axis.get_minor_ticks()


# ---------------------------------------------------------------------- construction
def new_figure(
    width: str | float = "single", height: float | None = None, aspect: float = 0.75
) -> Figure:
    """An empty :class:`Figure` with constrained layout (see :func:`style.figure_size`)."""
    return Figure(figsize=figure_size(width, height, aspect), layout="constrained")


def subplots(
    nrows: int = 1,
    ncols: int = 1,
    *,
    width: str | float = "single",
    height: float | None = None,
    aspect: float = 0.75,
    **kwargs: Any,
) -> tuple[Figure, Any]:
    """``(Figure, axes)`` like ``pyplot.subplots`` but with no pyplot state.

    ``kwargs`` go to :meth:`Figure.subplots` (``sharex``, ``gridspec_kw``, ``squeeze`` ...).
    """
    fig = new_figure(width, height, aspect)
    return fig, fig.subplots(nrows, ncols, **kwargs)


# ---------------------------------------------------------------------- labels
def axis_label(name: str, unit: str | None) -> str:
    """``"name (unit)"``; the name alone for dimensionless (``"1"``) or unknown units."""
    if unit is None or unit in ("", "1"):
        return name
    return f"{name} ({unit})"


def label_of(da: Any, dim: str | None = None, name: str | None = None) -> str:
    """Axis label of a DataArray's values (``dim=None``) or of its coordinate ``dim``, from the
    ``long_name``/``units`` attributes."""
    obj = da if dim is None else da[dim]
    default = (da.name if dim is None else dim) or "value"
    return axis_label(name or str(obj.attrs.get("long_name", default)), obj.attrs.get("units"))


def quantity_text(name: str, q: Quantity) -> str:
    """``"name = value ± error unit"``, the error rounded to two significant digits."""
    return f"{name} = {q}"


def annotate(ax: Any, lines: Iterable[str], loc: str = "upper right") -> Any:
    """A small text block (e.g. fitted values with uncertainties) inside ``ax`` at ``loc``."""
    from matplotlib.offsetbox import AnchoredText

    box = AnchoredText("\n".join(lines), loc=loc, frameon=False, prop={"size": "small"})
    ax.add_artist(box)
    return box


def _nice_length(target: float) -> float:
    """Largest of 1, 2, 5 x 10**n not above ``target``."""
    power = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * power <= target:
            return m * power
    return power


def add_scale_bar(
    ax: Any,
    pixel_size: float | None,
    unit: str = "µm",
    *,
    length: float | None = None,
    loc: str = "lower right",
    color: str = "white",
) -> Any:
    """Draw a scale bar on an image shown in pixel coordinates.

    Parameters
    ----------
    ax
        Axes holding an image whose x data coordinates are pixels.
    pixel_size
        Size of one pixel in ``unit``; ``None`` draws a bar in pixels.
    unit
        Unit of ``pixel_size`` (``"µm"``, ``"nm"``).
    length
        Bar length in ``unit``; default a 1-2-5 value near a fifth of the image width.
    """
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1.anchored_artists import (
        AnchoredSizeBar,
    )

    if pixel_size is None or not (math.isfinite(pixel_size) and pixel_size > 0):
        pixel_size, unit = 1.0, "px"
    x0, x1 = ax.get_xlim()
    width_units = abs(x1 - x0) * pixel_size
    bar = length if length is not None else _nice_length(width_units / 5)
    sb = AnchoredSizeBar(
        ax.transData,
        bar / pixel_size,
        f"{bar:g} {unit}",
        loc,
        pad=0.3,
        sep=2,
        color=color,
        frameon=False,
        size_vertical=abs(x1 - x0) / 100,
        fontproperties=FontProperties(size="small"),
    )
    ax.add_artist(sb)
    return sb


# ---------------------------------------------------------------------- safety
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def _valid_math(s: str) -> bool:
    from matplotlib.mathtext import MathTextParser

    try:
        MathTextParser("path").parse(s)
    except ValueError:
        return False
    return True


def sanitize_text(fig: Figure) -> list[str]:
    """Make every text of ``fig`` drawable; return all the texts.

    A text holding Japanese/Chinese characters gets the CJK fallback font (also when it was
    created outside the heterolab style). A text that matplotlib would parse as mathtext (an even number of unescaped ``$``) but
    that is not valid mathtext (a sample named ``"a$b_$c"``) is drawn literally instead of
    raising at draw time.
    """
    from heterolab.report.style import cjk_font, contains_cjk, font_families

    texts = []
    for t in fig.findobj(Text):
        s = t.get_text()
        texts.append(s)
        if contains_cjk(s) and cjk_font() is not None and cjk_font() not in t.get_fontfamily():
            t.set_fontfamily(font_families())
        n = len(_UNESCAPED_DOLLAR.findall(s))
        if n and n % 2 == 0 and t.get_parse_math() and not _valid_math(s):
            t.set_parse_math(False)
    return texts


def unlabelled_axes(fig: Figure) -> list[str]:
    """Axes of ``fig`` that show tick values but have no label on that axis, as
    ``"axes N: x"``; an empty list means every scale a reader sees is named.

    Axes without data or whose ticks are hidden (images) are skipped; a colour bar needs its
    label. Use it in tests: ``assert unlabelled_axes(result.plot()) == []``.
    """
    missing = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or not (
            ax.lines or ax.collections or ax.images or ax.patches or hasattr(ax, "_colorbar")
        ):
            continue
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            shows_values = axis.get_visible() and len(axis.get_ticklocs()) > 0
            labels = [t for t in axis.get_ticklabels() if t.get_visible()]
            if shows_values and labels and not axis.get_label_text().strip():
                missing.append(f"axes {i}: {name}")
    return missing


# ---------------------------------------------------------------------- saving
def save_figure(fig: Figure, path: str | PathLike[str], dpi: int = 300) -> Path:
    """Save ``fig`` at ``path`` (parent folders created) and release it.

    The format follows the suffix: ``.png`` at ``dpi`` (default 300), ``.pdf`` and ``.svg``
    as vectors (fonts embedded). Files are deterministic (no creation date).

    Raises
    ------
    ParameterError
        When the suffix is not ``.png``, ``.pdf`` or ``.svg`` (nothing written).
    OSError
        When the file cannot be written.
    """
    p = check_figure_path(path)
    fmt = p.suffix.lower()[1:]
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None}, "svg": {"Date": None}}
    texts = sanitize_text(fig)
    p.parent.mkdir(parents=True, exist_ok=True)
    with style_context(), warnings.catch_warnings():
        if warn_missing_glyphs(texts):
            warnings.filterwarnings("ignore", _GLYPH_WARNING)
        fig.savefig(p, dpi=dpi, format=fmt, metadata=metadata[fmt])
    _release(fig)
    return p


def _release(fig: Figure) -> None:
    """Close ``fig`` in pyplot when pyplot manages it (figures from other code)."""
    if getattr(fig.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)


# ---------------------------------------------------------------------- generic figure
def _generic_plot(result: Result, **_: Any) -> Figure:
    curves = {k: v for k, v in result.curves.items() if v.ndim == 1}
    has_resid = "residuals" in curves
    fig, axes = subplots(
        2 if has_resid else 1,
        1,
        sharex=True,
        squeeze=False,
        height=3.2 if has_resid else None,
        gridspec_kw={"height_ratios": [3, 1]} if has_resid else None,
    )
    ax = axes[0, 0]
    for name, da in curves.items():
        if name == "residuals":
            continue
        dim = str(da.dims[0])
        ax.plot(da[dim].values, da.values, label=name, lw=1 if name != "data" else 0.8)
        ax.set_xlabel(label_of(da, dim))
        ax.set_ylabel(label_of(da, name="signal"))
    if curves:
        ax.legend()
    ax.set_title(result.kind)
    _annotate_parameters(ax, result.parameters)
    if has_resid:
        r = curves["residuals"]
        axes[1, 0].plot(r[r.dims[0]].values, r.values, lw=0.6)
        axes[1, 0].axhline(0, color="k", lw=0.5)
        axes[1, 0].set_ylabel("residual")
        axes[1, 0].set_xlabel(label_of(r, str(r.dims[0])))
    return fig


def _annotate_parameters(ax: Any, params: Mapping[str, Quantity], limit: int = 4) -> None:
    lines = [quantity_text(k, q) for k, q in list(params.items())[:limit]]
    if lines:
        annotate(ax, lines, loc="lower left")


def positive_or_nan(y: Any) -> np.ndarray:
    """Values of ``y`` with zeros and negatives replaced by NaN (not drawn on a log axis)."""
    a = np.asarray(y, dtype=float)
    return np.where(a > 0, a, np.nan)
