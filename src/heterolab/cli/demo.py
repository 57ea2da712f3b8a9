"""``heterolab demo``: the bundled example campaign (``heterolab run`` is in cli/campaign.py)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from heterolab.cli._apps import app
from heterolab.cli._common import JSON_OPTION, handle_errors


@app.command("demo")
@handle_errors
def demo(
    out: Path = typer.Option(Path("heterolab-demo"), "--out", "-o", help="Output folder."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute every step."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Reproduce thesis chapters 3-4 across techniques (TRPL, TA, spectra, PLQY, Table 3-1,
    bands, XRD, XPS, TEM) from raw files written into OUT/inputs; write results and the HTML
    report (OUT/report/index.html). A second run is served from the result store."""
    from heterolab.demo import format_run_summary, run_demo, write_demo_report

    run = run_demo(out, use_cache=not no_cache, progress=not as_json)
    _print_run(run, as_json, format_run_summary)
    site = write_demo_report(run)
    if not as_json:
        typer.echo(f"\nDemo results written to {run.outdir.resolve()}")
        typer.echo(f"HTML report (opens from disk): {site.resolve()}")
    if run.failed:
        raise typer.Exit(1)


def _print_run(run, as_json: bool, formatter) -> None:
    if as_json:
        typer.echo(json.dumps({sid: r.to_dict() for sid, r in run.results.items()}, indent=2))
    else:
        typer.echo(formatter(run))
