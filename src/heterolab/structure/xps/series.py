"""Fits over a sample series with linked components, the thesis's Pb 4f model, and the check
of a doublet's stated energies against its spin–orbit splitting.

In a series fit every spectrum has its own areas and its own main-line position (charging
differs between samples), while the parameters named in ``share`` — chemical shifts between
components, widths, splittings and area ratios — are one value for the whole series. The
fractions of each component then follow the composition (thesis §3.3.1, Fig. 3-9: Pb–Br vs
Pb–S doublets of Pb 4f across the Pb/S series).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.parameters import Parameter, ParameterSet
from heterolab.result import Quantity, Result
from heterolab.structure.xps.fit import (
    Component,
    _check_components,
    _check_lines_inside,
    add_active_background,
    background_level_terms,
    build_parameters,
    component_curves,
    least_squares_fit,
    level_cov,
    model_background,
    position_of,
    xy_window,
)
from heterolab.structure.xps.shapes import (
    Background,
    background,
    choice,
    spin_orbit_splitting,
)
from heterolab.uncertainty import MISFIT_Z, chi2_misfit_z

__all__ = ["check_doublet", "fit_series", "pb4f_components"]

_SHAREABLE = ("shift", "fwhm", "lorentz", "splitting", "ratio", "asymmetry", "position")


def pb4f_components(
    pb_br: float = 137.83, pb_s: float = 137.42, *, shape: str = "voigt"
) -> list[Component]:
    """The thesis's Pb 4f model (§3.3.1): a Pb–Br and a Pb–S 4f doublet (splitting 4.87 eV,
    area ratio 3:4 fixed), Pb–S linked to Pb–Br by a chemical shift and sharing its widths.

    Default start values are the thesis's 4f7/2 energies (Pb–Br 137.83 eV, Pb–S 137.42 eV).
    """
    return [
        Component("Pb-Br", pb_br, level="Pb 4f", fwhm=1.0, lorentz=0.3, shape=shape),
        Component(
            "Pb-S",
            pb_s,
            level="Pb 4f",
            shift_from="Pb-Br",
            shift=pb_s - pb_br,
            width_from="Pb-Br",
            shape=shape,
        ),
    ]


def check_doublet(
    level: str,
    lower_ev: float,
    upper_ev: float,
    *,
    tolerance_ev: float = 0.15,
    splitting_ev: float | None = None,
) -> Result:
    """Whether stated doublet energies agree with the level's spin–orbit splitting
    (``xps.doublet_check``; suspect when |Δ_stated − Δ_expected| > ``tolerance_ev``).

    Example: the thesis's Pb–Br pair 137.83/143.61 eV is 5.78 eV apart, Pb 4f splits by
    4.87 eV (Moulder 1992): 0.91 eV too wide, reported.
    """
    expected = spin_orbit_splitting(level) if splitting_ev is None else float(splitting_ev)
    stated = float(upper_ev) - float(lower_ev)
    res = Result(kind="xps.doublet_check")
    res.parameters["lower"] = Quantity(float(lower_ev), None, "eV")
    res.parameters["upper"] = Quantity(float(upper_ev), None, "eV")
    res.derived["stated_splitting"] = Quantity(stated, None, "eV")
    res.derived["expected_splitting"] = Quantity(expected, None, "eV")
    res.derived["discrepancy"] = Quantity(stated - expected, None, "eV")
    res.statistics.update(
        {
            "level": level,
            "tolerance_ev": tolerance_ev,
            "consistent": abs(stated - expected) <= tolerance_ev,
        }
    )
    if abs(stated - expected) > tolerance_ev:
        msg = (
            f"{level} doublet {lower_ev:.2f}/{upper_ev:.2f} eV is {stated:.2f} eV apart; the "
            f"{level} spin–orbit splitting is {expected:.2f} eV (off by {stated - expected:+.2f} eV)"
        )
        res.warnings.append(msg)
        res.mark_suspect("stated energies inconsistent with the spin–orbit splitting")
    return res


def fit_series(
    spectra: Sequence[xr.DataArray],
    components: Sequence[Component],
    *,
    labels: Sequence[str] | None = None,
    share: Sequence[str] = ("shift", "fwhm", "lorentz", "splitting", "ratio"),
    window: tuple[float, float] | None = None,
    background_kind: Background | str = "shirley",
) -> Result:
    """One global fit of ``components`` to every spectrum of a series (``xps.series``).

    Parameters named ``<component>_<kind>`` with ``kind`` in ``share`` are common to the
    series; everything else (areas, main positions unless ``"position"`` is shared) belongs
    to each spectrum. Derived per spectrum ``i``: ``<label>:<component>_fraction`` and
    ``<label>:<component>_position``; the shared chemical shifts are parameters.
    """
    if len(spectra) < 1:
        raise ParameterError("a series needs at least one spectrum")
    bad = [s for s in share if s not in _SHAREABLE]
    if bad:
        raise ParameterError(f"cannot share {bad}; shareable: {', '.join(_SHAREABLE)}")
    labels = [f"s{i}" for i in range(len(spectra))] if labels is None else list(labels)
    if len(labels) != len(spectra) or len(set(labels)) != len(labels):
        raise ParameterError("labels must be unique, one per spectrum")
    comps = _check_components(list(components), None)
    data = []
    ps = ParameterSet()
    for lab, sp in zip(labels, spectra, strict=True):
        x, y = xy_window(sp, window)
        bg, notes = background(background_kind, x, y)
        background_kind = choice(Background, background_kind, "background")
        start_bg = background("linear", x, y)[0] if background_kind.startswith("active") else bg
        sub = build_parameters(comps, x, y - start_bg, prefix=f"{lab}:")
        active = add_active_background(sub, background_kind, x, y, prefix=f"{lab}:", loss=bg)
        data.append((x, y, bg, np.sqrt(np.maximum(y, 1.0)), notes))
        for name, p in sub.params.items():
            kind = name.rsplit("_", 1)[-1]
            shared = name[len(lab) + 1 :]
            if kind in share:
                if shared not in ps.params:
                    ps.params[shared] = p
                ps.params[name] = Parameter(np.nan, vary=False, expr=(1.0, shared), unit=p.unit)
            else:
                ps.params[name] = p
    n_points = sum(d[0].size for d in data)

    def residual(vals: dict[str, float]) -> np.ndarray:
        out = []
        for lab, (x, y, bg, sig, _) in zip(labels, data, strict=True):
            peaks = sum(component_curves(comps, vals, x, prefix=f"{lab}:").values())
            model = peaks + model_background(vals, x, peaks, bg, active, prefix=f"{lab}:")
            out.append((y - model) / sig)
        return np.concatenate(out)

    vals, vec, cov, sol = least_squares_fit(ps, residual, n_points)
    if not active and background_kind != "none":
        # the fixed backgrounds' end levels of each spectrum (see static_background_cov)
        d = np.zeros((n_points, 2 * len(data)))
        var = np.zeros(2 * len(data))
        row = 0
        for i, (lab, (x, y, bg, sig, _)) in enumerate(zip(labels, data, strict=True)):
            peaks = np.sum(
                list(component_curves(comps, vals, x, prefix=f"{lab}:").values()), axis=0
            )
            di, vi = background_level_terms(x, y, bg, sig, peaks, "poisson")
            d[row : row + x.size, 2 * i : 2 * i + 2] = di
            var[2 * i : 2 * i + 2] = vi
            row += x.size
        cov = cov + level_cov(sol.jac, d, var)
    return _series_result(comps, ps, labels, data, vals, vec, cov, sol, background_kind, active)


def _series_result(comps, ps, labels, data, vals, vec, cov, sol, background_kind, active) -> Result:
    from heterolab.uncertainty import propagate

    res = Result(kind="xps.series")

    def q(fn, unit: str) -> Quantity:
        v, e = propagate(lambda v_: fn(ps.from_vector(v_)), vec, cov)
        return Quantity(v, e if np.isfinite(e) else None, unit)

    for n in ps.free:
        res.parameters[n] = q(lambda d, n=n: d[n], ps.params[n].unit)
    table = []
    for lab, (x, y, bg, _, notes) in zip(labels, data, strict=True):
        pre = f"{lab}:"
        row = {"label": lab}
        for c in comps:
            frac = q(
                lambda d, c=c, pre=pre: (
                    d[f"{pre}{c.name}_area"] / sum(d[f"{pre}{k.name}_area"] for k in comps)
                ),
                "1",
            )
            pos = q(lambda d, c=c, pre=pre: position_of(comps, d, c, pre), "eV")
            res.derived[f"{lab}:{c.name}_fraction"] = frac
            res.derived[f"{lab}:{c.name}_position"] = pos
            row[f"{c.name}_fraction"] = frac.value
            row[f"{c.name}_position"] = pos.value
        table.append(row)
        curves = component_curves(comps, vals, x, prefix=pre)
        bg = model_background(vals, x, sum(curves.values()), bg, active, prefix=pre)
        model = bg + sum(curves.values())
        coord = {"binding_energy": x}
        res.curves[f"{lab}:data"] = xr.DataArray(y, dims=("binding_energy",), coords=coord)
        res.curves[f"{lab}:fit"] = xr.DataArray(model, dims=("binding_energy",), coords=coord)
        for name, v in curves.items():
            res.curves[f"{lab}:component:{name}"] = xr.DataArray(
                bg + v, dims=("binding_energy",), coords=coord
            )
        for note in notes:
            res.mark_suspect(f"{lab}: {note}")
    dof = max(sum(d[0].size for d in data) - len(ps.free), 1)
    res.statistics.update(
        {
            "chi2_red": float(sol.fun @ sol.fun) / dof,
            "labels": list(labels),
            "components": [c.name for c in comps],
            "table": table,
            "background": background_kind,
            "nfev": int(sol.nfev),
        }
    )
    if not sol.success:
        res.mark_failed(f"optimiser did not converge: {sol.message}")
    for n in ps.free:
        p = ps.params[n]
        if Parameter(vals[n], min=p.min, max=p.max).at_bound(1e-4):
            res.mark_suspect(f"{n} at its bound ({vals[n]:.4g})")
    z = chi2_misfit_z(res.statistics["chi2_red"] * dof, dof)
    res.statistics["misfit_z"] = z
    if z > MISFIT_Z:  # Poisson weights, as fit_xps
        res.mark_suspect(
            f"χ²_red = {res.statistics['chi2_red']:.3g} on {dof} degrees of freedom (misfit z = "
            f"{z:.1f} > {MISFIT_Z:g}): the model does not describe the data within the "
            "counting noise"
        )
    for lab, (x, *_rest) in zip(labels, data, strict=True):
        _check_lines_inside(res, comps, vals, x, prefix=f"{lab}:")
    return res
