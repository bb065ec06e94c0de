"""What users of Mesa, Hydra and notebooks expect: a model built with no arguments, settings as
keywords that mesa.batch_run sweeps, frames with names and whole steps, results by id or name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mesa
import pandas as pd
import pytest

from sim import run
from sim.api.model import AccordModel
from sim.config.errors import ConfigError
from sim.engine.agents import Country

from .conftest import ROOT


def test_batch_run_sweeps_a_dotted_setting_of_the_default_model():
    AccordModel()  # the default scenario, no arguments
    rows = pd.DataFrame(
        mesa.batch_run(
            AccordModel,
            parameters={"mediator.engagement": [0.0, 1.0]},
            rng=list(range(16)),
            max_steps=100,
            number_processes=1,
            data_collection_period=-1,
            display_progress=False,
        )
    )
    assert "config" not in rows.columns and set(rows["mediator.engagement"]) == {0.0, 1.0}
    assert {"country", "country_id", "status"} <= set(rows.columns)
    final = (
        rows.drop_duplicates("RunId")
        .groupby(["mediator.engagement", "rng"])["members"]
        .first()
        .unstack(0)
    )
    assert (final[1.0] >= final[0.0]).all() and final[1.0].sum() > final[
        0.0
    ].sum()  # the same seeds, more members
    assert pd.api.types.is_integer_dtype(rows["Step"])


def test_named_and_dotted_settings_are_one_and_checked_like_the_command_line():
    assert (
        AccordModel(engagement=0.5, peer_weight=0.8).config
        == AccordModel(**{"mediator.engagement": 0.5, "params.weights.peer": 0.8}).config
    )
    assert (
        "weights.peer" in AccordModel(peer_weight=0.8).config.params.fixed
    )  # holds in place of the posterior
    with pytest.raises(
        ConfigError, match=r"^mediator.engagement: expected a number in \[0.0, 10.0\], got -1.0"
    ):
        AccordModel(engagement=-1)
    with pytest.raises(ConfigError, match="unknown key"):
        AccordModel(**{"mediator.engagemnt": 1.0})


def test_frames_name_the_countries_and_count_whole_months():
    model = AccordModel(rng=3)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_agenttype_vars_dataframe(Country)
    assert frame.index.get_level_values("Step").dtype.kind == "i" and sorted(
        set(frame.index.get_level_values("Step"))
    ) == [0, 1, 2, 3]
    assert "Saudi Arabia" in set(frame["country"]) and "saudi_arabia" in set(frame["country_id"])


def test_a_result_speaks_ids_and_names():
    result = run(["replicates=500", "plots=false", "explain=false"])
    assert (
        result.p_joined("saudi_arabia")
        == result.p_joined("Saudi Arabia")
        == float(result.summary.set_index("country").loc["Saudi Arabia", "p_joined_by_horizon"])
    )
    assert result.new_members.iloc[0] >= 0 and result.new_members.index[-1] == "2029-12"
    with pytest.raises(KeyError, match="unknown country 'Atlantis'"):
        result.p_joined("Atlantis")


BIN = Path(sys.executable).parent


def test_help_fits_a_screen_and_tab_completion_works_through_hydras_script():
    shown = subprocess.run(
        [BIN / "accord-sim", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    assert len(shown.splitlines()) < 60 and "Config groups" in shown and "experiment: " in shown
    script = f"""
export PATH={BIN}:$PATH
eval "$(accord-sim -sc install=bash)"
COMP_LINE="accord-sim mediator.eng"; COMP_POINT=${{#COMP_LINE}}; COMP_WORDS=(accord-sim mediator.eng); COMP_CWORD=1
hydra_bash_completion
echo "${{COMPREPLY[@]}}"
"""
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert "mediator.engagement=" in done.stdout.split(), done.stdout + done.stderr


def test_a_run_logs_what_it_ran_under_the_apps_name(tmp_path):
    done = subprocess.run(
        [BIN / "accord-sim", "replicates=200", "plots=false", f"hydra.run.dir={tmp_path / 'run'}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "run" / "accord_sim.log").read_text()
    assert "200 replicates" in log and not (tmp_path / "run" / "__main__.log").exists()


def test_the_ema_workbench_example_runs_at_tiny_size():
    """The README's EMA example: perform_experiments on the adapter, then PRIM on its outcomes."""
    import warnings

    from ema_workbench import SequentialEvaluator
    from ema_workbench.analysis import prim

    from sim.api.ema import ema_model

    model = ema_model(
        {"mediator.engagement": (0.25, 1.5), "params.weights.peer": (0.1, 1.2)},
        ["saudi_arabia", "new_members"],
        ["replicates=200", "gates.gates.palestinian_pathway.opens=2027-01"],
    )
    with warnings.catch_warnings(), SequentialEvaluator(model) as evaluator:
        warnings.simplefilter("ignore")
        experiments, outcomes = evaluator.perform_experiments(12)
    assert len(experiments) == 12 and set(outcomes) == {"saudi_arabia", "new_members"}
    low = experiments["mediator__engagement"] < 0.6
    assert (
        outcomes["new_members"][~low].mean() > outcomes["new_members"][low].mean()
    )  # engagement moves it
    box = prim.Prim(
        experiments[["mediator__engagement", "params__weights__peer"]],
        outcomes["saudi_arabia"] > 0.1,
    ).find_box()
    assert 0 < box.coverage <= 1
    with pytest.raises(ConfigError, match="unknown outcome 'atlantis'"):
        ema_model({"mediator.engagement": (0.0, 1.0)}, ["atlantis"], ["replicates=100"])
    with pytest.raises(ConfigError, match="mediator.engagement: expected a number"):
        ema_model({"mediator.engagement": (0.0, 11.0)}, ["oman"], ["replicates=100"])


def test_plot_format_writes_each_format_and_titles_name_the_scenario(tmp_path):
    from sim.runs.write import figure_note, figure_title, write_outputs

    result = run(["replicates=300", "plot_format=[png,svg]", "mediator.engagement=0.5"])
    written = {
        p.name
        for p in write_outputs(
            result,
            tmp_path / "run",
            ["replicates=300", "mediator.engagement=0.5", "plot_format=[png,svg]"],
        )
    }
    for stem in ("joining_probability", "members", "contributions"):
        assert {f"{stem}.png", f"{stem}.svg"} <= written
    assert (tmp_path / "run" / "members.svg").read_text().lstrip().startswith("<?xml")
    assert (
        figure_title(
            result.config, ["replicates=300", "mediator.engagement=0.5", "+experiment=iran_threat"]
        )
        == "iran_threat [mediator.engagement=0.5]"
    )
    assert (
        figure_note(result.config) == "300 replicates, seed 20260701, posterior draws (posterior)"
    )
    long = figure_title(
        result.config, [f"roster.countries.oman.iran_threat=0.{i}" for i in range(1, 9)]
    )
    assert long.endswith("…]") and len(long) < 90
    with pytest.raises(ConfigError, match=r"^plot_format: unknown figure format 'gif'"):
        run(["replicates=10", "plot_format=[png,gif]"])


def test_the_baseline_can_be_named_as_the_report_labels_it(tmp_path):
    from sim.analysis.compare import choose_baseline
    from sim.output.store import find_jobs
    from sim.runs.write import write_outputs

    for name, value in (("a", "0.5"), ("b", "1.0")):
        write_outputs(
            run(["replicates=200", "plots=false", f"mediator.engagement={value}"]),
            tmp_path / name,
            [f"mediator.engagement={value}"],
        )
    jobs = find_jobs([tmp_path / "a", tmp_path / "b"])
    assert (
        choose_baseline(jobs, "engagement=1")
        == choose_baseline(jobs, "mediator.engagement=1.0")
        == 1
    )
    with pytest.raises(ValueError, match="no job has these overrides"):
        choose_baseline(jobs, "engagement=2")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.compare",
            str(tmp_path / "a"),
            str(tmp_path / "b"),
            "--baseline",
            "engagement=1",
            "--out",
            str(tmp_path / "cmp"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_a_users_experiment_outside_the_repo_keeps_its_question_in_the_report(tmp_path):
    mine = tmp_path / "conf" / "experiment" / "mine.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text(
        "# @package _global_\n# Question: what if the mediator engages at 0.7?\nmediator:\n  engagement: 0.7\n"
    )
    done = subprocess.run(
        [
            BIN / "accord-sim",
            "+experiment=mine",
            f"hydra.searchpath=[file://{tmp_path / 'conf'}]",
            "replicates=200",
            "plots=false",
            "seed=1,2",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
            "--multirun",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "What if the mediator engages at 0.7?" in (tmp_path / "sweep" / "report.md").read_text()
