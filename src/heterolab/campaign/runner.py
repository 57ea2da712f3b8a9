"""Running a campaign: steps in dependency order, cached in the store, written to a folder.

Output folder layout::

    OUTDIR/
      results.json      every step's Result.to_dict() with id, label and type
      results.csv       one row per reported quantity: step, label, group, name, value, stderr,
                        unit, reference (published value if given), deviation_sigma
      figures/ID.png    one figure per step that has curves
      heterolab.sqlite  the result store (content-hash cache)
      .heterolab-results  marker: this folder was written by heterolab

A folder that is not empty and lacks the marker is refused, so no other files are overwritten.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
import warnings
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, TextIO

from heterolab import __version__
from heterolab.campaign.spec import Campaign, Step, load_campaign
from heterolab.campaign.store import ResultStore, cache_key
from heterolab.errors import HeterolabError, ParameterError
from heterolab.result import Quantity, Result, file_sha256
from heterolab.uncertainty import rounding_half_width

__all__ = ["CampaignRun", "run_campaign"]

MARKER = ".heterolab-results"


@dataclass
class CampaignRun:
    """What a campaign run produced."""

    campaign: Campaign
    outdir: Path
    results: dict[str, Result] = field(default_factory=dict)
    cached: set[str] = field(default_factory=set)
    figures: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """Ids of steps whose result is not ok."""
        return [sid for sid, r in self.results.items() if not r.ok]

    @property
    def results_json(self) -> Path:
        """Path of results.json."""
        return self.outdir / "results.json"

    @property
    def results_csv(self) -> Path:
        """Path of results.csv."""
        return self.outdir / "results.csv"


def _prepare_outdir(outdir: Path) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise ParameterError(f"output path {outdir} exists and is not a folder")
    if outdir.exists() and any(outdir.iterdir()) and not (outdir / MARKER).exists():
        raise ParameterError(
            f"output folder {outdir} is not empty and was not written by heterolab; "
            "choose an empty or new folder (nothing was written)"
        )
    (outdir / "figures").mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).write_text(f"written by heterolab {__version__}\n", encoding="utf-8")


def _resolve_uses(step: Step, results: dict[str, Result]) -> dict[str, Quantity]:
    used: dict[str, Quantity] = {}
    for name, (sid, qname) in step.uses.items():
        res = results[sid]
        if not res.ok:
            raise ParameterError(
                f"step {step.id} uses {sid}.{qname}, but step {sid} failed: {res.message}"
            )
        try:
            used[name] = res[qname]
        except KeyError as exc:
            raise ParameterError(f"step {step.id}: {exc.args[0]}") from None
    return used


def _step_key(step: Step, used: dict[str, Quantity]) -> str:
    return cache_key(
        {
            "type": step.type,
            "options": step.options,
            "inputs": {k: file_sha256(p) for k, p in sorted(step.inputs.items()) if p.is_file()},
            "uses": {k: [q.value, q.stderr, q.unit] for k, q in sorted(used.items())},
            "version": __version__,
        }
    )


def _compare_with_reference(step: Step, result: Result) -> None:
    """Record published values next to the computed ones; warn on disagreement beyond 3 sigma
    and the published rounding (``reference = {name = value}`` or ``{name = [value, tol]}``)."""
    comparison = {}
    for name, ref in step.reference.items():
        value, tol = (ref[0], ref[1]) if isinstance(ref, list) else (ref, None)
        try:
            q = result[name]
        except KeyError:
            result.warnings.append(
                f"reference value for {name!r} given, but the result has no such quantity"
            )
            continue
        err = q.stderr if q.stderr is not None and math.isfinite(q.stderr) else 0.0
        allowed = math.hypot(3 * err, tol if tol is not None else rounding_half_width(float(value)))
        deviation = q.value - float(value)
        comparison[name] = {"computed": q.value, "published": value, "difference": deviation}
        if abs(deviation) > allowed:
            result.warnings.append(
                f"{name} = {q} disagrees with the published {value} {q.unit} "
                f"(difference {deviation:+.4g}, more than 3 sigma and the published rounding)"
            )
    if comparison:
        result.statistics["reference_comparison"] = comparison


def _save_figure(result: Result, path: Path, title: str) -> Path | None:
    if not result.curves or not result.ok:
        return None
    from heterolab.report.plots import save_figure

    fig = result.plot()
    fig.suptitle(title, fontsize=9, y=0.998)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tight_layout may decline for some layouts: harmless
        fig.tight_layout(rect=(0, 0, 1, 0.965))
    return save_figure(fig, path)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _csv_rows(run: CampaignRun) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for step in run.campaign.steps:
        res = run.results.get(step.id)
        if res is None:
            continue
        for group, quantities in (("parameter", res.parameters), ("derived", res.derived)):
            for name, q in quantities.items():
                ref = step.reference.get(name)
                ref_value = ref[0] if isinstance(ref, list) else ref
                dev = ""
                if ref_value is not None and q.stderr and math.isfinite(q.stderr) and q.stderr > 0:
                    dev = f"{(q.value - float(ref_value)) / q.stderr:.3g}"
                rows.append(
                    [
                        step.id,
                        step.label,
                        group,
                        name,
                        q.value,
                        q.stderr,
                        q.unit,
                        "" if ref_value is None else ref_value,
                        dev,
                        res.status,
                    ]
                )
    return rows


def _write_outputs(run: CampaignRun) -> None:
    payload = {
        "campaign": run.campaign.name,
        "description": run.campaign.description,
        "heterolab_version": __version__,
        "steps": [
            {
                "id": s.id,
                "label": s.label,
                "type": s.type,
                "note": s.note,
                "cached": s.id in run.cached,
                "result": run.results[s.id].to_dict(),
            }
            for s in run.campaign.steps
            if s.id in run.results
        ],
    }
    _write_atomic(run.results_json, json.dumps(payload, indent=2) + "\n")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "step",
            "label",
            "group",
            "name",
            "value",
            "stderr",
            "unit",
            "published",
            "deviation_sigma",
            "status",
        ]
    )
    writer.writerows(_csv_rows(run))
    _write_atomic(run.results_csv, buf.getvalue())


def run_campaign(
    campaign: Campaign | str | PathLike[str],
    outdir: str | PathLike[str],
    *,
    use_cache: bool = True,
    progress: bool = True,
    stream: TextIO | None = None,
) -> CampaignRun:
    """Run every step of a campaign and write results, figures and the store to ``outdir``.

    Parameters
    ----------
    campaign
        A :class:`Campaign` or the path of a ``campaign.toml``.
    outdir
        Output folder (created; must be empty, new, or an earlier heterolab output folder).
    use_cache
        Reuse stored results of steps whose inputs did not change.
    progress
        Show a progress bar (on ``stream``, default stderr).

    Returns
    -------
    CampaignRun
        Results by step id; failed steps carry ``status = "failed"`` and a message, and the
        steps that use them fail with a message naming the failed step.
    """
    from tqdm import tqdm

    camp = campaign if isinstance(campaign, Campaign) else load_campaign(campaign)
    out = Path(outdir)
    _prepare_outdir(out)
    run = CampaignRun(camp, out)
    store = ResultStore(out / "heterolab.sqlite")
    bar = tqdm(
        camp.steps,
        desc=camp.name[:40],
        unit="step",
        disable=not progress,
        file=stream or sys.stderr,
        leave=False,
    )
    try:
        for step in bar:
            bar.set_postfix_str(step.id)
            run.results[step.id] = _run_one(step, run, store, use_cache)
            fig_path = out / "figures" / f"{step.id}.png"
            if step.id not in run.cached or not fig_path.exists():
                saved = _save_figure(run.results[step.id], fig_path, step.label)
                if saved is not None:
                    run.figures[step.id] = saved
            elif fig_path.exists():
                run.figures[step.id] = fig_path
        _write_outputs(run)
    finally:
        bar.close()
        store.close()
    return run


def _run_one(step: Step, run: CampaignRun, store: ResultStore, use_cache: bool) -> Result:
    from heterolab.campaign.steps import run_step

    try:
        used = _resolve_uses(step, run.results)
    except HeterolabError as exc:
        res = Result(kind=step.type)
        res.mark_failed(str(exc))
        return res
    key = _step_key(step, used)
    if use_cache:
        cached = store.get(key)
        if cached is not None:
            run.cached.add(step.id)
            return cached
    try:
        result = run_step(step, used)
    except HeterolabError as exc:
        result = Result(kind=step.type)
        result.mark_failed(str(exc))
    _compare_with_reference(step, result)
    if result.ok:
        store.put(key, step.id, result)
    return result
