"""Transient absorption: preprocessing, SVD, single-wavelength kinetics, global and target analysis."""
