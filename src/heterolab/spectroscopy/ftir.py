"""FT-IR: baseline, peak list and assignment against the ligands of the thesis.

Band table: ``heterolab/reference/ftir_ligands.toml`` (group frequencies from Socrates,
Infrared and Raman Characteristic Group Frequencies, 3rd ed. (2001); carboxylate binding
modes from Deacon & Phillips, Coord. Chem. Rev. 33, 227 (1980)).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.reference import load_table
from heterolab.result import Quantity, Result, make_provenance
from heterolab.spectroscopy.peakfit import subtract_baseline
from heterolab.spectroscopy.spectra import spectral_axis

__all__ = ["assign_bands", "ftir_peaks", "ligand_bands"]


def ligand_bands(ligands: Sequence[str] | None = None) -> list[dict[str, object]]:
    """Rows of the ligand band table, optionally only for ligands whose name contains one of
    ``ligands`` (case-insensitive)."""
    rows = load_table("ftir_ligands")["rows"]
    if ligands is None:
        return list(rows)
    want = [w.lower() for w in ligands]
    out = [r for r in rows if any(w in str(r["ligand"]).lower() for w in want)]
    if not out:
        names = sorted({str(r["ligand"]) for r in rows})
        raise ParameterError(f"no bands for ligands {list(ligands)}; known: {', '.join(names)}")
    return out


def assign_bands(
    positions: Sequence[float], *, ligands: Sequence[str] | None = None, tolerance: float = 10.0
) -> dict[float, list[str]]:
    """Candidate assignments of peak positions [cm⁻¹]: every table band whose range, widened by
    ``tolerance`` cm⁻¹, contains the position."""
    rows = ligand_bands(ligands)
    return {
        float(p): [
            f"{r['ligand']}: {r['assignment']} ({r['low']}-{r['high']} cm-1, {r['reference']})"
            for r in rows
            if float(r["low"]) - tolerance <= p <= float(r["high"]) + tolerance
        ]
        for p in positions
    }


def ftir_peaks(
    spectrum: xr.DataArray,
    *,
    baseline: str = "asls",
    prominence_fraction: float = 0.05,
    ligands: Sequence[str] | None = None,
    tolerance: float = 10.0,
    baseline_options: dict[str, float] | None = None,
) -> Result:
    """Baseline-corrected FT-IR absorbance peaks and their candidate ligand assignments.

    The spectrum (over ``wavenumber`` [cm⁻¹]; transmittance in % is converted to absorbance
    −log10(T/100)) has a pybaselines baseline subtracted; peaks are local maxima with
    prominence ≥ ``prominence_fraction`` × the largest corrected band.
    """
    from scipy.signal import find_peaks

    if spectral_axis(spectrum) != "wavenumber":
        raise ParameterError("FT-IR spectra must be on a 'wavenumber' axis [cm^-1]")
    if spectrum.size < 10 or not np.all(np.isfinite(spectrum.values)):
        raise ParameterError(
            f"an FT-IR spectrum needs at least 10 finite points, got {spectrum.size} points "
            f"({int(np.sum(~np.isfinite(spectrum.values)))} not finite)"
        )
    s = spectrum
    if s.attrs.get("units") == "%":
        s = s.copy(data=-np.log10(np.clip(s.values, 1e-6, None) / 100.0))
        s.attrs["units"] = "OD"
    corrected, base = subtract_baseline(s, baseline, **(baseline_options or {}))
    y = corrected.values
    idx, _ = find_peaks(y, prominence=prominence_fraction * float(np.max(y)))
    x = corrected["wavenumber"].values
    positions = [float(x[i]) for i in idx]
    res = Result(
        kind="spectrum.ftir",
        provenance=make_provenance(
            [],
            {"baseline": baseline, "prominence_fraction": prominence_fraction, "ligands": ligands},
        ),
    )
    assignments = assign_bands(positions, ligands=ligands, tolerance=tolerance)
    for k, (p, i) in enumerate(zip(positions, idx, strict=True)):
        res.parameters[f"peak_{k}"] = Quantity(p, None, "1/cm")
        res.derived[f"peak_{k}_height"] = Quantity(float(y[i]), None, s.attrs.get("units", "OD"))
    res.statistics["assignments"] = {f"{p:.0f}": a for p, a in assignments.items()}
    res.statistics["unassigned"] = [f"{p:.0f}" for p, a in assignments.items() if not a]
    res.curves["data"] = s
    res.curves["baseline"] = base
    return res
