"""Capacity seek (issue 12): the least capacity meeting named targets with stated confidence.

The theory test: UCR alone, open 24 hours, flat Poisson referrals, exponential visits and
negligible travel is an M/M/c queue, so the least c meeting the 2-hour target is the least c
with Erlang C P(wait <= 120 min) >= 70%. The load is chosen so that c-1 misses clearly
(P ~ 0.54) and c meets clearly (P ~ 0.97): a seek that stops one early or late fails.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE

from sim.checks.theory import erlang_c
from sim.checks.verify import DAYS_PER_MONTH, POP, alone, flat
from sim.cli import main
from sim.core.clock import MIN_PER_DAY
from sim.core.errors import InputError
from sim.experiment.seek import (
    Evaluation,
    Evaluator,
    all_met,
    answer_from,
    check_request,
    crossing,
    default_resolution,
    order_statistic_index,
    quantile_ci_ranks,
    seek,
    write_outputs,
)
from sim.experiment.seek_plan import plan_summary, seek_plan, write_frontier
from sim.scenario import Target

VISIT_MINS, TRAVEL_MINS, OFFERED_LOAD = 60.0, 0.01, 3.7  # erlangs
TARGET_MINS, TARGET_SHARE = 120.0, 0.70


def ucr_sets(clinicians: int) -> list[str]:
    per_day = OFFERED_LOAD / (VISIT_MINS + TRAVEL_MINS) * MIN_PER_DAY
    return [
        f"ucr.referrals_per_100k_per_month={per_day * DAYS_PER_MONTH * 1e5 / POP!r}",
        f"ucr.hour_profile={flat(24)}", "ucr.open_hour=0", "ucr.close_hour=24",
        f"ucr.clinicians_per_shift={clinicians}",
        f'ucr.travel_mins={{dist="fixed", mean={TRAVEL_MINS}}}',
        f'ucr.visit_mins={{dist="exponential", mean={VISIT_MINS}}}',
        "ucr.outcomes={home=1.0, virtual_ward=0.0, reablement=0.0, ed=0.0}",
    ]


def ucr_alone(clinicians: int, days: int = 300):
    return alone("ucr", ucr_sets(clinicians), warmup_days=10, measurement_days=days)


def erlang_c_least_servers() -> int:
    """The least c with P(wait <= 120 - travel) >= 0.7 in M/M/c: 1 - C e^{-(c mu - lam) t}."""
    mu = 1 / (VISIT_MINS + TRAVEL_MINS)
    lam = OFFERED_LOAD * mu
    c = math.floor(OFFERED_LOAD) + 1
    while 1 - erlang_c(c, OFFERED_LOAD) * math.exp(-(c * mu - lam)
                                                   * (TARGET_MINS - TRAVEL_MINS)) < TARGET_SHARE:
        c += 1
    return c


@pytest.mark.slow
def test_ucr_alone_seek_matches_erlang_c(tmp_path):
    base = ucr_alone(5)
    targets = check_request(base, "ucr.clinicians_per_shift", ["ucr_2h"])
    result = seek(ucr_alone, base, "ucr.clinicians_per_shift", targets, replications=12,
                  seed=3, confidence=0.8, search=(1, 12))
    expected = erlang_c_least_servers()
    assert expected == 5  # the set-up above is the case it was designed to be
    assert result.answer == expected
    assert result.monotone_violations == 0
    assert result.p_met_at_answer >= 0.8
    assert len(result.evaluations) <= 12 * 6  # the pilot-led search needs a few runs each
    write_outputs(result, tmp_path, base.name, 3)
    out = json.loads((tmp_path / "seek.json").read_text())
    assert out["answer"] == {"ucr.clinicians_per_shift": expected}
    assert out["confidence"] == 0.8
    lo, hi = out["interval"]["ucr.clinicians_per_shift"]
    assert lo <= expected and (hi is None or hi >= expected)
    lines = (tmp_path / "seek.csv").read_text().splitlines()
    assert lines[0].startswith("capacity,replications_run,n_met,p_met,p_met_low,p_met_high")
    rows = {int(line.split(",")[0]): line.split(",") for line in lines[1:]}
    assert rows[expected - 1][1] == rows[expected][1] == "12"  # everyone run at c*-1 and c*


def test_order_statistic_and_interval():
    assert order_statistic_index(10, 0.7) == 7
    assert order_statistic_index(10, 0.71) == 8
    assert order_statistic_index(40, 0.8) == 32
    lo, hi = quantile_ci_ranks(40, 0.8)
    assert lo is not None and hi is not None and lo < 32 < hi
    # P(B <= 1) = 0.0067 <= 0.025 < P(B <= 2) = 0.058 for B ~ Bin(5, 0.8); no upper rank
    assert quantile_ci_ranks(5, 0.8) == (2, None)
    answer, (ilo, ihi) = answer_from([3.0, 1.0, 2.0, math.inf, 4.0], 0.8)
    assert answer == 4 and ihi is None and ilo == 2
    assert answer_from([1.0, math.inf, math.inf], 0.8)[0] is None


def test_crossing_is_the_straight_line_guess():
    t = check_request(ucr_alone(5), "ucr.clinicians_per_shift", ["ucr_2h"])
    fail, meet = Evaluation(10, 0, {"ucr_2h": 60.0}, False), Evaluation(20, 0, {"ucr_2h": 80.0},
                                                                        True)
    assert crossing(t, fail, meet) == 15  # 60 -> 80 crosses 70 half way
    flat_line = Evaluation(20, 0, {"ucr_2h": 60.0}, True)
    assert crossing(t, fail, flat_line) is None


def test_refuses_bad_lever_and_target():
    base = ucr_alone(5)
    with pytest.raises(InputError, match="not a capacity key"):
        check_request(base, "ucr.open_hour", ["ucr_2h"])
    with pytest.raises(InputError, match="not a whole-number capacity"):
        check_request(base, "elective.theatre_sessions_per_week", ["ucr_2h"])
    with pytest.raises(InputError, match="no such target"):
        check_request(base, "ucr.clinicians_per_shift", ["nope"])


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_resume_reruns_nothing_and_workers_agree(tmp_path):
    base = ucr_alone(5, days=60)
    targets = check_request(base, "ucr.clinicians_per_shift", ["ucr_2h"])
    make = lambda c: ucr_alone(c, days=60)  # noqa: E731
    store = tmp_path / "evals.jsonl"
    first = seek(make, base, "ucr.clinicians_per_shift", targets, 4, 7,
                 evaluator=Evaluator(make, targets, 7, store=store))
    lines = store.read_text().splitlines()
    store.write_text("\n".join(lines[:len(lines) // 2]) + "\n")  # killed half way
    ran = []
    again = Evaluator(make, targets, 7, store=store, progress=ran.append)
    assert again.load() == len(lines) // 2
    second = seek(make, base, "ucr.clinicians_per_shift", targets, 4, 7, evaluator=again)
    assert len(ran) == len(lines) - len(lines) // 2  # only the missing runs
    assert second.critical == first.critical and second.answer == first.answer
    pooled = seek(make, base, "ucr.clinicians_per_shift", targets, 4, 7,
                  evaluator=Evaluator(make, targets, 7, workers=2))
    assert pooled.critical == first.critical and pooled.answer == first.answer


CHEAP = ["--set", "run.measurement_days=20", "--set", "run.warmup_days=2",
         "--set", "population.size=30000"]


@pytest.mark.parametrize("args, key, fragment", [
    (["--lever", "acute.bedz", "--target", "ucr_2h"], "--lever", "not a capacity key"),
    (["--lever", "ucr.clinicians_per_shift", "--target", "nope"], "--target", "no such target"),
    (["--lever", "ucr.clinicians_per_shift", "--target", "ucr_2h", "--range", "9:3"],
     "--range", "LO:HI"),
    (["--lever", "ucr.clinicians_per_shift", "--lever", "acute.beds", "--target", "ucr_2h",
      "--range", "1:9"], "--range", "one lever only"),
    (["--lever", "ucr.clinicians_per_shift", "--lever", "acute.bedz", "--target", "ucr_2h"],
     "--lever", "not a capacity key"),
])
def test_cli_refuses_in_one_line(capsys, tmp_path, args, key, fragment):
    code = main(["seek", str(BASELINE), *args, "--out", str(tmp_path / "o"), *CHEAP])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert f": {key}: " in err[0] and fragment in err[0]


def test_cli_writes_answer_and_refuses_to_overwrite(capsys, tmp_path):
    out = tmp_path / "o"
    argv = ["seek", str(BASELINE), "--lever", "ucr.clinicians_per_shift", "--target", "ucr_2h",
            "-n", "3", "--range", "1:4", "--workers", "1", "--out", str(out), "--quiet", *CHEAP]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "underpowered: 3 replications" in printed
    data = json.loads((out / "seek.json").read_text())
    assert set(data) >= {"answer", "confidence", "interval", "monotone_violations"}
    assert "P(met) against capacity" in (out / "seek.html").read_text()
    sheet = pd.read_excel(out / "summary.xlsx", sheet_name="Seek")
    assert sheet["answer"].iloc[0] == data["answer"]["ucr.clinicians_per_shift"]
    assert main(argv) == 2 and "--resume" in capsys.readouterr().err
    assert main([*argv, "--resume"]) == 0
    assert json.loads((out / "seek.json").read_text())["answer"] == data["answer"]


@pytest.mark.slow
def test_plan_is_no_costlier_than_the_best_single_lever(tmp_path):
    """UCR alone at 4 clinicians (missing the target) with a second lever that cannot help (virtual
    ward beds, the service switched off and costing nothing): the only plan that meets is more
    UCR clinicians, the cheaper combinations tried all fail, and the answer says so."""
    def plan(values):
        return alone("ucr", [*ucr_sets(values["ucr.clinicians_per_shift"]),
                             f"virtual_ward.beds={values['virtual_ward.beds']}"],
                     warmup_days=10, measurement_days=120)

    base = plan({"ucr.clinicians_per_shift": 4, "virtual_ward.beds": 260})
    levers = ["ucr.clinicians_per_shift", "virtual_ward.beds"]
    targets = check_request(base, levers[0], ["ucr_2h"])
    result = seek_plan(plan, base, levers, targets, replications=5, seed=11)
    single = result.singles["ucr.clinicians_per_shift"]
    assert single.answer == erlang_c_least_servers()
    assert result.singles["virtual_ward.beds"].answer is None  # cannot help alone
    assert result.answer.values["ucr.clinicians_per_shift"] == single.answer
    costs = [p.cost for p in result.frontier if p.source == "single lever"]
    assert result.answer.cost <= min(costs)
    assert "no grid combination cheaper" in result.why
    assert any(p.source == "combination" and p.n_met < 4 for p in result.frontier)
    data = plan_summary(result, base.name, 11)
    assert set(data) >= {"answer", "confidence", "interval", "monotone_violations", "frontier"}


class Oracle(Evaluator):
    """A replication's value without a simulation: occupancy = 100 x demand_r / beds, each
    replication with its own demand (so its own critical capacity), plus an optional jitter
    that depends on (capacity, replication) only, as common random numbers would give."""

    def __init__(self, targets, n: int, jitter: float = 0.0, seed: int = 1):
        super().__init__(None, targets, 0)
        rng = np.random.default_rng(seed)
        self.demand = 2150 * 0.92 * (1 + rng.normal(0, 0.004, n))
        self.jitter = jitter

    def value(self, c: int, r: int) -> float:
        noise = np.random.default_rng([c, r]).normal(0, self.jitter) if self.jitter else 0.0
        return 100 * self.demand[r] / c + noise

    def run(self, pairs):
        for c, r in pairs:
            if (c, r) not in self.cache:
                values = {"occ": self.value(c, r)}
                self.cache[(c, r)] = Evaluation(c, r, values, all_met(self.targets, values))

    def exact_critical(self, r: int) -> int:
        return math.ceil(100 * self.demand[r] / 92.0 - 1e-9)


class _Beds:
    class acute:
        beds = 2000


OCC = [Target(id="occ", kpi="bed_occupancy_pct", op="<=", threshold=92.0)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_focused_search_finds_the_exact_answer_with_fewer_runs(seed):
    n = 40
    ev = Oracle(OCC, n, seed=seed)
    result = seek(None, _Beds, "acute.beds", OCC, n, 0, 0.8, evaluator=ev, resolution=1)
    exact = sorted(ev.exact_critical(r) for r in range(n))
    lo_rank, hi_rank = quantile_ci_ranks(n, 0.8)
    assert result.answer == exact[order_statistic_index(n, 0.8) - 1]
    lo, hi = result.interval
    # the interval is never narrower than the exact one, and at most 0.2% wider each side
    assert exact[lo_rank - 1] - 5 <= lo <= exact[lo_rank - 1]
    assert exact[hi_rank - 1] <= hi <= exact[hi_rank - 1] + 5
    assert result.monotone_violations == 0
    # every replication run at the answer and one below (the check)
    assert all((c, r) in result.evaluations for c in (result.answer - 1, result.answer)
               for r in range(n))
    # searching every replication exactly from the same start took 300-370 runs here
    assert len(result.evaluations) < 6 * n


@pytest.mark.parametrize("seed", [1, 2])
def test_a_coarser_grain_gives_the_least_multiple_with_fewer_runs(seed):
    """At 2,000 beds the default grain is 5: every capacity tried is a multiple of 5 and the
    answer is the least multiple of 5 met by ceil(0.8 n) replications, found with fewer runs
    than the bed-by-bed search of the same replications."""
    n = 40
    exact_runs = len(seek(None, _Beds, "acute.beds", OCC, n, 0, 0.8,
                          evaluator=Oracle(OCC, n, seed=seed), resolution=1).evaluations)
    ev = Oracle(OCC, n, seed=seed)
    result = seek(None, _Beds, "acute.beds", OCC, n, 0, 0.8, evaluator=ev)
    assert result.resolution == default_resolution(2000) == 5
    on_grid = sorted(5 * math.ceil(ev.exact_critical(r) / 5) for r in range(n))
    assert result.answer == on_grid[order_statistic_index(n, 0.8) - 1]
    lo_rank, hi_rank = quantile_ci_ranks(n, 0.8)
    lo, hi = result.interval
    assert on_grid[lo_rank - 1] - 5 <= lo <= on_grid[lo_rank - 1]
    assert on_grid[hi_rank - 1] <= hi <= on_grid[hi_rank - 1] + 5
    assert all(c % 5 == 0 for c, _r in result.evaluations)
    assert all((c, r) in result.evaluations for c in (result.answer - 5, result.answer)
               for r in range(n))
    assert len(result.evaluations) < exact_runs


def test_default_grain_is_a_round_number_near_a_quarter_percent():
    assert [default_resolution(v) for v in (12, 260, 799, 800, 2130, 4000, 9000, 40000)] == \
        [1, 1, 1, 2, 5, 10, 20, 100]


def test_violations_fall_back_to_direct_counts():
    """Jitter far larger than one bed's effect makes replications non-monotone; the answer is
    then the least capacity whose direct runs meet in >= ceil(0.8 n), the one below fewer."""
    n = 20
    ev = Oracle(OCC, n, jitter=0.4, seed=4)
    result = seek(None, _Beds, "acute.beds", OCC, n, 0, 0.8, evaluator=ev, resolution=1)
    assert result.monotone_violations > 0
    k = order_statistic_index(n, 0.8)

    def direct(c):
        return sum(result.evaluations[(c, r)].met for r in range(n))

    assert direct(result.answer) >= k > direct(result.answer - 1)
    assert any("monoton" in w for w in result.warnings)


def test_resume_refuses_another_question(capsys, tmp_path):
    out = tmp_path / "o"
    argv = ["seek", str(BASELINE), "--lever", "ucr.clinicians_per_shift", "--target", "ucr_2h",
            "-n", "2", "--range", "1:4", "--workers", "1", "--out", str(out), "--quiet", *CHEAP]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--resume", "--seed", "99"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resume" in err[0] and "--seed" in err[0]
    assert main([*argv, "--resume", "--set", "ucr.open_hour=7"]) == 2
    assert "the scenario" in capsys.readouterr().err


class PlanOracle(Evaluator):
    """Two levers that each help only so far (100 units of effect each, one per bed above
    the scenario's value): neither meets alone, and the replication needs 150 +- 5."""

    def __init__(self, make, targets, n: int):
        super().__init__(make, targets, 0)
        self.need = 150 + np.random.default_rng(5).normal(0, 5, n)

    def run(self, pairs):
        for c, r in pairs:
            if (c, r) in self.cache:
                continue
            sc = self.make(c)
            effect = min(sc.acute.beds - 2000, 100) + min(sc.virtual_ward.beds - 260, 100)
            values = {"occ": 92.0 + self.need[r] - effect}  # met: effect >= need
            self.cache[(c, r)] = Evaluation(c, r, values, all_met(self.targets, values))


def test_plan_is_refined_off_the_grid(tmp_path):
    from sim.outputs.seek_report import build_plan_report
    from sim.scenario import load_scenario

    @functools.cache
    def load(acute: int, vw: int):
        return load_scenario(BASELINE, [f"acute.beds={acute}", f"virtual_ward.beds={vw}"])

    def plan(values):  # the search asks for the same plans many times: load each once
        return load(values["acute.beds"], values["virtual_ward.beds"])

    n = 12
    base = plan({"acute.beds": 2000, "virtual_ward.beds": 260})
    levers = ["acute.beds", "virtual_ward.beds"]
    result = seek_plan(plan, base, levers, OCC, n, 0,
                       evaluator=lambda _name, f: PlanOracle(f, OCC, n))
    assert all(r.answer is None for r in result.singles.values())  # neither meets alone
    grid_plans = [p for p in result.frontier if p.source == "combination" and p.n_met >= 10]
    assert grid_plans and result.answer.source == "refined off the grid"
    assert result.answer.cost < min(p.cost for p in grid_plans)
    # the refined plan still meets in >= ceil(0.8 n) replications, by the oracle
    oracle = PlanOracle(lambda _c: plan(result.answer.values), OCC, n)
    oracle.run([(0, r) for r in range(n)])
    assert sum(oracle.cache[(0, r)].met for r in range(n)) >= order_statistic_index(n, 0.8)
    assert "off the grid" in result.why
    (tmp_path / "seek.json").write_text(json.dumps(plan_summary(result, base.name, 0)))
    write_frontier(result, tmp_path)
    page = build_plan_report(tmp_path).read_text()
    assert "refined off the grid" in page and "Cost frontier" in page
    assert len(pd.read_excel(tmp_path / "summary.xlsx", sheet_name="Seek frontier")) == \
        len(result.frontier)


@pytest.mark.slow
def test_dask_gives_the_same_seek_with_one_cluster(monkeypatch):
    """One local Dask cluster for the whole seek (the session), and the same runs, answer
    and critical capacities as in this process."""
    from sim.experiment import runner

    started = []
    real = runner.dask_client
    monkeypatch.setattr(runner, "dask_client", lambda *a: started.append(a) or real(*a))
    base = ucr_alone(5, days=60)
    targets = check_request(base, "ucr.clinicians_per_shift", ["ucr_2h"])
    make = lambda c: ucr_alone(c, days=60)  # noqa: E731
    serial = seek(make, base, "ucr.clinicians_per_shift", targets, 4, 7,
                  evaluator=Evaluator(make, targets, 7))
    ev = Evaluator(make, targets, 7, dask_workers=2)
    try:
        dask = seek(make, base, "ucr.clinicians_per_shift", targets, 4, 7, evaluator=ev)
    finally:
        ev.session.close()
    assert dask.answer == serial.answer and dask.critical == serial.critical
    assert dask.evaluations == serial.evaluations
    assert len(started) == 1  # several rounds, one cluster
