"""Image quality against an independent slanted-edge generator (Gaussian PSF × pixel
aperture: MTF(f) = exp(−2π²σ²f²)·sinc f), bar profiles and ROIs of known statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import erf

from heterolab.errors import ParameterError
from heterolab.structure.imaging import (
    compare_images,
    contrast,
    line_pair_modulation,
    slanted_edge_mtf,
)


def _edge(n=128, angle=5.0, sigma=1.5, ss=8, noise=0.0, seed=0):
    t = math.radians(angle)
    o = (np.arange(ss) + 0.5) / ss - 0.5
    yy, xx = np.mgrid[:n, :n].astype(float)
    acc = np.zeros((n, n))
    for dy in o:
        for dx in o:
            dist = (xx + dx - n / 2) * math.cos(t) - (yy + dy - n / 2) * math.sin(t)
            acc += 0.5 * (1 + erf(dist / (math.sqrt(2) * sigma)))
    img = 0.2 + 0.6 * acc / ss**2
    return img + np.random.default_rng(seed).normal(0, noise, img.shape)


def _true_mtf50(sigma):
    return brentq(
        lambda f: math.exp(-2 * math.pi**2 * sigma**2 * f**2) * np.sinc(f) - 0.5, 1e-4, 0.99
    )


@pytest.mark.parametrize("sigma", [0.8, 1.5, 3.0])
@pytest.mark.parametrize("transpose", [False, True])
def test_slanted_edge_mtf50_within_5_percent(sigma, transpose):
    img = _edge(sigma=sigma, noise=0.002, seed=int(10 * sigma))
    r = slanted_edge_mtf(img.T if transpose else img)
    assert r.ok, r.message
    assert r.value("mtf50") == pytest.approx(_true_mtf50(sigma), rel=0.05)
    assert abs(r.value("edge_angle")) == pytest.approx(5.0, abs=0.5)


def test_edge_without_tilt_is_refused():
    with pytest.raises(ParameterError, match="tilt the edge"):
        slanted_edge_mtf(_edge(angle=0.0))


def test_line_pair_modulation_of_a_sine_target():
    x = np.arange(200)
    prof = 100 + 30 * np.sin(2 * np.pi * x / 8)  # extremes fall on samples
    r = line_pair_modulation(prof)
    assert r.value("modulation") == pytest.approx(0.3, abs=0.005)
    assert r.value("period") == pytest.approx(8, abs=0.1)
    flat = line_pair_modulation(np.full(50, 3.0) + 1e-9 * x[:50])
    assert flat.status == "suspect" and "not resolved" in flat.message


def test_contrast_and_cnr_of_known_regions():
    rng = np.random.default_rng(1)
    img = rng.normal(100, 5, (100, 100))
    img[40:60, 40:60] += 20
    r = contrast(img, (40, 60, 40, 60), (0, 30, 0, 100))
    assert r.value("weber") == pytest.approx(0.2, abs=0.01)
    assert r.value("cnr") == pytest.approx(4.0, rel=0.08)
    assert r.value("michelson") == pytest.approx(20 / 220, abs=0.005)
    with pytest.raises(ParameterError, match="signal ROI"):
        contrast(img, (90, 120, 0, 10), (0, 10, 0, 10))


def test_compare_ranks_by_cnr_and_mtf():
    rng = np.random.default_rng(2)
    sharp = _edge(sigma=0.8, noise=0.01, seed=1)
    blurred = _edge(sigma=2.5, noise=0.01, seed=2)
    noisy = _edge(sigma=0.8, noise=0.05, seed=3) + rng.normal(0, 0.0, (128, 128))
    imgs = {"sharp": sharp, "blurred": blurred, "noisy": noisy}
    sig, bkg, edge_roi = (100, 128, 0, 128), (0, 28, 0, 128), (32, 96, 16, 112)
    by_cnr = compare_images(imgs, signal_roi=sig, background_roi=bkg)
    assert by_cnr.statistics["ranking"][-1] == "noisy"
    by_mtf = compare_images(
        imgs, signal_roi=sig, background_roi=bkg, edge_roi=edge_roi, rank_by="mtf50"
    )
    assert by_mtf.statistics["ranking"][-1] == "blurred"
