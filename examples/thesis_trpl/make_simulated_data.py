"""Regenerate the simulated raw decays of the demo campaign (deterministic: fixed seeds).

Every file written here is *simulated* by heterolab from the lifetimes the reference thesis
reports (Yang Yongge, PhD thesis, UEC Tokyo 2024); the header of each file says so and names
the source of its parameters. The thesis reports single lifetimes for its films, so the decays
are single-exponential at those lifetimes, reconvolved with a measured-like IRF (Gaussian core
with a detector diffusion tail), with Poisson noise and a dark-count background, and with the
tails of earlier laser pulses at the stated repetition rate.

Run from the repository root::

    .venv/bin/python examples/thesis_trpl/make_simulated_data.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from heterolab.simulate.trpl import simulate_decay, simulate_irf

OUT = Path(__file__).resolve().parent / "data" / "simulated"

# Two TCSPC set-ups (375 nm pulsed diode laser, PMT + TCSPC module, thesis §3.2/§4.2):
SETUPS = {
    # Fig. 4-10 quenching-layer decays: ns lifetimes, 20 MHz, 50 ns window
    "fast": {
        "n_bins": 1000,
        "bin_width_ns": 0.05,
        "repetition_rate_hz": 20e6,
        "fwhm_ns": 0.15,
        "t0_ns": 5.0,
    },
    # Fig. 4-8c film decays: tens of ns, 5 MHz, 200 ns window (earlier-pulse tails matter)
    "slow": {
        "n_bins": 1000,
        "bin_width_ns": 0.2,
        "repetition_rate_hz": 5e6,
        "fwhm_ns": 0.4,
        "t0_ns": 10.0,
    },
}

# name: (setup, lifetime ns, thesis source)
DECAYS = {
    "het_original": (
        "fast",
        9.2,
        "thesis §4.3.2, Fig. 4-10d: 2D-3D PMA2PbBr4-CsPbBr3 film, 9.2 ns",
    ),
    "het_spiro": (
        "fast",
        1.8,
        "thesis §4.3.2, Fig. 4-10d: 2D-3D film + Spiro-OMeTAD (hole quencher), 1.8 ns",
    ),
    "het_pcbm": (
        "fast",
        1.0,
        "thesis §4.3.2, Fig. 4-10d: 2D-3D film + PCBM (electron quencher), 1.0 ns",
    ),
    "le_original": (
        "fast",
        6.0,
        "thesis §4.3.2, Fig. 4-10b: ligand-exchanged CsPbBr3 film, 6.0 ns",
    ),
    "le_spiro": (
        "fast",
        5.1,
        "thesis §4.3.2, Fig. 4-10b: ligand-exchanged film + Spiro-OMeTAD, 5.1 ns",
    ),
    "le_pcbm": ("fast", 3.9, "thesis §4.3.2, Fig. 4-10b: ligand-exchanged film + PCBM, 3.9 ns"),
    "het_film_fig4-8c": (
        "slow",
        82.5,
        "thesis §4.3.2, Fig. 4-8c: 2D-3D heterojunction film, 82.5 ns",
    ),
    "le_film_fig4-8c": ("slow", 19.5, "thesis §4.3.2, Fig. 4-8c: ligand-exchanged film, 19.5 ns"),
}

SIGNAL_COUNTS = 3e5
BACKGROUND_PER_BIN = 3.0


def _write_two_column(
    path: Path, time_ns: np.ndarray, counts: np.ndarray, header: list[str]
) -> None:
    lines = [f"# {h}" for h in header] + ["time_ns,counts"]
    lines += [f"{t:.4f},{int(c)}" for t, c in zip(time_ns, counts, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Write the IRFs, decays and truth.json into data/simulated/."""
    OUT.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict] = {}
    irf_shapes = {}
    for i, (name, s) in enumerate(SETUPS.items()):
        common = {"n_bins": s["n_bins"], "bin_width_ns": s["bin_width_ns"]}
        shape, _ = simulate_irf(
            **common, fwhm_ns=s["fwhm_ns"], t0_ns=s["t0_ns"], noise=False, total_counts=1.0
        )
        measured, irf_truth = simulate_irf(
            **common, fwhm_ns=s["fwhm_ns"], t0_ns=s["t0_ns"], total_counts=2e5, seed=100 + i
        )
        irf_shapes[name] = shape.values
        _write_two_column(
            OUT / f"irf_{name}.csv",
            measured["time"].values,
            measured.values,
            [
                "SIMULATED by heterolab (examples/thesis_trpl/make_simulated_data.py), seed "
                + str(100 + i),
                f"instrument response, {s['repetition_rate_hz'] / 1e6:g} MHz, FWHM {s['fwhm_ns']} ns",
            ],
        )
        truth[f"irf_{name}"] = {k: v for k, v in irf_truth.items() if k != "kind"}
    for j, (name, (setup, tau, source)) in enumerate(DECAYS.items()):
        s = SETUPS[setup]
        da, t = simulate_decay(
            [tau],
            [1.0],
            total_counts=SIGNAL_COUNTS,
            n_bins=s["n_bins"],
            bin_width_ns=s["bin_width_ns"],
            irf=irf_shapes[setup],
            background_counts_per_bin=BACKGROUND_PER_BIN,
            repetition_rate_hz=s["repetition_rate_hz"],
            seed=200 + j,
        )
        _write_two_column(
            OUT / f"{name}.csv",
            da["time"].values,
            da.values,
            [
                "SIMULATED by heterolab (examples/thesis_trpl/make_simulated_data.py), seed "
                + str(200 + j),
                f"parameters from {source}",
                f"375 nm excitation, {s['repetition_rate_hz'] / 1e6:g} MHz, IRF irf_{setup}.csv",
            ],
        )
        truth[name] = {
            "source": source,
            "setup": setup,
            **{k: v for k, v in t.items() if k != "kind"},
        }
    (OUT / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(DECAYS)} decays and {len(SETUPS)} IRFs to {OUT}")


if __name__ == "__main__":
    main()
