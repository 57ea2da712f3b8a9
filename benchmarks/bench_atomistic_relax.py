"""ML-potential relaxation of a CsPbBr3(100)/PbS(100) interface and its screening E_int.

Builds the smallest-area coherent interface (CsPbBr3 1x1 on PbS (100), 1.06 % film strain),
repeats it in-plane to reach the requested size, and relaxes AB, A (film) and B (substrate)
in AB's cell with SevenNet-0 through ASE (FIRE, forces < 0.03 eV/Å, the thesis's criterion).
Prints wall times, steps and the interface energy per area, labelled as ML screening with the
model and weights hash. The issue's bar: a 300-atom interface in under 5 minutes on 2 cores.

Usage: ``.venv/bin/python benchmarks/bench_atomistic_relax.py [--repeat 3] [--film-layers 5]
[--substrate-layers 6] [--threads 2]`` (defaults give 333 atoms). Needs the ml extra.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3, help="in-plane repetition n x n")
    ap.add_argument("--film-layers", type=int, default=5)
    ap.add_argument("--substrate-layers", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--only-ab", action="store_true", help="relax AB only (timing bar)")
    ap.add_argument(
        "--single-point", action="store_true", help="unrelaxed energies (as-built structures)"
    )
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from heterolab.atomistic import build, screen

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
    ab.make_supercell([args.repeat, args.repeat, 1])
    labels = ab.site_properties["interface_label"]
    film = ab.copy()
    film.remove_sites([i for i, lab in enumerate(labels) if lab != "film"])
    sub = ab.copy()
    sub.remove_sites([i for i, lab in enumerate(labels) if lab == "film"])
    t_build = time.perf_counter() - t0
    screen.load_model()
    t_load = time.perf_counter() - t0 - t_build
    out = {"n_atoms": len(ab), "build_s": round(t_build, 2), "model_load_s": round(t_load, 2)}
    energies = {}
    for name, s in (("AB", ab), ("A", film), ("B", sub)):
        if args.only_ab and name != "AB":
            continue
        t = time.perf_counter()
        if args.single_point:
            res = screen.energy(s)
            out[f"{name}_energy_s"] = round(time.perf_counter() - t, 1)
            out[f"{name}_max_force"] = round(res.value("max_force"), 3)
        else:
            _, res = screen.relax(s, fmax=0.03, steps=args.steps)
            out[f"{name}_relax_s"] = round(time.perf_counter() - t, 1)
            out[f"{name}_steps"] = res.statistics["steps"]
            out[f"{name}_converged"] = res.statistics["converged"]
        energies[name] = res.value("energy")
        out["method"] = res.statistics["method"]
    if len(energies) == 3:
        from heterolab.atomistic.analyse import interface_energy

        m = ab.lattice.matrix
        area = float(abs(m[0][0] * m[1][1] - m[0][1] * m[1][0]))
        e = interface_energy(
            energies["AB"], energies["A"], energies["B"], area, method=out["method"]
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
