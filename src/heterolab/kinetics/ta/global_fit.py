"""Global analysis of TA matrices: parallel (DAS) and sequential (EAS) models (physics.md P-37).

Both are special target models (van Stokkum, Larsen & van Grondelle, Biochim. Biophys. Acta
1657, 82 (2004), §3): *parallel* — N independent decays from one excitation, whose spectra
are decay-associated spectra (DAS); *sequential* — A→B→C→…, whose spectra are
evolution-associated spectra (EAS). A long-lived component (longer than the delay window,
"Inf" in the thesis' tables) is a compartment that does not decay. The IRF centre may follow
a polynomial in wavelength (chirp), started from :func:`~heterolab.kinetics.ta.preprocess.
estimate_chirp` when ``chirp="auto"``; an optional coherent-artefact term is available.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np
import xarray as xr

from heterolab.choices import as_choice
from heterolab.errors import ModelError, ParameterError
from heterolab.kinetics.ta.choices import LIFETIME_PRECISION, GlobalModel
from heterolab.kinetics.ta.model import (
    DISPERSION_CENTER_NM,
    CoherentArtifact,
    DatasetSpec,
    IrfSpec,
    KineticScheme,
    ParameterSet,
    Transition,
    artifact_terms,
)
from heterolab.kinetics.ta.multistart import lifetime_grid
from heterolab.kinetics.ta.preprocess import chirp_from_result, estimate_chirp
from heterolab.kinetics.ta.target import TargetModel, fit_target
from heterolab.result import Quantity, Result

__all__ = ["GlobalModel", "build_global_model", "fit_global"]


MODELS = tuple(m.value for m in GlobalModel)


def build_global_model(
    kind: str,
    n_components: int,
    *,
    lifetimes: Sequence[float],
    irf_center: float,
    irf_width: float,
    long_lived: bool = False,
    dispersion: Sequence[float] = (),
    dispersion_center: float = DISPERSION_CENTER_NM,
    coherent_artifact: int = 0,
    fix_irf: bool = False,
    fix_irf_width: bool = False,
    fix_lifetimes: Sequence[int] = (),
) -> TargetModel:
    """A parallel or sequential :class:`TargetModel` with start lifetimes (ps).

    ``n_components`` counts the long-lived component when ``long_lived`` is True; rates are
    named ``k1 … kM`` with M = number of decaying components (in ascending order of the
    start lifetimes). ``fix_lifetimes`` holds the listed ones (1-based, ascending order)
    at their start values; ``fix_irf_width`` holds the IRF width, ``fix_irf`` centre and width.
    """
    if kind not in MODELS:
        raise ParameterError(
            f"model {kind!r} is not one of {MODELS} (or a .toml target-model file)"
        )
    n_dec = n_components - int(long_lived)
    if n_dec < 1 or len(lifetimes) < n_dec:
        raise ParameterError(
            f"need at least one decaying component and {n_dec} start lifetimes, got n_components={n_components}, lifetimes={list(lifetimes)}"
        )
    comps = [f"c{i + 1}" for i in range(n_components)]
    trans = []
    for i in range(n_dec):
        target = "ground" if kind == "parallel" or i + 1 >= n_components else comps[i + 1]
        trans.append(Transition(comps[i], target, f"k{i + 1}"))
    params = ParameterSet()
    bad = [i for i in fix_lifetimes if not 1 <= i <= n_dec]
    if bad:
        raise ParameterError(
            f"fix_lifetimes {bad}: there are {n_dec} decaying lifetimes, numbered 1-{n_dec} in ascending order"
        )
    for i, tau in enumerate(sorted(lifetimes)[:n_dec]):
        if not tau > 0:
            raise ParameterError(f"start lifetimes must be > 0 ps, got {list(lifetimes)}")
        params.add(
            f"k{i + 1}", 1.0 / tau, positive=True, unit="1/ps", vary=i + 1 not in fix_lifetimes
        )
    params.add("irf_center", irf_center, unit="ps", vary=not fix_irf)
    params.add(
        "irf_width", irf_width, positive=True, unit="ps", vary=not (fix_irf or fix_irf_width)
    )
    names = []
    for i, d in enumerate(dispersion):
        params.add(f"disp{i + 1}", d, unit="ps")
        names.append(f"disp{i + 1}")
    initial = dict.fromkeys(comps, 1.0) if kind == "parallel" else {comps[0]: 1.0}
    ds = DatasetSpec(
        "data",
        initial,
        IrfSpec("irf_center", "irf_width", names, dispersion_center),
        coherent_artifact=coherent_artifact,
    )
    return TargetModel(KineticScheme(comps, trans), params, [ds], source=f"{kind} model")


def _start_lifetimes(time: np.ndarray, irf_width: float, n: int) -> list[float]:
    return lifetime_grid(time, irf_width, n)


def _artifact_test(fit: Result, tm: TargetModel, da: xr.DataArray) -> tuple[float, float]:
    """BIC without the coherent artefact, and an upper bound of the BIC with three terms.

    The three artefact columns (IRF Gaussian and its two derivatives) are added to the fit's
    concentration matrix at its fitted nonlinear parameters and the data projected once more:
    the sum of squares of that linear problem bounds the refitted one from above, so when
    even this bound gives a lower BIC the artefact is modelled (then refitted), and
    otherwise the fit without it stands. One residual evaluation instead of a second fit.
    """
    from heterolab.kinetics.ta.varpro import PreparedDataset

    spec = dataclasses.replace(tm.datasets[0], coherent_artifact=3)
    values = tm.params.copy()
    for n, q in fit.parameters.items():
        if n in values.params and values.params[n].expr is None:
            values.params[n].value = q.value
    prepared = PreparedDataset(da, spec, tm.scheme)
    vals = values.values()
    sse = float(np.sum(prepared.residuals(vals) ** 2))
    n = fit.statistics["n_points"]
    k = fit.statistics["n_free"] + prepared.n_linear(vals)
    return _bic(fit), float(n * np.log(max(sse, 1e-300) / n) + k * np.log(n))


def _chirp_start(da: xr.DataArray, order: int, center: float) -> tuple[float, list[float]]:
    """IRF centre at ``center`` nm and dispersion coefficients (per 100 nm) from the onset,
    estimated directly in the fit's basis (no refit of the polynomial)."""
    chirp = chirp_from_result(estimate_chirp(da, order=order, reference=center))
    return chirp.t0, list(chirp.dispersion)


def fit_global(
    da: xr.DataArray,
    model: GlobalModel | str = "sequential",
    n_components: int = 3,
    *,
    irf_center: float | None = None,
    irf_width: float = 0.1,
    long_lived: bool = False,
    chirp: str | None = None,
    chirp_order: int = 3,
    dispersion_center: float | None = None,
    lifetimes: Sequence[float] | None = None,
    coherent_artifact: int | str | CoherentArtifact = "auto",
    fix_irf: bool = False,
    fix_irf_width: bool = False,
    fix_lifetimes: Sequence[int] = (),
    profile: Sequence[str] = (),
    multistart: bool = True,
    lifetime_precision: float = LIFETIME_PRECISION,
    inputs: Sequence[str | PathLike[str]] = (),
) -> Result:
    """Global lifetime analysis of one TA matrix with a parallel or sequential model.

    Parameters
    ----------
    da
        Matrix, dims ``time`` (ps) and ``wavelength`` (nm), ΔOD.
    model
        ``"parallel"`` (DAS) or ``"sequential"`` (EAS).
    n_components
        Number of components, including the long-lived one if ``long_lived``.
    irf_center, irf_width
        Start values (ps) of the Gaussian IRF centre and standard deviation; the centre
        defaults to the delay of the steepest mean signal change.
    long_lived
        Add a non-decaying component (reported as ``tau = inf``).
    chirp
        ``None`` (one IRF centre for all wavelengths) or ``"auto"`` (centre follows a
        polynomial of degree ``chirp_order`` in wavelength, started from the signal onset).
    lifetimes
        Start lifetimes (ps); default log-spaced over the delay window.
    coherent_artifact
        Number of IRF-derivative artefact terms (0–3), or ``"auto"`` (default): the fit is
        made without the artefact, then the three artefact columns are added at its fitted
        parameters and the data projected once more (one residual evaluation). Only if that
        already lowers the Bayesian information criterion ``N ln(SSE/N) + k ln N``
        (k = nonlinear + linear parameters; Schwarz, Ann. Stat. 6, 461 (1978)) is the fit
        repeated with the artefact, started from the first, and the lower BIC kept;
        statistics ``coherent_artifact`` and ``coherent_artifact_bic`` (``"3"``: the refit's
        BIC, or the linear bound when no refit was needed) record the choice. A coherent artefact near time zero is
        the rule in fs-TA: left out, the fastest lifetime absorbs it (heterolab's simulated
        thesis matrix gives 0.69 ps for a 0.52 ps transfer without it, 0.53 ps with it).
    fix_irf
        Keep the IRF centre and width at the given values.
    fix_irf_width
        Keep only the IRF width at ``irf_width``.
    fix_lifetimes
        Start lifetimes held fixed (1-based positions in ascending order of ``lifetimes``).
    multistart
        Repeat the fit from the best points of a grid search over the lifetimes and keep the
        lowest sum of squares; a different optimum at an
        indistinguishable sum of squares marks the result suspect
        (:mod:`heterolab.kinetics.ta.multistart`).
    lifetime_precision
        Relative half-width of the 95 % interval every fitted lifetime must reach for an
        "ok" result (default 0.05); see :func:`~heterolab.kinetics.ta.target.fit_target`.
    profile
        Parameters (``tau_1``, ``irf_width``, ...) whose 68.3 % profile-likelihood interval
        is added to ``statistics["profile"]``
        (:func:`~heterolab.kinetics.ta.profile.profile_interval`).

    Returns
    -------
    Result
        kind ``"ta.global"``; parameters ``tau_1 … tau_N`` (ps, ascending, ``inf`` for the
        long-lived one), ``irf_center``, ``irf_width`` (ps) and dispersion coefficients;
        curves as :func:`~heterolab.kinetics.ta.target.fit_target` with spectra labelled
        ``c1 …`` (DAS for parallel, EAS for sequential).
    """
    model = as_choice(GlobalModel, model, "model").value
    coherent_artifact = artifact_terms(coherent_artifact)
    _refuse_infinite_cells(da)
    t = np.asarray(da["time"].values, float)
    if irf_center is None:
        mean = np.nanmean(np.abs(da.transpose("time", "wavelength").values), axis=1)
        irf_center = float(t[int(np.argmax(np.gradient(mean, t)))])
    center_wl = float(dispersion_center if dispersion_center is not None else DISPERSION_CENTER_NM)
    dispersion: list[float] = []
    if chirp == "auto":
        irf_center, dispersion = _chirp_start(da, chirp_order, center_wl)
    elif chirp is not None:
        raise ParameterError(f"chirp must be None or 'auto', got {chirp!r}")
    n_dec = n_components - int(long_lived)
    starts = list(lifetimes) if lifetimes is not None else _start_lifetimes(t, irf_width, n_dec)
    others = None if multistart else []

    def build(n_ca: int) -> TargetModel:
        return build_global_model(
            model,
            n_components,
            lifetimes=starts,
            irf_center=irf_center,
            irf_width=irf_width,
            long_lived=long_lived,
            dispersion=dispersion,
            dispersion_center=center_wl,
            coherent_artifact=n_ca,
            fix_irf=fix_irf,
            fix_irf_width=fix_irf_width,
            fix_lifetimes=fix_lifetimes,
        )

    n_ca = 0 if coherent_artifact == "auto" else int(coherent_artifact)
    tm = build(n_ca)
    fit = fit_target(
        tm,
        da,
        kind="ta.global",
        inputs=inputs,
        starts=others,
        lifetime_precision=lifetime_precision,
    )
    fit = _split_merged(fit, tm, da, inputs, lifetime_precision)
    if coherent_artifact == "auto":
        bic0, bound = _artifact_test(fit, tm, da)
        bics = {"0": bic0, "3": bound}
        if bound < bic0:  # the artefact is significant even before refitting: refit with it
            tm3 = build(3)
            try:
                with_ca = fit_target(
                    _started_at(tm3, fit),
                    da,
                    kind="ta.global",
                    inputs=inputs,
                    starts=[],
                    lifetime_precision=lifetime_precision,
                )
            except ModelError as exc:  # e.g. artefact columns inseparable at the first optimum
                fit.warnings.append(f"coherent-artefact refit not possible: {exc}")
            else:
                with_ca = _split_merged(with_ca, tm3, da, inputs, lifetime_precision)
                bics["3"] = _bic(with_ca)
                if bics["3"] < bic0:
                    fit, tm, n_ca = with_ca, tm3, 3
        fit.statistics["coherent_artifact_bic"] = bics
    fit.statistics["coherent_artifact"] = n_ca
    out = _relabel(fit, model, n_dec, long_lived)
    if profile:
        from heterolab.kinetics.ta.profile import add_profiles

        ranked = sorted(
            (n for n in tm.rate_names if n in out.derived), key=lambda n: -out.derived[n].value
        )
        aliases = {f"tau_{i + 1}": n for i, n in enumerate(ranked)}
        unknown = [n for n in profile if n not in aliases and n not in tm.params.free]
        if unknown:
            raise ParameterError(
                f"cannot profile {unknown}: choose from {sorted(aliases)} or {tm.params.free}"
            )
        add_profiles(out, tm, da, list(profile), aliases)
    return out


def _started_at(tm: TargetModel, fit: Result) -> TargetModel:
    """``tm`` with the free parameters started at ``fit``'s values."""
    params = tm.params.copy()
    for n in params.free:
        if n in fit.parameters:
            params.params[n].value = fit.parameters[n].value
    return TargetModel(tm.scheme, params, tm.datasets, source=tm.source)


def _bic(fit: Result) -> float:
    """Bayesian information criterion N ln(SSE/N) + k ln N of a fit (k: all parameters)."""
    n = fit.statistics["n_points"]
    k = fit.statistics["n_free"] + fit.statistics["n_linear"]
    sse = max(fit.statistics["sse"], 1e-300)
    return float(n * np.log(sse / n) + k * np.log(n))


def _split_merged(
    fit: Result,
    tm: TargetModel,
    da: xr.DataArray,
    inputs: Sequence[Any],
    precision: float = LIFETIME_PRECISION,
) -> Result:
    """Refit from split starts when two lifetimes have merged (kept only if the SSE drops).

    With free spectra the residual depends only on the set of rates, so k_i = k_j is a
    symmetry line of the sum of squares: a stationary point the optimiser can stop on
    although the minimum lies off it. When two fitted rates are within 5 %, the fit is
    repeated with the pair started at (k/3, 3k), (k, 10k) and (k/10, k) around their mean k,
    the other rates at their fitted values and the IRF at its start; the lowest SSE is kept.
    """
    for _ in range(2):
        names = [n for n in tm.rate_names if n in fit.parameters]
        rates = sorted((fit.parameters[n].value, n) for n in names)
        pair = next(((a, b) for a, b in itertools.pairwise(rates) if b[0] < 1.05 * a[0]), None)
        if pair is None:
            return fit
        k = np.sqrt(pair[0][0] * pair[1][0])
        best = fit
        for lo, hi in ((k / 3.0, 3.0 * k), (k, 10.0 * k), (k / 10.0, k)):
            trial = tm.params.copy()  # IRF and dispersion from their starts: they may have
            for n in names:  # absorbed the missing component
                if n in trial.free:
                    trial.params[n].value = fit.parameters[n].value
            trial.params[pair[0][1]].value, trial.params[pair[1][1]].value = lo, hi
            try:
                again = fit_target(
                    TargetModel(tm.scheme, trial, tm.datasets, source=tm.source),
                    da,
                    kind="ta.global",
                    inputs=inputs,
                    starts=[],
                    lifetime_precision=precision,
                )
            except ModelError:
                continue
            if again.statistics["sse"] < best.statistics["sse"] * (1 - 1e-9):
                best = again
        if best is fit:
            fit.warnings.append(
                f"{pair[0][1]} and {pair[1][1]} merged; refits from split starts did not lower the SSE"
            )
            return fit
        fit = best
    return fit


def _relabel(fit: Result, model: str, n_dec: int, long_lived: bool) -> Result:
    """Parameters as ascending lifetimes tau_1 … tau_N (ps) plus IRF and dispersion."""
    taus = sorted((fit.derived[f"tau_k{i + 1}"] for i in range(n_dec)), key=lambda q: q.value)
    params: dict[str, Quantity] = {f"tau_{i + 1}": q for i, q in enumerate(taus)}
    if long_lived:
        params[f"tau_{n_dec + 1}"] = Quantity(float("inf"), None, "ps")
    for name, q in fit.parameters.items():
        if not (name.startswith("k") and name[1:].isdigit()):
            params[name] = q
    derived = {
        name: q for name, q in fit.parameters.items() if name.startswith("k") and name[1:].isdigit()
    }
    out = Result(
        "ta.global",
        params,
        derived,
        dict(fit.statistics),
        dict(fit.provenance),
        dict(fit.curves),
        list(fit.warnings),
    )
    out.statistics["model"] = model
    out.statistics["spectra"] = "DAS" if model == "parallel" else "EAS"
    return out


def _refuse_infinite_cells(da: xr.DataArray) -> None:
    """An infinite ΔA cell (a division by zero in instrument software) cannot be fitted; the
    TA readers turn such cells into NaN (weight 0), a matrix built by hand must too."""
    n_inf = int(np.isinf(np.asarray(da.values, float)).sum())
    if n_inf:
        raise ParameterError(
            f"the TA matrix holds {n_inf} infinite cell(s); set them to NaN (weight 0), as "
            "heterolab.io.read_ta_matrix does, or remove them"
        )
