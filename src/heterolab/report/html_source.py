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

from heterolab.errors import FormatError
from heterolab.result import Result

__all__ = ["CampaignReport", "StepRecord", "from_results_folder", "from_run", "technique_of"]

#: Display names of the analysis families (first part of a step type or Result kind).
TECHNIQUES = {
    "trpl": "TRPL",
    "flim": "FLIM",
    "ta": "Transient absorption",
    "spectrum": "Steady-state spectra",
    "spectroscopy": "Steady-state spectra",
    "plqy": "PLQY",
    "bands": "Band alignment",
    "physics": "Physics models",
    "derived": "Derived quantities",
    "thesis": "Thesis tables",
    "xrd": "XRD",
    "giwaxs": "GIWAXS",
    "xps": "XPS/UPS",
    "tem": "Microscopy",
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


def _sample_of(entry: dict[str, Any], result: Result) -> str:
    """The sample a step measured: an explicit ``sample`` (step or options), else its label,
    else its id."""
    opts = entry.get("options") or {}
    settings = (result.provenance.get("settings") or {}) if result.provenance else {}
    for cand in (entry.get("sample"), opts.get("sample"), settings.get("sample")):
        if cand:
            return str(cand)
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
        sample_info={str(s["name"]): dict(s) for s in payload.get("samples") or [] if "name" in s},
    )
    for e in entries:
        result = Result.from_dict(e["result"])
        fig = root / "figures" / f"{e['id']}.png"
        report.steps.append(
            StepRecord(
                id=str(e["id"]),
                label=str(e.get("label", "")),
                type=str(e.get("type", result.kind)),
                result=result,
                sample=_sample_of(e, result),
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
                sample=_sample_of(entry, result),
                note=step.note,
                cached=step.id in run.cached,
                figure=run.figures.get(step.id),
            )
        )
    return report
