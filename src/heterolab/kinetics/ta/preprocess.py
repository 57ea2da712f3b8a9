"""TA pre-processing: background, masking, region selection, chirp, SVD (physics.md P-35, P-37).

All functions take and return DataArrays with dims ``time`` (ps) and ``wavelength`` (nm);
they never change the data silently — every cut or correction is an explicit argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from heterolab.choices import as_choice
from heterolab.errors import ParameterError
from heterolab.io.ta import read_chirp_file
from heterolab.kinetics.ta.choices import ChirpMethod
from heterolab.kinetics.ta.model import (
    DISPERSION_CENTER_NM,
    DISPERSION_SCALE_NM,
    Chirp,
    chirp_x,
)
from heterolab.result import Quantity, Result, make_provenance

__all__ = [
    "ChirpMethod",
    "as_chirp",
    "chirp_delay",
    "chirp_from_result",
    "correct_chirp",
    "estimate_chirp",
    "filter_outliers",
    "mask_wavelengths",
    "read_chirp_file",
    "select_region",
    "subtract_background",
    "svd_analysis",
]


def _check(da: xr.DataArray) -> None:
    if not isinstance(da, xr.DataArray) or set(da.dims) != {"time", "wavelength"}:
        raise ParameterError(
            f"expected a DataArray with dims ('time', 'wavelength'), got {getattr(da, 'dims', type(da))}"
        )


def subtract_background(da: xr.DataArray, before: float = -0.5) -> xr.DataArray:
    """Subtract the mean signal at delays < ``before`` (ps) from every wavelength.

    Removes pump-induced offsets and scattered light present before time zero (P-35).

    Raises
    ------
    ParameterError
        If no delay is earlier than ``before``.
    """
    _check(da)
    pre = da.sel(time=da["time"] < before)
    if pre.sizes["time"] == 0:
        raise ParameterError(
            f"no delay before {before} ps (earliest is {float(da['time'].min()):g} ps) to estimate the background"
        )
    out = da - pre.mean("time", skipna=True)
    out.attrs = dict(da.attrs)
    return out


def mask_wavelengths(da: xr.DataArray, ranges: Sequence[tuple[float, float]]) -> xr.DataArray:
    """Drop wavelength columns inside any ``(lo, hi)`` range (nm): pump scatter, bad pixels."""
    _check(da)
    wl = da["wavelength"].values
    keep = np.ones(wl.size, bool)
    for lo, hi in ranges:
        keep &= ~((wl >= min(lo, hi)) & (wl <= max(lo, hi)))
    if not keep.any():
        raise ParameterError(f"masking {list(ranges)} nm removes every wavelength")
    return da.isel(wavelength=np.flatnonzero(keep))


def filter_outliers(da: xr.DataArray, max_abs: float) -> xr.DataArray:
    """Set points with |ΔOD| > ``max_abs`` (same unit as the data) to NaN (zero weight in fits)."""
    _check(da)
    if not max_abs > 0:
        raise ParameterError(f"max_abs must be > 0, got {max_abs}")
    out = da.where(np.abs(da) <= max_abs)
    out.attrs = dict(da.attrs)
    return out


def select_region(
    da: xr.DataArray,
    time: tuple[float, float] | None = None,
    wavelength: tuple[float, float] | None = None,
) -> xr.DataArray:
    """Keep delays within ``time`` (ps) and wavelengths within ``wavelength`` (nm), inclusive."""
    _check(da)
    out = da
    if time is not None:
        out = out.sel(time=(out["time"] >= min(time)) & (out["time"] <= max(time)))
    if wavelength is not None:
        out = out.sel(
            wavelength=(out["wavelength"] >= min(wavelength))
            & (out["wavelength"] <= max(wavelength))
        )
    if out.sizes["time"] < 2 or out.sizes["wavelength"] < 1:
        raise ParameterError(
            f"region time={time} ps, wavelength={wavelength} nm leaves {dict(out.sizes)} points"
        )
    return out


# ---------------------------------------------------------------------------- chirp
def chirp_delay(
    coefficients: Sequence[float] | np.ndarray | Chirp, wavelength: np.ndarray
) -> np.ndarray:
    """Time zero (ps) at each wavelength (nm): a :class:`Chirp`, or numpy.polyval coefficients
    in nm (the convention of KiMoPack's chirp files)."""
    return as_chirp(coefficients).delay(np.asarray(wavelength, float))


def as_chirp(chirp: Sequence[float] | np.ndarray | Chirp) -> Chirp:
    """A :class:`Chirp` as is; a sequence of numbers read as KiMoPack polyval coefficients."""
    if isinstance(chirp, Chirp):
        return chirp
    coeffs = np.asarray(chirp, float)
    if coeffs.ndim != 1 or coeffs.size == 0 or not np.all(np.isfinite(coeffs)):
        raise ParameterError(
            f"chirp must be a Chirp or finite numpy.polyval coefficients (ps, λ in nm), got {chirp!r}"
        )
    return Chirp.from_polyval(list(coeffs))


def estimate_chirp(
    da: xr.DataArray,
    order: int = 3,
    fraction: float = 0.5,
    window: tuple[float, float] | None = None,
    min_signal: float = 0.2,
    method: ChirpMethod | str = "slope",
    reference: float = DISPERSION_CENTER_NM,
) -> Result:
    """Time zero against wavelength from the signal onset, fitted by a polynomial (P-35).

    At each wavelength the onset is, for ``method="slope"`` (default), the delay of the
    steepest rise of |ΔOD| within ``window`` (the centre of an IRF-convolved step, refined by
    a parabola through the smoothed derivative), or for ``method="level"`` the first delay
    where |ΔOD| reaches ``fraction`` of its maximum in the window. Only
    wavelengths whose maximum |ΔOD| exceeds ``min_signal`` x the global maximum are used; the
    polynomial of degree ``order`` in wavelength is fitted with two passes of 3-sigma (MAD) outlier
    rejection. (Onset/coherent-artefact based group-velocity-dispersion estimation, e.g.
    Megerle et al., Appl. Phys. B 96, 215 (2009).)

    The polynomial is fitted in heterolab's one chirp convention
    (:class:`~heterolab.kinetics.ta.model.Chirp`: ``t0 + Σ d_i ((λ - reference)/100 nm)^i``,
    reference 550 nm), the basis of a fit's IRF dispersion, so :func:`chirp_from_result`
    starts a fit from it unchanged.

    Returns
    -------
    Result
        kind ``"ta.chirp"``; parameters ``t0`` (ps at ``reference``), ``d1 … d<order>`` (ps),
        and the same curve as ``c0 … c<order>`` (numpy.polyval order in nm, ps/nm^k: a
        KiMoPack chirp file); derived ``t0_min``/``t0_max`` (ps); curves ``onset`` and
        ``polynomial`` against wavelength.
    """
    _check(da)
    d = da.transpose("wavelength", "time")
    t = d["time"].values
    lo, hi = (
        window
        if window is not None
        else (t.min(), min(t.max(), t.min() + 0.25 * (t.max() - t.min())))
    )
    sel = (t >= lo) & (t <= hi)
    method = as_choice(ChirpMethod, method, "method").value
    if sel.sum() < 3:
        raise ParameterError(f"chirp window {lo}..{hi} ps holds fewer than 3 delays")
    tw = t[sel]
    y = np.abs(np.nan_to_num(d.values[:, sel]))
    peak = y.max(axis=1)
    good = peak > min_signal * peak.max()
    onset = np.full(y.shape[0], np.nan)
    if method == "slope":
        grad = np.gradient(y, tw, axis=1)
        grad = (np.roll(grad, 1, axis=1) + grad + np.roll(grad, -1, axis=1)) / 3.0
        for i in np.flatnonzero(good):
            j = int(np.clip(np.argmax(grad[i, 1:-1]) + 1, 1, tw.size - 2))
            g0, g1, g2 = grad[i, j - 1 : j + 2]
            den = g0 - 2 * g1 + g2
            frac = 0.5 * (g0 - g2) / den if den < 0 else 0.0
            onset[i] = tw[j] + np.clip(frac, -1, 1) * 0.5 * (
                tw[min(j + 1, tw.size - 1)] - tw[j - 1]
            )
    else:
        for i in np.flatnonzero(good):
            level = fraction * peak[i]
            j = int(np.argmax(y[i] >= level))
            if j == 0:
                onset[i] = tw[0]
                continue
            y0, y1 = y[i, j - 1], y[i, j]
            onset[i] = tw[j - 1] + (level - y0) / (y1 - y0) * (tw[j] - tw[j - 1])
    wl = d["wavelength"].values
    ok = np.isfinite(onset)
    if ok.sum() <= order + 1:
        raise ParameterError(
            f"only {ok.sum()} wavelengths carry enough signal to fit a degree-{order} chirp polynomial"
        )
    x = chirp_x(wl, reference, DISPERSION_SCALE_NM)
    use = ok.copy()
    for _ in range(2):
        coef = np.polynomial.polynomial.polyfit(x[use], onset[use], order)
        resid = onset - np.polynomial.polynomial.polyval(x, coef)
        s = 1.4826 * np.median(np.abs(resid[use] - np.median(resid[use])))  # robust (MAD)
        use = ok & (np.abs(resid) <= 3 * s + 1e-12)
    coef = np.polynomial.polynomial.polyfit(x[use], onset[use], order)
    chirp = Chirp(float(coef[0]), tuple(float(c) for c in coef[1:]), reference)
    poly = chirp.delay(wl)
    params = {"t0": Quantity(chirp.t0, None, "ps")}
    params.update({f"d{i + 1}": Quantity(d, None, "ps") for i, d in enumerate(chirp.dispersion)})
    params.update(
        {
            f"c{k}": Quantity(float(c), None, f"ps/nm^{order - k}")
            for k, c in enumerate(chirp.polyval())
        }
    )
    res = Result(
        "ta.chirp",
        parameters=params,
        derived={
            "t0_min": Quantity(float(poly.min()), None, "ps"),
            "t0_max": Quantity(float(poly.max()), None, "ps"),
        },
        statistics={
            "n_wavelengths_used": int(use.sum()),
            "rms_onset_residual_ps": float(np.sqrt(np.mean((onset[use] - poly[use]) ** 2))),
            "reference_nm": reference,
            "scale_nm": DISPERSION_SCALE_NM,
        },
        provenance=make_provenance(
            (),
            {
                "order": order,
                "fraction": fraction,
                "window": [float(lo), float(hi)],
                "method": method,
                "reference_nm": reference,
            },
        ),
        warnings=list(da.attrs.get("warnings", [])),
    )
    res.curves["onset"] = xr.DataArray(
        onset, dims="wavelength", coords={"wavelength": wl}, attrs={"units": "ps"}
    )
    res.curves["polynomial"] = xr.DataArray(
        poly, dims="wavelength", coords={"wavelength": wl}, attrs={"units": "ps"}
    )
    near = (da["time"] >= float(poly.min()) - 2.0) & (da["time"] <= float(poly.max()) + 3.0)
    window_map = da.sel(time=near).transpose("time", "wavelength")
    res.curves["chirp/data"] = xr.DataArray(  # the ΔA map around time zero, for the figure
        np.asarray(window_map.values, float),
        dims=("time", "wavelength"),
        coords={"time": window_map["time"].values, "wavelength": window_map["wavelength"].values},
        attrs={"units": "OD"},
    )
    return res


def chirp_from_result(result: Result) -> Chirp:
    """The :class:`~heterolab.kinetics.ta.model.Chirp` of an :func:`estimate_chirp` result."""
    n = sum(1 for k in result.parameters if k.startswith("d") and k[1:].isdigit())
    return Chirp(
        result.value("t0"),
        tuple(result.value(f"d{i + 1}") for i in range(n)),
        float(result.statistics.get("reference_nm", DISPERSION_CENTER_NM)),
        float(result.statistics.get("scale_nm", DISPERSION_SCALE_NM)),
    )


def correct_chirp(
    da: xr.DataArray, coefficients: Sequence[float] | np.ndarray | Chirp
) -> xr.DataArray:
    """Shift every wavelength so that time zero is at 0 ps: new(t, λ) = old(t + t0(λ)).

    ``coefficients``: a :class:`~heterolab.kinetics.ta.model.Chirp`, or numpy.polyval
    coefficients in nm (the convention of KiMoPack's chirp files). Linear interpolation;
    delays outside the measured range become NaN (zero weight in fits).
    """
    _check(da)
    chirp = as_chirp(coefficients)
    poly = chirp.polyval()
    d = da.transpose("time", "wavelength")
    t = d["time"].values
    t0 = chirp.delay(d["wavelength"].values)
    out = np.empty(d.shape)
    for j in range(d.shape[1]):
        out[:, j] = np.interp(t + t0[j], t, d.values[:, j], left=np.nan, right=np.nan)
    res = d.copy(data=out)
    res.attrs = dict(da.attrs, chirp_corrected="polyval " + ", ".join(f"{c:.6g}" for c in poly))
    return res


# ---------------------------------------------------------------------------- SVD
def svd_analysis(da: xr.DataArray, n_vectors: int = 5, min_autocorrelation: float = 0.6) -> Result:
    """Singular value decomposition of the TA matrix (P-37): how many components it holds.

    Missing cells (NaN, ±inf) are filled by linear interpolation along time in their own
    wavelength column (a zero fill would add spurious components), then the matrix is
    decomposed as ``U S V^T``. A component counts as significant when

    - its singular value exceeds the optimal hard threshold for an unknown noise level,
      ``ω(β) · median(S)`` with ``β = min(m, n)/max(m, n)`` and
      ``ω(β) ≈ 0.56β³ - 0.95β² + 1.82β + 1.43`` (Gavish & Donoho, IEEE Trans. Inf. Theory 60,
      5040 (2014), eq. (5)): the edge of the noise singular values estimated from their
      median, robust to the signal's few large values; and
    - both of its singular vectors are smooth: lag-1 autocorrelation above
      ``min_autocorrelation`` (Shrager & Hendler, Anal. Chem. 54, 1147 (1982)). Noise vectors
      have autocorrelation ~0; this keeps spectrally correlated noise and the many small
      components of an uncorrected chirp from being counted as species.

    Counting stops at the first component that fails either test.

    Returns
    -------
    Result
        kind ``"ta.svd"``; derived ``n_significant``; statistics ``singular_values`` (first
        ``max(n_vectors, 10)``), ``n_significant``, ``threshold`` (OD), ``noise_sigma`` (OD,
        robust per-cell noise from successive differences along time), ``n_filled``
        (missing cells interpolated), ``autocorrelation_time``/``_spectral`` (first
        vectors); curves ``singular_values``, ``time_vectors`` (time x index),
        ``spectral_vectors`` (index x wavelength).
    """
    _check(da)
    d = da.transpose("time", "wavelength")
    m, n_filled = _filled(np.asarray(d.values, float), np.asarray(d["time"].values, float))
    if not np.any(m):
        raise ParameterError("the matrix is zero everywhere: there is nothing to decompose")
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    n = min(n_vectors, s.size)
    beta = min(m.shape) / max(m.shape)
    threshold = (0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43) * float(np.median(s))
    k = min(s.size, max(n, 20))
    ac_t = np.array([_autocorrelation(u[:, i]) for i in range(k)])
    ac_w = np.array([_autocorrelation(vt[i]) for i in range(k)])
    good = (s[:k] > threshold) & (ac_t > min_autocorrelation) & (ac_w > min_autocorrelation)
    n_sig = int(np.argmin(good)) if not good.all() else k
    steps = np.diff(m, axis=0)
    noise = float(np.median(np.abs(steps - np.median(steps)))) / 0.6745 / np.sqrt(2.0)
    res = Result(
        "ta.svd",
        derived={"n_significant": Quantity(float(n_sig), None, "1")},
        statistics={
            "singular_values": s[: max(n, 10)],
            "n_significant": n_sig,
            "threshold": threshold,
            "noise_sigma": noise,
            "n_filled": n_filled,
            "autocorrelation_time": np.round(ac_t[: max(n, 10)], 4),
            "autocorrelation_spectral": np.round(ac_w[: max(n, 10)], 4),
        },
        provenance=make_provenance(
            (), {"n_vectors": n, "min_autocorrelation": min_autocorrelation}
        ),
        warnings=list(da.attrs.get("warnings", [])),
    )
    if n_filled:
        res.warnings.append(
            f"{n_filled} missing cell(s) filled by interpolation along time for the decomposition"
        )
    if n_sig == 0:
        res.mark_failed("no component stands above the noise: the matrix carries no signal")
    idx = np.arange(n)
    res.curves["singular_values"] = xr.DataArray(
        s, dims="index", coords={"index": np.arange(s.size)}, attrs={"units": "OD"}
    )
    res.curves["time_vectors"] = xr.DataArray(
        u[:, :n], dims=("time", "index"), coords={"time": d["time"].values, "index": idx}
    )
    res.curves["spectral_vectors"] = xr.DataArray(
        vt[:n],
        dims=("index", "wavelength"),
        coords={"index": idx, "wavelength": d["wavelength"].values},
    )
    return res


def _filled(y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, int]:
    """``y`` with non-finite cells interpolated along time per column (0 in an empty column)."""
    ok = np.isfinite(y)
    out = np.where(ok, y, 0.0)
    for j in np.flatnonzero(~ok.all(axis=0)):
        g = ok[:, j]
        if g.any():
            out[:, j] = np.interp(t, t[g], y[g, j])
    return out, int((~ok).sum())


def _autocorrelation(x: np.ndarray) -> float:
    """Lag-1 autocorrelation of a vector (1 for a smooth curve, ~0 for white noise)."""
    x = x - x.mean()
    den = float(np.sum(x * x))
    return float(np.sum(x[1:] * x[:-1]) / den) if den > 0 else 0.0
