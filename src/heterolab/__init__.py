"""heterolab: from raw instrument files of nanocrystal heterostructures to publishable numbers.

The top-level import is light (no matplotlib, dask or pymatgen); sub-packages load on first
attribute access::

    import heterolab
    result = heterolab.kinetics.fit_decay(decay, irf=irf)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {
    "atomistic",
    "campaign",
    "errors",
    "io",
    "kinetics",
    "materials",
    "physics",
    "report",
    "result",
    "simulate",
    "spectroscopy",
    "structure",
    "testing",
    "thesis",
    "uncertainty",
    "units",
}

__all__ = ["Quantity", "Result", "__version__", *sorted(_SUBMODULES)]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"heterolab.{name}")
    if name in ("Result", "Quantity"):
        return getattr(importlib.import_module("heterolab.result"), name)
    raise AttributeError(f"module 'heterolab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
