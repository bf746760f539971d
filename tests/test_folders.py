"""No lost or ghost work: --out never silently replaces results, run resumes like batch, a
folder whose writer died reads as interrupted, workers die with their parent (kill -9)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import BASELINE, ROOT, run_cli

from sim.cli import batch_lines, build_parser, main
from sim.cli.run import resume_command
from sim.experiment import orchestrate
from sim.experiment.orchestrate import Plan, resume_refusal
from sim.outputs.store import folder_state, writer_marks
from sim.scenario import load_scenario, scenario_hash

CHEAP = ["--set", "run.measurement_days=2", "--set", "run.warmup_days=0",
         "--set", "population.size=20000"]
RUN = ["-n", "3", "--seed", "4", "--workers", "1", "--quiet", *CHEAP]
TABLES = ("replications.csv", "monthly.csv", "summary.csv", "targets.csv", "distributions.csv")
BEDS = load_scenario(BASELINE).acute.beds  # read, not written here: it moves with recalibration


@pytest.fixture(autouse=True)
def _no_report(monkeypatch) -> None:
    """These tests are about folders, not the business-case pack: skip building it."""
    monkeypatch.setattr("sim.cli.run.write_report", lambda folder: None)


def _run(out: Path, *extra: str) -> int:
    return main(["run", str(BASELINE), *RUN, "--out", str(out), *extra])


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _as_killed(out: Path, pid: int | None = None, keep: int = 1) -> None:
    """Make a complete run folder look like one whose process died after ``keep``
    replications: manifest "running" with a dead pid, later tasks and the tables gone."""
    man = {**_manifest(out), "status": "running", "pid": pid or _dead_pid(),
           "host": socket.gethostname(), "pid_started": None}
    (out / "manifest.json").write_text(json.dumps(man))
    for task in sorted((out / "tasks").glob("*/rep-*.json"))[keep:]:
        task.unlink()
    for name in TABLES:
        (out / name).unlink()


# -- --out and --force -------------------------------------------------------------------------
def test_a_complete_folder_needs_force(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    capsys.readouterr()
    before = (out / "replications.csv").read_bytes()
    assert _run(out, "--seed", "5") == 2
    lines = _lines(capsys.readouterr().err)
    assert lines == [f"{out}: --out: holds the complete results of a run of baseline: add "
                     "--force to replace them, or choose another folder"]
    assert (out / "replications.csv").read_bytes() == before  # nothing touched
    (out / "notes.txt").write_text("mine")
    (out / "chart_old.png").write_bytes(b"stale")
    assert _run(out, "--seed", "5", "--force") == 0
    assert _manifest(out)["seed"] == 5 and _manifest(out)["status"] == "complete"
    assert (out / "replications.csv").read_bytes() != before
    assert (out / "notes.txt").read_text() == "mine"  # not ours: left alone
    assert not (out / "chart_old.png").exists()  # ours, from the earlier run: cleared


def test_a_complete_batch_folder_needs_force(tmp_path: Path, capsys) -> None:
    batch = tmp_path / "b.toml"
    batch.write_text(f'name = "b"\nbase = "{BASELINE.as_posix()}"\nreplications = 2\n'
                     '[[scenarios]]\nname = "a"\n[[scenarios]]\nname = "more"\n'
                     'set = { "acute.beds" = 2200 }\n')
    out = tmp_path / "out"
    args = ["batch", str(batch), "--out", str(out), "--workers", "1", "--quiet", *CHEAP]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Targets per scenario (2 replications; --verbose for every target)" in printed
    assert main(args) == 2
    assert "add --force" in capsys.readouterr().err
    assert main([*args, "--force", "--verbose"]) == 0
    assert "rule" in capsys.readouterr().out  # --verbose: the full targets tables


def test_resume_and_force_together_or_resume_without_out_are_refused(capsys) -> None:
    assert main(["run", str(BASELINE), "--resume", "--force", "--out", "x"]) == 2
    assert _lines(capsys.readouterr().err) == [
        "--force: --resume: use one of them: --resume finishes the run in --out, --force "
        "replaces it"]
    assert main(["run", str(BASELINE), "--resume"]) == 2
    assert _lines(capsys.readouterr().err) == [
        "--resume: --out: say which folder to resume: --out FOLDER"]


def test_default_folders_never_collide(tmp_path: Path, monkeypatch) -> None:
    import datetime as dt

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 1, 2, 3, 4, 5)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(orchestrate.dt, "datetime", Frozen)
    first = orchestrate.default_out("base")
    assert first == Path("results/base-20260102-030405")
    first.mkdir(parents=True)
    assert orchestrate.default_out("base") == Path("results/base-20260102-030405-2")


# -- a writer that died reads as interrupted ---------------------------------------------------
def test_a_dead_writer_reads_as_interrupted_everywhere(tmp_path: Path, capsys) -> None:
    out, other = tmp_path / "out", tmp_path / "other"
    assert _run(out) == 0 and _run(other) == 0
    capsys.readouterr()
    _as_killed(out)
    assert folder_state(out).status == "interrupted"
    assert _manifest(out)["status"] == "interrupted"  # written down for whoever reads it next
    assert main(["report", str(out)]) == 2
    assert "interrupted before it finished: finish it with --resume" in capsys.readouterr().err
    assert main(["compare", str(other), str(out)]) == 2
    assert "interrupted" in capsys.readouterr().err
    assert _run(out) == 2
    assert _lines(capsys.readouterr().err) == [
        f"{out}: --out: holds a run of baseline that was interrupted: add --resume to finish "
        "it, --force to start again, or choose another folder"]


def test_a_live_writer_is_never_overwritten(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    man = {**_manifest(out), "status": "running", **writer_marks()}  # this process: alive
    (out / "manifest.json").write_text(json.dumps(man))
    assert folder_state(out).status == "running"
    for extra in ([], ["--force"], ["--resume"]):
        assert _run(out, *extra) == 2
        assert "is still writing to this folder (pid" in capsys.readouterr().err
    assert main(["report", str(out)]) == 2
    assert "still running" in capsys.readouterr().err


def test_other_machines_and_old_manifests(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps(
        {"status": "running", "pid": 1, "host": "not-" + socket.gethostname()}))
    assert folder_state(out).status == "running"  # cannot be checked from here
    assert _run(out) == 2
    assert "running on another machine" in capsys.readouterr().err
    assert _run(out, "--force") == 0  # the user knows it has stopped
    assert _manifest(out)["status"] == "complete"
    (out / "manifest.json").write_text(json.dumps({"status": "running"}))
    assert folder_state(out).status == "interrupted"  # written before pids were recorded
    (out / "manifest.json").unlink()
    assert folder_state(out).status == "new"


def test_a_killed_run_resumes_to_the_same_files(tmp_path: Path, capsys) -> None:
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert _run(whole) == 0 and _run(part) == 0
    _as_killed(part, keep=1)
    assert len(list(part.glob("tasks/*/rep-*.json"))) == 1
    capsys.readouterr()
    assert _run(part, "--resume") == 0
    for name in TABLES:
        assert (whole / name).read_bytes() == (part / name).read_bytes(), name
    assert _manifest(part)["status"] == "complete"


# -- a refused resume says which input changed, in one line ------------------------------------
def _plan(kind: str = "run", sets: tuple[str, ...] = (), **kw) -> Plan:
    sc = load_scenario(BASELINE, [*CHEAP[1::2], *sets])
    fields = {"seed": 4, "replications": 3, "scale": 1.0, "capacity_factor": 1.0, **kw}
    return Plan(kind, fields["seed"], fields["replications"], fields["scale"],
                fields["capacity_factor"], {"baseline": sc} if kind == "run" else
                {"a": sc, "b": sc.model_copy(update={"name": "b"})})


def _old(plan: Plan) -> dict:
    """The manifest an earlier run or batch of ``plan`` left."""
    common = {"kind": plan.kind, "seed": plan.seed, "replications": plan.replications,
              "scale": plan.scale, "capacity_factor": plan.capacity_factor}
    if plan.kind == "run":
        sc = plan.scenarios["baseline"]
        return {**common, "scenario_name": "baseline", "scenario_sha256": scenario_hash(sc),
                "scenario": sc.model_dump(mode="json")}
    return {**common, "scenario_sha256": plan.hashes(),
            "scenarios": {n: sc.model_dump(mode="json") for n, sc in plan.scenarios.items()}}


@pytest.mark.parametrize(("now", "reason"), [
    ({"scale": 0.1}, "the scenarios changed (--scale was 1, now 0.1)"),
    ({"capacity_factor": 4.0}, "the scenarios changed (--capacity-factor was 1, now 4)"),
    ({"seed": 5}, "the seed changed (was 4, now 5)"),
    ({"replications": 10}, "the number of replications changed (was 3, now 10)"),
    ({"sets": ("acute.beds=2000",)}, f"scenario baseline has changed (acute.beds was {BEDS}, "
                                     "now 2000)"),
    ({"sets": ("targets.ed_4h.threshold=70",)},
     "scenario baseline has changed (targets.ed_4h.threshold was 78.0, now 70.0)"),
])
def test_a_refused_resume_names_the_input_that_changed(now: dict, reason: str) -> None:
    old = _old(_plan())
    assert resume_refusal(old, _plan(**now)) == reason
    assert resume_refusal(old, _plan()) is None


def test_a_refused_batch_resume_names_scenarios(tmp_path: Path) -> None:
    plan = _plan("batch")
    old = _old(plan)
    assert resume_refusal(old, _plan("batch", sets=("acute.beds=2000",))) == (
        f"every scenario changed (acute.beds was {BEDS}, now 2000)")
    renamed = Plan("batch", 4, 3, 1.0, 1.0, {"a": plan.scenarios["a"],
                                             "c": plan.scenarios["b"]})
    assert resume_refusal(old, renamed) == "the scenarios are not the same ones (added c; " \
                                           "removed b)"
    assert resume_refusal(old, _plan()) == "this folder holds a batch, not a run"


def test_a_refused_resume_is_one_line_on_the_command_line(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert _run(out) == 0
    capsys.readouterr()
    assert _run(out, "--resume", "--scale", "0.5") == 2
    assert _lines(capsys.readouterr().err) == [
        f"{out / 'manifest.json'}: --resume: refused: the scenarios changed (--scale was 1, "
        "now 0.5)"]


def test_the_resume_command_repeats_every_input() -> None:
    args = build_parser().parse_args(["run", "my scenario.toml", "-n", "7", "--seed", "3",
                                      "--scale", "0.5", "--set", "acute.beds=2000"])
    assert resume_command(args, Path("results/x")) == (
        "python run_sim.py run 'my scenario.toml' --out results/x --resume --replications 7 "
        "--seed 3 --scale 0.5 --set acute.beds=2000")
    args = build_parser().parse_args(["batch", "b.toml", "--capacity-factor", "4"])
    assert resume_command(args, Path("o")) == (
        "python run_sim.py batch b.toml --out o --resume --capacity-factor 4")


# -- the batch console: one line per scenario --------------------------------------------------
def _judged(*verdicts: str) -> list:
    return [SimpleNamespace(target=SimpleNamespace(id=f"t{i}"), verdict=v)
            for i, v in enumerate(verdicts)]


def test_batch_lines_count_verdicts_and_changes_against_the_comparator() -> None:
    judged = {"do_nothing": _judged("met", "not met", "uncertain", "not met"),
              "ucr_plus_3": _judged("met", "met", "uncertain", "not met"),
              "beds": _judged("met", "met", "met", "no data")}
    assert batch_lines(judged, "do_nothing") == [
        "do_nothing   met 1  uncertain 1  not met 2   (comparator)",
        "ucr_plus_3   met 2  uncertain 1  not met 1   vs do_nothing: 1 verdict changed",
        "beds         met 3  no data 1                vs do_nothing: 3 verdicts changed"]


# -- workers die with their parent -------------------------------------------------------------
def _children(pid: int, at_least: int, timeout: float = 60) -> list:
    import psutil

    deadline = time.time() + timeout
    while time.time() < deadline:
        kids = psutil.Process(pid).children(recursive=True)
        if len(kids) >= at_least:
            return kids
        time.sleep(0.05)
    raise AssertionError(f"the run never started {at_least} workers")


def _alive(procs: list) -> list:
    import psutil

    alive = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.slow
@pytest.mark.parametrize(("command", "backend", "workers"), [
    ("run", ["--workers", "2"], 2),
    ("batch", ["--dask-workers", "2"], 2),
])
def test_kill_9_leaves_no_worker_alive(tmp_path: Path, command: str, backend: list[str],
                                       workers: int) -> None:
    """kill -9 of the parent alone (not its process group): its workers must be gone within
    5 s, the folder reads as interrupted, and --resume finishes it."""
    out = tmp_path / "out"
    if command == "run":
        target = [str(BASELINE), "-n", "8"]
    else:
        target = [str(tmp_path / "b.toml")]
        (tmp_path / "b.toml").write_text(
            f'name = "b"\nbase = "{BASELINE.as_posix()}"\nreplications = 4\n'
            '[[scenarios]]\nname = "a"\n[[scenarios]]\nname = "c"\n'
            'set = { "acute.beds" = 2200 }\n')
    args = [command, *target, *backend, "--out", str(out), "--scale", "0.1", "--quiet",
            "--set", "run.warmup_days=10", "--set", "run.measurement_days=90"]
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    workers_seen: list = []
    try:
        workers_seen = _children(proc.pid, workers)
        deadline = time.time() + 120
        while time.time() < deadline and not list(out.glob("tasks/*/rep-*.json")):
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the parent alone
        proc.wait()
        time.sleep(5)
        assert _alive(workers_seen) == [], "workers outlived their parent"
    finally:  # whatever the outcome, leave nothing of ours running
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        for pid in _alive(workers_seen):
            os.kill(pid, signal.SIGKILL)
    assert folder_state(out).status == "interrupted"
    again = run_cli(*args)
    assert again.returncode == 2 and "--resume" in again.stderr
    assert run_cli(*args, "--resume").returncode == 0
    assert _manifest(out)["status"] == "complete"
