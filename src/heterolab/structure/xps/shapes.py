"""XPS line shapes, inelastic backgrounds and spin–orbit doublet rules.

Line shapes are lmfit's area-normalised functions (Voigt, pseudo-Voigt "GL") and the
Doniach–Šunjić profile convolved with a Gaussian as in lmfitxps; backgrounds are lmfitxps's
iterative Shirley (Shirley, Phys. Rev. B 5, 4709 (1972); Proctor & Sherwood, Anal. Chem. 54,
13 (1982)) and Tougaard (Tougaard, Surf. Interface Anal. 25, 137 (1997)) calculations, and a
straight line. All energies are binding energies (eV).

Spin–orbit doublets: a subshell with orbital quantum number l > 0 splits into j = l ± ½ with
degeneracies 2j + 1, so the area ratio (j = l − ½) : (j = l + ½) is l : (l + 1): p 1:2,
d 2:3, f 3:4 (Hüfner, *Photoelectron Spectroscopy*, 3rd ed., Springer 2003, §1.1). Splittings
are the typical values of Moulder, Stickle, Sobol & Bomben, *Handbook of X-ray Photoelectron
Spectroscopy*, Perkin-Elmer (1992), element tables.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable

import numpy as np

from heterolab.errors import ParameterError

__all__ = [
    "LINESHAPES",
    "SPIN_ORBIT_SPLITTING_EV",
    "active_shirley",
    "background",
    "doublet_area_ratio",
    "lineshape",
    "spin_orbit_splitting",
]

LINESHAPES = ("voigt", "gl", "ds", "gaussian", "lorentzian")
BACKGROUNDS = ("shirley", "active_shirley", "tougaard", "linear", "none")

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
    """Doniach–Šunjić (J. Phys. C 3, 285 (1970)) ⊗ Gaussian, area 1 over the grid.

    Tail towards higher binding energy; the convolution is lmfitxps's ``fft_convolve``.
    """
    from lmfit.lineshapes import doniach
    from lmfitxps.lineshapes import fft_convolve

    # lmfit's doniach tails to low x; binding energy tails high: mirror about the centre
    ds = doniach(2 * c - x, 1.0, c, max(lor, 1e-6) / 2, asym)
    s = g / (2 * _SQRT_2LN2)
    kern = np.exp(-0.5 * ((x - x.mean()) / s) ** 2)
    out = fft_convolve(ds, kern / kern.sum())
    area = np.trapezoid(out, x)
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
    if name not in _SHAPES:
        raise ParameterError(f"line shape {name!r} is not one of {', '.join(LINESHAPES)}")
    return _SHAPES[name](x, center, fwhm, lorentz, asymmetry)


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


def background(
    kind: str, x: np.ndarray, y: np.ndarray, *, n_avg: int = 5
) -> tuple[np.ndarray, list[str]]:
    """Inelastic background under ``y`` on ascending binding energy ``x`` and any notes.

    ``shirley``: lmfitxps ``shirley_calculate`` (iterated to convergence, end points the mean
    of ``n_avg`` channels); ``tougaard``: lmfitxps ``tougaard_calculate`` (universal
    cross-section B, C = 2866, 1643 eV²; B refitted); ``linear``: straight line between the
    averaged end points; ``none`` and ``active_shirley`` (fitted with the peaks, see
    :func:`active_shirley`): zeros.
    """
    notes: list[str] = []
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
        if "exceeded" in sink.getvalue():
            notes.append("Shirley background did not converge in 200 iterations")
        return np.asarray(bg, dtype=float), notes
    if kind == "tougaard":
        from lmfitxps.backgrounds import tougaard_calculate

        # lmfitxps integrates towards the end of the array: give it kinetic-energy order
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            res = tougaard_calculate(x[::-1], y[::-1] - lo)
        bg = np.asarray(res[0] if isinstance(res, tuple) else res, dtype=float)[::-1] + lo
        return bg, notes
    raise ParameterError(f"background {kind!r} is not one of {', '.join(BACKGROUNDS)}")
