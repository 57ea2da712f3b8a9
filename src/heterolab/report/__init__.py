"""Figures and reports (imports matplotlib; never imported by ``import heterolab``)."""
