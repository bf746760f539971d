"""Seek's search: which capacities each replication is run at, so that the three order
statistics that matter (the answer and its interval's two ends) are found with few runs (the
method is in :mod:`sim.experiment.seek`'s docstring). Every choice depends on earlier results
only, so a resumed or differently-parallel seek follows the same path."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from sim.core.errors import InputError
from sim.experiment.seek.evaluator import Evaluation, Evaluator, Factory, Grid, lever_value
from sim.experiment.seek.statistics import (
    SeekResult,
    Slopes,
    answer_from,
    crossing,
    interval_tolerance,
    order_statistic_index,
    pooled_slopes,
    predicted_critical,
    quantile_ci_ranks,
)
from sim.scenario import Scenario, Target

MAX_DOUBLINGS = 6  # without --range, search at most 64x (and down to 1) the scenario's value


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
                      [x * unit for x in lows], unit,
                      {t.id: (t.op, t.threshold) for t in targets})


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

