"""The residual vector and Jacobian a TA target fit minimises (issue #11).

Datasets solved alone use the analytic variable-projection Jacobian of
:class:`~heterolab.kinetics.ta.varpro.PreparedDataset`; datasets in a joint problem (spectra
linked across datasets, a dataset scale, guidance spectra; :mod:`heterolab.kinetics.ta.
linked`) and the equal-area penalties are differenced in the optimiser's space.
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
    alone = [p for i, p in enumerate(prepared) if joint is None or i not in joint.members]
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
        return np.concatenate([*out, penalties(values)] if penalized else out)

    def fun(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        if tick is not None:
            tick()
        out = [p.residuals(values) for p in alone]
        return np.concatenate([*out, differenced(x)] if joint is not None or penalized else out)

    def jac(x: np.ndarray) -> np.ndarray:
        values = params.from_vector(x)
        rows = [p.jacobian(values, params.free, positive, params.resolve) for p in alone]
        if joint is not None or penalized:
            rows.append(difference_jacobian(differenced, x))
        return np.concatenate(rows)

    return fun, jac, joint
