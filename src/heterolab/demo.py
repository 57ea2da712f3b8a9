"""``heterolab demo``: run the bundled example campaign and say where the results are.

The example campaign (``examples/thesis_trpl/campaign.toml``) analyses the time-resolved PL of
the reference thesis's chapters 3 and 4 from raw decays that heterolab simulated with the
thesis's reported parameters (labelled as simulated in every file), plus real public decays
(the LifeFit Atto550 decay with its measured IRF, MIT licence; the tttrlib beads FLIM image,
BSD-3-Clause licence).
"""

from __future__ import annotations

import math
import sys
import textwrap
from os import PathLike
from pathlib import Path
from typing import TextIO

from heterolab.campaign import CampaignRun, run_campaign
from heterolab.errors import ParameterError

__all__ = ["DEMO_CAMPAIGN", "examples_dir", "format_run_summary", "run_demo"]

DEMO_CAMPAIGN = "thesis_trpl/campaign.toml"


def examples_dir() -> Path:
    """The bundled examples folder (repository checkout or installed wheel)."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parents[1] / "examples", here / "_examples"):
        if (candidate / DEMO_CAMPAIGN).is_file():
            return candidate
    raise ParameterError(
        f"the bundled example campaign {DEMO_CAMPAIGN} was not found next to the package; "
        "reinstall heterolab from its source tree"
    )


def run_demo(
    outdir: str | PathLike[str] = "heterolab-demo",
    *,
    progress: bool = True,
    use_cache: bool = True,
) -> CampaignRun:
    """Run the example campaign into ``outdir`` (default ``./heterolab-demo``)."""
    return run_campaign(
        examples_dir() / DEMO_CAMPAIGN, outdir, progress=progress, use_cache=use_cache
    )


def format_run_summary(run: CampaignRun, max_quantities: int = 6) -> str:
    """Readable summary of a campaign run: key numbers per step, warnings, output paths."""
    lines = [f"{run.campaign.name}", ""]
    for step in run.campaign.steps:
        res = run.results.get(step.id)
        if res is None:
            continue
        flag = {"ok": "", "suspect": "  [SUSPECT]"}.get(res.status, "  [FAILED]")
        cached = "  (cached)" if step.id in run.cached else ""
        lines.append(f"{step.id}: {step.label}{flag}{cached}")
        if step.note:
            lines.extend(
                textwrap.wrap(
                    step.note, width=96, initial_indent="    note: ", subsequent_indent="          "
                )
            )
        if res.message:
            lines.append(f"    {res.message}")
        if res.status == "failed":
            continue
        comparison = res.statistics.get("reference_comparison", {})
        shown = (
            list(res.parameters.items())[:max_quantities]
            + list(res.derived.items())[:max_quantities]
        )
        shown += [(n, res[n]) for n in comparison if n not in dict(shown)]
        for name, q in shown:
            c = comparison.get(name)
            ref_text = ""
            if c is not None:
                verdict = (
                    "ok" if c["verdict"] == "ok" else f"DIFFERS, {c['deviation_sigma']:+.1f} σ"
                )
                ref_text = f"   (published {c['published']:g}: {verdict})"
            value = f"{q}" if math.isfinite(q.value) else f"{q.value} {q.unit}"
            lines.append(f"    {name:<24} {value}{ref_text}")
        lines.extend(f"    ! {w}" for w in res.warnings)
    lines += [
        "",
        f"results table : {run.results_csv}",
        f"results JSON  : {run.results_json}",
        f"figures       : {run.outdir / 'figures'} ({len(run.figures)} PNG)",
        f"result store  : {run.outdir / 'heterolab.sqlite'}",
    ]
    if run.failed:
        lines.append(f"FAILED steps  : {', '.join(run.failed)}")
    return "\n".join(lines)


def main(outdir: str = "heterolab-demo", stream: TextIO | None = None) -> int:
    """Run the demo and print its summary; returns the process exit status."""
    out = stream or sys.stdout
    run = run_demo(outdir)
    out.write(format_run_summary(run) + "\n")
    site = write_demo_report(run)
    out.write(f"\nDemo results written to {run.outdir.resolve()}\n")
    out.write(f"HTML report (opens from disk): {site.resolve()}\n")
    return 1 if run.failed else 0


def write_demo_report(run: CampaignRun) -> Path:
    """Write the demo's static HTML report into ``<outdir>/report``; returns its index page."""
    from heterolab.report.html import build_site
    from heterolab.report.html_source import from_results_folder

    build_site(from_results_folder(run.outdir), run.outdir / "report")
    return run.outdir / "report" / "index.html"
