"""Comparison of the patterns of a sample series (e.g. the thesis's Pb/S = 1:1 … 1:30 series).

Each pattern is normalised (to its maximum, or to the area of a chosen 2θ window), and the
positions of chosen reflections are fitted in every pattern (:func:`fit_peaks` with start
positions), giving a table of position vs sample with errors, and the shift relative to the
first sample.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.xrd.choices import Normalisation
from heterolab.structure.xrd.peaks import fit_peaks

__all__ = ["Normalisation", "compare_patterns"]


NORMALISATIONS = tuple(m.value for m in Normalisation)


def compare_patterns(
    patterns: Sequence[xr.DataArray],
    *,
    labels: Sequence[str] | None = None,
    positions: Sequence[float] | None = None,
    normalise: Normalisation | str = "max",
    kalpha2: bool | None = None,
    window_deg: float = 0.6,
) -> Result:
    """Normalised patterns of a series and the positions of chosen reflections vs sample.

    Parameters
    ----------
    patterns
        Patterns on any 2θ grids.
    labels
        Sample names (default ``s1, s2, ...``).
    positions
        Start positions (deg) of the reflections to track; None: no position table.
    normalise
        ``"max"`` (each pattern's maximum is 1), ``"area"`` (unit area) or ``"none"``.
    window_deg
        Each reflection is fitted within ±``window_deg`` of its start.

    Returns
    -------
    Result
        kind ``"xrd.compare"``: derived ``<sample>.pos<k>`` (deg) and ``<sample>.shift<k>``
        (deg, relative to the first sample); curves ``<sample>`` (normalised patterns);
        statistics ``table`` (one row per sample).
    """
    normalise = as_choice(Normalisation, normalise, "normalise").value
    if len(patterns) < 1:
        raise ParameterError("no patterns to compare")
    labs = list(labels) if labels is not None else [f"s{i + 1}" for i in range(len(patterns))]
    if len(labs) != len(patterns):
        raise ParameterError(f"{len(labs)} labels for {len(patterns)} patterns")
    result = Result(kind="xrd.compare")
    table = []
    first: list[float] | None = None
    for lab, pat in zip(labs, patterns, strict=True):
        y = np.asarray(pat.values, dtype=float)
        x = np.asarray(pat["two_theta"].values, dtype=float)
        scale = {"max": np.nanmax(y), "area": np.trapezoid(y, x), "none": 1.0}[normalise]
        result.curves[lab] = xr.DataArray(
            y / scale,
            dims=("two_theta",),
            coords={"two_theta": xr.Variable(("two_theta",), x, attrs={"units": "deg"})},
            attrs={"units": "normalised" if normalise != "none" else pat.attrs.get("units", "")},
        )
        row: dict[str, object] = {"sample": lab}
        if positions:
            found = []
            for k, p0 in enumerate(positions):
                fit = fit_peaks(
                    pat,
                    positions=[p0],
                    kalpha2=kalpha2,
                    two_theta_range=(p0 - window_deg, p0 + window_deg + 0.5),
                    window=50.0,
                )
                tab = fit.statistics.get("table") or []
                q = (
                    Quantity(tab[0]["two_theta"], tab[0]["two_theta_err"], "deg")
                    if tab
                    else Quantity(float("nan"), None, "deg")
                )
                result.derived[f"{lab}.pos{k + 1}"] = q
                found.append(q.value)
                row[f"pos{k + 1}"] = q.value
                if first is not None:
                    result.derived[f"{lab}.shift{k + 1}"] = Quantity(
                        q.value - first[k], None, "deg"
                    )
            if first is None:
                first = found
        table.append(row)
    result.statistics.update(
        {"table": table, "normalise": normalise, "positions": list(positions or [])}
    )
    if result.nan_quantities():
        result.mark_suspect(f"reflections not found: {', '.join(result.nan_quantities())}")
    return result
