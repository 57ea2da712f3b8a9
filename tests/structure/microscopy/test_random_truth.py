"""Seeded random microscopy images from generators written here (not heterolab.simulate):
lattices of Gaussian columns as Fourier series with random cells, lattice fringes carrying a
known displacement field (a strain step and a strain gradient) for GPA, anti-aliased discs
and ellipses (isolated, touching, cut by the border) for particle sizing; noise and flat
images with no lattice and no particles. Every "ok" number within its reported error (or
the stated tolerance) of the truth, every suspect with its reason; the column fit's
analytic Jacobian against central differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heterolab.arrays import image_dataarray
from heterolab.errors import ParameterError
from heterolab.structure.microscopy import gpa, measure_particles, measure_spacings

pytest.importorskip("skimage")  # the structure extra

Z_MAX = 4.0


# --------------------------------------------------------------------------- FFT spacings


def _cell_image(rng, n, px, a, b, theta, gamma, noise, width=0.2):
    """Gaussian columns on the cell (a, b, γ) rotated by θ, summed as their Fourier series
    (every reflection below 0.45/px), plus white noise; returns the image and the
    reciprocal basis (rows, 1/nm)."""
    y, x = np.mgrid[0:n, 0:n] * px
    cell = np.array(
        [
            [a * math.cos(theta), a * math.sin(theta)],
            [b * math.cos(theta + gamma), b * math.sin(theta + gamma)],
        ]
    )
    recip = np.linalg.inv(cell).T
    img = np.zeros((n, n))
    s = width * min(a, b)
    for h in range(-3, 4):
        for k in range(-3, 4):
            g = h * recip[0] + k * recip[1]
            kk = float(np.linalg.norm(g))
            if (h, k) == (0, 0) or kk > 0.45 / px:
                continue
            img += math.exp(-2 * (math.pi * s * kk) ** 2) * np.cos(
                2 * np.pi * (g[0] * x + g[1] * y)
            )
    img /= img.std()
    img += noise * rng.standard_normal(img.shape)
    return image_dataarray(img.astype(np.float32), px, "nm"), recip


def _nearest_spacing(recip, value):
    d_all = np.array(
        [
            1 / np.linalg.norm(h * recip[0] + k * recip[1])
            for h in range(-12, 13)
            for k in range(-12, 13)
            if (h, k) != (0, 0)
        ]
    )
    return d_all[np.argmin(np.abs(d_all - value))]


def _spot_z(r, recip):
    """(d − d_true)/d_err of every indexed spot; the truth is the lattice vector nearest to the
    spot's own (kx, ky)."""
    g = np.array(
        [h * recip[0] + k * recip[1] for h in range(-12, 13) for k in range(-12, 13) if h or k]
    )
    out = []
    for row in r.statistics["spots"]:
        if row.get("indices") is None:
            continue
        t = g[np.argmin(np.linalg.norm(g - [row["kx"], row["ky"]], axis=1))]
        out.append((row["d"] - 1 / np.linalg.norm(t)) / row["d_err"])
    return out


@pytest.mark.slow
def _random_cell(rng: np.random.Generator, max_noise: float):
    """A lattice image of a random oblique cell (256 or 512 px, 0.01-0.03 nm/px, spacings
    6-25 px, aspect 1-1.5, any rotation, angle 60-120 deg) with noise up to ``max_noise``
    times the signal, and its reciprocal basis."""
    n = int(rng.choice([256, 512]))
    px = rng.uniform(0.01, 0.03)
    a = rng.uniform(6 * px, 25 * px)
    return _cell_image(
        rng,
        n,
        px,
        a,
        a * rng.uniform(1, 1.5),
        rng.uniform(0, np.pi),
        rng.uniform(math.radians(60), math.radians(120)),
        rng.uniform(0, max_noise),
    )


def test_random_cells_d_spacing_errors_are_honest():
    """40 random oblique cells (n 256/512, 6–25 px per cell, noise 0–2.5× the signal's sd):
    the refined basis spacings and every indexed spot's spacing within Z_MAX reported errors
    of the truth, and mean z² of each within 0.7–1.5 (80 basis and ~360 spot z-values: the
    sampling sd of mean z² is ~0.16 and ~0.08 for normal z, more for the Student tails of
    lattice fits with few spots).

    Was: an unweighted lattice fit, strong spots better than stated (median |z| 0.27) and weak
    ones worse (|z| to 18), basis mean z² 2.3–2.5; and with noise ≥ 1.4× the signal a noise
    spot near the centre chosen as a basis vector left three of the four strongest spots
    unindexed, the spacing 26 errors off, status ok."""
    rng = np.random.default_rng(2)
    zb, zs, status = [], [], []
    for _ in range(40):
        img, recip = _random_cell(rng, 2.5)
        r = measure_spacings(img)
        status.append(r.status)
        if r.status != "ok":
            assert r.message
            continue
        for name in ("basis_d1", "basis_d2"):
            q = r.derived[name]
            zb.append((q.value - _nearest_spacing(recip, q.value)) / q.stderr)
        zs += _spot_z(r, recip)
    zb, zs = np.array(zb), np.array(zs)
    summary = {
        "ok": status.count("ok"),
        "basis_mean_z2": float(np.mean(zb**2)),
        "spot_mean_z2": float(np.mean(zs**2)),
        "max_abs_z": float(max(np.abs(zb).max(), np.abs(zs).max())),
    }
    print(summary)
    assert status.count("ok") >= 36, summary
    assert summary["max_abs_z"] <= Z_MAX, summary
    assert 0.7 <= summary["basis_mean_z2"] <= 1.5, summary
    assert 0.7 <= summary["spot_mean_z2"] <= 1.5, summary


def test_nearly_noise_free_cells_errors_cover_the_systematic_floor():
    """Noise 0–5 % of the signal: the errors are the Hann-leakage floor (spot 1e-3, basis
    5e-4 FFT px), which covers the truth; without it the basis was 7 errors off at 1e-4."""
    rng = np.random.default_rng(3)
    zb = []
    for _ in range(12):
        img, recip = _random_cell(rng, 0.05)
        r = measure_spacings(img)
        assert r.status == "ok", r.message
        for name in ("basis_d1", "basis_d2"):
            q = r.derived[name]
            zb.append((q.value - _nearest_spacing(recip, q.value)) / q.stderr)
        assert np.abs(_spot_z(r, recip)).max() <= Z_MAX
    print({"max_abs_z": float(np.abs(zb).max()), "mean_z2": float(np.mean(np.square(zb)))})
    assert np.abs(zb).max() <= Z_MAX and np.mean(np.square(zb)) <= 1.5


@pytest.mark.parametrize("seed", range(4))
def test_noise_has_no_lattice(seed):
    """White noise: no spot exceeds the periodogram's 1 % false-alarm level, so no lattice
    (choosing the basis that indexes the most strong spots found one in noise otherwise)."""
    img = image_dataarray(
        np.random.default_rng(seed).standard_normal((256, 256)).astype(np.float32), 0.02, "nm"
    )
    r = measure_spacings(img)
    assert r.status == "suspect" and "do not form a 2-D lattice" in r.message


# --------------------------------------------------------------------------- GPA


def _fringes(n, px, a, theta, ux, noise, rng):
    """Two perpendicular fringe sets of period ``a`` displaced by u_x(x, y): GPA's small
    strain is exactly ∂u_x/∂x (relative to the undisplaced reference)."""
    y, x = np.mgrid[0:n, 0:n] * px
    u = ux(x, y)
    gs = [np.array([math.cos(t), math.sin(t)]) / a for t in (theta, theta + math.pi / 2)]
    img = sum(np.cos(2 * np.pi * (g[0] * (x - u) + g[1] * y)) for g in gs)
    img = img + noise * rng.standard_normal(img.shape)
    return image_dataarray(img.astype(np.float32), px, "nm"), np.array(gs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gpa_strain_step_and_gradient(seed):
    """A strain step e (|e| ≤ 5 %) in the right half and a gradient ε_xx = c (x − x0) right
    of x0, the left part as reference: noise-free, within 0.1 % strain (issue #13's bar) away
    from the step and the edges; with noise, the region mean within 3 standard errors."""
    rng = np.random.default_rng(seed)
    n, px = 512, 0.02
    big = n * px
    a, theta = rng.uniform(6 * px, 12 * px), rng.uniform(0, np.pi / 2)
    e = rng.uniform(-0.05, 0.05)
    x0 = big / 2
    img, gs = _fringes(n, px, a, theta, lambda x, y: np.where(x > x0, e * (x - x0), 0.0), 0.0, rng)
    r = gpa(img, gs, reference=(0, x0 - 0.15 * big, 0, big))
    assert r.status == "ok", r.message
    res, m = r.statistics["resolution"], r.statistics["edge_margin"]
    exx = r.curves["exx"]
    right = exx.sel(x=slice(x0 + 8 * res, big - m), y=slice(m, big - m)).values
    left = exx.sel(x=slice(m, x0 - 8 * res), y=slice(m, big - m)).values
    assert np.abs(right - e).max() < 1e-3 and np.abs(left).max() < 1e-3
    # the lattice-parameter strain of a step e in u: a_local/a_ref − 1 = e/(1 − e)
    lat = r.curves["exx_lattice"].sel(x=slice(x0 + 8 * res, big - m), y=slice(m, big - m))
    assert float(np.median(lat)) == pytest.approx(e / (1 - e), abs=1e-3)

    c = rng.uniform(-0.01, 0.01)  # strain per nm
    x1 = big / 3
    img, gs = _fringes(
        n, px, a, theta, lambda x, y: np.where(x > x1, 0.5 * c * (x - x1) ** 2, 0.0), 0.0, rng
    )
    r = gpa(img, gs, reference=(0, x1 - 0.1 * big, 0, big))
    sel = r.curves["exx"].sel(x=slice(x1 + 8 * res, big - m), y=slice(m, big - m))
    truth = c * (sel["x"].values - x1)
    assert r.status == "ok" and np.abs(sel.values - truth[None, :]).max() < 1e-3

    # with noise (sd 0.5 per pixel on fringes of amplitude 2): the right-half mean
    img, gs = _fringes(n, px, a, theta, lambda x, y: np.where(x > x0, e * (x - x0), 0.0), 0.5, rng)
    r = gpa(img, gs, reference=(0, x0 - 0.15 * big, 0, big))
    right = r.curves["exx"].sel(x=slice(x0 + 8 * res, big - m), y=slice(m, big - m)).values
    # independent map cells ≈ one per (2·resolution)²
    n_ind = right.size * (r.statistics["map_step"] / (2 * res)) ** 2
    assert (
        r.status == "ok"
        and abs(right.mean() - e) < 3 * right.std() / math.sqrt(max(n_ind, 1)) + 2e-4
    )


def test_gpa_on_an_image_without_a_lattice_is_suspect():
    """Noise: the two strongest 'spots' are noise; the maps were 'ok' (ε_xx = 0.00 ± 0.17)."""
    rng = np.random.default_rng(0)
    for _ in range(3):
        img = image_dataarray(rng.standard_normal((256, 256)).astype(np.float32), 0.02, "nm")
        r = gpa(img)
        assert r.status == "suspect" and "no coherent lattice fringe" in r.message
    flat = image_dataarray(np.ones((128, 128), np.float32), 0.02, "nm")
    with pytest.raises(ParameterError, match="no two non-collinear lattice spots"):
        gpa(flat)


# --------------------------------------------------------------------------- particles


def _render(n, parts, rng, *, bright=True, noise=0.05, ss=4):
    """Ellipses (cx, cy, a, b, φ) in px, anti-aliased by ss × ss sub-pixel sampling."""
    img = np.zeros((n, n))
    o = (np.arange(ss) + 0.5) / ss - 0.5
    for cx, cy, a, b, phi in parts:
        r = math.ceil(max(a, b)) + 2
        y0, y1 = max(int(cy) - r, 0), min(int(cy) + r + 1, n)
        x0, x1 = max(int(cx) - r, 0), min(int(cx) + r + 1, n)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(float)
        acc = np.zeros_like(yy)
        for dy in o:
            for dx in o:
                X, Y = xx + dx - cx, yy + dy - cy
                u = X * math.cos(phi) + Y * math.sin(phi)
                v = -X * math.sin(phi) + Y * math.cos(phi)
                acc += (u / a) ** 2 + (v / b) ** 2 <= 1
        img[y0:y1, x0:x1] = np.maximum(img[y0:y1, x0:x1], acc / ss**2)
    img += noise * rng.standard_normal(img.shape)
    return img if bright else 1 - img


def _place(rng, n, k, rmin, rmax, *, touching=False, ellipses=False):
    parts = []
    for _ in range(20000):
        if len(parts) >= k:
            break
        a = rng.uniform(rmin, rmax)
        b = a * (rng.uniform(0.6, 1) if ellipses else 1)
        cx, cy = rng.uniform(a + 3, n - a - 3, 2)
        if all(math.hypot(cx - p[0], cy - p[1]) > a + p[2] + 3 for p in parts):
            parts.append((cx, cy, a, b, rng.uniform(0, np.pi)))
            if touching and len(parts) < k:
                ang, a2 = rng.uniform(0, 2 * np.pi), rng.uniform(rmin, rmax)
                c2 = (cx + (a + a2 - 0.5) * math.cos(ang), cy + (a + a2 - 0.5) * math.sin(ang))
                inside = all(a2 + 3 < c < n - a2 - 3 for c in c2)
                if inside and all(
                    math.hypot(c2[0] - p[0], c2[1] - p[1]) > a2 + p[2] + 3 for p in parts[:-1]
                ):
                    parts.append((c2[0], c2[1], a2, a2, 0.0))
    return parts


@pytest.mark.parametrize("case", range(6))
def test_random_particles_sizes_within_2_percent(case):
    """Every measured particle's equivalent diameter within 4 % of its ellipse's 2√(ab), none
    measured in pieces, the mean within 2 % of the measured ones' truth and within Z_MAX
    standard errors of all placed particles' mean; merged pairs are excluded and counted.

    Before the fix a 2:1 ellipse was cut in two by the watershed (ridge plateaus of the
    distance map), each half 'measured' 28 % small in an 'ok' result, and a small disc touching
    one twice its size was never split (the window of min_distance hid its maximum)."""
    rng = np.random.default_rng(100 + case)
    n, px = 512, rng.uniform(0.1, 0.5)
    parts = _place(rng, n, 60, 6, 16, touching=case >= 3, ellipses=bool(case % 2))
    bright = case % 3 != 0
    img = image_dataarray(_render(n, parts, rng, bright=bright).astype(np.float32), px, "nm")
    r = measure_particles(img, bright=bright)
    assert r.status == "ok", r.message
    truth = np.array([2 * math.sqrt(p[2] * p[3]) * px for p in parts])
    centres = np.array([(p[0] * px, p[1] * px) for p in parts])
    rows = r.statistics["particles"]
    errs, matched = [], []
    for row in rows:
        i = int(np.argmin(np.hypot(centres[:, 0] - row["x"], centres[:, 1] - row["y"])))
        errs.append(row["equivalent_diameter"] / truth[i] - 1)
        matched.append(i)
    q = r["mean_size"]
    assert len(set(matched)) == len(matched)  # no particle measured in pieces
    assert r.statistics["n_measured"] + 2 * r.statistics["n_overlap"] >= len(parts) - 2
    assert np.abs(errs).max() < 0.04
    assert q.value == pytest.approx(truth[matched].mean(), rel=0.02)
    assert abs(q.value - truth.mean()) / q.stderr <= Z_MAX  # the SEM covers the population


def test_particles_cut_by_the_border_are_counted_not_measured():
    rng = np.random.default_rng(5)
    parts = [(0, 100, 10, 10, 0), (511, 200, 12, 12, 0), (300, 0, 9, 9, 0)]
    parts += [(60 + 40 * i, 300 + 60 * (i % 3), 8, 8, 0) for i in range(11)]
    img = image_dataarray(_render(512, parts, rng).astype(np.float32), 0.2, "nm")
    r = measure_particles(img)
    assert r.statistics["n_edge"] == 3 and r.statistics["n_measured"] == 11
    assert r["mean_size"].value == pytest.approx(16 * 0.2, rel=0.03)


def test_particles_in_pure_noise_are_suspect():
    """Thresholded Gaussian noise gave 21 'particles', status ok."""
    img = image_dataarray(
        np.random.default_rng(7).standard_normal((256, 256)).astype(np.float32), 0.2, "nm"
    )
    r = measure_particles(img)
    assert r.status != "ok" and "segmentation follows noise" in r.message


# --------------------------------------------------------------------------- Jacobian


def test_column_gaussian_jacobian_matches_central_differences():
    from heterolab.structure.microscopy.columns import _gauss2d_residual

    rng = np.random.default_rng(3)
    n, m = 7, 49
    px_ = rng.uniform(-4, 4, (n, m))
    py_ = rng.uniform(-4, 4, (n, m))
    z = rng.normal(size=(n, m))
    p = np.column_stack(
        [
            rng.uniform(0.5, 3, n),
            rng.uniform(-1, 1, n),
            rng.uniform(-1, 1, n),
            rng.uniform(0.8, 2.5, n),
            rng.uniform(-1, 1, n),
        ]
    )
    _, jac = _gauss2d_residual(p, px_, py_, z)
    for k in range(5):
        h = 1e-6 * max(1.0, float(np.abs(p[:, k]).max()))
        up, dn = p.copy(), p.copy()
        up[:, k] += h
        dn[:, k] -= h
        num = (_gauss2d_residual(up, px_, py_, z)[0] - _gauss2d_residual(dn, px_, py_, z)[0]) / (
            2 * h
        )
        np.testing.assert_allclose(jac[..., k], num, rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- CLI


def test_cli_noise_image_gives_one_json_document_with_the_reason(tmp_path):
    """`tem gpa` and `tem particles` on noise: one JSON document, status suspect, reason."""
    import json

    tifffile = pytest.importorskip("tifffile")
    from typer.testing import CliRunner

    from heterolab.cli import app

    f = tmp_path / "noise.tif"
    img = np.random.default_rng(7).standard_normal((256, 256)).astype("float32")
    tifffile.imwrite(f, img, imagej=True, resolution=(50, 50), metadata={"unit": "nm"})
    runner = CliRunner()
    for cmd, phrase in (("gpa", "no coherent lattice fringe"), ("particles", "follows noise")):
        res = runner.invoke(app, ["tem", cmd, str(f), "--json"])
        assert res.exit_code in (0, 1), res.output
        doc = json.loads(res.stdout)
        assert doc["statistics"]["status"] == "suspect"
        assert phrase in doc["statistics"]["message"]
