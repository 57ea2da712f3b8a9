"""Lazy public APIs: a package declares its public names once, each loaded on first use.

``import heterolab.kinetics`` must not pull scipy or xarray until a fit runs (PEP 562 module
``__getattr__``; the idea of scikit-image's ``lazy_loader.attach``). A package writes::

    __all__ = ["fit_decay", ...]
    _LAZY = {"fit_decay": "heterolab.kinetics.trpl.decay_fit", ...}
    __getattr__, __dir__ = lazy_api(__name__, _LAZY)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_api"]


def lazy_api(
    package: str, names: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``package`` whose public ``names`` map to the
    modules defining them (the attribute has the same name there)."""

    def get(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(names[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def listing() -> list[str]:
        return sorted({*vars(sys.modules[package]), *names})

    return get, listing
