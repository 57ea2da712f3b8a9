"""``heterolab ta …``: transient-absorption commands (thin layer over heterolab.kinetics.ta)."""

from __future__ import annotations

from pathlib import Path

import typer

from heterolab.cli._apps import ta_app
from heterolab.cli._common import JSON_OPTION, emit, handle_errors
from heterolab.errors import ParameterError


def _read(path: Path, signal_unit: str):
    from heterolab.io import read

    return read(path, kind="ta", signal_unit=signal_unit)


@ta_app.command("fit")
@handle_errors
def fit_cmd(
    matrices: list[Path] = typer.Argument(
        ...,
        help="TA matrix file(s) (csv/txt/SIA/Glotaran .ascii/heterolab .h5); several for a linked FILE.toml model, in its dataset order.",
    ),
    model: str = typer.Option("sequential", "--model", help="parallel | sequential | FILE.toml"),
    components: int = typer.Option(3, "--components", help="Number of components (global models)."),
    irf_center: float | None = typer.Option(None, "--irf-center", help="IRF centre start (ps)."),
    irf_width: float = typer.Option(0.1, "--irf-width", help="IRF standard deviation start (ps)."),
    chirp: str | None = typer.Option(
        None, "--chirp", help="'auto': IRF centre follows a polynomial in wavelength."
    ),
    long_lived: bool = typer.Option(
        False, "--long-lived", help="Last component does not decay (tau = inf)."
    ),
    chirp_order: int = typer.Option(
        3, "--chirp-order", help="Degree of the dispersion polynomial with --chirp auto."
    ),
    dispersion_center: float | None = typer.Option(
        None,
        "--dispersion-center",
        help="Reference wavelength of the dispersion polynomial (nm; default: median).",
    ),
    coherent_artifact: int = typer.Option(
        0,
        "--coherent-artifact",
        help="Coherent-artefact terms: 0 none, 1-3 = IRF Gaussian and its first/second derivatives.",
    ),
    signal_unit: str = typer.Option("OD", "--signal-unit", help="OD or mOD (converted to OD)."),
    x_scale: str = typer.Option(
        "jac",
        "--x-scale",
        help="Optimizer variable scaling for FILE.toml models: 'jac' or a positive number (1 suits linked fits).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Global (parallel/sequential) or target analysis of one TA matrix, or a linked target fit of several."""
    if model.endswith(".toml"):
        from heterolab.kinetics.ta.target import fit_target, load_model

        tm = load_model(model)
        names = [d.name for d in tm.datasets]
        if len(names) != len(matrices):
            raise ParameterError(
                f"{model} has {len(names)} dataset(s) ({', '.join(names)}) but {len(matrices)} matrix file(s) were given; pass one per dataset in that order"
            )
        data = {n: _read(m, signal_unit) for n, m in zip(names, matrices, strict=True)}
        scale: str | float = x_scale
        if x_scale != "jac":
            try:
                scale = float(x_scale)
            except ValueError:
                raise ParameterError(
                    f"--x-scale must be 'jac' or a positive number, got {x_scale!r}"
                ) from None
        emit(fit_target(tm, data, inputs=[*matrices, model], x_scale=scale), as_json)
        return
    if len(matrices) != 1:
        raise ParameterError(
            f"--model {model} fits one matrix, got {len(matrices)}; linked fits need a FILE.toml model"
        )
    from heterolab.kinetics.ta.global_fit import fit_global

    res = fit_global(
        _read(matrices[0], signal_unit),
        model,
        components,
        irf_center=irf_center,
        irf_width=irf_width,
        long_lived=long_lived,
        chirp=chirp,
        chirp_order=chirp_order,
        dispersion_center=dispersion_center,
        coherent_artifact=coherent_artifact,
        inputs=matrices,
    )
    emit(res, as_json)


@ta_app.command("kinetics")
@handle_errors
def kinetics_cmd(
    matrix: Path = typer.Argument(..., help="TA matrix file."),
    wavelength: float = typer.Option(..., "--wavelength", help="Probe wavelength (nm)."),
    n_exp: int = typer.Option(1, "--n-exp", help="Number of finite exponentials."),
    long_lived: bool = typer.Option(
        True, "--long-lived/--no-long-lived", help="Add a non-decaying component."
    ),
    irf_center: float = typer.Option(0.0, "--irf-center", help="IRF centre start (ps)."),
    irf_width: float = typer.Option(0.06, "--irf-width", help="IRF standard deviation start (ps)."),
    average: float = typer.Option(
        0.0, "--average", help="Average over this many nm around the wavelength."
    ),
    signal_unit: str = typer.Option("OD", "--signal-unit", help="OD or mOD."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Multi-exponential fit of one kinetic trace with a Gaussian IRF."""
    from heterolab.kinetics.ta.single import fit_kinetics

    da = _read(matrix, signal_unit)
    emit(
        fit_kinetics(
            da,
            wavelength,
            n_exp=n_exp,
            long_lived=long_lived,
            irf_center=irf_center,
            irf_width=irf_width,
            average_width=average,
        ),
        as_json,
    )


@ta_app.command("svd")
@handle_errors
def svd_cmd(
    matrix: Path = typer.Argument(..., help="TA matrix file."),
    n_vectors: int = typer.Option(5, "--vectors", help="Singular vectors to keep."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Singular values of the matrix and the number of significant components."""
    from heterolab.kinetics.ta.preprocess import svd_analysis

    emit(svd_analysis(_read(matrix, "OD"), n_vectors), as_json)


@ta_app.command("chirp")
@handle_errors
def chirp_cmd(
    matrix: Path = typer.Argument(..., help="TA matrix file."),
    order: int = typer.Option(3, "--order", help="Polynomial degree in wavelength."),
    fraction: float = typer.Option(
        0.5, "--fraction", help="Onset level as a fraction of the peak |ΔOD|."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Estimate time zero against wavelength (group-velocity dispersion) from the onset."""
    from heterolab.kinetics.ta.preprocess import estimate_chirp

    emit(estimate_chirp(_read(matrix, "OD"), order=order, fraction=fraction), as_json)
