"""Seek's evaluator: one replication run at one capacity, judged against the named targets,
each run once and cached (in memory and in an append-only file, so a killed seek resumes
without repeating any). Also the request checks: a lever must be a whole-number capacity, a
target must exist, and a resumed folder must have asked the same question."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sim.core.errors import InputError
from sim.experiment.runner import Session
from sim.model.replication import calendar_of
from sim.outputs.result import ReplicationResult
from sim.outputs.targets import WINDOW, judged_on, meets
from sim.scenario import Scenario, Target, scenario_hash
from sim.scenario.scale import CAPACITY_KEYS

Factory = Callable[[int], Scenario]  # capacity value -> the scenario with the lever set to it
Progress = Callable[[int], None]  # called with the number of evaluations done so far
EVALS_FILE = "seek_evals.jsonl"


def lever_value(scenario: Scenario, key: str) -> object:
    """The scenario's value of a dotted key (e.g. ``acute.beds``)."""
    node: object = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


@dataclass(frozen=True)
class Evaluation:
    """One replication run at one capacity: the named targets' judged values and verdict."""

    capacity: int
    replication: int
    values: dict[str, float]  # target id -> value of what it is judged on
    met: bool  # every named target met


def check_request(scenario: Scenario, lever: str, target_ids: Iterable[str],
                  source: str = "(command line)") -> list[Target]:
    """Refuse a lever that is not a whole-number capacity or a target the scenario lacks
    (``source``: the scenario file, named in the one-line error)."""
    if lever not in CAPACITY_KEYS:
        raise InputError.one(source, "--lever", f"{lever}: not a capacity key (one of "
                             f"{', '.join(CAPACITY_KEYS)})")
    value = lever_value(scenario, lever)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError.one(source, "--lever", f"{lever}: not a whole-number capacity; seek "
                             "bisects integers (beds, staff, packages)")
    by_id = {t.id: t for t in scenario.targets}
    out = []
    for tid in target_ids:
        if tid not in by_id:
            raise InputError.one(source, "--target", f"{tid}: the scenario has no such target "
                                 f"(it has {', '.join(by_id) or 'none'})")
        out.append(by_id[tid])
    if not out:
        raise InputError.one(source, "--target", "at least one target id is needed")
    return out


def judged_values(scenario: Scenario, targets: list[Target], result: ReplicationResult
                  ) -> dict[str, float]:
    """Each target's value in this replication on what it is judged on (deadline month or
    window), as the verdicts of a run read it."""
    cal = calendar_of(scenario)
    out = {}
    for t in targets:
        on = judged_on(t, cal).on
        v = result.kpis.get(t.kpi, math.nan) if on == WINDOW else \
            result.monthly.get(on, {}).get(t.kpi, math.nan)
        out[t.id] = float(v)
    return out


def all_met(targets: list[Target], values: dict[str, float]) -> bool:
    """A replication meets when every named target's value is on the right side (no value,
    e.g. a service switched off, is not met)."""
    return all(math.isfinite(values[t.id]) and meets(values[t.id], t.op, t.threshold)
               for t in targets)


class Evaluator:
    """Runs (capacity, replication) pairs once each on the chosen backend, caching results in
    memory and (when a folder is given) in an append-only file for --resume."""

    def __init__(self, make: Factory, targets: list[Target], seed: int, workers: int = 1,
                 scheduler: str | None = None, dask_workers: int | None = None,
                 store: Path | None = None, progress: Progress | None = None,
                 session: Session | None = None):
        self.make, self.targets, self.seed = make, targets, seed
        self.store, self.progress = store, progress
        # one pool or Dask cluster for the whole seek, not one a round (may be shared)
        self.session = session or Session(workers, scheduler, dask_workers)
        self.cache: dict[tuple[int, int], Evaluation] = {}
        self._scenarios: dict[int, Scenario] = {}

    def load(self) -> int:
        """Read earlier evaluations from the store (resume); returns how many."""
        if self.store is None or not self.store.exists():
            return 0
        for line in self.store.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                ev = Evaluation(d["capacity"], d["replication"], d["values"], d["met"])
                self.cache[(ev.capacity, ev.replication)] = ev
        return len(self.cache)

    def scenario(self, capacity: int) -> Scenario:
        """The scenario at this capacity, its name tagged with it so that results coming
        back in any order are matched to it (the name seeds nothing)."""
        if capacity not in self._scenarios:
            sc = self.make(capacity)
            self._scenarios[capacity] = sc.model_copy(update={"name": f"{sc.name} [{capacity}]"})
        return self._scenarios[capacity]

    def run(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Evaluate the pairs not yet cached, together on the backend."""
        todo = sorted({p for p in pairs if p not in self.cache})
        if not todo:
            return
        by_name = {self.scenario(cap).name: cap for cap, _rep in todo}
        tasks = [(self.scenario(cap), rep) for cap, rep in todo]
        for result in self.session.run(tasks, self.seed):
            cap = by_name[result.scenario]
            values = judged_values(self.scenario(cap), self.targets, result)
            ev = Evaluation(cap, result.replication, values, all_met(self.targets, values))
            self.cache[(cap, result.replication)] = ev
            self._append(ev)
            if self.progress is not None:
                self.progress(len(self.cache))

    def _append(self, ev: Evaluation) -> None:
        if self.store is None:
            return
        with self.store.open("a") as f:
            f.write(json.dumps({"capacity": ev.capacity, "replication": ev.replication,
                                "values": ev.values, "met": ev.met}) + "\n")


class _GridCache(Mapping[tuple[int, int], Evaluation]):
    """An evaluator's cache seen in grid units: only capacities on the grid, each as its
    grid index (capacity / unit)."""

    def __init__(self, cache: dict[tuple[int, int], Evaluation], unit: int):
        self.cache, self.unit = cache, unit
        self._seen: dict[tuple[int, int], Evaluation] = {}

    def __getitem__(self, key: tuple[int, int]) -> Evaluation:
        if self.unit == 1:
            return self.cache[key]
        if key not in self._seen:
            e = self.cache[(key[0] * self.unit, key[1])]
            self._seen[key] = replace(e, capacity=key[0])
        return self._seen[key]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        u = self.unit
        return iter([(c // u, r) for c, r in self.cache if c % u == 0])

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Grid:
    """The evaluator on a grid of ``unit``: grid capacity k is k x unit in the model. The
    search works in grid steps, so its "one below" is one grain below."""

    def __init__(self, ev: Evaluator, unit: int = 1):
        self.ev, self.unit = ev, unit
        self.cache = _GridCache(ev.cache, unit)

    def run(self, pairs: Iterable[tuple[int, int]]) -> None:
        self.ev.run([(c * self.unit, r) for c, r in pairs])


REQUEST_FILE = "seek_request.json"


def guard_request(out: Path, base: Scenario, levers: list[str], targets: list[Target],
                  seed: int, resume: bool, resolution: int | None = None) -> None:
    """Record what the runs in ``out`` depend on (the scenario after --set, the levers, the
    targets and their thresholds, the seed); on --resume refuse a folder whose runs answered
    another question, naming what changed, instead of mixing them in silently."""
    request = {"scenario_sha256": scenario_hash(base), "levers": levers,
               "targets": {t.id: [t.kpi, t.op, t.threshold, str(t.deadline)] for t in targets},
               "seed": seed, "step": resolution}
    path = out / REQUEST_FILE
    if resume and path.exists():
        old = json.loads(path.read_text())
        changed = [k for k in request if old.get(k) != request[k]]
        if changed:
            what = {"scenario_sha256": "the scenario (file or --set)", "levers": "--lever",
                    "targets": "--target (or a threshold)", "seed": "--seed",
                    "step": "--step"}
            raise InputError.one(str(out), "--resume", "the earlier seek here asked another "
                                 f"question: {', '.join(what[k] for k in changed)} changed; "
                                 "use another --out")
    path.write_text(json.dumps(request, indent=2) + "\n")
