"""What a photoemission file holds: regions, energy ranges, steps and counts (``xps.read``)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from heterolab.result import Quantity, Result

__all__ = ["describe_spectra"]


def describe_spectra(spectra: Mapping[str, xr.DataArray]) -> Result:
    """One row per spectrum: binding-energy range and step (eV), points, maximum, photon
    energy and charge shift applied; the spectra are kept as curves for the figure."""
    res = Result(kind="xps.read")
    rows = []
    for name, s in spectra.items():
        e = np.asarray(s["binding_energy"].values, dtype=float)
        y = np.asarray(s.values, dtype=float)
        rows.append(
            {
                "name": name,
                "be_min": float(e.min()),
                "be_max": float(e.max()),
                "step": float(np.median(np.abs(np.diff(e)))) if e.size > 1 else float("nan"),
                "points": int(e.size),
                "max_counts": float(y.max()),
                "be_at_max": float(e[int(np.argmax(y))]),
                "photon_energy": float(s.attrs.get("photon_energy", float("nan"))),
                "charge_shift": float(s.attrs.get("charge_shift_ev", 0.0)),
            }
        )
        res.derived[f"{name}:be_at_max"] = Quantity(rows[-1]["be_at_max"], None, "eV")
        res.curves[name] = s
    res.statistics["regions"] = rows
    return res
