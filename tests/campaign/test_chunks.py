"""Chunked FLIM in a campaign (issue #14): ``chunk_pixels = N`` cuts the image's pixels into
chunks fitted in parallel (threads locally, tasks on Dask workers), and the result is the
unchunked one, number for number and map for map."""

from __future__ import annotations

import numpy as np
import pytest

from heterolab.campaign import load_campaign, run_campaign
from heterolab.campaign.execute import compute_step
from heterolab.demo import examples_dir
from heterolab.errors import ModelError

# real (tttrlib example, BSD-3-Clause): 50 x 50 px, 686 above the photon threshold at binning 2
BEADS = examples_dir() / "thesis_trpl/data/real/tttrlib_beads/beads.ptu"
TIMING = ("fit_seconds", "decays_per_second")


def _campaign(folder, chunk: int | str | None) -> object:
    line = "" if chunk is None else f"chunk_pixels = {chunk}\n"
    (folder / "campaign.toml").write_text(
        '[campaign]\nname = "beads"\nfigures = false\n'
        f'[[step]]\nid = "flim"\ntype = "trpl.flim"\ninputs = {{ image = "{BEADS.as_posix()}" }}\n'
        f"options = {{ n_components = 1, binning = 2 }}\n{line}",
        encoding="utf-8",
    )
    return folder / "campaign.toml"


def _without_timing(result) -> dict:
    """Everything a Result reports but its wall-clock timing and the run's provenance."""
    d = result.to_dict()
    for k in TIMING:
        d["statistics"].pop(k, None)
    d.pop("provenance", None)
    return d


@pytest.fixture(scope="module")
def unchunked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flim0")
    step = load_campaign(_campaign(folder, None)).steps[0]
    return compute_step(step, {})[0]


def test_two_chunks_on_the_local_executor_equal_the_unchunked_fit(tmp_path, unchunked):
    camp = load_campaign(_campaign(tmp_path, 343))  # 686 pixels fitted -> 2 chunks
    step = camp.steps[0]
    assert step.chunk_pixels == 343
    chunked = compute_step(step, {})[0]
    assert unchunked.status != "failed"
    assert _without_timing(chunked) == _without_timing(unchunked)


def test_chunked_maps_are_identical_bit_for_bit(tmp_path):
    from heterolab.campaign.registry import STEP_TYPES
    from heterolab.campaign.spec import Step

    plain = load_campaign(_campaign(tmp_path, None)).steps[0]
    chunked = Step(**{**plain.__dict__, "chunk_pixels": 300})  # 686 fitted: 3 uneven chunks
    fit = STEP_TYPES["trpl.flim"].resolve()
    from heterolab.io import read_flim

    image = read_flim(BEADS)
    a = fit(image, n_components=1, binning=2)
    calls = []

    def counting_map(func, args):
        calls.append(len(args))
        return [func(*x) for x in args]

    b = fit(
        image, n_components=1, binning=2, chunk_size=chunked.chunk_pixels, map_chunks=counting_map
    )
    assert calls == [3]
    assert set(a.curves) == set(b.curves)
    for name, da in a.curves.items():
        assert np.array_equal(da.values, b.curves[name].values, equal_nan=True), name


def test_chunking_changes_no_cache_key(tmp_path):
    first = run_campaign(_campaign(tmp_path, None), tmp_path / "out", progress=False)
    again = run_campaign(_campaign(tmp_path, 343), tmp_path / "out", progress=False)
    assert first.computed == ["flim"] and again.computed == []


def test_chunk_pixels_is_checked_at_load(tmp_path):
    with pytest.raises(ModelError, match="chunk_pixels must be a whole number of pixels"):
        load_campaign(_campaign(tmp_path, '"many"'))
    (tmp_path / "c2.toml").write_text(
        '[campaign]\nname = "x"\n[[step]]\nid = "r"\ntype = "trpl.rates"\n'
        "options = { plqy = 0.1, tau = 5.0 }\nchunk_pixels = 10\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match=r"trpl\.rates does not fit in chunks"):
        load_campaign(tmp_path / "c2.toml")


@pytest.mark.slow
def test_chunks_on_dask_workers_equal_the_unchunked_fit(tmp_path, unchunked):
    pytest.importorskip("distributed")
    run = run_campaign(_campaign(tmp_path, 343), tmp_path / "out", progress=False, workers=2)
    assert _without_timing(run.results["flim"]) == _without_timing(unchunked)
