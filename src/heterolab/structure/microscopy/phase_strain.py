"""Geometric phase analysis (GPA) of lattice images: displacement, strain and rotation maps.

Hÿtch, Snoeck & Kilaas, Ultramicroscopy 74, 131 (1998). For a Bragg vector g the image's
Fourier components near g, selected by a Gaussian mask of standard deviation σ_k and moved to
the origin, give the complex image B_g(r) = A_g(r) exp(i P_g(r)) with the geometric phase
P_g = −2π g·u(r) relative to the reference lattice. Two non-collinear vectors g₁, g₂ give
the distortion tensor

    D_ij = ∂u_i/∂x_j = −(1/2π) [G⁻¹ ∇P]_ij,   G = (g₁; g₂) (rows),

whose symmetric part is the small strain ε_xx = D_xx, ε_yy = D_yy, ε_xy = ½(D_xy + D_yx) and
antisymmetric part the rotation ω = ½(D_yx − D_xy) (rad). Phase gradients are taken as
arg(B(r + Δ) B*(r − Δ))/(2Δ), exact for a locally linear phase and free of phase unwrapping.

Strain definitions (stated in every result): GPA's small strain ε = ∂u/∂x is relative to the
reference lattice; the lattice-parameter strain a_local/a_ref − 1 is the symmetric part of
(I − D)⁻¹ − I, i.e. ε/(1 − ε) for a uniaxial step — 0.26 % strain more than ε at ε = 5 %.
Both are returned (``exx`` … and ``exx_lattice``, ``eyy_lattice``).

Speed: the masked spectrum is band-limited to ≈ ±6σ_k around g, so it is inverse transformed
on a grid decimated by the largest power of two that keeps that band (maps come out on that
coarser grid, whose coordinates are stored; the mask, not the grid, sets the resolution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.microscopy._image import calibration

__all__ = ["gpa", "strain_profile"]

#: Largest coefficient of variation of a Bragg-filtered amplitude map taken as a lattice
#: fringe (Rayleigh noise gives 0.52; a lattice under noise of 3× its amplitude per pixel
#: ~0.23 with the default mask).
AMPLITUDE_CV_MAX = 0.35
#: Smallest ratio of a g-vector's FFT spot power to the median power at |g| taken as a lattice
#: spot (the strongest of ~10⁵ white-noise bins: ~12× the median).
MIN_SPOT_POWER_RATIO = 30.0


def _phase_gradient(b: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """(∂P/∂x, ∂P/∂y) of arg(b) on a grid of spacing ``step``, by neighbour phase differences."""
    gx = np.empty(b.shape, dtype=np.float32)
    gy = np.empty(b.shape, dtype=np.float32)
    gx[:, 1:-1] = np.angle(b[:, 2:] * np.conj(b[:, :-2])) / (2 * step)
    gx[:, 0] = np.angle(b[:, 1] * np.conj(b[:, 0])) / step
    gx[:, -1] = np.angle(b[:, -1] * np.conj(b[:, -2])) / step
    gy[1:-1, :] = np.angle(b[2:, :] * np.conj(b[:-2, :])) / (2 * step)
    gy[0, :] = np.angle(b[1, :] * np.conj(b[0, :])) / step
    gy[-1, :] = np.angle(b[-1, :] * np.conj(b[-2, :])) / step
    return gx, gy


def _spot_significance(f: np.ndarray, g: np.ndarray, dk: tuple[float, float]) -> float:
    """Power of the FFT spot at ``g`` (the largest of the 3 × 3 bins around it) over the median
    power on the circle |k| = |g| (720 bins, those within 3 bins of ±g left out). White noise
    gives exponentially distributed powers: the largest of 10⁴–10⁶ bins is ≲ 15× the median."""
    ny, nx = f.shape
    n = np.array([round(g[0] / dk[0]), round(g[1] / dk[1])])
    iy = (n[1] + np.arange(-1, 2))[:, None] % ny
    ix = (n[0] + np.arange(-1, 2))[None, :] % nx
    peak = float(np.max(np.abs(f[iy, ix]) ** 2))
    t = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    k = float(np.hypot(*g))
    bx, by = np.rint(k * np.cos(t) / dk[0]), np.rint(k * np.sin(t) / dk[1])
    far = np.minimum(np.hypot(bx - n[0], by - n[1]), np.hypot(bx + n[0], by + n[1])) > 3
    ring = np.abs(f[by[far].astype(int) % ny, bx[far].astype(int) % nx]) ** 2
    med = float(np.median(ring)) if ring.size else 0.0
    return peak / med if med > 0 else math.inf


def _decimation(n: int, band_bins: float) -> int:
    q = 1
    while n % (2 * q) == 0 and n / (2 * q) >= 2.2 * band_bins + 8:
        q *= 2
    return q


def _masked_phase_image(
    f: np.ndarray, g: np.ndarray, dk: tuple[float, float], sigma_k: float, q: int
) -> tuple[np.ndarray, np.ndarray]:
    """B_g on the grid decimated by ``q`` and the integer-bin vector g_n it was shifted by."""
    import scipy.fft as sfft

    ny, nx = f.shape
    n = np.array([round(g[0] / dk[0]), round(g[1] / dk[1])])  # (x bins, y bins)
    my, mx = ny // q, nx // q
    fy = np.fft.fftfreq(my, d=1.0 / my).astype(int)  # bin offsets around the origin
    fx = np.fft.fftfreq(mx, d=1.0 / mx).astype(int)
    iy = (fy + n[1]) % ny
    ix = (fx + n[0]) % nx
    # Gaussian mask centred on g (not on the integer bin), separable, never truncated inside
    # the decimated band (which spans more than ±6 σ_k)
    wy = np.exp(-0.5 * ((fy + n[1]) * dk[1] - g[1]) ** 2 / sigma_k**2).astype(np.float32)
    wx = np.exp(-0.5 * ((fx + n[0]) * dk[0] - g[0]) ** 2 / sigma_k**2).astype(np.float32)
    sub = f[np.ix_(iy, ix)] * (wy[:, None] * wx[None, :])
    b = sfft.ifft2(sub, workers=-1)
    return b, n * np.array(dk)


def gpa(
    image: xr.DataArray,
    g_vectors: Sequence[Sequence[float]] | None = None,
    *,
    mask_sigma: float | None = None,
    reference: tuple[float, float, float, float] | None = None,
    decimate: bool = True,
) -> Result:
    """Strain, rotation and displacement-gradient maps by GPA (``tem.gpa``).

    Parameters
    ----------
    image
        Calibrated lattice image (dims ``("y", "x")``, pixel size in nm).
    g_vectors
        Two non-collinear reciprocal vectors ``(gx, gy)`` (1/nm); default the two strongest
        non-collinear FFT spots (:func:`heterolab.structure.microscopy.fft.fft_spots`).
    mask_sigma
        Gaussian mask standard deviation σ_k (1/nm); default |g|_min / 8. The real-space
        resolution is ≈ 1/(2π σ_k) (Gaussian σ).
    reference
        ``(x0, x1, y0, y1)`` (nm) of an unstrained region: g₁, g₂ are refined so that its
        mean phase gradient vanishes. Default: the whole image (strain relative to the mean
        lattice).
    decimate
        Inverse transform on the decimated grid (fast; maps on a coarser grid).

    Returns
    -------
    Result
        Derived: mean ``exx``, ``eyy``, ``exy``, ``rotation`` (± sd) over the central region
        (a margin of 6 real-space resolutions excluded: the edge artefact of the non-periodic image decays as exp(-r²/2σ_r²), below 1e-5 there); statistics: the refined g-vectors,
        mask σ_k, resolution, strain definition; curves: maps ``exx``, ``eyy``, ``exy``,
        ``rotation`` (rad), ``exx_lattice``, ``eyy_lattice``, ``amplitude1``, ``amplitude2``,
        and the profile ``profile_exx`` (mean over y) with ``profile_exx_sd``.
    """
    import scipy.fft as sfft

    px, unit = calibration(image)
    a = np.asarray(image.values, dtype=np.float32)
    ny, nx = a.shape
    if g_vectors is None:
        from heterolab.structure.microscopy.fft import _basis, fft_spots

        spots, _ = fft_spots(image, n_spots=8)
        basis = _basis(spots, 0.0)
        if basis is None:
            raise ParameterError("no two non-collinear lattice spots found; pass g_vectors=")
        gs = basis
    else:
        gs = np.asarray(g_vectors, dtype=float)
        if gs.shape != (2, 2):
            raise ParameterError(f"g_vectors must be two (gx, gy) pairs, got shape {gs.shape}")
    if abs(np.linalg.det(gs)) < 1e-6 * np.linalg.norm(gs[0]) * np.linalg.norm(gs[1]):
        raise ParameterError("the two g-vectors are collinear")
    gmin = float(min(np.linalg.norm(gs, axis=1)))
    nyq = 0.5 / px
    if float(np.max(np.abs(gs))) >= nyq:
        raise ParameterError(
            f"g-vectors {gs.tolist()} exceed the Nyquist frequency {nyq:.4g} 1/{unit}"
        )
    sigma_k = gmin / 8 if mask_sigma is None else float(mask_sigma)
    if not 0 < sigma_k < gmin / 2:
        raise ParameterError(f"mask_sigma must lie in (0, |g|min/2 = {gmin / 2:.4g}) 1/{unit}")
    dk = (1.0 / (nx * px), 1.0 / (ny * px))
    band = 6 * sigma_k / min(dk)
    q = _decimation(ny, band) if decimate else 1
    q = min(q, _decimation(nx, band)) if decimate else 1
    from heterolab.progress import progress_task

    step = q * px
    grads, amps = [], []
    with progress_task("GPA", total=1 + len(gs), unit="transforms") as tick:
        f = sfft.fft2(a - a.mean(), workers=-1)
        tick()
        spot_snr = [_spot_significance(f, g, dk) for g in gs]
        for g in gs:
            b, gn = _masked_phase_image(f, g, dk, sigma_k, q)
            gx, gy = _phase_gradient(b, step)
            # gradient of P relative to the integer-bin carrier gn; add 2π(gn − g) for the
            # phase relative to g itself
            grads.append([gx + 2 * np.pi * (gn[0] - g[0]), gy + 2 * np.pi * (gn[1] - g[1])])
            amps.append(np.abs(b).astype(np.float32))
            tick()
    my, mx = grads[0][0].shape
    ycoord = np.arange(my) * step
    xcoord = np.arange(mx) * step
    resolution = 1.0 / (2 * np.pi * sigma_k)
    margin = max(1, math.ceil(6 * resolution / step))
    inner_y = (np.arange(my) >= margin) & (np.arange(my) < my - margin)
    inner_x = (np.arange(mx) >= margin) & (np.arange(mx) < mx - margin)
    if inner_y.sum() < 2 or inner_x.sum() < 2:
        inner_y[:] = True
        inner_x[:] = True
        margin = 0
    sel_x, sel_y = inner_x.copy(), inner_y.copy()
    if reference is not None:
        x0, x1, y0, y1 = (float(v) for v in reference)
        sel_x &= (xcoord >= min(x0, x1)) & (xcoord <= max(x0, x1))
        sel_y &= (ycoord >= min(y0, y1)) & (ycoord <= max(y0, y1))
        if sel_x.sum() < 2 or sel_y.sum() < 2:
            raise ParameterError(
                f"reference region {reference} holds too few map pixels away from the edges "
                f"(edge margin {margin * step:.3g} {unit})"
            )
    region = np.ix_(sel_y, sel_x)
    refined = []
    for i, g in enumerate(gs):
        mgx = float(np.mean(grads[i][0][region]))
        mgy = float(np.mean(grads[i][1][region]))
        grads[i][0] = grads[i][0] - mgx
        grads[i][1] = grads[i][1] - mgy
        # the local reciprocal vector is g + <∇P>/2π (P = 2π Δg·r for a lattice g + Δg)
        refined.append([g[0] + mgx / (2 * np.pi), g[1] + mgy / (2 * np.pi)])
    gref = np.array(refined)
    ginv = np.linalg.inv(gref)
    # M[a, j] = ∂P_a/∂x_j ; D = −(1/2π) G⁻¹ M
    dxx = -(ginv[0, 0] * grads[0][0] + ginv[0, 1] * grads[1][0]) / (2 * np.pi)
    dxy = -(ginv[0, 0] * grads[0][1] + ginv[0, 1] * grads[1][1]) / (2 * np.pi)
    dyx = -(ginv[1, 0] * grads[0][0] + ginv[1, 1] * grads[1][0]) / (2 * np.pi)
    dyy = -(ginv[1, 0] * grads[0][1] + ginv[1, 1] * grads[1][1]) / (2 * np.pi)
    exx, eyy = dxx, dyy
    exy = 0.5 * (dxy + dyx)
    rot = 0.5 * (dyx - dxy)
    # lattice-parameter strain: sym((I − D)⁻¹ − I)
    a11, a12, a21, a22 = 1 - dxx, -dxy, -dyx, 1 - dyy
    det = a11 * a22 - a12 * a21
    exx_lat = a22 / det - 1
    eyy_lat = a11 / det - 1

    def m(v: np.ndarray, name: str, units: str = "1") -> xr.DataArray:
        da = xr.DataArray(
            v.astype(np.float32),
            dims=("y", "x"),
            coords={"y": ycoord, "x": xcoord},
            name=name,
            attrs={"units": units},
        )
        da["x"].attrs["units"] = unit
        da["y"].attrs["units"] = unit
        return da

    res = Result(kind="tem.gpa")
    maps = {
        "exx": exx,
        "eyy": eyy,
        "exy": exy,
        "rotation": rot,
        "exx_lattice": exx_lat,
        "eyy_lattice": eyy_lat,
    }
    for k, v in maps.items():
        res.curves[k] = m(v, k, "rad" if k == "rotation" else "1")
    res.curves["amplitude1"] = m(amps[0], "amplitude1", "a.u.")
    res.curves["amplitude2"] = m(amps[1], "amplitude2", "a.u.")
    inner = np.ix_(inner_y, inner_x)
    if margin == 0:
        res.mark_suspect(
            "image smaller than the edge margin of 6 mask resolutions: maps are all edge"
        )
    for i, snr in enumerate(spot_snr, 1):
        res.statistics[f"g{i}_spot_power_ratio"] = snr
        if snr < MIN_SPOT_POWER_RATIO:
            res.mark_suspect(
                f"no coherent lattice fringe for g{i} = {np.round(gs[i - 1], 4).tolist()} "
                f"1/{unit}: its Fourier power is {snr:.1f}× the median at |g{i}| (noise: "
                f"≲ 15×; a lattice spot: ≥ {MIN_SPOT_POWER_RATIO:g}×)"
            )
    for i, amp in enumerate(amps, 1):
        # a lattice fringe has a steady amplitude; Fourier noise selected by the mask has a
        # Rayleigh-distributed one (coefficient of variation √(4/π − 1) = 0.52)
        ai = amp[inner]
        cv = float(ai.std() / ai.mean()) if float(ai.mean()) > 0 else math.inf
        res.statistics[f"amplitude{i}_cv"] = cv
        if cv > AMPLITUDE_CV_MAX:
            res.mark_suspect(
                f"the amplitude of g{i} varies by {cv:.0%} over the image (Fourier noise: 52 %; "
                f"a lattice fringe: well under {AMPLITUDE_CV_MAX:.0%}): no coherent lattice "
                f"fringe for g{i} = {np.round(gs[i - 1], 4).tolist()} 1/{unit} here"
            )
    for k in ("exx", "eyy", "exy", "rotation"):
        v = maps[k][inner]
        res.derived[k] = Quantity(
            float(v.mean()), float(v.std()), "rad" if k == "rotation" else "1"
        )
    prof = exx[inner_y, :]
    res.curves["profile_exx"] = xr.DataArray(
        prof.mean(axis=0), dims=("x",), coords={"x": xcoord}, name="exx", attrs={"units": "1"}
    )
    res.curves["profile_exx_sd"] = xr.DataArray(
        prof.std(axis=0), dims=("x",), coords={"x": xcoord}, name="exx_sd", attrs={"units": "1"}
    )
    for key in ("profile_exx", "profile_exx_sd"):
        res.curves[key]["x"].attrs["units"] = unit
    res.statistics.update(
        {
            "g_vectors": gs.tolist(),
            "g_refined": gref.tolist(),
            "g_unit": f"1/{unit}",
            "mask": "Gaussian",
            "mask_sigma": sigma_k,
            "resolution": resolution,
            "resolution_unit": unit,
            "map_step": step,
            "decimation": q,
            "edge_margin": margin * step,
            "reference": list(reference) if reference is not None else "whole image",
            "strain_definition": "exx, eyy, exy: small strain du_i/dx_j (symmetrised) relative to "
            "the reference lattice (Hytch 1998); exx_lattice, eyy_lattice: lattice-parameter "
            "strain a_local/a_ref - 1 = sym((I - D)^-1 - I)",
        }
    )
    return res


def strain_profile(
    result: Result,
    component: str = "exx",
    *,
    axis: str = "x",
    band: tuple[float, float] | None = None,
) -> Result:
    """Profile of a GPA map across an interface (``tem.strain_profile``): the mean over
    ``band`` (range along the other axis, image unit; default all) at each position, with the
    standard deviation and standard error as error bands. The GPA edge margin is left out;
    ``step`` is the last minus the first value of the profile."""
    if component not in result.curves:
        raise ParameterError(
            f"no map {component!r}; maps: exx, eyy, exy, rotation, exx_lattice, eyy_lattice"
        )
    if axis not in ("x", "y"):
        raise ParameterError(f"axis must be 'x' or 'y', got {axis!r}")
    mp = result.curves[component]
    other = "y" if axis == "x" else "x"
    if band is not None:
        lo, hi = sorted(band)
        mp = mp.sel({other: slice(lo, hi)})
        if mp.sizes[other] < 1:
            raise ParameterError(f"band {band} selects no map rows")
    margin = float(result.statistics.get("edge_margin", 0.0))
    c = mp[axis].values
    mp = mp.sel({axis: slice(c.min() + margin, c.max() - margin)})
    mean = mp.mean(other)
    sd = mp.std(other)
    n = mp.sizes[other]
    out = Result(kind="tem.strain_profile")
    out.curves[component] = mean
    out.curves[f"{component}_sd"] = sd
    out.curves[f"{component}_sem"] = sd / math.sqrt(n)
    out.statistics.update(
        {
            "component": component,
            "axis": axis,
            "n_averaged": int(n),
            "band": list(band) if band else "all",
            "strain_definition": result.statistics.get("strain_definition", ""),
        }
    )
    out.derived["min"] = Quantity(float(mean.min()), None, mp.attrs.get("units", "1"))
    out.derived["max"] = Quantity(float(mean.max()), None, mp.attrs.get("units", "1"))
    out.derived["step"] = Quantity(float(mean[-1] - mean[0]), None, mp.attrs.get("units", "1"))
    return out
