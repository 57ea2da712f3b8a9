"""Stoichiometry calculator: target Pb/S ratio or concentration in, volumes and moles out.

Spec P-54 (thesis §3.2: (TMS)2S added to CsPbBr3 QDs at Pb/S = 1:1 … 1:30; §4.2 precursor).
Every input is checked: impossible ratios, non-positive stocks or volumes, additions that
would dilute the reaction by more than a set fraction raise :class:`ParameterError` naming
the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result, make_provenance
from heterolab.synthesis.chemistry import get_reagent, molar_mass

__all__ = [
    "PRODUCTS",
    "dilution",
    "limiting_reagent",
    "molarity",
    "parse_ratio",
    "sulfur_addition",
    "sulfur_stock_for_volume",
]

#: Ion stoichiometry of the thesis's products (spec P-54).
PRODUCTS: dict[str, dict[str, float]] = {
    "CsPbBr3": {"Cs": 1, "Pb": 1, "Br": 3},
    "PMA2PbBr4": {"PMA": 2, "Pb": 1, "Br": 4},
    "PbS": {"Pb": 1, "S": 1},
}


def parse_ratio(ratio: str | float) -> float:
    """S per Pb from a Pb/S ratio written ``"1:30"`` (→ 30.0) or given as a number S/Pb.

    Raises
    ------
    ParameterError
        For malformed text or a non-positive/non-finite ratio.
    """
    if isinstance(ratio, str):
        parts = ratio.replace("/", ":").split(":")
        if len(parts) != 2:
            raise ParameterError(f"Pb/S ratio {ratio!r} must look like '1:30'")
        try:
            pb, s = float(parts[0]), float(parts[1])
        except ValueError:
            raise ParameterError(f"Pb/S ratio {ratio!r} must look like '1:30'") from None
        if not (pb > 0 and s > 0 and math.isfinite(pb) and math.isfinite(s)):
            raise ParameterError(f"Pb/S ratio {ratio!r}: both parts must be positive numbers")
        return s / pb
    value = float(ratio)
    if not (value > 0 and math.isfinite(value)):
        raise ParameterError(f"S/Pb ratio must be a positive number, got {ratio!r}")
    return value


def molarity(mass_mg: float, formula_or_molar_mass: str | float, volume_ml: float) -> float:
    """Molar concentration c = m/(M V) [mol L⁻¹] from a mass [mg], formula or M [g mol⁻¹] and
    volume [mL]. Example: 1 mmol PbBr2 (367 mg) in 25 mL → 0.040 M (thesis §3.2)."""
    mm = (
        molar_mass(formula_or_molar_mass)
        if isinstance(formula_or_molar_mass, str)
        else float(formula_or_molar_mass)
    )
    if not (mass_mg >= 0 and mm > 0 and volume_ml > 0):
        raise ParameterError(
            f"need mass >= 0, molar mass > 0 and volume > 0; got {mass_mg} mg, {mm} g/mol, "
            f"{volume_ml} mL"
        )
    return mass_mg / mm / volume_ml


def dilution(c1: float, v1_ml: float, v2_ml: float) -> float:
    """Concentration after diluting volume v1 of concentration c1 to total volume v2: c1 v1/v2."""
    if not (c1 >= 0 and v1_ml > 0 and v2_ml > 0):
        raise ParameterError(f"need c1 >= 0 and positive volumes; got {c1}, {v1_ml}, {v2_ml}")
    if v2_ml < v1_ml:
        raise ParameterError(
            f"final volume {v2_ml} mL is smaller than the aliquot {v1_ml} mL (that is not a dilution)"
        )
    return c1 * v1_ml / v2_ml


def sulfur_addition(
    pb_s_ratio: str | float,
    *,
    s_stock_molar: float,
    pb_umol: float = 3.2,
    reaction_volume_ml: float = 3.12,
    max_added_fraction: float = 0.5,
) -> Result:
    """Sulfur to add for a target Pb/S ratio: moles, stock volume and concentrations.

    n_S = n_Pb × (S/Pb); V_S = n_S / c_stock; [S] after addition = n_S/(V_reaction + V_S).
    Defaults are the thesis's heterostructure reaction: Pb = 80 µL × 0.04 M = 3.20 µmol in
    3 mL chlorobenzene + 40 µL Cs-DOPA + 80 µL PbBr2-TOPO = 3.12 mL (§3.2). The thesis quotes
    [S] = 1.06 mM for 1:1, i.e. 3.20 µmol / 3.0 mL (it ignores the 0.12 mL of precursors);
    both are reported. The (TMS)2S stock concentration is not stated in the thesis and is a
    required input here.

    Parameters
    ----------
    pb_s_ratio
        ``"1:30"`` or S/Pb as a number.
    s_stock_molar
        Sulfur concentration of the (TMS)2S stock [mol L⁻¹] (one S per (TMS)2S).
    pb_umol
        Lead in the reaction [µmol].
    reaction_volume_ml
        Volume before the sulfur addition [mL].
    max_added_fraction
        Largest allowed addition as a fraction of the reaction volume; above it the stock is
        too dilute for the ratio and a ParameterError says which stock concentration is needed.

    Returns
    -------
    Result
        ``kind="synthesis.sulfur_addition"``; derived ``S_amount`` [umol], ``stock_volume``
        [uL], ``S_concentration`` [mmol/L], ``S_concentration_thesis_convention`` [mmol/L],
        ``TMS2S_mass`` [mg], ``S_per_Pb``.
    """
    s_per_pb = parse_ratio(pb_s_ratio)
    bad = [
        f"{name} = {v!r}"
        for name, v in (
            ("s_stock_molar", s_stock_molar),
            ("pb_umol", pb_umol),
            ("reaction_volume_ml", reaction_volume_ml),
            ("max_added_fraction", max_added_fraction),
        )
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0)
    ]
    if bad:
        raise ParameterError(f"must be positive numbers: {', '.join(bad)}")
    n_s = pb_umol * s_per_pb  # umol
    v_s_ml = n_s / s_stock_molar / 1e3  # umol / (mol/L) = uL ... /1e3 -> mL
    if v_s_ml > max_added_fraction * reaction_volume_ml:
        need = n_s / (max_added_fraction * reaction_volume_ml * 1e3)
        raise ParameterError(
            f"Pb/S {pb_s_ratio}: {n_s:.4g} umol S from a {s_stock_molar:g} M stock needs "
            f"{v_s_ml * 1e3:.4g} uL, more than {max_added_fraction:.0%} of the "
            f"{reaction_volume_ml:g} mL reaction; use a stock of at least {need:.3g} M"
        )
    warnings = []
    if v_s_ml > 0.1 * reaction_volume_ml:
        warnings.append(
            f"the addition ({v_s_ml * 1e3:.4g} uL) dilutes the reaction by "
            f"{100 * v_s_ml / reaction_volume_ml:.1f} %"
        )
    tms = get_reagent("(TMS)2S")
    derived = {
        "S_per_Pb": Quantity(s_per_pb, None, "1"),
        "Pb_amount": Quantity(pb_umol, None, "umol"),
        "S_amount": Quantity(n_s, None, "umol"),
        "stock_volume": Quantity(v_s_ml * 1e3, None, "uL"),
        "S_concentration": Quantity(n_s / (reaction_volume_ml + v_s_ml), None, "mmol/L"),
        "S_concentration_thesis_convention": Quantity(n_s / 3.0, None, "mmol/L"),
        "TMS2S_mass": Quantity(n_s * tms.molar_mass / 1e3, None, "mg"),
        "total_volume": Quantity(reaction_volume_ml + v_s_ml, None, "mL"),
    }
    return Result(
        kind="synthesis.sulfur_addition",
        derived=derived,
        statistics={"pb_s_ratio": str(pb_s_ratio)},
        provenance=make_provenance(
            [],
            {
                "s_stock_molar": s_stock_molar,
                "pb_umol": pb_umol,
                "reaction_volume_ml": reaction_volume_ml,
            },
        ),
        warnings=warnings,
    )


def sulfur_stock_for_volume(
    pb_s_ratio: str | float, *, addition_ul: float, pb_umol: float = 3.2
) -> float:
    """(TMS)2S stock concentration [mol L⁻¹] that delivers the ratio in a fixed volume [µL].

    E.g. the thesis's PbS QDs (80 µL of PbBr2-TOPO, 80 µL of (TMS)2S solution) are Pb/S 1:1
    only if the (TMS)2S solution is 0.04 M.
    """
    if not (addition_ul > 0 and pb_umol > 0):
        raise ParameterError(f"need addition_ul > 0 and pb_umol > 0, got {addition_ul}, {pb_umol}")
    return pb_umol * parse_ratio(pb_s_ratio) / addition_ul


def limiting_reagent(
    amounts: Mapping[str, float], product: str | Mapping[str, float] = "CsPbBr3"
) -> Result:
    """Limiting species and the maximum product for available ion amounts (any one unit).

    ``product`` is a key of :data:`PRODUCTS` (CsPbBr3 1:1:3, PMA2PbBr4 2:1:4, PbS 1:1) or a
    stoichiometry mapping. Example: the Chapter-4 precursor (CsBr 0.4, PbBr2 2, PMA 1 mmol) is
    Cs-limited for CsPbBr3 (0.4 mmol) and then leaves 1.6 mmol Pb for PMA2PbBr4, which PMA
    limits to 0.5 mmol.
    """
    stoich = PRODUCTS.get(product) if isinstance(product, str) else dict(product)
    if stoich is None:
        raise ParameterError(f"unknown product {product!r}; known: {', '.join(PRODUCTS)}")
    missing = [k for k in stoich if k not in amounts]
    if missing:
        raise ParameterError(f"no amount given for {', '.join(missing)} (needed by {product})")
    bad = [f"{k} = {v!r}" for k, v in amounts.items() if not (math.isfinite(v) and v >= 0)]
    if bad:
        raise ParameterError(f"amounts must be non-negative numbers: {', '.join(bad)}")
    per = {k: amounts[k] / n for k, n in stoich.items()}
    limiting = min(per, key=per.__getitem__)
    n_product = per[limiting]
    derived = {"product_amount": Quantity(n_product, None, "1")}
    for k, n in stoich.items():
        derived[f"excess_{k}"] = Quantity(amounts[k] - n * n_product, None, "1")
    return Result(
        kind="synthesis.limiting",
        derived=derived,
        statistics={"limiting": limiting, "product": str(product)},
        provenance=make_provenance([], {"amounts": dict(amounts), "stoichiometry": stoich}),
    )
