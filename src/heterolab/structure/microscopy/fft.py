"""Lattice spacings from the Fourier transform of a (S)TEM image.

The image, minus its mean and multiplied by a Hann window (suppresses the edge streaks of the
periodic continuation), is Fourier transformed (zero-padded to at least ``pad_to`` points per
axis, which interpolates the spectrum). Spots are local maxima of the power spectrum outside the
central disc, refined to sub-pixel positions by a parabola through the logarithm of the power
in each direction (exact for a Gaussian spot). Spots whose peak exceeds the local mean power by
the periodogram's 1 % false-alarm level are lattice candidates; of the bases spanned by two of
the strongest, the one indexing most of them (then the sparsest) is kept, all spots are indexed
on it and the two basis vectors refined by weighted least squares — each spot weighted by its
signal-to-noise ratio (its frequency variance ∝ 1/SNR), the covariance scaled by the weighted
residuals — which gives the standard errors of the basis and of every spot's spacing (statistical only —
the uncertainty of the pixel calibration is not included). Spacings d = 1/|g| (nm).

Spot pairs are matched to planes of candidate phases (cells from :mod:`heterolab.materials` or
a CIF): both spacings within ``d_tolerance`` and the angle between the planes within
``angle_tolerance_deg``; the zone axis is the cross product of the two plane normals' indices
(Williams & Carter, *Transmission Electron Microscopy*, 2nd ed., Springer 2009, ch. 18).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.microscopy._image import calibration

__all__ = ["Spot", "fft_spots", "match_zone_axes", "measure_spacings", "power_spectrum"]


@dataclass(frozen=True)
class Spot:
    """One FFT spot: reciprocal vector (1/nm; ``ky`` along image rows), log10 peak power and
    log10 mean power of the spectrum around it (``background``; NaN when not measured)."""

    kx: float
    ky: float
    power: float
    background: float = math.nan

    @property
    def snr(self) -> float:
        """Peak over local mean power (linear); NaN without a background."""
        return float(10.0 ** (self.power - self.background))

    @property
    def k(self) -> float:
        return math.hypot(self.kx, self.ky)

    @property
    def d_nm(self) -> float:
        return 1.0 / self.k


def _image_array(image: xr.DataArray) -> tuple[np.ndarray, float, str]:
    if image.attrs.get("space", "real") != "real":
        raise ParameterError("FFT spacings need a real-space image (this one is reciprocal)")
    px, unit = calibration(image)
    a = np.asarray(image.values, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        raise ParameterError("the image holds non-finite pixels")
    return a, px, unit


def power_spectrum(
    image: xr.DataArray,
    *,
    window: str = "hann",
    pad_to: int = 1024,
    k_max: float | None = None,
) -> xr.DataArray:
    """Half-plane (kx ≥ 0) power spectrum, log10, over ``("ky", "kx")`` in 1/(pixel unit),
    cropped to |ky|, kx ≤ ``k_max`` (default: the Nyquist frequency, no crop)."""
    import scipy.fft as sfft

    a, px, unit = _image_array(image)
    ny, nx = a.shape
    a = a - a.mean()
    if window == "hann":
        a *= np.hanning(ny).astype(np.float32)[:, None]
        a *= np.hanning(nx).astype(np.float32)[None, :]
    elif window != "none":
        raise ParameterError(f"window must be 'hann' or 'none', got {window!r}")
    my = max(ny, sfft.next_fast_len(pad_to))
    mx = max(nx, sfft.next_fast_len(pad_to))
    f = sfft.rfft2(a, s=(my, mx), workers=-1)
    dk, dky = 1.0 / (mx * px), 1.0 / (my * px)
    kmax = 0.5 / px if k_max is None else float(k_max)
    ry = min(my // 2 - 1, int(kmax / dky) + 1)
    rx = min(f.shape[1] - 1, int(kmax / dk) + 1)
    # |F|² of the two row blocks (negative ky first, so ky increases down the array), written
    # straight into one array: no fancy-index copy of the complex spectrum
    p = np.empty((2 * ry + 1, rx + 1), dtype=np.float32)
    for blk, out in ((f[my - ry :, : rx + 1], p[:ry]), (f[: ry + 1, : rx + 1], p[ry:])):
        np.multiply(blk.real, blk.real, out=out)
        out += np.square(blk.imag)
    p += np.float32(p.max() * 1e-12 + 1e-30)
    np.log10(p, out=p)
    ky = np.arange(-ry, ry + 1) * dky
    kx = np.arange(rx + 1) * dk
    da = xr.DataArray(p, dims=("ky", "kx"), coords={"ky": ky, "kx": kx}, name="log10_power")
    da["ky"].attrs["units"] = f"1/{unit}"
    da["kx"].attrs["units"] = f"1/{unit}"
    da.attrs.update({"window": window, "dk": dk, "dk_y": dky})
    return da


def _parabola(m1: float, z: float, p1: float) -> float:
    den = m1 - 2 * z + p1
    return float(np.clip(0.5 * (m1 - p1) / den, -0.5, 0.5)) if den < 0 else 0.0


def _local_background(logp: np.ndarray, y: int, x: int, ry: float, rx: float) -> float:
    """log10 of the mean power in a ring about a spot at ``(y, x)``.

    The ring spans 3–6 unpadded FFT pixels (``ry``, ``rx`` padded pixels per unpadded one)
    in each direction: outside the Hann main lobe (2 pixels), inside the spacing of most
    lattices' spots. The median of the power there, divided by ln 2 (the median of an
    exponentially distributed periodogram value is ln 2 × its mean), is robust to a
    neighbouring spot falling into the ring.
    """
    oy, ox = max(1, round(6 * ry)), max(1, round(6 * rx))
    iy, ix = max(1, round(3 * ry)), max(1, round(3 * rx))
    y0, y1 = max(y - oy, 0), min(y + oy + 1, logp.shape[0])
    x0, x1 = max(x - ox, 0), min(x + ox + 1, logp.shape[1])
    box = logp[y0:y1, x0:x1]
    yy, xx = np.ogrid[y0:y1, x0:x1]
    ring = (np.abs(yy - y) > iy) | (np.abs(xx - x) > ix)
    vals = box[np.broadcast_to(ring, box.shape)]
    if vals.size == 0:
        return math.nan
    return float(np.median(vals) - math.log10(math.log(2.0)))


def fft_spots(
    image: xr.DataArray,
    *,
    n_spots: int = 20,
    k_min: float | None = None,
    k_max: float | None = None,
    window: str = "hann",
    pad_to: int = 1024,
    min_separation: float | None = None,
    min_relative_power: float = 1e-3,
) -> tuple[list[Spot], xr.DataArray]:
    """The ``n_spots`` strongest FFT spots (one of each ±g pair) and the power spectrum.

    ``k_min`` (default 4 FFT pixels of the unpadded image) excludes the central disc;
    ``k_max`` (default 0.8 × Nyquist) the outer region; ``min_separation`` (1/unit) between
    spots defaults to 3 unpadded FFT pixels; spots weaker than ``min_relative_power`` × the
    strongest are dropped.
    """
    from skimage.feature import peak_local_max

    if n_spots < 1:
        raise ParameterError(f"n_spots must be ≥ 1, got {n_spots}")
    px, _ = calibration(image)
    k_max_in = k_max
    k_max = 0.8 / (2 * px) if k_max_in is None else float(k_max_in)
    ps = power_spectrum(image, window=window, pad_to=pad_to, k_max=k_max)
    dk_native = 1.0 / (max(image.shape) * px)
    k_min = 4 * dk_native if k_min is None else float(k_min)
    if not 0 <= k_min < k_max:
        raise ParameterError(f"need 0 ≤ k_min < k_max, got {k_min}, {k_max}")
    dk, dky = ps.attrs["dk"], ps.attrs["dk_y"]
    ky, kx = ps["ky"].values, ps["kx"].values
    # crop to the k_max box to keep peak finding cheap on large images
    iy = np.nonzero(np.abs(ky) <= k_max)[0]
    ix = np.nonzero(kx <= k_max)[0]
    sub = ps.values[iy[0] : iy[-1] + 1, : ix[-1] + 1]
    kyy, kxx = ky[iy[0] : iy[-1] + 1], kx[: ix[-1] + 1]
    kr = np.hypot(kyy[:, None], kxx[None, :])
    masked = np.where((kr >= k_min) & (kr <= k_max), sub, sub.min())
    sep = 3 * dk_native if min_separation is None else float(min_separation)
    peaks = peak_local_max(
        masked, min_distance=max(1, int(sep / dk)), num_peaks=3 * n_spots, exclude_border=False
    )
    spots: list[Spot] = []
    floor = masked[tuple(peaks[0])] + math.log10(min_relative_power) if len(peaks) else 0.0
    for y, x in peaks:
        if sub[y, x] < floor:
            break
        if not (0 < y < sub.shape[0] - 1):
            continue
        sy = _parabola(sub[y - 1, x], sub[y, x], sub[y + 1, x])
        # on the kx = 0 column the spot is taken on the axis (the half-plane has no left side)
        inside = 0 < x < sub.shape[1] - 1
        sx = _parabola(sub[y, x - 1], sub[y, x], sub[y, x + 1]) if inside else 0.0
        bgr = _local_background(sub, y, x, dk_native / dk, dk_native / dky)
        s = Spot(float(kxx[x] + sx * dk), float(kyy[y] + sy * dky), float(sub[y, x]), bgr)
        if s.kx == 0 and s.ky < 0:
            continue
        if any(math.hypot(s.kx + o.kx, s.ky + o.ky) < sep for o in spots):
            continue  # the Friedel mate of a spot already kept
        spots.append(s)
        if len(spots) == n_spots:
            break
    return spots, ps


def _basis(spots: Sequence[Spot], tol: float) -> np.ndarray | None:
    """Two shortest non-collinear strong spots as a 2×2 basis (rows), or None."""
    strong = sorted(spots[: max(6, len(spots) // 2)], key=lambda s: s.k)
    for s1, s2 in itertools.combinations(strong, 2):
        v1, v2 = np.array([s1.kx, s1.ky]), np.array([s2.kx, s2.ky])
        if abs(v1[0] * v2[1] - v1[1] * v2[0]) > 0.2 * np.linalg.norm(v1) * np.linalg.norm(v2):
            return np.array([v1, v2])
    return None


def _reduce(b: np.ndarray) -> np.ndarray:
    """Lagrange–Gauss reduction of a 2-D basis (rows): the two shortest vectors of its
    lattice."""
    u, v = b[0].copy(), b[1].copy()
    for _ in range(50):
        if u @ u > v @ v:
            u, v = v, u
        m = round(float(u @ v) / float(u @ u))
        if m == 0:
            break
        v = v - m * u
    return np.array([u, v])


def _best_basis(spots: Sequence[Spot], tol: float, n_strong: int = 6) -> np.ndarray | None:
    """The reduced basis, spanned by two of the ``n_strong`` strongest spots, that indexes the
    most of them within ``tol`` (1/unit); ties go to the sparsest lattice (largest reciprocal
    cell), which indexes strong spots without indexing noise. None if no pair of strong spots
    is non-collinear.

    The two shortest strong spots alone (:func:`_basis`) can be a noise spot near the centre:
    the lattice built on it left three of the four strongest spots unindexed, its spacing
    26 standard errors off, status ok.
    """
    strong = list(spots[:n_strong])
    k = np.array([[s.kx, s.ky] for s in strong])
    best, best_key = None, None
    for i, j in itertools.combinations(range(len(strong)), 2):
        cross = abs(k[i, 0] * k[j, 1] - k[i, 1] * k[j, 0])
        if cross <= 0.2 * np.linalg.norm(k[i]) * np.linalg.norm(k[j]):
            continue
        b = _reduce(k[[i, j]])
        hk = np.round(k @ np.linalg.inv(b))
        n_ok = int(np.sum(np.all(np.abs(k - hk @ b) < tol, axis=1)))
        key = (n_ok, abs(float(np.linalg.det(b))))
        if best_key is None or key > best_key:
            best, best_key = b, key
    return best


def snr_threshold(k_min: float, k_max: float, dk: float, false_alarm: float = 0.01) -> float:
    """Peak-to-mean power a spot must exceed to be a lattice reflection rather than noise.

    A white-noise periodogram value is exponentially distributed, P(SNR > t) = e^(−t); over
    the n ≈ π(k_max² − k_min²)/(2 dk²) independent half-plane bins, the largest exceeds
    t = ln(n/``false_alarm``) with probability ``false_alarm``.
    """
    n_bins = max(math.pi * (k_max**2 - k_min**2) / (2 * dk * dk), 1.0)
    return math.log(n_bins / false_alarm)


#: Systematic floor (unpadded FFT pixels) added in quadrature to the position error of each
#: spot and of each refined basis vector: on 30 noise-free random cells (256/512 px, 6–25 px
#: per cell) the spots sit 9e-4 px rms (3e-3 max) and the refined basis 2.5e-4 px rms (1e-3
#: max) from the truth — Hann-window leakage of neighbouring spots, not seen in the residuals
#: when it shifts the whole lattice (z to 7 on noise-free images without the floor). The
#: basis floor is twice its rms (its largest deviations are 4× the rms).
SPOT_K_FLOOR = 1e-3
BASIS_K_FLOOR = 5e-4

#: Floor of a spot's relative position variance (in unpadded FFT pixels²): the sub-pixel
#: parabola on the log power of a Hann-windowed spot is not exact, whatever its SNR.
SPOT_VAR_FLOOR = 1e-4


def spot_variance(spots: Sequence[Spot], dk: float) -> np.ndarray:
    """Relative variance of each spot's position (1/unit², per component), up to a common
    scale that the lattice fit's residuals set.

    A sinusoid of amplitude A in white noise σ² over an N × N image has a frequency
    Cramér–Rao bound ∝ σ²/(A² N⁴) (cycles/pixel)², i.e. ∝ 1/SNR in unpadded FFT pixels²
    (``dk``), SNR the peak over the mean local power of the periodogram (Rife & Boorstyn,
    IEEE Trans. Inf. Theory 20, 591 (1974)). A spot without a background estimate gets the
    variance of one FFT pixel (weight of a barely detected spot).
    """
    snr = np.array([s.snr for s in spots], dtype=float)
    rel = np.where(np.isfinite(snr) & (snr > 0), 1.0 / np.where(snr > 0, snr, 1.0), 1.0)
    return dk * dk * (np.minimum(rel, 1.0) + SPOT_VAR_FLOOR)


def _refine_lattice(
    spots: Sequence[Spot], basis: np.ndarray, tol: float, dk: float
) -> dict[str, Any] | None:
    """Index the spots on ``basis`` (rows, 1/unit) and refine it by weighted least squares.

    Each spot k_i = h_i a* + k_i b* + ε_i with Var ε_i = s² v_i (:func:`spot_variance`, both
    components); the weighted normal equations give the basis, and s² = χ²_w/(2m − 4) from the
    m indexed spots' residuals (2m equations, 4 unknowns) scales the covariance
    s² (Hᵀ W H)⁻¹ of each basis vector and each spot's variance s² v_i. Returns None with
    fewer than 3 indexed spots.
    """
    k = np.array([[s.kx, s.ky] for s in spots])
    hk = np.round(k @ np.linalg.inv(basis))
    ok = np.all(np.abs(k - hk @ basis) < tol, axis=1) & np.any(hk != 0, axis=1)
    if ok.sum() < 3:
        return None
    v = spot_variance(spots, dk)
    w = np.sqrt(1.0 / v[ok])[:, None]
    sol, *_ = np.linalg.lstsq(hk[ok] * w, k[ok] * w, rcond=None)
    chi2 = float(np.sum(((k[ok] - hk[ok] @ sol) * w) ** 2))
    dof = 2 * int(ok.sum()) - 4
    s2 = chi2 / dof if dof > 0 else math.nan
    cov_rows = np.linalg.inv((hk[ok] * w).T @ (hk[ok] * w)) * s2  # same for x and y
    return {
        "basis": sol,
        "hk": hk,
        "indexed": ok,
        "sigma_spots": np.sqrt(s2 * v),
        "scale": s2,
        "dof": dof,
        "cov_rows": cov_rows,
    }


def measure_spacings(
    image: xr.DataArray,
    *,
    n_spots: int = 20,
    k_min: float | None = None,
    k_max: float | None = None,
    window: str = "hann",
    pad_to: int = 1024,
    phases: Mapping[str, Any] | None = None,
    d_tolerance: float = 0.03,
    angle_tolerance_deg: float = 3.0,
) -> Result:
    """FFT spots, their d-spacings with errors, the refined 2-D lattice and, with ``phases``
    (name → :class:`heterolab.materials.LatticeParameters`), plane/zone-axis matches
    (``tem.spacings``).

    Parameters ``d1``… are the spots by decreasing power (d in the image's length unit, nm);
    ``basis_d1``/``basis_d2``/``basis_angle`` describe the refined lattice. ``statistics
    ["spots"]`` lists kx, ky (1/nm), d (nm, ± error), lattice indices; ``statistics
    ["matches"]`` the phase matches.
    """
    spots, ps = fft_spots(
        image, n_spots=n_spots, k_min=k_min, k_max=k_max, window=window, pad_to=pad_to
    )
    px, unit = calibration(image)
    res = Result(kind="tem.spacings")
    if not spots:
        res.mark_failed("no FFT spots found outside the central disc")
        return res
    dk_native = 1.0 / (max(image.shape) * px)
    k_lo = 4 * dk_native if k_min is None else float(k_min)
    k_hi = 0.4 / px if k_max is None else float(k_max)
    t_snr = snr_threshold(k_lo, k_hi, dk_native)
    significant = [s for s in spots if s.snr > t_snr]
    basis = _best_basis(significant, 1.5 * dk_native)
    lat = None if basis is None else _refine_lattice(spots, basis, 1.5 * dk_native, dk_native)
    if lat is not None and math.isfinite(lat["scale"]):
        sigma_spots = lat["sigma_spots"]
    else:
        sigma_spots = np.full(len(spots), dk_native / math.sqrt(12))
    rows = []
    for i, s in enumerate(spots, 1):
        err = math.hypot(float(sigma_spots[i - 1]), SPOT_K_FLOOR * dk_native) / s.k**2
        indexed = lat is None or bool(lat["indexed"][i - 1])
        if indexed:  # spots off the lattice (scan noise, a second phase) stay in statistics
            res.parameters[f"d{i}"] = Quantity(s.d_nm, err, unit)
        row = {
            "spot": i,
            "kx": s.kx,
            "ky": s.ky,
            "k": s.k,
            "d": s.d_nm,
            "d_err": err,
            "log10_power": s.power,
            "angle_deg": math.degrees(math.atan2(s.ky, s.kx)),
        }
        if lat is not None:
            row["indices"] = [int(v) for v in lat["hk"][i - 1]] if indexed else None
        rows.append(row)
    if lat is not None:
        b = lat["basis"]
        c = lat["cov_rows"]
        for j in (0, 1):
            kj = float(np.linalg.norm(b[j]))
            ek = math.hypot(math.sqrt(c[j, j]), BASIS_K_FLOOR * dk_native)
            res.derived[f"basis_d{j + 1}"] = Quantity(1 / kj, ek / kj**2, unit)  # d = 1/k
        cosang = float(b[0] @ b[1] / np.linalg.norm(b[0]) / np.linalg.norm(b[1]))
        res.derived["basis_angle"] = Quantity(
            math.degrees(math.acos(np.clip(cosang, -1, 1))), None, "deg"
        )
        res.statistics["n_indexed"] = int(lat["indexed"].sum())
    else:
        res.mark_suspect(
            f"spots do not form a 2-D lattice ({len(significant)} above the noise, peak/mean "
            f"power > {t_snr:.1f}): errors are the FFT grid step / √12"
        )
    res.statistics.update(
        {
            "spots": rows,
            "sigma_k_median": float(np.median(sigma_spots)),
            "snr_threshold": t_snr,
            "n_significant": len(significant),
            "lattice_fit_scale": None if lat is None else lat["scale"],
            "lattice_fit_dof": None if lat is None else lat["dof"],
            "window": window,
            "pixel_size": px,
            "unit": unit,
            "fft_pixel": dk_native,
            "error_note": (
                "statistical (lattice fit weighted by each spot's SNR, scaled by its "
                "residuals); pixel calibration not included"
            ),
        }
    )
    res.curves["power_spectrum"] = ps
    if phases:
        res.statistics["matches"] = match_zone_axes(
            rows,
            phases,
            d_tolerance=d_tolerance,
            angle_tolerance_deg=angle_tolerance_deg,
            unit=unit,
        )
        best = res.statistics["matches"][0]["zone_coverage"] if res.statistics["matches"] else 0
        if best < 3:
            res.warnings.append(
                f"no candidate phase indexes 3 or more spots in one zone axis (best: {best}); "
                "pair matches alone are weak evidence"
            )
    return res


def _planes(lattice: Any, d_min_nm: float) -> list[tuple[tuple[int, int, int], float, np.ndarray]]:
    from heterolab.physics.structure import lattice_centering, reciprocal_metric, reflection_allowed

    gstar = reciprocal_metric(lattice)  # 1/Å²
    cent = lattice_centering(lattice)
    out = []
    rng = range(-4, 5)
    for hkl in itertools.product(rng, repeat=3):
        if not any(hkl) or not reflection_allowed(hkl, cent):
            continue
        h = np.array(hkl, dtype=float)
        d = 0.1 / math.sqrt(float(h @ gstar @ h))  # nm
        if d >= d_min_nm:
            out.append((hkl, d, h))  # type: ignore[arg-type]
    return out


def _plane_angle(gstar: np.ndarray, h1: np.ndarray, h2: np.ndarray) -> float:
    c = float(h1 @ gstar @ h2) / math.sqrt(float(h1 @ gstar @ h1) * float(h2 @ gstar @ h2))
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def match_zone_axes(
    spots: Sequence[Mapping[str, Any]],
    phases: Mapping[str, Any],
    *,
    d_tolerance: float = 0.03,
    angle_tolerance_deg: float = 3.0,
    unit: str = "nm",
    max_pairs: int = 6,
) -> list[dict[str, Any]]:
    """Pairs of spots matched to plane pairs of each phase, with the zone axis.

    For each pair among the strongest ``max_pairs`` spots and each phase, plane pairs whose
    spacings agree within ``d_tolerance`` (relative) and whose angle agrees with the spots'
    angle within ``angle_tolerance_deg`` are listed, best (smallest combined misfit) first;
    a spot pair with no candidate in any phase is absent. With two phases in one image each
    spot pair is assigned to the phase(s) that fit it. Matches are ranked by
    ``zone_coverage`` — how many distinct spots the same phase and zone axis index — then by
    misfit, so a zone that explains the whole pattern beats a lucky high-index pair.
    """
    from heterolab.physics.structure import reciprocal_metric

    if unit != "nm":
        raise ParameterError(f"zone-axis matching needs spacings in nm, got {unit!r}")
    out: list[dict[str, Any]] = []
    top = list(spots[:max_pairs])
    d_min = min(s["d"] for s in top) * (1 - 2 * d_tolerance)
    tables = {name: (_planes(lat, d_min), reciprocal_metric(lat)) for name, lat in phases.items()}
    for (i, s1), (j, s2) in itertools.combinations(enumerate(top), 2):
        v1, v2 = np.array([s1["kx"], s1["ky"]]), np.array([s2["kx"], s2["ky"]])
        ang = math.degrees(
            math.acos(np.clip(v1 @ v2 / np.linalg.norm(v1) / np.linalg.norm(v2), -1, 1))
        )
        if ang < 5 or ang > 175:
            continue
        for name, (planes, gstar) in tables.items():
            c1 = [p for p in planes if abs(p[1] / s1["d"] - 1) <= d_tolerance]
            c2 = [p for p in planes if abs(p[1] / s2["d"] - 1) <= d_tolerance]
            best = None
            for p1, p2 in itertools.product(c1, c2):
                a = _plane_angle(gstar, p1[2], p2[2])
                if abs(a - ang) > angle_tolerance_deg:
                    continue
                zone = np.cross(p1[2], p2[2]).astype(int)
                if not np.any(zone):
                    continue
                g = math.gcd(*[abs(int(v)) for v in zone])
                zone = zone // g
                misfit = (
                    abs(p1[1] / s1["d"] - 1) / d_tolerance
                    + abs(p2[1] / s2["d"] - 1) / d_tolerance
                    + abs(a - ang) / angle_tolerance_deg
                )
                if best is None or misfit < best["misfit"] - 1e-9:
                    best = {
                        "spots": [i + 1, j + 1],
                        "phase": name,
                        "hkl1": list(p1[0]),
                        "hkl2": list(p2[0]),
                        "d1_table": p1[1],
                        "d2_table": p2[1],
                        "d1": s1["d"],
                        "d2": s2["d"],
                        "angle": ang,
                        "angle_table": a,
                        "zone_axis": [int(v) for v in zone],
                        "misfit": misfit,
                    }
            if best is not None:
                out.append(best)

    # a zone axis must explain many spots, not one pair: rank by the number of distinct spots
    # that pairs of the same phase and zone (up to sign) index, then by misfit
    def zkey(m: dict[str, Any]) -> tuple[str, tuple[int, ...]]:
        z = tuple(m["zone_axis"])
        first = next(v for v in z if v != 0)
        return m["phase"], tuple(-v for v in z) if first < 0 else z

    cover: dict[tuple[str, tuple[int, ...]], set[int]] = {}
    for m in out:
        cover.setdefault(zkey(m), set()).update(m["spots"])
    for m in out:
        m["zone_coverage"] = len(cover[zkey(m)])
    return sorted(out, key=lambda m: (-m["zone_coverage"], m["misfit"]))
