"""The reference thesis's published tables and numbers, as data files with their sources.

Each table lives in ``reference/<name>.toml`` (e.g. ``table_4_1.toml``) with a ``source``
string (thesis section / table), a ``columns`` map of column name to unit, and ``rows``.
Analyses use them to reproduce the thesis (``--preset thesis-...``) and to report where the
thesis's own numbers disagree with each other. Reference: Yang Yongge, PhD thesis, UEC Tokyo
(2024).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from heterolab.errors import ParameterError

__all__ = ["available_tables", "load_table"]


def available_tables() -> list[str]:
    """Names of the bundled reference tables."""
    return sorted(
        p.name.removesuffix(".toml")
        for p in resources.files(__package__).iterdir()
        if p.name.endswith(".toml")
    )


def load_table(name: str) -> dict[str, Any]:
    """Load reference table ``name`` (file ``reference/<name>.toml``) as a dict.

    Raises
    ------
    ParameterError
        If no such table is bundled; the message lists the available ones.
    """
    path = resources.files(__package__) / f"{name}.toml"
    if not path.is_file():
        raise ParameterError(
            f"no reference table {name!r}; available: {', '.join(available_tables())}"
        )
    return tomllib.loads(path.read_text(encoding="utf-8"))
