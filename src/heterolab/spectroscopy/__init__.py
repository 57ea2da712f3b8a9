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
