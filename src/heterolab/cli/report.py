"""``heterolab report``: the static HTML report of a campaign."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from heterolab.cli._apps import app
from heterolab.cli._common import JSON_OPTION, handle_errors


@app.command("report")
@handle_errors
def report(
    campaign: Path = typer.Argument(
        ...,
        help="Output folder of a campaign run (holds results.json), or a campaign.toml to run "
        "first (cached steps are not recomputed).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Folder for the site (default: RESULTS/report)."
    ),
    results: Path | None = typer.Option(
        None,
        "--results",
        help="With a campaign.toml: its output folder (default: heterolab-results beside it).",
    ),
    interactive: bool = typer.Option(
        True,
        "--interactive/--static",
        help="Interactive plots (plotly.js copied next to the pages; needs heterolab[report]).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write a static HTML site (overview, a page per sample and per technique, series
    tables, problems, provenance) that opens from disk with no server."""
    from heterolab.report.html import build_site
    from heterolab.report.html_source import from_results_folder, from_run

    if campaign.suffix.lower() == ".toml":
        from heterolab.campaign import default_outdir, run_campaign

        folder = results or default_outdir(campaign)
        data = from_run(run_campaign(campaign, folder))
    else:
        folder = campaign
        data = from_results_folder(campaign)
    site = build_site(data, out or folder / "report", interactive=interactive)
    if as_json:
        payload = {
            "index": str(site.index),
            "pages": [str(p) for p in site.pages],
            "interactive": site.interactive,
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        typer.echo(f"report: {site.index} ({len(site.pages)} pages)")
        if interactive and not site.interactive:
            typer.echo(
                "note: static figures only; pip install 'heterolab[report]' for interactive plots"
            )
