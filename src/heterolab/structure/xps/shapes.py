"""XPS line shapes, inelastic backgrounds and spin–orbit doublet rules.

Line shapes are lmfit's area-normalised functions (Voigt, pseudo-Voigt "GL") and the
Doniach–Šunjić profile convolved with a Gaussian; backgrounds are lmfitxps's iterative
Shirley (Shirley, Phys. Rev. B 5, 4709 (1972); Proctor & Sherwood, Anal. Chem. 54, 13
(1982)), a Shirley refined with the peaks, Tougaard's loss integral (Tougaard, Surf.
Interface Anal. 25, 137 (1997)) as an FFT convolution, fixed or refined, and a straight
line. All energies are binding energies (eV).

Spin–orbit doublets: a subshell with orbital quantum number l > 0 splits into j = l ± ½ with
degeneracies 2j + 1, so the area ratio (j = l − ½) : (j = l + ½) is l : (l + 1): p 1:2,
d 2:3, f 3:4 (Hüfner, *Photoelectron Spectroscopy*, 3rd ed., Springer 2003, §1.1). Splittings
are the typical values of Moulder, Stickle, Sobol & Bomben, *Handbook of X-ray Photoelectron
Spectroscopy*, Perkin-Elmer (1992), element tables.
"""

from __future__ import annotations

import contextlib
import enum
import io
import math
from collections.abc import Callable

import numpy as np

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.structure.xps.choices import Background, LineShape

__all__ = [
    "LINESHAPES",
    "SPIN_ORBIT_SPLITTING_EV",
    "TOUGAARD_UNIVERSAL",
    "Background",
    "LineShape",
    "active_shirley",
    "background",
    "doublet_area_ratio",
    "lineshape",
    "spin_orbit_splitting",
    "tougaard_integral",
]


LINESHAPES = tuple(m.value for m in LineShape)
BACKGROUNDS = tuple(m.value for m in Background)


def choice(enum_cls: type[enum.StrEnum], value: object, what: str) -> str:
    """``value`` (an enum member or its string value, any case) as the enum's value
    (:func:`heterolab.choices.as_choice`, as a plain string for the fit's model tables)."""
    return str(as_choice(enum_cls, value, what).value)


#: Tougaard's universal cross-section K(T) = B T/(C + T²)² (Tougaard, Surf. Interface Anal.
#: 11, 453 (1988); 25, 137 (1997)): C = 1643 eV², C' = 1, D = 0 (B = 2866 eV² for metals).
TOUGAARD_UNIVERSAL = (1643.0, 1.0, 0.0)

#: Typical spin–orbit splittings (eV) of core levels, Moulder et al. (1992) handbook tables.
SPIN_ORBIT_SPLITTING_EV: dict[str, float] = {
    "Ag 3d": 6.00,
    "Au 4f": 3.67,
    "Br 3d": 1.05,
    "Cd 3d": 6.74,
    "Cs 3d": 13.96,
    "Cu 2p": 19.8,
    "Fe 2p": 13.1,
    "I 3d": 11.5,
    "In 3d": 7.54,
    "Mo 3d": 3.13,
    "Ni 2p": 17.3,
    "Pb 4f": 4.87,
    "Pt 4f": 3.33,
    "S 2p": 1.18,
    "Se 3d": 0.86,
    "Si 2p": 0.63,
    "Sn 3d": 8.41,
    "Ti 2p": 5.54,
    "W 4f": 2.18,
    "Zn 2p": 23.0,
}

_L = {"s": 0, "p": 1, "d": 2, "f": 3}
_SQRT_2LN2 = math.sqrt(2.0 * math.log(2.0))


def _orbital(subshell: str) -> int:
    key = subshell.strip()[-1:].lower()
    if key not in _L:
        raise ParameterError(f"subshell {subshell!r} must end in s, p, d or f (e.g. '4f', '2p')")
    return _L[key]


def doublet_area_ratio(subshell: str) -> float:
    """Area ratio (j = l − ½)/(j = l + ½) = l/(l + 1): p 0.5, d 0.667, f 0.75 (0 for s).

    Examples
    --------
    >>> doublet_area_ratio("4f"), doublet_area_ratio("2p")
    (0.75, 0.5)
    """
    ell = _orbital(subshell)
    return ell / (ell + 1.0) if ell else 0.0


def spin_orbit_splitting(level: str) -> float:
    """Typical splitting (eV) of ``"Element nl"`` (``"Pb 4f"``) from the Moulder table.

    Raises
    ------
    ParameterError
        Level not in the table (the message lists the known ones).
    """
    key = " ".join(level.split())
    for k, v in SPIN_ORBIT_SPLITTING_EV.items():
        if k.lower() == key.lower():
            return v
    raise ParameterError(
        f"no tabulated spin–orbit splitting for {level!r}; known: "
        f"{', '.join(SPIN_ORBIT_SPLITTING_EV)}; pass splitting= (eV)"
    )


def _voigt(x: np.ndarray, c: float, g: float, lor: float, _a: float) -> np.ndarray:
    from lmfit.lineshapes import voigt

    return voigt(x, 1.0, c, g / (2 * _SQRT_2LN2), max(lor, 1e-9) / 2)


def _gl(x: np.ndarray, c: float, g: float, frac: float, _a: float) -> np.ndarray:
    from lmfit.lineshapes import pvoigt

    return pvoigt(x, 1.0, c, g / (2 * _SQRT_2LN2), min(max(frac, 0.0), 1.0))


def _gauss(x: np.ndarray, c: float, g: float, _l: float, _a: float) -> np.ndarray:
    s = g / (2 * _SQRT_2LN2)
    return np.exp(-0.5 * ((x - c) / s) ** 2) / (s * math.sqrt(2 * math.pi))


def _lorentz(x: np.ndarray, c: float, _g: float, lor: float, _a: float) -> np.ndarray:
    h = lor / 2
    return h / math.pi / ((x - c) ** 2 + h * h)


def _ds(x: np.ndarray, c: float, g: float, lor: float, asym: float) -> np.ndarray:
    """Doniach–Šunjić (J. Phys. C 3, 285 (1970)) ⊗ Gaussian, area 1 inside the window.

    The DS line (Lorentzian FWHM ``lor``, asymmetry α, tail towards higher binding energy) is
    sampled on a uniform grid finer than the data and than either width, extended beyond the
    window by 8 Gaussian σ so that the convolution is exact at the window's ends, convolved
    with the unit-area Gaussian by FFT and interpolated onto ``x``. The DS area diverges for
    α > 0, so the line is normalised to unit area inside the window (as XPS programs quote
    areas over the fitted region).
    """
    s = max(g, 1e-6) / (2 * _SQRT_2LN2)
    hw = max(lor, 1e-6) / 2
    n = x.size
    dx = float(x[-1] - x[0]) / max(n - 1, 1)
    dxs = np.diff(x)
    uniform = bool(dxs.max() - dxs.min() <= 1e-3 * dx)
    # grid: the data step divided by an integer m, so that the data points lie on it
    m = min(max(math.ceil(dx / min(g / 5, lor / 3)), 1), 50) if uniform else 1
    step = dx / m if uniform else max(min(dx, g / 5, lor / 3), (x[-1] - x[0]) / 20000)
    npad = math.ceil((7 * s + 8 * hw) / step) if hw < 2 * s else math.ceil(7 * s / step)
    u = x[0] + (np.arange(-npad, (n - 1) * m + npad + 1) * step if uniform else 0.0)
    if not uniform:
        u = np.arange(x[0] - npad * step, x[-1] + npad * step + step / 2, step)
    a = min(max(asym, 0.0), 0.99)
    arg = (u - c) / hw
    # tail to higher binding energy: the phase term flips sign with respect to the KE form
    ds = np.cos(math.pi * a / 2 - (1 - a) * np.arctan(arg)) * (1 + arg * arg) ** ((a - 1) / 2)
    h = math.ceil(5 * s / step)
    if h >= 1:
        k = np.exp(-0.5 * (np.arange(-h, h + 1) * step / s) ** 2)
        ds = np.convolve(ds, k / k.sum(), mode="same")
    if uniform:
        out = ds[npad : npad + (n - 1) * m + 1 : m]
        area = dx * (float(out.sum()) - 0.5 * float(out[0] + out[-1]))
    else:
        out = np.interp(x, u, ds)
        area = float(np.trapezoid(out, x))
    return out / area if area > 0 else out


_SHAPES: dict[str, Callable[[np.ndarray, float, float, float, float], np.ndarray]] = {
    "voigt": _voigt,
    "gl": _gl,
    "ds": _ds,
    "gaussian": _gauss,
    "lorentzian": _lorentz,
}


def lineshape(
    name: str,
    x: np.ndarray,
    center: float,
    fwhm: float,
    lorentz: float = 0.0,
    asymmetry: float = 0.0,
) -> np.ndarray:
    """Unit-area line ``name`` on ``x`` (eV): ``voigt`` (Gaussian FWHM ``fwhm``, Lorentzian
    FWHM ``lorentz``), ``gl`` (pseudo-Voigt with Lorentzian fraction ``lorentz``), ``ds``
    (Doniach–Šunjić of Lorentzian FWHM ``lorentz`` and asymmetry α ⊗ Gaussian), ``gaussian``,
    ``lorentzian`` (FWHM ``lorentz``)."""
    return _SHAPES[choice(LineShape, name, "line shape")](x, center, fwhm, lorentz, asymmetry)


def active_shirley(x: np.ndarray, peaks: np.ndarray, offset: float, step: float) -> np.ndarray:
    """Shirley background of the fitted peaks: ``offset + step · ∫_{x0}^{E} P / ∫ P``.

    The "active" Shirley background is refined with the peak model instead of being fixed
    from the data's end points (Proctor & Sherwood, Anal. Chem. 54, 13 (1982); Herrera-Gomez
    et al., Surf. Interface Anal. 46, 897 (2014)); Lorentzian tails at the window's ends then
    do not bias the areas. ``x`` ascending binding energy.
    """
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (peaks[1:] + peaks[:-1]) * np.diff(x))])
    return offset + step * (cum / cum[-1] if cum[-1] > 0 else cum)


def _edge_means(x: np.ndarray, y: np.ndarray, n_avg: int) -> tuple[float, float]:
    k = max(1, min(n_avg, x.size // 10))
    return float(np.mean(y[:k])), float(np.mean(y[-k:]))


def tougaard_integral(
    x: np.ndarray,
    y: np.ndarray,
    cross_section: tuple[float, float, float] = TOUGAARD_UNIVERSAL,
    extend: float = 0.0,
) -> np.ndarray:
    """Inelastic-loss integral ``∫ K(E − E′) y(E′) dE′`` over E′ < E with B = 1 (counts).

    K(T) = T / ((C + C′T²)² + D T²) is Tougaard's cross-section in the four-parameter form of
    Hesse & Denecke (Surf. Interface Anal. 43, 1514 (2011)): ``cross_section = (C, C′, D)``
    (eV², 1, eV²); (1643, 1, 0) is the universal one, C′ = 1 with D ≠ 0 the three-parameter
    one (Tougaard, Surf. Interface Anal. 25, 137 (1997)). ``x`` ascending binding energy;
    losses come from lower binding energy. On a uniform grid the sum is a causal convolution,
    evaluated by FFT in O(n log n) (a non-uniform grid is interpolated onto a uniform one).
    ``extend`` (eV) continues the spectrum below the window with the mean of its first ten
    points (as lmfitxps's ``TougaardBG``), so intensity beyond the window contributes.
    ``extend = inf`` continues that level indefinitely: its own losses are then the constant
    level·∫₀^∞K (= level/(2C) for the universal form) at every E, and the integral returned is
    that of ``y − level`` (the constant is left to the caller's offset). A finite continuation
    instead adds level·∫₀^(E−E₀+extend) K, a term rising across the window that a flat
    intensity extending below the window does not produce.
    """
    from scipy.signal import fftconvolve

    c, cd, d = (float(v) for v in cross_section)
    n = x.size
    step = float(x[-1] - x[0]) / max(n - 1, 1)
    uniform = bool(np.allclose(np.diff(x), step, rtol=1e-3, atol=0))
    xu = x if uniform else np.linspace(x[0], x[-1], n)
    yu = y if uniform else np.interp(xu, x, y)
    if math.isinf(extend) and extend > 0:
        yu = yu - float(np.mean(yu[:10]))
        extend = 0.0
    npad = max(round(float(extend) / step), 0)
    ypad = np.concatenate([np.full(npad, float(np.mean(yu[:10]))), yu]) if npad else yu
    t = np.arange(ypad.size) * step
    kern = t / ((c + cd * t * t) ** 2 + d * t * t)
    out = fftconvolve(ypad, kern)[: ypad.size][npad:] * step
    return out if uniform else np.interp(x, xu, out)


def background(
    kind: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    n_avg: int = 5,
    cross_section: tuple[float, float, float] = TOUGAARD_UNIVERSAL,
    extend: float = math.inf,
) -> tuple[np.ndarray, list[str]]:
    """Inelastic background under ``y`` on ascending binding energy ``x`` and any notes.

    ``shirley``: lmfitxps ``shirley_calculate`` (iterated to convergence, end points the mean
    of ``n_avg`` channels); ``tougaard``: :func:`tougaard_integral` of the data above the
    low-E_B level with ``cross_section`` (default the universal one), B set so that the background meets the
    data at the high-E_B end; ``active_tougaard``: the loss integral of the data with B = 1
    (``cross_section``, ``extend``; by default of the data above their low-E_B level, as for
    ``tougaard``), whose B and offset the fit refines (lmfitxps's ``TougaardBG`` model with
    a finite ``extend``); ``linear``: straight line between the averaged end points; ``none``
    and ``active_shirley`` (fitted with the peaks, see :func:`active_shirley`): zeros.
    """
    notes: list[str] = []
    kind = choice(Background, kind, "background")
    if kind in ("none", "active_shirley"):
        return np.zeros_like(y), notes
    lo, hi = _edge_means(x, y, n_avg)
    if kind == "linear":
        return lo + (hi - lo) * (x - x[0]) / (x[-1] - x[0]), notes
    if kind == "shirley":
        from lmfitxps.backgrounds import shirley_calculate

        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            bg = shirley_calculate(
                x, y, tol=1e-10 * float(np.max(y)) ** 2, maxit=200, bounds=((x[0], lo), (x[-1], hi))
            )
        # lmfitxps prints its failures: stdout stays clean (--json), each becomes a note
        for line in filter(None, (t.strip() for t in sink.getvalue().splitlines())):
            notes.append(
                "Shirley background did not converge in 200 iterations"
                if "exceeded" in line
                else f"lmfitxps Shirley: {line}"
            )
        return np.asarray(bg, dtype=float), notes
    if kind == "tougaard":
        # B makes the background meet the data at the high-E_B end
        t = tougaard_integral(x, y - lo, cross_section)
        b = (hi - lo) / t[-1] if t[-1] > 0 else 0.0
        if b < 0:
            notes.append("Tougaard B < 0: the high binding-energy end lies below the low one")
        return lo + b * t, notes
    if kind == "active_tougaard":
        return tougaard_integral(x, y, cross_section, extend), notes
    raise ParameterError(f"background {kind!r} is not one of {', '.join(BACKGROUNDS)}")
