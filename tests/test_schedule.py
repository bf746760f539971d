"""Capacity schedules: dated levels for any capacity lever, applied, validated and costed."""

from __future__ import annotations

from pathlib import Path

import pytest
import simpy
from conftest import BASELINE
from helpers import small_scenario

from sim.cli import main
from sim.core.capacity import follow, staff_changes
from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.errors import InputError
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.experiment.task import run_replication
from sim.model import registry
from sim.model.context import Context
from sim.model.replication import calendar_of
from sim.scenario import load_scenario
from sim.scenario.capacity_plan import capacity_plan, day_weighted, section_levels
from sim.scenario.scale import CAPACITY_KEYS, scaled_level

VW_DOUBLES = 'virtual_ward.beds={ "2025-02-01" = 260, "2025-10-01" = 520 }'


class _Pool:
    def __init__(self, env: simpy.Environment) -> None:
        self.env, self.log = env, []

    def set_capacity(self, n: int) -> None:
        self.log.append((self.env.now, n))


def test_follow_applies_each_level_from_its_minute() -> None:
    env = simpy.Environment()
    seen: list[tuple[float, int]] = []
    follow(env, [(0.0, 5), (100.0, 7), (250.0, 3)], lambda v: seen.append((env.now, v)))
    env.run(until=1000)
    assert seen == [(0.0, 5), (100.0, 7), (250.0, 3)]


def test_a_dated_level_may_be_a_rota_and_the_rota_runs_from_its_date() -> None:
    """Flat 2 until day 1, then 1 at night (00-07) and 4 by day: hour by hour from day 1."""
    env = simpy.Environment()
    pool = _Pool(env)
    rota = [1] * 8 + [4] * 16
    follow(env, staff_changes([(0.0, 2), (MIN_PER_DAY, rota)], first_weekday=0),
           pool.set_capacity)
    env.run(until=3 * MIN_PER_DAY)
    day = MIN_PER_DAY
    assert pool.log[:4] == [(0.0, 2), (day, 1), (day + 8 * MIN_PER_HOUR, 4), (2 * day, 1)]


def test_a_schedule_leaves_its_first_level_in_the_field_and_keeps_the_dates() -> None:
    sc = load_scenario(BASELINE, [VW_DOUBLES])
    assert sc.virtual_ward.beds == 260
    assert [(d.isoformat(), c.beds) for d, c in section_levels(sc, "virtual_ward")] == [
        ("2025-02-01", 260), ("2025-10-01", 520)]
    assert type(sc).model_validate(sc.model_dump(mode="json")) == sc  # workers reload it


def test_scaling_keeps_the_dates_and_scales_each_level() -> None:
    small = small_scenario(0.1, None, scaled=[VW_DOUBLES])
    assert [c.beds for _d, c in section_levels(small, "virtual_ward")] == [26, 52]


@pytest.mark.parametrize(("value", "key", "reason"), [
    ('{ "2025-02-01" = 260, "2027-10-01" = 520 }', "virtual_ward.beds.2027-10-01",
     "outside the run"),
    ('{ "2025-03-01" = 260 }', "virtual_ward.beds", "must start on run.start_date"),
    ('{ "2025-02-01" = -3 }', "virtual_ward.beds.2025-02-01", "greater than or equal to 0"),
    ('{ "2025-02-01" = 260, "1 Oct" = 2 }', "virtual_ward.beds.1 Oct", "not a date"),
])
def test_a_bad_schedule_is_an_input_error_naming_its_key(value: str, key: str,
                                                         reason: str) -> None:
    with pytest.raises(InputError) as err:
        load_scenario(BASELINE, [f"virtual_ward.beds={value}"])
    assert [(p.file, p.key) for p in err.value.problems] == [("--set", key)]
    assert reason in err.value.problems[0].reason
    assert main(["validate", str(BASELINE), "--set", f"virtual_ward.beds={value}"]) == 2


def test_a_rota_schedule_checks_each_level_as_a_rota() -> None:
    with pytest.raises(InputError, match=r"ed\.clinicians_per_shift\.2025-02-01: a rota is"):
        load_scenario(BASELINE, ['ed.clinicians_per_shift={ "2025-02-01" = [1, 2] }'])


def test_a_schedule_in_a_file_names_that_file(tmp_path: Path) -> None:
    child = tmp_path / "plan.toml"
    child.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "plan"\n[virtual_ward]\n'
                     'beds = { "2025-02-01" = 260, "2031-01-01" = 520 }\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_scenario(child)
    assert err.value.problems[0].file.endswith("plan.toml")


def test_costs_count_the_days_at_each_level() -> None:
    sc = load_scenario(BASELINE, [VW_DOUBLES])
    window = (59, 59 + 365)  # April 2025 .. March 2026; beds double on day 242 (1 October)
    bed_days = 260 * (242 - 59) + 520 * (424 - 242)
    assert day_weighted(sc, "virtual_ward", *window, lambda c: c.beds) == bed_days
    cost = registry.capacity_cost(sc, "virtual_ward", 365, 59)
    assert cost == pytest.approx(bed_days * sc.costs.vw_bed_day_gbp)


def test_without_schedules_costs_by_day_equal_costs_over_the_window() -> None:
    """Every section's cost is linear in days, so costing day by day changes nothing."""
    sc = load_scenario(BASELINE)
    for section in registry.REGISTRY:
        assert registry.capacity_cost(sc, section, 365, 59) == pytest.approx(
            registry.capacity_cost(sc, section, 365)), section


def test_vw_beds_per_100k_doubles_from_the_month_the_beds_double() -> None:
    """The issue's check, on a small, short run: September single, October double."""
    base = load_scenario(BASELINE, [VW_DOUBLES])
    small = small_scenario(0.05, 61, "run.warmup_days=212", scaled=[VW_DOUBLES])
    result = run_replication(small, 3, 0)
    sep, oct_ = (result.monthly[m]["vw_beds_per_100k"] for m in ("2025-09", "2025-10"))
    assert oct_ == pytest.approx(2 * sep)
    cost = result.monthly["2025-10"]["cost_virtual_ward_gbp"]
    beds = [c.beds for _d, c in section_levels(small, "virtual_ward")]
    assert cost == pytest.approx(beds[1] * 31 * base.costs.vw_bed_day_gbp)


def test_every_capacity_lever_takes_a_schedule_and_is_costed_by_it() -> None:
    """Every capacity doubled from 1 April: the run goes through and April's cost a day is
    twice March's (each service applies and costs its own schedule)."""
    small = small_scenario(0.05, 61, "run.warmup_days=28")
    doubled = [f'{key}={{ "2025-02-01" = {scaled_level(_value(small, key), 1.0)}, '
               f'"2025-04-01" = {scaled_level(_value(small, key), 2.0)} }}'
               for key in CAPACITY_KEYS]
    sc = small_scenario(0.05, 61, "run.warmup_days=28", *doubled)
    assert set(sc.schedules) == set(CAPACITY_KEYS)
    result = run_replication(sc, 3, 0)

    def planned(month: str) -> float:
        """The month's capacity cost; escalation beds are costed by the bed-days they were
        open (measured, not planned), so they are left out of the doubling."""
        m = result.monthly[month]
        return m["cost_total_gbp"] - m["escalation_bed_days"] * sc.costs.acute_bed_day_gbp

    march, april = planned("2025-03") / 31, planned("2025-04") / 30
    assert april == pytest.approx(2 * march, rel=1e-3)
    occupancy = [result.monthly[m]["acute_occupancy_pct"] for m in ("2025-03", "2025-04")]
    assert occupancy[1] < 0.75 * occupancy[0]  # the beds opened in the model too


def _value(scenario, key: str):
    node = scenario
    for part in key.split("."):
        node = getattr(node, part)
    return node


class _Folder:
    def __init__(self, manifest: dict) -> None:
        self.manifest = manifest


def test_the_report_draws_each_schedule_from_the_manifest() -> None:
    from sim.outputs.report import schedule_chart

    sc = load_scenario(BASELINE, [VW_DOUBLES, 'ed.clinicians_per_shift={ "2025-02-01" = 10, '
                                  '"2025-12-01" = [8, 8, 8, 8, 8, 8, 8, 8, 12, 12, 12, 12, 12, '
                                  '12, 12, 12, 12, 12, 12, 12, 10, 10, 10, 10] }'])
    fig = schedule_chart(_Folder({"scenario_name": "plan",
                                  "scenario": sc.model_dump(mode="json")}))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["ed.clinicians_per_shift (mean staff on duty), by date",
                      "virtual_ward.beds, by date"]
    beds = fig.axes[1].lines[0].get_ydata()
    assert list(beds) == [260, 520, 520]
    assert schedule_chart(_Folder({"scenario": load_scenario(BASELINE).model_dump(
        mode="json")})) is None


def _context(sets: list[str]) -> Context:
    sc = load_scenario(BASELINE, sets)
    return Context(simpy.Environment(), calendar_of(sc), Streams(1, 0), Monitor(),
                   sc.population.size, 0.0, capacity_plan(sc))


def test_a_service_reads_each_capacity_by_its_dotted_key_flat_dated_or_hourly() -> None:
    """One call, whatever the capacity's shape: ED's clinicians flat 5 on the first day, then
    1 at night (00-07) and 4 by day, hour by hour."""
    ctx = _context(['ed.clinicians_per_shift={ "2025-02-01" = 5, "2025-02-02" = '
                    f'{[1] * 8 + [4] * 16} }}', VW_DOUBLES])
    day, hour = MIN_PER_DAY, MIN_PER_HOUR
    staff = ctx.levels("ed.clinicians_per_shift")
    assert [next(staff) for _ in range(4)] == [(0.0, 5), (day, 1), (day + 8 * hour, 4),
                                               (2 * day, 1)]
    assert list(ctx.levels("virtual_ward.beds")) == [(0.0, 260), (242 * day, 520)]
    assert [c.beds for _t, c in ctx.levels("virtual_ward")] == [260, 520]  # a whole section
    assert list(ctx.levels("acute.beds")) == [(0.0, load_scenario(BASELINE).acute.beds)]
    # a rota closed outside its open hours: nobody on duty at night
    ucr = ctx.levels("ucr.clinicians_per_shift", lambda h: 8 <= h < 20)
    assert [s for _, s in (next(ucr) for _ in range(3))] == [0, 9, 0]


def test_every_capacity_of_the_schema_is_in_the_plan_and_nothing_else_reads() -> None:
    ctx = _context([])
    assert set(CAPACITY_KEYS) <= set(ctx.capacity.levels)
    with pytest.raises(KeyError, match="not a capacity: tag its field with capacity"):
        ctx.levels("ed.arrival_mix")
    with pytest.raises(ValueError, match="not a rota"):
        ctx.levels("acute.beds", lambda h: True)
