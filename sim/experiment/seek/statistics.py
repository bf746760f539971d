"""Seek's statistics: the answer as an order statistic of the replications' critical
capacities with its distribution-free 95% interval (binomial, no assumption about the shape of
the distribution), the straight-line and pooled-slope predictions the search steps by, and what
a finished seek reports (seek.json, and seek.csv's P(met) curve with Wilson intervals)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.core.stats import mean_ci, replications_for_confidence, wilson_interval
from sim.experiment.seek.evaluator import Evaluation
from sim.outputs.targets import MET, NOT_MET, UNCERTAIN, ci_side, rule_text
from sim.scenario import Target


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
    rules: dict[str, tuple[str, float]] = field(default_factory=dict)  # target -> (op, threshold)

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


def verdict_at(result: SeekResult, capacity: int | None) -> dict[str, object]:
    """The report's verdict rule at a capacity where every replication was run (the answer):
    the share seek counts (n_met of n) is not the verdict's test, which needs each target's
    mean 95% CI on the right side and the Wilson 95% lower bound of P(met) (all named targets
    met together) at least the confidence. Empty when the capacity was not run."""
    runs = [e for (c, _r), e in result.evaluations.items() if c == capacity]
    if capacity is None or not runs:
        return {}
    n, n_met = len(runs), sum(e.met for e in runs)
    p_low = wilson_interval(n_met, n)[0]
    sides = []
    for tid, (op, threshold) in result.rules.items():
        _mean, _sd, lo, hi, k = mean_ci(np.array([e.values[tid] for e in runs], dtype=float))
        sides.append(NOT_MET if k >= 2 and ci_side(op, threshold, lo, hi) == "wrong" else
                     ci_side(op, threshold, lo, hi) if k >= 2 else "unknown")
    verdict_ = (NOT_MET if NOT_MET in sides else
                MET if sides and all(s == "right" for s in sides)
                and p_low >= result.confidence else UNCERTAIN)
    return {"capacity": capacity, "verdict": verdict_, "n_met": n_met, "replications": n,
            "p_met_low": p_low, "rule": rule_text(result.confidence, n),
            "met_needs": replications_for_confidence(result.confidence)}


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
        "verdict_at_answer": verdict_at(result, result.answer),
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
