"""Target analysis: fit one or several TA matrices with one compartmental scheme.

Rates (and IRF parameters) are shared between datasets by name; each dataset has its own
initial populations (e.g. pump 470 nm exciting donor and acceptor, pump 600 nm only the
acceptor), IRF centre, spectral constraints and weights. The spectra are eliminated by
variable projection (:mod:`heterolab.kinetics.ta.varpro`); the few nonlinear parameters are
optimised with ``scipy.optimize.least_squares`` (trust-region reflective) from the normal
equations (:func:`heterolab._normal_lsq.least_squares_normal`: the same steps as on the
tall problem, without forming its Jacobian), positive ones in log space. Standard
errors come from the covariance :math:`s^2 (J^TJ)^{-1}` at the optimum with
:math:`s^2 = \\mathrm{SSE}/(N - n_{nonlin} - n_{lin})` (Bates & Watts, *Nonlinear Regression
Analysis*, Wiley 1988, §2.3). Parameters the data cannot determine get a NaN
standard error and a warning naming the correlation that shows it.

Model files are TOML (see ``examples/models/``)::

    compartments = ["s1", "s2"]
    transitions = [{from = "s1", to = "s2", rate = "k1"}, {from = "s2", to = "ground", rate = "k2"}]
    [parameters]
    k1 = {value = 2.0, positive = true, unit = "1/ps"}
    [[datasets]]
    name = "vis"
    initial = {s1 = 1.0}
    irf = {center = "irf_center", width = "irf_width", dispersion = [], dispersion_center = 550}

Several datasets may share their species' spectra (top-level ``link_spectra``), scale their
model (dataset ``scale``) and carry known spectra (dataset ``guide``):
:mod:`heterolab.kinetics.ta.linked`; every key is described in ``docs/ta_models.md``.
"""

from __future__ import annotations

import time as _time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from heterolab._normal_lsq import NonFiniteJacobianError, least_squares_normal
from heterolab._threads import single_threaded_blas
from heterolab.errors import ModelError, ParameterError
from heterolab.kinetics.ta.choices import LIFETIME_PRECISION
from heterolab.kinetics.ta.model import (
    DISPERSION_CENTER_NM,
    DISPERSION_SCALE_NM,
    Constraint,
    DatasetSpec,
    EqualArea,
    IrfSpec,
    KineticScheme,
    Oscillation,
    ParameterSet,
    SpectralLink,
    Transition,
    Weight,
)
from heterolab.kinetics.ta.objective import make_objective
from heterolab.kinetics.ta.shapes import (
    add_shape_results,
    joint_shape_problems,
    shapes_from_mapping,
)
from heterolab.kinetics.ta.varpro import PreparedDataset
from heterolab.progress import progress_task
from heterolab.result import Quantity, Result, make_provenance

if TYPE_CHECKING:
    from heterolab.kinetics.ta.linked import JointSpectra

__all__ = ["TargetModel", "fit_target", "load_model"]

CORRELATION_WARN = 0.99
_VERBOSE = 0


class TargetModel:
    """A kinetic scheme, its parameters and one specification per dataset."""

    def __init__(
        self,
        scheme: KineticScheme,
        params: ParameterSet,
        datasets: list[DatasetSpec],
        source: str = "model",
        link: SpectralLink | None = None,
    ) -> None:
        from heterolab.kinetics.ta.linked import link_problems

        self.scheme = scheme
        self.params = params
        self.datasets = datasets
        self.source = source
        self.link = link
        problems = scheme.validate(params)
        for ds in datasets:
            problems += ds.validate(scheme, params)
        if not datasets:
            problems.append("no [[datasets]] given")
        if not problems:
            problems += link_problems(self)
            problems += joint_shape_problems(self)
        if problems:
            raise ModelError(problems, source=source)

    def with_params(self, params: ParameterSet) -> TargetModel:
        """The same model with other parameters (start values, fixed ones)."""
        return TargetModel(self.scheme, params, self.datasets, source=self.source, link=self.link)

    @property
    def rate_names(self) -> list[str]:
        """Parameter names used as rates, in transition order (unique)."""
        return list(dict.fromkeys(tr.rate for tr in self.scheme.transitions))


# ---------------------------------------------------------------------------- loading
def _irf_from(d: Mapping[str, Any], where: str, problems: list[str]) -> IrfSpec:
    if "center" not in d or "width" not in d:
        problems.append(f"{where}: irf needs 'center' and 'width' parameter names")
        return IrfSpec("irf_center", "irf_width")
    return IrfSpec(
        str(d["center"]),
        str(d["width"]),
        [str(x) for x in d.get("dispersion", [])],
        float(d.get("dispersion_center", DISPERSION_CENTER_NM)),
        float(d.get("dispersion_scale", DISPERSION_SCALE_NM)),
        [
            (str(g.get("width", "")), str(g.get("shift", "")), str(g.get("amplitude", "")))
            for g in d.get("extra", [])
        ],
        str(d["backsweep_period"]) if d.get("backsweep_period") else None,
        [str(x) for x in d.get("width_dispersion", [])],
    )


def load_model(path: str | PathLike[str]) -> TargetModel:
    """Read a target model from a TOML file (format in the module docstring).

    Raises
    ------
    ModelError
        Listing every problem in the file (unknown compartments, undefined parameters, ...).
    """
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"model file {p} does not exist")
    try:
        spec = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"not valid TOML: {exc}", source=str(p)) from None
    return model_from_mapping(spec, source=str(p), base=p.parent)


def model_from_mapping(
    spec: Mapping[str, Any], source: str = "model", base: str | PathLike[str] | None = None
) -> TargetModel:
    """Build a :class:`TargetModel` from the parsed TOML mapping (``base``: folder that
    relative guide files resolve against; default the working directory)."""
    from heterolab.kinetics.ta.linked import parse_guides, parse_link

    problems: list[str] = []
    known = {"compartments", "transitions", "parameters", "datasets", "description", "link_spectra"}
    problems += [
        f"unknown top-level key {k!r}; known: {sorted(known)}" for k in spec if k not in known
    ]
    comps = [str(c) for c in spec.get("compartments", [])]
    if not comps:
        problems.append("'compartments' is missing or empty")
    transitions = []
    for i, tr in enumerate(spec.get("transitions", [])):
        if not {"from", "rate"} <= set(tr):
            problems.append(f"transition #{i + 1} needs 'from', 'to' (or 'ground') and 'rate'")
            continue
        transitions.append(
            Transition(str(tr["from"]), str(tr.get("to", "ground")), str(tr["rate"]))
        )
    params = ParameterSet.from_mapping(spec.get("parameters", {}), source=source)
    for tr in transitions:
        if tr.rate in params.params:
            params.params[tr.rate].positive = True
            params.params[tr.rate].unit = "1/ps"
    datasets = []
    for i, d in enumerate(spec.get("datasets", [])):
        where = f"dataset #{i + 1}"
        irf = _irf_from(d.get("irf", {}), where, problems)
        if irf.width in params.params:
            params.params[irf.width].positive = True
            params.params[irf.width].unit = "ps"
        if irf.center in params.params:
            params.params[irf.center].unit = "ps"
        for n in irf.width_dispersion:
            if n in params.params:
                params.params[n].unit = "ps"
        if irf.backsweep_period in params.params:
            params.params[irf.backsweep_period].positive = True
            params.params[irf.backsweep_period].unit = "ps"
        for w, sh, _ in irf.extra:
            if w in params.params and params.params[w].expr is None:
                params.params[w].positive = True
                params.params[w].unit = "ps"
            if sh in params.params:
                params.params[sh].unit = "ps"
        scale = d.get("scale", 1.0)
        if isinstance(scale, str) and scale in params.params and params.params[scale].expr is None:
            params.params[scale].positive = True
            params.params[scale].unit = "1"
        elif isinstance(scale, bool) or not isinstance(scale, (str, int, float)):
            problems.append(f"{where}: scale must be a parameter name or a number, got {scale!r}")
            scale = 1.0
        guides = parse_guides(
            d.get("guide", []), where, None if base is None else Path(base), problems
        )
        for o in d.get("oscillations", []):
            for key, unit in (("frequency", "1/cm"), ("damping", "1/ps")):
                name = str(o.get(key, ""))
                if name in params.params and params.params[name].expr is None:
                    params.params[name].positive = True
                    params.params[name].unit = unit
        cons = [
            Constraint(
                str(c.get("kind", "")),
                str(c.get("compartment", "")),
                tuple(c.get("range", (-np.inf, np.inf))),
                c.get("target"),
                c.get("ratio", 1.0),
            )
            for c in d.get("constraints", [])
        ]
        weights = [
            Weight(
                float(w["value"]),
                tuple(w.get("wavelength", (-np.inf, np.inf))),
                tuple(w.get("time", (-np.inf, np.inf))),
            )
            for w in d.get("weights", [])
        ]
        datasets.append(
            DatasetSpec(
                str(d.get("name", f"dataset{i + 1}")),
                dict(d.get("initial", {})),
                irf,
                cons,
                weights,
                int(d.get("coherent_artifact", 0)),
                d.get("compartments"),
                bool(d.get("baseline", False)),
                [
                    Oscillation(str(o.get("frequency", "")), str(o.get("damping", "")))
                    for o in d.get("oscillations", [])
                ],
                [str(c) for c in d.get("nonnegative", [])],
                [
                    EqualArea(
                        str(e.get("compartment", "")),
                        str(e.get("target", "")),
                        tuple(e.get("range", (-np.inf, np.inf))),
                        e.get("ratio", 1.0),
                        float(e.get("weight", 1.0)),
                    )
                    for e in d.get("equal_area", [])
                ],
                scale if isinstance(scale, str) else float(scale),
                guides,
            )
        )
        datasets[-1].shapes = shapes_from_mapping(d.get("shapes", {}), where, problems, params)
    link = parse_link(spec.get("link_spectra"), [d.name for d in datasets], problems, comps)
    if problems:
        raise ModelError(problems, source=source)
    return TargetModel(
        KineticScheme(comps, transitions), params, datasets, source=source, link=link
    )


# ---------------------------------------------------------------------------- fitting
def fit_target(
    model: TargetModel,
    data: xr.DataArray | Sequence[xr.DataArray] | Mapping[str, xr.DataArray],
    *,
    max_nfev: int | None = None,
    kind: str = "ta.target",
    inputs: Sequence[str | PathLike[str]] = (),
    x_scale: str | float = "jac",
    starts: Sequence[Mapping[str, float]] | None = None,
    lifetime_precision: float = LIFETIME_PRECISION,
) -> Result:
    """Fit ``model`` to one or several TA matrices (global/target analysis by variable projection).

    Parameters
    ----------
    model
        The target model; its parameters hold the start values and are not modified.
    data
        One DataArray (single dataset), a list in the order of ``model.datasets`` or a mapping
        from dataset name to DataArray. Dims ``time`` (ps) and ``wavelength`` (nm), ΔOD.
    max_nfev
        Cap on residual evaluations (default: 100 x (n_free + 1)).
    kind
        Result kind.
    x_scale
        Variable scaling of ``scipy.optimize.least_squares`` (positive parameters are fitted as
        logarithms): ``"jac"`` (inverse Jacobian column norms) or a number. ``"jac"`` suits
        single datasets (Hippius target fit: 3.1 s, 31 evaluations); on the linked co/c2o model it crawls
        along the flat dispersion valley (~400 evaluations) where ``1.0`` converges in ~20.
    inputs
        Input files for the provenance record.
    starts
        Other start values (``{parameter: value}``, one mapping per start) from which the fit
        is repeated; the lowest sum of squares wins and a different optimum at an
        indistinguishable sum of squares marks the result suspect
        (:mod:`heterolab.kinetics.ta.multistart`). ``None`` (default): the start rates in
        reverse order and the best points of a grid search over the rates
        (:func:`~heterolab.kinetics.ta.multistart.auto_starts`); ``[]``: the model's own
        start only.
    lifetime_precision
        Relative half-width of the 95 % interval (2 standard errors) every free rate must
        reach for the result to be "ok" (default 0.05: every lifetime within ±5 % at 95 %
        confidence); a rate known less precisely marks the result suspect, naming it.

    Returns
    -------
    Result
        ``parameters``: every model parameter (fixed ones with stderr ``None``); ``derived``:
        lifetimes ``tau_<rate>`` = 1/k (ps); ``curves``: per dataset ``<name>/data``,
        ``<name>/fit``, ``<name>/residuals`` (time x wavelength), ``<name>/spectra``
        (species x wavelength) and ``<name>/concentrations`` (time x species at the
        dispersion centre); statistics: SSE, chi2_reduced, n_points, n_linear, nfev,
        wall_time_s, correlation matrix; with other starts ``n_starts`` and
        ``multistart_sse``.
    """
    from heterolab.kinetics.ta.multistart import best_of_starts

    x_scale = _check_x_scale(x_scale)
    if not 0 < lifetime_precision < np.inf:
        raise ParameterError(
            f"lifetime_precision must be a positive relative width, got {lifetime_precision!r}"
        )
    matrices = _as_list(model, data)

    with progress_task(f"TA fit ({kind})", unit="evaluations") as tick:

        def one(m: TargetModel, mats: list[xr.DataArray], cap: int | None = None) -> Result:
            return _fit_once(
                m,
                mats,
                cap or max_nfev,
                kind,
                inputs,
                x_scale,
                lifetime_precision,
                tick,
                screening=cap is not None,
            )

        first = one(model, matrices)
        others = None if starts is None else [dict(s) for s in starts]
        return best_of_starts(first, model, matrices, others, one)


def _fit_once(
    model: TargetModel,
    matrices: list[xr.DataArray],
    max_nfev: int | None,
    kind: str,
    inputs: Sequence[str | PathLike[str]],
    x_scale: str | float,
    precision: float = LIFETIME_PRECISION,
    tick: Callable[..., object] | None = None,
    *,
    screening: bool = False,
) -> Result:
    """One least-squares fit of ``model`` from its own start values (``tick()`` per
    residual evaluation: the progress bar). A ``screening`` fit of the multi-start (a model
    already checked by the first fit; only its SSE, statistics and parameters are read)
    skips the separability check and the curves."""
    prepared = [
        PreparedDataset(d, s, model.scheme) for d, s in zip(matrices, model.datasets, strict=True)
    ]
    params = model.params.copy()
    x0 = params.to_vector()
    if x0.size == 0:
        raise ParameterError("the model has no free parameter to fit")
    fun, jac, joint, normal = make_objective(model, params, prepared, tick)
    if not screening:
        _check_separable(model, prepared, params.values(), joint)
    lo, hi, physical = _fit_bounds(model, params, prepared)
    x0 = _inside(x0, lo, hi)

    with single_threaded_blas():
        r0 = fun(x0)
        if not np.all(np.isfinite(r0)):
            raise ModelError(
                "the model gives non-finite residuals at the start values; check rates and IRF",
                source=model.source,
            )
        start = _time.perf_counter()
        # ftol = xtol = 1e-8: scipy's and pyglotaran's defaults. On the Hippius fit 1e-9 only
        # added 3 evaluations that moved no lifetime by more than 0.001 %.
        try:
            sol = least_squares_normal(
                fun,
                x0,
                normal,
                jac,
                bounds=(lo, hi),
                x_scale=x_scale,
                verbose=_VERBOSE,
                max_nfev=max_nfev or 100 * (x0.size + 1),
                xtol=1e-8,
                ftol=1e-8,
            )
        except NonFiniteJacobianError as exc:
            raise ModelError(
                f"the fit reached parameters where the model's derivatives are not finite "
                f"({ {n: v for n, v in params.from_vector(exc.x).items() if n in params.free} }); "
                "check rates, IRF and bounds",
                source=model.source,
            ) from None
        wall = _time.perf_counter() - start
        params.set_vector(sol.x)
        res = _build_result(
            model, params, prepared, sol, wall, kind, inputs, joint, curves=not screening
        )
        res.warnings[:0] = [w for d in matrices for w in d.attrs.get("warnings", [])]
        _diagnose(res, model, params, prepared, sol, x0, (lo, hi, physical), precision)
        if not screening and any(p.spec.shapes for p in prepared):  # needs J's rows
            sol.jac = jac(sol.x)
            add_shape_results(res, model, params, prepared, sol)
        return res


def _time_scales(prepared: list[PreparedDataset]) -> tuple[float, float, float, float]:
    """Smallest delay step, largest span, earliest and latest delay over the datasets (ps)."""
    steps = [np.diff(p.time) for p in prepared]
    dt = min(float(np.min(s[s > 0])) for s in steps)
    t_lo = min(float(p.time.min()) for p in prepared)
    t_hi = max(float(p.time.max()) for p in prepared)
    return dt, t_hi - t_lo, t_lo, t_hi


def _fit_bounds(
    model: TargetModel, params: ParameterSet, prepared: list[PreparedDataset]
) -> tuple[np.ndarray, np.ndarray, dict[str, str]]:
    """Bounds of the optimiser vector: the parameters' own, else the bounds of physics.

    Where a parameter has no bound of its own, a rate is kept between 1/(1e4 x the delay
    span) and 1/(1e-2 x the smallest delay step), an IRF width between 1e-2 x the smallest
    step and half the span, and an IRF centre within the measured delays. These only keep
    the optimiser in a range where exponentials are computable; a parameter that ends on
    one of them is reported as failed (``physical`` names the bound).
    """
    lo, hi = params.bounds()
    dt, span, t_lo, t_hi = _time_scales(prepared)
    rates = set(model.rate_names)
    widths = {d.irf.width for d in model.datasets}
    centers = {d.irf.center for d in model.datasets}
    physical: dict[str, str] = {}
    for i, n in enumerate(params.free):
        p = params.params[n]
        box: tuple[float, float] | None = None
        if n in rates:
            box = (1.0 / (1e4 * span), 1.0 / (1e-2 * dt))
            why = "lifetime between 1e-2 x the smallest delay step and 1e4 x the delay span"
        elif n in widths:
            box = (1e-2 * dt, 0.5 * span)
            why = "IRF width between 1e-2 x the smallest delay step and half the delay span"
        elif n in centers:
            box = (t_lo, t_hi)
            why = "IRF centre within the measured delays"
        if box is None:
            continue
        a, b = (np.log(box[0]), np.log(box[1])) if p.positive else box
        if not np.isfinite(lo[i]) and a <= (np.log(p.value) if p.positive else p.value):
            lo[i] = a
            physical[n] = why
        if not np.isfinite(hi[i]) and b >= (np.log(p.value) if p.positive else p.value):
            hi[i] = b
            physical[n] = why
    return lo, hi, physical


def _inside(x0: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Start vector moved just inside its bounds (least_squares needs a strictly feasible x0)."""
    pad = 1e-9 * (np.abs(x0) + 1.0)
    return np.minimum(np.maximum(x0, np.where(np.isfinite(lo), lo + pad, -np.inf)), hi - pad)


def _diagnose(
    res: Result,
    model: TargetModel,
    params: ParameterSet,
    prepared: list[PreparedDataset],
    sol: Any,
    x0: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray, dict[str, str]],
    precision: float = LIFETIME_PRECISION,
) -> None:
    """Mark the result failed or suspect when it is not an answer (never a false "ok").

    Failed: no signal (the model explains less of the data's sum of squares than its
    linear parameters would explain of pure noise), a fit that never left its start, a
    parameter on a bound of physics (a lifetime far below the time step, an IRF narrower
    than the sampling), a lifetime below a tenth of the time resolution. Suspect: a
    parameter on its own bound, parameters the data do not determine, a free rate whose
    95 % interval (2 standard errors) is wider than ± ``precision`` (relative).
    """
    lo, hi, physical = bounds
    values = params.values()
    sse = float(np.sum(sol.fun**2))
    total = float(sum(np.sum(p.yw**2) for p in prepared))
    n_points = res.statistics["n_points"]
    explained = 1.0 - sse / total if total > 0 else 0.0
    res.statistics["explained_fraction"] = explained
    if total == 0 or explained < max(0.05, 3.0 * res.statistics["n_linear"] / n_points):
        res.mark_failed(
            f"the data carry no signal the model can describe (it explains {100 * explained:.2g} % of the sum of squares)"
        )
        return
    if sol.nfev > 1 and np.allclose(sol.x, x0, rtol=1e-7, atol=1e-10):
        res.mark_failed("the fit did not move from its start values")
        return
    dt, _, _, _ = _time_scales(prepared)
    for i, n in enumerate(params.free):
        on_lo = np.isfinite(lo[i]) and sol.x[i] <= lo[i] + 1e-6 * (abs(lo[i]) + 1)
        on_hi = np.isfinite(hi[i]) and sol.x[i] >= hi[i] - 1e-6 * (abs(hi[i]) + 1)
        if not (on_lo or on_hi):
            continue
        if n in physical and on_lo and n in model.rate_names:
            res.mark_failed(
                f"{n} ran to zero: lifetime 1/{n} = {1.0 / values[n]:.3g} ps does not decay within the "
                "delay window; model that component as long-lived (non-decaying) instead"
            )
        elif n in physical:
            res.mark_failed(f"{n} = {values[n]:.4g} ran to a bound of physics ({physical[n]})")
        else:
            res.mark_suspect(f"{n} = {values[n]:.4g} is at its bound")
    widths = [values[d.irf.width] for d in model.datasets]
    resolution = max(min(widths), 0.5 * dt)
    for r in model.rate_names:
        if values[r] > 0 and 1.0 / values[r] < 0.1 * resolution:
            res.mark_failed(
                f"lifetime 1/{r} = {1.0 / values[r]:.3g} ps is below a tenth of the time resolution ({resolution:.3g} ps)"
            )
    if min(widths) < 0.2 * dt and any(d.irf.width in params.free for d in model.datasets):
        res.mark_failed(
            f"the IRF width {min(widths):.3g} ps is below a fifth of the smallest delay step ({dt:.3g} ps)"
        )
    bad = res.statistics.get("undetermined", [])
    if bad:
        res.mark_suspect(f"not determined by the data: {', '.join(bad)}")
    loose = [
        f"1/{r} = {1.0 / q.value:.4g} ± {100 * q.stderr / q.value:.2g} %"
        for r in model.rate_names
        if r in params.free and r not in bad
        for q in [res.parameters[r]]
        if q.stderr is not None and q.value > 0 and 2.0 * q.stderr > precision * q.value
    ]
    res.statistics["lifetime_precision"] = precision
    if loose:
        res.mark_suspect(
            f"lifetimes not determined to ±{100 * precision:.3g} % at 95 % "
            f"confidence (1 standard error shown): {', '.join(loose)}"
        )


def _check_separable(
    model: TargetModel,
    prepared: list[PreparedDataset],
    values: Mapping[str, float],
    joint: JointSpectra | None = None,
) -> None:
    """Refuse a model whose species' spectra cannot be separated at the start values."""
    problems = [] if joint is None else joint.dependent_columns(values)
    for i, p in enumerate(prepared):
        if joint is not None and i in joint.members:
            continue
        for names in p.dependent_columns(values):
            problems.append(
                f"dataset {p.name!r}: the concentrations of {' and '.join(names)} are linearly "
                "dependent at the start values, so their spectra cannot be separated; tie the "
                "spectra with an 'equal' constraint, give their rates different start values, "
                "or add a dataset that populates them differently"
            )
    if problems:
        raise ModelError(problems, source=model.source)


def _check_x_scale(x_scale: str | float) -> str | float:
    if x_scale == "jac":
        return x_scale
    if isinstance(x_scale, str) or not np.isfinite(x_scale) or x_scale <= 0:
        raise ParameterError(f"x_scale must be 'jac' or a positive number, got {x_scale!r}")
    return float(x_scale)


def _as_list(model: TargetModel, data: Any) -> list[xr.DataArray]:
    names = [d.name for d in model.datasets]
    if isinstance(data, xr.DataArray):
        data = [data]
    if isinstance(data, Mapping):
        missing = [n for n in names if n not in data]
        if missing:
            raise ParameterError(f"no data for dataset(s) {missing}; given: {sorted(data)}")
        return [data[n] for n in names]
    data = list(data)
    if len(data) != len(names):
        raise ParameterError(
            f"the model has {len(names)} dataset(s) {names} but {len(data)} matrices were given"
        )
    return data


def _covariance(params: ParameterSet, sol: Any, dof: int) -> tuple[np.ndarray, np.ndarray]:
    """Covariance of the free parameters in their own (not log) space, and correlations."""
    sse = float(np.sum(sol.fun**2))
    s2 = sse / max(dof, 1)
    jtj = np.asarray(sol.jtj)
    scale = np.sqrt(np.clip(np.diag(jtj), 1e-300, None))
    jn = jtj / np.outer(scale, scale)
    w, v = np.linalg.eigh(jn)
    good = w > 1e-12 * w.max()
    inv = (v[:, good] / w[good]) @ v[:, good].T
    cov_x = s2 * inv / np.outer(scale, scale)
    cov_x[:, ~np.isfinite(np.diag(cov_x))] = np.nan
    if not good.all():  # a direction the data do not constrain: mark the parameters in it
        bad = np.any(np.abs(v[:, ~good]) > 0.1, axis=1)
        cov_x[bad, :] = np.nan
        cov_x[:, bad] = np.nan
    vals = params.values()
    d = np.array([vals[n] if params.params[n].positive else 1.0 for n in params.free])
    cov = cov_x * np.outer(d, d)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return cov, corr


def _undetermined(
    model: TargetModel,
    params: ParameterSet,
    cov: np.ndarray,
    corr: np.ndarray,
    spans: tuple[float, float],
) -> tuple[set[str], list[str]]:
    """Names of parameters the data cannot determine, and warnings explaining why."""
    free = params.free
    vals = params.values()
    bad: set[str] = set()
    notes: list[str] = []
    t_min_res, t_span = spans
    # a synchroscan backsweep sees each decay again for a whole period: lifetimes up to the
    # period are measured (PSI streak data: 6.1 ns in a 200 ps window, pyglotaran ±0.6 %)
    periods = [vals[d.irf.backsweep_period] for d in model.datasets if d.irf.backsweep_period]
    t_span = max([t_span, *periods])
    # parameters that may sit near 0 legitimately (time-zero shifts): no relative-error test
    shifts = {
        n
        for d in model.datasets
        for n in (
            d.irf.center,
            *d.irf.dispersion,
            *d.irf.width_dispersion,
            *(sh for _, sh, _ in d.irf.extra),
        )
    }
    shifts |= {s.skewness for d in model.datasets for s in d.shapes if isinstance(s.skewness, str)}
    for i, n in enumerate(free):
        sd = np.sqrt(cov[i, i]) if np.isfinite(cov[i, i]) else np.nan
        partner = ""
        row = np.where(np.arange(len(free)) == i, 0.0, np.nan_to_num(np.abs(corr[i])))
        if row.size > 1 and row.max() > 0:
            j = int(np.argmax(row))
            partner = f"; most correlated with {free[j]} (r = {corr[i, j]:+.4f})"
        why = ""
        if not np.isfinite(sd):
            why = "the fit is insensitive to it (singular curvature)"
        elif sd > abs(vals[n]) and n not in shifts:
            why = f"relative error {sd / abs(vals[n]):.3g} > 1" if vals[n] != 0 else "value 0"
        if n in model.rate_names and vals[n] > 0:
            tau = 1.0 / vals[n]
            if tau < 0.05 * t_min_res:
                why = (
                    why
                    or f"lifetime 1/{n} = {tau:.3g} ps is far below the time resolution ({t_min_res:.3g} ps)"
                )
            if tau > 20.0 * t_span:
                why = (
                    why
                    or f"lifetime 1/{n} = {tau:.3g} ps is far beyond the measured window ({t_span:.3g} ps)"
                )
        if why:
            bad.add(n)
            notes.append(
                f"parameter {n} = {vals[n]:.4g} is not determined by the data: {why}{partner}"
            )
    for i in range(len(free)):
        for j in range(i + 1, len(free)):
            if np.isfinite(corr[i, j]) and abs(corr[i, j]) > CORRELATION_WARN:
                notes.append(
                    f"{free[i]} and {free[j]} are correlated (r = {corr[i, j]:+.4f}); only a combination of them is well determined"
                )
    return bad, notes


def _build_result(
    model: TargetModel,
    params: ParameterSet,
    prepared: list[PreparedDataset],
    sol: Any,
    wall: float,
    kind: str,
    inputs: Sequence[Any],
    joint: JointSpectra | None = None,
    *,
    curves: bool = True,
) -> Result:
    values = params.values()
    members = set() if joint is None else set(joint.members)
    n_points = sum(p.n_points for p in prepared)
    n_lin = sum(p.n_linear(values) for i, p in enumerate(prepared) if i not in members)
    if joint is not None:
        n_points += joint.n_guide_rows()
        n_lin += joint.n_linear(values)
    dof = n_points - len(params.free) - n_lin
    cov, corr = _covariance(params, sol, dof)
    widths = [values[p.spec.irf.width] for p in prepared]
    span = max(float(p.time.max() - p.time.min()) for p in prepared)
    bad, notes = _undetermined(model, params, cov, corr, (float(np.min(widths)), span))
    free = params.free
    out_params: dict[str, Quantity] = {}
    for n, p in params.params.items():
        if n in free:
            i = free.index(n)
            sd = (
                float(np.sqrt(cov[i, i]))
                if np.isfinite(cov[i, i]) and n not in bad
                else float("nan")
            )
            out_params[n] = Quantity(values[n], sd, p.unit)
        else:
            out_params[n] = Quantity(values[n], None, p.unit)
    derived = {}
    for r in model.rate_names:
        q = out_params[r]
        sd = None if q.stderr is None or q.value <= 0 else q.stderr / q.value**2
        derived[f"tau_{r}"] = Quantity(1.0 / q.value if q.value > 0 else float("inf"), sd, "ps")
    sse = float(np.sum(sol.fun**2))
    stats: dict[str, Any] = {
        "sse": sse,
        "chi2_reduced": sse / max(dof, 1),
        "n_points": n_points,
        "n_linear": n_lin,
        "n_free": len(free),
        "nfev": int(sol.nfev),
        "wall_time_s": wall,
        "free_parameters": free,
        "correlation": np.round(np.nan_to_num(corr, nan=np.nan), 6),
        "optimizer_status": int(sol.status),
        "undetermined": sorted(bad),
    }
    res = Result(
        kind,
        out_params,
        derived,
        stats,
        make_provenance(inputs, {"model": model.source}),
        warnings=notes,
    )
    if sol.status <= 0:
        res.mark_failed(f"optimizer did not converge: {sol.message}")
    else:
        res.statistics["message"] = str(sol.message)
    if not curves:
        return res
    for i, p in enumerate(prepared):
        _add_curves(res, p, values, joint.solve(i, values) if i in members else None)
    if joint is not None and joint.linked:
        from heterolab.kinetics.ta.linked import LINKED

        wl, spectra, labels = joint.linked_spectra(values)
        da = xr.DataArray(
            spectra.T,
            dims=("species", "wavelength"),
            coords={"species": labels, "wavelength": wl},
            attrs={"units": "OD"},
        )
        da["wavelength"].attrs["units"] = "nm"
        res.curves[f"{LINKED}/spectra"] = da
        res.statistics["linked_datasets"] = [prepared[i].name for i in joint.linked]
    return res


def _add_curves(
    res: Result,
    p: PreparedDataset,
    values: Mapping[str, float],
    solved: tuple[np.ndarray, np.ndarray, list[str], np.ndarray] | None = None,
) -> None:
    spectra, model_y, labels, conc = p.solve(values) if solved is None else solved
    coords = {"time": p.time, "wavelength": p.wavelength}
    matrix = xr.DataArray(p.y.T, dims=("time", "wavelength"), coords=coords, attrs={"units": "OD"})
    matrix["time"].attrs["units"] = "ps"
    matrix["wavelength"].attrs["units"] = "nm"
    res.curves[f"{p.name}/data"] = matrix
    for key, arr in (("fit", model_y), ("residuals", (p.y - model_y) * (p.w > 0))):
        # the data's coordinates and indexes, not built again (10x faster than a new array)
        res.curves[f"{p.name}/{key}"] = matrix.copy(deep=False, data=arr.T)
    _add_residual_svd(res, p.name, (p.y - model_y) * (p.w > 0), p.time, p.wavelength)
    res.curves[f"{p.name}/spectra"] = xr.DataArray(
        spectra.T,
        dims=("species", "wavelength"),
        coords={"species": labels, "wavelength": p.wavelength},
        attrs={"units": "OD"},
    )
    ref = int(np.argmin(np.abs(p.wavelength - p.spec.irf.dispersion_center))) if p.dispersive else 0
    res.curves[f"{p.name}/concentrations"] = xr.DataArray(
        conc[ref],
        dims=("time", "species"),
        coords={"time": p.time, "species": labels},
        attrs={"units": "1"},
    )


def _add_residual_svd(
    res: Result, name: str, resid: np.ndarray, time: np.ndarray, wl: np.ndarray, n: int = 3
) -> None:
    """SVD of the residual matrix (van Stokkum, Larsen & van Grondelle, BBA 1657, 82 (2004),
    §5): structure left by a missing component shows as leading singular values above what
    noise alone gives, with smooth singular vectors.

    Adds curves ``NAME/residual_singular_values``, ``NAME/residual_time_vectors`` and
    ``NAME/residual_spectral_vectors`` and the statistic ``residual_sv_over_noise``: the first
    residual singular value over the largest one expected from white noise,
    ``sigma (sqrt(m) + sqrt(n))`` for an m x n matrix (the Marchenko-Pastur edge; Geman, Ann.
    Probab. 8, 252 (1980)), with sigma estimated robustly from successive differences along
    time (MAD), which smooth structure barely affects. ~1 for a complete model, >> 1 when
    structure is left."""
    r = np.nan_to_num(resid)  # (n_wl, n_t)
    u, sv, vt = np.linalg.svd(r, full_matrices=False)
    k = min(n, sv.size)
    res.curves[f"{name}/residual_singular_values"] = xr.DataArray(
        sv, dims="index", attrs={"units": "OD"}
    )
    res.curves[f"{name}/residual_spectral_vectors"] = xr.DataArray(
        u[:, :k].T, dims=("index", "wavelength"), coords={"wavelength": wl}
    )
    res.curves[f"{name}/residual_time_vectors"] = xr.DataArray(
        vt[:k], dims=("index", "time"), coords={"time": time}
    )
    steps = np.diff(r, axis=1)
    sigma = (
        float(np.median(np.abs(steps[steps != 0]))) / 0.6745 / np.sqrt(2.0)
        if np.any(steps)
        else 0.0
    )
    edge = sigma * (np.sqrt(r.shape[0]) + np.sqrt(r.shape[1]))
    ratios = res.statistics.setdefault("residual_sv_over_noise", {})
    ratios[name] = float(sv[0] / edge) if edge > 0 else float("nan")
