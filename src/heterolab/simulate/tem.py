"""Simulated HRTEM-like lattice-fringe images with a known strain field (ground truth for GPA).

A cubic lattice seen along [001] gives two perpendicular fringe systems with reciprocal vectors
``g1 = (1/d, 0)`` and ``g2 = (0, 1/d)``. A displacement field ``u(r)`` enters as

.. math:: I(r) = I_0 + \\sum_g A_g \\cos\\big(2\\pi\\,g\\cdot(r - u(r))\\big) + \\epsilon

so that the geometric-phase-analysis (GPA) phase is ``P_g(r) = -2π g·u(r)`` and the strain is
``ε_ij = ½(∂u_i/∂x_j + ∂u_j/∂x_i)`` (Hÿtch, Snoeck & Kilaas, Ultramicroscopy 74, 131 (1998)),
relative to the reference lattice of spacing ``d``. This is a kinematic fringe model, not an
image simulation with a contrast transfer function; it is the input a GPA implementation must
invert.

Built-in field: a lattice strained by ``strain_xx``, ``strain_yy`` for ``x > interface_x_nm``
(a coherent interface such as the 2D/3D junction analysed by GPA in thesis §4.3.2, Fig. 4-11),
with a smooth tanh transition of width ``interface_width_nm``:

``s(x) = ½[1 + tanh((x - x0)/w)]``, ``u_x = ε_xx ∫_0^x s``, ``u_y = ε_yy s(x) y``, hence
``ε_xx(x) = ε_xx s(x)``, ``ε_yy = ε_yy s(x)``, ``ε_xy = ½ ε_yy s'(x) y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.simulate._common import positive, positive_int, rng_from_seed, simulated_array

__all__ = ["simulate_lattice_image"]


def _step_integral(x: np.ndarray, x0: float, w: float) -> np.ndarray:
    """∫_0^x s(x') dx' for s = ½[1 + tanh((x' - x0)/w)], written without overflow."""

    def f(v: np.ndarray) -> np.ndarray:
        z = (v - x0) / w
        # ½ (v + w ln cosh z), with ln cosh z = |z| + log1p(exp(-2|z|)) - ln 2
        return 0.5 * (v + w * (np.abs(z) + np.log1p(np.exp(-2 * np.abs(z))) - np.log(2.0)))

    return f(x) - f(np.zeros_like(x))


def simulate_lattice_image(
    *,
    shape: tuple[int, int] = (256, 256),
    pixel_nm: float = 0.02,
    spacing_nm: float = 0.2937,
    strain_xx: float = 0.0,
    strain_yy: float = 0.0,
    interface_x_nm: float | None = None,
    interface_width_nm: float = 0.3,
    fringe_amplitude: float = 1.0,
    noise_std: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> tuple[xr.DataArray, dict[str, Any]]:
    """Lattice-fringe image (dims ``("y", "x")`` in nm) with a known strain field.

    Parameters
    ----------
    shape
        Image size (ny, nx) in pixels.
    pixel_nm
        Pixel size (nm); the fringe spacing must span at least 3 pixels.
    spacing_nm
        Reference lattice-plane spacing d (nm); default CsPbBr3 (200), 0.2937 nm.
    strain_xx, strain_yy
        Strain of the region ``x > interface_x_nm`` relative to the reference.
    interface_x_nm, interface_width_nm
        Interface position (default: image centre) and tanh width (nm).
    fringe_amplitude, noise_std
        Fringe contrast and white Gaussian noise standard deviation (image units).

    Returns
    -------
    (xarray.DataArray, dict)
        ``intensity`` (arbitrary units) and truth: ``g_per_nm`` vectors, scalar strains and
        the strain maps ``exx``, ``eyy``, ``exy`` (numpy arrays, same shape as the image).
    """
    ny = positive_int("shape[0]", shape[0], minimum=8)
    nx = positive_int("shape[1]", shape[1], minimum=8)
    px = positive("pixel_nm", pixel_nm)
    d = positive("spacing_nm", spacing_nm)
    if d < 3 * px:
        raise ParameterError(
            f"spacing_nm {d} is under 3 pixels of {px} nm: the fringes would be aliased"
        )
    w = positive("interface_width_nm", interface_width_nm)
    for name, e in (("strain_xx", strain_xx), ("strain_yy", strain_yy)):
        if not abs(e) < 0.5:
            raise ParameterError(f"{name} must be a fraction with |strain| < 0.5, got {e!r}")
    x = np.arange(nx) * px
    y = np.arange(ny) * px
    x0 = 0.5 * x[-1] if interface_x_nm is None else float(interface_x_nm)
    xx, yy = np.meshgrid(x, y)
    s = 0.5 * (1.0 + np.tanh((xx - x0) / w))
    ds = 0.5 / w / np.cosh(np.clip((xx - x0) / w, -350, 350)) ** 2
    ux = strain_xx * _step_integral(xx, x0, w)
    uy = strain_yy * s * yy
    g = 1.0 / d
    image = fringe_amplitude * (
        np.cos(2 * np.pi * g * (xx - ux)) + np.cos(2 * np.pi * g * (yy - uy))
    )
    image = image + 2.0 * abs(fringe_amplitude)  # positive intensities
    noise = positive("noise_std", noise_std, allow_zero=True)
    if noise > 0:
        image = image + rng_from_seed(seed).normal(0.0, noise, size=image.shape)
    da = simulated_array(
        image, {"y": (y, "nm"), "x": (x, "nm")}, name="intensity", units="a.u.", pixel_nm=px
    )
    truth = {
        "kind": "tem.lattice_image",
        "spacing_nm": d,
        "g_per_nm": [[g, 0.0], [0.0, g]],
        "strain_xx": float(strain_xx),
        "strain_yy": float(strain_yy),
        "interface_x_nm": x0,
        "interface_width_nm": w,
        "strain_definition": "du/dx relative to the reference lattice (GPA, Hytch 1998)",
        "exx": strain_xx * s,
        "eyy": strain_yy * s,
        "exy": 0.5 * strain_yy * ds * yy,
    }
    return da, truth
