"""Steady-state optical spectroscopy of nanocrystal heterostructures (issue #4).

Modules (each imports numpy/scipy/xarray only when imported itself):

- :mod:`~heterolab.spectroscopy.spectra` — Jacobian axis conversion, peak maximum, FWHM, areas,
  Stokes shift, second-derivative (excitonic) peaks, detector-response correction.
- :mod:`~heterolab.spectroscopy.peakfit` — multi-peak decomposition (Gaussian, Voigt,
  bi-Gaussian) on fitted or pybaselines baselines.
- :mod:`~heterolab.spectroscopy.absorption` — absorption coefficient, Tauc gap, Urbach energy,
  Elliott fit.
- :mod:`~heterolab.spectroscopy.plqy` — absolute (de Mello 1997) and relative PLQY, partition of
  a heterostructure's PLQY (thesis §3.2).
- :mod:`~heterolab.spectroscopy.transfer` — carrier-transfer efficiency and collection factor
  for any table (thesis Table 3-1 itself: :mod:`heterolab.thesis.table_3_1`).
- :mod:`~heterolab.spectroscopy.ups` — UPS cutoff and VBM onset, band alignment.
- :mod:`~heterolab.spectroscopy.temperature` — T-dependent PL fits, peaks appearing on cooling.
- :mod:`~heterolab.spectroscopy.intensity` — power law, trap-filling trap density, SRH check.
- :mod:`~heterolab.spectroscopy.stability` — retention, T80/T50.
- :mod:`~heterolab.spectroscopy.forster` — spectral overlap, Förster radius and efficiency.
- :mod:`~heterolab.spectroscopy.sizes` — PbS / CsPbBr3 sizes from exciton peaks.
- :mod:`~heterolab.spectroscopy.ftir` — FT-IR peaks and ligand-band assignment.
"""

from __future__ import annotations

from heterolab._lazy import lazy_api

_LAZY = {
    "PEAK_SHAPES": "heterolab.spectroscopy.peakfit",
    "TABLE_COLUMNS": "heterolab.spectroscopy.transfer",
    "TEMPERATURE_MODELS": "heterolab.spectroscopy.temperature",
    "absorbed_fractions": "heterolab.spectroscopy.transfer",
    "absorptance": "heterolab.spectroscopy.absorption",
    "absorption_coefficient": "heterolab.spectroscopy.absorption",
    "analyze_peak": "heterolab.spectroscopy.spectra",
    "arrhenius_intensity": "heterolab.spectroscopy.temperature",
    "assign_bands": "heterolab.spectroscopy.ftir",
    "axis_to_ev": "heterolab.spectroscopy.spectra",
    "band_alignment": "heterolab.spectroscopy.ups",
    "band_alignment_from_materials": "heterolab.spectroscopy.ups",
    "bigaussian": "heterolab.spectroscopy.peakfit",
    "bose_einstein_gap": "heterolab.spectroscopy.temperature",
    "carrier_density_per_pulse": "heterolab.spectroscopy.intensity",
    "collection_factor": "heterolab.spectroscopy.transfer",
    "collection_factor_from_reference": "heterolab.spectroscopy.transfer",
    "correct_response": "heterolab.spectroscopy.spectra",
    "cspbbr3_size_from_peak": "heterolab.spectroscopy.sizes",
    "de_mello_plqy": "heterolab.spectroscopy.plqy",
    "detect_new_peaks": "heterolab.spectroscopy.temperature",
    "edge_onset": "heterolab.spectroscopy.ups",
    "elliott_absorption": "heterolab.spectroscopy.absorption",
    "elliott_fit": "heterolab.spectroscopy.absorption",
    "excitonic_peak": "heterolab.spectroscopy.spectra",
    "fit_peaks": "heterolab.spectroscopy.peakfit",
    "fit_temperature_dependence": "heterolab.spectroscopy.temperature",
    "fit_trap_density": "heterolab.spectroscopy.intensity",
    "forster_efficiency": "heterolab.spectroscopy.forster",
    "forster_radius_nm": "heterolab.spectroscopy.forster",
    "forster_rate": "heterolab.spectroscopy.forster",
    "ftir_peaks": "heterolab.spectroscopy.ftir",
    "fwhm": "heterolab.spectroscopy.spectra",
    "integrate": "heterolab.spectroscopy.spectra",
    "ligand_bands": "heterolab.spectroscopy.ftir",
    "linewidth_phonon": "heterolab.spectroscopy.temperature",
    "material_levels": "heterolab.spectroscopy.ups",
    "material_levels_from_files": "heterolab.spectroscopy.ups",
    "noise_sigma": "heterolab.spectroscopy.spectra",
    "pbs_size_from_absorption": "heterolab.spectroscopy.sizes",
    "peak_maximum": "heterolab.spectroscopy.spectra",
    "photon_area": "heterolab.spectroscopy.plqy",
    "plqy_absolute": "heterolab.spectroscopy.plqy",
    "plqy_partition": "heterolab.spectroscopy.plqy",
    "plqy_relative": "heterolab.spectroscopy.plqy",
    "power_law_fit": "heterolab.spectroscopy.intensity",
    "read_temperature_series": "heterolab.io.spectra",
    "read_transfer_table": "heterolab.io.spectra",
    "retention_series": "heterolab.spectroscopy.stability",
    "second_derivative": "heterolab.spectroscopy.spectra",
    "second_derivative_minima": "heterolab.spectroscopy.spectra",
    "secondary_electron_cutoff": "heterolab.spectroscopy.ups",
    "spectral_axis": "heterolab.spectroscopy.spectra",
    "spectral_overlap": "heterolab.spectroscopy.forster",
    "srh_consistency": "heterolab.spectroscopy.intensity",
    "stokes_shift_mev": "heterolab.spectroscopy.spectra",
    "subtract_baseline": "heterolab.spectroscopy.peakfit",
    "tauc_gap": "heterolab.spectroscopy.absorption",
    "temperature_series": "heterolab.spectroscopy.temperature",
    "thermal_expansion_phonon_gap": "heterolab.spectroscopy.temperature",
    "time_to_fraction": "heterolab.spectroscopy.stability",
    "to_energy": "heterolab.spectroscopy.spectra",
    "to_wavelength": "heterolab.spectroscopy.spectra",
    "transfer_efficiency": "heterolab.spectroscopy.transfer",
    "transfer_table_analysis": "heterolab.spectroscopy.transfer",
    "trap_filling_steady_state": "heterolab.spectroscopy.intensity",
    "urbach_energy": "heterolab.spectroscopy.absorption",
    "valence_band_onset": "heterolab.spectroscopy.ups",
    "varshni_gap": "heterolab.spectroscopy.temperature",
    "wavelength_quantity": "heterolab.spectroscopy.spectra",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_api(__name__, _LAZY)
