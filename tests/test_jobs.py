"""Background jobs (sim.experiment.jobs): what the web app submits, polls and cancels."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, run_cli

from sim.experiment import jobs, orchestrate
from sim.scenario import load_scenario

TINY = ("run.measurement_days=31", "run.warmup_days=14")


def tiny(replications: int = 2, **kw) -> jobs.JobSpec:
    return jobs.JobSpec(str(BASELINE), TINY, replications=replications, scale=0.02,
                        **{"workers": 1, **kw})


def test_spec_round_trips_and_reads_as_the_command_line() -> None:
    spec = tiny(seed=7, quick=True)
    assert jobs.JobSpec.from_dict(spec.as_dict()) == spec
    assert spec.command("b.toml") == [
        "python", "run_sim.py", "run", "b.toml", "--replications", "2", "--seed", "7", "--quick",
        "--scale", "0.02", "--set", "run.measurement_days=31", "--set", "run.warmup_days=14"]
    seek = jobs.JobSpec("b.toml", kind="seek", lever="acute.beds", targets=("ed_4h",),
                        search=(10, 20))
    assert jobs.JobSpec.from_dict(seek.as_dict()) == seek
    assert "--range" in seek.command() and "10:20" in seek.command()
    with pytest.raises(ValueError):
        jobs.JobSpec("b.toml", kind="seek", scale=0.5)
    with pytest.raises(ValueError):
        jobs.JobSpec("b.toml", kind="batch")


def test_key_changes_with_what_decides_the_numbers_only() -> None:
    sc = load_scenario(BASELINE)
    base = jobs.job_key(tiny(), sc)
    assert jobs.job_key(tiny(), sc) == base
    assert jobs.job_key(tiny(workers=None), sc) == base  # the backend does not matter
    assert jobs.job_key(tiny(seed=1), sc) != base
    assert jobs.job_key(tiny(replications=3), sc) != base
    other = sc.model_copy(update={"name": "other"})
    assert jobs.job_key(tiny(), other) != base


def test_eta_is_the_pace_since_the_first_report() -> None:
    assert jobs.eta(0, 10, 0, 100.0, 105.0) is None
    assert jobs.eta(2, 10, 0, 100.0, 110.0) == pytest.approx(40.0)
    assert jobs.eta(5, 10, 3, 100.0, 104.0) == pytest.approx(10.0)  # resumed at 3


def test_a_folder_without_a_job_is_new(tmp_path: Path) -> None:
    assert jobs.status(tmp_path / "nothing").state == "new"
    assert jobs.cancel(tmp_path / "nothing") is False


def test_bad_input_is_refused_before_any_process_starts(tmp_path: Path) -> None:
    spec = jobs.JobSpec(str(BASELINE), ("acute.beds=-3",), replications=2)
    with pytest.raises(jobs.InputError) as exc:
        jobs.submit(spec, tmp_path)
    assert "acute.beds" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_run_scenario_passes_a_dask_scheduler_to_the_runner(monkeypatch, tmp_path) -> None:
    seen = {}

    def fake(todo, seed, workers, scheduler, dask_workers):
        seen.update(scheduler=scheduler, dask_workers=dask_workers)
        raise KeyboardInterrupt

    monkeypatch.setattr(orchestrate, "run_tasks", fake)
    sc = load_scenario(BASELINE)
    out = orchestrate.run_scenario(sc, 1, 2, tmp_path / "r", workers=1,
                                   scheduler="tcp://127.0.0.1:1")
    assert seen == {"scheduler": "tcp://127.0.0.1:1", "dask_workers": None}
    assert out.interrupted


@pytest.mark.slow
def test_a_job_runs_in_its_own_process_and_a_repeat_is_instant(tmp_path: Path) -> None:
    """The job's tables equal the same run's from the command line, byte for byte; and a
    second submit returns the finished folder without starting anything."""
    spec = tiny()
    out = jobs.submit(spec, tmp_path / "app")
    st = jobs.wait(out, 120)
    assert st.state == "complete" and st.done == st.total == 2
    assert (out / "report.html").exists()
    # provenance is the equivalent command, not the job module's internal call (issue 24)
    assert json.loads((out / "manifest.json").read_text())["command_line"] == spec.command()
    t0 = time.perf_counter()
    assert jobs.submit(spec, tmp_path / "app") == out
    assert time.perf_counter() - t0 < 1.0
    cli = tmp_path / "cli"
    res = run_cli("run", str(BASELINE), "-n", "2", "--scale", "0.02", "--workers", "1",
                  "--quiet", "--out", str(cli), *[w for s in TINY for w in ("--set", s)])
    assert res.returncode == 0, res.stderr
    for name in ("replications", "monthly", "summary", "targets", "distributions"):
        assert (out / f"{name}.csv").read_bytes() == (cli / f"{name}.csv").read_bytes(), name


@pytest.mark.slow
def test_cancel_stops_the_job_and_a_resubmit_resumes_it(tmp_path: Path) -> None:
    spec = tiny(replications=12)
    out = jobs.submit(spec, tmp_path)
    deadline = time.monotonic() + 120
    while jobs.status(out).done < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert jobs.cancel(out)
    st = jobs.wait(out, 60)
    assert st.state == "interrupted" and 1 <= st.done < 12
    assert jobs.cancel(out) is False  # nothing left to stop
    kept = len(list((out / "tasks").glob("*/rep-*.json")))
    assert jobs.submit(spec, tmp_path) == out
    st = jobs.wait(out, 180)
    assert st.state == "complete"
    reps = pd.read_csv(out / "replications.csv")
    assert sorted(reps.replication.unique()) == list(range(12)) and kept >= 1


@pytest.mark.slow
def test_a_job_runs_on_the_dask_scheduler_it_names_with_the_same_tables(tmp_path) -> None:
    """ICS_SIM_SCHEDULER in the app becomes the spec's scheduler: the job's replications run
    on that cluster and give the pool's numbers."""
    from dask.distributed import LocalCluster

    pool = jobs.submit(tiny(), tmp_path / "pool")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        out = jobs.submit(tiny(scheduler=cluster.scheduler_address), tmp_path / "dask")
        assert jobs.wait(out, 300).state == "complete", (out / jobs.LOG_FILE).read_text()
    assert jobs.wait(pool, 300).state == "complete"
    for name in ("replications", "monthly", "summary", "targets"):
        assert (out / f"{name}.csv").read_bytes() == (pool / f"{name}.csv").read_bytes(), name


def test_a_job_being_submitted_reads_as_starting_then_failed(tmp_path: Path) -> None:
    """Between writing the spec and recording the process a job is starting, not failed (a
    second page must not start it again); never recorded, it has failed."""
    (tmp_path / jobs.JOB_FILE).write_text(json.dumps({"spec": tiny().as_dict(),
                                                      "submitted": 1000.0}))
    assert jobs.status(tmp_path, now=1001.0).state == "starting"
    later = jobs.status(tmp_path, now=1000.0 + jobs.STARTING_SECONDS + 1)
    assert later.state == "failed" and jobs.LOG_FILE in later.error
