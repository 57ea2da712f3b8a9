"""The same window fits as the fast engine, with lmfit composite models (cross-check and the
peer in the peak-fit benchmark). Kα2 lines are lmfit expressions tied to their Kα1 line."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from heterolab.structure.xrd.profiles import PROFILES

__all__ = ["fit_group_lmfit"]


def fit_group_lmfit(
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    group: Any,
    name: str,
    fwhm0: float,
    lambda_ratio: float | None,
    ratio: float,
    fixed: dict[int, float] | None = None,
    start: np.ndarray | None = None,
) -> dict[str, Any]:
    """Fit one window with lmfit; returns the fast engine's dict (p, err, chi2, dof, ...).

    ``fixed`` and ``start`` as in the fast engine (indices and values of its fit vector:
    centre in deg, area, FWHM in deg, shape per line, then the background intercept and
    slope): fixed parameters are held (``vary=False``), ``start`` replaces the start values.
    """
    import lmfit

    from heterolab.errors import ParameterError

    if name not in ("pseudo_voigt", "pearson7"):
        raise ParameterError(f"the lmfit engine fits pseudo_voigt or pearson7, not {name!r}")
    shape_name, shape0, shape_lo, shape_hi = PROFILES[name]
    x_mid = float(0.5 * (x[0] + x[-1]))
    lambda_ratio = None if lambda_ratio is None else float(lambda_ratio)
    ratio = float(ratio)
    model = lmfit.models.LinearModel(prefix="bg_")
    params = model.make_params(intercept=float(np.median(np.r_[y[:3], y[-3:]])), slope=0.0)
    # LinearModel is slope*x + intercept; shift x so the intercept is the window-centre value
    xs = x - x_mid
    for k, c in enumerate(group.centers):
        for line in (1, 2) if lambda_ratio else (1,):
            pre = f"k{line}_{k}_"
            if name == "pseudo_voigt":
                m = lmfit.models.PseudoVoigtModel(prefix=pre)
            else:
                m = lmfit.models.Pearson7Model(prefix=pre)
            model = model + m
            params.update(m.make_params())
            if line == 1:
                i = int(np.clip(np.searchsorted(x, c), 0, x.size - 1))
                area0 = max(float(y[i]) * fwhm0 * 1.06 / (1 + ratio), 1e-9)
                params[f"{pre}center"].set(
                    value=c - x_mid, min=c - x_mid - 0.3, max=c - x_mid + 0.3
                )
                params[f"{pre}amplitude"].set(value=area0, min=0)
                params[f"{pre}sigma"].set(value=fwhm0 / 2, min=1e-4, max=5)
                if name == "pseudo_voigt":
                    params[f"{pre}fraction"].set(value=shape0, min=shape_lo, max=shape_hi)
                else:
                    params[f"{pre}expon"].set(value=shape0, min=shape_lo, max=shape_hi)
            else:
                p1 = f"k1_{k}_"
                params[f"{pre}center"].set(
                    expr=f"2*asin({lambda_ratio!r}*sin(({p1}center+{x_mid!r})*pi/360))*180/pi"
                    f"-{x_mid!r}"
                )
                params[f"{pre}amplitude"].set(expr=f"{ratio!r}*{p1}amplitude")
                params[f"{pre}sigma"].set(expr=f"{p1}sigma")
                other = "fraction" if name == "pseudo_voigt" else "expon"
                params[f"{pre}{other}"].set(expr=f"{p1}{other}")
    n = len(group.centers)
    if start is not None:
        _set_start(params, np.asarray(start, dtype=float), n, name, x_mid)
    for idx, value in (fixed or {}).items():
        params[_LMFIT_NAMES[name][idx % 4].format(k=idx // 4)].set(value=value, vary=False)
    out = model.fit(y, params, x=xs, weights=1.0 / s)
    p = np.zeros(4 * n + 2)
    err = np.full(4 * n + 2, np.nan)
    for k in range(n):
        pre = f"k1_{k}_"
        pr = out.params
        sh = "fraction" if name == "pseudo_voigt" else "expon"
        fac = _fwhm_per_sigma(name, pr[f"{pre}{sh}"].value)
        w, ew = fac * pr[f"{pre}sigma"].value, fac * (pr[f"{pre}sigma"].stderr or math.nan)
        p[4 * k : 4 * k + 4] = (
            pr[f"{pre}center"].value + x_mid,
            pr[f"{pre}amplitude"].value,
            w,
            pr[f"{pre}{sh}"].value,
        )
        err[4 * k : 4 * k + 4] = (
            pr[f"{pre}center"].stderr or math.nan,
            pr[f"{pre}amplitude"].stderr or math.nan,
            ew,
            pr[f"{pre}{sh}"].stderr or math.nan,
        )
    p[4 * n] = out.params["bg_intercept"].value
    p[4 * n + 1] = out.params["bg_slope"].value
    return {
        "p": p,
        "err": err,
        "chi2": float(out.chisqr),
        "dof": int(out.nfree),
        "n": n,
        "x_mid": x_mid,
        "shape_name": shape_name,
        "at_bound": _at_bound(out.params, n, name, x_mid),
        "success": bool(out.success),
    }


def _fwhm_per_sigma(name: str, shape: float) -> float:
    """FWHM over lmfit's width parameter ``sigma``: 2 for its pseudo-Voigt, and
    2 √(2^(1/m) − 1) for its Pearson VII of exponent m = ``shape`` (unused for the
    pseudo-Voigt, whose ``shape`` is the fraction)."""
    return 2.0 if name == "pseudo_voigt" else 2.0 * math.sqrt(2.0 ** (1.0 / shape) - 1.0)


#: lmfit names of the fast engine's per-line parameters (centre, area, FWHM-like width, shape).
_LMFIT_NAMES = {
    "pseudo_voigt": ("k1_{k}_center", "k1_{k}_amplitude", "k1_{k}_sigma", "k1_{k}_fraction"),
    "pearson7": ("k1_{k}_center", "k1_{k}_amplitude", "k1_{k}_sigma", "k1_{k}_expon"),
}


def _set_start(params: Any, p: np.ndarray, n: int, name: str, x_mid: float) -> None:
    """Start values from a fast-engine vector ``p`` (clipped into the bounds by lmfit)."""
    for k in range(n):
        c, a, w, sh = p[4 * k : 4 * k + 4]
        per_sigma = _fwhm_per_sigma(name, sh)
        names = [f.format(k=k) for f in _LMFIT_NAMES[name]]
        for pname, value in zip(names, (c - x_mid, a, w / per_sigma, sh), strict=True):
            params[pname].set(value=float(value))
    params["bg_intercept"].set(value=float(p[4 * n]))
    params["bg_slope"].set(value=float(p[4 * n + 1]))


def _at_bound(params: Any, n: int, name: str, x_mid: float) -> list[tuple[int, str, float]]:
    """(index in the fast engine's vector, side, bound in its units) of every free Kα1 line
    parameter that ends on a bound."""
    from heterolab.structure.xrd.peaks import bound_side

    out = []
    sh = "fraction" if name == "pseudo_voigt" else "expon"
    for k in range(n):
        pre = f"k1_{k}_"
        fwhm_per_sigma = _fwhm_per_sigma(name, params[f"{pre}{sh}"].value)
        for j, (pname, scale, shift) in enumerate(
            (
                ("center", 1.0, x_mid),
                ("amplitude", 1.0, 0.0),
                ("sigma", fwhm_per_sigma, 0.0),
                (sh, 1.0, 0.0),
            )
        ):
            par = params[f"{pre}{pname}"]
            side = bound_side(float(par.value), float(par.min), float(par.max))
            if par.vary and side is not None:
                bound = float(par.min if side == "lower" else par.max)
                out.append((4 * k + j, side, bound * scale + shift))
    return out
