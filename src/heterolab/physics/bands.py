"""Band edges on the vacuum scale, band offsets and heterojunction type (spec P-45, P-46).

Pure functions, energies in eV with the vacuum level at 0 (levels below it are negative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from heterolab.errors import ParameterError

__all__ = [
    "HE_II_EV",
    "HE_I_EV",
    "OFFSET_CONVENTION",
    "BandEdges",
    "band_offsets",
    "carrier_destinations",
    "edges_from_ups",
    "heterojunction_type",
]

HE_I_EV = 21.22  #: He I photon energy [eV]
HE_II_EV = 40.81  #: He II photon energy [eV]
#: The one sign convention of band offsets in heterolab (:func:`band_offsets`).
OFFSET_CONVENTION = (
    "vacuum scale (eV, levels below vacuum negative); signed offsets "
    "conduction_band_offset = CBM_B - CBM_A, valence_band_offset = VBM_B - VBM_A"
)


@dataclass(frozen=True)
class BandEdges:
    """Band edges of one material on the vacuum scale [eV].

    Parameters
    ----------
    name
        Material label.
    vbm, cbm
        Valence-band maximum and conduction-band minimum [eV vs vacuum], cbm > vbm.
    fermi
        Fermi level [eV vs vacuum] (``nan`` if unknown).
    """

    name: str
    vbm: float
    cbm: float
    fermi: float = math.nan

    def __post_init__(self) -> None:
        if not (math.isfinite(self.vbm) and math.isfinite(self.cbm)) or self.cbm <= self.vbm:
            raise ParameterError(
                f"{self.name}: need finite CBM > VBM, got VBM {self.vbm} eV, CBM {self.cbm} eV"
            )

    @property
    def gap(self) -> float:
        """Band gap E_CBM − E_VBM [eV]."""
        return self.cbm - self.vbm

    @property
    def ionization_energy(self) -> float:
        """IE = −E_VBM [eV]."""
        return -self.vbm

    @property
    def electron_affinity(self) -> float:
        """χ = −E_CBM [eV]."""
        return -self.cbm

    @property
    def fermi_position(self) -> float:
        """(E_F − E_VBM)/E_g: > 0.5 n-type, < 0.5 p-type (spec P-46 doping indicator)."""
        return (self.fermi - self.vbm) / self.gap


def edges_from_ups(
    name: str,
    work_function: float,
    vbm_below_fermi: float,
    gap: float,
    *,
    exciton_binding: float = 0.0,
) -> BandEdges:
    """Band edges from UPS and the optical gap (spec P-45/P-46).

    IE = φ + (E_F − E_VBM); E_VBM = −IE; E_CBM = E_VBM + E_g (+ E_b to turn an optical into a
    transport gap); E_F = −φ. Thesis §4.3.2, Fig. 4-9.

    Parameters
    ----------
    work_function
        φ [eV] (from the secondary-electron cutoff).
    vbm_below_fermi
        E_F − E_VBM [eV] (leading-edge onset on the binding-energy scale).
    gap
        Optical gap [eV] (e.g. Tauc).
    exciton_binding
        Added to the gap when a transport gap is wanted [eV].
    """
    bad = {k: v for k, v in {"work_function": work_function, "gap": gap}.items() if not v > 0}
    if bad or not math.isfinite(vbm_below_fermi):
        raise ParameterError(
            f"{name}: work function and gap must be > 0 and E_F-E_VBM finite: {bad}"
        )
    vbm = -(work_function + vbm_below_fermi)
    return BandEdges(name, vbm, vbm + gap + exciton_binding, -work_function)


def band_offsets(a: BandEdges, b: BandEdges) -> tuple[float, float]:
    """Signed offsets ΔE_C = E_CBM,B − E_CBM,A and ΔE_V = E_VBM,B − E_VBM,A [eV].

    Positive when B's edge lies above A's on the vacuum scale (:data:`OFFSET_CONVENTION`);
    swapping A and B flips both signs.
    """
    return b.cbm - a.cbm, b.vbm - a.vbm


def heterojunction_type(a: BandEdges, b: BandEdges, *, quasi_threshold: float = 0.1) -> str:
    """Heterojunction type of (A, B) (spec P-46; Kroemer's classification).

    ``"type III"`` broken gap (one CBM below the other's VBM); ``"type I"`` straddling (one gap
    nested in the other); otherwise ``"type II"`` staggered, ``"quasi-type II"`` when the smaller
    offset is below ``quasi_threshold`` [eV].
    """
    if b.cbm < a.vbm or a.cbm < b.vbm:
        return "type III"
    if (b.vbm >= a.vbm and b.cbm <= a.cbm) or (a.vbm >= b.vbm and a.cbm <= b.cbm):
        return "type I"
    dc, dv = band_offsets(a, b)
    return "quasi-type II" if min(abs(dc), abs(dv)) < quasi_threshold else "type II"


def carrier_destinations(a: BandEdges, b: BandEdges) -> tuple[str, str]:
    """Where electrons (lower CBM) and holes (higher VBM) collect: ``(electron_side, hole_side)``."""
    return (a.name if a.cbm <= b.cbm else b.name), (a.name if a.vbm >= b.vbm else b.name)
