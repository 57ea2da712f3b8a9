"""Thesis presets: virtual experiments reproducing the samples of Yang Yongge's thesis as reported.

Each preset builds every measurement the thesis reports for one sample from its published
numbers (Yang Yongge, PhD thesis, UEC Tokyo 2024; values as collected in
``spec/reference_values.yaml``), labels every dataset ``simulated`` with its source, and lists
the thesis's own inconsistencies among the numbers it uses as warnings (never silently
resolved). Quantities the thesis does not state (count levels, noise, spectral widths, bin
widths, repetition rates) are assumptions named in each dataset's ``assumptions``.

- ``thesis-cspbbr3-pbs-1to30``: CsPbBr3–PbS heterostructure, Pb/S 1:30 (Chapter 3).
- ``thesis-pma2pbbr4-cspbbr3``: PMA2PbBr4–CsPbBr3 2D–3D heterojunction films (Chapter 4).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from heterolab.errors import ParameterError
from heterolab.reference import load_table
from heterolab.result import json_safe
from heterolab.simulate.files import write_array
from heterolab.simulate.spectra import (
    Emitter,
    EnergyTransfer,
    absorbance_at,
    simulate_absorption,
    simulate_pl,
)
from heterolab.simulate.ta import gaussian_band, simulate_ta
from heterolab.simulate.tem import simulate_lattice_image
from heterolab.simulate.trpl import simulate_decay, simulate_irf
from heterolab.simulate.xps import Doublet, simulate_xps
from heterolab.simulate.xrd import CSPBBR3_CUBIC, CU_KALPHA1_A, PBS_ROCKSALT, Phase, simulate_xrd
from heterolab.units import HC_EV_NM

__all__ = [
    "Dataset",
    "PresetOutput",
    "available_presets",
    "make_preset",
    "table_3_2_decays",
    "write_preset",
]

THESIS = "Yang Yongge, PhD thesis, UEC Tokyo (2024)"


@dataclass
class Dataset:
    """One simulated measurement: file stem, array, ground truth, source and assumptions."""

    name: str
    data: xr.DataArray
    truth: dict[str, Any]
    source: str
    assumptions: list[str] = field(default_factory=list)


@dataclass
class PresetOutput:
    """All datasets of a preset, with the thesis inconsistencies met while building it."""

    name: str
    description: str
    seed: int
    datasets: list[Dataset]
    warnings: list[str]
    #: Where two thesis numbers contradict each other and the preset had to use one: what it
    #: used, what it did not, and why (written to truth.json and printed by the CLI).
    choices: list[dict[str, Any]] = field(default_factory=list)

    def get(self, name: str) -> Dataset:
        """The dataset called ``name``; ParameterError listing the names otherwise."""
        for d in self.datasets:
            if d.name == name:
                return d
        raise ParameterError(
            f"preset {self.name!r} has no dataset {name!r}; available: "
            f"{[d.name for d in self.datasets]}"
        )


def _bragg_strain(a0: float, hkl_n: int, two_theta_deg: float) -> float:
    """Uniform strain Δa/a that puts reflection with h²+k²+l² = N at the given angle (Cu Kα1)."""
    d = CU_KALPHA1_A / (2.0 * np.sin(np.radians(two_theta_deg / 2.0)))
    return d * np.sqrt(hkl_n) / a0 - 1.0


#: Simulated HRTEM frames: 512 x 512 pixels of 0.04 nm (20.5 nm field of view, 7.3 pixels per
#: CsPbBr3 (200) fringe). GPA needs a field several resolutions (~0.4 nm) wide on each side of
#: the interface beyond its 2.4 nm edge margin; a 5 nm frame leaves no reference region.
TEM_SHAPE = (512, 512)
TEM_PIXEL_NM = 0.04


def _ta_time_axis() -> np.ndarray:
    """Delays (ps): linear 0.02 ps steps over ±1 ps, then logarithmic to 1 ns (typical fs-TA)."""
    return np.concatenate([np.arange(-1.0, 1.0, 0.02), np.geomspace(1.0, 1000.0, 120)])


# ----------------------------------------------------------------------------- chapter 3
_CH3_SOURCE = f"{THESIS}, Chapter 3 (CsPbBr3-PbS heterostructures, Pb/S 1:30)"
K0_CSPBBR3 = 1.0 / 8.08  # 1/ps, CsPbBr3 bleach tau_1 alone, Table 3-3
K_TOTAL_HET = 1.0 / 0.52  # 1/ps, CsPbBr3 bleach tau_1 in the 1:30 heterostructure, Table 3-3
K_ET = K_TOTAL_HET - K0_CSPBBR3  # 1/ps; spec V13: 1.80e12 s^-1


def _ch3_warnings() -> list[str]:
    return [
        "Table 3-3: CsPbBr3 bleach A1 + A2 = 100.01 % (47.46 + 52.55); normalised to 1",
        "NIR rise of PbS in 1:30 reported 0.55 ps (Fig. 3-24a) while the visible bleach decays "
        "with 0.52 ps (Table 3-3) and Table 3-4 lists T1 = 0.95 ps for the same 1:30 NIR "
        "kinetics; the simulation uses one transfer step 1/k = 0.52 ps total donor decay",
        "Table 3-4 PbS T1 = 0.32 ps coincides with the quoted PbS rise 0.30 ps: rise vs decay "
        "ambiguous; PbS alone is simulated with a 0.30 ps rise (hot-exciton relaxation)",
        "NIR probe wavelengths are assigned inconsistently between the 470 nm and 600 nm pump "
        "panels of Fig. 3-24 (940 vs 1050 nm); PbS bleach placed at the 1:30 value 940 nm",
        "CsPbBr3 size ~6 nm (Fig. 3-14) gives a Brus peak of 453 nm, not the reported PL 471 nm "
        "(spec V8); the spectra use the reported 471 nm PL",
        "PbS size 3.4 nm (Fig. 3-16e) gives a Moreels absorption peak of 1027 nm; with PL at "
        "1156 nm this implies a 135 meV Stokes shift (spec V7), used here",
        "IRF of fs-TA: 120 fs in §2.9.1 but 150 fs in §3.2; 150 fs used",
        "XPS: thesis Pb-Br 4f5/2 at 143.61 eV (5.78 eV splitting) contradicts the 4.87 eV Pb 4f "
        "spin-orbit splitting; simulated with 4.87 eV (4f5/2 at 142.70 eV, spec V12)",
        "transfer efficiency 1:30: the TA rates (Table 3-3) give eta = 93.6 %, Table 3-1 "
        "prints 71.56 %; the simulated PL uses 93.6 % (see 'choices' in truth.json)",
        "XRD wavelength not stated; Cu Kα1 1.5406 Å assumed (spec P-09)",
        "Table 3-2 decays are ns-TA (ΔOD) kinetics; simulated here as counting histograms in ns",
    ]


ETA_TABLE_3_1_1TO30 = 0.7156  # Table 3-1, row 1:30 (steady-state NIR PL)


def _ch3_choices() -> list[dict[str, Any]]:
    eta_ta = K_ET / K_TOTAL_HET
    return [
        {
            "quantity": "eta_transfer (CsPbBr3 -> PbS, Pb/S 1:30)",
            "used": eta_ta,
            "used_source": "Table 3-3 fs-TA: k_ET = 1/0.52 ps - 1/8.08 ps, "
            "eta = k_ET/(k_ET + 1/tau_0) (spec V13)",
            "not_used": ETA_TABLE_3_1_1TO30,
            "not_used_source": "Table 3-1 steady-state NIR PL, eta_trans = 71.56 %",
            "files": ["pl_vis.csv", "pl_nir.csv"],
            "why": "the TA rates set the simulated kinetics; the PL spectra must follow the same "
            "kinetics, so a transfer-efficiency analysis of these PL files recovers "
            f"{100 * eta_ta:.1f} %, not the 71.56 % of Table 3-1",
        }
    ]


def _ch3_ta(rngs: list[np.random.Generator]) -> list[Dataset]:
    t = _ta_time_axis()
    vis = np.arange(450.0, 561.0, 1.0)
    nir = np.arange(850.0, 1251.0, 4.0)
    a1 = 47.46 / (47.46 + 52.55)
    # compartments: CsPbBr3 transferring, CsPbBr3 long-lived, PbS band edge
    k_het = [[-K_TOTAL_HET, 0.0, 0.0], [0.0, 0.0, 0.0], [K_ET, 0.0, 0.0]]
    c0_het = [a1, 1.0 - a1, 0.2]
    names = ["CsPbBr3 (transferring)", "CsPbBr3 (long-lived)", "PbS exciton"]
    d_vis = gaussian_band(vis, 503.0, 18.0, -4e-3) + gaussian_band(vis, 525.0, 20.0, 6e-4)
    s_vis = np.vstack([d_vis, d_vis, np.zeros_like(vis)])
    s_nir = np.vstack(
        [np.zeros_like(nir), np.zeros_like(nir), gaussian_band(nir, 940.0, 110.0, -1.5e-3)]
    )
    common = {"irf_fwhm_ps": 0.15, "species_names": names}
    ta_vis, tr_vis = simulate_ta(
        t,
        vis,
        rate_matrix=k_het,
        initial_population=c0_het,
        species_spectra=s_vis,
        chirp_ps=[-0.25, 0.08],
        chirp_center_nm=500.0,
        coherent_artifact_od=1e-3,
        noise_od=1e-4,
        seed=rngs[0],
        **common,
    )
    ta_nir, tr_nir = simulate_ta(
        t,
        nir,
        rate_matrix=k_het,
        initial_population=c0_het,
        species_spectra=s_nir,
        chirp_ps=[-0.05],
        chirp_center_nm=1000.0,
        noise_od=5e-5,
        seed=rngs[1],
        **common,
    )
    a1_alone = 9.27 / (9.27 + 90.73)
    ta_ref, tr_ref = simulate_ta(
        t,
        vis,
        rate_matrix=[[-K0_CSPBBR3, 0.0], [0.0, 0.0]],
        initial_population=[a1_alone, 1 - a1_alone],
        species_spectra=np.vstack([gaussian_band(vis, 508.0, 18.0, -4e-3)] * 2),
        chirp_ps=[-0.25, 0.08],
        chirp_center_nm=500.0,
        noise_od=1e-4,
        seed=rngs[2],
        irf_fwhm_ps=0.15,
        species_names=["CsPbBr3 (8.08 ps)", "CsPbBr3 (long-lived)"],
    )
    ta_pbs, tr_pbs = simulate_ta(
        t,
        nir,
        rate_matrix=[[-1 / 0.30, 0.0], [1 / 0.30, 0.0]],
        initial_population=[1.0, 0.0],
        species_spectra=np.vstack(
            [gaussian_band(nir, 1056.0, 120.0, -3e-4), gaussian_band(nir, 1056.0, 110.0, -1.5e-3)]
        ),
        chirp_ps=[-0.05],
        chirp_center_nm=1000.0,
        noise_od=5e-5,
        seed=rngs[3],
        irf_fwhm_ps=0.15,
        species_names=["PbS hot exciton", "PbS band-edge exciton"],
    )
    for truth, fluence in ((tr_vis, 6.03), (tr_nir, 6.03), (tr_ref, 6.03), (tr_pbs, 6.03)):
        truth["pump_nm"] = 470.0
        truth["fluence_uj_cm2"] = fluence  # Fig. 3-21 c-d, 3-23, 3-24 (6.72 in Fig. 3-21a-b)
    assumed = [
        "spectral shapes (Gaussian bands, widths, ΔOD scale), chirp polynomial, noise "
        "level and the 20 % direct PbS excitation at 470 nm are assumptions"
    ]
    return [
        Dataset(
            "ta_vis_470pump_het_1to30",
            ta_vis,
            tr_vis,
            f"{THESIS}, Table 3-3 (470 nm pump, visible probe, bleach 503 nm)",
            assumed,
        ),
        Dataset(
            "ta_nir_470pump_het_1to30",
            ta_nir,
            tr_nir,
            f"{THESIS}, Fig. 3-24a, Table 3-4 (470 nm pump, NIR probe 940 nm)",
            assumed,
        ),
        Dataset(
            "ta_vis_470pump_cspbbr3",
            ta_ref,
            tr_ref,
            f"{THESIS}, Table 3-3 (CsPbBr3 alone, bleach 508 nm, tau_1 = 8.08 ps)",
            assumed,
        ),
        Dataset(
            "ta_nir_pbs",
            ta_pbs,
            tr_pbs,
            f"{THESIS}, §3.3.3 Fig. 3-24a (PbS alone, rise 0.30 ps, probe 1056 nm)",
            assumed,
        ),
    ]


#: Excitation wavelength of the Chapter-3 steady-state PL (nm; assumed, thesis §3.2).
CH3_EXCITATION_NM = 465.0
#: Table 3-1, row 1:30: absorbances at the excitation wavelength (OD).
CH3_ABSORBANCE_AT_EXCITATION = {"CsPbBr3": 0.180, "PbS": 0.113}


def _scaled_to(emitter: Emitter, od: float, wavelength_nm: float) -> Emitter:
    """The emitter with its absorbance scaled so that it absorbs ``od`` at ``wavelength_nm``."""
    return replace(
        emitter, absorbance=emitter.absorbance * od / absorbance_at(emitter, wavelength_nm)
    )


def _ch3_emitters() -> list[Emitter]:
    stokes_cs = 20.0  # meV, assumed
    e_pl = HC_EV_NM / 471.0
    shapes = [
        Emitter(
            "CsPbBr3",
            "CsPbBr3",
            6.0,
            absorbance=0.180,
            plqy=0.92,
            stokes_shift_mev=stokes_cs,
            peak_nm=HC_EV_NM / (e_pl + stokes_cs * 1e-3),
            homogeneous_fwhm_mev=60.0,
            inhomogeneous_fwhm_mev=60.0,
            continuum_offset_mev=40.0,  # exciton binding energy (Protesescu et al. 2015)
            continuum_ratio=0.8,
        ),
        Emitter(
            "PbS",
            "PbS",
            3.4,
            size_spread=0.05,
            absorbance=0.113,
            plqy=0.225,
            stokes_shift_mev=135.0,
            homogeneous_fwhm_mev=60.0,
            continuum_ratio=1.0,
            continuum_offset_mev=300.0,
        ),
    ]
    return [_scaled_to(e, CH3_ABSORBANCE_AT_EXCITATION[e.name], CH3_EXCITATION_NM) for e in shapes]


def _ch3_spectra(rngs: list[np.random.Generator]) -> list[Dataset]:
    em = _ch3_emitters()
    vis, nir = np.arange(400.0, 651.0, 1.0), np.arange(800.0, 1401.0, 2.0)
    et = EnergyTransfer("CsPbBr3", "PbS", k_et_per_s=K_ET * 1e12, tau0_s=8.08e-12)
    out = []
    for label, grid, rng_a, rng_p in (
        ("vis", vis, rngs[0], rngs[1]),
        ("nir", nir, rngs[2], rngs[3]),
    ):
        a, ta = simulate_absorption(grid, em, noise_od=5e-4, seed=rng_a)
        p, tp = simulate_pl(
            grid, em, excitation_nm=CH3_EXCITATION_NM, transfer=et, total_counts=2e5, seed=rng_p
        )
        out.append(
            Dataset(
                f"absorption_{label}",
                a,
                ta,
                f"{THESIS}, Table 3-1 (A_pero 0.180, A_PbS 0.113 at the excitation), §3.3.2",
                [
                    "band widths, continuum and size spread assumed; excitation 465 nm assumed",
                    "absorbances scaled so that each component absorbs its Table 3-1 value at "
                    "the excitation wavelength",
                ],
            )
        )
        out.append(
            Dataset(
                f"pl_{label}",
                p,
                tp,
                f"{THESIS}, Abstract/§3.1 (PL 471 / 1156 nm for 1:30), Table 3-1 "
                "(PLQY_PbS 0.225), Tables 3-3 (k_ET)",
                ["widths and counts assumed"],
            )
        )
    return out


def _ch3_structure(rngs: list[np.random.Generator]) -> list[Dataset]:
    tt = np.arange(10.0, 60.0, 0.02)
    cs_strain = _bragg_strain(CSPBBR3_CUBIC.a_angstrom, 4, 30.25)
    pbs_strain = _bragg_strain(PBS_ROCKSALT.a_angstrom, 4, 29.71)
    xrd, t_xrd = simulate_xrd(
        tt,
        [
            Phase(CSPBBR3_CUBIC, 1.0, 6.0, 0.0, cs_strain),
            Phase(PBS_ROCKSALT, 0.5, 3.4, 0.0, pbs_strain),
        ],
        seed=rngs[0],
    )
    e = np.arange(132.0, 150.0, 0.05)
    xps, t_xps = simulate_xps(
        e, [Doublet("Pb-Br", 137.83, 3e4), Doublet("Pb-S", 137.42, 3e4)], seed=rngs[1]
    )
    d_cs, d_pbs = CSPBBR3_CUBIC.a_angstrom / 2, PBS_ROCKSALT.a_angstrom / 2
    mismatch = d_pbs / d_cs - 1.0
    img, t_img = simulate_lattice_image(
        shape=TEM_SHAPE,
        pixel_nm=TEM_PIXEL_NM,
        spacing_nm=d_cs / 10,
        strain_xx=mismatch,
        strain_yy=mismatch,
        noise_std=0.3,
        seed=rngs[2],
    )
    t_img = {
        **t_img,
        "exx": None,
        "eyy": None,
        "exy": None,
        "note": "strain maps follow analytically from the scalars (see simulate.tem)",
    }
    return [
        Dataset(
            "xrd",
            xrd,
            t_xrd,
            f"{THESIS}, §3.3.1 Fig. 3-7 (het (200) at 30.25° CsPbBr3, 29.71° PbS), sizes "
            "Fig. 3-14/3-16e",
            ["phase ratio, counts, instrumental width assumed"],
        ),
        Dataset(
            "xps_pb4f",
            xps,
            t_xps,
            f"{THESIS}, §3.3.1 Fig. 3-9 (Pb 4f7/2 137.83/137.42 eV)",
            ["equal Pb-Br/Pb-S areas and widths assumed"],
        ),
        Dataset(
            "tem_interface",
            img,
            t_img,
            f"{THESIS}, §3.3.1 Fig. 3-4c (CsPbBr3(200)/PbS(200) interface), bulk cells",
            ["cube-on-cube coherent interface, fringe model (no CTF); 512 x 512 px of 0.04 nm"],
        ),
    ]


def table_3_2_decays(*, seed: int = 0, total_counts: float = 2e5) -> list[Dataset]:
    """One simulated decay per row of thesis Table 3-2 (ns-TA of PbS, 600 nm excitation).

    Bi-exponential with the tabulated tau1, A1, tau2, A2 (µs, converted to ns); the truth
    carries the tabulated ``tau_ave_table_us`` so an analysis can be compared with the thesis.
    The kinetics are ΔOD traces in the thesis; here they are counting histograms (10 ns
    Gaussian IRF, 25 ns bins, 1 count/bin background: assumptions).

    Returns
    -------
    list of Dataset
        Named ``decay_ns_ta_<ratio>`` (``1to1`` ... ``1to30``).
    """
    table = load_table("table_3_2")
    # entropy (seed, 302) keeps these streams apart from the other datasets of a preset
    rngs = [
        np.random.default_rng(s)
        for s in np.random.SeedSequence([seed, 302]).spawn(len(table["rows"]))
    ]
    out = []
    for row, rng in zip(table["rows"], rngs, strict=True):
        da, truth = simulate_decay(
            [row["tau1"] * 1e3, row["tau2"] * 1e3],
            [row["A1"], row["A2"]],
            total_counts=total_counts,
            n_bins=1024,
            bin_width_ns=25.0,
            irf_fwhm_ns=10.0,
            t0_ns=500.0,
            background_counts_per_bin=1.0,
            seed=rng,
        )
        truth["ratio_pb_s"] = row["ratio"]
        truth["tau_ave_table_us"] = row["tau_ave"]
        name = "decay_ns_ta_" + row["ratio"].replace(":", "to")
        out.append(
            Dataset(
                name,
                da,
                truth,
                f"{THESIS}, {table['source']}",
                ["10 ns Gaussian IRF, 25 ns bins, counts and background assumed"],
            )
        )
    return out


def _ch3_decay(seed: int) -> list[Dataset]:
    return [d for d in table_3_2_decays(seed=seed) if d.name == "decay_ns_ta_1to30"]


def _build_ch3(seed: int) -> PresetOutput:
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(11)]
    datasets = (
        _ch3_ta(rngs[0:4]) + _ch3_spectra(rngs[4:8]) + _ch3_structure(rngs[8:11]) + _ch3_decay(seed)
    )
    for ds in datasets:
        if ds.name.startswith("pl_"):
            ds.truth["eta_transfer_table_3_1"] = ETA_TABLE_3_1_1TO30
            ds.truth["eta_transfer_choice"] = _ch3_choices()[0]["why"]
    return PresetOutput(
        "thesis-cspbbr3-pbs-1to30", _CH3_SOURCE, seed, datasets, _ch3_warnings(), _ch3_choices()
    )


# ----------------------------------------------------------------------------- chapter 4
_CH4_SOURCE = f"{THESIS}, Chapter 4 (PMA2PbBr4-CsPbBr3 2D-3D heterojunction films)"
# (film, quencher): lifetime in ns, Fig. 4-10 b,d
CH4_LIFETIMES_NS = {
    ("het", "none"): 9.2,
    ("het", "spiro"): 1.8,
    ("het", "pcbm"): 1.0,
    ("le", "none"): 6.0,
    ("le", "spiro"): 5.1,
    ("le", "pcbm"): 3.9,
}
CH4_FIG48_LIFETIMES_NS = {"het": 82.5, "le": 19.5}
CH4_PLQY = {"het": 0.010, "le": 0.021}  # Fig. 4-8a


def _ch4_warnings() -> list[str]:
    return [
        "TRPL lifetimes of the same film types differ between Fig. 4-8c (82.5 ns het, 19.5 ns "
        "ligand-exchanged) and Fig. 4-10 (9.2 / 6.0 ns); both sets are simulated and labelled",
        "L_D of the ligand-exchanged film (49 nm electrons) needs tau0 = 6.27 ns, not 6.0 ns "
        "(spec V3)",
        "Fig. 4-7a absorption peaks: the text assigns 400 nm to CsPbBr3 and 494 nm to PMA2PbBr4 "
        "(swapped); simulated as PMA2PbBr4 400 nm, CsPbBr3 494 nm",
        "GIXD size 7.6 nm gives a Brus peak ~485 nm while the film PL is at 518 nm (spec V8); "
        "the spectra use the reported peaks",
        "GPA strain 5 % in CsPbBr3: 'in-plane' in the text, 'out-of-plane' in the caption; "
        "simulated as strain along x across the interface. The 30 % PMA2PbBr4 strain is beyond "
        "the elastic range and is not simulated",
        "No PMA2PbBr4 crystal structure is available: the XRD pattern contains CsPbBr3 only",
        "Table 4-1 D column unit printed 'nm' (erratum: cm2/s)",
    ]


def _ch4_decays(rngs: list[np.random.Generator]) -> list[Dataset]:
    irf, irf_truth = simulate_irf(
        n_bins=1024,
        bin_width_ns=0.05,
        fwhm_ns=0.15,
        t0_ns=3.0,
        tail_fraction=0.03,
        tail_tau_ns=0.4,
        total_counts=1e5,
        seed=rngs[0],
    )
    out = [
        Dataset(
            "irf",
            irf,
            irf_truth,
            f"{THESIS}, §2.1 (pulsed laser, 90 ps pulse width)",
            ["measured-like IRF: 150 ps FWHM Gaussian core + 3 % tail assumed"],
        )
    ]
    for k, ((film, quencher), tau) in enumerate(CH4_LIFETIMES_NS.items(), start=1):
        da, truth = simulate_decay(
            [tau],
            [1.0],
            total_counts=1e5,
            n_bins=1024,
            bin_width_ns=0.05,
            irf=irf,
            background_counts_per_bin=2.0,
            repetition_rate_hz=1e7,
            seed=rngs[k],
        )
        tau0 = CH4_LIFETIMES_NS[(film, "none")]
        if quencher != "none":
            ratio = tau0 / tau
            truth["quenching_efficiency"] = 1.0 - tau / tau0
            # L_D = (2L/pi) sqrt(tau0/tauQ - 1) with L = 100 nm (Xing et al., Science 342, 344
            # (2013); spec P-40, V4 implies L ~ 100 nm)
            truth["diffusion_length_nm_for_L100"] = 200.0 / np.pi * np.sqrt(ratio - 1.0)
        out.append(
            Dataset(
                f"trpl_{film}_{quencher}",
                da,
                truth,
                f"{THESIS}, §4.3.2 Fig. 4-10 (tau = {tau} ns)",
                ["mono-exponential decay, 1e5 counts, 10 MHz, 2 counts/bin assumed"],
            )
        )
    for j, (film, tau) in enumerate(CH4_FIG48_LIFETIMES_NS.items(), start=8):
        da, truth = simulate_decay(
            [tau],
            [1.0],
            total_counts=1e5,
            n_bins=2048,
            bin_width_ns=0.2,
            irf_fwhm_ns=0.15,
            t0_ns=5.0,
            background_counts_per_bin=1.0,
            repetition_rate_hz=2e6,
            seed=rngs[j],
        )
        truth["plqy"] = CH4_PLQY[film]
        out.append(
            Dataset(
                f"trpl_fig4-8c_{film}",
                da,
                truth,
                f"{THESIS}, §4.3.2 Fig. 4-8c (tau = {tau} ns)",
                ["mono-exponential, Gaussian IRF 150 ps, 2 MHz assumed"],
            )
        )
    return out


def _ch4_spectra(rngs: list[np.random.Generator]) -> list[Dataset]:
    wl = np.arange(350.0, 601.0, 0.5)
    e_pma, e_cs = HC_EV_NM / 400.0, HC_EV_NM / 494.0
    em = [
        Emitter(
            "PMA2PbBr4",
            "PMA2PbBr4",
            1.0,
            absorbance=0.3,
            plqy=0.02,
            peak_nm=400.0,
            stokes_shift_mev=1e3 * (e_pma - HC_EV_NM / 410.0),
            homogeneous_fwhm_mev=60.0,
        ),
        Emitter(
            "CsPbBr3",
            "CsPbBr3",
            7.6,
            absorbance=0.2,
            plqy=0.01,
            peak_nm=494.0,
            stokes_shift_mev=1e3 * (e_cs - HC_EV_NM / 518.0),
            homogeneous_fwhm_mev=70.0,
            inhomogeneous_fwhm_mev=40.0,
            continuum_offset_mev=40.0,  # exciton binding energy (Protesescu et al. 2015)
            continuum_ratio=0.8,
        ),
    ]
    a, ta = simulate_absorption(wl, em, noise_od=5e-4, seed=rngs[0])
    p, tp = simulate_pl(wl, em, excitation_nm=365.0, total_counts=2e5, seed=rngs[1])
    src = f"{THESIS}, §4.3.2 Fig. 4-7 (absorption 400/494 nm, PL 410/518 nm), Fig. 4-8a (PLQY)"
    assumed = ["band widths and the PMA2PbBr4 emission share assumed; excitation 365 nm assumed"]
    return [Dataset("absorption", a, ta, src, assumed), Dataset("pl", p, tp, src, assumed)]


def _ch4_structure(rngs: list[np.random.Generator]) -> list[Dataset]:
    tt = np.arange(10.0, 50.0, 0.02)
    xrd, t_xrd = simulate_xrd(tt, [Phase(CSPBBR3_CUBIC, 1.0, 7.6)], seed=rngs[0])
    img, t_img = simulate_lattice_image(
        shape=TEM_SHAPE,
        pixel_nm=TEM_PIXEL_NM,
        spacing_nm=0.2937,
        strain_xx=0.05,
        noise_std=0.3,
        seed=rngs[1],
    )
    t_img = {
        **t_img,
        "exx": None,
        "eyy": None,
        "exy": None,
        "note": "strain maps follow analytically from the scalars (see simulate.tem)",
    }
    return [
        Dataset(
            "xrd",
            xrd,
            t_xrd,
            f"{THESIS}, §4.3.1 Fig. 4-6a (GIXD size 7.6 nm)",
            ["powder (not grazing-incidence) geometry, Cu Kα1 assumed"],
        ),
        Dataset(
            "tem_gpa",
            img,
            t_img,
            f"{THESIS}, §4.3.2 Fig. 4-11b,c (GPA strain ~5 %)",
            [
                "fringe model of the CsPbBr3 (200) planes, strain step at the image centre; "
                "512 x 512 px of 0.04 nm"
            ],
        ),
    ]


def _build_ch4(seed: int) -> PresetOutput:
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(14)]
    datasets = _ch4_decays(rngs[0:10]) + _ch4_spectra(rngs[10:12]) + _ch4_structure(rngs[12:14])
    return PresetOutput("thesis-pma2pbbr4-cspbbr3", _CH4_SOURCE, seed, datasets, _ch4_warnings())


# ----------------------------------------------------------------------------- public API
_PRESETS: dict[str, Callable[[int], PresetOutput]] = {
    "thesis-cspbbr3-pbs-1to30": _build_ch3,
    "thesis-pma2pbbr4-cspbbr3": _build_ch4,
}


def available_presets() -> list[str]:
    """Names of the built-in presets."""
    return sorted(_PRESETS)


def make_preset(name: str, *, seed: int = 0) -> PresetOutput:
    """Build every dataset of preset ``name`` in memory (reproducible for a given ``seed``).

    Raises
    ------
    ParameterError
        Unknown preset name (the message lists the valid ones) or invalid seed.
    """
    if name not in _PRESETS:
        raise ParameterError(f"unknown preset {name!r}; available: {available_presets()}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    return _PRESETS[name](int(seed))


def write_preset(
    name: str, outdir: str | Path, *, seed: int = 0, force: bool = False
) -> dict[str, Any]:
    """Write preset ``name`` as reader-compatible text files plus ``truth.json`` into ``outdir``.

    Parameters
    ----------
    name
        Preset name (see :func:`available_presets`).
    outdir
        Output directory; created if missing. A non-empty directory is refused unless
        ``force`` (then files of the same names are overwritten).
    seed
        Seed of every random draw.

    Returns
    -------
    dict
        The manifest written to ``truth.json``: preset, seed, warnings and, per file, its
        source, assumptions and ground truth.
    """
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"output path {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ParameterError(f"output directory {out} is not empty; use --force to overwrite")
    preset = make_preset(name, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for ds in preset.datasets:
        path = write_array(ds.data, out / f"{ds.name}.csv")
        files[path.name] = {
            "dims": list(ds.data.dims),
            "units": ds.data.attrs.get("units"),
            "simulated": True,
            "source": ds.source,
            "assumptions": ds.assumptions,
            "truth": ds.truth,
        }
    manifest = {
        "preset": preset.name,
        "description": preset.description,
        "simulated": True,
        "seed": preset.seed,
        "warnings": preset.warnings,
        "choices": preset.choices,
        "files": files,
    }
    (out / "truth.json").write_text(
        json.dumps(json_safe(manifest), indent=2) + "\n", encoding="utf-8"
    )
    return manifest
