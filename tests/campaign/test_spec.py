"""campaign.toml validation: every problem at once, with line numbers, before anything runs."""

from __future__ import annotations

import inspect

import pytest
from typer.testing import CliRunner

from heterolab.campaign import STEP_TYPES, load_campaign
from heterolab.campaign.registry import InputSpec, StepType, register_step_type
from heterolab.campaign.validate import check_step
from heterolab.cli import app
from heterolab.errors import FormatError, ModelError, ParameterError


@pytest.fixture
def data(tmp_path):
    (tmp_path / "decay.csv").write_text("0,1\n1,2\n")
    (tmp_path / "irf.csv").write_text("0,1\n1,2\n")
    for i in range(3):
        (tmp_path / f"s{i}.csv").write_text("0,1\n1,2\n")
    return tmp_path


def _problems(path):
    with pytest.raises(ModelError) as info:
        load_campaign(path)
    return info.value.problems


FIVE_MISTAKES = """\
[campaign]
name = "five mistakes"

[[step]]
id = "fit"
type = "trpl.fit"
inputs = { decay = "decay.csv", irf = "irf.csv" }
options = { n_component = 1 }

[[step]]
id = "rates"
type = "trpl.rates"
uses = { tau = "fit.tau_1" }
options = { plqy = "1 %" }

[[steps]]
id = "lost"

[[step]]
id = "missing"
type = "trpl.fit"
inputs = { decay = "no_such_file.csv" }

[[step]]
id = "a"
type = "trpl.transfer"
uses = { tau_d = "b.tau", tau_da = "fit.tau_1" }

[[step]]
id = "b"
type = "trpl.transfer"
uses = { tau_d = "a.tau", tau_da = "fit.tau_1" }
"""


def test_five_mistakes_are_five_lines_with_line_numbers(data):
    (data / "campaign.toml").write_text(FIVE_MISTAKES)
    problems = _problems(data / "campaign.toml")
    assert len(problems) == 5, problems
    assert problems[0] == (
        "line 8: step fit: unknown option 'n_component' for trpl.fit "
        "(heterolab.kinetics.trpl.decay_fit.fit_decay); did you mean 'n_components'?"
    )
    assert problems[1].startswith('line 14: step rates: option plqy = "1 %" has the wrong type; ')
    assert problems[1].endswith("expected float or Quantity")
    assert problems[2].startswith("line 16: unknown table [steps]; did you mean [[step]]?")
    assert problems[3].startswith("line 22: step missing: input 'decay' file not found: ")
    assert problems[3].endswith("no_such_file.csv")
    assert problems[4] == "line 27: dependency cycle: a -> b -> a"


def test_cli_reports_all_problems_and_exits_2_before_running(data):
    (data / "campaign.toml").write_text(FIVE_MISTAKES)
    res = CliRunner().invoke(app, ["run", str(data / "campaign.toml"), "--out", str(data / "o")])
    assert res.exit_code == 2
    assert res.output.count("\n  - line ") == 5
    assert "5 problems" in res.output
    assert not (data / "o").exists()


def test_steps_written_as_steps_is_refused_not_run_empty(data):
    (data / "c.toml").write_text('[[steps]]\nid = "x"\ntype = "trpl.fit"\n')
    problems = _problems(data / "c.toml")
    assert problems[0].startswith("line 1: unknown table [steps]; did you mean [[step]]?")
    assert "the campaign has no [[step]] table: nothing to run" in problems


def test_literal_choices_bool_and_sequences_are_checked(data):
    (data / "c.toml").write_text(
        """[[step]]
id = "fit"
type = "trpl.fit"
inputs = { decay = "decay.csv" }
options = { estimator = "chi2", fit_range = 3, bootstrap = true, model = "exp" }
"""
    )
    problems = _problems(data / "c.toml")
    assert any(
        'option estimator = "chi2" has the wrong type; expected one of' in p for p in problems
    )
    assert any(p.startswith("line 5: step fit: option fit_range = 3") for p in problems)
    assert any("option bootstrap = True has the wrong type; expected int" in p for p in problems)
    assert len(problems) == 3


def test_required_inputs_unknown_inputs_and_uses_are_reported(data):
    (data / "c.toml").write_text(
        """[[step]]
id = "fit"
type = "trpl.fit"
inputs = { decai = "decay.csv" }

[[step]]
id = "rates"
type = "trpl.rates"
uses = { tua = "fit.tau_1" }
"""
    )
    problems = _problems(data / "c.toml")
    assert (
        "line 4: step fit: unknown input 'decai'; did you mean 'decay'? inputs of trpl.fit: decay, irf"
        in problems
    )
    assert "line 4: step fit: trpl.fit needs inputs.decay (decay file)" in problems
    assert any("unknown uses 'tua'" in p and "did you mean 'tau'?" in p for p in problems)
    assert any("trpl.rates needs 'plqy'" in p for p in problems)


def test_samples_measurements_for_each_and_series(data):
    (data / "c.toml").write_text(
        """[[sample]]
name = "A"
synthesis = { ratio = 1 }
[[sample]]
name = "B"
synthesis = { ratio = 3 }

[[measurement]]
id = "trA"
sample = "A"
technique = "trpl"
file = "s0.csv"
[[measurement]]
id = "trB"
sample = "B"
technique = "trpl"
glob = "s[12].csv"

[[step]]
id = "fit"
type = "trpl.fit"
for_each = "trpl"
inputs = { irf = "irf.csv" }
options = { n_components = 1 }

[[series]]
id = "tau"
quantity = "tau_1"
x = "ratio"
steps = ["fit"]
"""
    )
    camp = load_campaign(data / "c.toml")  # trB's glob: two files -> one step per file
    assert [s.id for s in camp.steps] == ["fit-trA", "fit-trB-s1", "fit-trB-s2"]
    assert [s.sample for s in camp.steps] == ["A", "B", "B"]
    assert camp.steps[1].inputs["decay"] == ((data / "s1.csv").resolve(),)
    assert camp.steps[1].inputs["irf"] == ((data / "irf.csv").resolve(),)
    assert camp.series[0].x == "ratio" and camp.sample("B").parameter("ratio") == 3


def test_sample_and_series_mistakes(data):
    (data / "c.toml").write_text(
        """[[sample]]
name = "A"
synthesis = { ratio = 1 }

[[measurement]]
id = "m"
sample = "Z"
technique = "trpl"
file = "s0.csv"

[[step]]
id = "fit"
type = "trpl.fit"
inputs = { decay = "m" }

[[series]]
id = "s"
quantity = "tau_1"
x = "ratoi"
steps = ["nope"]
"""
    )
    problems = _problems(data / "c.toml")
    assert "line 7: measurement m: unknown sample 'Z'" in problems
    assert (
        "line 19: series s: no sample has the parameter 'ratoi'; did you mean 'ratio'?" in problems
    )
    assert "line 20: series s: unknown step 'nope'" in problems


def test_bad_toml_and_missing_file(data):
    (data / "broken.toml").write_text("[[step]\nid = 'a'")
    with pytest.raises(FormatError, match=r"broken\.toml: not valid TOML"):
        load_campaign(data / "broken.toml")
    with pytest.raises(FormatError, match="campaign file does not exist"):
        load_campaign(data / "nope.toml")


@pytest.mark.parametrize("name", sorted(STEP_TYPES))
def test_every_registered_step_type_names_a_public_function_and_its_parameters(name):
    stype = STEP_TYPES[name]
    sig = stype.signature()
    for spec in stype.input_specs.values():
        for param in spec.fills:
            assert param in sig.parameters, (name, param)
    assert stype.resolve().__doc__, name


def test_registering_a_step_type_is_one_line_and_checked(monkeypatch):
    def analyse(pattern: object, *, width: float = 1.0) -> object:
        """Test analysis."""
        return pattern

    monkeypatch.setattr("heterolab.campaign.registry.STEP_TYPES", dict(STEP_TYPES))
    register_step_type(StepType("xrd.test", analyse, {"pattern": "xrd"}))
    with pytest.raises(ParameterError, match="already registered"):
        register_step_type(StepType("xrd.test", analyse, {"pattern": "xrd"}))
    assert InputSpec.parse("t", "columns:a,b").fills == ("a", "b")
    assert inspect.signature(analyse).parameters["width"].default == 1.0


def test_unimportable_step_function_is_a_load_time_problem():
    from heterolab.campaign import Step

    problems = check_step(Step("s", "x.y"), StepType("x.y", "heterolab.structure.nothing_here:fit"))
    assert problems[0][0].startswith(
        "step type x.y cannot load heterolab.structure.nothing_here.fit"
    )


def test_bundled_example_campaigns_are_valid(tmp_path):
    from heterolab.demo import examples_dir, prepare_inputs

    films = load_campaign(examples_dir() / "campaigns/thesis_films/campaign.toml")
    assert [s.id for s in films.steps] == [
        "fit-het",
        "fit-spiro",
        "fit-pcbm",
        "transport",
        "extraction",
    ]
    assert [s.name for s in films.samples] == ["het", "het+Spiro", "het+PCBM"]
    assert len(load_campaign(examples_dir() / "thesis_trpl/campaign.toml").steps) == 18
    # the demo campaign reads the files heterolab demo writes beside it
    demo = load_campaign(prepare_inputs(examples_dir(), tmp_path / "inputs"))
    assert len(demo.steps) == 51
    assert {s.id for s in demo.series} == {"eta-vs-pbs", "tau-ave-vs-pbs"}


def test_uses_into_a_non_numeric_parameter_is_refused(data):
    (data / "c.toml").write_text(
        """[[step]]
id = "fit"
type = "trpl.fit"
inputs = { decay = "decay.csv" }

[[step]]
id = "again"
type = "trpl.fit"
inputs = { decay = "decay.csv" }
uses = { n_components = "fit.tau_1", estimator = "fit.tau_1" }
"""
    )
    problems = _problems(data / "c.toml")
    assert (
        "line 10: step again: uses n_components: a quantity is a number, but n_components expects int"
        in problems
    )
    assert any(
        p.startswith(
            "line 10: step again: uses estimator: a quantity is a number, but estimator expects one of 'mle'"
        )
        for p in problems
    )


def test_a_reader_option_among_the_options_points_to_read(data):
    (data / "c.toml").write_text(
        '[[step]]\nid = "fit"\ntype = "trpl.fit"\ninputs = { decay = "decay.csv" }\n'
        "options = { counts_column = 2 }\n"
    )
    assert _problems(data / "c.toml") == [
        "line 5: step fit: unknown option 'counts_column' for trpl.fit "
        "(heterolab.kinetics.trpl.decay_fit.fit_decay); reader options go in "
        "read = { counts_column = ... }"
    ]


def test_instrument_settings_become_default_options_and_are_checked(data):
    (data / "c.toml").write_text(
        """[[measurement]]
id = "m1"
technique = "trpl"
file = "s0.csv"
instrument = { repetition_rate_hz = 20e6, operator = "YY" }

[[measurement]]
id = "m2"
technique = "trpl"
file = "s1.csv"
instrument = { repetition_rate_hz = 5e6 }

[[step]]
id = "fit"
type = "trpl.fit"
for_each = "trpl"

[[step]]
id = "one"
type = "trpl.fit"
inputs = { decay = "m2" }
options = { repetition_rate_hz = 1e6 }
"""
    )
    camp = load_campaign(data / "c.toml")
    opts = {s.id: s.options for s in camp.steps}
    # instrument keys that are parameters of fit_decay fill options; others are ignored;
    # the step's own options win
    assert opts == {
        "fit-m1": {"repetition_rate_hz": 20e6},
        "fit-m2": {"repetition_rate_hz": 5e6},
        "one": {"repetition_rate_hz": 1e6},
    }
    (data / "c.toml").write_text(
        (data / "c.toml")
        .read_text()
        .replace("repetition_rate_hz = 5e6", 'repetition_rate_hz = "5 MHz"')
    )
    problems = _problems(data / "c.toml")
    assert problems == [
        "line 11: measurement m2 instrument settings for step fit-m2: option "
        'repetition_rate_hz = "5 MHz" has the wrong type; expected float'
    ]
