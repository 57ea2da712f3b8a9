"""Simulated steady-state absorption and photoluminescence spectra of nanocrystal ensembles.

Each component (:class:`Emitter`) is an ensemble of nanocrystals whose diameters follow a
normal distribution (relative spread ``size_spread``). A crystal of diameter ``d`` has its first
exciton at ``E(d)``:

- CsPbBr3: Brus effective-mass model with Protesescu 2015 parameters
  (:func:`heterolab.physics.sizing.cspbbr3_peak_from_diameter`; thesis §1.1.2.1, Eq. 1-2);
- PbS: Moreels sizing curve E0 = 0.41 + 1/(0.0252 d² + 0.283 d) eV (Moreels et al., ACS Nano 3,
  3023 (2009); :func:`heterolab.physics.sizing.pbs_peak_from_diameter`);
- any material with a fixed ``peak_nm`` (e.g. the n = 2 PMA2PbBr4 layered phase, whose exciton
  is set by the layer thickness, not a size): the size spread then plays no role and
  ``inhomogeneous_fwhm_mev`` sets the ensemble width.

The ensemble is integrated over sizes by Gauss–Hermite quadrature; the size spread maps into
inhomogeneous broadening through ``dE/dd`` (e.g. Efros & Rosen, Annu. Rev. Mater. Sci. 30, 475
(2000)). The continuum absorption per crystal scales with its volume (d³); the first-exciton
band is number-weighted so that its maximum is the sizing curve's energy of the mean diameter
(the sizing curves relate the ensemble peak to the TEM mean size; a simplification, stated
here). Each crystal's exciton line is a Gaussian of FWHM
``homogeneous_fwhm_mev``; the continuum is an error-function onset ``continuum_offset_mev``
above the exciton (Elliott-type step, Elliott, Phys. Rev. 108, 1384 (1957)). Emission is at
``E(d) − stokes_shift_mev`` and converted to a density per nm with the Jacobian E²/hc.

Energy transfer in a donor–acceptor heterostructure quenches the donor by
η = k_ET τ₀/(1 + k_ET τ₀) (spec P-38) and feeds the absorbed donor excitations into the
acceptor (sensitised emission; the η_trans of thesis Table 3-1, §3.3.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike
from scipy.special import erf

from heterolab.errors import ParameterError
from heterolab.kinetics.decay_models import fwhm_to_sigma, sigma_to_fwhm
from heterolab.physics.sizing import cspbbr3_peak_from_diameter, pbs_peak_from_diameter
from heterolab.simulate._common import (
    float_vector,
    gaussian_peak,
    noisy_counts,
    positive,
    rng_from_seed,
    simulated_array,
)
from heterolab.units import HC_EV_NM

__all__ = [
    "Emitter",
    "EnergyTransfer",
    "absorbance_at",
    "absorbed_fractions",
    "exciton_peak_ev",
    "simulate_absorption",
    "simulate_pl",
    "transfer_efficiency",
]

_SIZE_MODELS = ("CsPbBr3", "PbS")
_N_QUADRATURE = 41


@dataclass(frozen=True)
class Emitter:
    """One nanocrystal ensemble.

    Attributes
    ----------
    name
        Label (used in the truth and in warnings).
    material
        ``"CsPbBr3"`` or ``"PbS"`` (size-dependent exciton), or any label with ``peak_nm``.
    diameter_nm
        Mean diameter (nm).
    size_spread
        Relative standard deviation of the diameter (0.05 = 5 %).
    absorbance
        Absorbance (OD) of the first-exciton feature's maximum contribution.
    plqy
        Photoluminescence quantum yield (0–1) without transfer.
    homogeneous_fwhm_mev
        FWHM of a single crystal's exciton line (meV).
    stokes_shift_mev
        Emission red shift from the absorption exciton (meV).
    continuum_ratio
        Continuum absorbance (far above the edge) relative to ``absorbance``.
    continuum_offset_mev
        Onset of the continuum above the exciton (meV).
    peak_nm
        Fixed exciton absorption peak (nm); overrides the size model.
    inhomogeneous_fwhm_mev
        Extra Gaussian ensemble width (meV), used with ``peak_nm``.
    """

    name: str
    material: str
    diameter_nm: float
    size_spread: float = 0.05
    absorbance: float = 0.1
    plqy: float = 0.5
    homogeneous_fwhm_mev: float = 50.0
    stokes_shift_mev: float = 20.0
    continuum_ratio: float = 2.0
    continuum_offset_mev: float = 80.0
    peak_nm: float | None = None
    inhomogeneous_fwhm_mev: float = 0.0

    def validate(self) -> None:
        """Raise ParameterError listing every invalid field at once."""
        problems = []
        for field_name in ("diameter_nm", "absorbance", "homogeneous_fwhm_mev"):
            v = getattr(self, field_name)
            if not (np.isfinite(v) and v > 0):
                problems.append(f"{field_name} must be > 0, got {v!r}")
        for field_name in (
            "size_spread",
            "stokes_shift_mev",
            "continuum_ratio",
            "continuum_offset_mev",
            "inhomogeneous_fwhm_mev",
        ):
            v = getattr(self, field_name)
            if not (np.isfinite(v) and v >= 0):
                problems.append(f"{field_name} must be >= 0, got {v!r}")
        if not 0 <= self.plqy <= 1:
            problems.append(f"plqy must be in [0, 1], got {self.plqy!r}")
        if self.size_spread >= 0.3:
            problems.append(f"size_spread must be < 0.3 (relative), got {self.size_spread!r}")
        if self.peak_nm is None and self.material not in _SIZE_MODELS:
            problems.append(
                f"material {self.material!r} has no sizing curve; use one of {_SIZE_MODELS} "
                "or give peak_nm"
            )
        if problems:
            raise ParameterError(f"emitter {self.name!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class EnergyTransfer:
    """Donor -> acceptor transfer: rate ``k_et_per_s`` against the donor's own decay ``tau0_s``."""

    donor: str
    acceptor: str
    k_et_per_s: float
    tau0_s: float


def transfer_efficiency(k_et_per_s: float, tau0_s: float) -> float:
    """η_ET = k_ET/(k_ET + 1/τ₀) (spec P-38; e.g. Lakowicz, *Principles of Fluorescence
    Spectroscopy*, 3rd ed. 2006, §13.1)."""
    k = positive("k_et_per_s", k_et_per_s, allow_zero=True)
    tau0 = positive("tau0_s", tau0_s)
    return k * tau0 / (1.0 + k * tau0)


def exciton_peak_ev(emitter: Emitter, diameter_nm: ArrayLike) -> np.ndarray:
    """First-exciton absorption energy (eV) of the emitter's crystals of the given diameters."""
    d = np.asarray(diameter_nm, dtype=float)
    if emitter.peak_nm is not None:
        return np.full_like(d, HC_EV_NM / emitter.peak_nm)
    if emitter.material == "PbS":
        return np.asarray(pbs_peak_from_diameter(d, "eV"), dtype=float)
    return np.asarray(cspbbr3_peak_from_diameter(d, "eV"), dtype=float)


def _size_nodes(emitter: Emitter) -> tuple[np.ndarray, np.ndarray]:
    """Diameters and normalised weights of the Gauss–Hermite quadrature of the size spread."""
    if emitter.size_spread == 0 or emitter.peak_nm is not None:
        return np.array([emitter.diameter_nm]), np.array([1.0])
    x, w = np.polynomial.hermite_e.hermegauss(_N_QUADRATURE)
    d = emitter.diameter_nm * (1.0 + emitter.size_spread * x)
    keep = d > 0.2 * emitter.diameter_nm
    return d[keep], w[keep] / w[keep].sum()


def _gauss(e: np.ndarray, centre: np.ndarray, fwhm_ev: float) -> np.ndarray:
    """Unit-height Gaussians, shape ``(len(e), len(centre))``."""
    return gaussian_peak(e[:, None], centre[None, :], fwhm_ev)


def _line_width_ev(emitter: Emitter) -> float:
    return 1e-3 * float(np.hypot(emitter.homogeneous_fwhm_mev, emitter.inhomogeneous_fwhm_mev))


def _absorbance(emitter: Emitter, energy_ev: np.ndarray) -> np.ndarray:
    """Absorbance of one ensemble on the energy grid (OD)."""
    d, w = _size_nodes(emitter)
    e_x = exciton_peak_ev(emitter, d)
    vol = w * d**3 / np.sum(w * d**3)
    width = _line_width_ev(emitter)
    # first-exciton band: number-weighted, so that its maximum sits at the sizing curve's energy
    # of the mean diameter (Moreels 2009 relates the ensemble peak to the TEM mean size; any
    # size dependence of the oscillator strength is inside that calibration)
    exciton = _gauss(energy_ev, e_x, width) @ w
    onset = e_x + 1e-3 * emitter.continuum_offset_mev
    cont = 0.5 * (1 + erf((energy_ev[:, None] - onset[None, :]) / (2 * fwhm_to_sigma(width))))
    continuum = cont @ vol
    # the exciton band's own maximum, on a grid of its own (never the caller's grid: the
    # absorbance at one wavelength must equal that of a full spectrum at the same wavelength)
    own = np.linspace(e_x.min() - 3 * width, e_x.max() + 3 * width, 2001)
    peak = float(np.max(_gauss(own, e_x, width) @ w))
    return emitter.absorbance * (exciton / peak + emitter.continuum_ratio * continuum)


def _emission_shape(emitter: Emitter, energy_ev: np.ndarray) -> np.ndarray:
    """Emission per unit energy of one ensemble, unit area over ALL energies.

    The area is that of the whole band (an analytic sum of unit-area Gaussians), not of the
    part inside the simulated window: a window that holds only the far tail of a band sees
    only that tail's few counts (a band normalised within each window would turn a tail into
    a fake peak at the window's edge).
    """
    d, w = _size_nodes(emitter)
    e_em = exciton_peak_ev(emitter, d) - 1e-3 * emitter.stokes_shift_mev
    width = _line_width_ev(emitter)
    unit_area = float(fwhm_to_sigma(width)) * np.sqrt(2.0 * np.pi)
    return (_gauss(energy_ev, e_em, width) @ w) / unit_area


def absorbed_fractions(absorbances: dict[str, float]) -> dict[str, float]:
    """Fraction of the incident light absorbed by each component of a mixture.

    f_i = (A_i/A_tot)(1 − 10^(−A_tot)) (Beer–Lambert for a mixture; spec P-21), so the
    fractions add up to the absorptance of the total absorbance that an absorption
    measurement of the same sample shows.
    """
    total = float(sum(absorbances.values()))
    if total <= 0:
        return dict.fromkeys(absorbances, 0.0)
    absorbed = 1.0 - 10.0 ** (-total)
    return {k: a / total * absorbed for k, a in absorbances.items()}


def absorbance_at(emitter: Emitter, wavelength_nm: float) -> float:
    """Absorbance (OD) of one ensemble at ``wavelength_nm``."""
    e = np.array([HC_EV_NM / positive("wavelength_nm", wavelength_nm)])
    return float(_absorbance(emitter, e)[0])


def _check_emitters(emitters: list[Emitter]) -> None:
    if not emitters:
        raise ParameterError("at least one emitter is required")
    names = [e.name for e in emitters]
    if len(set(names)) != len(names):
        raise ParameterError(f"emitter names must be unique, got {names}")
    for e in emitters:
        e.validate()


def _spectrum_array(values: np.ndarray, wl: np.ndarray, name: str, units: str) -> xr.DataArray:
    da = simulated_array(values, {"wavelength": (wl, "nm")}, name=name, units=units)
    return da


def _emitter_truth(emitter: Emitter) -> dict[str, Any]:
    mean_peak = float(exciton_peak_ev(emitter, emitter.diameter_nm))
    d, w = _size_nodes(emitter)
    e = exciton_peak_ev(emitter, d)
    inhom = sigma_to_fwhm(float(np.sqrt(np.sum(w * (e - np.sum(w * e)) ** 2))))
    return {
        "material": emitter.material,
        "diameter_nm": emitter.diameter_nm,
        "size_spread": emitter.size_spread,
        "absorption_peak_ev": mean_peak,
        "absorption_peak_nm": HC_EV_NM / mean_peak,
        "emission_peak_nm": HC_EV_NM / (mean_peak - 1e-3 * emitter.stokes_shift_mev),
        "inhomogeneous_fwhm_mev_from_sizes": float(1e3 * inhom),
        "plqy": emitter.plqy,
    }


def simulate_absorption(
    wavelength_nm: ArrayLike,
    emitters: list[Emitter],
    *,
    noise_od: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Absorbance spectrum (OD) of a mixture of nanocrystal ensembles, optional white noise.

    Returns
    -------
    (xarray.DataArray, dict)
        ``absorbance`` with dims ``("wavelength",)`` (nm) and the per-emitter truth (mean
        exciton peak from the sizing model, inhomogeneous width implied by the size spread).
    """
    wl = float_vector("wavelength_nm", wavelength_nm, positive_only=True)
    _check_emitters(emitters)
    energy = HC_EV_NM / wl
    total = sum(_absorbance(e, energy) for e in emitters)
    noise = positive("noise_od", noise_od, allow_zero=True)
    if noise > 0:
        total = total + rng_from_seed(seed).normal(0.0, noise, size=total.shape)
    da = _spectrum_array(np.asarray(total), wl, "absorbance", "OD")
    truth = {
        "kind": "spectrum.absorption",
        "emitters": {e.name: _emitter_truth(e) for e in emitters},
    }
    return da, truth


def simulate_pl(
    wavelength_nm: ArrayLike,
    emitters: list[Emitter],
    *,
    excitation_nm: float,
    transfer: EnergyTransfer | None = None,
    total_counts: float = 1e6,
    noise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Photoluminescence spectrum (counts per wavelength bin) of a nanocrystal mixture.

    Photons emitted by component ``i`` ∝ (absorbed fraction at the excitation,
    :func:`absorbed_fractions` of the same absorbances :func:`simulate_absorption` gives) ×
    PLQY; with a donor–acceptor ``transfer`` the donor keeps (1 − η) and the acceptor gains
    η × the donor's absorbed excitations × its PLQY. ``total_counts`` is the expected number
    of detected photons over the WHOLE emission (all wavelengths), so spectra of the same
    sample taken on different wavelength windows share one scale; the window holds its share
    of it (``truth["window_fraction"]``). Counts are Poisson-sampled.

    Returns
    -------
    (xarray.DataArray, dict)
        ``intensity`` (counts) with dims ``("wavelength",)`` and truth: per-emitter peaks,
        relative photon yields, ``eta_transfer``.
    """
    wl = float_vector("wavelength_nm", wavelength_nm, positive_only=True)
    if wl.size < 2:
        raise ParameterError("the PL wavelength grid needs at least 2 points")
    _check_emitters(emitters)
    a_exc = {e.name: absorbance_at(e, excitation_nm) for e in emitters}
    absorbed = absorbed_fractions(a_exc)
    yields = {e.name: absorbed[e.name] * e.plqy for e in emitters}
    eta = 0.0
    if transfer is not None:
        by_name = {e.name: e for e in emitters}
        for role in (transfer.donor, transfer.acceptor):
            if role not in by_name:
                raise ParameterError(f"transfer names {role!r}, not one of {sorted(by_name)}")
        eta = transfer_efficiency(transfer.k_et_per_s, transfer.tau0_s)
        yields[transfer.donor] *= 1.0 - eta
        yields[transfer.acceptor] += (
            eta * absorbed[transfer.donor] * by_name[transfer.acceptor].plqy
        )
    energy = HC_EV_NM / wl
    per_nm = np.zeros_like(wl)
    for e in emitters:
        # density per unit wavelength: I(λ) = I(E) |dE/dλ| = I(E) E² / hc
        per_nm = per_nm + yields[e.name] * _emission_shape(e, energy) * energy**2 / HC_EV_NM
    bin_nm = np.abs(np.gradient(wl))
    total_yield = sum(yields.values())
    if total_yield <= 0:
        raise ParameterError("no emission (all PLQY 0 or nothing absorbed)")
    expected = positive("total_counts", total_counts) * per_nm * bin_nm / total_yield
    counts = noisy_counts(expected, noise=noise, seed=seed)
    da = _spectrum_array(counts, wl, "intensity", "counts")
    da.attrs["excitation_nm"] = float(excitation_nm)
    truth = {
        "kind": "spectrum.pl",
        "excitation_nm": float(excitation_nm),
        "eta_transfer": eta,
        "photon_fraction": {k: v / total_yield for k, v in yields.items()},
        "absorbance_at_excitation": a_exc,
        "absorbed_fraction": absorbed,
        "total_counts_all_wavelengths": float(total_counts),
        "window_fraction": float(expected.sum() / total_counts),
        "emitters": {e.name: _emitter_truth(e) for e in emitters},
    }
    return da, truth
