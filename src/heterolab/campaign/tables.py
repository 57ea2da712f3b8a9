"""The tables a campaign run writes: results.json, results.csv and one CSV per series.

Every file is deterministic (no times, sorted keys), so a resumed run and a clean run write
byte-identical files.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from heterolab import __version__
from heterolab.campaign.outputs import csv_text, write_atomic
from heterolab.result import Quantity, Result, json_safe

if TYPE_CHECKING:
    from heterolab.campaign.runner import CampaignRun
    from heterolab.campaign.spec import Campaign

__all__ = ["CSV_HEADER", "SERIES_HEADER", "quantity_rows", "series_rows", "write_outputs"]

CSV_HEADER = [
    "step",
    "label",
    "group",
    "name",
    "value",
    "stderr",
    "unit",
    "value ± stderr",
    "sample",
    "published",
    "deviation_sigma",
    "comparison",
    "status",
    "warnings",
]
SERIES_HEADER = ["sample", "x", "step", "value", "stderr", "unit", "value ± stderr", "status"]


def _num(x: float | None) -> float | str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else x


def rounded(q: Quantity) -> str:
    """``"8.08 ± 0.12"``: the value rounded to its uncertainty (no unit)."""
    return format(Quantity(q.value, q.stderr, "1"), "")


def quantity_rows(run: CampaignRun) -> list[list[Any]]:
    """One row per reported quantity of every step (columns :data:`CSV_HEADER`)."""
    rows: list[list[Any]] = []
    for step in run.campaign.steps:
        res = run.results.get(step.id)
        if res is None:
            continue
        comparison = res.statistics.get("reference_comparison", {})
        notes = "; ".join(([res.message] if res.message else []) + list(res.warnings))
        for group, quantities in (("parameter", res.parameters), ("derived", res.derived)):
            for name, q in quantities.items():
                c = comparison.get(name, {})
                rows.append(
                    [
                        step.id,
                        step.label,
                        group,
                        name,
                        _num(q.value),
                        _num(q.stderr),
                        q.unit,
                        rounded(q),
                        step.sample,
                        _num(c.get("published")),
                        "" if not c else _num(float(f"{c['deviation_sigma']:.3g}")),
                        c.get("verdict", ""),
                        res.status,
                        notes,
                    ]
                )
    return rows


def series_rows(campaign: Campaign, results: dict[str, Result], series_id: str) -> list[list[Any]]:
    """Rows of one series table (columns :data:`SERIES_HEADER`), sorted by x then sample."""
    ser = next(s for s in campaign.series if s.id == series_id)
    rows = []
    for step in campaign.steps:
        if ser.steps and step.id not in ser.steps and step.template not in ser.steps:
            continue
        res = results.get(step.id)
        sample = campaign.sample(step.sample) if step.sample else None
        if res is None or sample is None:
            continue
        try:
            q = res[ser.quantity]
        except KeyError:
            continue
        rows.append(
            [
                sample.name,
                sample.parameter(ser.x),
                step.id,
                _num(q.value),
                _num(q.stderr),
                q.unit,
                rounded(q),
                res.status,
            ]
        )
    return sorted(rows, key=lambda r: (str(type(r[1])), r[1] if r[1] is not None else 0, r[0]))


def write_outputs(run: CampaignRun) -> None:
    """Write results.json, results.csv and series/*.csv of ``run`` (atomically, no links)."""
    camp = run.campaign
    series = {s.id: series_rows(camp, run.results, s.id) for s in camp.series}
    payload = {
        "campaign": camp.name,
        "description": camp.description,
        "heterolab_version": __version__,
        "samples": [
            {
                "name": s.name,
                "material": s.material,
                "synthesis": s.synthesis,
                "metadata": s.metadata,
            }
            for s in camp.samples
        ],
        "steps": [
            {
                "id": s.id,
                "label": s.label,
                "type": s.type,
                "sample": s.sample,
                "note": s.note,
                "result": run.results[s.id].to_dict(),
            }
            for s in camp.steps
            if s.id in run.results
        ],
        "series": {
            sid: [dict(zip(SERIES_HEADER, r, strict=True)) for r in rows]
            for sid, rows in series.items()
        },
        "series_info": {
            s.id: {"label": s.label, "quantity": s.quantity, "x": s.x} for s in camp.series
        },
    }
    text = json.dumps(json_safe(payload), indent=2, sort_keys=False, ensure_ascii=False)
    write_atomic(run.outdir, "results.json", text + "\n")
    write_atomic(run.outdir, "results.csv", csv_text(CSV_HEADER, quantity_rows(run)))
    for sid, rows in series.items():
        write_atomic(run.outdir, f"series/{sid}.csv", csv_text(SERIES_HEADER, rows))
