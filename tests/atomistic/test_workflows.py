"""atomate2/jobflow workflow of an interface with the thesis's VASP settings (optional extra
``workflows``; issue #16). Checked without running VASP: the jobs, their order and links,
the INCAR and KPOINTS each job would write (through atomate2's own input-set generators),
and the JSON round trip."""

from __future__ import annotations

import pytest

pytest.importorskip("pymatgen", reason="the atomistic extra (pymatgen) is not installed")
pytest.importorskip(
    "atomate2",
    reason="the workflows extra (atomate2, jobflow) is not installed: pip install -e .[workflows]",
)

from jobflow import Flow, OutputReference
from monty.serialization import loadfn

from heterolab.atomistic import build, workflows
from heterolab.errors import ParameterError

pytestmark = pytest.mark.slow  # atomate2 imports in ~20 s on the shared machine


@pytest.fixture(scope="module")
def interface():
    return build.interface(
        build.bulk("CsPbBr3"),
        build.bulk("PbS"),
        (1, 0, 0),
        (1, 0, 0),
        max_area=40,
        film_layers=1,
        substrate_layers=1,
    )


@pytest.fixture(scope="module")
def flow(interface):
    return workflows.interface_flow(interface)


def _incar(job, structure):
    vis = job.maker.input_set_generator.get_input_set(structure, potcar_spec=True)
    return dict(vis.incar), vis.kpoints


def test_jobs_and_their_links(flow, interface) -> None:
    names = [j.name for j in flow.jobs]
    assert names == list(workflows.JOB_NAMES)
    by = {j.name: j for j in flow.jobs}
    for p in ("AB", "A", "B"):
        static_in = by[f"{p} static"].function_args[0]
        assert isinstance(static_in, OutputReference)
        assert static_in.uuid == by[f"{p} relax"].uuid
        assert by[f"{p} dos"].function_args[0].uuid == by[f"{p} static"].uuid
        assert by[f"{p} dos"].function_kwargs["mode"] == "uniform"
    # the charge statics run on parts of the RELAXED interface
    for p in ("A", "B"):
        split = by[f"split {p} from relaxed AB"]
        assert split.function_args[0].uuid == by["AB relax"].uuid
        assert by[f"{p} in AB static (charge)"].function_args[0].uuid == split.uuid
    film = [
        i for i, lab in enumerate(interface.site_properties["interface_label"]) if lab == "film"
    ]
    assert by["split A from relaxed AB"].function_args[1] == film
    assert len(by["A relax"].function_args[0]) == len(film)
    assert len(by["B relax"].function_args[0]) == len(interface) - len(film)


def test_incar_and_kpoints_of_each_job(flow, interface) -> None:
    for job in flow.jobs:
        if job.name.startswith("split"):
            continue
        incar, kpoints = _incar(job, interface)
        assert incar["ENCUT"] == 500 and incar["IVDW"] == 11 and incar["GGA"].upper() == "PE"
        assert incar["ISMEAR"] == 0 and incar["SIGMA"] == 0.05
        assert incar["LDIPOL"] is True and incar["IDIPOL"] == 3
        assert kpoints.style.name == "Gamma" and tuple(kpoints.kpts[0]) == (1, 2, 1)
        if job.name.endswith("relax"):
            assert incar["EDIFFG"] == -0.03 and incar["IBRION"] == 2 and incar["ISIF"] == 2
        elif job.name.endswith("dos"):
            assert incar["ICHARG"] == 11 and incar["NEDOS"] == 3001 and incar["LORBIT"] == 11
        else:  # statics: charge density and potential written
            assert incar["NSW"] == 0 and incar["LCHARG"] is True and incar["LVHAR"] is True
            assert incar["LORBIT"] == 11


def test_json_round_trip(flow, tmp_path) -> None:
    path = workflows.write_flow(flow, tmp_path / "flow.json")
    back = loadfn(path)
    assert isinstance(back, Flow)
    assert [j.name for j in back.jobs] == [j.name for j in flow.jobs]
    assert [j.uuid for j in back.jobs] == [j.uuid for j in flow.jobs]
    split = next(j for j in back.jobs if j.name == "split A from relaxed AB")
    assert split.function is workflows.take_sites  # importable by path on the cluster


def test_options_and_errors(interface) -> None:
    f = workflows.interface_flow(interface, ivdw=12, dos_kpoints=(2, 4, 1))
    by = {j.name: j for j in f.jobs}
    incar, kp = _incar(by["AB dos"], interface)
    assert incar["IVDW"] == 12 and tuple(kp.kpts[0]) == (2, 4, 1)
    with pytest.raises(ParameterError, match="unknown workflow step 'md'"):
        workflows.thesis_generator("md")
    bare = interface.copy()
    bare.remove_site_property("interface_label")
    with pytest.raises(ParameterError, match="no interface_label"):
        workflows.interface_flow(bare)
    with pytest.raises(ParameterError, match="some but not all sites"):
        workflows.interface_flow(interface, film_indices=list(range(len(interface))))


def test_cli_match_then_workflow(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from heterolab.cli import app

    runner = CliRunner()
    iface = tmp_path / "interface.json"
    res = runner.invoke(
        app, ["atomistic", "match", "CsPbBr3", "PbS", "--max-area", "40", "-o", str(iface)]
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "flow.json"
    res = runner.invoke(app, ["atomistic", "workflow", str(iface), str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["derived"]["n_jobs"]["value"] == len(workflows.JOB_NAMES)
    assert "IVDW = 11" in d["statistics"]["settings"]
    assert [j.name for j in loadfn(out).jobs] == list(workflows.JOB_NAMES)
