"""Compiled kernels of :mod:`heterolab.kinetics.trpl.batch` (numba, cached on disk).

The model of one unit-amplitude component reconvolved with the binned IRF and its derivative
with respect to ``log tau`` by the bin-exact recursion of
:func:`heterolab.kinetics.decay_models.exp_conv_irf`; normal equations of Fisher scoring /
weighted least squares; a bounded Levenberg-Marquardt fit of one decay; the loop over decays
(``nogil``, run in threads by :func:`heterolab.kinetics.trpl.batch.fit_decays`). See the numerics
section of :mod:`heterolab.kinetics.trpl.batch` for the method and its sources.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_MAX_ITER = 100
_TAU_MIN_BINS = 0.05  # lower bound of tau in bin widths
_TAU_MAX_WINDOWS = 1000.0  # upper bound of tau in window lengths
_B_MIN = 1e-9  # lower bound of a free background (counts/bin), keeps the likelihood finite
_M_MIN = 1e-300
# reassociation only (vectorised sums); no finite-math assumptions, inf/NaN checks stay valid
_FAST = {"reassoc", "contract", "arcp", "nsz"}
_GAIN_TOL = 1e-6  # converged when a Newton step would lower the deviance by less than this


# ============================================================================ numba kernels
@njit(cache=True)
def _rate_factors(r: float) -> tuple[float, float, float, float, float]:
    """q, h0, c and d(h0)/du, dc/du (u = log tau) of the binned-IRF recursion at r = Delta/tau."""
    if r < 0.05:
        h0 = 0.5 - r / 6.0 + r * r / 24.0 - r**3 / 120.0 + r**4 / 720.0
        dh0 = -1.0 / 6.0 + r / 12.0 - r * r / 40.0 + r**3 / 180.0
        g = 1.0 - r / 2.0 + r * r / 6.0 - r**3 / 24.0 + r**4 / 120.0
        dg = -0.5 + r / 3.0 - r * r / 8.0 + r**3 / 30.0
    else:
        omq = -math.expm1(-r)
        g = omq / r
        h0 = (1.0 - g) / r
        q_ = 1.0 - omq
        dg = q_ / r - omq / (r * r)
        dh0 = -1.0 / (r * r) - q_ / (r * r) + 2.0 * omq / (r**3)
    q = math.exp(-r)
    c = g * g
    # d/du = -r d/dr
    return q, h0, c, -r * dh0, -r * 2.0 * g * dg


@njit(cache=True)
def _component(
    irf: np.ndarray, geom: np.ndarray, r: float, k_out: np.ndarray, d_out: np.ndarray, deriv: bool
) -> None:
    """Unit-amplitude component K (and dK/dlog tau) reconvolved with the normalised IRF.

    ``irf`` is the IRF histogram on a grid of ``M = geom[1]`` sub-bins per detection bin,
    covering the detection bins ``geom[0] ..`` (its support; zero before). The recursion of
    :func:`heterolab.kinetics.decay_models.exp_conv_irf` runs on the sub-bins, which are
    averaged into detection bins; after the support the response decays geometrically and is
    continued bin by bin. ``M = 1`` with the full window is exactly ``exp_conv_irf``; ``M > 1``
    resolves a Gaussian IRF within the detection bins (error ~ 1/M^2 of the uniform-in-bin one).
    """
    k0 = geom[0]
    msub = geom[1]
    n = k_out.size
    nf = irf.size
    rf = r / msub
    q, h0, c, dh0, dc = _rate_factors(rf)
    dq = rf * q
    for k in range(min(k0, n)):
        k_out[k] = 0.0
        if deriv:
            d_out[k] = 0.0
    t_prev = 0.0
    dt_prev = 0.0
    inv_m = 1.0 / msub
    kend = min(k0 + nf // msub, n)
    for k in range(k0, kend):
        acc = 0.0
        dacc = 0.0
        for i in range(msub):
            j = (k - k0) * msub + i
            if j > 0:
                t_new = q * t_prev + c * irf[j - 1]
                if deriv:
                    dt_prev = dq * t_prev + q * dt_prev + dc * irf[j - 1]
                t_prev = t_new
            acc += h0 * irf[j] + t_prev
            if deriv:
                dacc += dh0 * irf[j] + dt_prev
        k_out[k] = acc * inv_m
        if deriv:
            d_out[k] = dacc * inv_m
    if kend >= n:
        return
    # after the support: first sub-bin value, then geometric decay per detection bin
    t_j = q * t_prev + c * irf[nf - 1]
    dt_j = dq * t_prev + q * dt_prev + dc * irf[nf - 1]
    s_avg = 0.0
    ds_avg = 0.0
    qi = 1.0
    for i in range(msub):
        s_avg += qi
        ds_avg += i * qi * rf
        qi *= q
    s_avg *= inv_m
    ds_avg *= inv_m
    qc = qi  # q^M: decay over one detection bin
    dqc = r * qc
    for k in range(kend, n):
        k_out[k] = t_j * s_avg
        if deriv:
            d_out[k] = dt_j * s_avg + t_j * ds_avg
            dt_j = dqc * t_j + qc * dt_j
        t_j = qc * t_j


@njit(cache=True)
def _linear_factors(r: float, frac: float):
    """F0, F1, F2, q of :func:`heterolab.kinetics.decay_models.response_factors` and their
    derivatives with respect to u = log tau (d/du = -r d/dr)."""
    a = 1.0 - frac
    if r < 0.05:
        f0 = 0.0
        f1 = 0.0
        df0 = 0.0
        df1 = 0.0
        fact = 1.0
        for k in range(2, 10):
            fact *= k
            term = (-r) ** (k - 2) / fact
            b1 = (1.0 + a) ** k - 2.0 * a**k
            f0 += term * a**k
            f1 += term * b1
            df0 -= (k - 2) * term * a**k
            df1 -= (k - 2) * term * b1
        g = 0.0
        dg = 0.0
        fact = 1.0
        for k in range(0, 8):
            fact *= k + 1
            g += (-r) ** k / fact
            if k > 0:
                dg += k * (-1.0) ** k * r ** (k - 1) / fact
    else:
        ea = math.expm1(-r * a)
        eb = math.expm1(-r * (1.0 + a))
        r2 = r * r
        f0 = a / r + ea / r2
        f1 = frac / r + (eb - 2.0 * ea) / r2
        d0 = -a / r2 - a * math.exp(-r * a) / r2 - 2.0 * ea / (r2 * r)
        d1 = (
            -frac / r2
            + (-(1.0 + a) * math.exp(-r * (1.0 + a)) + 2.0 * a * math.exp(-r * a)) / r2
            - 2.0 * (eb - 2.0 * ea) / (r2 * r)
        )
        df0 = -r * d0
        df1 = -r * d1
        omq = -math.expm1(-r)
        g = omq / r
        dg = math.exp(-r) / r - omq / r2
    ex = math.exp(-r * a)
    f2 = g * g * ex
    df2 = -r * (2.0 * g * dg * ex - a * f2)
    return f0, f1, f2, math.exp(-r), df0, df1, df2


@njit(cache=True)
def _component_linear(
    coef: np.ndarray, frac: float, r: float, k_out: np.ndarray, d_out: np.ndarray, deriv: bool
) -> None:
    """Unit-amplitude component (and d/dlog tau) for a measured IRF given by its piecewise-linear
    reconstruction coefficients ``coef`` (already moved by the whole bins of the shift) and the
    remaining fraction ``frac`` of a bin: K_k = F0 c_k + F1 c_{k-1} + T_k,
    T_k = q T_{k-1} + F2 c_{k-2} (see :func:`heterolab.kinetics.decay_models.exp_conv_irf`)."""
    f0, f1, f2, q, df0, df1, df2 = _linear_factors(r, frac)
    dq = r * q
    n = k_out.size
    t_prev = 0.0
    dt_prev = 0.0
    for k in range(n):
        ck = coef[k]
        c1 = coef[k - 1] if k >= 1 else 0.0
        if k >= 2:
            c2 = coef[k - 2]
            t_new = q * t_prev + f2 * c2
            if deriv:
                dt_prev = dq * t_prev + q * dt_prev + df2 * c2
            t_prev = t_new
        k_out[k] = f0 * ck + f1 * c1 + t_prev
        if deriv:
            d_out[k] = df0 * ck + df1 * c1 + dt_prev


@njit(cache=True, fastmath=_FAST)
def _evaluate(x, y, w, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, mle, kk, dk, m, deriv):
    """Model m (and component kernels) at parameters x; returns the objective (deviance/chi2)."""
    n = y.size
    b = x[2 * ncomp] if fit_bg else bg_fixed
    for k in range(n):
        m[k] = b
    for i in range(ncomp):
        r = delta / math.exp(x[i])
        if frac >= 0.0:
            _component_linear(irf, frac, r, kk[i], dk[i], deriv)
        else:
            _component(irf, geom, r, kk[i], dk[i], deriv)
        a = x[ncomp + i]
        for k in range(n):
            m[k] += a * kk[i, k]
    obj = 0.0
    for k in range(n):
        if w[k] == 0.0:
            continue
        mk = m[k]
        if mle:
            if mk <= 0.0:
                if y[k] > 0.0:  # a count where the model forbids one
                    return np.inf
                continue  # 2 m -> 0: bins outside the IRF support with no background
            yk = y[k]
            if yk > 0.0:
                obj += 2.0 * (yk * math.log(yk / mk) - (yk - mk))
            else:
                obj += 2.0 * mk
        else:
            dy = y[k] - mk
            obj += w[k] * dy * dy
    return obj


@njit(cache=True, fastmath=_FAST)
def _normal_equations(x, y, w, ncomp, fit_bg, mle, kk, dk, m, jac, hess, grad):
    """Curvature matrix and ascent gradient of the log-likelihood (or of -chi2/2).

    MLE: g = sum_k J_k (y_k / m_k - 1); H = sum_k J_k J_k^T / m_k (Fisher information).
    LSQ: H = sum_k w_k J_k J_k^T, g = sum_k w_k J_k (y_k - m_k).
    """
    n = y.size
    p = hess.shape[0]
    wk = np.empty(n)
    rk = np.empty(n)
    for k in range(n):
        if w[k] == 0.0 or (mle and m[k] <= 0.0):
            wk[k] = 0.0
            rk[k] = 0.0
        elif mle:
            inv = 1.0 / max(m[k], _M_MIN)
            wk[k] = inv
            rk[k] = y[k] * inv - 1.0
        else:
            wk[k] = w[k]
            rk[k] = w[k] * (y[k] - m[k])
    for i in range(ncomp):
        a = x[ncomp + i]
        for k in range(n):
            jac[i, k] = a * dk[i, k]
            jac[ncomp + i, k] = kk[i, k]
    if fit_bg:
        for k in range(n):
            jac[2 * ncomp, k] = 1.0
    for a in range(p):
        s = 0.0
        for k in range(n):
            s += jac[a, k] * rk[k]
        grad[a] = s
        for b in range(a + 1):
            s = 0.0
            for k in range(n):
                s += jac[a, k] * jac[b, k] * wk[k]
            hess[a, b] = s
            hess[b, a] = s


@njit(cache=True)
def _solve_spd(a_mat, rhs, free, out):
    """Solve the free block of a symmetric positive-definite system (Cholesky); False if singular."""
    p = rhs.size
    idx = np.empty(p, dtype=np.int64)
    nf = 0
    for i in range(p):
        if free[i]:
            idx[nf] = i
            nf += 1
    lmat = np.zeros((nf, nf))
    for i in range(nf):
        for j in range(i + 1):
            s = a_mat[idx[i], idx[j]]
            for k in range(j):
                s -= lmat[i, k] * lmat[j, k]
            if i == j:
                if s <= 0.0:
                    return False
                lmat[i, i] = math.sqrt(s)
            else:
                lmat[i, j] = s / lmat[j, j]
    z = np.empty(nf)
    for i in range(nf):
        s = rhs[idx[i]]
        for k in range(i):
            s -= lmat[i, k] * z[k]
        z[i] = s / lmat[i, i]
    for i in range(nf - 1, -1, -1):
        s = z[i]
        for k in range(i + 1, nf):
            s -= lmat[k, i] * z[k]
        z[i] = s / lmat[i, i]
    for i in range(p):
        out[i] = 0.0
    for i in range(nf):
        out[idx[i]] = z[i]
    return True


@njit(cache=True)
def _covariance_diag(hess, free, out):
    """Diagonal of the inverse of the free block of ``hess`` (NaN for held parameters)."""
    p = hess.shape[0]
    e = np.zeros(p)
    col = np.empty(p)
    for i in range(p):
        out[i] = np.nan
    for i in range(p):
        if not free[i]:
            continue
        for j in range(p):
            e[j] = 0.0
        e[i] = 1.0
        if _solve_spd(hess, e, free, col):
            out[i] = col[i]


@njit(cache=True)
def _fit_one(y, w, irf, geom, frac, delta, x, lo, hi, ncomp, fit_bg, bg_fixed, mle, stderr, stats):
    """Bounded Levenberg-Marquardt / Fisher scoring for one decay; x is updated in place.

    ``stderr`` receives the variances of x, ``stats[0]`` the reduced Pearson chi-square and
    ``stats[1]`` its misfit z.
    Returns (status, objective, iterations); see FIT_STATUS.
    """
    n = y.size
    p = x.size
    kk = np.empty((ncomp, n))
    dk = np.empty((ncomp, n))
    m = np.empty(n)
    hess = np.empty((p, p))
    grad = np.empty(p)
    step = np.empty(p)
    xt = np.empty(p)
    xold = np.empty(p)
    damped = np.empty((p, p))
    jac = np.empty((p, n))
    free = np.ones(p, dtype=np.bool_)
    lam = 1e-3
    nu = 2.0
    obj = _evaluate(x, y, w, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, mle, kk, dk, m, True)
    if not math.isfinite(obj):
        return 3, obj, 0
    status = 1
    it = 0
    while it < _MAX_ITER:
        it += 1
        _normal_equations(x, y, w, ncomp, fit_bg, mle, kk, dk, m, jac, hess, grad)
        # active set: parameters at a bound with the gradient pointing outwards are held
        for j in range(p):
            at_lo = x[j] <= lo[j] and grad[j] <= 0.0
            at_hi = x[j] >= hi[j] and grad[j] >= 0.0
            free[j] = not (at_lo or at_hi) and hess[j, j] > 1e-300
        # Newton decrement on the free block: converged when the predicted gain is negligible
        if not _solve_spd(hess, grad, free, step):
            status = 2
            break
        gain = 0.0
        for j in range(p):
            gain += grad[j] * step[j]
        if gain < _GAIN_TOL:
            status = 0
            break
        accepted = False
        first = True
        while lam < 1e12:
            for a in range(p):
                for b in range(p):
                    damped[a, b] = hess[a, b]
                damped[a, a] = hess[a, a] * (1.0 + lam)
            if not _solve_spd(damped, grad, free, step):
                lam *= 10.0
                continue
            # lifetimes: fraction-to-the-boundary (no log tau crosses more than 90 % of its
            # distance to a bound); amplitudes and background: projection onto their bounds
            alpha = 1.0
            for j in range(ncomp):
                if step[j] < 0.0 and x[j] - lo[j] > 1e-12 * (1.0 + abs(lo[j])):
                    alpha = min(alpha, 0.9 * (x[j] - lo[j]) / -step[j])
                elif step[j] > 0.0 and hi[j] - x[j] > 1e-12 * (1.0 + abs(hi[j])):
                    alpha = min(alpha, 0.9 * (hi[j] - x[j]) / step[j])
            for j in range(p):
                xt[j] = min(max(x[j] + alpha * step[j], lo[j]), hi[j])
            if first:
                # Fisher scoring approaches an optimum on the zero bound of an amplitude or
                # of the background only linearly (information ~ 1/m diverges there): when the
                # Newton step would reach the bound within 3 steps, try the bound itself first
                for j in range(ncomp, p):
                    if step[j] < 0.0 and x[j] + 3.0 * step[j] <= lo[j]:
                        xt[j] = lo[j]
            obj_t = _evaluate(
                xt, y, w, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, mle, kk, dk, m, True
            )
            if obj_t <= obj:
                accepted = True
                break
            if first:
                first = False
                continue
            lam *= nu
            nu *= 2.0
        if not accepted:
            _evaluate(
                x, y, w, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, mle, kk, dk, m, True
            )
            status = 2 if gain > 1e-3 else 0
            break
        decrease = obj - obj_t
        for j in range(p):
            xold[j] = x[j]
            x[j] = xt[j]
        obj = obj_t
        # Nielsen's damping update from the gain ratio rho = actual / predicted decrease
        # (Nielsen, IMM-REP-1999-05, DTU 1999; Madsen, Nielsen & Tingleff, "Methods for
        # non-linear least squares problems", 2004, sec. 3.2)
        pred = 0.0
        for a in range(p):
            hs = 0.0
            for b in range(p):
                hs += hess[a, b] * (xt[b] - xold[b])
            pred += (xt[a] - xold[a]) * (2.0 * grad[a] - hs)
        rho = decrease / pred if pred > 0.0 else 0.0
        lam = max(lam * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3), 1e-9)
        nu = 2.0
        if decrease < 1e-10 * (1.0 + obj) and gain < 1e-3:
            status = 0
            break
    # errors from the un-damped Fisher information at the final point
    _normal_equations(x, y, w, ncomp, fit_bg, mle, kk, dk, m, jac, hess, grad)
    for j in range(p):
        free[j] = hess[j, j] > 1e-300 and not (ncomp + 0 <= j < 2 * ncomp and x[j] <= lo[j])
    # a vanished amplitude leaves its lifetime undetermined: hold it in the covariance
    for i in range(ncomp):
        if x[ncomp + i] <= lo[ncomp + i]:
            free[i] = False
    _covariance_diag(hess, free, stderr)
    # goodness of fit: Pearson chi-square / dof (stats[0]) and its standardised excess over the
    # expectation on the bins with >= 2 expected counts, whose Poisson residuals are near normal
    # (stats[1]; decay_diagnostics.misfit_z: Var[(y - m)^2 / m] = 2 + 1/m; all bins when fewer
    # than 30 are populated)
    pearson = 0.0
    nin = 0
    chi_pop = 0.0
    var_pop = 0.0
    npop = 0
    var_all = 0.0
    for k in range(n):
        if w[k] > 0.0:
            mk = max(m[k], 1e-12)
            term = (y[k] - m[k]) ** 2 / mk
            pearson += term
            var_all += 2.0 + 1.0 / mk
            nin += 1
            if mk >= 2.0:
                chi_pop += term
                var_pop += 2.0 + 1.0 / mk
                npop += 1
    stats[0] = pearson / max(nin - p, 1)
    if npop >= 30:
        stats[1] = (chi_pop - max(npop - p, 1)) / math.sqrt(var_pop)
    elif nin > 0:
        stats[1] = (pearson - max(nin - p, 1)) / math.sqrt(var_all)
    for j in range(p):
        if not math.isfinite(x[j]):
            return 3, obj, it
    if status == 0 and ncomp > 1:
        for i in range(ncomp):
            if x[ncomp + i] <= lo[ncomp + i]:
                status = 5
    return status, obj, it


@njit(cache=True, nogil=True)
def _fit_all(y, w, irf, geom, frac, delta, x0, lo, hi, ncomp, fit_bg, bg_fixed, mle, min_counts):
    """Fit every row of ``y``; returns parameters, variances, status, objective, iterations,
    reduced Pearson chi-square and its misfit z (see :func:`_fit_one`)."""
    nd = y.shape[0]
    p = x0.shape[1]
    xs = np.empty((nd, p))
    var = np.full((nd, p), np.nan)
    status = np.zeros(nd, dtype=np.int64)
    obj = np.full(nd, np.nan)
    iters = np.zeros(nd, dtype=np.int64)
    pearson = np.full(nd, np.nan)
    misfit = np.full(nd, np.nan)
    shared_w = w.shape[0] == 1
    for d in range(nd):
        wd = w[0] if shared_w else w[d]
        xd = x0[d].copy()
        total = 0.0
        for k in range(y.shape[1]):
            total += y[d, k] * (wd[k] > 0.0)
        if total < min_counts:
            status[d] = 4
            xs[d] = xd
            continue
        sd = np.full(p, np.nan)
        sts = np.full(2, np.nan)
        st, ob, it = _fit_one(
            y[d], wd, irf, geom, frac, delta, xd, lo, hi, ncomp, fit_bg, bg_fixed, mle, sd, sts
        )
        pearson[d] = sts[0]
        misfit[d] = sts[1]
        xs[d] = xd
        var[d] = sd
        status[d] = st
        obj[d] = ob
        iters[d] = it
    return xs, var, status, obj, iters, pearson, misfit


@njit(cache=True, nogil=True)
def _shared_sensitivity(
    y, w, irf, geom, frac, delta, x, lo, ncomp, fit_bg, bg_fixed, mle, dm, status, sens, info, score
):
    """Sensitivity of each decay's fitted parameters to the batch-shared IRF parameters.

    ``dm[d, j]`` is the derivative of decay ``d``'s model with respect to shared parameter
    ``theta_j`` (shift, IRF FWHM; counts/bin per ns) at its fitted ``x[d]``. With the Fisher
    information ``H = J^T W J`` of the decay's free parameters and ``b_j = J^T W dm_j``, the
    linearised refit after a change of theta moves them by ``dx/dtheta_j = -H^-1 b_j``
    (``sens[d, :, j]``; implicit function theorem at the optimum), and the decay carries the
    information ``I_jl = dm_j^T W dm_l - b_j^T H^-1 b_l`` about theta once its own parameters
    are profiled out (Schur complement; ``info[d]``, 1/ns^2) and its score
    ``dm_j^T W (y - m)`` (``score[d, j]``, 1/ns; the profiled score, as the decay's own
    gradient is zero at its optimum). Rows whose ``status`` is not 0
    (converged) or 5 (vanished) are left NaN.
    """
    nd, p = x.shape
    n = y.shape[1]
    q = dm.shape[1]
    kk = np.empty((ncomp, n))
    dk = np.empty((ncomp, n))
    m = np.empty(n)
    hess = np.empty((p, p))
    grad = np.empty(p)
    jac = np.empty((p, n))
    free = np.ones(p, dtype=np.bool_)
    wk = np.empty(n)
    b = np.empty((q, p))
    v = np.empty((q, p))
    shared_w = w.shape[0] == 1
    for d in range(nd):
        if status[d] != 0 and status[d] != 5:
            continue
        wd = w[0] if shared_w else w[d]
        xd = x[d]
        _evaluate(
            xd, y[d], wd, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, mle, kk, dk, m, True
        )
        _normal_equations(xd, y[d], wd, ncomp, fit_bg, mle, kk, dk, m, jac, hess, grad)
        for k in range(n):
            if wd[k] == 0.0 or (mle and m[k] <= 0.0):
                wk[k] = 0.0
            elif mle:
                wk[k] = 1.0 / max(m[k], _M_MIN)
            else:
                wk[k] = wd[k]
        # parameters on their lower bound (vanished amplitude, zero background) stay there
        for j in range(p):
            free[j] = hess[j, j] > 1e-300 and not (j >= ncomp and xd[j] <= lo[j])
        for i in range(ncomp):
            if xd[ncomp + i] <= lo[ncomp + i]:
                free[i] = False
        ok = True
        for j in range(q):
            for a in range(p):
                s = 0.0
                for k in range(n):
                    s += jac[a, k] * wk[k] * dm[d, j, k]
                b[j, a] = s if free[a] else 0.0
            if not _solve_spd(hess, b[j], free, v[j]):
                ok = False
                break
        if not ok:
            continue
        for j in range(q):
            s = 0.0
            for k in range(n):
                s += dm[d, j, k] * wk[k] * (y[d, k] - m[k])
            score[d, j] = s
            for a in range(p):
                sens[d, a, j] = -v[j, a] if free[a] else 0.0
            for l_ in range(q):
                s = 0.0
                for k in range(n):
                    s += dm[d, j, k] * wk[k] * dm[d, l_, k]
                for a in range(p):
                    s -= b[j, a] * v[l_, a]
                info[d, j, l_] = s


@njit(cache=True)
def _model_rows(x, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, n):
    """Model histograms for parameter rows x (log tau, amplitudes, background)."""
    nd = x.shape[0]
    out = np.empty((nd, n))
    kk = np.empty((ncomp, n))
    dk = np.empty((ncomp, n))
    y = np.zeros(n)
    w = np.zeros(n)
    for d in range(nd):
        _evaluate(
            x[d], y, w, irf, geom, frac, delta, ncomp, fit_bg, bg_fixed, True, kk, dk, out[d], False
        )
    return out


# ============================================================================ python layer
