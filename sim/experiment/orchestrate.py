"""A run or a batch from start to finish: output folder, manifest states, results on disk.

This is what ``run`` and ``batch`` do between parsing the command line and printing: choose the
backend, decide what the output folder may hold (:func:`prepare_out`: ``--force``, ``--resume``),
write ``manifest.json`` as ``running`` with the writer's pid and host, run the replications
(each stored under ``tasks/`` as it finishes, so a run or batch killed even by ``kill -9`` can
resume), write the tables, and write the manifest as ``complete``, or as ``interrupted`` after
Ctrl-C (a writer that died is read as interrupted by :func:`sim.outputs.store.folder_state`).
Nothing here prints: progress goes to a callback and the outcome is returned for the caller to
show; bad input raises :class:`~sim.core.errors.InputError`.

Every finished run and batch is checked for soundness (:mod:`sim.outputs.soundness`): queues
that never settle, targets measured too loosely, a scaled or quick trial. The warnings join the
input warnings in the outcome and the manifest (``"warnings"``); a scaled run's verdicts read
``scaled`` in the outcome and on disk (the judged verdict kept as ``verdict_unscaled``).
``quick`` runs keep capacities whole but measure :data:`QUICK_MEASUREMENT_DAYS` days
(:func:`quick_scenario`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.core.errors import InputError, RunWarning
from sim.experiment.batch import Batch
from sim.experiment.runner import default_workers, run_tasks
from sim.outputs.quick import judge_quick
from sim.outputs.result import ReplicationResult
from sim.outputs.soundness import as_scaled, batch_warnings, mark_scaled_files, run_warnings
from sim.outputs.store import (
    FolderState,
    clear_outputs,
    flows_total,
    folder_state,
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
    writer_alive,
    writer_marks,
)
from sim.outputs.targets import TargetResult
from sim.scenario import Scenario, scenario_hash
from sim.scenario.fields import flatten

# progress(done, total): called once before the first result (done may be > 0 on a resume)
# and after each result
Progress = Callable[[int, int], None]


def default_out(name: str, quick: bool = False, scale: float = 1.0) -> Path:
    """``results/NAME-YYYYmmdd-HHMMSS`` (``-2``, ``-3``... when two runs start in the same
    second: a default folder never holds earlier results); a trial says so in its name
    (``NAME-quick-...``, ``NAME-scaled-...``) so a list of folders cannot pass it for a run."""
    trial = "".join(("-quick" if quick else "", "-scaled" if scale != 1.0 else ""))
    base = Path("results") / f"{name}{trial}-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


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


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError.one(str(out), "--out", f"cannot create the folder: {exc}") from None


# -- the output folder: new, replaced (--force) or resumed (--resume) ------------------------
Tasks = set[tuple[str, int]]  # (scenario name, replication) stored under out/tasks/


@dataclass(frozen=True)
class Plan:
    """What a run or batch is about to do, compared with what its folder already holds."""

    kind: str  # "run" or "batch"
    seed: int
    replications: int
    scale: float
    capacity_factor: float
    scenarios: dict[str, Scenario]

    def hashes(self) -> dict[str, str]:
        return {name: scenario_hash(sc) for name, sc in self.scenarios.items()}


def prepare_out(out: Path, plan: Plan, resume: bool = False, force: bool = False) -> Tasks:
    """Make ``out`` ready and return the tasks already done there (only on ``resume``).

    A folder another live process is writing is always refused (one written from another
    machine, which cannot be checked, only without ``force``). Without ``resume``, a
    folder holding a complete run needs ``force`` (which clears its outputs first), and one
    holding an interrupted run points at ``--resume``; with ``resume`` the earlier run must
    be this one (:func:`check_resume`)."""
    state = folder_state(out)
    if state.status == "running" and writer_alive(state.manifest):
        raise InputError.one(str(out), "--out", f"{state.what} is still writing to this "
                             f"folder ({state.writer}): wait for it, or choose another folder")
    if state.status == "running" and not force:  # on another machine: cannot be checked
        raise InputError.one(str(out), "--out", f"{state.what} is running on another machine "
                             f"({state.writer}) and cannot be checked from here: add --force "
                             "if you know it has stopped, or choose another folder")
    if state.status == "running":
        state = FolderState(out, "interrupted", state.manifest)
    if resume:
        return check_resume(out, plan, state)
    if state.status == "new" and not stored_tasks(out):
        _make_folder(out)
        return set()
    if not force:
        raise InputError.one(str(out), "--out", _occupied(state))
    clear_outputs(out)
    _make_folder(out)
    return set()


def _occupied(state: FolderState) -> str:
    """Why a new run may not write into this folder, and what to do instead."""
    if state.status == "complete":
        return (f"holds the complete results of {state.what}: add --force to replace them, "
                "or choose another folder")
    if state.status == "new":  # replications on disk but no manifest
        return ("holds replications of an earlier run: add --resume to finish it, --force to "
                "start again, or choose another folder")
    return (f"holds {state.what} that was interrupted: add --resume to finish it, --force to "
            "start again, or choose another folder")


def check_resume(out: Path, plan: Plan, state: FolderState | None = None) -> Tasks:
    """Resume only the same work: same kind, sizes, seed, replications and scenarios. A
    refusal is one line saying the first input that changed. Returns the tasks stored."""
    state = state or folder_state(out)
    path = out / "manifest.json"
    if state.status == "new":
        raise InputError.one(str(path), "--resume", f"no {plan.kind} to resume in this folder")
    reason = resume_refusal(state.manifest, plan)
    if reason:
        raise InputError.one(str(path), "--resume", f"refused: {reason}")
    return {t for t in stored_tasks(out)
            if t[0] in plan.scenarios and t[1] < plan.replications}


def resume_refusal(old: dict[str, Any], plan: Plan) -> str | None:
    """The first difference between an earlier manifest and this plan, in words, or None.

    Sizes come first (a changed ``--scale`` changes every scenario, and saying so beats ten
    hashes), then the seed and the replications, then which scenarios changed and how."""
    kind = old.get("kind", "run")
    if kind != plan.kind:
        return f"this folder holds a {kind}, not a {plan.kind}"
    for key, option in (("scale", "--scale"), ("capacity_factor", "--capacity-factor")):
        was, now = float(old.get(key, 1.0)), getattr(plan, key)
        if was != now:
            return f"the scenarios changed ({option} was {was:g}, now {now:g})"
    for key, words in (("seed", "the seed"), ("replications", "the number of replications")):
        if old.get(key) != getattr(plan, key):
            return f"{words} changed (was {old.get(key)}, now {getattr(plan, key)})"
    return _scenarios_changed(old, plan)


def _old_scenarios(old: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """(name -> sha256, name -> resolved scenario) from a run's or a batch's manifest."""
    if old.get("kind", "run") == "batch":
        return dict(old.get("scenario_sha256") or {}), dict(old.get("scenarios") or {})
    name = str(old.get("scenario_name", ""))
    dump = old.get("scenario")
    return {name: str(old.get("scenario_sha256", ""))}, ({name: dump} if dump else {})


def _scenarios_changed(old: dict[str, Any], plan: Plan) -> str | None:
    old_hashes, old_dumps = _old_scenarios(old)
    hashes = plan.hashes()
    added = [n for n in hashes if n not in old_hashes]
    removed = [n for n in old_hashes if n not in hashes]
    if added or removed:
        parts = ([f"added {', '.join(added)}"] if added else []) + (
            [f"removed {', '.join(removed)}"] if removed else [])
        return f"the scenarios are not the same ones ({'; '.join(parts)})"
    changed = {n: _what_changed(old_dumps.get(n), plan.scenarios[n])
               for n, h in hashes.items() if old_hashes[n] != h}
    if not changed:
        return None
    diffs = set(changed.values())
    if len(changed) == len(hashes) > 1 and len(diffs) == 1:
        return f"every scenario changed ({diffs.pop()})"
    name, diff = next(iter(changed.items()))
    more = f"; {len(changed) - 1} more scenarios changed" if len(changed) > 1 else ""
    return f"scenario {name} has changed ({diff}){more}"


SHOWN_DIFFS = 3


def _what_changed(old_dump: Any, scenario: Scenario) -> str:
    """"acute.beds was 2200, now 2000" for the first few keys that differ."""
    if not isinstance(old_dump, dict):
        return "its inputs differ from the earlier run's"
    was = dict(flatten(_by_id(old_dump)))
    now = dict(flatten(_by_id(scenario.model_dump(mode="json"))))
    keys = [k for k in dict.fromkeys([*now, *was]) if was.get(k) != now.get(k)]
    if not keys:
        return "its inputs differ from the earlier run's"
    shown = [f"{k} was {_short(was.get(k))}, now {_short(now.get(k))}"
             for k in keys[:SHOWN_DIFFS]]
    rest = len(keys) - SHOWN_DIFFS
    return "; ".join(shown) + (f"; and {rest} more keys" if rest > 0 else "")


def _by_id(data: Any) -> Any:
    """Lists of tables with ids (targets) as tables keyed by id, so that a change reads
    ``targets.ed_4h.threshold was 78.0, now 0.78`` rather than as a whole list."""
    if isinstance(data, dict):
        return {k: _by_id(v) for k, v in data.items()}
    if isinstance(data, list) and data and all(
            isinstance(v, dict) and isinstance(v.get("id"), str) for v in data):
        return {v["id"]: _by_id(v) for v in data}
    return data


def _short(value: Any, width: int = 40) -> str:
    text = "absent" if value is None else json.dumps(value) if isinstance(value, str) \
        else str(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def _run_and_store(out: Path, todo: list[tuple[Scenario, int]], seed: int, workers: int,
                   scheduler: str | None, dask_workers: int | None, finished: int, total: int,
                   progress: Progress | None) -> None:
    """Run the tasks, storing each result under ``out/tasks/`` as it arrives (so a killed run
    loses at most the replications under way)."""
    if progress is not None:
        progress(finished, total)
    for result in run_tasks(todo, seed, workers, scheduler, dask_workers):
        store_task(out, result)
        finished += 1
        if progress is not None:
            progress(finished, total)


def _warnings(warnings: Sequence[RunWarning]) -> dict[str, Any]:
    return {"warnings": [w.as_dict() for w in warnings]}


# -- run: replications of one scenario ---------------------------------------------------------
@dataclass(frozen=True)
class RunOutcome:
    out: Path
    replications: int
    judged: list[TargetResult]  # empty when interrupted; "scaled" verdicts when scaled
    interrupted: bool = False
    left: int = 0  # replications still to run (0 when complete)
    warnings: list[RunWarning] = field(default_factory=list)


def run_scenario(scenario: Scenario, seed: int, replications: int, out: Path | None = None,
                 workers: int | None = None, progress: Progress | None = None,
                 scale: float = 1.0, capacity_factor: float = 1.0, resume: bool = False,
                 force: bool = False, warnings: Sequence[RunWarning] = (),
                 quick: bool = False, scheduler: str | None = None,
                 dask_workers: int | None = None) -> RunOutcome:
    """Run the replications and write the results folder (``out``, default
    :func:`default_out`). Each replication is stored under ``out/tasks/`` as it finishes, so
    a killed run can ``resume``; ``force`` replaces a complete folder (:func:`prepare_out`).
    ``scale`` and ``capacity_factor`` say how ``scenario`` was resized from its file
    (:func:`sim.scenario.scale.load_resized`) and ``warnings`` what the reader must know of
    its inputs; all are recorded in the manifest. ``quick`` measures at most
    :data:`QUICK_MEASUREMENT_DAYS` days (the caller chooses the replications). ``scheduler``
    (a Dask address) or ``dask_workers`` run the replications on Dask, as ``run_batch`` does;
    the numbers are the same on every backend."""
    full = scenario
    if quick:
        scenario = quick_scenario(scenario)
    out = out if out is not None else default_out(scenario.name, quick, scale)
    plan = Plan("run", seed, replications, scale, capacity_factor, {scenario.name: scenario})
    done = prepare_out(out, plan, resume, force)
    workers = workers or default_workers()
    started, t0 = now_iso(), time.perf_counter()
    sizes = {**_sizes(scale, capacity_factor, quick), **_warnings(warnings)}
    write_manifest(out, manifest(scenario, seed, replications, "running", started,
                                 {**sizes, **writer_marks()}))
    todo = [(scenario, r) for r in range(replications) if (scenario.name, r) not in done]
    try:
        _run_and_store(out, todo, seed, workers, scheduler, dask_workers,
                       replications - len(todo), replications, progress)
    except KeyboardInterrupt:
        write_manifest(out, manifest(scenario, seed, replications, "interrupted", started,
                                     {**sizes, **writer_marks()}))
        left = replications - len(stored_tasks(out) & {(scenario.name, r)
                                                        for r in range(replications)})
        return RunOutcome(out, replications, [], interrupted=True, left=left)
    results = [load_task(task_path(out, scenario.name, r)) for r in range(replications)]
    judged = write_run(out, scenario, results)
    if quick:  # a target judged on a period the trial did not measure is not judged
        name = scenario.name
        judged = judge_quick(out, {name: judged}, {name: full}, {name: scenario})[name]
    found = [*warnings, *run_warnings(scenario, results, scale, quick)]
    judged = _stamp_scaled(out, judged, scale)
    extra = {**sizes, **writer_marks(), "finished": now_iso(),
             "wall_seconds": round(time.perf_counter() - t0, 3), "workers": workers,
             "flows": flows_total(results), **_warnings(found)}
    write_manifest(out, manifest(scenario, seed, replications, "complete", started, extra))
    return RunOutcome(out, replications, judged, warnings=found)


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


def run_batch(batch: Batch, out: Path | None = None, workers: int | None = None,
              scheduler: str | None = None, dask_workers: int | None = None,
              resume: bool = False, progress: Progress | None = None,
              batch_file: str | Path = "", force: bool = False,
              warnings: Sequence[RunWarning] = (), quick: bool = False) -> BatchOutcome:
    """Run the replications of every scenario not yet stored in ``out`` (default
    :func:`default_out`), storing each as it finishes, then write the batch's tables.

    The folder rules are :func:`prepare_out`'s (``resume``, ``force``). ``batch_file`` and
    ``warnings`` are recorded in the manifest. ``quick`` runs :func:`quick_batch` instead.
    """
    full = batch
    if quick:
        batch = quick_batch(batch)
    out = out if out is not None else default_out(batch.name, quick, batch.scale)
    plan = Plan("batch", batch.seed, batch.replications, batch.scale, batch.capacity_factor,
                batch.scenarios)
    done = prepare_out(out, plan, resume, force)
    hashes = plan.hashes()
    workers = workers or default_workers()
    started, t0 = now_iso(), time.perf_counter()
    info = {"kind": "batch", "batch_name": batch.name, "batch_file": str(batch_file),
            "description": batch.description, "seed": batch.seed,
            "replications": batch.replications, "comparator": batch.comparator,
            **_sizes(batch.scale, batch.capacity_factor, quick),
            "scenario_sha256": hashes, "backend": backend_label(workers, scheduler, dask_workers),
            "started": started, **writer_marks(), **_warnings(warnings)}
    dumps = {"scenarios": {n: sc.model_dump(mode="json") for n, sc in batch.scenarios.items()}}
    write_manifest(out, {"status": "running", **manifest_base(), **info, **dumps})
    all_tasks = [(name, r) for name in batch.scenarios for r in range(batch.replications)]
    todo = [(batch.scenarios[n], r) for n, r in all_tasks if (n, r) not in done]
    total = len(all_tasks)
    try:
        _run_and_store(out, todo, batch.seed, workers, scheduler, dask_workers,
                       total - len(todo), total, progress)
    except KeyboardInterrupt:
        write_manifest(out, {"status": "interrupted", **manifest_base(), **info, **dumps})
        left = total - len(stored_tasks(out) & set(all_tasks))
        return BatchOutcome(out, total, left, {}, interrupted=True)
    results: dict[str, list[ReplicationResult]] = {
        name: [load_task(task_path(out, name, r)) for r in range(batch.replications)]
        for name in batch.scenarios}
    judged = write_batch(out, batch.scenarios, batch.comparator, results)
    if quick:  # a target judged on a period the trial did not measure is not judged
        judged = judge_quick(out, judged, full.scenarios, batch.scenarios)
    found = [*warnings, *batch_warnings(batch.scenarios, results, batch.scale, quick)]
    if batch.scale != 1.0:
        mark_scaled_files(out)
        judged = {n: as_scaled(j) for n, j in judged.items()}
    write_manifest(out, {"status": "complete", **manifest_base(), **info,
                         "finished": now_iso(),
                         "wall_seconds": round(time.perf_counter() - t0, 3),
                         **_warnings(found), **dumps})
    return BatchOutcome(out, total, 0, judged, warnings=found)
