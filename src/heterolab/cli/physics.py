"""``heterolab physics ...`` (models) and ``heterolab recipe ...`` (synthesis bookkeeping).

Each command is a thin layer over a public function of :mod:`heterolab.calculators`,
:mod:`heterolab.physics.lamer` or :mod:`heterolab.synthesis` and prints its Result.
"""

from __future__ import annotations

from pathlib import Path

import typer

from heterolab.cli._apps import app, physics_app
from heterolab.cli._common import JSON_OPTION, PLOT_OPTION, emit, handle_errors
from heterolab.errors import ParameterError
from heterolab.physics.choices import BrusModel, MismatchReference, PeakUnit

recipe_app = typer.Typer(
    help="Synthesis recipes of the thesis and a stoichiometry calculator.", no_args_is_help=True
)
app.add_typer(recipe_app, name="recipe")


@physics_app.command("size")
@handle_errors
def size(
    material: str = typer.Argument(..., help="Material name (PbS, CsPbBr3, ...) or TOML path."),
    peak: float | None = typer.Option(None, "--peak", help="First excitonic peak position."),
    unit: PeakUnit = typer.Option(
        PeakUnit.NM, "--unit", case_sensitive=False, help="Unit of --peak."
    ),
    diameter: float | None = typer.Option(None, "--diameter", help="Diameter (nm) -> peak."),
    band_gap: float | None = typer.Option(None, "--band-gap", help="Bulk gap (eV) override."),
    model: BrusModel = typer.Option(
        BrusModel.BRUS, "--model", case_sensitive=False, help="Confinement model (not for PbS)."
    ),
    as_json: bool = JSON_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """Size from the first-exciton peak (or the peak from a size): PbS Moreels 2009, others Brus.

    Example: heterolab physics size PbS --peak 1027
    """
    from heterolab.calculators import peak_from_size, size_from_peak

    if (peak is None) == (diameter is None):
        raise ParameterError("give exactly one of --peak or --diameter")
    if peak is not None:
        res = size_from_peak(material, peak, unit, band_gap_ev=band_gap, model=model)
    else:
        res = peak_from_size(material, diameter, band_gap_ev=band_gap, model=model)
    emit(res, as_json, plot=plot)


@physics_app.command("brus")
@handle_errors
def brus(
    material: str = typer.Argument(..., help="Material name or TOML path."),
    diameter: float = typer.Argument(..., help="Diameter (cube edge for 'cube') (nm)."),
    band_gap: float | None = typer.Option(None, "--band-gap", help="Bulk gap (eV) override."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Exciton energy by every confinement model, with the Brus kinetic/Coulomb terms.

    Example: heterolab physics brus CsPbBr3 8.14
    """
    from heterolab.calculators import brus_energies

    emit(brus_energies(material, diameter, band_gap_ev=band_gap), as_json, plot=plot)


@physics_app.command("tolerance")
@handle_errors
def tolerance(
    a_ion: str = typer.Argument(..., help="A cation, e.g. Cs+, MA+, FA+."),
    b_ion: str = typer.Argument(..., help="B cation, e.g. Pb2+."),
    x_ion: str = typer.Argument(..., help="X anion, e.g. Br-."),
    a_cn: str = typer.Option("XII", "--a-cn", help="Coordination of A (roman numeral)."),
    b_cn: str = typer.Option("VI", "--b-cn", help="Coordination of B."),
    x_cn: str = typer.Option("VI", "--x-cn", help="Coordination of X."),
    n_a: int = typer.Option(1, "--n-a", help="Oxidation state of A (Bartel tau)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Goldschmidt tolerance and octahedral factors (Shannon radii) with the stability verdict.

    Example: heterolab physics tolerance Cs+ Pb2+ Br-
    """
    from heterolab.calculators import tolerance as calc

    emit(
        calc(
            a_ion,
            b_ion,
            x_ion,
            a_coordination=a_cn,
            b_coordination=b_cn,
            x_coordination=x_cn,
            n_a=n_a,
        ),
        as_json,
    )


def _phase_or_spacing(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


@physics_app.command("mismatch")
@handle_errors
def mismatch(
    a: str = typer.Argument(..., help="Phase A: material, CIF path, or a spacing d (angstrom)."),
    b: str = typer.Argument(..., help="Phase B (the reference by default)."),
    hkl_a: str | None = typer.Option(None, "--hkl-a", help="Plane of A, e.g. 1,1,0."),
    hkl_b: str | None = typer.Option(None, "--hkl-b", help="Plane of B, e.g. 0,0,8."),
    phase_a: str | None = typer.Option(None, "--phase-a", help="Phase of A (cubic, ...)."),
    phase_b: str | None = typer.Option(None, "--phase-b", help="Phase of B."),
    m: int = typer.Option(1, "--m", help="Domain matching: m planes of A ..."),
    n: int = typer.Option(1, "--n", help="... against n planes of B."),
    reference: MismatchReference = typer.Option(
        MismatchReference.B, "--reference", case_sensitive=False, help="Denominator side."
    ),
    search: bool = typer.Option(False, "--search", help="List all low-index matches instead."),
    max_index: int = typer.Option(2, "--max-index", help="Largest Miller index searched."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Lattice mismatch between two planes, or a search over low-index plane pairs.

    Examples: heterolab physics mismatch CsPbBr3 PbS --hkl-a 2,0,0 --hkl-b 2,0,0;
    heterolab physics mismatch CsPbBr3 4.1925 --hkl-a 1,1,0; heterolab physics mismatch
    CsPbBr3 PbS --search
    """
    from heterolab.calculators import mismatch as calc
    from heterolab.calculators import plane_search

    if search:
        emit(plane_search(a, b, phase_a=phase_a, phase_b=phase_b, max_index=max_index), as_json)
        return
    emit(
        calc(
            _phase_or_spacing(a),
            hkl_a,
            _phase_or_spacing(b),
            hkl_b,
            phase_a=phase_a,
            phase_b=phase_b,
            m=m,
            n=n,
            reference=reference,
        ),
        as_json,
    )


@physics_app.command("nucleation")
@handle_errors
def nucleation(
    gamma: float = typer.Option(..., "--gamma", help="Interfacial energy (J/m^2)."),
    temperature: float = typer.Option(..., "--temperature", help="Temperature (K)."),
    supersaturation: float = typer.Option(..., "--supersaturation", "-S", help="S = C/C_inf."),
    molar_volume: float = typer.Option(..., "--molar-volume", help="V_m (m^3/mol)."),
    prefactor: float = typer.Option(1e33, "--prefactor", help="A (m^-3 s^-1)."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Critical radius, barrier and rate of homogeneous nucleation (thesis Eqs. 1-4 to 1-8).

    Example: heterolab physics nucleation --gamma 0.0728 --temperature 293 -S 4
    --molar-volume 1.8e-5
    """
    from heterolab.calculators import nucleation_summary

    emit(
        nucleation_summary(
            gamma=gamma,
            temperature=temperature,
            supersaturation=supersaturation,
            molar_volume=molar_volume,
            prefactor=prefactor,
        ),
        as_json,
        plot=plot,
    )


@physics_app.command("lamer")
@handle_errors
def lamer(
    supply_rate: float = typer.Option(1.0, "--supply-rate", help="Monomer supply (mol m^-3 s^-1)."),
    supply_duration: float = typer.Option(1.0, "--supply-duration", help="Supply time (s)."),
    duration: float = typer.Option(600.0, "--duration", help="Simulated time (s)."),
    temperature: float = typer.Option(500.0, "--temperature", help="Temperature (K)."),
    gamma: float = typer.Option(0.10, "--gamma", help="Interfacial energy (J/m^2)."),
    rate_constant: float = typer.Option(10.0, "--rate-constant", help="Surface k (m/s)."),
    plot: Path | None = PLOT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """LaMer burst nucleation, growth and ripening (population balance); other inputs default.

    Example: heterolab physics lamer --plot lamer.png
    """
    from heterolab.physics.lamer import LaMerParameters, simulate_lamer

    params = LaMerParameters(
        supply_rate=supply_rate,
        supply_duration=supply_duration,
        duration=duration,
        temperature=temperature,
        gamma=gamma,
        rate_constant=rate_constant,
    )
    emit(simulate_lamer(params).to_result(), as_json, plot=plot)


# ---------------------------------------------------------------------------- recipes
@recipe_app.command("list")
@handle_errors
def recipe_list() -> None:
    """List the bundled recipes (thesis §3.2, §4.2)."""
    from heterolab.synthesis import available_recipes, get_recipe

    for key in available_recipes():
        r = get_recipe(key)
        typer.echo(f"{key:30s} {r.kind:9s} {r.title} ({r.source})")


@recipe_app.command("show")
@handle_errors
def recipe_show(name: str = typer.Argument(..., help="Recipe key (see 'recipe list').")) -> None:
    """Print a recipe's components and amounts."""
    from heterolab.synthesis import get_recipe

    r = get_recipe(name)
    typer.echo(f"{r.title}  [{r.kind}]  source: {r.source}")
    for c in r.components:
        what = c.reagent or f"stock {c.stock}"
        amount = (
            f"{c.mass_mg:g} mg"
            if c.mass_mg is not None
            else f"{c.amount_mmol:g} mmol"
            if c.amount_mmol is not None
            else f"{c.volume_ml * 1e3:g} uL"
            if c.volume_ml is not None and c.volume_ml < 1
            else f"{c.volume_ml:g} mL"
            if c.volume_ml is not None
            else "?"
        )
        typer.echo(f"  {what:32s} {amount}" + (f"  ({c.note})" if c.note else ""))
    for k, v in r.extra.items():
        typer.echo(f"  {k}: {v}")


@recipe_app.command("check")
@handle_errors
def recipe_check(
    name: str = typer.Argument(..., help="Stock recipe key (cs_dopa, pbbr2_topo, lecithin, ...)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Recompute a stock's concentration vs the stated value (reactions: moles per stock)."""
    from heterolab.synthesis import check_stock, get_recipe, reaction_inventory

    if get_recipe(name).kind == "reaction":
        emit(reaction_inventory(name), as_json)
    else:
        emit(check_stock(name), as_json)


@recipe_app.command("sulfur")
@handle_errors
def recipe_sulfur(
    ratio: str = typer.Argument(..., help="Target Pb/S ratio, e.g. 1:30."),
    stock: float = typer.Option(..., "--stock", help="(TMS)2S stock concentration (mol/L)."),
    pb_umol: float = typer.Option(3.2, "--pb-umol", help="Pb in the reaction (umol)."),
    volume_ml: float = typer.Option(3.12, "--volume-ml", help="Reaction volume (mL)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Sulfur amount and stock volume for a Pb/S ratio (thesis heterostructure reaction).

    Example: heterolab recipe sulfur 1:30 --stock 0.5
    """
    from heterolab.synthesis import sulfur_addition

    emit(
        sulfur_addition(ratio, s_stock_molar=stock, pb_umol=pb_umol, reaction_volume_ml=volume_ml),
        as_json,
    )


@recipe_app.command("limiting")
@handle_errors
def recipe_limiting(
    amounts: list[str] = typer.Argument(..., help="Ion amounts as NAME=VALUE, e.g. Cs=0.4 Pb=2."),
    product: str = typer.Option("CsPbBr3", "--product", help="CsPbBr3, PMA2PbBr4 or PbS."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Limiting species and maximum product for given ion amounts (any one unit)."""
    from heterolab.synthesis import limiting_reagent

    parsed = {}
    for item in amounts:
        name, sep, value = item.partition("=")
        try:
            parsed[name] = float(value)
        except ValueError:
            raise ParameterError(f"amount {item!r} must look like NAME=VALUE") from None
        if not sep:
            raise ParameterError(f"amount {item!r} must look like NAME=VALUE")
    emit(limiting_reagent(parsed, product), as_json)
