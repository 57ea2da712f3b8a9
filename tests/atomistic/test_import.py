"""``import heterolab.atomistic`` and the io registry stay light (issue #16, STYLE 5)."""

from __future__ import annotations

import subprocess
import sys


def test_atomistic_import_pulls_no_heavy_packages() -> None:
    code = (
        "import sys, heterolab, heterolab.atomistic, heterolab.io.dft, heterolab.cli.atomistic;"
        "print(sorted(m for m in ('pymatgen', 'ase', 'torch', 'sevenn', 'matplotlib')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_names_resolve() -> None:
    import heterolab.atomistic as at

    assert callable(at.charge_density_difference)
    assert "bulk" in dir(at)
    try:
        at.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("missing attribute did not raise")
