"""Powder X-ray diffraction."""
