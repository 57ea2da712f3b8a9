"""ML-potential relaxation of a ~300-atom CsPbBr3(100)/PbS(100) interface and its screening E_int.

Builds the smallest-area coherent interface (CsPbBr3 1x1 on PbS (100) sqrt2 x sqrt2, 1.06 %
film strain) with heterolab, turns the film's contact layer to PbBr2 in the registry that
continues the rock-salt ions (Pb over S, Br over Pb; shift (1/2, 0), gap 3.0 Å:
``surfaces.retune_interface``; pymatgen's builder offers only the CsBr contact, whose Cs and
Br both sit over Pb), repeats it 2 x 2 in-plane (defaults: 6 film and 6 substrate unit
planes, 304 atoms), and relaxes AB, A (film) and B (substrate) in AB's cell with SevenNet-0
(or ``--model chgnet``) through ASE (FIRE, cell fixed, forces < 0.03 eV/Å, the thesis's
criterion). Prints wall and CPU times, steps, the final largest force, the load average of the
(shared) machine and the interface energy per area, labelled as ML screening with the model
and weights hash. The issue's bar: a 300-atom interface in under 5 minutes on 2 cores.

Threads: torch runs ``--threads`` intra-op threads (2). heterolab's screen module sets
``OMP_WAIT_POLICY=PASSIVE`` before torch is imported: with the OpenMP default (spinning
waits) two threads on a loaded 2-core machine spent 4x the CPU time per SevenNet-0
evaluation (8.7 s instead of 2.1 s for 312 atoms at load 10).

Usage: ``.venv/bin/python benchmarks/bench_atomistic_relax.py [--repeat 2] [--film-layers 6]
[--substrate-layers 6] [--threads 2] [--optimizer fire] [--model 7net-0] [--only-ab]``.
Needs the ml extra.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def _split(ab):  # type: ignore[no-untyped-def]
    labels = ab.site_properties["interface_label"]
    film = ab.copy()
    film.remove_sites([i for i, lab in enumerate(labels) if lab != "film"])
    sub = ab.copy()
    sub.remove_sites([i for i, lab in enumerate(labels) if lab == "film"])
    return film, sub


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=2, help="in-plane repetition n x n")
    ap.add_argument("--film-layers", type=int, default=6)
    ap.add_argument("--substrate-layers", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--optimizer", default="fire")
    ap.add_argument("--model", default="7net-0")
    ap.add_argument("--only-ab", action="store_true", help="relax AB only (timing bar)")
    ap.add_argument("--film-bottom", default="PbBr2", help="film contact layer ('' = as built)")
    ap.add_argument("--shift", default="0.5,0", help="film registry shift (fractions of a, b)")
    ap.add_argument("--gap", type=float, default=3.0, help="interface gap (Å)")
    args = ap.parse_args()

    from heterolab.atomistic import build, screen  # sets OMP_WAIT_POLICY before torch
    from heterolab.atomistic.surfaces import retune_interface

    screen.set_threads(args.threads)
    t0 = time.perf_counter()
    ab = build.interface(
        build.bulk("CsPbBr3"),
        build.bulk("PbS"),
        (1, 0, 0),
        (1, 0, 0),
        max_area=40,
        film_layers=args.film_layers,
        substrate_layers=args.substrate_layers,
    )
    shift = tuple(float(x) for x in args.shift.split(","))
    ab = retune_interface(ab, film_bottom=args.film_bottom or None, shift=shift, gap=args.gap)
    ab.make_supercell([args.repeat, args.repeat, 1])
    film, sub = _split(ab)
    t_build = time.perf_counter() - t0
    screen.load_model(args.model)
    t_load = time.perf_counter() - t0 - t_build
    import torch

    out: dict[str, object] = {
        "n_atoms": len(ab),
        "film_contact": args.film_bottom or "as built (CsBr)",
        "registry_shift": args.shift,
        "gap_angstrom": args.gap,
        "film_atoms": len(film),
        "substrate_atoms": len(sub),
        "torch_threads": torch.get_num_threads(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "build_s": round(t_build, 2),
        "model_load_s": round(t_load, 2),
    }
    energies = {}
    for name, s in (("AB", ab), ("A", film), ("B", sub)):
        if args.only_ab and name != "AB":
            continue
        t, c = time.perf_counter(), time.process_time()
        _, res = screen.relax(s, args.model, fmax=0.03, steps=args.steps, optimizer=args.optimizer)
        out[f"{name}_relax_wall_s"] = round(time.perf_counter() - t, 1)
        out[f"{name}_relax_cpu_s"] = round(time.process_time() - c, 1)
        out[f"{name}_steps"] = res.statistics["steps"]
        out[f"{name}_converged"] = res.statistics["converged"]
        out[f"{name}_final_fmax_eV_per_A"] = round(res.value("max_force"), 4)
        out[f"{name}_load_average"] = [round(x, 2) for x in os.getloadavg()]
        energies[name] = res.value("energy")
        out["method"] = res.statistics["method"]
        out["optimizer"] = res.statistics["optimizer"]
    if len(energies) == 3:
        from heterolab.atomistic.analyse import interface_energy

        m = ab.lattice.matrix
        area = float(abs(m[0][0] * m[1][1] - m[0][1] * m[1][0]))
        e = interface_energy(
            energies["AB"], energies["A"], energies["B"], area, method=str(out["method"])
        )
        out.update(
            area_angstrom2=round(area, 3),
            e_int_eV=round(e.value("e_int"), 4),
            gamma_eV_per_A2=round(e.value("gamma"), 5),
            gamma_J_per_m2=round(e.value("gamma_si"), 4),
        )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
