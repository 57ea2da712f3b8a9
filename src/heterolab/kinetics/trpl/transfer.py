"""Carrier transfer and transport from lifetimes: Results with propagated errors.

Analysis layer over :mod:`heterolab.physics.rates` and :mod:`heterolab.physics.transport`:
every function validates its inputs (all problems at once), computes the quantities, and
propagates the inputs' standard errors with :mod:`heterolab.uncertainty` (first order,
independent inputs). Disagreements between estimators, and with the thesis's printed numbers
(:func:`thesis_table_4_1`), go into ``Result.warnings`` with the numbers.

Thesis: Yang Yongge, PhD thesis, UEC Tokyo (2024), §3.3.3, §4.3.2, Table 4-1, Fig. 4-10;
spec items P-30, P-38, P-40 to P-42; verification V3, V4, V5, V13, V14.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from os import PathLike
from typing import Any, Literal

import numpy as np

from heterolab.choices import as_choice
from heterolab.errors import HeterolabError, ParameterError
from heterolab.kinetics.trpl.choices import LifetimeAverage
from heterolab.physics import rates, transport
from heterolab.result import Quantity, Result, make_provenance
from heterolab.uncertainty import propagate_independent
from heterolab.units import convert, normalize_unit

__all__ = [
    "LifetimeAverage",
    "radiative_rates",
    "transfer_from_decays",
    "transfer_from_lifetimes",
    "transport_from_quenching",
]


Carrier = Literal["electron", "hole"]
_CARRIERS: tuple[Carrier, ...] = ("electron", "hole")
_QUENCHER = {"electron": "PCBM", "hole": "Spiro-OMeTAD"}


# ----------------------------------------------------------------------------- helpers
def _quantity(
    func: Callable[[np.ndarray], float],
    x: Sequence[float],
    errs: Sequence[float | None],
    unit: str,
) -> Quantity:
    """func(x) with its first-order standard error; ``None`` error when no input has one."""
    if all(e is None for e in errs):
        return Quantity(float(func(np.asarray(x, dtype=float))), None, unit)
    v, s = propagate_independent(func, x, list(errs))
    return Quantity(v, s, unit)


def _unpack(name: str, x: float | Quantity | None, unit: str) -> tuple[float | None, float | None]:
    """Value and standard error of ``x`` in ``unit``: a :class:`Quantity` brings its own unit
    and standard error (issue #8: one way to pass a value with its error); a plain number is
    exact and in ``unit``."""
    if not isinstance(x, Quantity):
        return (None if x is None else float(x)), None
    try:
        factor = convert(1.0, x.unit, unit)
    except HeterolabError as exc:
        raise ParameterError(f"{name}: {exc}") from None
    stderr = x.stderr
    return float(x.value) * factor, (None if stderr is None else float(stderr) * factor)


def _time_unit(unit: str) -> str:
    u = normalize_unit(unit)
    if u not in ("s", "ms", "us", "ns", "ps", "fs"):
        raise ParameterError(f"unit must be a time unit (s, ms, us, ns, ps, fs), got {unit!r}")
    return u


def _check_errors(problems: list[str], **errs: float | None) -> None:
    for name, e in errs.items():
        if e is not None and (not math.isfinite(e) or e < 0):
            problems.append(f"{name} stderr must be a non-negative standard error, got {e!r}")


def _check_positive(problems: list[str], **values: float | None) -> None:
    for name, v in values.items():
        if v is not None and (not math.isfinite(v) or v <= 0):
            problems.append(f"{name} must be positive, got {v!r}")


def _raise(problems: list[str]) -> None:
    if problems:
        raise ParameterError("; ".join(problems))


def _consistent(a: Quantity, b: Quantity, rel_tol: float) -> bool:
    """True when a and b agree within 2 combined standard errors, or ``rel_tol`` if none."""
    sa, sb = a.stderr or 0.0, b.stderr or 0.0
    if sa > 0 or sb > 0:
        return abs(a.value - b.value) <= 2 * math.hypot(sa, sb)
    return abs(a.value - b.value) <= rel_tol * max(abs(a.value), abs(b.value))


# ----------------------------------------------------------------------------- transfer
def transfer_from_lifetimes(
    tau_d: float | Quantity,
    tau_da: float | Quantity,
    *,
    unit: str = "ns",
    a_fast_ref: float | None = None,
    a_fast_het: float | None = None,
    tau_rise: float | Quantity | None = None,
    tau_rise_ref: float | Quantity | None = None,
    lifetime_kind: str = "stated",
) -> Result:
    """Transfer rate, time and efficiency from donor lifetimes without/with acceptor.

    k_ET = 1/τ_DA − 1/τ_D, τ_ET = 1/k_ET, η = 1 − τ_DA/τ_D (thesis §3.3.3; spec P-38), with
    optional second and third estimators: the fast-amplitude efficiency
    (A_fast,het − A_fast,ref)/(1 − A_fast,ref) and the injection rate 1/τ_rise from the
    acceptor's rise (the added rise τ_rise − τ_rise,ref when the bare acceptor's rise is
    given). Estimators that disagree are named in the warnings (verification V13).

    Parameters
    ----------
    tau_d, tau_da
        Donor lifetime without and with acceptor, τ_DA < τ_D: a number in ``unit`` (exact) or
        a :class:`~heterolab.result.Quantity` carrying its own unit and standard error.
    unit
        Time unit of plain numbers and of the results; rates come back in its inverse (and in
        1/s).
    a_fast_ref, a_fast_het
        Fractional amplitude (0–1) of the fast component in reference and heterostructure.
    tau_rise, tau_rise_ref
        Rise time of the acceptor signal in the heterostructure and in the bare acceptor
        (number in ``unit`` or Quantity).
    lifetime_kind
        Which average the lifetimes are ("intensity", "amplitude", "single", "stated");
        recorded in the provenance.

    Returns
    -------
    Result
        kind ``"trpl.transfer"``; derived ``k_ET`` [1/unit], ``k_ET_per_s`` [1/s],
        ``tau_ET`` [unit], ``eta`` [1], optionally ``eta_amplitude``, ``k_inj``, ``tau_inj``,
        ``added_rise_time``.

    Examples
    --------
    >>> r = transfer_from_lifetimes(8.08, 0.52, unit="ps")
    >>> round(r.value("eta"), 4), round(r.value("tau_ET"), 3)
    (0.9356, 0.556)
    """
    u = _time_unit(unit)
    tau_d, tau_d_err = _unpack("tau_d", tau_d, u)
    tau_da, tau_da_err = _unpack("tau_da", tau_da, u)
    tau_rise, tau_rise_err = _unpack("tau_rise", tau_rise, u)
    tau_rise_ref, _ = _unpack("tau_rise_ref", tau_rise_ref, u)
    assert tau_d is not None and tau_da is not None
    problems: list[str] = []
    _check_positive(
        problems, tau_d=tau_d, tau_da=tau_da, tau_rise=tau_rise, tau_rise_ref=tau_rise_ref
    )
    _check_errors(problems, tau_d=tau_d_err, tau_da=tau_da_err, tau_rise=tau_rise_err)
    if not problems and tau_da >= tau_d:
        problems.append(
            f"tau_da = {tau_da:g} {u} must be shorter than tau_d = {tau_d:g} {u}: "
            "the acceptor cannot lengthen the donor lifetime (no transfer to quantify)"
        )
    if (a_fast_ref is None) != (a_fast_het is None):
        problems.append("give both a_fast_ref and a_fast_het, or neither")
    _raise(problems)

    x, e = [tau_d, tau_da], [tau_d_err, tau_da_err]
    k = _quantity(lambda v: rates.transfer_rate_from_lifetimes(v[0], v[1]), x, e, f"1/{u}")
    res = Result(
        kind="trpl.transfer",
        parameters={
            "tau_d": Quantity(tau_d, tau_d_err, u),
            "tau_da": Quantity(tau_da, tau_da_err, u),
        },
        provenance=make_provenance(settings={"unit": u, "lifetime_kind": lifetime_kind}),
    )
    to_s = convert(1.0, f"1/{u}", "1/s")
    res.derived["k_ET"] = k
    res.derived["k_ET_per_s"] = Quantity(
        k.value * to_s, None if k.stderr is None else k.stderr * to_s, "1/s"
    )
    res.derived["tau_ET"] = _quantity(
        lambda v: 1 / rates.transfer_rate_from_lifetimes(v[0], v[1]), x, e, u
    )
    res.derived["eta"] = _quantity(
        lambda v: rates.transfer_efficiency_from_lifetimes(v[0], v[1]), x, e, "1"
    )
    _add_monte_carlo_interval(res, tau_d, tau_da, tau_d_err, tau_da_err, u)
    if a_fast_ref is not None and a_fast_het is not None:
        _add_amplitude_estimator(res, a_fast_het, a_fast_ref)
    if tau_rise is not None:
        _add_rise_estimator(res, tau_rise, tau_rise_err, tau_rise_ref, u)
    return res


def _add_monte_carlo_interval(
    res: Result,
    tau_d: float,
    tau_da: float,
    tau_d_err: float | None,
    tau_da_err: float | None,
    u: str,
    n: int = 20000,
) -> None:
    """When tau_ET = 1/(1/tau_DA - 1/tau_D) has a first-order relative error over 30 %, its
    distribution is skewed (and may include "no transfer"): report the 68 % and 95 % intervals
    of seeded Monte-Carlo draws of the two lifetimes (normal errors) and mark the result suspect."""
    q = res.derived["tau_ET"]
    if q.stderr is None or not q.value > 0 or q.stderr / q.value <= 0.3:
        return
    rng = np.random.default_rng(0)
    d = tau_d + (tau_d_err or 0.0) * rng.standard_normal(n)
    da = tau_da + (tau_da_err or 0.0) * rng.standard_normal(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = 1.0 / da - 1.0 / d
    ok = (d > 0) & (da > 0) & (k > 0)
    none = 1.0 - float(ok.mean())
    t_et = 1.0 / k[ok]
    lo68, hi68, lo95, hi95 = np.percentile(t_et, [15.87, 84.13, 2.5, 97.5])
    res.statistics["tau_ET_interval_68"] = [float(lo68), float(hi68)]
    res.statistics["tau_ET_interval_95"] = [float(lo95), float(hi95)]
    res.statistics["no_transfer_fraction"] = none
    res.mark_suspect(
        f"tau_ET = {q.value:.3g} +- {q.stderr:.2g} {u} has a relative error of "
        f"{100 * q.stderr / q.value:.0f} % (> 30 %): the first-order error is not honest; "
        f"Monte Carlo gives {lo68:.3g}-{hi68:.3g} {u} (68 %), {lo95:.3g}-{hi95:.3g} {u} (95 %), "
        f"{100 * none:.1f} % of draws with no transfer"
    )


def _add_amplitude_estimator(res: Result, a_het: float, a_ref: float) -> None:
    eta_a = float(rates.transfer_efficiency_from_amplitudes(a_het, a_ref))
    res.parameters["a_fast_het"] = Quantity(a_het, None, "1")
    res.parameters["a_fast_ref"] = Quantity(a_ref, None, "1")
    res.derived["eta_amplitude"] = Quantity(eta_a, None, "1")
    eta = res.derived["eta"]
    if abs(eta_a - eta.value) > 0.05:
        res.warnings.append(
            f"transfer efficiency depends on the estimator: lifetimes give eta = {100 * eta.value:.1f} %, "
            f"fast amplitudes {100 * a_ref:.2f} % -> {100 * a_het:.2f} % give {100 * eta_a:.1f} % "
            "(the amplitude estimator counts only the sub-population that transfers; spec P-38)"
        )


def _add_rise_estimator(
    res: Result, tau_rise: float, tau_rise_err: float | None, tau_rise_ref: float | None, u: str
) -> None:
    res.parameters["tau_rise"] = Quantity(tau_rise, tau_rise_err, u)
    res.derived["k_inj"] = _quantity(lambda v: 1 / v[0], [tau_rise], [tau_rise_err], f"1/{u}")
    res.derived["tau_inj"] = Quantity(tau_rise, tau_rise_err, u)
    if tau_rise_ref is not None:
        res.parameters["tau_rise_ref"] = Quantity(tau_rise_ref, None, u)
        res.derived["added_rise_time"] = Quantity(
            float(rates.added_rise_time(tau_rise, tau_rise_ref)), tau_rise_err, u
        )
    # One first-order step D* -> A* (rate k_ET, donor's own decay k_D): dD/dt = -(k_D + k_ET) D,
    # dA/dt = k_ET D - k_A A, so A(t) = k_ET D0 (e^{-(k_D+k_ET) t} - e^{-k_A t})/(k_A - k_D - k_ET):
    # the acceptor rises with the donor's TOTAL decay time tau_DA = 1/(k_D + k_ET), not with
    # 1/k_ET (Bateman, Proc. Cambridge Philos. Soc. 15, 423 (1910); for transfer e.g. Lakowicz,
    # Principles of Fluorescence Spectroscopy, 3rd ed., Springer 2006, ch. 13 on acceptor
    # rise in FRET). An acceptor that rises more slowly points to an intermediate step.
    tau_da = res.parameters["tau_da"]
    res.derived["tau_rise_expected"] = tau_da
    if _consistent(res.derived["tau_inj"], tau_da, 0.15):
        return
    res.warnings.append(
        f"acceptor rise tau_inj = {tau_rise:.3g} {u} disagrees with the donor's decay time "
        f"tau_DA = {tau_da.value:.3g} {u}, with which one first-order transfer step makes the "
        "acceptor rise (1/(k_D + k_ET)): an intermediate state or a second donor population"
    )


def transfer_from_decays(
    donor: str | PathLike[str] | Any,
    donor_acceptor: str | PathLike[str] | Any,
    *,
    irf: str | PathLike[str] | Any | None = None,
    n_components: int = 2,
    average: LifetimeAverage | str = LifetimeAverage.INTENSITY,
    estimator: str = "mle",
    repetition_rate_hz: float | None = None,
) -> Result:
    """Fit donor and donor–acceptor TRPL decays and compute the transfer from their averages.

    Each decay (file path or DataArray) is fitted with :func:`heterolab.kinetics.fit_decay`
    (Poisson ML, IRF reconvolution); the chosen average lifetime with its error feeds
    :func:`transfer_from_lifetimes` (spec P-38, P-33: state which average). The two fits'
    parameters are stored as ``donor.*`` / ``donor_acceptor.*``. Give ``repetition_rate_hz``
    when the decays do not die out within one laser period (earlier-pulse tails). If either
    fit fails, the Result is marked failed (no transfer numbers) and says which.
    """
    average = as_choice(LifetimeAverage, average, "average").value
    from heterolab.kinetics.trpl.decay_fit import fit_decay

    inputs = [p for p in (donor, donor_acceptor, irf) if isinstance(p, (str, PathLike))]
    settings = {"n_components": n_components, "average": average, "estimator": estimator}
    settings["repetition_rate_hz"] = repetition_rate_hz
    irf_data = _load_decay(irf) if irf is not None else None
    fits = {
        label: fit_decay(
            _load_decay(src), irf=irf_data, n_components=n_components, estimator=estimator,
            repetition_rate_hz=repetition_rate_hz,
        )
        for label, src in (("donor", donor), ("donor_acceptor", donor_acceptor))
    }  # fmt: skip
    failed = [f"{label}: {fit.message}" for label, fit in fits.items() if fit.status == "failed"]
    if failed:
        res = Result(kind="trpl.transfer", provenance=make_provenance(inputs, settings))
        res.mark_failed("decay fit failed, no transfer computed (" + "; ".join(failed) + ")")
    else:
        name = f"tau_avg_{average}"
        td, tda = fits["donor"][name], fits["donor_acceptor"][name]
        res = transfer_from_lifetimes(td, tda, unit=td.unit, lifetime_kind=average)
        res.provenance = make_provenance(inputs, settings)
    for label, fit in fits.items():
        for k, q in fit.parameters.items():
            res.parameters[f"{label}.{k}"] = q
        res.warnings.extend(f"{label} fit: {w}" for w in fit.warnings)
        if fit.status == "suspect":
            res.mark_suspect(f"{label} fit is suspect: {fit.message}")
    return res


def _load_decay(src: Any) -> Any:
    if isinstance(src, (str, PathLike)):
        from heterolab.io import read_decay

        return read_decay(src)
    return src


# ----------------------------------------------------------------------------- rates
def radiative_rates(
    plqy: float | Quantity,
    tau: float | Quantity,
    *,
    unit: str = "ns",
) -> Result:
    """Radiative and non-radiative rates k_r = Φ/τ, k_nr = (1 − Φ)/τ [1/s] (spec P-30).

    ``plqy`` is a fraction (0–1); ``tau`` the stated average lifetime in ``unit``; either may
    be a :class:`~heterolab.result.Quantity` whose standard error is propagated. Also
    returns the radiative lifetime τ_r = τ/Φ. Thesis §4.3.2: Φ = 0.010, τ = 82.5 ns gives
    k_r = 1.2×10⁵ s⁻¹ (verification V14).
    """
    u = _time_unit(unit)
    plqy, plqy_err = _unpack("plqy", plqy, "1")
    tau, tau_err = _unpack("tau", tau, u)
    assert plqy is not None and tau is not None
    problems: list[str] = []
    if not math.isfinite(plqy) or not 0 < plqy <= 1:
        problems.append(f"plqy must be a fraction in (0, 1] (e.g. 0.01 for 1 %), got {plqy!r}")
    _check_positive(problems, tau=tau)
    _check_errors(problems, plqy=plqy_err, tau=tau_err)
    _raise(problems)
    s = convert(1.0, u, "s")
    x, e = [plqy, tau], [plqy_err, tau_err]
    return Result(
        kind="trpl.radiative_rates",
        parameters={"plqy": Quantity(plqy, plqy_err, "1"), "tau": Quantity(tau, tau_err, u)},
        derived={
            "k_r": _quantity(lambda v: rates.radiative_rate(v[0], v[1] * s), x, e, "1/s"),
            "k_nr": _quantity(lambda v: rates.nonradiative_rate(v[0], v[1] * s), x, e, "1/s"),
            "tau_r": _quantity(lambda v: v[1] / v[0], x, e, u),
        },
        provenance=make_provenance(settings={"unit": u}),
    )


# ----------------------------------------------------------------------------- transport
def transport_from_quenching(
    tau0: float | Quantity,
    tau_q_electron: float | Quantity | None = None,
    tau_q_hole: float | Quantity | None = None,
    thickness_nm: float | Quantity | None = None,
    temperature_k: float | None = None,
    *,
    unit: str = "ns",
    pl_quench_electron: float | None = None,
    pl_quench_hole: float | None = None,
) -> Result:
    """Diffusion length, diffusion coefficient and mobility from quenching-layer lifetimes.

    First-mode 1-D model (Xing et al., Science 342, 344 (2013); thesis §4.3.2, Table 4-1;
    spec P-40–P-42): L_D = (2L/π)√(τ₀/τ_Q − 1), D = L_D²/τ₀, μ = eD/(k_B T), for electrons
    (PCBM quencher) and/or holes (Spiro-OMeTAD). Also L_D/L and the lifetime quenching
    1 − τ_Q/τ₀; with the measured steady-state PL quenching (fractions 0–1) it reports the
    1-D prediction (L_D/L)tanh(L/L_D) and warns when the measured quenching is far larger
    (static or sub-IRF quenching, verification V5).

    Parameters
    ----------
    tau0
        Lifetime of the film without quencher, in ``unit``, or a
        :class:`~heterolab.result.Quantity` with its own unit and standard error (every
        Quantity's error is propagated to every output).
    tau_q_electron, tau_q_hole
        Lifetimes with the electron / hole quencher (``None`` to skip a carrier).
    thickness_nm
        Film thickness L [nm] (number, or Quantity in any length unit).
    temperature_k
        Temperature [K] for the Einstein relation; required.
    unit
        Time unit of the lifetimes.
    pl_quench_electron, pl_quench_hole
        Measured steady-state quenched fractions 1 − PL_Q/PL₀.

    Raises
    ------
    ParameterError
        Listing every invalid input (τ_Q ≥ τ₀, non-positive thickness, missing temperature...).
    """
    u = _time_unit(unit)
    tau0, tau0_err = _unpack("tau0", tau0, u)
    tau_q_electron, tau_q_electron_err = _unpack("tau_q_electron", tau_q_electron, u)
    tau_q_hole, tau_q_hole_err = _unpack("tau_q_hole", tau_q_hole, u)
    thickness_nm, thickness_err_nm = _unpack("thickness_nm", thickness_nm, "nm")
    assert tau0 is not None
    problems = _transport_problems(
        tau0, {"electron": tau_q_electron, "hole": tau_q_hole}, thickness_nm, temperature_k, u
    )
    _check_errors(
        problems,
        tau0=tau0_err,
        tau_q_electron=tau_q_electron_err,
        tau_q_hole=tau_q_hole_err,
        thickness_nm=thickness_err_nm,
    )
    for name, q in (("pl_quench_electron", pl_quench_electron), ("pl_quench_hole", pl_quench_hole)):
        if q is not None and not 0 < q < 1:
            problems.append(f"{name} must be a fraction strictly between 0 and 1, got {q!r}")
    _raise(problems)
    assert temperature_k is not None and thickness_nm is not None  # checked above
    res = Result(
        kind="trpl.transport",
        parameters={
            "tau0": Quantity(tau0, tau0_err, u),
            "thickness": Quantity(thickness_nm, thickness_err_nm, "nm"),
            "temperature": Quantity(temperature_k, None, "K"),
        },
        provenance=make_provenance(settings={"unit": u, "model": "first-mode 1-D diffusion"}),
    )
    tq = {"electron": (tau_q_electron, tau_q_electron_err), "hole": (tau_q_hole, tau_q_hole_err)}
    pq = {"electron": pl_quench_electron, "hole": pl_quench_hole}
    for c in _CARRIERS:
        if tq[c][0] is not None:
            _add_carrier(
                res,
                c,
                tau0,
                tau0_err,
                tq[c],
                thickness_nm,
                thickness_err_nm,
                temperature_k,
                u,
                pq[c],
            )
    res.warnings.append(
        "the first-mode formula needs tau_Q of the slowest decay mode (the tail lifetime of the "
        "quenched film), and tau0 of the unquenched film; an average lifetime in its place "
        "overestimates D by 1-4x (issue #10 check against the full diffusion model)"
    )
    return res


def _transport_problems(
    tau0: float,
    tau_q: dict[str, float | None],
    thickness_nm: float | None,
    temperature_k: float | None,
    u: str,
) -> list[str]:
    problems: list[str] = []
    _check_positive(problems, tau0=tau0, tau_q_electron=tau_q["electron"], tau_q_hole=tau_q["hole"])
    if all(v is None for v in tau_q.values()):
        problems.append("give at least one of tau_q_electron (PCBM) and tau_q_hole (Spiro)")
    for c, v in tau_q.items():
        if v is not None and math.isfinite(tau0) and tau0 > 0 and v >= tau0:
            problems.append(
                f"tau_q_{c} = {v:g} {u} must be shorter than tau0 = {tau0:g} {u}: "
                f"the {_QUENCHER[c]} layer does not quench, so there is no diffusion length"
            )
    if thickness_nm is None:
        problems.append(
            "thickness_nm is required: the film thickness L sets L_D = (2L/pi) sqrt(tau0/tau_q - 1)"
        )
    elif not math.isfinite(thickness_nm) or thickness_nm <= 0:
        problems.append(f"thickness_nm must be positive, got {thickness_nm!r}")
    if temperature_k is None:
        problems.append(
            "temperature_k is required for the Einstein relation mu = eD/(kB T); "
            "heterolab does not assume room temperature"
        )
    elif not math.isfinite(temperature_k) or temperature_k <= 0:
        problems.append(f"temperature_k must be positive (kelvin), got {temperature_k!r}")
    return problems


def _add_carrier(
    res: Result,
    c: str,
    tau0: float,
    tau0_err: float | None,
    tq: tuple[float | None, float | None],
    L_nm: float,
    L_err: float | None,
    temperature_k: float,
    u: str,
    pl_quench: float | None,
) -> None:
    tau_q, tau_q_err = tq
    assert tau_q is not None
    s = convert(1.0, u, "s")
    x, e = [tau0, tau_q, L_nm], [tau0_err, tau_q_err, L_err]

    def l_d(v: np.ndarray) -> float:
        return float(transport.diffusion_length_first_mode(v[0], v[1], v[2]))

    def d_cm2_s(v: np.ndarray) -> float:
        return (
            float(transport.diffusion_coefficient_first_mode(v[0] * s, v[1] * s, v[2] * 1e-9)) * 1e4
        )

    def mu(v: np.ndarray) -> float:
        d = transport.diffusion_coefficient_first_mode(v[0] * s, v[1] * s, v[2] * 1e-9)
        return float(transport.einstein_mobility(d, temperature_k=temperature_k)) * 1e4

    res.parameters[f"tau_q_{c}"] = Quantity(tau_q, tau_q_err, u)
    ld = _quantity(l_d, x, e, "nm")
    res.derived[f"L_D_{c}"] = ld
    res.derived[f"D_{c}"] = _quantity(d_cm2_s, x, e, "cm^2/s")
    res.derived[f"mu_{c}"] = _quantity(mu, x, e, "cm^2/(V s)")
    res.derived[f"L_D_over_L_{c}"] = _quantity(lambda v: l_d(v) / v[2], x, e, "1")
    q_tau = _quantity(lambda v: float(transport.lifetime_quenching(v[0], v[1])), x, e, "1")
    res.derived[f"lifetime_quenching_{c}"] = q_tau
    if q_tau.value < 0.1:
        res.warnings.append(
            f"{c}s: tau_q = {tau_q:g} {u} is within 10 % of tau0 = {tau0:g} {u}; L_D "
            "depends on sqrt(tau0/tau_q - 1) and is dominated by the lifetimes' uncertainty"
        )
    if ld.value > 3 * L_nm:
        res.warnings.append(
            f"{c}s: L_D = {ld.value:.0f} nm exceeds 3x the film thickness {L_nm:g} nm; the "
            "first-mode formula then extrapolates well beyond the film (use a thicker film)"
        )
    if pl_quench is not None:
        _add_steady_state(res, c, pl_quench, ld.value, L_nm, q_tau.value)


def _add_steady_state(
    res: Result, c: str, q_meas: float, l_d_nm: float, L_nm: float, q_tau: float
) -> None:
    q_model = float(transport.steady_state_quenching(l_d_nm, L_nm))
    l_ss = transport.diffusion_length_from_steady_state_quenching(q_meas, L_nm)
    res.parameters[f"pl_quench_{c}"] = Quantity(q_meas, None, "1")
    res.derived[f"pl_quench_model_{c}"] = Quantity(q_model, None, "1")
    res.derived[f"L_D_steady_state_{c}"] = Quantity(l_ss, None, "nm")
    if q_meas - q_model > 0.05:
        res.warnings.append(
            f"{c}s: steady-state PL quenching {100 * q_meas:.2f} % exceeds the 1-D diffusion "
            f"prediction {100 * q_model:.1f} % for L_D = {l_d_nm:.0f} nm (lifetime quenching "
            f"{100 * q_tau:.1f} %); it would need L_D = {l_ss:.0f} nm (L_D/L = {l_ss / L_nm:.2f}). "
            "Most quenching is static or faster than the IRF, so the TRPL L_D and D are lower "
            "bounds and the two quenching metrics must not be mixed (spec P-41)"
        )
