"""Formula masses and reagent data for synthesis bookkeeping (spec P-54).

Atomic weights: IUPAC CIAAW abridged standard atomic weights (Prohaska et al., Pure Appl.
Chem. 94, 573 (2022)); the conventional single values are used for elements with intervals.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from heterolab.errors import ParameterError

__all__ = ["ATOMIC_WEIGHTS", "Reagent", "get_reagent", "known_reagents", "molar_mass"]

#: g mol⁻¹; IUPAC abridged standard atomic weights (2021).
ATOMIC_WEIGHTS: dict[str, float] = {
    "H": 1.008,
    "C": 12.011,
    "N": 14.007,
    "O": 15.999,
    "F": 18.998,
    "Si": 28.085,
    "P": 30.974,
    "S": 32.06,
    "Cl": 35.45,
    "K": 39.098,
    "Ca": 40.078,
    "Br": 79.904,
    "Rb": 85.468,
    "Sr": 87.62,
    "Sn": 118.71,
    "I": 126.90,
    "Cs": 132.91,
    "Ba": 137.33,
    "Pb": 207.2,
    "Na": 22.990,
    "Zn": 65.38,
    "Cd": 112.41,
    "Se": 78.971,
    "Te": 127.60,
    "Mn": 54.938,
    "Ge": 72.630,
    "Bi": 208.98,
    "Ag": 107.87,
    "In": 114.82,
}

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)|(\()|(\))(\d*)")


def molar_mass(formula: str) -> float:
    """Molar mass [g mol⁻¹] of a chemical formula such as ``"Cs2CO3"`` or ``"(C7H10N)2PbBr4"``.

    Raises
    ------
    ParameterError
        For unknown elements or malformed formulas (names the offending part).
    """
    stack: list[float] = [0.0]
    pos = 0
    text = formula.replace(" ", "")
    if not text:
        raise ParameterError("empty chemical formula")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParameterError(f"cannot parse formula {formula!r} at {text[pos:]!r}")
        elem, count, open_, close, close_count = m.groups()
        if elem:
            if elem not in ATOMIC_WEIGHTS:
                raise ParameterError(f"unknown element {elem!r} in formula {formula!r}")
            stack[-1] += ATOMIC_WEIGHTS[elem] * (int(count) if count else 1)
        elif open_:
            stack.append(0.0)
        elif close:
            if len(stack) < 2:
                raise ParameterError(f"unbalanced ')' in formula {formula!r}")
            group = stack.pop()
            stack[-1] += group * (int(close_count) if close_count else 1)
        pos = m.end()
    if len(stack) != 1:
        raise ParameterError(f"unbalanced '(' in formula {formula!r}")
    return stack[0]


@dataclass(frozen=True)
class Reagent:
    """A reagent: molar mass [g mol⁻¹] (from its formula unless tabulated) and density."""

    key: str
    name: str
    formula: str
    molar_mass: float
    density_g_per_ml: float | None
    note: str = ""
    molar_mass_range: tuple[float, float] | None = None


@functools.cache
def _reagent_table() -> dict[str, dict]:
    text = (resources.files(__package__) / "reagents.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["reagents"]


def known_reagents() -> list[str]:
    """Keys of the tabulated reagents."""
    return sorted(_reagent_table())


def get_reagent(key: str) -> Reagent:
    """The tabulated reagent ``key`` (e.g. ``"PbBr2"``, ``"(TMS)2S"``, ``"lecithin"``)."""
    table = _reagent_table()
    if key not in table:
        raise ParameterError(f"unknown reagent {key!r}; known: {', '.join(known_reagents())}")
    raw = table[key]
    mm = raw.get("molar_mass") or molar_mass(raw["formula"])
    rng = raw.get("molar_mass_range")
    return Reagent(
        key=key,
        name=raw.get("name", key),
        formula=raw.get("formula", ""),
        molar_mass=float(mm),
        density_g_per_ml=raw.get("density_g_per_ml"),
        note=raw.get("note", ""),
        molar_mass_range=(float(rng[0]), float(rng[1])) if rng else None,
    )
