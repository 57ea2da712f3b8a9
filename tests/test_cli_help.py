"""Every ``--help`` page renders, and every unit written in an option's help survives the
rendering (issue #8: Rich markup swallowed 19 of 26 bracketed units, "Film thickness .")."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from heterolab.cli import app

runner = CliRunner()
_UNIT = re.compile(r"[\[(]([^\[\]()]{1,12})[\])]")
# Option names that denote a dimensioned quantity: their help must state a unit.
_DIMENSIONED = re.compile(
    r"(^|-)(tau|thickness|fwhm|bin-width|wavelength|temperature|diameter|radius|"
    r"energy|t-min|t-max|delay|period|pixel-size)(-|$)"
)


def _commands(group, path: tuple[str, ...] = ()):
    yield path, group
    if hasattr(group, "commands"):  # a group (Typer vendors its own click)
        for name, sub in group.commands.items():
            yield from _commands(sub, (*path, name))


_ALL = list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path,cmd", _ALL, ids=[" ".join(p) or "heterolab" for p, _c in _ALL])
def test_help_renders_and_keeps_every_unit(path, cmd) -> None:
    res = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    page = " ".join(res.output.split())
    for param in cmd.params:
        help_text = getattr(param, "help", None) or ""
        for unit in _UNIT.findall(help_text):
            assert unit in page, f"{' '.join(path)} {param.name}: unit {unit!r} lost from --help"


@pytest.mark.parametrize("path,cmd", _ALL, ids=[" ".join(p) or "heterolab" for p, _c in _ALL])
def test_dimensioned_options_state_their_unit(path, cmd) -> None:
    missing = []
    for param in cmd.params:
        opts = [o.lstrip("-") for o in getattr(param, "opts", [])]
        if not any(_DIMENSIONED.search(o) for o in opts):
            continue
        help_text = getattr(param, "help", None) or ""
        if not _UNIT.search(help_text) and "unit" not in help_text.lower():
            missing.append("/".join(opts))
    assert not missing, f"{' '.join(path)}: options without a unit in their help: {missing}"


@pytest.mark.parametrize("argv", [["--help"], ["ta", "--help"], ["xrd", "refine", "--help"]])
def test_help_loads_no_numerical_library(argv: list[str]) -> None:
    """``heterolab --help`` (and every group's) imports no numpy, scipy, xarray or matplotlib:
    the enums the options list live in light ``choices`` modules (issue #8: --help took
    0.9-1.2 s, then 3.4 s under load once scipy.optimize came in through an enum)."""
    import subprocess
    import sys

    code = (
        "import sys; from heterolab.cli import main; sys.argv = ['heterolab', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('numpy', 'scipy', 'xarray', 'matplotlib')\n"
        "print(','.join(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
    )
    assert "Usage" in out.stdout
    assert out.stderr.strip() == ""
