"""Synthesis: the thesis's recipes as data and a stoichiometry calculator (spec P-54).

Examples
--------
>>> from heterolab.synthesis import sulfur_addition
>>> r = sulfur_addition("1:30", s_stock_molar=0.5)
>>> round(r.derived["stock_volume"].value, 1)
192.0
"""

from __future__ import annotations

from heterolab.synthesis.chemistry import Reagent, get_reagent, known_reagents, molar_mass
from heterolab.synthesis.recipes import (
    Recipe,
    available_recipes,
    check_stock,
    get_recipe,
    reaction_inventory,
)
from heterolab.synthesis.stoichiometry import (
    PRODUCTS,
    dilution,
    limiting_reagent,
    molarity,
    parse_ratio,
    sulfur_addition,
    sulfur_stock_for_volume,
)

__all__ = [
    "PRODUCTS",
    "Reagent",
    "Recipe",
    "available_recipes",
    "check_stock",
    "dilution",
    "get_reagent",
    "get_recipe",
    "known_reagents",
    "limiting_reagent",
    "molar_mass",
    "molarity",
    "parse_ratio",
    "reaction_inventory",
    "sulfur_addition",
    "sulfur_stock_for_volume",
]
