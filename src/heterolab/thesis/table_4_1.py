"""Thesis Table 4-1 (and Fig. 4-10e) recomputed from its printed numbers, with every
inconsistency in it named (verification V3, V4; moved here from
:mod:`heterolab.kinetics.trpl.transfer`, issue #8)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from heterolab.kinetics.trpl.transfer import transport_from_quenching
from heterolab.physics import transport
from heterolab.reference import load_table
from heterolab.result import Quantity, Result

__all__ = ["thesis_table_4_1"]


# ----------------------------------------------------------------------------- Table 4-1
def thesis_table_4_1(
    *, temperature_k: float = 298.15, thickness_nm: float | None = None
) -> list[Result]:
    """Reproduce thesis Table 4-1 (and Fig. 4-10e) and name every inconsistency in it.

    For each film (heterojunction, ligand-exchanged) this runs
    :func:`transport_from_quenching` on the thesis's τ₀ and τ_Q (PCBM → electrons, Spiro →
    holes) with the film thickness ``thickness_nm`` (default: the thickness the printed L_D
    imply for that film, which the thesis never states; verification V4) and the given
    temperature, then compares with the printed D, L_D and μ: √(Dτ₀) against the printed L_D,
    the implied thickness per carrier, D_e/D_h from the lifetimes, the temperature each printed
    μ implies (V3), the other lifetime of the same film in Fig. 4-8c, and the §5.1 quotation.
    Rounding of the printed digits is taken into account; only disagreements beyond it are
    called inconsistent.
    """
    table = load_table("table_4_1")
    rows = {row["key"]: row for row in table["rows"]}
    temps = {
        (key, c): _implied_temperature_range(row, table["rounding"][key], c)
        for key, row in rows.items()
        for c in ("e", "h")
    }
    results = []
    for key, row in rows.items():
        half = table["rounding"][key]
        L = thickness_nm if thickness_nm is not None else _implied_thickness_mean(row)
        res = transport_from_quenching(
            row["tau0"],
            row["tau_q_electron"],
            row["tau_q_hole"],
            L,
            temperature_k,
            pl_quench_electron=row["pl_quench_electron"] / 100,
            pl_quench_hole=row["pl_quench_hole"] / 100,
        )
        res.kind = "trpl.transport.thesis_table_4_1"
        res.statistics["film"] = row["film"]
        res.statistics["source"] = table["source"]
        res.provenance["settings"]["thickness_source"] = (
            "given"
            if thickness_nm is not None
            else "implied by the printed L_D (thesis gives none)"
        )
        _check_printed_lengths(res, row, half)
        _check_thickness(res, row, half, L, given=thickness_nm is not None)
        _check_diffusion_ratio(res, row, half)
        _check_mobilities(res, row, half, temperature_k, temps)
        _check_other_lifetime(res, row)
        _check_chapter_5(res, key, row, rows, table["chapter_5_claim"])
        res.warnings.append(
            "Table 4-1 prints the D column in 'nm'; the values are cm^2/s (confirmed by "
            "mu = eD/kT and L_D = sqrt(D tau0))"
        )
        results.append(res)
    return results


def _corners(values: dict[str, float], half: dict[str, float]) -> list[dict[str, float]]:
    """Every corner of the rounding box around ``values``."""
    keys = list(values)
    return [
        {k: values[k] + s * half.get(k, 0.0) for k, s in zip(keys, signs, strict=True)}
        for signs in itertools.product((-1, 1), repeat=len(keys))
    ]


def _span(
    func: Callable[[dict[str, float]], float], values: dict[str, float], half: dict[str, float]
) -> tuple[float, float]:
    """Range of ``func`` over the rounding box (monotonic functions: extremes at corners)."""
    out = [func(c) for c in _corners(values, half)]
    return min(out), max(out)


def _implied_thickness_mean(row: dict[str, Any]) -> float:
    """Mean of the electron and hole thicknesses implied by the printed L_D [nm]."""
    return float(
        np.mean(
            [
                transport.implied_thickness_first_mode(
                    row[f"L_D_{c}"], row["tau0"], row[f"tau_q_{n}"]
                )
                for c, n in (("e", "electron"), ("h", "hole"))
            ]
        )
    )


def _check_printed_lengths(res: Result, row: dict[str, Any], half: dict[str, float]) -> None:
    """sqrt(D tau0) from the printed D vs the printed L_D (verification V3)."""
    for c, name in (("e", "electron"), ("h", "hole")):
        D, tau0, printed = row[f"D_{c}"], row["tau0"], row[f"L_D_{c}"]

        def ld(v: dict[str, float]) -> float:
            return math.sqrt(v["D"] * 1e-4 * v["tau0"] * 1e-9) * 1e9

        vals = {"D": D, "tau0": tau0}
        hw = {"D": half[f"D_{c}"], "tau0": half["tau0"]}
        value = ld(vals)
        lo, hi = _span(ld, vals, hw)
        res.derived[f"L_D_{name}_from_printed_D"] = Quantity(value, None, "nm")
        res.derived[f"L_D_{name}_printed"] = Quantity(float(printed), None, "nm")
        if round(value) == printed:
            continue
        tau_needed = (printed * 1e-9) ** 2 / (D * 1e-4) * 1e9
        explained = lo - half[f"L_D_{c}"] <= printed <= hi + half[f"L_D_{c}"]
        res.warnings.append(
            f"{name}s: sqrt(D tau0) = {value:.1f} nm from the printed D = {D:g} cm^2/s and "
            f"tau0 = {tau0:g} ns, but L_D is printed as {printed:g} nm (needs tau0 = "
            f"{tau_needed:.2f} ns); the rounding of D and tau0 allows {lo:.1f}-{hi:.1f} nm, "
            + (
                "which only just reaches the printed value"
                if explained
                else "so the printed value is inconsistent"
            )
        )


def _check_thickness(
    res: Result, row: dict[str, Any], half: dict[str, float], L: float, *, given: bool
) -> None:
    """Film thickness implied by each carrier's printed L_D and D (verification V4)."""
    spans = {}
    for c, name in (("e", "electron"), ("h", "hole")):
        tq = f"tau_q_{name}"

        def thick(v: dict[str, float], tq: str = tq) -> float:
            return float(transport.implied_thickness_first_mode(v["L_D"], v["tau0"], v[tq]))

        vals = {"L_D": row[f"L_D_{c}"], "tau0": row["tau0"], tq: row[tq]}
        hw = {"L_D": half[f"L_D_{c}"], "tau0": half["tau0"], tq: half[tq]}
        from_ld = thick(vals)
        ld_from_d = math.sqrt(row[f"D_{c}"] * 1e-4 * row["tau0"] * 1e-9) * 1e9
        from_d = thick({**vals, "L_D": ld_from_d})
        spans[name] = (from_ld, *_span(thick, vals, hw))
        res.derived[f"implied_thickness_{name}"] = Quantity(from_ld, None, "nm")
        res.derived[f"implied_thickness_{name}_from_printed_D"] = Quantity(from_d, None, "nm")
    (e, elo, ehi), (h, hlo, hhi) = spans["electron"], spans["hole"]
    overlap = max(elo, hlo) <= min(ehi, hhi)
    res.warnings.append(
        f"the thesis never states the film thickness; the printed L_D imply L = {e:.1f} nm "
        f"(electrons, PCBM) and {h:.1f} nm (holes, Spiro) [verification V4]; this reproduction "
        f"uses L = {L:.1f} nm ({'given' if given else 'their mean'})"
    )
    if abs(e - h) > 0.02 * (e + h) / 2:
        res.warnings.append(
            f"the implied thickness differs between carriers: {e:.1f} nm (electrons) vs "
            f"{h:.1f} nm (holes) for one film"
            + (
                f"; the rounding of the printed lifetimes still allows a common L of "
                f"{max(elo, hlo):.1f}-{min(ehi, hhi):.1f} nm"
                if overlap
                else f"; no common L within the printed rounding ({elo:.1f}-{ehi:.1f} vs {hlo:.1f}-{hhi:.1f} nm)"
            )
        )


def _check_diffusion_ratio(res: Result, row: dict[str, Any], half: dict[str, float]) -> None:
    """D_e/D_h of the table vs (1/tau_Qe - 1/tau0)/(1/tau_Qh - 1/tau0), any common L."""
    table_ratio = row["D_e"] / row["D_h"]

    def life(v: dict[str, float]) -> float:
        return (1 / v["e"] - 1 / v["t0"]) / (1 / v["h"] - 1 / v["t0"])

    vals = {"e": row["tau_q_electron"], "h": row["tau_q_hole"], "t0": row["tau0"]}
    hw = {"e": half["tau_q_electron"], "h": half["tau_q_hole"], "t0": half["tau0"]}
    life_ratio = life(vals)
    lo, hi = _span(life, vals, hw)
    res.derived["D_ratio_printed"] = Quantity(table_ratio, None, "1")
    res.derived["D_ratio_from_lifetimes"] = Quantity(life_ratio, None, "1")
    if abs(table_ratio / life_ratio - 1) > 0.05:
        res.warnings.append(
            f"D_e/D_h = {table_ratio:.2f} in the table but {life_ratio:.2f} from the lifetimes "
            f"for any common thickness ({100 * (table_ratio / life_ratio - 1):+.1f} %; lifetime "
            f"rounding allows {lo:.2f}-{hi:.2f})"
        )


def _implied_temperature_range(
    row: dict[str, Any], half: dict[str, float], c: str
) -> tuple[float, float, float]:
    """T = eD/(kB mu) from the printed D and mu: central value and rounding range [K]."""

    def temp(v: dict[str, float]) -> float:
        return float(transport.einstein_temperature(v["D"] * 1e-4, v["mu"] * 1e-4))

    vals = {"D": row[f"D_{c}"], "mu": row[f"mu_{c}"]}
    hw = {"D": half[f"D_{c}"], "mu": half[f"mu_{c}"]}
    return (temp(vals), *_span(temp, vals, hw))


def _check_mobilities(
    res: Result,
    row: dict[str, Any],
    half: dict[str, float],
    temperature_k: float,
    temps: dict[tuple[str, str], tuple[float, float, float]],
) -> None:
    """Printed mu vs eD/kT; whether one temperature reproduces all four (verification V3)."""
    key = row["key"]
    for c, name in (("e", "electron"), ("h", "hole")):
        mu = (
            float(transport.einstein_mobility(row[f"D_{c}"] * 1e-4, temperature_k=temperature_k))
            * 1e4
        )
        t, lo, hi = temps[(key, c)]
        res.derived[f"mu_{name}_from_printed_D"] = Quantity(mu, None, "cm^2/(V s)")
        res.derived[f"temperature_implied_{name}"] = Quantity(t, None, "K")
        if not lo <= temperature_k <= hi:
            res.warnings.append(
                f"{name}s: eD/kT at {temperature_k:g} K gives mu = {mu:.3g} cm^2/(V s) from the "
                f"printed D, but mu is printed as {row[f'mu_{c}']:g}; the printed pair implies "
                f"T = {t:.1f} K (rounding allows {lo:.1f}-{hi:.1f} K)"
            )
    lo_all = max(v[1] for v in temps.values())
    hi_all = min(v[2] for v in temps.values())
    if lo_all > hi_all:
        ranges = ", ".join(f"{k} {c}: {v[1]:.1f}-{v[2]:.1f} K" for (k, c), v in temps.items())
        res.warnings.append(
            f"no single temperature reproduces all four printed mobilities with mu = eD/kT "
            f"(implied ranges including the rounding of D and mu: {ranges})"
        )


def _check_other_lifetime(res: Result, row: dict[str, Any]) -> None:
    """Fig. 4-8c lifetime of the same film vs the tau0 of Fig. 4-10 (inconsistency 5)."""
    tau0, other = row["tau0"], row["tau_fig_4_8c"]
    if abs(other / tau0 - 1) <= 0.1:
        return
    lds = [math.sqrt(row[f"D_{c}"] * 1e-4 * other * 1e-9) * 1e9 for c in ("e", "h")]
    res.warnings.append(
        f"two lifetimes for the same film: Fig. 4-10 gives tau0 = {tau0:g} ns, Fig. 4-8c "
        f"{other:g} ns (x{other / tau0:.2f}); with {other:g} ns the printed D would give "
        f"L_D = {lds[0]:.0f} / {lds[1]:.0f} nm (electrons / holes)"
    )


def _check_chapter_5(
    res: Result,
    key: str,
    row: dict[str, Any],
    rows: dict[str, dict[str, Any]],
    claim: dict[str, Any],
) -> None:
    """§5.1 quotes diffusion lengths for the heterojunction; are they this film's?"""
    if claim["film"] != key:
        return
    quoted = (claim["L_D_e"], claim["L_D_h"])
    if quoted == (row["L_D_e"], row["L_D_h"]):
        return
    owner = next((r["film"] for r in rows.values() if (r["L_D_e"], r["L_D_h"]) == quoted), None)
    res.warnings.append(
        f"{claim['source']} attributes L_D^e = {quoted[0]} nm, L_D^h = {quoted[1]} nm to this "
        f"film, but Table 4-1 / Fig. 4-10e give {row['L_D_e']} / {row['L_D_h']} nm"
        + (f"; {quoted[0]} / {quoted[1]} nm are the values of the {owner}" if owner else "")
    )
