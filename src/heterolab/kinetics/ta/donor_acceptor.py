"""Donor–acceptor carrier transfer from TA: a ready target model and the P-38 estimators.

Scheme (thesis §3.3.3; physics.md P-38): donor D (CsPbBr3) decays on its own with
:math:`k_D = 1/\\tau_{ref}` and transfers to the acceptor A (PbS) with :math:`k_{ET}`; A
decays with :math:`k_A` (long-lived when its lifetime exceeds the window):

.. math:: D \\xrightarrow{k_{ET}} A, \\quad D \\xrightarrow{k_D} \\varnothing, \\quad
          A \\xrightarrow{k_A} \\varnothing

:math:`\\tau_{ET} = 1/k_{ET}`, :math:`\\eta_{ET} = k_{ET}/(k_{ET} + k_D)`. The donor bleach is
seen in the visible window, the acceptor bleach in the NIR window; both matrices are fitted
together with shared rates. Pump-wavelength-dependent excitation (470 nm: both, 600 nm:
only A) enters as each dataset's initial populations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.kinetics.ta.model import (
    Constraint,
    DatasetSpec,
    IrfSpec,
    KineticScheme,
    ParameterSet,
    Transition,
)
from heterolab.kinetics.ta.target import TargetModel, fit_target
from heterolab.result import Quantity, Result
from heterolab.uncertainty import propagate

__all__ = ["donor_acceptor_model", "fit_donor_acceptor", "transfer_from_lifetimes"]


def donor_acceptor_model(
    windows: Mapping[str, tuple[float, float]],
    *,
    k_et: float = 1.0,
    k_d: float = 0.1,
    k_a: float = 0.001,
    irf_center: float = 0.0,
    irf_width: float = 0.06,
    initial: Mapping[str, Mapping[str, float]] | None = None,
    fix_k_d: bool = False,
) -> TargetModel:
    """D→A target model for datasets named after their probe windows.

    Parameters
    ----------
    windows
        ``{dataset_name: (lo, hi) nm}``; a dataset whose window lies above 800 nm is treated
        as the NIR (acceptor) probe — the donor's spectrum is constrained to zero there —
        otherwise as the visible (donor) probe with a zero acceptor spectrum.
    k_et, k_d, k_a
        Start rates (1/ps).
    initial
        Initial populations per dataset (default ``{"D": 1}``; e.g. ``{"A": 1}`` for a pump
        that excites only the acceptor).
    fix_k_d
        Keep the donor's own decay at ``k_d`` (e.g. measured on the donor alone).
    """
    params = ParameterSet()
    params.add("k_ET", k_et, positive=True, unit="1/ps")
    params.add("k_D", k_d, positive=True, unit="1/ps", vary=not fix_k_d)
    params.add("k_A", k_a, positive=True, unit="1/ps")
    params.add("irf_width", irf_width, positive=True, unit="ps")
    scheme = KineticScheme(
        ["D", "A"],
        [
            Transition("D", "A", "k_ET"),
            Transition("D", "ground", "k_D"),
            Transition("A", "ground", "k_A"),
        ],
    )
    datasets = []
    for name, (lo, hi) in windows.items():
        params.add(f"irf_center_{name}", irf_center, unit="ps")
        nir = min(lo, hi) >= 800
        con = [Constraint("zero", "D" if nir else "A", (min(lo, hi) - 1e-6, max(lo, hi) + 1e-6))]
        init = dict((initial or {}).get(name, {"D": 1.0}))
        datasets.append(DatasetSpec(name, init, IrfSpec(f"irf_center_{name}", "irf_width"), con))
    return TargetModel(scheme, params, datasets, source="donor-acceptor model")


def fit_donor_acceptor(
    data: Mapping[str, xr.DataArray], model: TargetModel | None = None, **kwargs: float
) -> Result:
    """Fit the D→A model to probe-window datasets; adds k_ET, tau_ET and eta_ET with errors.

    With free species spectra only the donor's total decay k_ET + k_D is identifiable (the
    acceptor's spectrum absorbs the branching yield); the split is then reported as
    undetermined. Fix k_D to the donor-alone decay (``fix_k_d=True``, ``k_d=1/tau_ref``) —
    the thesis' procedure (§3.3.3: CsPbBr3 alone 8.08 ps) — to determine k_ET.

    ``data`` maps dataset names to matrices (``time`` ps x ``wavelength`` nm). Without a
    ``model``, :func:`donor_acceptor_model` is built from the wavelength ranges of ``data``
    with ``kwargs`` as start values.
    """
    if not data:
        raise ParameterError("no datasets given")
    if model is None:
        windows = {
            n: (float(d["wavelength"].min()), float(d["wavelength"].max())) for n, d in data.items()
        }
        model = donor_acceptor_model(windows, **kwargs)  # type: ignore[arg-type]
    res = fit_target(model, dict(data), kind="ta.donor_acceptor")
    free = res.statistics["free_parameters"]
    corr = np.asarray(res.statistics["correlation"], float)
    names = ["k_ET", "k_D"]
    vals = np.array([res.value(n) for n in names])
    sds = np.array([res[n].stderr if res[n].stderr is not None else 0.0 for n in names])
    cov = np.diag(sds**2)
    if all(n in free for n in names):
        i, j = free.index("k_ET"), free.index("k_D")
        cov[0, 1] = cov[1, 0] = corr[i, j] * sds[0] * sds[1]
    tau, tau_sd = propagate(lambda p: 1.0 / p[0], vals, cov)
    eta, eta_sd = propagate(lambda p: p[0] / (p[0] + p[1]), vals, cov)
    res.derived["tau_ET"] = Quantity(float(tau), float(tau_sd), "ps")
    res.derived["eta_ET"] = Quantity(float(100 * eta), float(100 * eta_sd), "%")
    res.derived["tau_D"] = Quantity(float(1 / vals[1]), float(sds[1] / vals[1] ** 2), "ps")
    return res


def transfer_from_lifetimes(
    tau_het: Quantity | float,
    tau_ref: Quantity | float,
    fraction_fast_het: float | None = None,
    fraction_fast_ref: float | None = None,
) -> Result:
    """Transfer rate and efficiency from donor lifetimes with and without acceptor (P-38).

    :math:`k_{ET} = 1/\\tau_{het} - 1/\\tau_{ref}`, :math:`\\eta = 1 - \\tau_{het}/\\tau_{ref}`
    (thesis §3.3.3; e.g. Lakowicz, *Principles of Fluorescence Spectroscopy*, 3rd ed., eq.
    13.13 for the analogous FRET efficiency). With the fast-component fractions (in %) the
    amplitude estimate :math:`\\eta_{amp} = (A_{het} - A_{ref})/(100 - A_{ref})` is added
    (verification V13: 93.6 % vs 42.1 % for the thesis' Table 3-3).
    """
    qs = [
        q if isinstance(q, Quantity) else Quantity(float(q), 0.0, "ps") for q in (tau_het, tau_ref)
    ]
    x = np.array([q.value for q in qs])
    cov = np.diag([(q.stderr or 0.0) ** 2 for q in qs])
    if not (x > 0).all() or x[0] >= x[1]:
        raise ParameterError(
            f"need 0 < tau_het < tau_ref, got tau_het={x[0]} ps, tau_ref={x[1]} ps"
        )
    k, k_sd = propagate(lambda p: 1 / p[0] - 1 / p[1], x, cov)
    eta, eta_sd = propagate(lambda p: 1 - p[0] / p[1], x, cov)
    derived = {
        "k_ET": Quantity(float(k), float(k_sd), "1/ps"),
        "tau_ET": Quantity(float(1 / k), float(k_sd / k**2), "ps"),
        "eta_ET": Quantity(float(100 * eta), float(100 * eta_sd), "%"),
    }
    if fraction_fast_het is not None and fraction_fast_ref is not None:
        derived["eta_amplitude"] = Quantity(
            100 * (fraction_fast_het - fraction_fast_ref) / (100 - fraction_fast_ref), None, "%"
        )
    return Result("ta.transfer", {"tau_het": qs[0], "tau_ref": qs[1]}, derived)
