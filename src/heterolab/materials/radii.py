"""Effective ionic radii (Shannon 1976; molecular cations from Kieslich et al. 2014).

The table is the data file ``_shannon_radii.toml`` in this package; radii depend on the
coordination number, which must be named explicitly (roman numeral, e.g. ``"XII"``).

References
----------
R. D. Shannon, Acta Cryst. A 32, 751 (1976), doi:10.1107/S0567739476001551.
G. Kieslich, S. Sun, A. K. Cheetham, Chem. Sci. 5, 4712 (2014), doi:10.1039/C4SC02211D.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from heterolab.errors import ParameterError

__all__ = ["RADII_SOURCE", "ionic_radius_angstrom", "known_ions"]

RADII_SOURCE = (
    "Shannon, Acta Cryst. A 32, 751 (1976); molecular cations: Kieslich et al., "
    "Chem. Sci. 5, 4712 (2014)"
)


@functools.cache
def _table() -> dict[str, Any]:
    text = (resources.files(__package__) / "_shannon_radii.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["ions"]


def known_ions() -> list[str]:
    """Ions in the table (e.g. ``"Cs+"``, ``"Pb2+"``, ``"Br-"``, ``"FA+"``)."""
    return sorted(_table())


def ionic_radius_angstrom(ion: str, coordination: str) -> float:
    """Effective ionic radius [Å] of ``ion`` at ``coordination`` (roman numeral).

    Examples
    --------
    >>> ionic_radius_angstrom("Cs+", "XII")
    1.88

    Raises
    ------
    ParameterError
        Unknown ion or coordination; the message lists what the table has.
    """
    table = _table()
    if ion not in table:
        raise ParameterError(f"no ionic radius for {ion!r}; known ions: {', '.join(known_ions())}")
    by_cn = table[ion]
    if coordination not in by_cn:
        raise ParameterError(
            f"no radius for {ion} in coordination {coordination!r}; "
            f"tabulated coordinations: {', '.join(by_cn)}"
        )
    return float(by_cn[coordination])
