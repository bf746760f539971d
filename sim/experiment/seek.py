"""Capacity seek: the least value of one capacity lever that meets the named targets with a
stated confidence (issue 12, single lever).

Why this way: each replication is one possible year. With common random numbers (the same
seed and replication index at every capacity tried) a replication has a *critical capacity*,
the least value at which it meets every named target. The answer for confidence p is an order
statistic of those critical capacities (the least c met by at least ceil(p n) of the n
replications) and its 95% interval is the distribution-free one from order statistics
(binomial), with no assumption about the shape of the distribution.

Only three order statistics matter (the answer and the interval's two ends), so a replication
is searched only as closely as they need: a pilot of two replications is searched fully; every
other replication is run once where the pilot points; the slope of each target's value with
capacity (pooled over replications) predicts every critical capacity and so the answer; all
replications are run there and one below (the answer's check, done early when the prediction
is right); then a few replications a round, those predicted nearest an order statistic not yet
known, are stepped (straight-line guesses between a replication's runs, bisection as the
safeguard) until the answer is exact and the interval's ends are known to 0.2%. Bisection
assumes a replication meets at every capacity above its critical one; at the answer and one
below every replication is run, and any run that disagrees with its bracket is counted as a
monotonicity violation; then the answer is taken from those direct runs (stepping one
capacity at a time until the least capacity met by ceil(p n) replications is found).

Evaluations are cached by (capacity, replication) and appended to a file so a killed seek
resumes without repeating any; every choice depends on earlier results only, so a resumed or
differently-parallel seek follows the same path. Nothing here prints; the CLI does.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from sim.core.errors import InputError
from sim.core.stats import mean_ci, wilson_interval
from sim.experiment.runner import Session
from sim.model.replication import calendar_of
from sim.outputs.result import ReplicationResult
from sim.outputs.targets import WINDOW, judged_on, meets
from sim.scenario import Scenario, Target, scenario_hash
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
    lows: list[int] = field(default_factory=list)  # per replication: least its critical can be
    resolution: int = 1  # capacities tried are multiples of this (the answer's grain)

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
            out.append(f"monotonicity: {self.monotone_violations} run(s) met at one capacity "
                       "and missed at a higher one; the answer is taken from direct runs of "
                       "every replication at it and one below, the interval rests on the "
                       "searched brackets: read the P(met) curve in seek.csv")
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


def answer_from(critical: list[float], p: float, lows: list[int] | None = None
                ) -> tuple[int | None, tuple[int | None, int | None]]:
    """The least capacity meeting with confidence p and its 95% interval, from the
    replications' critical capacities (inf where never met in range). Where some are only
    bracketed (``lows``: the least each can be), the interval's lower end is taken from the
    lows and its upper end from the highs, so it can only be wider than the exact one."""
    n = len(critical)
    highs = sorted(critical)
    low_xs = sorted(lows) if lows is not None else highs
    k = order_statistic_index(n, p)
    lo_rank, hi_rank = quantile_ci_ranks(n, p)

    def at(xs: list, rank: int | None) -> int | None:
        if rank is None or not math.isfinite(xs[rank - 1]):
            return None
        return int(xs[rank - 1])

    return at(highs, k), (at(low_xs, lo_rank), at(highs, hi_rank))


INTERVAL_PRECISION = 0.002  # the interval's ends are sought to 0.2% of the capacity (>= 1)


def interval_tolerance(capacity: int) -> int:
    """How loosely the 95% interval's ends may be bracketed (reported at the outer side)."""
    return max(1, round(INTERVAL_PRECISION * capacity))


RESOLUTION_SHARE = 0.0025  # default grain: about 0.25% of the lever's value, a round number


def default_resolution(value: int) -> int:
    """The grain a seek searches on unless told (``--step``): the round number (1, 2, 5,
    10, 20, 50, ...) nearest below 0.25% of the value, 1 under 800. Why: a replication's
    critical capacity is only defined to a few units of a large capacity (one more bed moves
    occupancy by less than its year-to-year jitter), so searching bed by bed spends runs on
    noise; the grain is stated with the answer."""
    target = RESOLUTION_SHARE * value
    grain = 1
    for base in (1, 2, 5):
        for power in range(0, 7):
            g = base * 10 ** power
            if grain < g <= target:
                grain = g
    return grain


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


def crossing(targets: list[Target], fail: Evaluation, meet: Evaluation) -> int | None:
    """Where the straight line through the two runs' values crosses the threshold of each
    target missed at ``fail``; the greatest such capacity (all must be met), rounded up.
    None when a value is missing or the line does not cross."""
    guesses = []
    for t in targets:
        s_fail = slack(t, fail.values[t.id])
        s_meet = slack(t, meet.values[t.id])
        if not (math.isfinite(s_fail) and math.isfinite(s_meet)):
            return None
        if s_fail < 0:
            if s_meet <= s_fail:
                return None
            guesses.append(fail.capacity + (meet.capacity - fail.capacity)
                           * (-s_fail) / (s_meet - s_fail))
    return math.ceil(max(guesses) - 1e-9) if guesses else None


Slopes = dict[str, float]  # target id -> how fast its slack grows a unit of capacity


def predicted_critical(targets: list[Target], e: Evaluation, slopes: Slopes) -> float | None:
    """Where one run says the replication's critical capacity lies, if every target's slack
    changes at the pooled rate (:func:`pooled_slopes`): the greatest capacity at which a target
    reaches its threshold. None without a usable rate or value."""
    xs = []
    for t in targets:
        s, v = slopes.get(t.id, math.nan), e.values[t.id]
        if not (s > 0 and math.isfinite(v)):
            return None
        xs.append(e.capacity - slack(t, v) / s)
    return max(xs) if xs else None


SLOPE_WINDOW = 0.10  # runs within 10% of a replication's latest bracket end set its slope


def pooled_slopes(targets: list[Target], cache: Mapping[tuple[int, int], Evaluation]
                  ) -> Slopes:
    """Each target's rate of change of slack per unit capacity near where the replications
    cross: the median over replications of the least-squares line through each one's runs
    within SLOPE_WINDOW of its least met capacity (or greatest missed one). Common random
    numbers make those differences mostly the capacity's effect."""
    runs: dict[int, list[Evaluation]] = {}
    for (_c, r), e in cache.items():
        runs.setdefault(r, []).append(e)
    out: Slopes = {}
    for t in targets:
        rates = []
        for evs in runs.values():
            met = [e.capacity for e in evs if e.met]
            centre = min(met) if met else max(e.capacity for e in evs)
            near = [e for e in evs if abs(e.capacity - centre) <= SLOPE_WINDOW * centre
                    and math.isfinite(e.values[t.id])]
            if len({e.capacity for e in near}) < 2:
                continue
            x = np.array([e.capacity for e in near], dtype=float)
            y = np.array([slack(t, e.values[t.id]) for e in near])
            rates.append(float(np.polyfit(x, y, 1)[0]))
        out[t.id] = float(np.median(rates)) if rates else math.nan
    return out


@dataclass
class _Bracket:
    """One replication's search: the greatest capacity it failed at and the least it met at
    (with those runs' values), and where and how far to step until both are known."""

    start: int
    step: int
    fail: Evaluation | None = None
    meet: Evaluation | None = None
    expansions: int = 0
    ref_width: float = math.inf  # the width the bracket must halve from
    stalls: int = 0  # probes since the bracket last halved

    def next_probe(self, floor: int, cap: int, targets: list[Target],
                   slopes: Slopes | None = None) -> int | None:
        """The next capacity to try, or None when the critical capacity is known.

        One side known: the capacity the pooled slopes predict (just at the critical capacity
        from a miss, just below it from a meet), else steps doubling from ``step``. Both
        known: the straight-line guess between them (regula falsi), or one below it when that
        is the met end, so a good guess is confirmed in two runs; bisection once two guesses
        in a row have not halved the bracket, so the worst case stays logarithmic."""
        if self.fail is None and self.meet is None:
            return min(cap, max(floor, self.start))
        reach = self.step * 2 ** self.expansions
        if self.meet is None:
            if self.fail.capacity >= cap:
                return None
            guess = self._predicted(targets, self.fail, slopes)
            p = self.fail.capacity + reach if guess is None else max(self.fail.capacity + 1,
                                                                       math.ceil(guess))
            return min(cap, p)
        if self.fail is None:
            if self.meet.capacity <= floor:
                return None
            guess = self._predicted(targets, self.meet, slopes)
            p = self.meet.capacity - reach if guess is None else min(self.meet.capacity - 1,
                                                                       math.ceil(guess) - 1)
            return max(floor, p)
        lo, hi = self.fail.capacity, self.meet.capacity
        if hi - lo <= 1:
            return None
        guess = crossing(targets, self.fail, self.meet) if self.stalls < 2 else None
        if guess is None:
            self.stalls = 0
            return (lo + hi) // 2
        return min(hi - 1, max(lo + 1, guess))

    def _predicted(self, targets: list[Target], e: Evaluation, slopes: Slopes | None
                   ) -> float | None:
        """The slope prediction, trusted for the first two steps away from one side only."""
        if slopes is None or self.expansions >= 2:
            return None
        return predicted_critical(targets, e, slopes)

    def critical(self) -> float:
        """Least capacity met (the floor when met there); inf when not met at the cap. Exact
        once ``low() == critical()``; otherwise an upper bound."""
        return math.inf if self.meet is None else float(self.meet.capacity)

    def low(self, floor: int) -> int:
        """The least the critical capacity can be: one above the greatest failed capacity."""
        return floor if self.fail is None else self.fail.capacity + 1

    def record(self, ev: Evaluation) -> None:
        one_sided = self.fail is None or self.meet is None
        if ev.met and (self.meet is None or ev.capacity < self.meet.capacity):
            self.meet = ev
        elif not ev.met and (self.fail is None or ev.capacity > self.fail.capacity):
            self.fail = ev
        if self.fail is None or self.meet is None:
            if one_sided:
                self.expansions += 1
            return
        width = self.meet.capacity - self.fail.capacity
        if 2 * width <= self.ref_width:
            self.ref_width, self.stalls = width, 0
        else:
            self.stalls += 1


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


PILOT = 2  # replications searched first; the rest start from what they found


def expected_evaluations(replications: int, floor: int, cap: int, start: int,
                         resolution: int = 1) -> int:
    """A rough count for the time estimate: the pilot's full searches (on the grid of
    ``resolution``), one run for each other replication, every replication at the predicted
    answer and one below, and a few stepped near the order statistics (about half as many
    again as replications)."""
    pilot = min(PILOT, replications)
    width = max(2, min(start, cap - floor) // max(1, resolution))
    return pilot * (3 + math.ceil(math.log2(width))) + (replications - pilot) + \
        2 * replications + math.ceil(replications / 2)


def seek(make: Factory, base: Scenario, lever: str, targets: list[Target], replications: int,
         seed: int, confidence: float = 0.8, search: tuple[int, int] | None = None,
         evaluator: Evaluator | None = None, resolution: int | None = None) -> SeekResult:
    """The least ``lever`` value meeting every target in at least ``confidence`` of the
    replications (module docstring), its 95% interval and the monotonicity violations.

    A pilot of a few replications searches from the scenario's value (or the range's middle);
    the others start at the pilot's answer with a step of the pilot's spread, so most need
    only a few runs. Every step is a function of earlier results only, so a resumed seek
    replays the same path from its cache and runs only what is missing.

    The search runs on a grid of ``resolution`` (default :func:`default_resolution` of the
    search's start): every capacity tried, the answer and the interval are multiples of it."""
    if not 0 < confidence < 1:
        raise InputError.one("(command line)", "--confidence",
                             f"{confidence}: must lie strictly between 0 and 1")
    if replications < 1:
        raise InputError.one("(command line)", "--replications",
                             f"{replications}: must be at least 1")
    floor, cap, start, step = bounds(base, lever, search)
    unit = resolution or default_resolution(start)
    if unit < 1:
        raise InputError.one("(command line)", "--step", f"{unit}: must be at least 1")
    ev = Grid(evaluator or Evaluator(make, targets, seed), unit)
    floor, cap = -(-floor // unit), cap // unit
    if floor > cap:
        raise InputError.one("(command line)", "--step", f"{unit}: no multiple of it lies in "
                             f"the search range {floor * unit}..{cap * unit}")
    start, step = min(cap, max(floor, round(start / unit))), max(1, step // unit)
    pilot = min(PILOT, replications)
    brackets = {r: _Bracket(start, step) for r in range(pilot)}
    _search(brackets, ev, floor, cap, targets)
    found = sorted(b.critical() for b in brackets.values())
    finite = [x for x in found if math.isfinite(x)]
    if finite:
        start = int(answer_from(found, confidence)[0] or max(finite))
        step = max(1, int(max(finite) - min(finite)))
    rest = {r: _Bracket(start, step) for r in range(pilot, replications)}
    brackets.update(rest)
    k = order_statistic_index(replications, confidence)
    _run_round(brackets, ev, [(start, r) for r in rest])
    guess = _predicted_answer(brackets, ev, targets, k, floor)
    if guess is not None and floor < guess <= cap:
        # the answer's likely place, and the check's: everyone there and one below
        _run_round(brackets, ev, [(c, r) for c in (guess, guess - 1) for r in brackets])
    tol = interval_tolerance(start)
    ranks = ((k, 0), *((j, tol) for j in quantile_ci_ranks(replications, confidence) if j))
    _search(brackets, ev, floor, cap, targets, ranks)
    critical = [brackets[r].critical() for r in range(replications)]
    lows = [brackets[r].low(floor) for r in range(replications)]
    answer, interval = answer_from(critical, confidence, lows)
    violations = 0
    if answer is not None:
        checks = [c for c in (answer - 1, answer) if floor <= c <= cap]
        ev.run([(c, r) for c in checks for r in range(replications)])
        violations = sum(_contradicts(brackets[r], ev.cache[(c, r)], floor)
                         for c in checks for r in range(replications))
        if violations:
            answer = direct_answer(ev, answer, k, replications, floor, cap)
            if answer is not None:  # keep the interval around the direct answer
                interval = (None if interval[0] is None else min(interval[0], answer),
                            None if interval[1] is None else max(interval[1], answer))
    def real(x: int | None) -> int | None:
        return None if x is None else x * unit

    return SeekResult(lever, [t.id for t in targets], confidence, replications, real(answer),
                      (real(interval[0]), real(interval[1])), [x * unit for x in critical],
                      floor * unit, cap * unit, violations, dict(ev.ev.cache),
                      [x * unit for x in lows], unit)


def _run_round(brackets: dict[int, _Bracket], ev: Grid,
               pairs: list[tuple[int, int]]) -> None:
    """Run the pairs together and tell each replication's bracket."""
    ev.run(pairs)
    for c, r in pairs:
        brackets[r].record(ev.cache[(c, r)])


def _predicted_answer(brackets: dict[int, _Bracket], ev: Grid, targets: list[Target],
                      k: int, floor: int) -> int | None:
    """The k-th least critical capacity, taking each replication's as known where its
    bracket is closed and as predicted from its nearest run and the pooled slopes otherwise
    (None when a prediction is missing)."""
    slopes = pooled_slopes(targets, ev.cache)
    xs = []
    for b in brackets.values():
        if b.critical() == b.low(floor):
            xs.append(b.critical())
            continue
        e = b.fail if b.meet is None else b.meet
        x = None if e is None else predicted_critical(targets, e, slopes)
        if x is None:
            return None
        xs.append(math.ceil(x - 1e-9))
    xs.sort()
    return int(xs[k - 1]) if math.isfinite(xs[k - 1]) else None


def _contradicts(b: _Bracket, e: Evaluation, floor: int) -> bool:
    """A run on the wrong side of what the replication's bracket says (met below its low end
    or missed at or above its critical capacity); inside the bracket nothing was claimed."""
    return (e.met and e.capacity < b.low(floor)) or (not e.met and e.capacity >= b.critical())


MAX_DIRECT_STEPS = 8


def direct_answer(ev: Grid, answer: int, k: int, replications: int, floor: int,
                  cap: int) -> int | None:
    """Where bisection's assumption failed: the answer from direct runs of every replication
    (no inference), stepping one capacity at a time from the bisection's answer until the
    least capacity met by at least k replications, with the one below met by fewer, is found
    (at most MAX_DIRECT_STEPS steps; None when it is not found in them)."""
    def count(c: int) -> int:
        ev.run([(c, r) for r in range(replications)])
        return sum(ev.cache[(c, r)].met for r in range(replications))

    c = answer
    for _ in range(MAX_DIRECT_STEPS):
        if count(c) < k:
            if c >= cap:
                return None
            c += 1
        elif c > floor and count(c - 1) >= k:
            c -= 1
        else:
            return c
    return None


def _search(brackets: dict[int, _Bracket], ev: Grid, floor: int, cap: int,
            targets: list[Target], ranks: tuple[tuple[int, int], ...] = ()) -> None:
    """Step every replication's search in rounds (one run each a round, run together on the
    backend). Without ``ranks``, until each knows its critical capacity; with them ((1-based
    order statistic of all ``brackets``, tolerance) pairs), only replications that can still
    change an order statistic not yet known within its tolerance are stepped, and their
    probes are kept inside the range where it can lie (:func:`rank_ranges`)."""
    while True:
        probes: dict[int, int | None] = {}
        ranges = None
        if ranks:
            now = rank_ranges(brackets, floor, [j for j, _t in ranks])
            ranks = tuple((j, tol) for (a, z), (j, tol) in zip(now, ranks, strict=True)
                          if z - a > tol)
            if not ranks:
                return
            ranges = rank_ranges(brackets, floor, [j for j, _t in ranks])
        slopes = pooled_slopes(targets, {k: e for k, e in ev.cache.items() if k[1] in brackets})
        chosen = None if ranges is None else \
            _nearest(brackets, floor, targets, slopes, ranges, [j for j, _t in ranks])
        for r, b in brackets.items():
            if chosen is not None and r not in chosen:
                continue
            probe = b.next_probe(floor, cap, targets, slopes)
            if probe is not None and ranges is not None:
                probe = _focus(probe, b, floor, ranges)
            probes[r] = probe
        pairs = [(c, r) for r, c in probes.items() if c is not None]
        if not pairs:
            return
        ev.run(pairs)
        for c, r in pairs:
            brackets[r].record(ev.cache[(c, r)])


FOCUS_PER_ROUND = 4  # replications stepped a round for each order statistic still open


def _nearest(brackets: dict[int, _Bracket], floor: int, targets: list[Target], slopes: Slopes,
             ranges: list[tuple[int, float]], ranks: list[int]) -> set[int]:
    """For each open order statistic, the FOCUS_PER_ROUND replications whose bracket overlaps
    its range and whose critical capacity is predicted nearest to it: a few well-chosen runs
    a round settle it with fewer runs than stepping every candidate."""
    estimate = {r: _estimate(b, floor, targets, slopes) for r, b in brackets.items()}
    ordered = sorted(estimate.values())
    chosen: set[int] = set()
    for (a, z), j in zip(ranges, ranks, strict=True):
        centre = ordered[j - 1]
        open_ = [r for r, b in brackets.items() if b.low(floor) < b.critical()
                 and b.low(floor) <= z and a <= b.critical()]
        open_.sort(key=lambda r: (abs(estimate[r] - centre), r))
        chosen.update(open_[:FOCUS_PER_ROUND])
    return chosen


def _estimate(b: _Bracket, floor: int, targets: list[Target], slopes: Slopes) -> float:
    """A replication's critical capacity: known, predicted from its nearest run and the
    slopes (kept inside its bracket), or its bracket's middle."""
    lo, hi = b.low(floor), b.critical()
    if lo == hi:
        return hi
    x = None
    for e in (b.meet, b.fail):
        if e is not None and x is None:
            x = predicted_critical(targets, e, slopes)
    if x is None:
        return (lo + hi) / 2 if math.isfinite(hi) else float(lo)
    return min(max(x, lo), hi)


def rank_ranges(brackets: dict[int, _Bracket], floor: int, ranks: Iterable[int]
                ) -> list[tuple[int, float]]:
    """Where each order statistic can lie, given every replication's bracket [low, high]:
    between the j-th smallest low and the j-th smallest high (inf: not yet met anywhere)."""
    lows = sorted(b.low(floor) for b in brackets.values())
    highs = sorted(b.critical() for b in brackets.values())
    return [(lows[j - 1], highs[j - 1]) for j in ranks]


def _focus(probe: int, b: _Bracket, floor: int, ranges: list[tuple[int, float]]
           ) -> int | None:
    """The probe moved inside the order statistics' ranges that this replication's bracket
    overlaps; None when it overlaps none (its exact value cannot change the answer or the
    interval)."""
    lo, hi = b.low(floor), b.critical()
    hit = [(a, z) for a, z in ranges if lo <= z and a <= hi and a < z]
    if not hit:
        return None
    a = min(x for x, _z in hit)
    z = max(y for _x, y in hit)
    if math.isfinite(z):
        probe = min(probe, int(z))
    probe = max(probe, a - 1)  # one below the range: a miss there puts it inside, a meet out
    if math.isfinite(hi):
        probe = min(probe, int(hi) - 1)
    return max(probe, lo)


def implied_p_met(result: SeekResult, capacity: int) -> float:
    """The share of all replications whose critical capacity is at or below ``capacity``;
    NaN where a replication's bracket straddles it (not sought that closely)."""
    lows = result.lows or [int(x) if math.isfinite(x) else result.cap + 1
                           for x in result.critical]
    if any(lo <= capacity < hi for lo, hi in zip(lows, result.critical, strict=True)):
        return math.nan
    return sum(x <= capacity for x in result.critical) / result.replications


def critical_entries(result: SeekResult) -> list[object]:
    """Each replication's critical capacity for seek.json: a number where it was sought
    exactly, [low, high] where only bracketed (high null: not met within the range)."""
    out: list[object] = []
    for i, x in enumerate(result.critical):
        lo = result.lows[i] if result.lows else x
        hi = int(x) if math.isfinite(x) else None
        out.append(hi if hi is not None and lo == hi else [lo, hi])
    return out


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
        implied = implied_p_met(result, c)
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
    crit = critical_entries(result)
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
        "resolution": result.resolution,
        "critical_capacities": crit,
        "evaluations": len(result.evaluations),
        "method": ("common random numbers; each replication's critical capacity (least value "
                   "meeting every named target) bracketed by runs, sought exactly only where it "
                   "can change the answer (order statistic ceil(confidence x n)) and to "
                   f"{INTERVAL_PRECISION:.1%} where it can change the interval's ends; interval "
                   "= distribution-free 95% order-statistic interval, taken at its outer side "
                   "where bracketed; every replication run at the answer and one below "
                   "(monotonicity check; with violations the answer comes from those direct "
                   f"runs); capacities tried on a grid of {result.resolution} (the answer's "
                   "grain, --step); null = not met within the search range or unbounded "
                   "with this many replications"),
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
