"""``heterolab simulate PRESET OUTDIR``: write a thesis virtual experiment as raw files."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from heterolab.cli._apps import app
from heterolab.cli._common import JSON_OPTION, handle_errors


@app.command("simulate")
@handle_errors
def simulate(
    preset: str = typer.Argument(
        ..., help="Preset: thesis-cspbbr3-pbs-1to30 or thesis-pma2pbbr4-cspbbr3."
    ),
    outdir: Path = typer.Argument(..., help="Output folder (must be empty unless --force)."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random draw (reproducible)."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Simulate every measurement of a thesis sample; write reader-ready files and truth.json."""
    from heterolab.simulate.presets import write_preset

    manifest = write_preset(preset, outdir, seed=seed, force=force)
    summary = {
        "preset": manifest["preset"],
        "seed": manifest["seed"],
        "outdir": str(outdir),
        "simulated": True,
        "files": [*sorted(manifest["files"]), "truth.json"],
        "warnings": manifest["warnings"],
        "choices": manifest["choices"],
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(f"{manifest['preset']} (simulated, seed {manifest['seed']}) -> {outdir}")
    for name, info in sorted(manifest["files"].items()):
        dims = ", ".join(info["dims"])
        typer.echo(f"  {name:34s} ({dims})  [{info['units']}]")
    typer.echo("  truth.json                         ground truth, sources, assumptions")
    typer.echo("warnings (inconsistencies in the thesis numbers):")
    for w in manifest["warnings"]:
        typer.echo(f"  - {w}")
    if manifest["choices"]:
        typer.echo("choices between thesis numbers that contradict each other:")
    for c in manifest["choices"]:
        typer.echo(
            f"  - {c['quantity']}: used {c['used']:.4g} ({c['used_source']}), not "
            f"{c['not_used']:.4g} ({c['not_used_source']}) in {', '.join(c['files'])}"
        )
