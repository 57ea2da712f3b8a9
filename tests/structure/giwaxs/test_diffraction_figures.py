"""Every diffraction figure labels each axis with a unit: the report functions are called on
results of each kind, and the giwaxs/xrd commands that draw a curve or map save a figure with
--plot (issue #15)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from heterolab.cli import app
from heterolab.result import Quantity, Result
from shared_paths import shared_file

UNIT = re.compile(r"\(.+\)")
runner = CliRunner()


def _assert_axes_labelled(fig) -> None:
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    assert axes
    for ax in axes:
        assert UNIT.search(ax.get_ylabel()), f"y label without a unit: {ax.get_ylabel()!r}"
        shared = len(ax.get_shared_x_axes().get_siblings(ax)) > 1
        if ax.get_xlabel() or not shared:  # a shared x axis is labelled on the bottom panel
            assert UNIT.search(ax.get_xlabel()), f"x label without a unit: {ax.get_xlabel()!r}"


def _curve(x, y, dim="two_theta", unit="counts"):
    return xr.DataArray(
        np.asarray(y, float),
        dims=(dim,),
        coords={dim: xr.Variable((dim,), np.asarray(x, float), attrs={"units": "deg"})},
        attrs={"units": unit},
    )


def _results() -> list[Result]:
    x = np.linspace(20, 30, 50)
    y = 100 + 50 * np.exp(-((x - 25) ** 2))
    pm = Result(kind="xrd.powder_model")
    pm.curves.update(
        {
            "data": _curve(x, y),
            "model": _curve(x, y),
            "background": _curve(x, np.full_like(x, 100)),
            "residuals": _curve(x, np.zeros_like(x), unit="sigma"),
        }
    )
    wh = Result(
        kind="xrd.williamson_hall",
        parameters={"size": Quantity(20, 1, "nm"), "microstrain": Quantity(0.002, 1e-4, "1")},
        statistics={
            "intercept": 0.007,
            "slope": 0.002,
            "points": [
                {"two_theta": t, "x": 4 * math.sin(math.radians(t / 2)), "y": 0.008, "y_err": 1e-4}
                for t in (20, 30, 40)
            ],
        },
    )
    sc = Result(kind="xrd.scherrer", derived={"size_p01": Quantity(20, 1, "nm")})
    chi = np.linspace(-179.5, 179.5, 360)
    feat = Result(
        kind="giwaxs.features",
        statistics={"features": [{"q_range": [1.0, 1.1], "class": "ring", "texture": "grainy"}]},
    )
    feat.curves["profile_0"] = _curve(chi, np.ones_like(chi), dim="chi")
    feat.curves["smooth_0"] = _curve(chi, np.ones_like(chi), dim="chi")
    stack = Result(
        kind="giwaxs.stack",
        parameters={"period": Quantity(20.0, 0.1, "angstrom")},
        statistics={"orders": [1, 2, 3], "q": [0.314, 0.628, 0.942], "q_err": [0.001] * 3},
    )
    q = np.linspace(0.9, 1.1, 40)
    gi = Result(
        kind="giwaxs.size",
        parameters={"size": Quantity(7.6, 0.2, "nm")},
        derived={"instrument_fwhm_q": Quantity(0.01, None, "1/angstrom")},
    )
    gi.curves["data"] = _curve(q, np.ones_like(q), dim="q")
    gi.curves["model"] = _curve(q, np.ones_like(q), dim="q")
    return [pm, wh, sc, feat, stack, gi]


@pytest.mark.parametrize("res", _results(), ids=lambda r: r.kind)
def test_every_diffraction_figure_has_units_on_its_axes(res: Result) -> None:
    pytest.importorskip("matplotlib")
    _assert_axes_labelled(res.plot())


@pytest.mark.shared_data
def test_giwaxs_features_command_saves_a_labelled_figure(tmp_path, monkeypatch) -> None:
    import heterolab.report.plots as plots

    d = ("giwaxs", "dioptas_CeO2_Pilatus1M")
    tif, poni = shared_file(*d, "CeO2_Pilatus1M.tif"), shared_file(*d, "CeO2_Pilatus1M.poni")
    saved = []
    real = plots.plot_result

    def keep(result, **kw):
        fig = real(result, **kw)
        saved.append(fig)
        return fig

    monkeypatch.setattr(plots, "plot_result", keep)
    png = tmp_path / "features.png"
    args = ["giwaxs", "features", str(tif), "--poni", str(poni), "--flip", "UD"]
    args += ["--q-range", "1.98", "--q-range", "2.04", "--q-range", "2.29", "--q-range", "2.35"]
    out = runner.invoke(app, [*args, "--json", "--plot", str(png)])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert [f["class"] for f in doc["statistics"]["features"]] == ["ring", "ring"]
    assert png.stat().st_size > 0
    assert saved
    _assert_axes_labelled(saved[-1])
