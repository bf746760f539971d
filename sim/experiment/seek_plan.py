"""Several levers: the cheapest plan meeting every named target with the confidence asked
(issue 12, item 2).

Why this way: each lever is first bounded alone (a single-lever seek with the others at the
scenario's values); the best of those answers is a plan already known to meet, so it caps the
cost of anything worth trying. Candidates are the combinations on a small grid between each
lever's scenario value and its own answer, costed with the model's own capacity costs
(``[costs]``); those cheaper than the best single-lever plan are tested in order of cost, all
replications each, with common random numbers; a candidate at or below one that failed on
every lever is skipped (monotonicity). The first that meets is then refined off the grid:
each lever in turn, costliest first, is lowered to the least value that still meets with the
others held (a single-lever seek). If no combination meets, the best single-lever plan is
the answer. So the answer is never costlier than the best single-lever answer, by
construction, and the reply says which case it is.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.core.stats import wilson_interval
from sim.experiment.seek import (
    Evaluator,
    SeekResult,
    lever_value,
    order_statistic_index,
    seek,
)
from sim.model.registry import REGISTRY, capacity_cost
from sim.scenario import Scenario, Target
from sim.scenario.costs import DAYS_PER_YEAR

PlanFactory = Callable[[dict[str, int]], Scenario]
GRID_STEPS = 4  # points per lever between its scenario value and its own answer


def plan_cost(scenario: Scenario) -> float:
    """A year of every service's capacity at the unit costs of ``[costs]``."""
    return sum(capacity_cost(scenario, section, DAYS_PER_YEAR) for section in REGISTRY)


@dataclass(frozen=True)
class Plan:
    values: dict[str, int]
    cost: float
    n: int  # replications run (0: not tested)
    n_met: int
    source: str  # "single lever" or "combination" (or "skipped: ..." when not run)

    @property
    def p_met(self) -> float:
        return self.n_met / self.n if self.n else math.nan

    @property
    def p_met_interval(self) -> tuple[float, float]:
        return wilson_interval(self.n_met, self.n)


@dataclass
class PlanResult:
    levers: list[str]
    targets: list[str]
    confidence: float
    replications: int
    answer: Plan | None
    singles: dict[str, SeekResult]
    frontier: list[Plan]  # every plan costed, cheapest first
    why: str


def grid(base: dict[str, int], singles: dict[str, SeekResult]) -> list[dict[str, int]]:
    """Every combination of a few values per lever, from the scenario's value to the lever's
    own answer (to twice the scenario's value when it has none)."""
    axes = []
    for lever, value in base.items():
        other = singles[lever].answer if singles[lever].answer is not None else 2 * value
        lo, hi = min(value, other), max(value, other)
        axes.append(sorted({round(lo + (hi - lo) * j / GRID_STEPS)
                            for j in range(GRID_STEPS + 1)}))
    return [dict(zip(base, combo, strict=True)) for combo in itertools.product(*axes)]


def _below(a: dict[str, int], b: dict[str, int]) -> bool:
    return all(a[k] <= b[k] for k in a)


def seek_plan(make: PlanFactory, base_scenario: Scenario, levers: list[str],
              targets: list[Target], replications: int, seed: int, confidence: float = 0.8,
              evaluator: Callable[[str, Callable[[int], Scenario]], Evaluator] | None = None
              ) -> PlanResult:
    """The cheapest plan over ``levers`` meeting every target (module docstring).
    ``evaluator(name, factory)`` gives the Evaluator for one lever's seek ("lever") or for the
    combinations ("plans"), so a CLI can give each its own store and backend."""
    base = {lever: int(lever_value(base_scenario, lever)) for lever in levers}
    ev_for = evaluator or (lambda _name, f: Evaluator(f, targets, seed))
    singles: dict[str, SeekResult] = {}
    for lever in levers:
        def one(c: int, lever: str = lever) -> Scenario:
            return make({**base, lever: c})
        singles[lever] = seek(one, base_scenario, lever, targets, replications, seed,
                              confidence, evaluator=ev_for(lever, one))
    need = order_statistic_index(replications, confidence)
    single_plans = [Plan({**base, lv: r.answer}, plan_cost(make({**base, lv: r.answer})),
                         replications, round(r.p_met_at_answer * replications), "single lever")
                    for lv, r in singles.items() if r.answer is not None]
    best_single = min(single_plans, key=lambda p: p.cost, default=None)
    candidates = sorted(((plan_cost(make(p)), i, p) for i, p in enumerate(grid(base, singles))),
                        key=lambda t: (t[0], t[1]))
    ev = ev_for("plans", lambda i: make(candidates[i][2]))
    tested: list[Plan] = []
    answer = None
    for index, (cost, _i, values) in enumerate(candidates):
        if best_single is not None and cost >= best_single.cost:
            break
        if any(p.n and p.n_met < need and _below(values, p.values) for p in tested):
            tested.append(Plan(values, cost, 0, 0, "skipped: below a plan that failed"))
            continue
        ev.run([(index, r) for r in range(replications)])
        n_met = sum(ev.cache[(index, r)].met for r in range(replications))
        plan = Plan(values, cost, replications, n_met, "combination")
        tested.append(plan)
        if n_met >= need:
            answer = plan
            break
    if answer is not None:
        answer, refined = _refine(make, base_scenario, base, answer, targets, replications,
                                  seed, confidence, ev_for)
        tested.extend(refined)
    why = _why(answer, best_single)
    frontier = sorted([*single_plans, *tested], key=lambda p: p.cost)
    return PlanResult(levers, [t.id for t in targets], confidence, replications,
                      answer or best_single, singles, frontier, why)


def _refine(make: PlanFactory, base_scenario: Scenario, base: dict[str, int], plan: Plan,
            targets: list[Target], replications: int, seed: int, confidence: float,
            ev_for: Callable[[str, Callable[[int], Scenario]], Evaluator]
            ) -> tuple[Plan, list[Plan]]:
    """Off the grid: each lever of the combination in turn (the costliest first) lowered to the
    least value that still meets with the others held (a single-lever seek between its
    scenario value and the plan's), keeping every change that lowers the cost. The grid's
    points are a quarter of the way apart; this finds the cheaper plans between them."""
    def lever_cost(lever: str) -> float:
        return plan_cost(make(plan.values)) - plan_cost(make({**plan.values, lever: base[lever]}))

    refined: list[Plan] = []
    for lever in sorted(plan.values, key=lever_cost, reverse=True):
        lo, hi = base[lever], plan.values[lever]
        if hi - lo <= 1:
            continue
        held = dict(plan.values)

        def one(c: int, lever: str = lever, held: dict[str, int] = held) -> Scenario:
            return make({**held, lever: c})
        found = seek(one, base_scenario, lever, targets, replications, seed, confidence,
                     search=(min(lo, hi), max(lo, hi)), evaluator=ev_for(f"refine_{lever}", one))
        if found.answer is None or found.answer >= hi:
            continue
        values = {**held, lever: found.answer}
        cost = plan_cost(make(values))
        if cost < plan.cost:
            plan = Plan(values, cost, replications, round(found.p_met_at_answer * replications),
                        "refined off the grid")
            refined.append(plan)
    return plan, refined


def _why(combination: Plan | None, best_single: Plan | None) -> str:
    """Why the answer is no costlier than the best single-lever answer, in one sentence."""
    if combination is not None and best_single is not None:
        refined = (", then each lever lowered off the grid while it still met"
                   if combination.source == "refined off the grid" else "")
        return (f"a combination costs {combination.cost:,.0f} a year, less than the best "
                f"single-lever plan ({best_single.cost:,.0f}); candidates were tested "
                f"cheapest first, so no cheaper grid plan meets{refined}")
    if combination is not None:
        refined = (", then each lever lowered off the grid while it still met"
                   if combination.source == "refined off the grid" else "")
        return f"no lever meets alone; this is the cheapest grid combination that meets{refined}"
    if best_single is not None:
        return ("no grid combination cheaper than the best single-lever plan meets, so the "
                f"best single-lever plan ({best_single.cost:,.0f} a year) is the answer")
    return "no plan tried meets the targets with this confidence"


def plan_summary(result: PlanResult, scenario_name: str, seed: int) -> dict[str, object]:
    """seek.json for several levers: the plan, the confidence, each lever's interval alone,
    the frontier and why."""
    answer = result.answer
    return {
        "scenario": scenario_name, "levers": result.levers, "targets": result.targets,
        "answer": answer.values if answer else {lv: None for lv in result.levers},
        "confidence": result.confidence,
        "interval": {lv: list(r.interval) for lv, r in result.singles.items()},
        "interval_basis": "each lever alone, the others at the scenario's values",
        "monotone_violations": sum(r.monotone_violations for r in result.singles.values()),
        "cost_per_year": answer.cost if answer else None,
        "p_met": answer.p_met if answer else None,
        "why": result.why, "replications": result.replications, "seed": seed,
        "frontier": [{"plan": p.values, "cost_per_year": p.cost, "replications": p.n,
                      "n_met": p.n_met, "p_met": None if not p.n else p.p_met,
                      "p_met_95": list(p.p_met_interval) if p.n else None, "source": p.source}
                     for p in result.frontier],
    }


def write_frontier(result: PlanResult, out: Path) -> None:
    """seek_frontier.csv: every plan costed, its P(met) with a Wilson 95% interval."""
    import csv

    with (out / "seek_frontier.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*result.levers, "cost_per_year", "replications", "n_met", "p_met",
                    "p_met_low", "p_met_high", "source"])
        for p in result.frontier:
            lo, hi = p.p_met_interval
            w.writerow([*(p.values[lv] for lv in result.levers), f"{p.cost:.0f}", p.n,
                        p.n_met, p.p_met, lo, hi, p.source])
