"""``heterolab run | status | results CAMPAIGN``: a whole study from its campaign file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from heterolab.cli._apps import app
from heterolab.cli._common import JSON_OPTION, handle_errors

CAMPAIGN_ARG = typer.Argument(..., help="campaign.toml describing samples, files and analyses.")
OUT_OPTION = typer.Option(
    None, "--out", "-o", help="Output folder (default: heterolab-results beside the campaign)."
)


@app.command("run")
@handle_errors
def run(
    campaign: Path = CAMPAIGN_ARG,
    out: Path | None = OUT_OPTION,
    no_cache: bool = typer.Option(False, "--no-cache", help="Recompute every step."),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, help="Compute on a local Dask cluster of N processes."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of a running Dask scheduler to compute on."
    ),
    wait: float = typer.Option(
        0.0, "--wait", min=0.0, help="Wait for another run on the same folder (s)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run a campaign: every analysis, figures, results tables and the result store.

    Exit status 1 when a step failed (the others still ran), 2 when the campaign file has
    problems (all listed, with line numbers, before anything runs).
    """
    from heterolab.campaign import run_campaign
    from heterolab.demo import format_run_summary

    result = run_campaign(
        campaign,
        out,
        use_cache=not no_cache,
        progress=not as_json,
        workers=workers,
        scheduler=scheduler,
        wait=wait,
    )
    if as_json:
        typer.echo(json.dumps({sid: r.to_dict() for sid, r in result.results.items()}, indent=2))
    else:
        typer.echo(format_run_summary(result))
        typer.echo(
            f"\n{len(result.computed)} computed, {len(result.cached)} from the store, "
            f"{len(result.failed)} failed; results written to {result.outdir.resolve()}"
        )
    if result.failed:
        raise typer.Exit(1)


@app.command("status")
@handle_errors
def status(
    campaign: Path = CAMPAIGN_ARG, out: Path | None = OUT_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Which steps are up to date, changed, failed, new or waiting (nothing is run)."""
    from heterolab.campaign import campaign_status

    rows = campaign_status(campaign, out)
    if as_json:
        typer.echo(json.dumps({"steps": rows}, indent=2))
        return
    width = max([len(r["step"]) for r in rows] + [4])
    for r in rows:
        typer.echo(f"{r['step']:<{width}}  {r['state']:<10}  {r['status']}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    typer.echo(", ".join(f"{n} {state}" for state, n in counts.items()))


@app.command("results")
@handle_errors
def results(
    campaign: Path = CAMPAIGN_ARG,
    out: Path | None = OUT_OPTION,
    as_json: bool = JSON_OPTION,
    as_csv: bool = typer.Option(False, "--csv", help="Print the quantities as CSV."),
    step: str | None = typer.Option(None, "--step", help="Only this step (SQL LIKE pattern)."),
    sample: str | None = typer.Option(None, "--sample", help="Only this sample."),
    name: str | None = typer.Option(None, "--name", help="Only this quantity (LIKE pattern)."),
    table: str | None = typer.Option(
        None, "--table", help="A table for papers: these quantities (e.g. tau_1,eta) by sample."
    ),
    fmt: str = typer.Option("md", "--format", help="Format of --table: md, latex, csv or xlsx."),
    output: Path | None = typer.Option(
        None, "--output", help="Write the --table here instead of printing it (xlsx needs it)."
    ),
) -> None:
    """Print the stored results of a campaign (one row per quantity), or with --table a table
    for papers: values rounded to their uncertainty, units in headers, warnings as footnotes."""
    if table is not None:
        _paper_table(campaign, out, table, fmt, output)
        return
    from heterolab.campaign import default_outdir, open_results
    from heterolab.campaign.outputs import csv_text
    from heterolab.result import Quantity

    folder = out if out is not None else default_outdir(campaign)
    with open_results(folder) as res:
        frame = res.quantities(step=step, sample=sample, name=name)
    if as_json:
        records = json.loads(frame.to_json(orient="records"))
        typer.echo(json.dumps({"campaign": str(campaign), "quantities": records}, indent=2))
        return
    rounded = [
        format(Quantity(v, None if s != s else s, "1"), "")
        for v, s in zip(frame["value"], frame["stderr"], strict=True)
    ]
    if as_csv:
        frame = frame.assign(rounded=rounded).rename(columns={"rounded": "value ± stderr"})
        sys.stdout.write(csv_text(list(frame.columns), frame.itertuples(index=False)))
        return
    for (_, r), text in zip(frame.iterrows(), rounded, strict=True):
        unit = "" if r["unit"] in ("1", None) else r["unit"]
        typer.echo(f"{r['step_id']:<28} {r['name']:<24} {text} {unit}  [{r['status']}]")


def _paper_table(
    campaign: Path, out: Path | None, names_text: str, fmt: str, output: Path | None
) -> None:
    from heterolab.campaign import default_outdir, open_results
    from heterolab.campaign.outputs import write_atomic
    from heterolab.report.tables import FORMATS, TableRow, results_table

    names = [n.strip() for n in names_text.split(",") if n.strip()]
    if fmt not in FORMATS:
        from heterolab.errors import ParameterError

        raise ParameterError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    if fmt == "xlsx" and output is None:
        from heterolab.errors import ParameterError

        raise ParameterError("--format xlsx writes a file: give --output TABLE.xlsx")
    folder = out if out is not None else default_outdir(campaign)
    with open_results(folder) as res:
        current = res.results()
    chosen = [
        (sid, sample, r)
        for sid, (sample, r) in current.items()
        if any(n in r.parameters or n in r.derived for n in names)
    ]
    samples = [sample for _, sample, _ in chosen]
    rows = [
        TableRow(
            label=sample
            if sample and samples.count(sample) == 1
            else (f"{sample}: {sid}" if sample else sid),
            quantities={n: r[n] for n in names if n in r.parameters or n in r.derived},
            warnings=tuple(r.warnings),
            status=r.status,
            message=r.message,
        )
        for sid, sample, r in chosen
    ]
    text = results_table(rows, names, fmt)
    if output is None:
        sys.stdout.write(text if isinstance(text, str) else text.decode())
        return
    target = output.resolve()
    write_atomic(target.parent, target.name, text)
    typer.echo(f"table written to {target}")
