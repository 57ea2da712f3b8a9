"""Every ``--plot`` refuses a suffix heterolab cannot write, at parse time, before any analysis
runs (issues #8, #15). The check is ``heterolab.report.check_figure_path``, wired into
``cli/_common.PLOT_OPTION`` as a Typer callback."""

from __future__ import annotations

import typer

from heterolab.cli import _common, app


def _plot_params() -> list[tuple[str, object, object]]:
    out = []

    def walk(cmd, path: str) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}".strip())
            return
        out.extend((path, cmd, p) for p in cmd.params if "--plot" in getattr(p, "opts", []))

    walk(typer.main.get_command(app), "")
    return out


def test_every_plot_option_refuses_other_suffixes_before_the_analysis():
    assert _common.PLOT_OPTION.callback is _common.figure_path
    params = _plot_params()
    assert params
    lacking = []
    for path, cmd, param in params:
        ctx = typer.Context(cmd)
        for good in ("f.png", "f.PDF", "f.svg"):
            param.process_value(ctx, good)
        try:
            param.process_value(ctx, "f.jpg")
        except typer.BadParameter as exc:
            assert ".png, .pdf, .svg" in str(exc)
        else:
            lacking.append(path)
    assert lacking == [], f"--plot without the suffix check (use PLOT_OPTION): {lacking}"
