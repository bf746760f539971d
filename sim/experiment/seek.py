"""Capacity seek: the least value of one capacity lever that meets the named targets with a
stated confidence (issue 12, single lever).

Why this way: each replication is one possible year. With common random numbers (the same
seed and replication index at every capacity tried) a replication has a *critical capacity*,
the least value at which it meets every named target; integer bisection finds it in a few
runs. The answer for confidence p is then an order statistic of those critical capacities (the
least c met by at least ceil(p n) of the n replications) and its 95% interval is the
distribution-free one from order statistics (binomial), with no assumption about the shape of
the distribution. Bisection assumes a replication meets at every capacity above its critical
one; at the answer c* and at c*-1 every replication is run and any that disagrees with its
critical capacity is counted as a monotonicity violation (reported, not hidden).

Evaluations are cached by (capacity, replication) and appended to a file so a killed seek
resumes without repeating any. Nothing here prints; the CLI does.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.errors import InputError
from sim.core.stats import mean_ci, wilson_interval
from sim.experiment.runner import run_tasks
from sim.model.replication import calendar_of
from sim.outputs.result import ReplicationResult
from sim.outputs.targets import WINDOW, judged_on, meets
from sim.scenario import Scenario, Target
from sim.scenario.scale import CAPACITY_KEYS

Factory = Callable[[int], Scenario]  # capacity value -> the scenario with the lever set to it
Progress = Callable[[int], None]  # called with the number of evaluations done so far
EVALS_FILE = "seek_evals.jsonl"
MAX_DOUBLINGS = 6  # without --range, search at most 64x (and down to 1) the scenario's value


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


@dataclass
class SeekResult:
    lever: str
    targets: list[str]
    confidence: float
    replications: int
    answer: int | None  # None: not met with this confidence within the search range
    interval: tuple[int | None, int | None]  # distribution-free 95% CI (None: unbounded)
    critical: list[float]  # per replication; inf: not met at the top of the range
    floor: int
    cap: int
    monotone_violations: int
    evaluations: dict[tuple[int, int], Evaluation] = field(repr=False)

    @property
    def warnings(self) -> list[str]:
        """What the answer cannot claim: an unbounded interval (too few replications) or
        monotonicity violations (bisection's assumption failed somewhere)."""
        out = []
        lo, hi = self.interval
        if self.answer is not None and (lo is None or hi is None):
            need = replications_to_bound(self.confidence)
            out.append(f"underpowered: {self.replications} replications cannot bound the "
                       f"answer at 95% on both sides; {need} can")
        if self.monotone_violations:
            out.append(f"{self.monotone_violations} replication(s) met at one capacity and "
                       "missed at a higher one: read the P(met) curve in seek.csv")
        return out

    @property
    def p_met_at_answer(self) -> float:
        """The share of replications observed meeting at the answer (all were run there)."""
        if self.answer is None:
            return math.nan
        runs = [e for (c, _r), e in self.evaluations.items() if c == self.answer]
        return sum(e.met for e in runs) / len(runs) if runs else math.nan


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


def order_statistic_index(n: int, p: float) -> int:
    """1-based rank of the p-quantile's order statistic: at least ceil(p n) replications at or
    below it. A small tolerance keeps 0.7 x 10 at 7 despite floating point."""
    return min(n, max(1, math.ceil(p * n - 1e-9)))


def _binom_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(0, k + 1)) if k >= 0 \
        else 0.0


def quantile_ci_ranks(n: int, p: float, level: float = 0.95) -> tuple[int | None, int | None]:
    """1-based ranks (l, u) with P(X_(l) <= q_p <= X_(u)) >= level, distribution-free:
    the number of replications below q_p is Binomial(n, p). None: no such rank (too few
    replications for that side; the interval is unbounded there)."""
    tail = (1 - level) / 2
    lower = [j for j in range(1, n + 1) if _binom_cdf(j - 1, n, p) <= tail]
    upper = [j for j in range(1, n + 1) if 1 - _binom_cdf(j - 1, n, p) <= tail]
    return (max(lower) if lower else None, min(upper) if upper else None)


def replications_to_bound(p: float, level: float = 0.95) -> int:
    """The fewest replications whose order statistics bound the p-quantile on both sides."""
    n = 1
    while None in quantile_ci_ranks(n, p, level):
        n += 1
    return n


def answer_from(critical: list[float], p: float) -> tuple[int | None, tuple[int | None,
                                                                            int | None]]:
    """The least capacity meeting with confidence p and its 95% interval, from the
    replications' critical capacities (inf where never met in range)."""
    xs = sorted(critical)
    n = len(xs)
    k = order_statistic_index(n, p)
    lo_rank, hi_rank = quantile_ci_ranks(n, p)

    def at(rank: int | None) -> int | None:
        if rank is None or not math.isfinite(xs[rank - 1]):
            return None
        return int(xs[rank - 1])

    return at(k), (at(lo_rank), at(hi_rank))


def bounds(scenario: Scenario, lever: str, search: tuple[int, int] | None
           ) -> tuple[int, int, int, int]:
    """(floor, cap, start, step): the search range, the first capacity tried and the first
    step away from it (doubling until a replication is bracketed). Without a range: the
    scenario's value, an eighth of it as the step, between 1 and 64x the value."""
    if search is not None:
        lo, hi = search
        return lo, hi, (lo + hi) // 2, max(1, (hi - lo) // 4)
    value = max(1, int(lever_value(scenario, lever)))
    return 1, value * 2 ** MAX_DOUBLINGS, value, max(1, value // 8)


def slack(target: Target, value: float) -> float:
    """How far a value is on the right side of its threshold (negative: on the wrong side)."""
    return value - target.threshold if target.op == ">=" else target.threshold - value


def crossing(targets: list[Target], fail: Evaluation, meet: Evaluation,
             weights: tuple[float, float] = (1.0, 1.0)) -> int | None:
    """Where the straight line through the two runs' values crosses the threshold of each
    target missed at ``fail``; the greatest such capacity (all must be met), rounded up.
    ``weights`` scale the two runs' slacks (the Illinois rule: an end kept twice in a row
    counts half, so the guesses stop creeping up on one side). None when a value is missing
    or the line does not cross."""
    guesses = []
    for t in targets:
        s_fail = slack(t, fail.values[t.id]) * weights[0]
        s_meet = slack(t, meet.values[t.id]) * weights[1]
        if not (math.isfinite(s_fail) and math.isfinite(s_meet)):
            return None
        if s_fail < 0:
            if s_meet <= s_fail:
                return None
            guesses.append(fail.capacity + (meet.capacity - fail.capacity)
                           * (-s_fail) / (s_meet - s_fail))
    return math.ceil(max(guesses) - 1e-9) if guesses else None


@dataclass
class _Bracket:
    """One replication's search: the greatest capacity it failed at and the least it met at
    (with those runs' values), and where and how far to step until both are known."""

    start: int
    step: int
    fail: Evaluation | None = None
    meet: Evaluation | None = None
    expansions: int = 0
    prev_width: int | None = None
    weights: tuple[float, float] = (1.0, 1.0)  # Illinois weights of the fail and meet ends
    last_moved: str = ""  # "fail" or "meet": which end the last run replaced

    def next_probe(self, floor: int, cap: int, targets: list[Target]) -> int | None:
        """The next capacity to try, or None when the critical capacity is known. Inside a
        bracket: the straight-line guess (regula falsi) while it at least halves the bracket,
        otherwise bisection, so the worst case stays logarithmic."""
        if self.fail is None and self.meet is None:
            return min(cap, max(floor, self.start))
        reach = self.step * 2 ** self.expansions
        if self.meet is None:
            return None if self.fail.capacity >= cap else min(cap, self.fail.capacity + reach)
        if self.fail is None:
            return None if self.meet.capacity <= floor else \
                max(floor, self.meet.capacity - reach)
        lo, hi = self.fail.capacity, self.meet.capacity
        width = hi - lo
        if width <= 1:
            return None
        guess = None
        if self.prev_width is None or 2 * width <= self.prev_width:
            guess = crossing(targets, self.fail, self.meet, self.weights)
        self.prev_width = width
        return min(hi - 1, max(lo + 1, guess)) if guess is not None else (lo + hi) // 2

    def critical(self) -> float:
        """Least capacity met (the floor when met there); inf when not met at the cap."""
        return math.inf if self.meet is None else float(self.meet.capacity)

    def record(self, ev: Evaluation) -> None:
        one_sided = self.fail is None or self.meet is None
        moved = ""
        if ev.met and (self.meet is None or ev.capacity < self.meet.capacity):
            self.meet, moved = ev, "meet"
        elif not ev.met and (self.fail is None or ev.capacity > self.fail.capacity):
            self.fail, moved = ev, "fail"
        if one_sided and (self.fail is None or self.meet is None):
            self.expansions += 1
        elif not one_sided and moved:
            self._illinois(moved)

    def _illinois(self, moved: str) -> None:
        """The end replaced now gets weight 1; the end kept twice running is halved."""
        w_fail, w_meet = self.weights
        if moved == "meet":
            w_meet, w_fail = 1.0, (w_fail / 2 if self.last_moved == "meet" else w_fail)
        else:
            w_fail, w_meet = 1.0, (w_meet / 2 if self.last_moved == "fail" else w_meet)
        self.weights, self.last_moved = (w_fail, w_meet), moved


class Evaluator:
    """Runs (capacity, replication) pairs once each on the chosen backend, caching results in
    memory and (when a folder is given) in an append-only file for --resume."""

    def __init__(self, make: Factory, targets: list[Target], seed: int, workers: int = 1,
                 scheduler: str | None = None, dask_workers: int | None = None,
                 store: Path | None = None, progress: Progress | None = None):
        self.make, self.targets, self.seed = make, targets, seed
        self.workers, self.scheduler, self.dask_workers = workers, scheduler, dask_workers
        self.store, self.progress = store, progress
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
        for result in run_tasks(tasks, self.seed, self.workers, self.scheduler,
                                self.dask_workers):
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


PILOT = 4  # replications searched first; the rest start from what they found


def expected_evaluations(replications: int, floor: int, cap: int, start: int) -> int:
    """A rough count for the time estimate: the pilot's full searches, about three runs for
    each other replication, and the check at the answer and one below."""
    pilot = min(PILOT, replications)
    width = max(2, min(start, cap - floor))
    return pilot * (3 + math.ceil(math.log2(width))) + (replications - pilot) * 3 + \
        replications


def seek(make: Factory, base: Scenario, lever: str, targets: list[Target], replications: int,
         seed: int, confidence: float = 0.8, search: tuple[int, int] | None = None,
         evaluator: Evaluator | None = None) -> SeekResult:
    """The least ``lever`` value meeting every target in at least ``confidence`` of the
    replications (module docstring), its 95% interval and the monotonicity violations.

    A pilot of a few replications searches from the scenario's value (or the range's middle);
    the others start at the pilot's answer with a step of the pilot's spread, so most need
    only a few runs. Every step is a function of earlier results only, so a resumed seek
    replays the same path from its cache and runs only what is missing."""
    if not 0 < confidence < 1:
        raise InputError.one("(command line)", "--confidence",
                             f"{confidence}: must lie strictly between 0 and 1")
    if replications < 1:
        raise InputError.one("(command line)", "--replications",
                             f"{replications}: must be at least 1")
    ev = evaluator or Evaluator(make, targets, seed)
    floor, cap, start, step = bounds(base, lever, search)
    pilot = min(PILOT, replications)
    brackets = {r: _Bracket(start, step) for r in range(pilot)}
    _search(brackets, ev, floor, cap, targets)
    found = sorted(b.critical() for b in brackets.values())
    finite = [x for x in found if math.isfinite(x)]
    if finite:
        start = int(answer_from(found, confidence)[0] or max(finite))
        step = max(1, int(max(finite) - min(finite)))
    rest = {r: _Bracket(start, step) for r in range(pilot, replications)}
    _search(rest, ev, floor, cap, targets)
    brackets.update(rest)
    critical = [brackets[r].critical() for r in range(replications)]
    answer, interval = answer_from(critical, confidence)
    violations = 0
    if answer is not None:
        checks = [c for c in (answer - 1, answer) if floor <= c <= cap]
        ev.run([(c, r) for c in checks for r in range(replications)])
        violations = sum(ev.cache[(c, r)].met != (c >= critical[r])
                         for c in checks for r in range(replications))
    return SeekResult(lever, [t.id for t in targets], confidence, replications, answer,
                      interval, critical, floor, cap, violations, dict(ev.cache))


def _search(brackets: dict[int, _Bracket], ev: Evaluator, floor: int, cap: int,
            targets: list[Target]) -> None:
    """Step every replication's search in rounds (one run each a round, run together on the
    backend) until each knows its critical capacity."""
    while True:
        probes = {r: b.next_probe(floor, cap, targets) for r, b in brackets.items()}
        pairs = [(c, r) for r, c in probes.items() if c is not None]
        if not pairs:
            return
        ev.run(pairs)
        for c, r in pairs:
            brackets[r].record(ev.cache[(c, r)])


def curve_rows(result: SeekResult) -> list[dict[str, object]]:
    """One row per capacity tried: replications run there, P(met) among them with its Wilson
    95% interval, P(met) implied by the critical capacities (all replications, assuming
    monotonicity), and each target's mean and 95% CI among the replications run there (a
    bisection's subset, except at the answer and one below, where all were run)."""
    caps = sorted({c for c, _r in result.evaluations})
    rows = []
    for c in caps:
        runs = [e for (cc, _r), e in result.evaluations.items() if cc == c]
        n_met = sum(e.met for e in runs)
        lo, hi = wilson_interval(n_met, len(runs))
        implied = sum(x <= c for x in result.critical) / result.replications
        row: dict[str, object] = {"capacity": c, "replications_run": len(runs), "n_met": n_met,
                                  "p_met": n_met / len(runs), "p_met_low": lo, "p_met_high": hi,
                                  "p_met_implied": implied}
        for tid in result.targets:
            mean, _sd, clo, chi, _n = mean_ci(np.array([e.values[tid] for e in runs]))
            row.update({f"{tid}_mean": mean, f"{tid}_ci_low": clo, f"{tid}_ci_high": chi})
        rows.append(row)
    return rows


def summary(result: SeekResult, scenario_name: str, seed: int) -> dict[str, object]:
    """What seek.json holds: the answer, its confidence and interval, and what it rests on."""
    crit = [None if not math.isfinite(x) else int(x) for x in result.critical]
    return {
        "scenario": scenario_name, "lever": result.lever, "targets": result.targets,
        "answer": {result.lever: result.answer},
        "confidence": result.confidence,
        "interval": {result.lever: list(result.interval)},
        "interval_level": 0.95,
        "monotone_violations": result.monotone_violations,
        "warnings": result.warnings,
        "replications": result.replications, "seed": seed,
        "p_met_at_answer": result.p_met_at_answer,
        "search_range": [result.floor, result.cap],
        "critical_capacities": crit,
        "evaluations": len(result.evaluations),
        "method": ("per-replication integer bisection with common random numbers; answer = "
                   "order statistic ceil(confidence x n) of the critical capacities; interval = "
                   "distribution-free 95% order-statistic interval; null = not met within the "
                   "search range or unbounded with this many replications"),
    }


def write_outputs(result: SeekResult, out: Path, scenario_name: str, seed: int) -> None:
    """seek.json (the answer) and seek.csv (the P(met) curve over every capacity tried)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "seek.json").write_text(json.dumps(summary(result, scenario_name, seed), indent=2)
                                   + "\n")
    rows = curve_rows(result)
    with (out / "seek.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["capacity"])
        w.writeheader()
        w.writerows(rows)
