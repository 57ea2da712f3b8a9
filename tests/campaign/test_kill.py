"""A campaign killed with SIGKILL at random moments, then re-run, ends with a sound store and
exactly the results of a clean run; concurrent runs on one folder never corrupt it."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SCRIPT = '''
import sys, time
import numpy as np
import xarray as xr
from heterolab.campaign import StepType, register_step_type, run_campaign
from heterolab.result import Quantity, Result

def work(numbers: str, offset: float = 0.0) -> Result:
    """Seeded random walk from the file's first number (slow enough to be killed mid-run)."""
    seed = int(np.loadtxt(numbers, ndmin=1)[0])
    time.sleep(0.03)
    x = np.random.default_rng(seed).normal(size=300).cumsum() + offset
    res = Result(kind="test.work")
    res.parameters["mean"] = Quantity(float(x.mean()), float(x.std() / np.sqrt(x.size)), "1")
    res.curves["data"] = xr.DataArray(x, dims="x", coords={"x": np.arange(x.size)})
    return res

register_step_type(StepType("test.work", work, {"numbers": "path"}))
run = run_campaign(sys.argv[1], sys.argv[2], progress=False, wait=float(sys.argv[3]))
print(len(run.computed), len(run.cached))
'''

N_STEPS = 16


def _campaign(d: Path) -> Path:
    lines = ['[campaign]\nname = "kill test"\n']
    for i in range(N_STEPS):
        (d / f"n{i}.txt").write_text(f"{i + 1}\n")
        uses = f'uses = {{ offset = "s{i - 1}.mean" }}\n' if i % 4 else ""
        lines.append(
            f'[[step]]\nid = "s{i}"\ntype = "test.work"\ninputs = {{ numbers = "n{i}.txt" }}\n{uses}'
        )
    (d / "run.py").write_text(SCRIPT)
    path = d / "campaign.toml"
    path.write_text("\n".join(lines))
    return path


def _start(d: Path, out: Path, wait: float = 0.0) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(d / "run.py"), str(d / "campaign.toml"), str(out), str(wait)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun_equals_a_clean_run(tmp_path):
    _campaign(tmp_path)
    t0 = time.monotonic()
    clean = _start(tmp_path, tmp_path / "clean")
    out, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, err
    duration = time.monotonic() - t0
    rng = random.Random(20261202)
    killed = tmp_path / "killed"
    for _ in range(5):
        proc = _start(tmp_path, killed)
        time.sleep(rng.uniform(0.2, duration))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    final = _start(tmp_path, killed)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    con = sqlite3.connect(killed / "heterolab.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT COUNT(*) FROM current").fetchone()[0] == N_STEPS
        statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY id")]
        assert statuses[-1] == "finished" and "running" not in statuses
    finally:
        con.close()
    for name in ("results.json", "results.csv"):
        assert (killed / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    for i in range(N_STEPS):
        assert (killed / "figures" / f"s{i}.png").stat().st_size > 0
    # a third run finds everything in the store
    again = _start(tmp_path, killed)
    out, _ = again.communicate(timeout=300)
    assert out.split() == ["0", str(N_STEPS)]


@pytest.mark.slow
def test_two_concurrent_runs_one_waits_and_the_store_stays_sound(tmp_path):
    _campaign(tmp_path)
    out = tmp_path / "out"
    first = _start(tmp_path, out, wait=300.0)
    time.sleep(0.5)
    second = _start(tmp_path, out, wait=300.0)
    o1, e1 = first.communicate(timeout=300)
    o2, e2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, (e1, e2)
    computed = int(o1.split()[0]) + int(o2.split()[0])
    assert computed == N_STEPS  # the waiting run found the first one's results
    con = sqlite3.connect(out / "heterolab.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
