"""``heterolab trpl transfer | transport | rates``: quantities derived from lifetimes.

Thin layer over :mod:`heterolab.kinetics.trpl.transfer`; every command prints the Result summary
or, with ``--json``, ``Result.to_dict()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from heterolab.cli._apps import trpl_app
from heterolab.cli._common import JSON_OPTION, emit, handle_errors
from heterolab.errors import ParameterError
from heterolab.kinetics.trpl.choices import LifetimeAverage

PRESETS = ("thesis-table-4-1",)


def _q(value: float | None, err: float | None, unit: str) -> Any:
    """The number, or a Quantity when the command line gave its standard error too (the
    analyses take a value with its error as one Quantity, issue #8)."""
    from heterolab.result import Quantity

    if value is None or err is None:
        return value
    return Quantity(value, err, unit)


@trpl_app.command("transfer")
@handle_errors
def transfer(
    tau_d: float | None = typer.Option(
        None, "--tau-d", help="Donor lifetime without acceptor (in --unit)."
    ),
    tau_da: float | None = typer.Option(
        None, "--tau-da", help="Donor lifetime with acceptor (in --unit)."
    ),
    tau_d_err: float | None = typer.Option(
        None, "--tau-d-err", help="Standard error of tau_d (in --unit)."
    ),
    tau_da_err: float | None = typer.Option(
        None, "--tau-da-err", help="Standard error of tau_da (in --unit)."
    ),
    unit: str = typer.Option("ns", "--unit", help="Time unit of all lifetimes (ns, ps, ...)."),
    a_fast_ref: float | None = typer.Option(
        None, "--a-fast-ref", help="Fast-component amplitude fraction (0-1), reference."
    ),
    a_fast_het: float | None = typer.Option(
        None, "--a-fast-het", help="Fast-component amplitude fraction (0-1), heterostructure."
    ),
    tau_rise: float | None = typer.Option(
        None, "--tau-rise", help="Acceptor rise time (in --unit)."
    ),
    tau_rise_err: float | None = typer.Option(
        None, "--tau-rise-err", help="Its standard error (in --unit)."
    ),
    tau_rise_ref: float | None = typer.Option(
        None, "--tau-rise-ref", help="Rise time of the bare acceptor (in --unit)."
    ),
    donor: Path | None = typer.Option(None, "--donor", help="Donor-only TRPL decay file."),
    donor_acceptor: Path | None = typer.Option(
        None, "--donor-acceptor", help="Donor-acceptor TRPL decay file."
    ),
    irf: Path | None = typer.Option(None, "--irf", help="Measured IRF for the decay fits."),
    components: int = typer.Option(2, "--components", help="Exponentials per decay fit."),
    rep_rate: float | None = typer.Option(
        None, "--rep-rate", help="Laser repetition rate (Hz) for the decay fits."
    ),
    average: LifetimeAverage = typer.Option(
        LifetimeAverage.INTENSITY,
        "--average",
        case_sensitive=False,
        help="Which average lifetime of the decay fits is used.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Transfer rate k_ET = 1/tau_DA - 1/tau_D, transfer time and efficiency (P-38).

    Give the two lifetimes (--tau-d, --tau-da) or two decay files (--donor,
    --donor-acceptor), which are fitted first.
    """
    from heterolab.kinetics.trpl.transfer import transfer_from_decays, transfer_from_lifetimes

    numbers = tau_d is not None or tau_da is not None
    files = donor is not None or donor_acceptor is not None
    if numbers == files:
        raise ParameterError(
            "give either --tau-d and --tau-da (lifetimes) or --donor and --donor-acceptor "
            "(decay files), not both or neither"
        )
    if files:
        if donor is None or donor_acceptor is None:
            raise ParameterError("--donor and --donor-acceptor must be given together")
        result = transfer_from_decays(
            donor,
            donor_acceptor,
            irf=irf,
            n_components=components,
            average=average,
            repetition_rate_hz=rep_rate,
        )
    else:
        if tau_d is None or tau_da is None:
            raise ParameterError("--tau-d and --tau-da must be given together")
        result = transfer_from_lifetimes(
            _q(tau_d, tau_d_err, unit),
            _q(tau_da, tau_da_err, unit),
            unit=unit,
            a_fast_ref=a_fast_ref,
            a_fast_het=a_fast_het,
            tau_rise=_q(tau_rise, tau_rise_err, unit),
            tau_rise_ref=tau_rise_ref,
        )
    emit(result, as_json)


@trpl_app.command("transport")
@handle_errors
def transport(
    tau0: float | None = typer.Option(
        None, "--tau0", help="Lifetime without quencher (in --unit)."
    ),
    tau_q_electron: float | None = typer.Option(
        None, "--tau-q-electron", help="Lifetime with the electron quencher, PCBM (in --unit)."
    ),
    tau_q_hole: float | None = typer.Option(
        None, "--tau-q-hole", help="Lifetime with the hole quencher, Spiro-OMeTAD (in --unit)."
    ),
    thickness: float | None = typer.Option(None, "--thickness", help="Film thickness (nm)."),
    temperature: float | None = typer.Option(
        None, "--temperature", help="Temperature (K) for mu = eD/kT (required)."
    ),
    tau0_err: float | None = typer.Option(
        None, "--tau0-err", help="Standard error of tau0 (in --unit)."
    ),
    tau_q_electron_err: float | None = typer.Option(
        None, "--tau-q-electron-err", help="Its standard error (in --unit)."
    ),
    tau_q_hole_err: float | None = typer.Option(
        None, "--tau-q-hole-err", help="Its standard error (in --unit)."
    ),
    thickness_err: float | None = typer.Option(
        None, "--thickness-err", help="Standard error of the thickness (nm)."
    ),
    pl_quench_electron: float | None = typer.Option(
        None, "--pl-quench-electron", help="Steady-state quenched PL fraction (0-1), PCBM."
    ),
    pl_quench_hole: float | None = typer.Option(
        None, "--pl-quench-hole", help="Steady-state quenched PL fraction (0-1), Spiro."
    ),
    unit: str = typer.Option("ns", "--unit", help="Time unit of the lifetimes."),
    preset: str | None = typer.Option(
        None, "--preset", help="Reproduce a thesis table: thesis-table-4-1."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Diffusion length, diffusion coefficient and mobility from quenching layers (P-40-P-42)."""
    from heterolab.kinetics.trpl.transfer import transport_from_quenching
    from heterolab.thesis import thesis_table_4_1

    if preset is not None:
        if preset not in PRESETS:
            raise ParameterError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
        given = [tau0, tau_q_electron, tau_q_hole, pl_quench_electron, pl_quench_hole]
        if any(v is not None for v in given):
            raise ParameterError(
                "--preset takes its lifetimes from the thesis; drop --tau0/--tau-q-*"
            )
        results = thesis_table_4_1(
            temperature_k=298.15 if temperature is None else temperature, thickness_nm=thickness
        )
        emit(results, as_json)
        return
    if tau0 is None:
        raise ParameterError("--tau0 is required (or use --preset thesis-table-4-1)")
    result = transport_from_quenching(
        _q(tau0, tau0_err, unit),
        _q(tau_q_electron, tau_q_electron_err, unit),
        _q(tau_q_hole, tau_q_hole_err, unit),
        _q(thickness, thickness_err, "nm"),
        temperature,
        unit=unit,
        pl_quench_electron=pl_quench_electron,
        pl_quench_hole=pl_quench_hole,
    )
    emit(result, as_json)


@trpl_app.command("rates")
@handle_errors
def rates(
    plqy: float = typer.Option(..., "--plqy", help="PL quantum yield as a fraction (0.01 = 1 %)."),
    tau: float = typer.Option(..., "--tau", help="Average PL lifetime (in --unit)."),
    plqy_err: float | None = typer.Option(None, "--plqy-err", help="Standard error of plqy."),
    tau_err: float | None = typer.Option(
        None, "--tau-err", help="Standard error of tau (in --unit)."
    ),
    unit: str = typer.Option("ns", "--unit", help="Time unit of tau."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Radiative and non-radiative rates k_r = PLQY/tau, k_nr = (1 - PLQY)/tau (P-30)."""
    from heterolab.kinetics.trpl.transfer import radiative_rates

    emit(radiative_rates(_q(plqy, plqy_err, "1"), _q(tau, tau_err, unit), unit=unit), as_json)
