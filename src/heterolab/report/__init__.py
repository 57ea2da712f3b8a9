"""Figures and reports.

``heterolab.report.plots`` and the figure modules import matplotlib (never imported by
``import heterolab``); this package module itself stays light, so the command line can check
a ``--plot`` path before any analysis runs without importing matplotlib.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

__all__ = ["FIGURE_SUFFIXES", "check_figure_path"]

#: File suffixes a figure can be saved as (vector where the suffix allows).
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def check_figure_path(path: str | PathLike[str]) -> Path:
    """``path`` as a Path when its suffix is a figure format heterolab writes.

    Raises
    ------
    ParameterError
        When the suffix is not one of :data:`FIGURE_SUFFIXES` (case-insensitive), naming the
        path and the valid suffixes.
    """
    from heterolab.errors import ParameterError

    p = Path(path)
    if p.suffix.lower() not in FIGURE_SUFFIXES:
        got = f"suffix {p.suffix!r}" if p.suffix else "no suffix"
        raise ParameterError(
            f"cannot save a figure as {p} ({got}); use one of {', '.join(FIGURE_SUFFIXES)}"
        )
    return p
