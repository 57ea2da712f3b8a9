"""A campaign output folder written by hand (results.json + one figure), independent of the
campaign runner, with hostile and Japanese sample names, a failed step and a warning."""

from __future__ import annotations

import json
from pathlib import Path

from heterolab.result import Quantity, Result

EVIL = "<script>alert(1)</script>"
JAPANESE = "試料A ペロブスカイト"


def _fit(tau: float, err: float, bg: float) -> Result:
    r = Result(
        "trpl.decay_fit",
        parameters={
            "tau_1": Quantity(tau, err, "ns"),
            "background": Quantity(bg, 0.1234567, "counts"),
        },
        derived={"tau_avg_intensity": Quantity(tau, err, "ns")},
        statistics={"chi2_reduced": 1.01},
        provenance={
            "heterolab_version": "0.1.0",
            "python": "3.11",
            "inputs": {"decay.csv": {"path": "data/decay.csv", "sha256": "ab" * 32}},
            "settings": {"n_components": 1, "note": EVIL},
        },
    )
    return r


def write_results(folder: Path) -> dict:
    """Write the folder and return the payload (the 'store' the report must match)."""
    good = _fit(9.16834567, 0.0291234, 2.7123)
    evil = _fit(1.79581234, 0.0035123, 3.0531)
    evil.warnings.append(f"tau_1 disagrees with the published 1.5 ns for {EVIL}")
    evil.statistics["reference_comparison"] = {
        "tau_1": {
            "computed": 1.79581234,
            "stderr": 0.0035123,
            "published": 1.5,
            "published_uncertainty": 0.05,
            "difference": 0.29581234,
            "deviation_sigma": 5.83,
            "verdict": "differs",
        },
        "background": {
            "computed": 3.0531,
            "stderr": float("nan"),
            "published": 3.0,
            "published_uncertainty": None,
            "verdict": "ok",
            "deviation_sigma": 0.0,
        },
    }
    failed = Result("trpl.decay_fit")
    failed.mark_failed(f"no decay found in {EVIL}.csv")
    steps = [
        ("s1", JAPANESE, "trpl.fit", good, "2D-3D film"),
        ("s2", EVIL, "trpl.fit", evil, f"label {EVIL}"),
        ("s3", EVIL, "trpl.fit", failed, "broken file"),
        (
            "e1",
            JAPANESE,
            "derived.extraction",
            Result("derived.extraction", derived={"eta": Quantity(0.804, 0.012, "1")}),
            "extraction",
        ),
    ]
    payload = {
        "campaign": f"Campaign {EVIL}",
        "description": "hand-written & checked",
        "heterolab_version": "0.1.0",
        "samples": [{"name": JAPANESE, "material": "CsPbBr3", "synthesis": "", "metadata": {}}],
        "steps": [
            {
                "id": sid,
                "label": label,
                "type": typ,
                "sample": sample,
                "note": "",
                "result": res.to_dict(),
            }
            for sid, sample, typ, res, label in steps
        ],
        "series": {
            "tau-vs-ratio": [
                {
                    "sample": JAPANESE,
                    "x": 1.0,
                    "step": "s1",
                    "value": 9.16834567,
                    "stderr": 0.0291234,
                    "unit": "ns",
                    "value ± stderr": "9.168 ± 0.029",
                    "status": "ok",
                },
                {
                    "sample": EVIL,
                    "x": 3.0,
                    "step": "s2",
                    "value": 1.79581234,
                    "stderr": 0.0035123,
                    "unit": "ns",
                    "value ± stderr": "1.7958 ± 0.0035",
                    "status": "ok",
                },
            ]
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(payload, ensure_ascii=False), "utf-8")
    (folder / "figures").mkdir(exist_ok=True)
    # a tiny valid PNG (1 x 1 px) standing in for the step's figure
    (folder / "figures" / "s1.png").write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    return payload


def stored_values(payload: dict) -> dict[tuple[str, str], tuple[float, float | None]]:
    """(step id, quantity name) -> (value, stderr) as stored."""
    out = {}
    for s in payload["steps"]:
        for group in ("parameters", "derived"):
            for name, q in s["result"][group].items():
                out[(s["id"], name)] = (q["value"], q["stderr"])
    return out
