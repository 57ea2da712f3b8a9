"""Interactive figures of the HTML report as plotly.js specifications (plain dicts).

No plotly Python API is needed to build them: the report embeds the JSON and the plotly.js
bundle shipped inside the ``plotly`` wheel (``pip install 'heterolab[report]'``), copied
next to the pages, so the site works from disk with no network. All user text is escaped
(plotly.js would otherwise interpret a few HTML tags in names), and the JSON is made safe to
sit inside a ``<script>`` element.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from heterolab.report.html_source import StepRecord

__all__ = [
    "curve_figure",
    "plotly_js_path",
    "script_json",
    "series_figure",
    "series_table_figure",
]

_MAX_POINTS = 2000
_CONFIG = {"displaylogo": False, "responsive": True}


def plotly_js_path() -> Path | None:
    """Path of the plotly.js bundle inside the installed ``plotly`` package, or None."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")  # located, not imported (no import cost)
    if spec is None or spec.origin is None:
        return None
    p = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    return p if p.is_file() else None


def script_json(obj: Any) -> str:
    """JSON that can be placed inside ``<script>`` (``<``, ``>``, ``&`` escaped as ``\\u``)."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(values: Any) -> list[float | None]:
    a = np.asarray(values, dtype=float).ravel()
    return [float(v) if math.isfinite(v) else None for v in a]


def _text(s: str) -> str:
    return html.escape(str(s), quote=False)


def _axis(title: str, log: bool = False) -> dict[str, Any]:
    ax: dict[str, Any] = {"title": {"text": _text(title)}, "zeroline": False}
    if log:
        ax["type"] = "log"
    return ax


def series_figure(name: str, unit: str, steps: list[StepRecord]) -> dict[str, Any] | None:
    """Value ± standard error of quantity ``name`` across ``steps`` (step ids on the x axis,
    labels on hover);
    None when fewer than two steps have a finite value."""
    xs, ys, es, labels = [], [], [], []
    for s in steps:
        try:
            q = s.result[name]
        except KeyError:
            continue
        if not math.isfinite(q.value):
            continue
        xs.append(_text(s.id))
        labels.append(_text(s.label or s.id))
        ys.append(float(q.value))
        es.append(float(q.stderr) if q.stderr is not None and math.isfinite(q.stderr) else 0.0)
    if len(xs) < 2:
        return None
    label = f"{name} ({unit})" if unit not in ("", "1") else name
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": xs,
                "y": ys,
                "error_y": {"type": "data", "array": es, "visible": True},
                "name": _text(name),
                "text": labels,
                "hovertemplate": "%{text}<br>%{y} ± %{error_y.array}<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": _text(f"{label}, ±1σ")},
            "xaxis": {"automargin": True, "tickangle": -30},
            "yaxis": _axis(label),
            "margin": {"t": 40, "r": 10},
            "height": 320,
        },
        "config": _CONFIG,
    }


def _thin(x: np.ndarray, *ys: np.ndarray) -> tuple[np.ndarray, ...]:
    step = max(1, x.size // _MAX_POINTS)
    return (x[::step], *(y[::step] for y in ys))


def curve_figure(step: StepRecord) -> dict[str, Any] | None:
    """Interactive view of a result's curves: 1-D curves sharing the first curve's axis as
    lines (log y for TRPL decays), else the first 2-D map as a heatmap; None without curves."""
    curves = step.result.curves
    if not curves:
        return None
    one_d = {k: v for k, v in curves.items() if getattr(v, "ndim", 0) == 1}
    if one_d:
        first = next(iter(one_d.values()))
        dim = str(first.dims[0])
        same = {k: v for k, v in one_d.items() if v.dims == (dim,) and k != "residuals"}
        traces = []
        for k, v in same.items():
            x, y = _thin(np.asarray(v[dim].values, dtype=float), np.asarray(v.values, float))
            mode = "markers" if k == "data" else "lines"
            traces.append(
                {
                    "type": "scattergl" if x.size > 500 else "scatter",
                    "mode": mode,
                    "name": _text(k),
                    "x": _finite(x),
                    "y": _finite(y),
                    "marker": {"size": 3},
                }
            )
        log = step.technique == "trpl" and dim == "time"
        xunit = first[dim].attrs.get("units", "")
        yunit = first.attrs.get("units", "")
        return {
            "data": traces,
            "layout": {
                "xaxis": _axis(f"{dim} ({xunit})" if xunit else dim),
                "yaxis": _axis(f"signal ({yunit})" if yunit else "signal", log=log),
                "margin": {"t": 20, "r": 10},
                "height": 340,
            },
            "config": _CONFIG,
        }
    two_d = [v for v in curves.values() if getattr(v, "ndim", 0) == 2]
    if not two_d:
        return None
    m = two_d[0]
    ydim, xdim = (str(d) for d in m.dims)
    z = np.asarray(m.values, dtype=float)
    return {
        "data": [
            {
                "type": "heatmap",
                "x": _finite(m[xdim].values) if xdim in m.coords else None,
                "y": _finite(m[ydim].values) if ydim in m.coords else None,
                "z": [_finite(row) for row in z],
                "colorscale": "RdBu" if step.technique == "ta" else "Viridis",
                "reversescale": step.technique == "ta",
            }
        ],
        "layout": {
            "xaxis": _axis(
                f"{xdim} ({m[xdim].attrs.get('units', '')})" if xdim in m.coords else xdim
            ),
            "yaxis": _axis(
                f"{ydim} ({m[ydim].attrs.get('units', '')})" if ydim in m.coords else ydim
            ),
            "margin": {"t": 20, "r": 10},
            "height": 380,
        },
        "config": _CONFIG,
    }


def series_table_figure(series_id: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Value ± error against the series' sample parameter ``x`` (numeric x as a scatter,
    otherwise samples as categories); None with fewer than two finite values."""
    pts = []
    for r in rows:
        try:
            v = float(r.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if not math.isfinite(v):
            continue
        try:
            e = float(r.get("stderr"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            e = 0.0
        pts.append((r.get("x"), v, e if math.isfinite(e) else 0.0, str(r.get("sample", ""))))
    if len(pts) < 2:
        return None
    numeric = all(isinstance(p[0], (int, float)) and not isinstance(p[0], bool) for p in pts)
    xs = [p[0] if numeric else _text(p[3]) for p in pts]
    unit = str(rows[0].get("unit", "")) if rows else ""
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+lines" if numeric else "markers",
                "x": xs,
                "y": [p[1] for p in pts],
                "error_y": {"type": "data", "array": [p[2] for p in pts], "visible": True},
                "text": [_text(p[3]) for p in pts],
                "name": _text(series_id),
            }
        ],
        "layout": {
            "xaxis": _axis("x" if numeric else "sample"),
            "yaxis": _axis(f"value ({unit})" if unit not in ("", "1") else "value"),
            "margin": {"t": 20, "r": 10},
            "height": 320,
        },
        "config": _CONFIG,
    }
