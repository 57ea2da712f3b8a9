"""Parametric spectral shapes: a species' spectrum written as amplitude x Gaussian band.

A shaped compartment k contributes :math:`a_k\\,f_k(x;\\theta_k)\\,c_k(t - t_0(\\lambda))` to
ΔOD, with the amplitude :math:`a_k` linear and the shape parameters :math:`\\theta_k`
(location, width, skewness) nonlinear, fitted with the rates. This is the "spectral model"
of TIMP and Glotaran (van Stokkum, Larsen & van Grondelle, Biochim. Biophys. Acta 1657, 82
(2004), §4.2 "spectral models"; Mullen & van Stokkum, J. Stat. Softw. 18(3), 2007) — called a
*full model* when every compartment is shaped (pyglotaran's spectral megacomplex given as a
dataset's ``global_megacomplex``).

Shapes (x on the chosen axis; Δ the full width at half maximum, FWHM):

- ``gaussian``: :math:`f = \\exp(-\\ln 2\\,[2(x - x_0)/\\Delta]^2)`,
- ``skewed_gaussian``: :math:`f = \\exp(-\\ln 2\\,[\\ln(1 + 2b(x - x_0)/\\Delta)/b]^2)` where
  the logarithm's argument is positive, 0 elsewhere — the Fraser-Suzuki function (Fraser &
  Suzuki, Anal. Chem. 41, 37 (1969)), the skewed band of van Stokkum et al. (2004) eq. (31).
  :math:`\\ln(1 + bu)/b \\to u` as :math:`b \\to 0` (the Gaussian); it is evaluated as
  ``log1p(b u)/b``, smooth through b = 0. The peak stays at :math:`x_0` (f = 1) for every b.

Location and width are in nm on the wavelength axis (default), or in cm⁻¹ with
``axis = "wavenumber"`` (:math:`\\tilde\\nu = 10^7/\\lambda`; a band is a Gaussian in energy,
not in wavelength). Both conventions match pyglotaran's, which evaluates the shape on the
axis it is given.

Variable projection stays exact: with :math:`P^\\perp_\\lambda` the projector onto the
complement of the free (unshaped) columns at wavelength λ,

.. math:: r(a) = P^\\perp_\\lambda y_\\lambda - \\sum_k a_k f_k(\\lambda)
          P^\\perp_\\lambda c_{k,\\lambda},

linear in a: the amplitudes come from one small least-squares problem over all wavelengths
(weights applied), and the residual depends on the rates, IRF and shape parameters only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from heterolab.kinetics.ta.model import DatasetSpec, KineticScheme
    from heterolab.kinetics.ta.target import TargetModel
    from heterolab.kinetics.ta.varpro import PreparedDataset
    from heterolab.parameters import ParameterSet
    from heterolab.result import Result

__all__ = [
    "ShapeAxis",
    "ShapeKind",
    "SpectralShape",
    "gaussian",
    "shapes_from_mapping",
    "skewed_gaussian",
]

_LN2 = float(np.log(2.0))
NM_TO_WAVENUMBER = 1e7  # ν̃ (1/cm) = 1e7 / λ (nm)


class ShapeKind(enum.StrEnum):
    """Parametric band shape of a species' spectrum."""

    GAUSSIAN = "gaussian"
    SKEWED_GAUSSIAN = "skewed_gaussian"  # Fraser-Suzuki


class ShapeAxis(enum.StrEnum):
    """Axis the shape's location and width are given on."""

    WAVELENGTH = "wavelength"  # nm
    WAVENUMBER = "wavenumber"  # 1/cm, 1e7/λ


_UNITS = {ShapeAxis.WAVELENGTH: "nm", ShapeAxis.WAVENUMBER: "1/cm"}
_KEYS = {"kind", "location", "width", "skewness", "axis"}


def gaussian(x: np.ndarray, location: float, width: float) -> np.ndarray:
    """Unit-peak Gaussian band of FWHM ``width`` centred at ``location`` (same unit as x)."""
    u = 2.0 * (np.asarray(x, float) - location) / width
    return np.exp(-_LN2 * u**2)


def skewed_gaussian(x: np.ndarray, location: float, width: float, skewness: float) -> np.ndarray:
    """Unit-peak Fraser-Suzuki band: ``exp(-ln2 [ln(1 + b u)/b]²)`` with u = 2(x - x0)/Δ.

    Zero where 1 + b u <= 0 (the band's cut-off on its short side); the Gaussian for b = 0.
    """
    u = 2.0 * (np.asarray(x, float) - location) / width
    if skewness == 0.0:
        return np.exp(-_LN2 * u**2)
    arg = skewness * u
    ok = arg > -1.0
    z = np.log1p(np.where(ok, arg, 0.0)) / skewness
    return np.where(ok, np.exp(-_LN2 * z**2), 0.0)


def band_derivatives(
    x: np.ndarray, location: float, width: float, skewness: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """∂f/∂location, ∂f/∂width and ∂f/∂skewness of the unit-peak band at x (analytic).

    With u = 2(x - x0)/Δ and z = ln(1 + b u)/b (z = u for the Gaussian), f = exp(-ln2 z²)
    and ∂f = -2 ln2 z f ∂z, where ∂z/∂x0 = -2/(Δ(1 + b u)), ∂z/∂Δ = -u/(Δ(1 + b u)) and
    ∂z/∂b = (u/(1 + b u) - z)/b. Where |b u| < 1e-2 the last is taken from the series
    z = u - b u²/2 + b² u³/3 - ..., ∂z/∂b = -u²/2 + 2b u³/3 - 3b² u⁴/4 + 4b³ u⁵/5 (the
    closed form cancels there). Zero past the skewed band's cut-off (1 + b u <= 0).
    """
    x = np.asarray(x, float)
    b = 0.0 if skewness is None else float(skewness)
    u = 2.0 * (x - location) / width
    bu = b * u
    ok = bu > -1.0
    den = np.where(ok, 1.0 + bu, 1.0)
    z = u if b == 0.0 else np.log(den) / b
    f = np.where(ok, np.exp(-_LN2 * z**2), 0.0)
    g = -2.0 * _LN2 * z * f  # ∂f/∂z
    d_loc = g * (-2.0 / (width * den))
    d_wid = g * (-u / (width * den))
    small = np.abs(bu) < 1e-2
    series = -(u**2) / 2 + 2 * b * u**3 / 3 - 3 * b**2 * u**4 / 4 + 4 * b**3 * u**5 / 5
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = (u / den - z) / b if b != 0.0 else series
    d_skew = g * np.where(small, series, closed)
    return (np.where(ok, d_loc, 0.0), np.where(ok, d_wid, 0.0), np.where(ok, d_skew, 0.0))


@dataclass(frozen=True)
class SpectralShape:
    """The spectrum of ``compartment`` = amplitude x band shape (amplitude fitted linearly).

    ``location`` (peak), ``width`` (FWHM) and ``skewness`` are parameter names or numbers
    (numbers are fixed); nm with ``axis="wavelength"``, cm⁻¹ with ``axis="wavenumber"``.
    """

    compartment: str
    kind: str
    location: float | str
    width: float | str
    skewness: float | str | None = None
    axis: str = ShapeAxis.WAVELENGTH.value

    def names(self) -> list[str]:
        """Parameter names the shape uses."""
        return [v for v in (self.location, self.width, self.skewness) if isinstance(v, str)]

    def axis_values(self, wavelength: np.ndarray) -> np.ndarray:
        """The data's wavelengths (nm) on this shape's axis (nm or 1/cm)."""
        x = np.asarray(wavelength, float)
        if _choice(ShapeAxis, self.axis) is ShapeAxis.WAVENUMBER:
            return NM_TO_WAVENUMBER / x
        return x

    def derivatives(
        self, wavelength: np.ndarray, values: Mapping[str, float]
    ) -> dict[str, np.ndarray]:
        """∂band/∂parameter at each wavelength for the parameter NAMES the shape uses
        (summed when one name serves two roles)."""
        val = _values_of(values)
        skew = None if self.skewness is None else val(self.skewness)
        parts = band_derivatives(
            self.axis_values(wavelength), val(self.location), val(self.width), skew
        )
        out: dict[str, np.ndarray] = {}
        for v, part in zip((self.location, self.width, self.skewness), parts, strict=True):
            if isinstance(v, str):
                out[v] = out[v] + part if v in out else part
        return out

    def evaluate(self, wavelength: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
        """The unit-peak band at each wavelength (nm)."""
        val = _values_of(values)
        x = self.axis_values(wavelength)
        if _choice(ShapeKind, self.kind) is ShapeKind.GAUSSIAN:
            return gaussian(x, val(self.location), val(self.width))
        return skewed_gaussian(x, val(self.location), val(self.width), val(self.skewness))


def _values_of(values: Mapping[str, float]) -> Callable[[float | str | None], float]:
    def val(v: float | str | None) -> float:
        return 0.0 if v is None else float(values[v]) if isinstance(v, str) else float(v)

    return val


def _choice(enum_type: type[enum.StrEnum], value: object) -> enum.StrEnum | None:
    try:
        return enum_type(str(value).strip().lower().replace("-", "_"))
    except ValueError:
        return None


def shapes_from_mapping(
    table: object, where: str, problems: list[str], params: ParameterSet | None = None
) -> list[SpectralShape]:
    """Parse a dataset's ``shapes = {s1 = {kind = ..., location = ..., width = ...}}`` table.

    Problems of form (not a table, unknown keys) are appended to ``problems``; the rest is
    checked by :func:`validate_shapes`. With ``params``, width parameters are made positive
    (fitted as logarithms) and units are set from the axis.
    """
    if not isinstance(table, Mapping):
        problems.append(f"{where}: 'shapes' must be a table {{compartment = {{kind = ...}}}}")
        return []
    out = []
    for comp, d in table.items():
        if not isinstance(d, Mapping):
            problems.append(
                f"{where}: shape of {comp!r} must be a table with kind, location, width"
            )
            continue
        unknown = sorted(set(d) - _KEYS)
        if unknown:
            problems.append(
                f"{where}: shape of {comp!r} has unknown key(s) {unknown}; known: {sorted(_KEYS)}"
            )
        shape = SpectralShape(
            str(comp),
            str(d.get("kind", "")),
            _value(d.get("location")),
            _value(d.get("width")),
            _value(d.get("skewness")) if "skewness" in d else None,
            str(d.get("axis", ShapeAxis.WAVELENGTH.value)),
        )
        out.append(shape)
        if params is not None:
            _mark_units(shape, params)
    return out


def _value(v: object) -> Any:
    """A TOML value as a parameter name or a float (None and other types kept for validation)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | float):
        return float(v)
    return v if not isinstance(v, str) else v.strip()


def _mark_units(shape: SpectralShape, params: ParameterSet) -> None:
    axis = _choice(ShapeAxis, shape.axis)
    unit = _UNITS.get(axis, "") if axis is not None else ""  # type: ignore[call-overload]
    for name, u, positive in (
        (shape.location, unit, False),
        (shape.width, unit, True),
        (shape.skewness, "1", False),
    ):
        if isinstance(name, str) and name in params.params and params.params[name].expr is None:
            params.params[name].unit = u
            if positive:
                params.params[name].positive = True


def validate_shapes(spec: DatasetSpec, scheme: KineticScheme, params: ParameterSet) -> list[str]:
    """Every problem with ``spec.shapes`` (empty when valid)."""
    shapes: Sequence[SpectralShape] = getattr(spec, "shapes", [])
    if not shapes:
        return []
    head = f"dataset {spec.name!r}"
    problems: list[str] = []
    values = params.values() if not _has_problem_values(params) else {}
    reach = _reachable(spec, scheme)
    seen: set[str] = set()
    others = {
        "nonnegative": set(spec.nonnegative),
        "constraints": {c.compartment for c in spec.constraints}
        | {c.target for c in spec.constraints if c.target},
        "equal_area": {c for e in spec.equal_area for c in (e.compartment, e.target)},
    }
    if spec.nonnegative:
        problems.append(
            f"{head}: nonnegative spectra and shapes in one dataset are not supported together "
            "(the bounded per-wavelength solve does not include the shaped bands)"
        )
    for s in shapes:
        where = f"{head}: shape of {s.compartment!r}"
        if s.compartment in seen:
            problems.append(f"{where} is given twice")
        seen.add(s.compartment)
        if s.compartment not in scheme.compartments:
            problems.append(f"{where}: unknown compartment; known: {sorted(scheme.compartments)}")
        elif spec.compartments is not None and s.compartment not in spec.compartments:
            problems.append(
                f"{where}: the compartment has no spectrum in this dataset (not in its "
                f"compartments {list(spec.compartments)})"
            )
        elif s.compartment not in reach:
            problems.append(
                f"{where}: the compartment is never populated in this dataset (no initial "
                "population reaches it), so its amplitude cannot be fitted"
            )
        for key, names in others.items():
            if s.compartment in names:
                problems.append(
                    f"{where}: a shaped spectrum cannot also appear in {key} (its spectrum is "
                    "already fixed by the shape)"
                )
        kind = _choice(ShapeKind, s.kind)
        if kind is None:
            problems.append(
                f"{where}: unknown kind {s.kind!r}; valid: {[k.value for k in ShapeKind]}"
            )
        if _choice(ShapeAxis, s.axis) is None:
            problems.append(
                f"{where}: unknown axis {s.axis!r}; valid: {[a.value for a in ShapeAxis]}"
            )
        need: list[tuple[str, object]] = [("location", s.location), ("width", s.width)]
        if kind is ShapeKind.SKEWED_GAUSSIAN:
            need.append(("skewness", s.skewness))
        elif kind is ShapeKind.GAUSSIAN and s.skewness is not None:
            problems.append(f"{where}: a 'gaussian' has no skewness (use kind 'skewed_gaussian')")
        for key, v in need:
            problems += _check_value(where, key, v, params, values)
    return problems


def _has_problem_values(params: ParameterSet) -> bool:
    try:
        params.values()
    except Exception:  # a bad expression is reported by the parameter set itself
        return True
    return False


def _check_value(
    where: str, key: str, v: object, params: ParameterSet, values: Mapping[str, float]
) -> list[str]:
    if v is None:
        return [f"{where}: missing {key!r} (a parameter name or a number)"]
    if isinstance(v, str):
        if v not in params.params:
            return [f"{where}: {key} parameter {v!r} is not defined"]
        x = values.get(v)
    elif isinstance(v, float):
        x = v
    else:
        return [f"{where}: {key} must be a parameter name or a number, got {v!r}"]
    if x is not None and not np.isfinite(x):
        return [f"{where}: {key} must be finite, got {x}"]
    if key == "width" and x is not None and x <= 0:
        return [f"{where}: width (FWHM) must be > 0, got {x}"]
    return []


def _reachable(spec: DatasetSpec, scheme: KineticScheme) -> set[str]:
    seen = {c for c in spec.initial if c in scheme.compartments}
    grow = True
    while grow:
        new = {tr.target for tr in scheme.transitions if tr.source in seen}
        grow = not new <= seen
        seen |= new
    return seen


# ------------------------------------------------------------------ variable projection
def shaped_labels(p: PreparedDataset) -> list[str]:
    """Compartments of ``p`` whose spectra are shaped."""
    return [s.compartment for s in p.spec.shapes]


def _bands(p: PreparedDataset, values: Mapping[str, float]) -> np.ndarray:
    """Unit-peak bands of the shaped compartments, (n_w, n_shaped)."""
    return np.stack([s.evaluate(p.wavelength, values) for s in p.spec.shapes], axis=1)


@dataclass
class _Design:
    """Projected data and shaped columns at one parameter point."""

    r0: np.ndarray  # (n_w, n_t) P⊥ (w y)
    m: np.ndarray  # (n_w, n_t, n_shaped) P⊥ (w c_k f_k)
    u: np.ndarray  # (n_w, n_t, n_shaped) P⊥ (w c_k): m = u f_k(λ)
    c: np.ndarray  # concentration columns (n_w or 1, n_t, n_col)
    labels: list[str]
    act: np.ndarray
    bands: np.ndarray  # (n_w, n_shaped)
    groups: list[tuple[np.ndarray, np.ndarray, Any]]  # (index, T, (Q, R) or None)


def _design(p: PreparedDataset, values: Mapping[str, float]) -> _Design:
    c, labels = p.full_columns(values)
    act = p.active_columns(c, labels)
    cols = [labels.index(n) for n in shaped_labels(p)]
    bands = _bands(p, values)
    r0 = np.empty_like(p.yw)
    u = np.empty((*p.yw.shape, len(cols)))
    groups: list[tuple[np.ndarray, np.ndarray, Any]] = []
    for g in p.groups:
        t = p.transform(g, labels, values, act)
        idx = g.index
        cg = c[idx] if c.shape[0] > 1 else np.broadcast_to(c[0], (idx.size, *c.shape[1:]))
        w = p.w[idx][:, :, None]
        b = cg[:, :, cols] * w
        yw = p.yw[idx]
        if t.shape[1]:
            q, r = np.linalg.qr((cg @ t) * w)
            qt = np.swapaxes(q, 1, 2)
            r0[idx] = yw - (q @ (qt @ yw[:, :, None]))[:, :, 0]
            u[idx] = b - q @ (qt @ b)
            groups.append((idx, t, (q, r)))
        else:
            r0[idx], u[idx] = yw, b
            groups.append((idx, t, None))
    return _Design(r0, u * bands[:, None, :], u, c, labels, act, bands, groups)


def _amplitudes(d: _Design) -> np.ndarray:
    """Least-squares amplitudes of the shaped compartments over all wavelengths."""
    a = d.m.reshape(-1, d.m.shape[-1])
    return np.asarray(np.linalg.lstsq(a, d.r0.ravel(), rcond=None)[0])


def shaped_residuals(p: PreparedDataset, values: Mapping[str, float]) -> np.ndarray:
    """Variable-projection residuals of a dataset with shaped spectra, flattened."""
    d = _design(p, values)
    return (d.r0 - d.m @ _amplitudes(d)).ravel()


def fixed_amplitude_residuals(
    p: PreparedDataset, values: Mapping[str, float], amplitudes: np.ndarray
) -> np.ndarray:
    """Residuals with the amplitudes held at ``amplitudes`` (free spectra still projected)."""
    d = _design(p, values)
    return (d.r0 - d.m @ amplitudes).ravel()


def shaped_amplitudes(p: PreparedDataset, values: Mapping[str, float]) -> np.ndarray:
    """The fitted amplitudes (OD at the band's peak per unit population) at ``values``."""
    return _amplitudes(_design(p, values))


def shaped_solve(
    p: PreparedDataset, values: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Spectra (shaped ones = a_k f_k), model matrix, labels and concentrations, as
    :meth:`~heterolab.kinetics.ta.varpro.PreparedDataset.solve`."""
    from heterolab.kinetics.ta.projection import triangular_solve

    d = _design(p, values)
    amp = _amplitudes(d)
    cols = [d.labels.index(n) for n in shaped_labels(p)]
    spectra = np.full((p.wavelength.size, len(d.labels)), np.nan)
    for idx, t, qr in d.groups:
        full = np.zeros((idx.size, len(d.labels)))
        if qr is not None:
            q, r = qr
            # free spectra: least squares on the data less the shaped bands
            shaped = np.einsum("wtk,wk->wt", _weighted(p, d.c, idx, cols), d.bands[idx] * amp)
            rest = p.yw[idx] - shaped
            coef = triangular_solve(r, np.swapaxes(q, 1, 2) @ rest[:, :, None])[:, :, 0]
            full = coef @ t.T
        full[:, cols] = d.bands[idx] * amp[None, :]
        spectra[idx] = np.where(d.act[None, :], full, np.nan)
    s = np.nan_to_num(spectra)
    model = np.einsum("wtk,wk->wt", d.c, s) if d.c.shape[0] > 1 else s @ d.c[0].T
    return spectra, model, d.labels, d.c


def _weighted(p: PreparedDataset, c: np.ndarray, idx: np.ndarray, cols: list[int]) -> np.ndarray:
    """Weighted concentration columns ``cols`` at the wavelengths ``idx``, (n_g, n_t, n_cols)."""
    cg = c[idx] if c.shape[0] > 1 else np.broadcast_to(c[0], (idx.size, *c.shape[1:]))
    return cg[:, :, cols] * p.w[idx][:, :, None]


def _step_floor(p: PreparedDataset, name: str, values: Mapping[str, float]) -> float:
    """Scale below which a difference step is not taken smaller (a parameter may be 0)."""
    irf = p.spec.irf
    for s in p.spec.shapes:
        if name == s.skewness:
            return 1.0
        if name == s.location and isinstance(s.width, str):
            return abs(float(values[s.width]))
        if name == s.location:
            return abs(float(s.width))
    shifts = {irf.center, *irf.dispersion, *irf.width_dispersion, *(sh for _, sh, _ in irf.extra)}
    if name in shifts:
        return abs(float(values[irf.width]))
    return 1e-8


def shaped_jacobian(
    p: PreparedDataset,
    values: Mapping[str, float],
    free: list[str],
    positive: list[bool],
    resolve: Callable[[Mapping[str, float]], dict[str, float]] | None = None,
) -> np.ndarray:
    r"""Jacobian of :func:`shaped_residuals`, (n_res, n_free).

    Band parameters: analytic. The residual is :math:`r = (I - M M^+) r_0` with
    :math:`M_k = f_k(\lambda) U_k`, :math:`U_k = P^\perp (w c_k)` independent of them, so
    :math:`\partial r = -P^\perp_M (\partial M) a - (M^+)^T (\partial M)^T r` (Golub &
    Pereyra, SIAM J. Numer. Anal. 10, 413 (1973), eq. (4.3)) with
    :math:`\partial M_k = (\partial f_k) U_k` from :func:`band_derivatives`. Every other
    parameter (rates, IRF, a band parameter that also enters elsewhere or that others are
    tied to by an expression), and all of them when M is rank deficient: central
    differences with steps 1e-4 of the parameter (of the band's width for a location,
    absolute 1e-4 for a skewness, of the IRF width for time shifts). Positive parameters are
    fitted as logarithms: their columns are multiplied by the value, as in
    :meth:`~heterolab.kinetics.ta.varpro.PreparedDataset.jacobian`.
    """
    resolve = resolve or dict
    out = np.empty((p.y.size, len(free)))
    analytic = _analytic_band_names(p, values, free, resolve)
    d = _design(p, values)
    m = d.m.reshape(-1, d.m.shape[-1])
    qm, rm = np.linalg.qr(m)
    diag = np.abs(np.diag(rm))
    if diag.size and diag.min() <= 1e-10 * max(float(diag.max()), 1e-300):
        analytic = set()  # degenerate amplitudes: the pseudo-inverse formula does not hold
    a = np.asarray(np.linalg.lstsq(m, d.r0.ravel(), rcond=None)[0])
    r = d.r0.ravel() - m @ a
    derivs = _band_jacobians(p, d, values, analytic)
    for j, name in enumerate(free):
        if name in derivs:
            dm = derivs[name].reshape(m.shape)
            dma = dm @ a
            first = dma - qm @ (qm.T @ dma)
            second = qm @ np.linalg.solve(rm.T, dm.T @ r)
            col = -(first + second)
        else:
            h = 1e-4 * max(abs(float(values[name])), _step_floor(p, name, values))
            up, down = dict(values), dict(values)
            up[name] = values[name] + h
            down[name] = values[name] - h
            col = (shaped_residuals(p, resolve(up)) - shaped_residuals(p, resolve(down))) / (2 * h)
        out[:, j] = col * (values[name] if positive[j] else 1.0)
    return out


def _band_jacobians(
    p: PreparedDataset, d: _Design, values: Mapping[str, float], names: set[str]
) -> dict[str, np.ndarray]:
    """∂M/∂θ = (∂f_k/∂θ) U_k for each band parameter θ in ``names``, (n_w, n_t, n_shaped)."""
    out: dict[str, np.ndarray] = {}
    for k, s in enumerate(p.spec.shapes):
        for name, df in s.derivatives(p.wavelength, values).items():
            if name in names:
                dm = out.setdefault(name, np.zeros_like(d.u))
                dm[:, :, k] += d.u[:, :, k] * df[:, None]
    return out


def _analytic_band_names(
    p: PreparedDataset,
    values: Mapping[str, float],
    free: list[str],
    resolve: Callable[[Mapping[str, float]], dict[str, float]],
) -> set[str]:
    """Free parameters that enter this dataset only through its bands (and move no other)."""
    spec, irf = p.spec, p.spec.irf
    band = {n for s in spec.shapes for n in s.names()}
    other = {tr.rate for tr in p.scheme.transitions}
    other |= {irf.center, irf.width, *irf.dispersion, *irf.width_dispersion}
    other |= {n for g in irf.extra for n in g} | {irf.backsweep_period or ""}
    other |= {v for v in spec.initial.values() if isinstance(v, str)}
    other |= {c.ratio for c in spec.constraints if isinstance(c.ratio, str)}
    other |= {e.ratio for e in spec.equal_area if isinstance(e.ratio, str)}
    other |= {n for o in spec.oscillations for n in (o.frequency, o.damping)}
    out = set()
    for name in free:
        if name not in band or name in other:
            continue
        probe = dict(values)
        probe[name] = values[name] * 1.5 + 1.0
        if not any(v != values[n] for n, v in resolve(probe).items() if n != name):
            out.add(name)
    return out


def n_shaped_linear(p: PreparedDataset) -> int:
    """Linear parameters the shapes add: one amplitude per shaped compartment."""
    return len(p.spec.shapes)


# ------------------------------------------------------------------ results
def add_shape_results(
    res: Result,
    model: TargetModel,
    params: ParameterSet,
    prepared: Sequence[PreparedDataset],
    sol: Any,
) -> None:
    """Add the amplitudes of shaped spectra to ``res.derived`` with standard errors and
    mark the result suspect when a band is not an answer.

    The amplitudes' covariance is the joint one of (θ, a): the Jacobian of the residual with
    the free spectra still projected out and the amplitudes held, :math:`[\\partial r/
    \\partial\\theta|_a,\\; -P^\\perp B]`, so an amplitude's error includes its correlation
    with the width and location of its band (Bates & Watts 1988, §2.3). Keys
    ``<dataset>.amplitude_<compartment>`` (OD at the band's peak per unit population).
    Suspect: a band's location outside the measured axis, an amplitude whose standard error
    exceeds its value.
    """
    shaped = [(i, p) for i, p in enumerate(prepared) if p.spec.shapes]
    if not shaped:
        return
    from heterolab.result import Quantity

    values = params.values()
    free = params.free
    positive = [params.params[n].positive for n in free]
    jac = np.array(sol.jac, float, copy=True)
    starts = np.cumsum([0, *[p.y.size for p in prepared]])
    amps: list[tuple[PreparedDataset, np.ndarray]] = []
    blocks = []
    for i, p in shaped:
        d = _design(p, values)
        a = _amplitudes(d)
        amps.append((p, a))
        rows = slice(starts[i], starts[i + 1])
        band = _band_jacobians(p, d, values, _analytic_band_names(p, values, free, params.resolve))
        for j, name in enumerate(free):
            if name in band:  # the residual at fixed amplitudes moves by -(∂M) a
                jac[rows, j] = -(band[name] @ a).ravel() * (values[name] if positive[j] else 1.0)
                continue
            h = 1e-4 * max(abs(float(values[name])), _step_floor(p, name, values))
            up, down = dict(values), dict(values)
            up[name] = values[name] + h
            down[name] = values[name] - h
            col = fixed_amplitude_residuals(p, params.resolve(up), a)
            col = (col - fixed_amplitude_residuals(p, params.resolve(down), a)) / (2 * h)
            jac[rows, j] = col * (values[name] if positive[j] else 1.0)
        block = np.zeros((jac.shape[0], a.size))
        block[rows] = -d.m.reshape(-1, a.size)
        blocks.append(block)
    full = np.concatenate([jac, *blocks], axis=1)
    dof = res.statistics["n_points"] - res.statistics["n_free"] - res.statistics["n_linear"]
    s2 = float(np.sum(np.asarray(sol.fun) ** 2)) / max(dof, 1)
    jtj = full.T @ full
    scale = np.sqrt(np.clip(np.diag(jtj), 1e-300, None))
    cov = s2 * np.linalg.pinv(jtj / np.outer(scale, scale), rcond=1e-12) / np.outer(scale, scale)
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))[len(free) :]
    k = 0
    for p, a in amps:
        lo, hi = float(p.wavelength.min()), float(p.wavelength.max())
        for s, value in zip(p.spec.shapes, a, strict=True):
            err = float(sd[k]) if np.isfinite(sd[k]) and sd[k] > 0 else float("nan")
            k += 1
            res.derived[f"{p.name}.amplitude_{s.compartment}"] = Quantity(float(value), err, "OD")
            if not abs(err) < abs(value):
                res.mark_suspect(
                    f"dataset {p.name!r}: the amplitude of the {s.compartment} band is not "
                    f"determined ({value:.3g} ± {err:.2g} OD)"
                )
            loc = float(values[s.location]) if isinstance(s.location, str) else s.location
            axis = ShapeAxis(_choice(ShapeAxis, s.axis) or ShapeAxis.WAVELENGTH)
            nm = NM_TO_WAVENUMBER / loc if axis is ShapeAxis.WAVENUMBER and loc > 0 else loc
            if not lo <= float(nm) <= hi:
                res.mark_suspect(
                    f"dataset {p.name!r}: the {s.compartment} band's location {loc:.5g} "
                    f"{_UNITS[axis]} lies outside the measured {lo:.4g}-{hi:.4g} nm"
                )


def joint_shape_problems(model: TargetModel) -> list[str]:
    """Shapes in a dataset solved in a joint problem (spectra linked across datasets, a
    dataset scale, guidance spectra) are refused: the joint solver has no shaped bands."""
    link = getattr(model, "link", None)
    names = [d.name for d in model.datasets]
    linked = set(link.members(names)) if link is not None else set()
    return [
        f"dataset {d.name!r}: shapes are not supported together with link_spectra, a dataset "
        "scale or guidance spectra (its spectra are solved jointly with other datasets')"
        for d in model.datasets
        if d.shapes
        and (d.name in linked or getattr(d, "guide", None) or getattr(d, "scale", 1.0) != 1.0)
    ]
