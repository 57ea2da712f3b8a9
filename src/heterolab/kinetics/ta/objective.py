"""The residual vector and Jacobian a TA target fit minimises (issue #11).

Datasets solved alone use the analytic variable-projection Jacobian of
:class:`~heterolab.kinetics.ta.varpro.PreparedDataset`. Datasets in a joint problem (spectra
linked across datasets, a dataset scale, guidance spectra; :mod:`heterolab.kinetics.ta.
linked`) and datasets with no analytic derivative of their concentrations (non-negative
spectra, backsweep, multi-Gaussian IRF, IRF-width dispersion: :attr:`~heterolab.kinetics.ta.
varpro.PreparedDataset.differenced`) get the projected Jacobian of their linear problems
(:class:`~heterolab.kinetics.ta.projection.FactoredBlock`): the design matrices are
forward-differenced in the optimiser's space (no solve), the projection is exact, so one
point costs one solve. The equal-area penalties follow from the derivative of the spectra.

The optimiser reads the Jacobian as normal equations (:attr:`Objective.normal`; steps by
:func:`heterolab._normal_lsq.least_squares_normal`): ``JᵀJ`` and ``Jᵀr`` are summed block by
block, so the tall J is formed only where its rows are asked for (:attr:`Objective.jac`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from heterolab.kinetics.ta.derivatives import design_derivatives
from heterolab.kinetics.ta.linked import JointSpectra, uses_joint
from heterolab.kinetics.ta.projection import FactoredBlock
from heterolab.kinetics.ta.varpro import PreparedDataset, area_penalties

if TYPE_CHECKING:
    from heterolab.kinetics.ta.model import ParameterSet
    from heterolab.kinetics.ta.target import TargetModel

__all__ = ["Objective", "ProjectedProblem", "forward_step", "make_objective"]


def forward_step(x: float) -> float:
    """Forward-difference step of an optimiser coordinate: 1e-6 x max(|x|, 1).

    Only directions without closed-form column derivatives are differenced. A smaller step
    (1e-7) was tried: with nearly degenerate eigenvalues the concentrations are differences
    of terms 3e4 times larger, and their rounding made a rate's column 20 % wrong.
    """
    return 1e-6 * max(abs(x), 1.0)


class Objective(NamedTuple):
    """What the optimiser minimises, as functions of its vector x.

    Attributes
    ----------
    fun, jac
        Residual vector (m,) and Jacobian (m, n).
    joint
        The joint problem, None when no dataset needs one.
    normal
        ``(JᵀJ, Jᵀ fun(x))``, accumulated without forming J where it can be.
    """

    fun: Callable[[np.ndarray], np.ndarray]
    jac: Callable[[np.ndarray], np.ndarray]
    joint: JointSpectra | None
    normal: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def make_objective(
    model: TargetModel,
    params: ParameterSet,
    prepared: list[PreparedDataset],
    tick: Callable[..., object] | None = None,
) -> Objective:
    """Residual vector and Jacobian of the optimiser's vector x (``params.to_vector`` space).

    Rows: the datasets solved alone (analytic variable-projection Jacobian), then those in
    a joint problem (linked, scaled or guided; :class:`~heterolab.kinetics.ta.linked.
    JointSpectra`), the datasets without analytic columns, and the equal-area penalties;
    these last rows get the projected Jacobian of :class:`ProjectedProblem`.
    ``joint`` is None when no dataset needs the joint problem.
    """
    joint = JointSpectra(model, prepared) if uses_joint(model) else None
    solo = [p for i, p in enumerate(prepared) if joint is None or i not in joint.members]
    alone = [p for p in solo if not p.differenced]
    diffed = [p for p in solo if p.differenced]
    penalized = any(p.spec.equal_area for p in prepared)
    positive = [params.params[n].positive for n in params.free]
    projected = joint is not None or penalized or bool(diffed)

    def rest(values: Mapping[str, float]) -> list[np.ndarray]:
        out = [] if joint is None else [joint.residuals(values)]
        out += [p.residuals(values) for p in diffed]
        return [*out, _penalties_at(values, prepared, joint, diffed, None)] if penalized else out

    def fun(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        if tick is not None:
            tick()
        out = [p.residuals(values) for p in alone]
        return np.concatenate([*out, *rest(values)] if projected else out)

    def jac(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        rows = [p.jacobian(values, params.free, positive, params.resolve) for p in alone]
        if projected:
            rows.append(ProjectedProblem(x, params, prepared, joint, diffed, penalized).rows())
        return rows[0] if len(rows) == 1 else np.concatenate(rows)

    buffers: dict[tuple[int, int], np.ndarray] = {}  # the blocks' ∂r, reused call to call

    def normal(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = params.from_vector(x)
        gram, grad = np.zeros((x.size, x.size)), np.zeros(x.size)
        for p in alone:
            rows = p.jacobian(values, params.free, positive, params.resolve)
            gram += rows.T @ rows
            grad += rows.T @ p.residuals(values)
        if projected:
            problem = ProjectedProblem(x, params, prepared, joint, diffed, penalized, buffers)
            g2, f2 = problem.normal(np.concatenate(rest(values)))
            gram += g2
            grad += f2
        return gram, grad

    return Objective(fun, jac, joint, normal)


class ProjectedProblem:
    """The Jacobian of the joint problem, the datasets without analytic columns and the
    equal-area penalties at x (in the optimiser's space, in the order of the residual
    vector): as rows (:meth:`rows`) or as normal equations (:meth:`normal`).

    Each linear problem's residual derivative is exact given two contractions of the
    derivative of its design matrix and right-hand side (:meth:`~heterolab.kinetics.ta.
    projection.FactoredBlock.project`), formed from closed-form column derivatives
    (:mod:`~heterolab.kinetics.ta.derivatives`) or forward-differenced with
    :func:`forward_step` from an assembly without a solve; all parameters' directions are
    projected together, in batches that fit :data:`_CHUNK_BYTES` (:meth:`chunks`). The
    penalties are evaluated on the spectra linearised to each step's point, ``S(a + h ∂a)``:
    they are linear in the spectra, so their difference quotient is their derivative.
    Datasets solved alone contribute only penalty rows, differenced through their own
    (unconstrained, cheap) solve. ``buffers``: arrays kept between calls for the blocks' ∂r.
    """

    def __init__(
        self,
        x: np.ndarray,
        params: ParameterSet,
        prepared: list[PreparedDataset],
        joint: JointSpectra | None,
        diffed: list[PreparedDataset],
        penalized: bool,
        buffers: dict[tuple[int, int], np.ndarray] | None = None,
    ) -> None:
        self.buffers = buffers
        self.x, self.params, self.prepared = x, params, prepared
        self.joint, self.diffed = joint, diffed
        self.values = values = params.from_vector(x)
        self.comps: list[tuple[Any, list[FactoredBlock], Any]] = []
        if joint is not None:
            blocks, coefs, cols = joint.solved_blocks(values)
            factored = [FactoredBlock(b, a) for b, a in zip(blocks, coefs, strict=True)]
            self.comps.append((joint, factored, cols))
        for p in diffed:
            blocks, coefs, _, labels, act = p.solved_blocks(values)
            factored = [FactoredBlock(b, a) for b, a in zip(blocks, coefs, strict=True)]
            self.comps.append((p, factored, (labels, act)))
        self.base_pen = _penalties_at(values, prepared, joint, diffed, None) if penalized else None
        self.steps = np.array([forward_step(float(v)) for v in x])
        size = sum(
            fb.block.m.nbytes + fb.block.rhs.nbytes for _, fbs, _ in self.comps for fb in fbs
        )
        self.chunk = max(1, int(_CHUNK_BYTES // max(3 * size, 1)))  # directions held at once
        self.widths = [sum(fb.resid.size for fb in fbs) for _, fbs, _ in self.comps]
        n_pen = 0 if self.base_pen is None else self.base_pen.size
        self.n_rows = sum(self.widths) + n_pen

    def rows(self) -> np.ndarray:
        """The Jacobian rows, shape (n_rows, n_x)."""
        out = np.empty((self.x.size, self.n_rows))  # rows of J^T: J is its F-order view
        for js, parts, pen in self.chunks():
            offset = 0
            for (owner, _, _), width, drs in zip(self.comps, self.widths, parts, strict=True):
                owner.place_residuals(drs, out[js, offset : offset + width])
                offset += width
            if pen is not None:
                out[js, offset:] = pen
        return out.T

    def normal(self, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``JᵀJ`` and ``Jᵀr`` (``residual``: these rows' residuals, in the same order),
        accumulated block by block without placing J's rows (one pass over them fewer, no
        m x n array); from :meth:`rows` when the directions do not fit one batch."""
        if self.chunk < self.x.size:
            j = self.rows()
            return j.T @ j, j.T @ residual
        gram, grad = np.zeros((self.x.size, self.x.size)), np.zeros(self.x.size)
        for _, parts, pen in self.chunks():
            offset = 0
            for (owner, _, _), width, drs in zip(self.comps, self.widths, parts, strict=True):
                cut = owner.residual_parts(residual[offset : offset + width], drs)
                for dr, r in zip(drs, cut, strict=True):
                    flat = dr.reshape(dr.shape[0], -1)
                    gram += flat @ flat.T
                    grad += flat @ r.ravel()
                offset += width
            if pen is not None:
                gram += pen @ pen.T
                grad += pen @ residual[offset:]
        return gram, grad

    def _buffer(self, comp: int, block: int, fb: FactoredBlock, n_d: int) -> np.ndarray | None:
        """A kept array for block ``block`` of component ``comp``'s ∂r (n_d, *resid.shape),
        reused by the next Jacobian of the same fit (None without a store)."""
        if self.buffers is None:
            return None
        shape = (n_d, *fb.resid.shape)
        key = (comp, block)
        kept = self.buffers.get(key)
        if kept is None or kept.shape != shape:
            kept = self.buffers[key] = np.empty(shape)
        return kept

    def chunks(self) -> Iterator[tuple[slice, list[list[np.ndarray]], np.ndarray | None]]:
        """Per batch of directions: their slice, each component's per-block ∂r (n_d, ...)
        and the penalty rows (n_d, n_pen) or None."""
        x, values, joint = self.x, self.values, self.joint
        for start in range(0, x.size, self.chunk):
            js = range(start, min(start + self.chunk, x.size))
            points = []
            for j in js:
                x2 = x.copy()
                x2[j] += self.steps[j]
                points.append(self.params.from_vector(x2))
            linear: list[dict[int, Any]] = [{} for _ in js]
            h = self.steps[list(js)]
            parts: list[list[np.ndarray]] = []
            for c, (owner, factored, struct) in enumerate(self.comps):
                lowranks: list[Any] = [()] * len(factored)
                if owner is joint:
                    assert joint is not None
                    vs, us, moved, structs = joint.design_derivatives(
                        values, points, h, factored, struct
                    )
                else:
                    vs, us, moved, lowranks = design_derivatives(
                        owner, values, points, h, factored, struct[1]
                    )
                    structs = [struct] * len(points)
                drs: list[np.ndarray] = []
                fulls: list[list[np.ndarray]] = [[] for _ in js]
                for b, fb in enumerate(factored):
                    dr, da = fb.project(vs[b], us[b], lowranks[b], self._buffer(c, b, fb, len(js)))
                    drs.append(dr)
                    for k, (m, hj) in enumerate(zip(moved, h, strict=True)):
                        fulls[k].append(m[b].full(fb.coef + hj * da[k]))
                parts.append(drs)
                for k in range(len(points)):
                    linear[k][id(owner)] = (moved[k], fulls[k], structs[k])
            pen = None
            if self.base_pen is not None:
                pen = np.empty((len(js), self.base_pen.size))
                for k, (j, v2) in enumerate(zip(js, points, strict=True)):
                    at = _penalties_at(v2, self.prepared, joint, self.diffed, linear[k])
                    pen[k] = (at - self.base_pen) / self.steps[j]
            yield slice(start, js.stop), parts, pen


_CHUNK_BYTES = 512e6  # memory for the differenced design matrices of one batch of directions


def _penalties_at(
    values: Mapping[str, float],
    prepared: list[PreparedDataset],
    joint: JointSpectra | None,
    diffed: list[PreparedDataset],
    linear: Mapping[int, Any] | None,
) -> np.ndarray:
    """Equal-area penalties of every dataset at ``values``: from the solved spectra, or for
    the joint and differenced datasets from the linearised spectra in ``linear`` (keyed by
    the owner's id: (blocks, full spectra per block, columns or (labels, active)))."""
    out = []
    for i, p in enumerate(prepared):
        if not p.spec.equal_area:
            continue
        if joint is not None and i in joint.members:
            if linear is None:
                spectra, _, labels, _ = joint.solve(i, values)
            else:
                _, fulls, cols = linear[id(joint)]
                spectra, labels = joint.spectra_from(i, cols, fulls), cols[i][1]
            out.append(area_penalties(p.spec.equal_area, spectra, labels, p.wavelength, values))
        elif linear is not None and p in diffed:
            blocks, fulls, (labels, act) = linear[id(p)]
            out.append(p.penalties_from(values, blocks, fulls, labels, act))
        else:
            out.append(p.penalties(values))
    return np.concatenate(out) if out else np.zeros(0)
