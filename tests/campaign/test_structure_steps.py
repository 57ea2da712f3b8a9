"""Structure analyses run as campaign steps (issue #14: every analysis registered as data),
on the real LaB6 pattern of ../shared/data."""

from __future__ import annotations

import math
import shutil

import pytest
from typer.testing import CliRunner

from heterolab.campaign import open_results
from heterolab.cli import app
from shared_paths import shared_file

LAB6_A = 4.15692  # angstrom, NIST SRM 660 certified cell (the pattern's own README)
CU_KA1 = 1.5405929  # angstrom


def test_xrd_peaks_step_on_the_real_lab6_pattern(tmp_path):
    pytest.importorskip("xrayutilities", reason="structure extra not installed")
    src = shared_file("xrd", "xrayutilities_LaB6_D5000", "LaB6_d500_si_psd.xye.bz2")
    shutil.copy(src, tmp_path / src.name)
    (tmp_path / "campaign.toml").write_text(
        '[campaign]\nname = "xrd"\nfigures = false\n'
        '[[sample]]\nname = "LaB6"\n'
        f'[[measurement]]\nid = "lab6"\nsample = "LaB6"\ntechnique = "xrd"\nfile = "{src.name}"\n'
        '[[step]]\nid = "peaks"\ntype = "xrd.peaks"\nfor_each = "xrd"\n'
    )
    res = CliRunner().invoke(app, ["run", str(tmp_path / "campaign.toml")])
    assert res.exit_code == 0, res.output
    with open_results(tmp_path / "campaign.toml") as store:
        q = store.quantities(name="%.center")
    assert len(q) >= 20  # LaB6 has 24 reflections in this range
    first = q.sort_values("value")["value"].iloc[0]
    bragg_100 = 2 * math.degrees(math.asin(CU_KA1 / (2 * LAB6_A)))  # 21.357 deg
    assert first == pytest.approx(bragg_100, abs=0.03)  # within the sample displacement
