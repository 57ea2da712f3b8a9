"""``-v/-q`` on every command, warnings printed through logging as one line each, progress
only on stderr (issue #15: "-v/-q on every command, warnings from scipy and matplotlib routed
through logging, not leaked to stderr")."""

from __future__ import annotations

import logging
import warnings

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.cli._common import handle_errors
from heterolab.log import get_logger, verbosity_level
from heterolab.progress import progress, progress_enabled, progress_task, set_progress

runner = CliRunner()


def _leaves(group, path: tuple[str, ...] = ()):
    if hasattr(group, "commands"):  # Typer vendors its own click: duck-type the group
        for name, sub in group.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path), group


_LEAVES = list(_leaves(typer.main.get_command(app)))


def test_every_command_offers_verbose_and_quiet() -> None:
    missing = [
        name
        for name, cmd in _LEAVES
        if not {"-v", "-q"} <= {o for p in cmd.params for o in getattr(p, "opts", [])}
    ]
    assert len(_LEAVES) > 70
    assert not missing, f"commands without -v/-q (decorate them with @handle_errors): {missing}"


def _demo_app() -> typer.Typer:
    """A one-command app whose command warns like scipy would and logs like heterolab does."""
    demo = typer.Typer()

    @demo.command()
    @handle_errors
    def run(n: int = typer.Option(1, "--n", help="Times.")) -> None:
        get_logger("tests").info("step one of %d", n)
        get_logger("tests").debug("detail")
        warnings.warn("covariance could not be estimated", RuntimeWarning, stacklevel=1)
        typer.echo(f"result {n}")

    return demo


@pytest.mark.filterwarnings("default")
@pytest.mark.parametrize(
    ("flags", "shown", "hidden"),
    [
        ([], ["warning: covariance could not be estimated"], ["info:", "RuntimeWarning", "debug"]),
        (["-v"], ["info: step one of 1", "RuntimeWarning", "test_cli_verbosity.py"], ["debug:"]),
        (["-vv"], ["debug: detail"], []),
        (["-q"], [], ["warning", "info", "debug"]),
        (["-q", "-v"], [], ["warning", "info"]),
    ],
)
def test_warnings_and_messages_follow_the_verbosity(flags, shown, hidden) -> None:
    res = runner.invoke(_demo_app(), ["--n", "1", *flags])
    assert res.exit_code == 0, res.output
    assert res.stdout == "result 1\n"  # stdout carries the result only
    for text in shown:
        assert text in res.stderr
    for text in hidden:
        assert text not in res.stderr
    assert res.stderr.count("covariance") <= 1  # one line per warning, no source dump


def test_logging_state_is_restored_after_a_command(monkeypatch) -> None:
    monkeypatch.setenv("HETEROLAB_PROGRESS", "1")
    logger = logging.getLogger("heterolab")
    before = (list(logger.handlers), logger.level, logger.propagate, warnings.showwarning)
    runner.invoke(_demo_app(), ["-q"])
    assert (list(logger.handlers), logger.level, logger.propagate, warnings.showwarning) == before
    assert progress_enabled()  # -q's switch-off does not outlive its command


def test_quiet_wins_over_verbose() -> None:
    assert verbosity_level(2, quiet=True) == logging.ERROR
    assert verbosity_level(0, quiet=False) == logging.WARNING
    assert verbosity_level(5, quiet=False) == logging.DEBUG


def test_progress_passes_items_through_and_writes_only_stderr(capsys, monkeypatch) -> None:
    monkeypatch.setattr("heterolab.progress.DELAY_S", 0.0)
    set_progress(True)
    try:
        items = list(progress(range(5), description="fitting pixels", unit="px"))
        with progress_task("global fit", unit="evaluations") as tick:
            tick()
            tick(3)
    finally:
        set_progress(None)
    assert items == [0, 1, 2, 3, 4]
    out, err = capsys.readouterr()
    assert out == ""
    assert "fitting pixels" in err


def test_progress_off_returns_the_iterable_itself(monkeypatch) -> None:
    monkeypatch.setenv("HETEROLAB_PROGRESS", "0")
    data = [1, 2]
    assert progress(data, description="x") is data
    monkeypatch.setenv("HETEROLAB_PROGRESS", "1")
    assert progress_enabled()
