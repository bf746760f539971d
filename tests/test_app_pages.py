"""Each page of the web app through Streamlit's AppTest (in this process, no browser).

The quick ones read two tiny runs made once for the module; the slow ones start real jobs
from the page: a run whose tables must equal the command line's, and a seek.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, ROOT, run_cli
from streamlit.testing.v1 import AppTest

from sim.experiment import jobs
from sim.experiment.orchestrate import run_scenario
from sim.scenario import load_scenario
from sim.scenario.scale import load_resized

SCRIPT = str(ROOT / "sim" / "app" / "main.py")
TINY = ["run.measurement_days=31", "run.warmup_days=14"]
LEVER = "w:lever:baseline.toml:"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder holding two tiny runs (the baseline, and fewer beds) in app/."""
    root = tmp_path_factory.mktemp("results")
    for name, extra in (("base", []), ("fewer_beds", ["acute.beds=1500"])):
        sc = load_resized(BASELINE, [*TINY, *extra, f"name={name}"], 0.02)
        run_scenario(sc, 12345, 2, root / "app" / name, workers=1, scale=0.02)
    return root


@pytest.fixture
def app(results: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("ICS_SIM_RESULTS", str(results))
    monkeypatch.setenv("ICS_SIM_WORKERS", "1")
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(SCRIPT, default_timeout=60).run()


def go(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_scenario_page_shows_levers_validates_beside_the_field_and_gates_run(app) -> None:
    at = app
    assert not at.exception
    base = f"{load_scenario(BASELINE).acute.beds:,}"
    beds = at.text_input(key=LEVER + "acute.beds")
    assert beds.label == "acute.beds (G&A beds)" and beds.value == base
    assert "General and acute" in beds.help and f"Base value: {base}" in beds.help
    assert not at.button(key="run").disabled
    beds.set_value("-5").run()
    assert any("greater than or equal to 0" in e.value for e in at.error)
    assert at.button(key="run").disabled
    at.text_input(key=LEVER + "acute.beds").set_value("2000").run()
    assert not at.button(key="run").disabled
    assert "--set acute.beds=2000" in at.code[0].value
    assert at.code[0].value.startswith("python run_sim.py run scenarios/baseline.toml")
    at.text_area(key="w:extra:baseline.toml").set_value("acute.bedz=3").run()
    assert any("did you mean acute.beds" in e.value for e in at.error)
    assert at.button(key="run").disabled
    toml = at.session_state["edited"]["toml"]
    assert 'extends = "baseline.toml"' in toml and "beds = 2000" in toml


def test_run_page_lists_earlier_runs_and_reopens_one(app) -> None:
    at = go(app, "Run")
    assert any("Nothing running" in i.value for i in at.info)
    folders = at.dataframe[0].value
    assert set(folders["folder"]) == {"app/base", "app/fewer_beds"}
    at.selectbox(key="reopen").set_value("app/base").run()
    at.button(key="reopen_btn").click().run()
    assert at.session_state["page"] == "Answers"
    assert at.selectbox(key="answers_folder").value == "app/base"


def test_answers_page_shows_lights_rule_kpis_charts_and_warnings(app, results) -> None:
    at = go(app, "Answers")
    at.selectbox(key="answers_folder").set_value("app/base").run()
    lights = at.table[0].value
    targets = pd.read_csv(results / "app" / "base" / "targets.csv", keep_default_na=False)
    assert list(lights["target"]) == list(targets["target"])
    assert {"value judged", "95% CI", "P(met) [95% CI]", "rule", "why"} <= set(lights.columns)
    assert any("'met' needs" in i.value for i in at.info)
    assert any("scaled trial" in e.value for e in at.error)  # the trial stamp
    assert any("warning(s) about this run" in w.value for w in at.warning)
    kpis = at.dataframe[0].value
    assert "ed_4h_pct" in set(kpis["kpi"])
    assert at.selectbox(key="monthly_kpi").value == "ed_4h_pct"
    assert len(at.get("vega_lite_chart")) >= 2  # monthly and trajectories


def test_compare_page_sets_options_beside_the_baseline(app) -> None:
    at = go(app, "Compare")
    at.selectbox(key="cmp_base").set_value("app/base").run()
    at.multiselect(key="cmp_options").select("app/fewer_beds").run()
    assert not at.exception
    side = at.table[0].value
    assert list(side.columns) == ["target", "baseline", "app/fewer_beds"]
    diff = at.dataframe[0].value
    assert {"judged on", "difference (judged on)", "difference (window)", "95% CI low",
            "95% CI high", "verdict changed"} <= set(diff.columns)
    assert any("paired by replication" in c.value for c in at.caption)


def test_seek_page_starts_from_the_edited_scenario(results, monkeypatch) -> None:
    monkeypatch.setenv("ICS_SIM_RESULTS", str(results))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(SCRIPT, default_timeout=60)
    at.session_state["page"] = "Seek"
    at.run()
    assert any("Scenario page first" in i.value for i in at.info)
    at = go(go(at, "Scenario"), "Seek")
    assert at.selectbox(key="w:seek_lever").value == "acute.beds"
    assert at.button(key="seek").disabled  # no target chosen yet
    at.multiselect(key="w:seek_targets").select("bed_occupancy").run()
    assert not at.button(key="seek").disabled
    assert "--lever acute.beds --target bed_occupancy" in at.code[0].value


def test_downloads_page_offers_the_pack(app) -> None:
    at = go(app, "Downloads")
    at.selectbox(key="dl_folder").set_value("app/base").run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["scenario TOML (resolved)", "the results folder (zip)"]
    # these runs were made without the report: the page builds it when asked
    assert at.button(key="dl_build").label == "Build report.html and summary.xlsx"


@pytest.mark.slow
def test_a_run_from_the_page_equals_the_same_run_from_the_command_line(
        tmp_path, monkeypatch) -> None:
    """Run from the page, then type the command the page shows: identical tables. A repeat
    of the same run is answered from the cache at once."""
    monkeypatch.setenv("ICS_SIM_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("ICS_SIM_WORKERS", "1")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(SCRIPT, default_timeout=60).run()
    at.text_input(key=LEVER + "acute.beds").set_value("1800")
    at.number_input(key="w:scale").set_value(0.02)
    at.number_input(key="w:reps").set_value(2)
    at.text_area(key="w:extra:baseline.toml").set_value("\n".join(TINY)).run()
    command = at.code[0].value
    at.button(key="run").click().run()
    out = Path(at.session_state["job"])
    assert jobs.wait(out, 300).state == "complete"
    at.run()
    assert any("complete: 2 replications" in s.value for s in at.success)
    words = shlex.split(command)
    assert words[:2] == ["python", "run_sim.py"]
    cli = tmp_path / "cli"
    res = run_cli(*words[2:], "--workers", "1", "--quiet", "--out", str(cli))
    assert res.returncode == 0, res.stderr
    for name in ("replications", "monthly", "summary", "targets", "distributions"):
        assert (out / f"{name}.csv").read_bytes() == (cli / f"{name}.csv").read_bytes(), name
    go(at, "Scenario")
    t0 = time.perf_counter()
    at.button(key="run").click().run()
    assert Path(at.session_state["job"]) == out and time.perf_counter() - t0 < 5


@pytest.mark.slow
def test_a_seek_from_the_page_shows_its_answer_and_curve(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ICS_SIM_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("ICS_SIM_WORKERS", "1")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(SCRIPT, default_timeout=60).run()
    at.number_input(key="w:scale").set_value(0.02)
    at.number_input(key="w:reps").set_value(2)
    at.text_area(key="w:extra:baseline.toml").set_value("\n".join(TINY)).run()
    at = go(at, "Seek")
    at.multiselect(key="w:seek_targets").select("bed_occupancy").run()
    at.text_input(key="w:seek_range").set_value("20:80").run()
    at.button(key="seek").click().run()
    out = Path(at.session_state["seek_job"])
    assert jobs.wait(out, 600).state == "complete"
    at.run()
    assert not at.exception
    assert any("acute.beds" in m.value and "replications" in m.value for m in at.markdown)
    assert (out / "seek_curve.png").exists() and (out / "seek.html").exists()
    assert len(at.get("image")) == 1  # the P(met) curve
    assert {"capacity", "p_met", "p_met_low", "p_met_high"} <= set(at.dataframe[0].value)


def test_run_page_shows_progress_with_an_estimate_and_cancels(results, tmp_path,
                                                               monkeypatch) -> None:
    """A job under way (its writer a stand-in process): progress, time left, and Cancel,
    which sends the writer SIGINT as Ctrl-C would."""
    monkeypatch.setenv("ICS_SIM_RESULTS", str(results))
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "job"
    folder.mkdir()
    writer = subprocess.Popen(["sleep", "60"])
    try:
        marks = {"pid": writer.pid, "host": socket.gethostname(), "pid_started": None}
        spec = jobs.JobSpec(str(BASELINE), replications=10).as_dict()
        (folder / jobs.JOB_FILE).write_text(json.dumps({"spec": spec, "launcher": marks}))
        now = time.time()
        (folder / jobs.PROGRESS_FILE).write_text(json.dumps({
            "state": "running", "done": 2, "total": 10, "started": now - 25,
            "first_done": 0, "first_time": now - 20, "updated": now, "writer": marks}))
        at = AppTest.from_file(SCRIPT, default_timeout=60)
        at.session_state["page"] = "Run"
        at.session_state["job"] = str(folder)
        at.run()
        assert not at.exception
        text = at.get("progress")[0].proto.text
        assert re.match(r"running: 2 of 10 replications, about 8\d s left", text), text
        at.button(key="cancel:job").click().run()
        assert writer.wait(timeout=10) == -signal.SIGINT
        assert jobs.status(folder).state == "interrupted"
    finally:
        writer.kill()
        writer.wait()


def test_the_scheduler_named_in_the_environment_goes_into_the_job(results,
                                                                  monkeypatch) -> None:
    monkeypatch.setenv("ICS_SIM_RESULTS", str(results))
    monkeypatch.setenv("ICS_SIM_SCHEDULER", "tcp://10.0.0.5:8786")
    monkeypatch.setenv("ICS_SIM_WORKERS", "3")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(SCRIPT, default_timeout=60).run()
    spec = at.session_state["edited"]["spec"]
    assert spec["scheduler"] == "tcp://10.0.0.5:8786" and spec["workers"] == 3


@pytest.mark.slow
def test_downloads_page_builds_a_missing_report_on_request(results, monkeypatch) -> None:
    monkeypatch.setenv("ICS_SIM_RESULTS", str(results))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(SCRIPT, default_timeout=120)
    at.session_state["page"] = "Downloads"
    at.run()
    at.selectbox(key="dl_folder").set_value("app/fewer_beds").run()
    at.button(key="dl_build").click().run()
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == ["report.html", "summary.xlsx"]
    assert (results / "app" / "fewer_beds" / "report.html").stat().st_size > 10_000


def test_reopening_an_interrupted_run_does_not_break_the_answers_page(results, tmp_path,
                                                                      monkeypatch) -> None:
    root = tmp_path / "results"
    shutil.copytree(results / "app" / "base", root / "app" / "base")
    shutil.copytree(results / "app" / "base", root / "app" / "broken")
    man = json.loads((root / "app" / "broken" / "manifest.json").read_text())
    (root / "app" / "broken" / "manifest.json").write_text(
        json.dumps({**man, "status": "interrupted"}))
    monkeypatch.setenv("ICS_SIM_RESULTS", str(root))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(SCRIPT, default_timeout=60)
    at.session_state["page"] = "Run"
    at.run()
    assert dict(zip(at.dataframe[0].value["folder"], at.dataframe[0].value["status"],
                    strict=True)) == {"app/base": "complete", "app/broken": "interrupted"}
    assert set(at.dataframe[0].value["trial"]) == {"scaled x0.02"}  # trials say so (issue 24)
    at.selectbox(key="reopen").set_value("app/broken").run()
    at.button(key="reopen_btn").click().run()
    assert not at.exception and at.session_state["page"] == "Answers"
    # the fixture's runs are scaled trials, and every list of runs says so (issue 24)
    assert at.selectbox(key="answers_folder").options == ["app/base [scaled x0.02 trial]"]


def test_views_read_the_folder_as_written(results) -> None:
    """The helpers behind the pages: lights say a trial's verdict is a trial's, the zip holds
    every file, trajectories are weekly means of the stored replications."""
    import io
    import zipfile

    from sim.app import views

    base = results / "app" / "base"
    targets = pd.read_csv(base / "targets.csv", keep_default_na=False)
    lights = views.target_lights(base)
    first = targets.iloc[0]
    assert first["verdict"] == "scaled"
    assert lights["verdict"].iloc[0] == (f"{views.SYMBOLS[first['verdict_unscaled']]} "
                                         f"{first['verdict_unscaled']} (scaled trial)")
    styled = views.tinted(lights, ["verdict"]).to_html()
    assert views.TINTS[first["verdict_unscaled"]] in styled
    names = zipfile.ZipFile(io.BytesIO(views.zip_folder(base))).namelist()
    files = [p for p in base.rglob("*") if p.is_file()]
    assert len(names) == len(files) and "base/manifest.json" in names
    traj = views.trajectories(base)
    assert "acute_bed_queue" in traj.columns and traj.index.min() == 1
    stamps, others = views.warnings(base)
    assert stamps == ["scaled trial (--scale 0.02): not for decisions"] and others
    monthly = views.monthly_series(base, "ed_4h_pct")
    assert list(monthly.columns) == ["month", "mean", "ci_low", "ci_high", "n"]
    assert (monthly["n"] == 2).all()
