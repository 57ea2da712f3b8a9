"""Temperature-dependent PL: peak energy, linewidth and intensity against T, and emission
peaks that appear on cooling (spec P-32; thesis §4.3.2, Fig. 4-11).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.io.spectra import read_temperature_series as read_temperature_series  # moved (#8)
from heterolab.parameters import ParameterSet
from heterolab.result import Quantity, Result, make_provenance
from heterolab.spectroscopy._fitparams import (
    fit_parameter_set,
    merge_parameters,
    record_parameter_sets,
)
from heterolab.spectroscopy.choices import GapModel
from heterolab.spectroscopy.spectra import (
    fwhm,
    integrate,
    noise_sigma,  # re-exported: heterolab.spectroscopy.temperature.noise_sigma
    peak_maximum,
    to_energy,
)
from heterolab.uncertainty import MISFIT_Z, chi2_misfit_z
from heterolab.units import HC_EV_NM, K_B_EV

__all__ = [
    "TEMPERATURE_MODELS",
    "GapModel",
    "arrhenius_intensity",
    "bose_einstein_gap",
    "detect_new_peaks",
    "fit_temperature_dependence",
    "linewidth_phonon",
    "noise_sigma",
    "temperature_series",
    "thermal_expansion_phonon_gap",
    "varshni_gap",
]


def _bose(energy_ev: float, t: np.ndarray) -> np.ndarray:
    """Bose–Einstein occupation 1/(e^{E/k_BT} − 1), safe at T → 0."""
    x = energy_ev / (K_B_EV * np.maximum(np.asarray(t, dtype=float), 1e-9))
    return 1.0 / np.expm1(np.minimum(x, 700.0))


def varshni_gap(t: np.ndarray, e0: float, alpha: float, beta: float) -> np.ndarray:
    """E(T) = E₀ − αT²/(T + β) [eV] (Varshni, Physica 34, 149 (1967)); α [eV/K], β [K]."""
    t = np.asarray(t, dtype=float)
    return e0 - alpha * t**2 / (t + beta)


def bose_einstein_gap(t: np.ndarray, e_b: float, a_b: float, theta: float) -> np.ndarray:
    """E(T) = E_B − a_B[1 + 2/(e^{Θ/T} − 1)] (eV) (Viña, Logothetidis & Cardona, PRB 30, 1979 (1984)).

    Θ is a temperature (K).
    """
    return e_b - a_b * (1.0 + 2.0 * _bose(K_B_EV * theta, t))


def thermal_expansion_phonon_gap(
    t: np.ndarray, e0: float, a_te: float, a_ep: float, phonon_ev: float
) -> np.ndarray:
    """E(T) = E₀ + A_TE T + A_EP[2/(e^{ħω/k_BT} − 1) + 1] (eV) (perovskite form; Wang et al.,
    J. Phys. Chem. Lett. 10, 2546 (2019), thesis ref. 4-28). A_TE (eV/K), A_EP (eV), ħω (eV).
    """
    t = np.asarray(t, dtype=float)
    return e0 + a_te * t + a_ep * (2.0 * _bose(phonon_ev, t) + 1.0)


def linewidth_phonon(
    t: np.ndarray, gamma0: float, sigma: float, gamma_lo: float, e_lo: float
) -> np.ndarray:
    """Γ(T) = Γ₀ + σT + Γ_LO/(e^{E_LO/k_BT} − 1) [eV] (Rudin, Reinecke & Segall, PRB 42, 11218
    (1990); Wright et al., Nat. Commun. 7, 11755 (2016)); σ [eV/K], E_LO [eV].
    """
    return gamma0 + sigma * np.asarray(t, dtype=float) + gamma_lo * _bose(e_lo, t)


def arrhenius_intensity(t: np.ndarray, i0: float, a: float, e_a: float) -> np.ndarray:
    """I(T) = I₀/(1 + A e^{−E_a/k_BT}) (Bimberg, Sondergeld & Grobe, PRB 4, 3451 (1971)); E_a [eV]."""
    t = np.maximum(np.asarray(t, dtype=float), 1e-9)
    return i0 / (1.0 + a * np.exp(-e_a / (K_B_EV * t)))


#: name -> (function, parameter names, parameter units)
TEMPERATURE_MODELS: dict[
    str, tuple[Callable[..., np.ndarray], tuple[str, ...], tuple[str, ...]]
] = {
    "varshni": (varshni_gap, ("e0", "alpha", "beta"), ("eV", "eV/K", "K")),
    "bose_einstein": (bose_einstein_gap, ("e_b", "a_b", "theta"), ("eV", "eV", "K")),
    "expansion_phonon": (
        thermal_expansion_phonon_gap,
        ("e0", "a_te", "a_ep", "phonon_energy"),
        ("eV", "eV/K", "eV", "eV"),
    ),
    "linewidth": (
        linewidth_phonon,
        ("gamma0", "sigma", "gamma_lo", "e_lo"),
        ("eV", "eV/K", "eV", "eV"),
    ),
    "arrhenius": (arrhenius_intensity, ("i0", "a", "activation_energy"), ("1", "1", "eV")),
}


def _default_start(model: str, t: np.ndarray, y: np.ndarray) -> list[float]:
    lo_t = y[np.argmin(t)]
    if model == "varshni":
        return [float(lo_t), 4e-4, 200.0]
    if model == "bose_einstein":
        return [float(lo_t) + 0.05, 0.05, 200.0]
    if model == "expansion_phonon":
        return [float(lo_t), 1e-4, -0.01, 0.015]
    if model == "linewidth":
        return [float(np.min(y)), 1e-5, 0.05, 0.02]
    return [float(np.max(y)), 10.0, 0.03]


def _temperature_defaults(model: str, t: np.ndarray, y: np.ndarray) -> ParameterSet:
    _, names, units = TEMPERATURE_MODELS[model]
    ps = ParameterSet()
    for n, u, v in zip(names, units, _default_start(model, t, y), strict=True):
        # temperatures and phonon energies of the models are positive (a Varshni fit ended
        # at beta = -24 K, 285x the noise, 'ok')
        ps.add(n, v, unit=u, min=0.0 if n in _POSITIVE else -math.inf)
    return ps


_POSITIVE = frozenset({"beta", "theta", "e_lo", "phonon_energy"})


def fit_temperature_dependence(
    temperature: np.ndarray,
    values: np.ndarray,
    model: str,
    *,
    parameters: ParameterSet | Mapping[str, Any] | None = None,
    stderr: np.ndarray | None = None,
) -> Result:
    """Fit one of :data:`TEMPERATURE_MODELS` to values against temperature [K].

    Least squares (weighted by ``stderr`` if given, absolute); parameter errors from the
    covariance. Energies and widths in eV; intensity in arbitrary units. ``parameters`` (a
    :class:`~heterolab.parameters.ParameterSet` or its mapping, names as in the model, e.g.
    ``{"e0": 1.5, "alpha": 4e-4, "beta": {"value": 150, "vary": False}}``) sets start values,
    fixes or bounds parameters; the Result keeps ``statistics["parameters_initial"]`` and
    ``["parameters_fitted"]``.
    """
    if model not in TEMPERATURE_MODELS:
        raise ParameterError(f"model must be one of {', '.join(TEMPERATURE_MODELS)}, got {model!r}")
    func, names, _units = TEMPERATURE_MODELS[model]
    t = np.asarray(temperature, dtype=float)
    y = np.asarray(values, dtype=float)
    if t.shape != y.shape or t.size <= len(names):
        raise ParameterError(
            f"need more points than the {len(names)} parameters of {model!r} and equal lengths; "
            f"got {t.size} temperatures and {y.size} values"
        )
    if np.any(t <= 0) or not np.all(np.isfinite(y)):
        raise ParameterError("temperatures must be > 0 K and values finite")
    initial = merge_parameters(
        _temperature_defaults(model, t, y), parameters, f"the {model} temperature model"
    )
    res = Result(kind="spectrum.temperature_fit", provenance=make_provenance([], {"model": model}))
    sigma = np.ones_like(y) if stderr is None else np.asarray(stderr, dtype=float)

    def residual(vals: dict[str, float]) -> np.ndarray:
        with np.errstate(all="ignore"):
            r = (func(t, *(vals[n] for n in names)) - y) / sigma
        return np.where(np.isfinite(r), r, 1e30)

    try:
        fitted, errors, _, _ = fit_parameter_set(
            initial, residual, max_nfev=20000, absolute_sigma=stderr is not None
        )
    except (RuntimeError, ValueError) as exc:
        res.mark_failed(f"{model} fit did not converge: {exc}")
        return res
    vals = fitted.values()
    if not all(math.isfinite(vals[n]) for n in names):
        res.mark_failed(f"{model} fit ended on non-finite parameters")
        return res
    record_parameter_sets(res, initial, fitted)
    for n in names:
        res.parameters[n] = Quantity(vals[n], errors.get(n), fitted.params[n].unit)
    free = fitted.free
    if any(errors.get(n) is None for n in free):
        res.mark_suspect(
            "parameter errors unavailable: the data do not determine every parameter "
            "(covariance could not be estimated)"
        )
    unmoved = [n for n in free if vals[n] == initial.params[n].value]
    if unmoved:
        res.mark_suspect(f"{', '.join(unmoved)} did not move from the start value")
    # e.g. an Arrhenius series that never reaches the low-temperature plateau determines only
    # i0/a: a = 0.11 +- 0.14 (and i0 30x off) was 'ok'
    vague = [
        n
        for n in free
        if errors.get(n) is not None and math.isfinite(errors[n]) and errors[n] > abs(vals[n])
    ]
    if vague:
        res.mark_suspect(
            f"relative error above 100 % for {', '.join(vague)}: the temperature range does "
            "not determine them (fix one, or measure further into the plateau)"
        )
    res.statistics["chisqr"] = float(np.sum((func(t, *(vals[n] for n in names)) - y) ** 2))
    if stderr is not None:
        chi2 = float(np.sum(((func(t, *(vals[n] for n in names)) - y) / sigma) ** 2))
        dof = max(t.size - len(free), 1)
        z = chi2_misfit_z(chi2, dof)
        res.statistics.update(chi2_reduced=chi2 / dof, misfit_z=z)
        if z > MISFIT_Z:
            res.mark_suspect(
                f"chi2_red = {chi2 / dof:.3g} with the stated errors ({z:.0f} spreads above 1): "
                f"the {model} model does not describe the data"
            )
    return res


# ----------------------------------------------------------------------------- series
def _peak_energies(
    e: xr.DataArray, fraction: float, k_sigma: float, smooth_points: int = 11
) -> list[float]:
    """Peaks of the Savitzky–Golay-smoothed spectrum (quadratic, ``smooth_points`` wide) with
    prominence ≥ max(fraction × maximum, k_sigma × raw noise σ)."""
    from scipy.signal import find_peaks, savgol_filter

    y = e.values.astype(float)
    if y.size > smooth_points + 2:
        y = savgol_filter(y, smooth_points | 1, 2)
    prominence = max(fraction * float(np.max(y)), k_sigma * noise_sigma(e.values))
    idx, _ = find_peaks(y, prominence=prominence)
    return [float(e["energy"].values[i]) for i in idx]


def detect_new_peaks(
    spectra: Mapping[float, xr.DataArray],
    *,
    prominence_fraction: float = 0.05,
    tolerance_ev: float = 0.03,
    window: tuple[float, float] | None = None,
    k_sigma: float = 5.0,
) -> list[dict[str, float]]:
    """Emission peaks that are absent at the highest temperature and appear on cooling.

    Peaks are local maxima of the energy-axis spectrum with prominence ≥ the larger of
    ``prominence_fraction`` × that spectrum's maximum and ``k_sigma`` × its noise σ
    (:func:`noise_sigma`), found on the spectrum smoothed over 11 points (Savitzky & Golay,
    Anal. Chem. 36, 1627 (1964)) so that noise spikes are not taken for peaks. A peak is new if no peak of the
    highest-T spectrum lies within ``tolerance_ev``; its onset temperature is the highest T
    from which it is present in every colder spectrum (spec P-32). Thesis: peaks at 436, 468,
    487 nm below 260 K.

    Returns
    -------
    list of dict
        ``energy`` [eV] (at the lowest T), ``wavelength`` [nm], ``onset_temperature`` [K].
    """
    temps = sorted(spectra)
    if len(temps) < 2:
        raise ParameterError("a temperature series needs at least two spectra")
    peaks = {}
    for t in temps:
        e = to_energy(spectra[t])
        if window is not None:
            e = e.sel(energy=slice(min(window), max(window)))
        peaks[t] = _peak_energies(e, prominence_fraction, k_sigma)
    reference = peaks[temps[-1]]
    out = []
    for pe in peaks[temps[0]]:
        if any(abs(pe - r) < tolerance_ev for r in reference):
            continue
        onset = float(temps[0])
        for t in temps[1:]:
            if any(abs(pe - q) < tolerance_ev for q in peaks[t]):
                onset = float(t)
            else:
                break
        out.append({"energy": pe, "wavelength": HC_EV_NM / pe, "onset_temperature": onset})
    return out


def temperature_series(
    spectra: Mapping[float, xr.DataArray],
    *,
    window: tuple[float, float] | None = None,
    energy_model: GapModel | str = GapModel.EXPANSION_PHONON,
    prominence_fraction: float = 0.05,
) -> Result:
    """Analyse a PL temperature series: main-peak energy, FWHM and area against T, their model
    fits, and emission peaks that appear on cooling (spec P-32).

    Parameters
    ----------
    spectra
        ``{T [K]: spectrum}`` (e.g. :func:`read_temperature_series`).
    window
        Energy range [eV] of the main band followed with temperature.
    energy_model
        ``"expansion_phonon"`` (Wang 2019), ``"varshni"`` or ``"bose_einstein"``.

    Returns
    -------
    Result
        kind ``"spectrum.temperature_series"``: fit parameters prefixed ``energy_``,
        ``width_``, ``intensity_``; statistics per-T table and new peaks.
    """
    energy_model = as_choice(GapModel, energy_model, "energy_model").value
    temps = np.array(sorted(spectra), dtype=float)
    if temps.size < 5:
        raise ParameterError(
            f"a temperature series needs ≥ 5 spectra for the fits, got {temps.size}"
        )
    pos, width, area = [], [], []
    for t in temps:
        e = to_energy(spectra[t])
        if window is not None:
            e = e.sel(energy=slice(min(window), max(window)))
        pos.append(peak_maximum(e)[0])
        width.append(fwhm(e)[0])
        area.append(integrate(e))
    res = Result(
        kind="spectrum.temperature_series",
        provenance=make_provenance(
            [], {"window": window, "energy_model": energy_model, "temperatures": temps.tolist()}
        ),
    )
    res.statistics["temperature_K"] = temps.tolist()
    res.statistics["peak_energy_eV"] = pos
    res.statistics["fwhm_eV"] = width
    res.statistics["area"] = area
    for prefix, model, y in (
        ("energy_", energy_model, np.array(pos)),
        ("width_", "linewidth", np.array(width)),
        ("intensity_", "arrhenius", np.array(area)),
    ):
        ok = np.isfinite(y)
        fit = fit_temperature_dependence(temps[ok], y[ok], model)
        if fit.status == "failed":
            res.warnings.append(f"{prefix.rstrip('_')} fit failed: {fit.message}")
            continue
        if fit.status == "suspect":  # its numbers stay, with the reason
            res.mark_suspect(f"{prefix.rstrip('_')} fit is suspect: {fit.message}")
        for n, q in fit.parameters.items():
            res.parameters[prefix + n] = q
    new = detect_new_peaks(spectra, prominence_fraction=prominence_fraction)
    res.statistics["new_peaks"] = new
    for i, p in enumerate(new):
        res.derived[f"new_peak_{i}_wavelength"] = Quantity(p["wavelength"], None, "nm")
        res.derived[f"new_peak_{i}_onset"] = Quantity(p["onset_temperature"], None, "K")
    return res
