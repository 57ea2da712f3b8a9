"""Step types of a campaign: each adapts a step's files, options and used quantities to one
public analysis function and returns its :class:`~heterolab.result.Result`.

Options in ``campaign.toml`` are the keyword arguments of that public function, so a campaign
step and a notebook call are the same computation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from heterolab.campaign.spec import Step
from heterolab.errors import ModelError
from heterolab.result import Quantity, Result

__all__ = ["STEP_TYPES", "run_step"]

StepFunc = Callable[[Step, dict[str, Quantity]], Result]

# Options that configure the reader rather than the analysis.
_READ_OPTIONS = ("time_unit",)


def _split_read_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    read = {k: v for k, v in options.items() if k in _READ_OPTIONS}
    rest = {k: v for k, v in options.items() if k not in _READ_OPTIONS}
    return read, rest


def _require(step: Step, inputs: tuple[str, ...] = (), uses: tuple[str, ...] = ()) -> None:
    missing = [f"inputs.{n}" for n in inputs if n not in step.inputs]
    missing += [f"uses.{n}" for n in uses if n not in step.uses]
    if missing:
        raise ModelError(f"step {step.id} ({step.type}) needs {', '.join(missing)}")


def _trpl_fit(step: Step, used: dict[str, Quantity]) -> Result:
    """``heterolab.kinetics.fit_decay`` on ``inputs.decay`` (and ``inputs.irf`` if given)."""
    from heterolab.io import read_decay
    from heterolab.kinetics import fit_decay

    _require(step, inputs=("decay",))
    read_opts, opts = _split_read_options(step.options)
    decay = read_decay(step.inputs["decay"], **read_opts)
    irf = (
        read_decay(step.inputs["irf"], **read_opts)
        if "irf" in step.inputs
        else opts.pop("irf", None)
    )
    return fit_decay(decay, irf=irf, **opts)


def _trpl_flim(step: Step, used: dict[str, Quantity]) -> Result:
    """``heterolab.kinetics.trpl.flim.fit_flim`` on ``inputs.image``."""
    from heterolab.io import read_flim
    from heterolab.kinetics.trpl.flim import fit_flim

    _require(step, inputs=("image",))
    return fit_flim(read_flim(step.inputs["image"]), **step.options)


def _trpl_transfer(step: Step, used: dict[str, Quantity]) -> Result:
    """``heterolab.kinetics.trpl.transfer.transfer_from_lifetimes`` from two used lifetimes."""
    from heterolab.kinetics.trpl.transfer import transfer_from_lifetimes

    _require(step, uses=("tau_d", "tau_da"))
    return transfer_from_lifetimes(used["tau_d"], used["tau_da"], **step.options)


def _trpl_transport(step: Step, used: dict[str, Quantity]) -> Result:
    """``heterolab.kinetics.trpl.transfer.transport_from_quenching`` from used lifetimes."""
    from heterolab.kinetics.trpl.transfer import transport_from_quenching

    _require(step, uses=("tau0",))
    return transport_from_quenching(**used, **step.options)


def _trpl_rates(step: Step, used: dict[str, Quantity]) -> Result:
    """``heterolab.kinetics.trpl.transfer.radiative_rates`` from a PLQY and a used lifetime."""
    from heterolab.kinetics.trpl.transfer import radiative_rates

    _require(step, uses=("tau",))
    return radiative_rates(tau=used["tau"], **step.options)


def _trpl_table_averages(step: Step, used: dict[str, Quantity]) -> Result:
    """``heterolab.thesis.table_3_2.thesis_table_3_2``: the thesis's Table 3-2 tau_ave column."""
    from heterolab.thesis.table_3_2 import thesis_table_3_2

    return thesis_table_3_2(**step.options)


STEP_TYPES: dict[str, StepFunc] = {
    "trpl.table_averages": _trpl_table_averages,
    "trpl.fit": _trpl_fit,
    "trpl.flim": _trpl_flim,
    "trpl.transfer": _trpl_transfer,
    "trpl.transport": _trpl_transport,
    "trpl.rates": _trpl_rates,
}


def run_step(step: Step, used: dict[str, Quantity]) -> Result:
    """Run one step with the quantities it uses already resolved."""
    return STEP_TYPES[step.type](step, used)
