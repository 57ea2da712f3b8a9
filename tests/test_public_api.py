"""Each package declares its public API once (``__all__`` with :func:`heterolab._lazy.lazy_api`),
and every declared name imports (issue #8: ``fit_global`` and ``tauc_gap`` could not be imported
from their packages)."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "heterolab.kinetics",
    "heterolab.kinetics.trpl",
    "heterolab.kinetics.ta",
    "heterolab.thesis",
    "heterolab.calculators",
    "heterolab.atomistic",
    "heterolab.structure.xrd",
    "heterolab.structure.giwaxs",
    "heterolab.structure.xps",
    "heterolab.structure.microscopy",
    "heterolab.structure.imaging",
    "heterolab.io",
    "heterolab.spectroscopy",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_declared_name_imports_and_is_listed(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__, package
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'nope'"):
        module.nope  # noqa: B018


def test_the_analyses_reachable_from_their_packages() -> None:
    from heterolab.kinetics import fit_decay, fit_global, svd_analysis
    from heterolab.kinetics.ta import fit_target
    from heterolab.spectroscopy import tauc_gap

    assert all(callable(f) for f in (fit_decay, fit_global, svd_analysis, fit_target, tauc_gap))
