"""Atom-column positions in atomic-resolution (S)TEM images and strain from them.

Columns are found as in atomap (Nord et al., Adv. Struct. Chem. Imaging 3, 9 (2017)): the
slowly varying background (a Gaussian blur of ``background_blur`` px) is subtracted, the image
is denoised by a truncated singular-value decomposition (``pca_components`` components), and
intensity maxima at least ``separation`` apart are columns. Two routes give the positions:

- ``atomap``: atomap's own functions (``get_atom_positions``, ``Sublattice``, centre-of-mass
  and 2-D Gaussian refinement), when the package installs (extra ``structure``);
- ``skimage``: scikit-image ``peak_local_max`` on the same pre-processed image, then a
  centre-of-mass and a 2-D Gaussian least-squares refinement of each column inside a disk of
  0.4 × the nearest-neighbour distance.

A second sub-lattice is placed at the midpoints between neighbouring columns along one zone
vector (atomap's ``find_missing_atoms_from_zone_vector``), e.g. the B-cation (Ti–O) columns
between the Sr columns of SrTiO3 along [110].

Strain (:func:`column_strain`): each column's neighbour vectors are matched to the reference
lattice ``n₁a₁ + n₂a₂`` (basis from a reference region) and the local deformation gradient
F = I + D is the least-squares map of reference onto measured vectors (the peak-pair idea of
Galindo et al., Ultramicroscopy 107, 1186 (2007)). ε = ½(D + Dᵀ) is the small strain relative
to the reference lattice — the same definition as GPA's (``phase_strain``) — and
ω = ½(D_yx − D_xy) the rotation (rad).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.result import Quantity, Result
from heterolab.structure.microscopy._image import calibration
from heterolab.structure.microscopy.choices import ColumnMethod

__all__ = ["ColumnMethod", "column_strain", "find_atom_columns", "lattice_vectors"]


def _method(value: ColumnMethod | str) -> ColumnMethod:
    try:
        return ColumnMethod(str(value).lower())
    except ValueError:
        raise ParameterError(
            f"column method {value!r} is not one of {', '.join(m.value for m in ColumnMethod)}"
        ) from None


def _atomap_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("atomap") is not None


def _import_atomap() -> tuple[Any, Any, Any]:
    """atomap's modules, imported quietly (hyperspy and atomap warn about deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import atomap.api  # noqa: F401  (atomap's submodules import circularly without it)
        import atomap.atom_finding_refining as afr
        import hyperspy.api as hs
        from atomap.sublattice import Sublattice
    return afr, Sublattice, hs


# ----------------------------------------------------------------------------- pre-processing
def _preprocess(data: np.ndarray, background_blur: float, pca_components: int) -> np.ndarray:
    """Background-subtracted, SVD-truncated image (atomap's ``subtract_average_background``
    and ``do_pca_on_signal``), shifted to a minimum of 0."""
    from scipy import ndimage as ndi

    img = np.asarray(data, dtype=np.float64)
    img = img - ndi.gaussian_filter(img, background_blur, mode="nearest")
    img -= img.min()
    k = int(pca_components)
    if 0 < k < min(img.shape) - 1:
        img = _truncated_svd(img, k)
        if img.min() < 0:
            img -= img.min()
    return img


def _truncated_svd(a: np.ndarray, k: int, n_iter: int = 5) -> np.ndarray:
    """Rank-``k`` approximation of ``a`` by a randomized SVD (Halko, Martinsson & Tropp,
    SIAM Rev. 53, 217 (2011)), seeded; ``n_iter`` power iterations as scikit-learn's
    ``TruncatedSVD`` that atomap uses."""
    rng = np.random.default_rng(0)
    q = a @ rng.standard_normal((a.shape[1], k + 10))
    for _ in range(n_iter):
        q, _r = np.linalg.qr(q)
        q, _r = np.linalg.qr(a.T @ q)
        q = a @ q
    q, _r = np.linalg.qr(q)
    u, s, vt = np.linalg.svd(q.T @ a, full_matrices=False)
    return (q @ u[:, :k]) * s[:k] @ vt[:k]


def _remove_close(peaks: np.ndarray, values: np.ndarray, min_dist: float) -> np.ndarray:
    """Drop the weaker of any two peaks closer than ``min_dist`` (px)."""
    from scipy.spatial import cKDTree

    order = np.argsort(-values, kind="stable")
    keep = np.ones(len(peaks), bool)
    tree = cKDTree(peaks)
    for i in order:
        if not keep[i]:
            continue
        for j in tree.query_ball_point(peaks[i], min_dist):
            if j != i and keep[j] and values[j] <= values[i]:
                keep[j] = False
    return peaks[keep]


def _gauss2d_residual(
    p: np.ndarray, px_: np.ndarray, py_: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Residuals ``a·exp(−r²/2s²) + c − z`` of each column's pixels and their analytic
    Jacobian over ``p = (a, x_c, y_c, s, c)`` per column (shape (n, m, 5))."""
    a, xc, yc, s, c = (p[:, k : k + 1] for k in range(5))
    ex, ey = px_ - xc, py_ - yc
    g = np.exp(-(ex * ex + ey * ey) / (2 * s * s))
    jac = np.stack(
        [
            g,
            a * g * ex / s**2,
            a * g * ey / s**2,
            a * g * (ex * ex + ey * ey) / s**3,
            np.ones_like(g),
        ],
        axis=-1,
    )
    return a * g + c - z, jac


def _gauss2d_refine(img: np.ndarray, xy: np.ndarray, radius: float) -> np.ndarray:
    """Centre of mass, then a circular 2-D Gaussian + offset fit of every column at once
    (batched Levenberg–Marquardt) inside a disk of ``radius`` px around its start; a column
    whose fit fails or leaves the disk keeps its centre of mass."""
    r = max(radius, 1.5)
    h = math.ceil(r)
    ny, nx = img.shape
    dy, dx = np.mgrid[-h : h + 1, -h : h + 1]
    ix = np.rint(xy[:, 0]).astype(int)[:, None] + dx.ravel()[None, :]
    iy = np.rint(xy[:, 1]).astype(int)[:, None] + dy.ravel()[None, :]
    valid = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    px_, py_ = ix.astype(float), iy.astype(float)
    z = img[np.clip(iy, 0, ny - 1), np.clip(ix, 0, nx - 1)]
    w = (valid & ((px_ - xy[:, :1]) ** 2 + (py_ - xy[:, 1:]) ** 2 <= r * r)).astype(float)
    zmin = np.min(np.where(w > 0, z, np.inf), axis=1, keepdims=True)
    zmax = np.max(np.where(w > 0, z, -np.inf), axis=1, keepdims=True)
    zmin = np.where(np.isfinite(zmin), zmin, 0.0)
    m = w * np.clip(z - zmin, 0, None)
    msum = m.sum(axis=1)
    good = (w.sum(axis=1) >= 6) & (msum > 0)
    msum = np.where(good, msum, 1.0)
    com = np.column_stack([(m * px_).sum(1) / msum, (m * py_).sum(1) / msum])
    com[~good] = xy[~good]
    p = np.column_stack(
        [np.where(good, (zmax - zmin)[:, 0], 1.0), com, np.full(len(xy), r / 2), zmin[:, 0]]
    )

    def model(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _gauss2d_residual(p, px_, py_, z)

    lam = np.full(len(xy), 1e-3)
    res, jac = model(p)
    cost = (w * res * res).sum(1)
    for _ in range(50):
        jtj = np.einsum("nm,nmi,nmj->nij", w, jac, jac)
        jtr = np.einsum("nm,nmi,nm->ni", w, jac, res)
        damp = jtj + lam[:, None, None] * np.einsum("nii->ni", jtj)[:, :, None] * np.eye(5)
        try:
            step = np.linalg.solve(damp + 1e-12 * np.eye(5), -jtr[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        trial = p + step
        trial[:, 3] = np.abs(trial[:, 3]) + 1e-3
        res_t, jac_t = model(trial)
        cost_t = (w * res_t * res_t).sum(1)
        better = cost_t < cost
        p[better], res[better], jac[better], cost[better] = (
            trial[better],
            res_t[better],
            jac_t[better],
            cost_t[better],
        )
        lam = np.where(better, lam / 3, lam * 4)
        if np.all(np.abs(step[:, 1:3]) < 1e-4) or np.all(lam > 1e8):
            break
    moved = np.hypot(p[:, 1] - xy[:, 0], p[:, 2] - xy[:, 1])
    ok = good & (moved <= r) & (p[:, 0] > 0) & np.all(np.isfinite(p), axis=1)
    return np.where(ok[:, None], p[:, 1:3], com)


# ----------------------------------------------------------------------------- lattice
def lattice_vectors(xy: np.ndarray, n_vectors: int = 4) -> np.ndarray:
    """Zone vectors of a set of column positions, shortest first (px or calibrated units).

    The neighbour vectors of every column (up to 8 nearest) are folded to a half plane and
    clustered; each cluster's mean is a zone vector. Clusters holding fewer than a quarter of
    the columns are dropped.
    """
    from scipy.spatial import cKDTree

    if len(xy) < 6:
        raise ParameterError(f"{len(xy)} columns are too few to define a lattice (need ≥ 6)")
    k = min(9, len(xy))
    d, idx = cKDTree(xy).query(xy, k=k)
    vecs = (xy[idx[:, 1:]] - xy[:, None, :]).reshape(-1, 2)
    nn = float(np.median(d[:, 1]))
    sums: list[np.ndarray] = []
    counts: list[int] = []
    tol = 0.2 * nn
    for v in vecs[np.argsort(np.hypot(*vecs.T))]:
        for c in range(len(sums)):
            m = sums[c] / counts[c]
            if math.hypot(*(v - m)) < tol:
                sums[c] = sums[c] + v
            elif math.hypot(*(v + m)) < tol:  # v and −v are one zone vector
                sums[c] = sums[c] - v
            else:
                continue
            counts[c] += 1
            break
        else:
            sums.append(v if v[1] > 0 or (v[1] == 0 and v[0] > 0) else -v)
            counts.append(1)
    means = [sm / c for sm, c in zip(sums, counts, strict=True) if c >= max(3, len(xy) // 4)]
    means.sort(key=lambda m: float(np.hypot(*m)))
    return np.array(means[:n_vectors])


def _midpoints(xy: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Midpoints between columns i and j with x_j ≈ x_i + v (within a quarter of |v|)."""
    from scipy.spatial import cKDTree

    d, j = cKDTree(xy).query(xy + v, k=1)
    hit = d < 0.25 * float(np.hypot(*v))
    return 0.5 * (xy[hit] + xy[j[hit]])


# ----------------------------------------------------------------------------- finding
def _find_skimage(
    img: np.ndarray, raw: np.ndarray, sep_px: float, threshold_rel: float, refine: bool
) -> np.ndarray:
    from skimage.feature import peak_local_max

    rc = peak_local_max(img, min_distance=int(sep_px), threshold_rel=threshold_rel)
    xy = rc[:, ::-1].astype(float)
    xy = _remove_close(xy, img[rc[:, 0], rc[:, 1]], int(sep_px) / 2)
    if refine and len(xy) >= 2:
        from scipy.spatial import cKDTree

        nn = float(np.median(cKDTree(xy).query(xy, k=2)[0][:, 1]))
        xy = _gauss2d_refine(raw, xy, 0.4 * nn)
    return xy


def _find_atomap(
    data: np.ndarray,
    px: float,
    sep_px: float,
    threshold_rel: float,
    blur: float,
    k: int,
    refine: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, background-subtracted image) by atomap's functions (x, y in px)."""
    afr, sublattice_cls, hs = _import_atomap()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = hs.signals.Signal2D(np.asarray(data, dtype=np.float64))
        for ax in (0, 1):
            s.axes_manager[ax].scale = px
        s_bg = afr.subtract_average_background(s, gaussian_blur=blur)
        s_proc = afr.do_pca_on_signal(s_bg, pca_components=k) if k > 0 else s_bg
        peaks = afr.get_atom_positions(s_proc, sep_px, threshold_rel=threshold_rel)
        bg_img = np.asarray(s_bg.data, dtype=float)
        if refine and len(peaks) >= 3:
            from heterolab.progress import progress_task

            sub = sublattice_cls(peaks, bg_img)
            with progress_task("refining columns (atomap)", total=2, unit="passes") as tick:
                sub.find_nearest_neighbors()
                sub.refine_atom_positions_using_center_of_mass(
                    percent_to_nn=0.4, show_progressbar=False
                )
                tick()
                sub.refine_atom_positions_using_2d_gaussian(
                    percent_to_nn=0.4, show_progressbar=False
                )
                tick()
            peaks = np.column_stack([sub.x_position, sub.y_position])
    return np.asarray(peaks, dtype=float), bg_img


def _atomap_midpoints(peaks: np.ndarray, image: np.ndarray, index: int) -> tuple[np.ndarray, list]:
    """atomap's second sub-lattice from its zone vector ``index`` and its zone vectors (px)."""
    _afr, sublattice_cls, _hs = _import_atomap()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sub = sublattice_cls(peaks, image)
        sub.construct_zone_axes()
        zones = list(sub.zones_axis_average_distances)
        if index >= len(zones):
            raise ParameterError(
                f"sublattice_vector {index} out of range: {len(zones)} zone vectors"
            )
        b = sub.find_missing_atoms_from_zone_vector(zones[index])
    return np.asarray(b, dtype=float).reshape(-1, 2), [tuple(map(float, z)) for z in zones]


def find_atom_columns(
    image: xr.DataArray,
    separation: float,
    *,
    method: ColumnMethod | str = ColumnMethod.AUTO,
    threshold_rel: float = 0.02,
    background_blur: float = 30.0,
    pca_components: int = 22,
    refine: bool = True,
    sublattice_vector: int | None = None,
) -> Result:
    """Atom-column positions of an atomic-resolution image (kind ``"tem.columns"``).

    Parameters
    ----------
    image
        Calibrated ``("y", "x")`` image, bright columns (ADF/HAADF; invert an ABF image first).
    separation
        Smallest distance between columns (image length unit, e.g. nm); atomap's test of
        SrTiO3 uses 0.15 nm.
    method
        :class:`ColumnMethod`: ``auto``, ``atomap`` or ``skimage``.
    threshold_rel
        Smallest peak height as a fraction of the image maximum (after pre-processing).
    background_blur, pca_components
        Gaussian blur (px) of the subtracted background and number of SVD components kept
        (0: no denoising).
    refine
        Refine positions (centre of mass + 2-D Gaussian); off: integer pixel maxima.
    sublattice_vector
        Index (shortest first) of the zone vector whose midpoints form a second sub-lattice.

    Returns
    -------
    Result
        ``n_columns`` and ``n_sublattice`` (count), ``a1``/``a2`` (zone-vector lengths) and
        ``angle`` (deg) of the column lattice; curves ``columns`` and ``sublattice`` (dims
        ``column``, coords ``x``/``y`` in the image unit, values the pre-processed intensity)
        and ``image``.
    """
    m = _method(method)
    px, unit = calibration(image)
    if not (math.isfinite(separation) and separation > 0):
        raise ParameterError(f"separation must be > 0 ({unit}), got {separation}")
    sep_px = separation / px
    if sep_px < 1:
        raise ParameterError(
            f"separation {separation:g} {unit} is {sep_px:.2f} px; it must span at least 1 px"
        )
    if not 0 <= threshold_rel < 1:
        raise ParameterError(f"threshold_rel must be in [0, 1), got {threshold_rel}")
    if m is ColumnMethod.AUTO:
        m = ColumnMethod.ATOMAP if _atomap_available() else ColumnMethod.SKIMAGE
    if m is ColumnMethod.ATOMAP and not _atomap_available():
        raise ParameterError(
            "method 'atomap' needs the atomap package (pip install 'heterolab[structure]'); "
            "method 'skimage' works without it"
        )
    data = np.asarray(image.values, dtype=np.float64)
    if not np.all(np.isfinite(data)):
        raise ParameterError("the image holds non-finite values")
    from heterolab._threads import single_threaded_blas

    # small QR/SVD/solves: threaded BLAS on a loaded 2-core machine is ~500x slower
    with single_threaded_blas():
        if m is ColumnMethod.ATOMAP:
            xy, bg_img = _find_atomap(
                data, px, sep_px, threshold_rel, background_blur, pca_components, refine
            )
            proc = bg_img
        else:
            proc = _preprocess(data, background_blur, pca_components)
            from scipy import ndimage as ndi

            bg_img = data - ndi.gaussian_filter(data, background_blur, mode="nearest")
            xy = _find_skimage(proc, bg_img, sep_px, threshold_rel, refine)
        return _columns_result(image, xy, proc, px, unit, m, sublattice_vector, separation)


def _columns_result(
    image: xr.DataArray,
    xy: np.ndarray,
    proc: np.ndarray,
    px: float,
    unit: str,
    m: ColumnMethod,
    sublattice_vector: int | None,
    separation: float,
) -> Result:
    res = Result(kind="tem.columns")
    n = len(xy)
    res.parameters["n_columns"] = Quantity(float(n), None, "1")
    res.statistics.update(
        {"method": m.value, "separation": separation, "unit": unit, "pixel_size": px}
    )
    if n < 6:
        res.mark_failed(f"{n} columns found: too few for a lattice (separation too large?)")
        res.curves["columns"] = _points(xy * px, proc, xy, unit, "columns")
        return res
    vecs = lattice_vectors(xy)
    res.statistics["zone_vectors_px"] = vecs.tolist()
    if len(vecs) >= 2:
        a1, a2 = vecs[0], vecs[1]
        res.derived["a1"] = Quantity(float(np.hypot(*a1)) * px, None, unit)
        res.derived["a2"] = Quantity(float(np.hypot(*a2)) * px, None, unit)
        cosang = float(a1 @ a2 / (np.hypot(*a1) * np.hypot(*a2)))
        res.derived["angle"] = Quantity(
            math.degrees(math.acos(np.clip(cosang, -1, 1))), None, "deg"
        )
    else:
        res.mark_suspect("fewer than two zone vectors found: not a 2-D column lattice")
    res.curves["columns"] = _points(xy * px, proc, xy, unit, "columns")
    if sublattice_vector is not None:
        k = int(sublattice_vector)
        if m is ColumnMethod.ATOMAP:
            mid, zones = _atomap_midpoints(xy, proc, k)
            res.statistics["atomap_zone_vectors_px"] = zones[:6]
        else:
            if not 0 <= k < len(vecs):
                raise ParameterError(
                    f"sublattice_vector {k} out of range: {len(vecs)} zone vectors found"
                )
            mid = _midpoints(xy, vecs[k])
        res.parameters["n_sublattice"] = Quantity(float(len(mid)), None, "1")
        res.curves["sublattice"] = _points(mid * px, proc, mid, unit, "sublattice")
    img = image.copy()
    img.name = "image"
    res.curves["image"] = img
    return res


def _points(
    xy: np.ndarray, proc: np.ndarray, xy_px: np.ndarray, unit: str, name: str
) -> xr.DataArray:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    ij = np.clip(np.rint(np.asarray(xy_px).reshape(-1, 2)).astype(int), 0, None)
    ij[:, 0] = np.minimum(ij[:, 0], proc.shape[1] - 1)
    ij[:, 1] = np.minimum(ij[:, 1], proc.shape[0] - 1)
    vals = proc[ij[:, 1], ij[:, 0]] if len(ij) else np.zeros(0)
    da = xr.DataArray(
        vals,
        dims=("column",),
        coords={"x": ("column", xy[:, 0]), "y": ("column", xy[:, 1])},
        name=name,
        attrs={"units": "counts"},
    )
    da["x"].attrs["units"] = unit
    da["y"].attrs["units"] = unit
    return da


# ----------------------------------------------------------------------------- strain
def column_strain(
    columns: Result | xr.DataArray,
    *,
    reference: tuple[float, float, float, float] | None = None,
    basis: np.ndarray | None = None,
    radius: float = 1.6,
) -> Result:
    """Local strain at every column from its neighbours (kind ``"tem.column_strain"``).

    Parameters
    ----------
    columns
        A :func:`find_atom_columns` result or its ``columns`` curve.
    reference
        ``(x0, x1, y0, y1)`` region (image unit) whose columns define the reference lattice;
        default all columns.
    basis
        Reference lattice vectors (2 × 2, rows a₁, a₂, image unit) instead of measuring them.
    radius
        Neighbours within ``radius`` × |a₂| enter each column's fit.

    Returns
    -------
    Result
        Curves ``exx``, ``eyy``, ``exy`` (1), ``rotation`` (rad) over ``column``; parameters
        the mean and standard deviation of each inside the reference (≈ 0) and outside it.
    """
    from scipy.spatial import cKDTree

    pts = columns.curves["columns"] if isinstance(columns, Result) else columns
    unit = str(pts["x"].attrs.get("units", ""))
    xy = np.column_stack([pts["x"].values, pts["y"].values]).astype(float)
    if len(xy) < 6:
        raise ParameterError(f"{len(xy)} columns are too few for strain (need ≥ 6)")
    in_ref = np.ones(len(xy), bool)
    if reference is not None:
        x0, x1, y0, y1 = reference
        in_ref = (xy[:, 0] >= min(x0, x1)) & (xy[:, 0] <= max(x0, x1))
        in_ref &= (xy[:, 1] >= min(y0, y1)) & (xy[:, 1] <= max(y0, y1))
        if in_ref.sum() < 6:
            raise ParameterError(
                f"the reference region holds {int(in_ref.sum())} columns; need at least 6"
            )
    if basis is None:
        vecs = lattice_vectors(xy[in_ref])
        if len(vecs) < 2:
            raise ParameterError("no two zone vectors found in the reference region")
        basis = vecs[:2]
    basis = np.asarray(basis, dtype=float).reshape(2, 2)
    binv = np.linalg.inv(basis.T)  # coordinates n = binv @ v
    r_max = radius * float(np.hypot(*basis[1]))
    tree = cKDTree(xy)
    d_all = np.full((len(xy), 2, 2), np.nan)
    for i, nbrs in enumerate(tree.query_ball_point(xy, r_max)):
        nbrs = [j for j in nbrs if j != i]
        if len(nbrs) < 3:
            continue
        v = xy[nbrs] - xy[i]
        n = np.rint(v @ binv.T)
        keep = np.any(n != 0, axis=1)
        ref = n[keep] @ basis
        if keep.sum() < 3 or np.linalg.matrix_rank(ref) < 2:
            continue
        f, *_ = np.linalg.lstsq(ref, v[keep], rcond=None)  # v ≈ ref @ F^T
        d_all[i] = f.T - np.eye(2)
    exx, eyy = d_all[:, 0, 0], d_all[:, 1, 1]
    exy = 0.5 * (d_all[:, 0, 1] + d_all[:, 1, 0])
    rot = 0.5 * (d_all[:, 1, 0] - d_all[:, 0, 1])
    res = Result(kind="tem.column_strain")
    res.statistics.update(
        {
            "strain_definition": "small strain ε = ½(D + Dᵀ), F = I + D maps the reference "
            "lattice onto each column's neighbour vectors (as GPA's)",
            "basis": basis.tolist(),
            "unit": unit,
            "n_reference": int(in_ref.sum()),
            "n_fitted": int(np.isfinite(exx).sum()),
        }
    )
    for name, v in (("exx", exx), ("eyy", eyy), ("exy", exy), ("rotation", rot)):
        u = "rad" if name == "rotation" else "1"
        da = xr.DataArray(
            v,
            dims=("column",),
            coords={"x": ("column", xy[:, 0]), "y": ("column", xy[:, 1])},
            name=name,
            attrs={"units": u},
        )
        da["x"].attrs["units"] = unit
        da["y"].attrs["units"] = unit
        res.curves[name] = da
        for tag, sel in (("reference", in_ref), ("outside", ~in_ref)):
            vals = v[sel & np.isfinite(v)]
            if vals.size:
                res.parameters[f"{name}_{tag}"] = Quantity(
                    float(vals.mean()),
                    float(vals.std(ddof=1) / math.sqrt(vals.size)) if vals.size > 1 else None,
                    u,
                )
                res.statistics[f"{name}_{tag}_sd"] = (
                    float(vals.std(ddof=1)) if vals.size > 1 else 0.0
                )
    if res.statistics["n_fitted"] < len(xy) // 2:
        res.mark_suspect(
            f"strain fitted at {res.statistics['n_fitted']} of {len(xy)} columns (too few neighbours)"
        )
    return res
