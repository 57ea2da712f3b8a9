"""Every command that reads a file, given a damaged one: exit status 2, one ``error:`` line on
stderr naming the file, no Python traceback (issue #9).

Damage: an empty file, binary garbage, unrelated text, a table of NaN/inf, and a truncated
copy of a real file of the command's format (../shared/data; skipped when absent). The read
commands (``xrd read``, ``xps read``) also get 20 seeded mutants of a real file each.
"""

from __future__ import annotations

import bz2
import gzip
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from fuzz_mutations import mutants
from heterolab.cli import app
from shared_paths import SHARED_DATA, shared_file

runner = CliRunner()


def _truncated(suffix: str) -> bytes:
    d = SHARED_DATA

    def first_lines(p: Path, n: int) -> bytes:
        return b"".join(p.read_bytes().splitlines(keepends=True)[:n])

    real = {
        ".txt": lambda: first_lines(d / "trpl/lifefit_atto550_dna_horiba/Atto550_DNA.txt", 12),
        ".ptu": lambda: (d / "trpl/tttrlib_microtime200_beads_ptu/beads.ptu").read_bytes()[:9000],
        ".sdt": lambda: (d / "trpl/chisurf_bh_spc830_sdt/140507p.sdt").read_bytes()[:3000],
        ".SIA": lambda: first_lines(d / "ta/kimopack_ru_dppz_acn/TA_Ru-dppz_400nm_ACN.SIA", 2),
        ".csv": lambda: first_lines(d / "xps/lg4x_kratos_NiW_vamas/170109_1712_Ef.csv", 3),
        ".xye": lambda: bz2.decompress(
            (d / "xrd/xrayutilities_LaB6_D5000/LaB6_d500_si_psd.xye.bz2").read_bytes()
        )[:60],
        ".tif": lambda: (d / "giwaxs/dioptas_CeO2_Pilatus1M/CeO2_Pilatus1M.tif").read_bytes()[
            :5000
        ],
        ".vms": lambda: (d / "xps/lg4x_kratos_NiW_vamas/0-150W.vms").read_bytes()[:5000],
        ".hdf5": lambda: (d / "tem/atomap_SrTiO3_ADF_ABF/test_ADF_cropped.hdf5").read_bytes()[
            :5000
        ],
        ".xml": lambda: gzip.decompress((d / "vasp/sumo_Cs2SnI6_dos/vasprun.xml.gz").read_bytes())[
            :100000
        ],
        ".cif": lambda: (d / "cif/PbS_rocksalt_DFT_QD_Builder.cif").read_bytes()[:700],
        ".poni": lambda: b"poni_version: 2\nDetector: Pilatus1M\nDistance: abc\n",
        ".toml": lambda: b"[campaign]\nname = 'x'\n[[steps]]\nkind=\n",
        ".chirp": lambda: b"1,2,abc\n",
    }
    if not d.exists() and suffix not in (".poni", ".toml", ".chirp"):
        pytest.skip("shared data not available")
    return real[suffix]()


DAMAGE = {
    "empty": lambda s: b"",
    "garbage": lambda s: bytes(np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8)),
    "text": lambda s: b"hello\nworld\n",
    "nan": lambda s: b"x,y\n1,nan\n2,inf\n3,4\n",
    "truncated": _truncated,
}

# command template ({f}: the damaged file; {ok_*}: a valid companion file), damaged suffix
COMMANDS = [
    ("trpl fit {f}", ".txt"),
    ("trpl fit {ok_decay} --irf {f}", ".txt"),
    ("trpl map {f}", ".csv"),
    ("trpl flim {f}", ".ptu"),
    ("trpl phasor {f}", ".sdt"),
    ("trpl phasor {ok_sdt} --reference {f}", ".txt"),
    ("trpl batch {f}", ".txt"),
    ("trpl transfer --donor {f} --donor-acceptor {f}", ".txt"),
    ("ta fit {f}", ".SIA"),
    ("ta kinetics {f} --wavelength 500", ".SIA"),
    ("ta svd {f}", ".SIA"),
    ("ta chirp {f}", ".SIA"),
    ("ta kinetics {ok_ta} --wavelength 500 --chirp {f}", ".chirp"),
    ("spectrum peaks {f}", ".csv"),
    ("spectrum exciton {f}", ".csv"),
    ("spectrum size {f}", ".csv"),
    ("spectrum elliott {f}", ".csv"),
    ("spectrum ftir {f}", ".csv"),
    ("spectrum tauc {f}", ".csv"),
    ("spectrum urbach {f}", ".csv"),
    ("spectrum fit {f}", ".csv"),
    ("spectrum plqy {f} {f} --laser 400 420 --emission 500 600", ".csv"),
    ("spectrum transfer-efficiency {f}", ".csv"),
    ("xrd read {f}", ".xye"),
    ("xrd peaks {f}", ".xye"),
    ("xrd refine {f} --a 4.157", ".xye"),
    ("xrd identify {f} --cif PbS={ok_cif}", ".xye"),
    ("xrd identify {ok_xye} --cif PbS={f}", ".cif"),
    ("xrd size {f}", ".xye"),
    ("xrd compare {f} {f}", ".xye"),
    ("giwaxs integrate {f} --poni {ok_poni}", ".tif"),
    ("giwaxs map {f} --poni {ok_poni}", ".tif"),
    ("giwaxs integrate {ok_tif} --poni {f}", ".poni"),
    ("xps read {f}", ".vms"),
    ("xps fit {f}", ".vms"),
    ("xps charge {f}", ".vms"),
    ("xps series {f} {f}", ".vms"),
    ("xps ups {f}", ".csv"),
    ("tem fft {f}", ".hdf5"),
    ("tem fft {f}", ".tif"),
    ("tem spacings {f}", ".hdf5"),
    ("tem particles {f}", ".hdf5"),
    ("tem gpa {f}", ".hdf5"),
    ("tem columns {f} --separation 0.2", ".hdf5"),
    ("tem column-strain {f} --separation 0.2", ".hdf5"),
    ("image line-pairs {f} --line 1 1 5 5", ".tif"),
    ("image resolution {f}", ".tif"),
    ("image contrast {f} --signal 1 5 1 5 --background 6 9 6 9", ".tif"),
    ("image compare {f} {f} --signal 1 5 1 5 --background 6 9 6 9", ".tif"),
    ("atomistic build {f}", ".cif"),
    ("atomistic match {f} {f}", ".cif"),
    ("atomistic screen {f}", ".cif"),
    ("atomistic analyse dos {f}", ".xml"),
    ("atomistic analyse edges {f}", ".xml"),
    ("run {f}", ".toml"),
    ("status {f}", ".toml"),
    ("report {f}", ".toml"),
]


def _companions() -> dict[str, Path]:
    d = SHARED_DATA
    return {
        "ok_decay": d / "trpl/lifefit_atto550_dna_horiba/Atto550_DNA.txt",
        "ok_sdt": d / "trpl/chisurf_bh_spc830_sdt/140507p.sdt",
        "ok_ta": d / "ta/kimopack_ru_dppz_acn/TA_Ru-dppz_400nm_ACN.SIA",
        "ok_cif": d / "cif/PbS_rocksalt_DFT_QD_Builder.cif",
        "ok_xye": d / "giwaxs/dioptas_CeO2_Pilatus1M/CeO2_Pilatus1M.xy",
        "ok_poni": d / "giwaxs/dioptas_CeO2_Pilatus1M/CeO2_Pilatus1M.poni",
        "ok_tif": d / "giwaxs/dioptas_CeO2_Pilatus1M/CeO2_Pilatus1M.tif",
    }


def _invoke(args: list[str]):
    with warnings.catch_warnings():  # a library warning is printed as 'warning:' by the CLI
        warnings.simplefilter("ignore")
        return runner.invoke(app, args)


def _assert_clean_refusal(res, path: Path, args: list[str], *, names_file: bool = True) -> None:
    """Exit 2 with one ``error:`` line (naming the file when ``names_file``), no traceback.
    A damaged file that still reads (a truncated table) may instead give a result the
    analysis marks failed or suspect (exit 1), or an analysis refusal that cannot know the
    file name ('a decay needs >= 8 time bins')."""
    assert not (res.exception and not isinstance(res.exception, SystemExit)), (
        f"{' '.join(args)}: raw {type(res.exception).__name__}: {res.exception}"
    )
    assert "Traceback" not in res.stderr, res.stderr
    if not names_file and res.exit_code == 1:
        return
    assert res.exit_code == 2, f"{' '.join(args)}: exit {res.exit_code}\n{res.output}"
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    if names_file:
        assert path.name in errors[0], errors[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("template", "suffix"), COMMANDS, ids=[c[0].split("{")[0] + c[1] for c in COMMANDS]
)
def test_damaged_input_gives_one_error_line_and_exit_2(template, suffix, tmp_path):
    companions = _companions()
    if any("{" + k + "}" in template for k in companions) and not SHARED_DATA.exists():
        pytest.skip("shared data not available")
    for name, make in DAMAGE.items():
        f = tmp_path / f"bad_{name}{suffix}"
        f.write_bytes(make(suffix))
        args = template.format(f=f, **{k: str(v) for k, v in companions.items()}).split()
        _assert_clean_refusal(_invoke(args), f, args, names_file=name != "truncated")


@pytest.mark.parametrize(
    ("command", "source", "suffix"),
    [
        (
            "xrd read",
            ("xrd", "xrayutilities_RAS_InMnAs", "inas_layer_radial_002_004.ras.bz2"),
            ".ras",
        ),
        ("xps read", ("xps", "lg4x_kratos_NiW_vamas", "0-150W.vms"), ".vms"),
    ],
)
def test_read_commands_on_seeded_mutants(command, source, suffix, tmp_path):
    raw = shared_file(*source).read_bytes()
    if source[-1].endswith(".bz2"):
        raw = bz2.decompress(raw)
    rng = np.random.default_rng(7)
    target = tmp_path / f"mutant{suffix}"
    refused = 0
    for mutant in mutants(raw, rng, 20, text=True):
        target.write_bytes(mutant)
        args = [*command.split(), str(target), "--json"]
        res = _invoke(args)
        if res.exit_code == 0:
            assert res.stderr.count("error:") == 0 and res.stdout.lstrip().startswith("{")
            continue
        refused += 1
        _assert_clean_refusal(res, target, args)
    assert refused >= 2
