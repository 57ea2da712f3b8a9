"""The residual vector and Jacobian a TA target fit minimises (issue #11).

Datasets solved alone use the analytic variable-projection Jacobian of
:class:`~heterolab.kinetics.ta.varpro.PreparedDataset`; datasets in a joint problem (spectra
linked across datasets, a dataset scale, guidance spectra; :mod:`heterolab.kinetics.ta.
linked`), datasets with no analytic Jacobian column (non-negative spectra, backsweep,
multi-Gaussian IRF, IRF-width dispersion: :attr:`~heterolab.kinetics.ta.varpro.
PreparedDataset.differenced`) and the equal-area penalties are forward-differenced in the
optimiser's space, each point from one solve.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from heterolab.kinetics.ta.linked import JointSpectra, difference_jacobian, uses_joint
from heterolab.kinetics.ta.varpro import PreparedDataset, area_penalties

if TYPE_CHECKING:
    from heterolab.kinetics.ta.model import ParameterSet
    from heterolab.kinetics.ta.target import TargetModel

__all__ = ["make_objective"]


def make_objective(
    model: TargetModel,
    params: ParameterSet,
    prepared: list[PreparedDataset],
    tick: Callable[..., object] | None = None,
) -> tuple[
    Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray], JointSpectra | None
]:
    """Residual vector and Jacobian of the optimiser's vector x (``params.to_vector`` space).

    Rows: the datasets solved alone (analytic variable-projection Jacobian), then those in
    a joint problem (linked, scaled or guided; :class:`~heterolab.kinetics.ta.linked.
    JointSpectra`) and the equal-area penalties, whose rows are forward differences.
    ``joint`` is None when no dataset needs the joint problem.
    """
    joint = JointSpectra(model, prepared) if uses_joint(model) else None
    solo = [p for i, p in enumerate(prepared) if joint is None or i not in joint.members]
    # datasets without analytic columns are differenced with the joint rows and penalties:
    # forward differences (one solve per column, not two) whose solves the penalties reuse
    alone = [p for p in solo if not p.differenced]
    diffed = [p for p in solo if p.differenced]
    penalized = any(p.spec.equal_area for p in prepared)
    positive = [params.params[n].positive for n in params.free]

    def penalties(values: Mapping[str, float]) -> np.ndarray:
        out = []
        for i, p in enumerate(prepared):
            if joint is not None and i in joint.members:
                spectra, _, labels, _ = joint.solve(i, values)
                out.append(area_penalties(p.spec.equal_area, spectra, labels, p.wavelength, values))
            else:
                out.append(p.penalties(values))
        return np.concatenate(out)

    def differenced(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        out = [] if joint is None else [joint.residuals(values)]
        out += [p.residuals(values) for p in diffed]
        return np.concatenate([*out, penalties(values)] if penalized else out)

    def fun(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        if tick is not None:
            tick()
        out = [p.residuals(values) for p in alone]
        return np.concatenate(
            [*out, differenced(x)] if joint is not None or penalized or diffed else out
        )

    def jac(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        rows = [p.jacobian(values, params.free, positive, params.resolve) for p in alone]
        if joint is not None or penalized or diffed:
            rows.append(difference_jacobian(differenced, x))
        return np.concatenate(rows)

    return fun, jac, joint
