"""Background jobs: a run or a seek in its own process, polled through files, cancellable.

Why: a page (the web app) must never simulate in its own process. It would block while the
model runs, and a cancel could not stop a replication under way. :func:`submit` starts
``python -m sim.experiment.jobs FOLDER`` as a child process, which reads ``FOLDER/job.json``
(a :class:`JobSpec`) and runs :func:`~sim.experiment.orchestrate.run_scenario` (or a seek) on
the usual runner: a local process pool, or the Dask scheduler the spec names. It writes
``progress.json`` after each replication. :func:`status` reads that file back with a time
estimate, and :func:`cancel` sends the child SIGINT, which stops it as Ctrl-C stops the CLI
(the manifest says ``interrupted``, so submitting the same job again resumes it).

Jobs are cached by what decides their numbers (:func:`job_key`): the resolved scenario's
hash, the seed, the replications, the trial sizes and the code version. The folder name
carries the key, so submitting a finished job again returns its folder at once, and nothing
is rerun. Nothing here prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import __version__
from sim.core.errors import InputError, Problem, RunWarning
from sim.outputs.store import folder_state, git_commit, writer_alive, writer_marks
from sim.scenario import Scenario, scenario_hash
from sim.scenario.scale import load_resized

# orchestrate.QUICK_REPLICATIONS, for the app, which may not import what runs the model
# (tests/test_app_inputs.py checks they agree)
QUICK_REPLICATIONS = 5

JOB_FILE = "job.json"
PROGRESS_FILE = "progress.json"
LOG_FILE = "job.log"
KINDS = ("run", "seek")
STARTING_SECONDS = 30.0  # a job whose process was never recorded is failed after this


@dataclass(frozen=True)
class JobSpec:
    """What to run: a scenario file with ``--set`` overrides and the run's settings, exactly
    what the command line takes (:meth:`command` prints it), so a job can be repeated there."""

    scenario_file: str  # a scenario TOML file (its ``extends`` chain is read as usual)
    sets: tuple[str, ...] = ()
    kind: str = "run"
    seed: int = 12345
    replications: int = 20
    scale: float = 1.0  # --scale: a trial with population and capacities resized
    quick: bool = False
    workers: int | None = None  # local pool size (None: every core)
    scheduler: str | None = None  # a Dask scheduler address, e.g. tcp://10.0.0.5:8786
    # seek only: one whole-number capacity lever, the targets that must all be met
    lever: str = ""
    targets: tuple[str, ...] = ()
    confidence: float = 0.8
    search: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind == "seek" and (self.scale != 1.0 or self.quick):
            # the seek command has neither: a trial seek gives its sizes as --set values
            # (sim.scenario.scale.scale_overrides)
            raise ValueError("a seek takes no scale or quick: resize it with sets")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobSpec:
        known = {f.name for f in dataclasses.fields(cls)}
        d = {k: v for k, v in data.items() if k in known}
        for key in ("sets", "targets"):
            d[key] = tuple(d.get(key) or ())
        if d.get("search") is not None:
            d["search"] = tuple(d["search"])
        return cls(**d)

    def command(self, shown_file: str | None = None) -> list[str]:
        """The same job as a command line (``shown_file`` in place of the scenario file)."""
        words = ["python", "run_sim.py", self.kind, shown_file or self.scenario_file]
        if self.kind == "seek":
            words += ["--lever", self.lever]
            for t in self.targets:
                words += ["--target", t]
            words += ["--confidence", f"{self.confidence:g}"]
            if self.search is not None:
                words += ["--range", f"{self.search[0]}:{self.search[1]}"]
        words += ["--replications", str(self.replications), "--seed", str(self.seed)]
        if self.kind == "run" and self.quick:
            words.append("--quick")
        if self.kind == "run" and self.scale != 1.0:
            words += ["--scale", f"{self.scale:g}"]
        for item in self.sets:
            words += ["--set", item]
        return words


def known_kpis() -> dict[str, str]:
    from sim.outputs.kpis import KPIS

    return {kpi_id: k.unit for kpi_id, k in KPIS.items()}


def load_spec_scenario(spec: JobSpec, sets: tuple[str, ...] = (),
                       warnings: list[Problem] | None = None) -> Scenario:
    """The scenario a job runs, loaded and validated as the CLI loads it (InputError if bad).
    """
    return load_resized(spec.scenario_file, [*spec.sets, *sets], spec.scale, 1.0, known_kpis(),
                        warnings)


def code_version() -> str:
    """The package version and git commit: a cached result is reused only by the same code."""
    return f"{__version__}+{git_commit()}"


def job_key(spec: JobSpec, scenario: Scenario) -> str:
    """sha256 of everything that decides a job's numbers (not the backend: every backend
    gives the same numbers)."""
    what = {"kind": spec.kind, "scenario": scenario_hash(scenario), "seed": spec.seed,
            "replications": spec.replications, "scale": spec.scale, "quick": spec.quick,
            "code": code_version()}
    if spec.kind == "seek":
        what |= {"lever": spec.lever, "targets": sorted(spec.targets),
                 "confidence": spec.confidence, "search": spec.search}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def job_folder(root: Path, spec: JobSpec, scenario: Scenario) -> Path:
    prefix = "seek-" if spec.kind == "seek" else ""
    return root / f"{prefix}{scenario.name}-{job_key(spec, scenario)[:12]}"


# -- status -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobStatus:
    """Where a job stands: ``state`` is "new" (nothing submitted), "starting", "running",
    "complete", "interrupted" (cancelled or its process died: submit again to resume) or
    "failed" (``error`` says why)."""

    state: str
    done: int = 0
    total: int = 0
    elapsed_seconds: float = 0.0
    eta_seconds: float | None = None
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in ("complete", "interrupted", "failed")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def eta(done: int, total: int, first_done: int, first_time: float, now: float) -> float | None:
    """Seconds still to go at the pace since the first progress report (None until one
    replication has finished in this process)."""
    ran = done - first_done
    if ran <= 0 or now <= first_time:
        return None
    return max(0.0, (total - done) * (now - first_time) / ran)


def status(out: Path, now: float | None = None) -> JobStatus:
    """A job's state from its folder alone, so any page, or a page reopened later, sees it."""
    now = time.time() if now is None else now
    job = read_json(out / JOB_FILE)
    prog = read_json(out / PROGRESS_FILE)
    if job is None:
        if folder_state(out).status == "complete":  # a run made by the command line
            return JobStatus("complete")
        return JobStatus("new")
    if prog is None:
        launcher = job.get("launcher")
        # no launcher yet: submit is between writing the spec and starting the process
        alive = writer_alive(launcher) if launcher else \
            now - float(job.get("submitted", 0)) < STARTING_SECONDS
        return JobStatus("starting" if alive else "failed",
                         error="" if alive else "the job stopped before it started "
                         f"(see {LOG_FILE})")
    state = str(prog.get("state", "running"))
    if state == "running" and not writer_alive(prog.get("writer", {})):
        state = "interrupted"
    done, total = int(prog.get("done", 0)), int(prog.get("total", 0))
    left = None
    if state == "running":
        left = eta(done, total, int(prog.get("first_done", 0)),
                   float(prog.get("first_time", now)), now)
    elapsed = float(prog.get("updated", now) if state != "running" else now) - float(
        prog.get("started", now))
    return JobStatus(state, done, total, max(0.0, elapsed), left, str(prog.get("error", "")),
                     dict(prog.get("extra", {})))


# -- submit and cancel --------------------------------------------------------------------------
def submit(spec: JobSpec, root: Path, command: list[str] | None = None) -> Path:
    """Start the job in its own process and return its folder; a job already complete (or
    still running) in its folder is not started again. The spec is validated here first:
    bad input raises :class:`InputError` before any process starts. ``command`` is the
    equivalent command line as the page showed it: the manifest records it as the run's
    provenance (default :meth:`JobSpec.command`), not this module's internal call."""
    scenario = load_spec_scenario(spec)
    if spec.kind == "seek":
        from sim.experiment.seek import check_request

        check_request(scenario, spec.lever, spec.targets, spec.scenario_file)
    out = job_folder(root, spec, scenario)
    now = status(out)
    if now.state in ("complete", "running", "starting"):
        return out
    out.mkdir(parents=True, exist_ok=True)
    (out / PROGRESS_FILE).unlink(missing_ok=True)
    _write_json(out / JOB_FILE, {"spec": spec.as_dict(), "key": job_key(spec, scenario),
                                 "code": code_version(), "submitted": time.time(),
                                 "command": list(command or spec.command())})
    # the child imports the same sim as this process (the code version keyed on), wherever
    # it was started from
    here = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [here, *filter(None, [os.environ.get("PYTHONPATH")])])}
    with (out / LOG_FILE).open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sim.experiment.jobs", str(out)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                start_new_session=True)
    job = read_json(out / JOB_FILE) or {}
    job["launcher"] = {"pid": proc.pid, "host": writer_marks()["host"]}
    _write_json(out / JOB_FILE, job)
    # reap the child when it ends, so a finished job is never mistaken for a live zombie
    threading.Thread(target=proc.wait, daemon=True).start()
    return out


def cancel(out: Path) -> bool:
    """Ask the job's process to stop (SIGINT, like Ctrl-C); True when there was one to ask.
    Only the process recorded as this folder's writer, and only while it is alive."""
    prog = read_json(out / PROGRESS_FILE) or {}
    marks = prog.get("writer") or (read_json(out / JOB_FILE) or {}).get("launcher") or {}
    if prog.get("state", "running") != "running" or not writer_alive(marks):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(marks["pid"]), signal.SIGINT)
        return True
    return False


def wait(out: Path, timeout: float = 600.0, poll: float = 0.2) -> JobStatus:
    """Poll until the job has finished (for tests and scripts; pages poll :func:`status`)."""
    end = time.monotonic() + timeout
    while True:
        st = status(out)
        if st.finished or time.monotonic() > end:
            return st
        time.sleep(poll)


# -- the child process --------------------------------------------------------------------------
class _Reporter:
    """Writes progress.json: counts, the pace since the first report, the writer's marks."""

    def __init__(self, out: Path):
        self.out, self.started = out, time.time()
        self.first: tuple[int, float] | None = None
        self.data: dict[str, Any] = {"state": "running", "done": 0, "total": 0,
                                     "started": self.started, "writer": writer_marks()}
        self.write()

    def write(self) -> None:
        self.data["updated"] = time.time()
        _write_json(self.out / PROGRESS_FILE, self.data)

    def __call__(self, done: int, total: int) -> None:
        if self.first is None:
            self.first = (done, time.time())
        self.data |= {"done": done, "total": total, "first_done": self.first[0],
                      "first_time": self.first[1]}
        self.write()

    def end(self, state: str, error: str = "", **extra: Any) -> None:
        self.data |= {"state": state, "error": error, "extra": extra}
        self.write()


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def run_job(out: Path) -> int:
    """What the child process does: run the job in ``out`` and record how it ended."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    job = read_json(out / JOB_FILE) or {}
    spec = JobSpec.from_dict(job["spec"])
    # provenance: the manifest records sys.argv, which is to be the command this job stands
    # for (python run_sim.py run ...), not "-m sim.experiment.jobs /abs/path"
    sys.argv = [str(w) for w in job.get("command") or spec.command()]
    report = _Reporter(out)
    try:
        if spec.kind == "seek":
            _run_seek(spec, out, report)
        else:
            _run(spec, out, report)
    except KeyboardInterrupt:
        report.end("interrupted")
        return 130
    except InputError as exc:
        report.end("failed", "; ".join(str(p) for p in exc.problems))
        return 2
    except Exception as exc:  # recorded for the page, then re-raised into job.log
        report.end("failed", f"{type(exc).__name__}: {exc}")
        raise
    return 0


def _run(spec: JobSpec, out: Path, report: _Reporter) -> None:
    from sim.experiment.orchestrate import run_scenario

    found: list[Problem] = []
    scenario = load_spec_scenario(spec, warnings=found)
    warnings = [RunWarning.from_problem(p) for p in dict.fromkeys(found)]
    resume = folder_state(out).status in ("interrupted", "running")
    outcome = run_scenario(scenario, spec.seed, spec.replications, out, spec.workers, report,
                           spec.scale, 1.0, resume=resume, warnings=warnings, quick=spec.quick,
                           scheduler=spec.scheduler)
    if outcome.interrupted:
        raise KeyboardInterrupt
    with contextlib.suppress(ImportError):  # the report extra may be missing
        from sim.outputs.report import build_report

        build_report(out)
    report.end("complete")


def _run_seek(spec: JobSpec, out: Path, report: _Reporter) -> None:
    from sim.experiment import seek as sk

    sets = list(spec.sets)
    base = load_resized(spec.scenario_file, sets, 1.0, 1.0, known_kpis())
    targets = sk.check_request(base, spec.lever, spec.targets, spec.scenario_file)
    floor, cap, start, _step = sk.bounds(base, spec.lever, spec.search)
    total = sk.expected_evaluations(spec.replications, floor, cap, start,
                                    sk.default_resolution(start))
    ev = sk.Evaluator(
        lambda c: load_resized(spec.scenario_file, [*sets, f"{spec.lever}={c}"], 1.0, 1.0,
                               known_kpis()),
        targets, spec.seed, spec.workers or _default_workers(), spec.scheduler, None,
        out / sk.EVALS_FILE, lambda done: report(min(done, total), total))
    sk.guard_request(out, base, [spec.lever], targets, spec.seed, resume=True)
    ev.load()
    try:
        result = sk.seek(ev.make, base, spec.lever, targets, spec.replications, spec.seed,
                         spec.confidence, spec.search, ev)
    finally:
        ev.session.close()
    sk.write_outputs(result, out, base.name, spec.seed)
    with contextlib.suppress(ImportError):
        from sim.outputs.seek_report import build_seek_report

        build_seek_report(out)
    report.end("complete", answer=result.answer, runs=len(result.evaluations))


def _default_workers() -> int:
    from sim.experiment.runner import default_workers

    return default_workers()


if __name__ == "__main__":
    raise SystemExit(run_job(Path(sys.argv[1])))
