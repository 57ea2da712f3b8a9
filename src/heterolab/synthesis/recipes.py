"""The thesis's synthesis recipes as data, and checks of their stated concentrations.

Recipes live in ``recipes.toml`` (this package): stocks (Cs-DOPA 0.02 M, PbBr2-TOPO 0.04 M,
lecithin, TOPO-S, the Chapter-4 DMF:DMSO precursor) and reactions (CsPbBr3 QDs, PbS QDs,
CsPbBr3-PbS heterostructures at Pb/S 1:1 … 1:30, PMA2PbBr4-CsPbBr3 injection). Thesis:
Yang Yongge, PhD thesis, UEC Tokyo (2024), §3.2, §4.2; spec P-54, verification V16.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance
from heterolab.synthesis.chemistry import get_reagent

__all__ = [
    "Component",
    "Recipe",
    "available_recipes",
    "check_stock",
    "get_recipe",
    "reaction_inventory",
]

#: Relative deviation between a stated and a recomputed concentration that is reported.
STATED_TOLERANCE = 0.05


@dataclass(frozen=True)
class Component:
    """One ingredient: a tabulated reagent or a stock, with its amount (one of the fields)."""

    reagent: str | None = None
    stock: str | None = None
    mass_mg: float | None = None
    amount_mmol: float | None = None
    volume_ml: float | None = None
    note: str = ""

    def amount_mmol_of_reagent(self) -> float | None:
        """Moles of a reagent component [mmol] (from mass, amount or neat volume × density)."""
        if self.reagent is None:
            return None
        r = get_reagent(self.reagent)
        if self.amount_mmol is not None:
            return self.amount_mmol
        if self.mass_mg is not None:
            return self.mass_mg / r.molar_mass
        return None


@dataclass(frozen=True)
class Recipe:
    """A stock or reaction recipe from ``recipes.toml``."""

    key: str
    title: str
    source: str
    kind: str
    components: tuple[Component, ...]
    total_volume_ml: float | None = None
    stated: dict[str, Any] = field(default_factory=dict)
    yields: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def volume_ml(self) -> float:
        """Total volume [mL]: stated, or the sum of the component volumes."""
        if self.total_volume_ml is not None:
            return self.total_volume_ml
        return sum(c.volume_ml or 0.0 for c in self.components)


@functools.cache
def _table() -> dict[str, Any]:
    text = (resources.files(__package__) / "recipes.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["recipes"]


def available_recipes() -> list[str]:
    """Keys of the bundled recipes."""
    return sorted(_table())


def _component(raw: dict[str, Any]) -> Component:
    vol = raw.get("volume_ml")
    if "volume_ul" in raw:
        vol = raw["volume_ul"] / 1000.0
    return Component(
        reagent=raw.get("reagent"),
        stock=raw.get("stock"),
        mass_mg=raw.get("mass_mg"),
        amount_mmol=raw.get("amount_mmol"),
        volume_ml=vol,
        note=raw.get("note", ""),
    )


def get_recipe(key: str) -> Recipe:
    """Recipe ``key``; raises ParameterError listing the bundled recipes."""
    table = _table()
    if key not in table:
        raise ParameterError(f"unknown recipe {key!r}; available: {', '.join(available_recipes())}")
    raw = dict(table[key])
    known = {"title", "source", "kind", "components", "total_volume_ml", "stated", "yields"}
    return Recipe(
        key=key,
        title=raw.get("title", key),
        source=raw.get("source", ""),
        kind=raw.get("kind", ""),
        components=tuple(_component(c) for c in raw.get("components", [])),
        total_volume_ml=raw.get("total_volume_ml"),
        stated=dict(raw.get("stated", {})),
        yields=dict(raw.get("yields", {})),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _computed_concentration(recipe: Recipe, molar_mass: float | None = None) -> float:
    """Concentration of the recipe's yielded species [mol L⁻¹] from its components."""
    y = recipe.yields
    if not y:
        raise ParameterError(f"recipe {recipe.key!r} is not a stock with a defined product")
    comp = next((c for c in recipe.components if c.reagent == y["from"]), None)
    if comp is None:
        raise ParameterError(f"recipe {recipe.key!r} has no component {y['from']!r}")
    if comp.amount_mmol is not None:
        mmol = comp.amount_mmol
    elif comp.mass_mg is not None:
        mm = molar_mass if molar_mass is not None else get_reagent(comp.reagent or "").molar_mass
        mmol = comp.mass_mg / mm
    else:
        raise ParameterError(f"component {y['from']!r} of {recipe.key!r} has no amount")
    return mmol * y.get("per_formula", 1) / recipe.volume_ml


def check_stock(key: str) -> Result:
    """Recompute a stock's concentration from its recipe and compare with the stated value.

    Deviations above 5 % become warnings (e.g. lecithin: 0.5 g in 10 mL with M = 758–786
    g mol⁻¹ is 0.064–0.066 M, not the stated ≈ 0.13 M; spec verification V16).

    Returns
    -------
    Result
        ``kind="synthesis.stock"``; derived ``concentration`` [mol/L] (with the spread from a
        molar-mass range as its stderr-free bounds ``concentration_min/max``), ``stated``.
    """
    recipe = get_recipe(key)
    species = recipe.yields.get("species", "?")
    conc = _computed_concentration(recipe)
    derived = {"concentration": Quantity(conc, None, "mol/L")}
    warnings: list[str] = []
    src_reagent = get_reagent(recipe.yields["from"])
    if src_reagent.molar_mass_range:
        lo_mm, hi_mm = src_reagent.molar_mass_range
        derived["concentration_min"] = Quantity(
            _computed_concentration(recipe, hi_mm), None, "mol/L"
        )
        derived["concentration_max"] = Quantity(
            _computed_concentration(recipe, lo_mm), None, "mol/L"
        )
    if recipe.stated:
        stated = float(recipe.stated["value"])
        derived["stated"] = Quantity(stated, None, recipe.stated.get("unit", "mol/L"))
        dev = conc / stated - 1
        derived["relative_deviation"] = Quantity(dev, None, "1")
        if abs(dev) > STATED_TOLERANCE:
            warnings.append(
                f"{recipe.title} ({recipe.source}): stated [{species}] = {stated:g} M but the recipe "
                f"gives {conc:.4g} M ({100 * dev:+.1f} %)"
            )
    return Result(
        kind="synthesis.stock",
        derived=derived,
        statistics={"recipe": key, "species": species, "volume_ml": recipe.volume_ml},
        provenance=make_provenance([], {"recipe": key, "source": recipe.source}),
        warnings=warnings,
    )


def reaction_inventory(key: str, *, use: str = "stated") -> Result:
    """Moles of each stock's species and the total volume of a reaction recipe.

    ``use="stated"`` takes the thesis's stock concentrations (Cs-DOPA 0.02 M, PbBr2-TOPO
    0.04 M), ``"computed"`` the recomputed ones (:func:`check_stock`). For the CsPbBr3 QD
    reaction: Pb 3.20 µmol, Cs 0.80 µmol, Pb:Cs = 4:1, volume 3.12 mL (spec V16).
    """
    if use not in ("stated", "computed"):
        raise ParameterError(f"use must be 'stated' or 'computed', got {use!r}")
    recipe = get_recipe(key)
    if recipe.kind != "reaction":
        raise ParameterError(f"recipe {key!r} is a {recipe.kind or 'plain'} recipe, not a reaction")
    amounts: dict[str, float] = {}
    for comp in recipe.components:
        if comp.stock is None:
            continue
        stock = get_recipe(comp.stock)
        if use == "stated" and stock.stated:
            conc = float(stock.stated["value"])
        else:
            conc = _computed_concentration(stock)
        species = stock.yields.get("species", comp.stock)
        amounts[species] = amounts.get(species, 0.0) + conc * (comp.volume_ml or 0.0) * 1e3
    derived = {f"amount_{k}": Quantity(v, None, "umol") for k, v in amounts.items()}
    derived["volume"] = Quantity(recipe.volume_ml, None, "mL")
    if "Pb" in amounts and "Cs" in amounts and amounts["Cs"] > 0:
        derived["ratio_Pb_Cs"] = Quantity(amounts["Pb"] / amounts["Cs"], None, "1")
    return Result(
        kind="synthesis.inventory",
        derived=derived,
        statistics={"recipe": key, "concentrations": use},
        provenance=make_provenance([], {"recipe": key, "source": recipe.source}),
    )
