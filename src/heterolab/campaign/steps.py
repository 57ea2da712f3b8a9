"""Campaign adapters for analyses whose public function takes objects a campaign file cannot
write (component lists, model objects): each builds them from plain options and calls the
public function. Nothing here computes anything itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import xarray as xr

    from heterolab.result import Result

__all__ = ["xps_pb4f"]


def xps_pb4f(
    spectrum: xr.DataArray,
    *,
    pb_br: float = 137.83,
    pb_s: float = 137.42,
    shape: str = "voigt",
    window: tuple[float, float] | None = None,
    background_kind: str = "shirley",
) -> Result:
    """The thesis's Pb 4f model (Pb-Br and Pb-S doublets, linked splitting and area ratio)
    fitted with :func:`heterolab.structure.xps.fit.fit_xps`.

    Parameters
    ----------
    spectrum
        Pb 4f region, binding energy (eV).
    pb_br, pb_s
        Start positions of the Pb-Br and Pb-S 4f7/2 lines (eV; thesis Fig. 3-9).
    shape, window, background_kind
        As :func:`~heterolab.structure.xps.series.pb4f_components` and
        :func:`~heterolab.structure.xps.fit.fit_xps`.
    """
    from heterolab.structure.xps.fit import fit_xps
    from heterolab.structure.xps.series import pb4f_components

    return fit_xps(
        spectrum,
        pb4f_components(pb_br, pb_s, shape=shape),
        window=window,
        background_kind=background_kind,
    )
