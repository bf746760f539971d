"""A run or a batch from start to finish: output folder, manifest states, results on disk.

This is what ``run`` and ``batch`` do between parsing the command line and printing: choose the
backend, write ``manifest.json`` as ``running``, run the replications (a batch stores each one
under ``tasks/`` as it finishes, so it can resume), write the tables, and write the manifest as
``complete``, or as ``interrupted`` after Ctrl-C. Nothing here prints: progress goes to a
callback and the outcome is returned for the caller to show; bad input raises
:class:`~sim.core.errors.InputError`.

Every finished run and batch is checked for soundness (:mod:`sim.outputs.soundness`): queues
that never settle, targets measured too loosely, a scaled or quick trial. The warnings go into
the outcome and the manifest (``"warnings"``); a scaled run's verdicts read ``scaled`` in the
outcome and on disk (the judged verdict kept as ``verdict_unscaled``). ``quick`` runs keep
capacities whole but measure :data:`QUICK_MEASUREMENT_DAYS` days (:func:`quick_scenario`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.core.errors import InputError
from sim.experiment.batch import Batch
from sim.experiment.runner import default_workers, run_replications, run_tasks
from sim.outputs.result import ReplicationResult
from sim.outputs.soundness import (
    RunWarning,
    as_scaled,
    batch_warnings,
    mark_scaled_files,
    run_warnings,
)
from sim.outputs.store import (
    flows_total,
    load_task,
    manifest,
    manifest_base,
    now_iso,
    store_task,
    stored_tasks,
    task_path,
    write_batch,
    write_manifest,
    write_run,
)
from sim.outputs.targets import TargetResult
from sim.scenario import Scenario, scenario_hash

# progress(done, total): called once before the first result (done may be > 0 on a resume)
# and after each result
Progress = Callable[[int, int], None]


def default_out(name: str) -> Path:
    """``results/NAME-YYYYmmdd-HHMMSS``."""
    return Path("results") / f"{name}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _sizes(scale: float, capacity_factor: float, quick: bool = False) -> dict[str, Any]:
    """How the scenarios were resized from their files (``--scale``, ``--capacity-factor``)
    and whether the run is a trial (``scaled``: not the system asked about; ``quick``)."""
    return {"scale": scale, "capacity_factor": capacity_factor, "scaled": scale != 1.0,
            "quick": quick}


# -- quick trials: capacities whole, a shorter window, fewer replications --------------------
QUICK_MEASUREMENT_DAYS = 91  # 13 weeks, at most (to a month's end): the growth rule needs 8
QUICK_REPLICATIONS = 5
QUICK_MIN_DAYS = 56  # 8 weeks, the least the growth rule checks


def quick_scenario(scenario: Scenario) -> Scenario:
    """The scenario with its warm-up kept and at most :data:`QUICK_MEASUREMENT_DAYS` measured:
    unlike ``--scale`` it keeps every capacity and the population whole, so what it loses is
    precision (warned about), not the system's shape. A shortened window ends at a month's
    end when that still leaves 8 weeks, so no month (a target's deadline month above all) is
    cut to a few days."""
    r = scenario.run
    days = r.measurement_days
    if days > QUICK_MEASUREMENT_DAYS:
        first = r.start_date + dt.timedelta(days=r.warmup_days)
        end = first + dt.timedelta(days=QUICK_MEASUREMENT_DAYS)
        whole = (end.replace(day=1) - first).days
        days = whole if whole >= QUICK_MIN_DAYS else QUICK_MEASUREMENT_DAYS
    return scenario.model_copy(update={"run": r.model_copy(update={"measurement_days": days})})


def quick_batch(batch: Batch) -> Batch:
    """Every scenario of the batch as :func:`quick_scenario`, with at most
    :data:`QUICK_REPLICATIONS` replications."""
    return replace(batch, replications=min(batch.replications, QUICK_REPLICATIONS),
                   scenarios={n: quick_scenario(sc) for n, sc in batch.scenarios.items()})


def _warnings_field(warnings: list[RunWarning]) -> dict[str, Any]:
    return {"warnings": [w.as_dict() for w in warnings]}


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.one(str(out), "--out", f"cannot create the folder: {exc}") from None


# -- run: replications of one scenario ---------------------------------------------------------
@dataclass(frozen=True)
class RunOutcome:
    out: Path
    replications: int
    judged: list[TargetResult]  # empty when interrupted; "scaled" verdicts when scaled
    interrupted: bool = False
    warnings: list[RunWarning] = field(default_factory=list)


def run_scenario(scenario: Scenario, seed: int, replications: int, out: Path | None = None,
                 workers: int | None = None, progress: Progress | None = None,
                 scale: float = 1.0, capacity_factor: float = 1.0,
                 quick: bool = False) -> RunOutcome:
    """Run the replications and write the results folder (``out``, default
    :func:`default_out`). ``scale`` and ``capacity_factor`` say how ``scenario`` was resized
    from its file (:func:`sim.scenario.scale.load_resized`); they are recorded in the
    manifest. ``quick`` measures at most :data:`QUICK_MEASUREMENT_DAYS` days (the caller
    chooses the replications)."""
    if quick:
        scenario = quick_scenario(scenario)
    out = out if out is not None else default_out(scenario.name)
    _make_folder(out)
    workers = workers or default_workers()
    started, t0 = now_iso(), time.perf_counter()
    sizes = _sizes(scale, capacity_factor, quick)
    write_manifest(out, manifest(scenario, seed, replications, "running", started, sizes))
    done = 0
    if progress is not None:
        progress(done, replications)

    def one_more(_result: Any) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, replications)

    try:
        results = run_replications(scenario, seed, replications, workers, progress=one_more)
    except KeyboardInterrupt:
        write_manifest(out, manifest(scenario, seed, replications, "interrupted", started,
                                     sizes))
        return RunOutcome(out, replications, [], interrupted=True)
    judged = write_run(out, scenario, results)
    warnings = run_warnings(scenario, results, scale, quick)
    judged = _stamp_scaled(out, judged, scale)
    extra = {**sizes, "finished": now_iso(), "wall_seconds": round(time.perf_counter() - t0, 3),
             "workers": workers, "flows": flows_total(results), **_warnings_field(warnings)}
    write_manifest(out, manifest(scenario, seed, replications, "complete", started, extra))
    return RunOutcome(out, replications, judged, warnings=warnings)


def _stamp_scaled(out: Path, judged: list[TargetResult], scale: float) -> list[TargetResult]:
    """A scaled run's verdicts become ``scaled``, on disk and as returned (the judged verdict
    stays in targets.csv's ``verdict_unscaled``); other runs' are returned as they are."""
    if scale == 1.0:
        return judged
    mark_scaled_files(out)
    return as_scaled(judged)


# -- batch: every scenario of a batch file, resumable ------------------------------------------
@dataclass(frozen=True)
class BatchOutcome:
    out: Path
    total: int  # replications in the batch (scenarios x replications)
    left: int  # of those, still to run (0 when complete)
    judged: dict[str, list[TargetResult]]  # per scenario; empty when interrupted
    interrupted: bool = False
    warnings: list[RunWarning] = field(default_factory=list)


def backend_label(workers: int, scheduler: str | None, dask_workers: int | None) -> str:
    return (f"dask:{scheduler}" if scheduler else
            f"dask-local:{dask_workers}" if dask_workers else f"pool:{workers}")


def fresh_out(out: Path) -> set[tuple[str, int]]:
    """A folder for a new batch: refused if it holds an earlier batch's replications."""
    if stored_tasks(out):
        raise InputError.one(str(out), "--out", "holds replications of an earlier batch: add "
                             "--resume to finish it, or choose another folder")
    _make_folder(out)
    return set()


def check_resume(out: Path, batch: Batch, hashes: dict[str, str]) -> set[tuple[str, int]]:
    """Resume only the same batch: same scenarios (by hash), seed and replications. Returns the
    (scenario, replication) tasks already stored."""
    path = out / "manifest.json"
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError):
        raise InputError.one(str(path), "--resume", "no batch to resume in this folder") from None
    problems = []
    for key, now in (("seed", batch.seed), ("replications", batch.replications)):
        if old.get(key) != now:
            problems.append(f"{key} was {old.get(key)}, now {now}")
    old_hashes = old.get("scenario_sha256", {})
    for name, h in hashes.items():
        if old_hashes.get(name) not in (None, h):
            problems.append(f"scenario {name} has changed (sha256 {old_hashes[name][:12]} "
                            f"-> {h[:12]})")
    if set(old_hashes) != set(hashes):
        problems.append("the batch's scenarios are not the same ones")
    if problems:
        raise InputError.one(str(path), "--resume", "refused: " + "; ".join(problems))
    return {t for t in stored_tasks(out) if t[0] in hashes and t[1] < batch.replications}


def run_batch(batch: Batch, out: Path | None = None, workers: int | None = None,
              scheduler: str | None = None, dask_workers: int | None = None,
              resume: bool = False, progress: Progress | None = None,
              batch_file: str | Path = "", quick: bool = False) -> BatchOutcome:
    """Run the replications of every scenario not yet stored in ``out`` (default
    :func:`default_out`), storing each as it finishes, then write the batch's tables.

    Without ``resume`` the folder must not hold an earlier batch; with it, the earlier batch
    must be this one (:func:`check_resume`). ``batch_file`` is recorded in the manifest.
    ``quick`` runs :func:`quick_batch` instead.
    """
    if quick:
        batch = quick_batch(batch)
    out = out if out is not None else default_out(batch.name)
    hashes = {name: scenario_hash(sc) for name, sc in batch.scenarios.items()}
    done = check_resume(out, batch, hashes) if resume else fresh_out(out)
    workers = workers or default_workers()
    started, t0 = now_iso(), time.perf_counter()
    info = {"kind": "batch", "batch_name": batch.name, "batch_file": str(batch_file),
            "description": batch.description, "seed": batch.seed,
            "replications": batch.replications, "comparator": batch.comparator,
            **_sizes(batch.scale, batch.capacity_factor, quick),
            "scenario_sha256": hashes, "backend": backend_label(workers, scheduler, dask_workers),
            "started": started}
    write_manifest(out, {"status": "running", **manifest_base(), **info})
    all_tasks = [(name, r) for name in batch.scenarios for r in range(batch.replications)]
    todo = [(batch.scenarios[n], r) for n, r in all_tasks if (n, r) not in done]
    total, finished = len(all_tasks), len(all_tasks) - len(todo)
    if progress is not None:
        progress(finished, total)
    try:
        for result in run_tasks(todo, batch.seed, workers, scheduler, dask_workers):
            store_task(out, result)
            finished += 1
            if progress is not None:
                progress(finished, total)
    except KeyboardInterrupt:
        write_manifest(out, {"status": "interrupted", **manifest_base(), **info})
        return BatchOutcome(out, total, total - len(stored_tasks(out)), {}, interrupted=True)
    results: dict[str, list[ReplicationResult]] = {
        name: [load_task(task_path(out, name, r)) for r in range(batch.replications)]
        for name in batch.scenarios}
    judged = write_batch(out, batch.scenarios, batch.comparator, results)
    warnings = batch_warnings(batch.scenarios, results, batch.scale, quick)
    if batch.scale != 1.0:
        mark_scaled_files(out)
        judged = {n: as_scaled(j) for n, j in judged.items()}
    write_manifest(out, {"status": "complete", **manifest_base(), **info,
                         "finished": now_iso(),
                         "wall_seconds": round(time.perf_counter() - t0, 3),
                         **_warnings_field(warnings),
                         "scenarios": {n: sc.model_dump(mode="json")
                                       for n, sc in batch.scenarios.items()}})
    return BatchOutcome(out, total, 0, judged, warnings=warnings)
