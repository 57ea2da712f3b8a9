"""The one place the HTML report reads campaign results (a narrow adapter).

The report needs, per step: id, label, sample, technique, type, note, whether it came from
the cache, its :class:`~heterolab.result.Result` and its figure. Today these come from what
:func:`heterolab.campaign.run_campaign` writes into its output folder (``results.json``,
``figures/ID.png``; see :mod:`heterolab.campaign.runner`), or from an in-memory
:class:`~heterolab.campaign.CampaignRun` (whose results still hold their curves, so the report
can draw them interactively). When the campaign store's schema changes, only this module
changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from heterolab.errors import FormatError
from heterolab.result import Result

__all__ = [
    "CampaignReport",
    "StepRecord",
    "curves_from_json",
    "curves_to_json",
    "from_results_folder",
    "from_run",
    "technique_of",
    "write_curves",
]

#: Display names of the analysis families (first part of a step type or Result kind).
TECHNIQUES = {
    "trpl": "TRPL",
    "flim": "FLIM",
    "ta": "Transient absorption",
    "spectrum": "Steady-state spectra",
    "spectroscopy": "Steady-state spectra",
    "plqy": "PLQY",
    "transfer": "Transfer efficiency",
    "bands": "Band alignment",
    "physics": "Physics models",
    "derived": "Derived quantities",
    "thesis": "Thesis tables",
    "xrd": "XRD",
    "giwaxs": "GIWAXS",
    "xps": "XPS/UPS",
    "tem": "Microscopy",
    "image": "Image quality",
    "temperature": "Temperature series",
    "stability": "Stability series",
    "atomistic": "Atomistic",
}


def technique_of(step_type: str) -> str:
    """Technique key of a step type (``"trpl.fit"`` -> ``"trpl"``)."""
    return step_type.split(".", 1)[0] or "other"


@dataclass
class StepRecord:
    """One analysis of the campaign as the report shows it."""

    id: str
    label: str
    type: str
    result: Result
    sample: str = ""
    note: str = ""
    cached: bool = False
    figure: Path | None = None

    @property
    def technique(self) -> str:
        """Technique key (see :data:`TECHNIQUES`)."""
        return technique_of(self.type)


@dataclass
class CampaignReport:
    """Everything the HTML site is built from."""

    name: str
    description: str
    heterolab_version: str
    steps: list[StepRecord] = field(default_factory=list)
    source: Path | None = None
    #: Series tables by id: rows with sample, x, step, value, stderr, unit, status.
    series: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Series definitions by id (label, quantity, x) when the results file has them.
    series_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Sample descriptions by name (material, synthesis, metadata) when the campaign has them.
    sample_info: dict[str, dict[str, Any]] = field(default_factory=dict)

    def samples(self) -> dict[str, list[StepRecord]]:
        """Steps by sample, in campaign order."""
        out: dict[str, list[StepRecord]] = {}
        for s in self.steps:
            out.setdefault(s.sample, []).append(s)
        return out

    def techniques(self) -> dict[str, list[StepRecord]]:
        """Steps by technique key, in campaign order."""
        out: dict[str, list[StepRecord]] = {}
        for s in self.steps:
            out.setdefault(s.technique, []).append(s)
        return out


#: Where a campaign that declares samples shows the steps that name none (series-wide tables).
WHOLE_CAMPAIGN = "Whole series"


def _sample_of(entry: dict[str, Any], result: Result, has_samples: bool = False) -> str:
    """The sample a step measured: an explicit ``sample`` (step or options); else, when the
    campaign declares samples, :data:`WHOLE_CAMPAIGN`; else its label, else its id."""
    opts = entry.get("options") or {}
    settings = (result.provenance.get("settings") or {}) if result.provenance else {}
    for cand in (entry.get("sample"), opts.get("sample"), settings.get("sample")):
        if cand:
            return str(cand)
    if has_samples:
        return WHOLE_CAMPAIGN
    return str(entry.get("label") or entry.get("id"))


def from_results_folder(folder: str | PathLike[str]) -> CampaignReport:
    """Read a campaign output folder (``results.json`` and ``figures/``).

    Raises
    ------
    FormatError
        When the folder has no ``results.json`` or it is not a heterolab campaign result.
    """
    root = Path(folder)
    path = root / "results.json"
    if not path.is_file():
        raise FormatError(
            path, "no results.json here; give the output folder of `heterolab campaign run`"
        )
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        entries = payload["steps"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise FormatError(path, f"not a heterolab campaign result file: {exc}") from None
    report = CampaignReport(
        name=str(payload.get("campaign", root.name)),
        description=str(payload.get("description", "")),
        heterolab_version=str(payload.get("heterolab_version", "")),
        source=root,
        series={str(k): list(v) for k, v in (payload.get("series") or {}).items()},
        series_info={str(k): dict(v) for k, v in (payload.get("series_info") or {}).items()},
        sample_info={str(s["name"]): dict(s) for s in payload.get("samples") or [] if "name" in s},
    )
    for e in entries:
        result = Result.from_dict(e["result"])
        result.curves = _read_curves(root / "curves" / f"{e['id']}.json")
        fig = root / "figures" / f"{e['id']}.png"
        report.steps.append(
            StepRecord(
                id=str(e["id"]),
                label=str(e.get("label", "")),
                type=str(e.get("type", result.kind)),
                result=result,
                sample=_sample_of(e, result, bool(report.sample_info)),
                note=str(e.get("note", "")),
                cached=bool(e.get("cached", False)),
                figure=fig if fig.is_file() else None,
            )
        )
    return report


def from_run(run: Any) -> CampaignReport:
    """Build from an in-memory :class:`~heterolab.campaign.CampaignRun` (results with curves)."""
    from heterolab import __version__

    camp = run.campaign
    report = CampaignReport(
        name=camp.name,
        description=camp.description,
        heterolab_version=__version__,
        source=Path(run.outdir),
    )
    for step in camp.steps:
        if step.id not in run.results:
            continue
        result = run.results[step.id]
        entry = {
            "id": step.id,
            "label": step.label,
            "options": step.options,
            "sample": getattr(step, "sample", None),
        }
        report.steps.append(
            StepRecord(
                id=step.id,
                label=step.label,
                type=step.type,
                result=result,
                sample=_sample_of(entry, result, bool(getattr(camp, "samples", ()))),
                note=step.note,
                cached=step.id in run.cached,
                figure=run.figures.get(step.id),
            )
        )
    return report


# ---------------------------------------------------------------------- curves
_MAX_1D = 2000
_MAX_2D = 200


def _thin_index(n: int, limit: int) -> np.ndarray:
    return np.arange(0, n, max(1, -(-n // limit)))


def curves_to_json(curves: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe form of 1-D and 2-D curves (thinned; non-finite values as None)."""
    out: dict[str, Any] = {}
    for name, da in curves.items():
        if getattr(da, "ndim", 0) not in (1, 2):
            continue
        limit = _MAX_1D if da.ndim == 1 else _MAX_2D
        sel = {str(d): _thin_index(da.sizes[d], limit) for d in da.dims}
        d = da.isel(sel)
        coords = {}
        for dim in d.dims:
            if dim in d.coords and np.issubdtype(d[dim].dtype, np.number):
                coords[str(dim)] = {
                    "values": _json_list(d[dim].values),
                    "units": str(d[dim].attrs.get("units", "")),
                }
        if not np.issubdtype(d.dtype, np.number):
            continue
        out[str(name)] = {
            "dims": [str(x) for x in d.dims],
            "coords": coords,
            "values": _json_list(d.values),
            "units": str(d.attrs.get("units", "")),
        }
    return out


def _json_list(a: Any) -> Any:
    """Nested lists of floats with None for NaN/inf (strict JSON)."""
    arr = np.asarray(a, dtype=float)
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    return obj.tolist()


def curves_from_json(payload: dict[str, Any]) -> dict[str, Any]:
    """DataArrays back from :func:`curves_to_json`."""
    import xarray as xr

    out = {}
    for name, c in payload.items():
        coords = {
            dim: (dim, np.asarray(v["values"], dtype=float), {"units": v.get("units", "")})
            for dim, v in c.get("coords", {}).items()
        }
        values = np.asarray(
            [[np.nan if x is None else x for x in row] for row in c["values"]]
            if len(c["dims"]) == 2
            else [np.nan if x is None else x for x in c["values"]],
            dtype=float,
        )
        out[name] = xr.DataArray(
            values, dims=c["dims"], coords=coords, attrs={"units": c.get("units", "")}
        )
    return out


def write_curves(result: Result, path: str | PathLike[str]) -> Path | None:
    """Write ``result.curves`` to ``path`` (``curves/ID.json`` of a campaign folder) for the
    report's interactive plots; None when the result has no 1-D or 2-D curves."""
    payload = curves_to_json(result.curves)
    if not payload:
        return None
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(payload, allow_nan=False), encoding="utf-8")
    return p


def _read_curves(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return curves_from_json(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise FormatError(path, f"not a heterolab curves file: {exc}") from None
