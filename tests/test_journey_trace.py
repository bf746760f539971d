"""One patient at a time through ED and acute beds, with fixed durations: the exact steps and
the minute of each, and every move a row of the journey map in the module's docstring.

ED and acute keep a fast form (scheduled steps, booked queues) rather than one process per
patient; these traces are what a reader checks the map against. The run is the baseline with
only ED and acute on, no arrivals of their own, ample capacity and fixed durations (``--set``
overrides); one patient is put in at a chosen minute and the steps of the map are wrapped, for
the test only, to note (service, step, minute) as each is entered.
"""

from __future__ import annotations

import itertools
import re

import pytest
from conftest import BASELINE

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.engine import Engine
from sim.core.monitor import Monitor
from sim.core.rng import Streams
from sim.model import registry
from sim.model.context import Context
from sim.model.replication import build, calendar_of, season_of
from sim.model.services import acute, ed
from sim.scenario import load_scenario
from sim.scenario.capacity_plan import capacity_plan

HANDOVER, ASSESS, TESTS = 15.0, 30.0, 60.0  # minutes
LOS_DAYS, OTHER_SUPPORT_DAYS, TURNAROUND_HOURS = 2.0, 1.0, 2.0
ARRIVE = 10 * MIN_PER_HOUR  # 10:00 on Monday 6 January 2025, day 0

FLAT = "[" + ", ".join(["1.0"] * 12) + "]"
SETS = [  # ED and acute alone; no arrivals but the one patient; fixed times; ample capacity
    *(f"{s}.enabled=false" for s in registry.REGISTRY if s not in ("ed", "acute")),
    "run.start_date=2025-01-06", "run.warmup_days=0", "run.measurement_days=10",
    "demand.growth_pct_per_year=0.0", "seasons.bank_holidays=false",
    f"seasons.emergency_los_month_profile={FLAT}",
    f"seasons.emergency_admission_month_profile={FLAT}",
    "ed.attendances_per_1000_per_year=0.0", "acute.direct_admissions_per_100k_per_year=0.0",
    "ed.cubicles=50", "ed.clinicians_per_shift=5", "ed.handover_staff=5",
    f'ed.handover_mins={{dist="fixed", mean={HANDOVER}}}',
    f'ed.assessment_mins={{dist="fixed", mean={ASSESS}}}',
    f'ed.investigation_mins={{dist="fixed", mean={TESTS}}}',
    "ed.admission_share=1.0", "ed.decision_bunching={share=0.0}",
    "acute.beds=500", "acute.elective_ring_fenced_beds=0", "acute.escalation_beds=0",
    "acute.zero_day_share=0.0", f'acute.emergency_los_days={{dist="fixed", mean={LOS_DAYS}}}',
    f'acute.other_support_wait_days={{dist="fixed", mean={OTHER_SUPPORT_DAYS}}}',
    "acute.discharge_open_hour=9", "acute.discharge_close_hour=19",
    "acute.discharge_spread_hours=0.0", f"acute.turnaround_hours={TURNAROUND_HOURS}",
    "acute.destinations={home=1.0, reablement=0.0, other_support=0.0}",
]


def journey_map(module) -> dict[str, set[str]]:
    """step -> the steps it may lead to (one row a move), read from the table in the module's
    docstring, in the order the steps first appear."""
    rows = re.findall(r"^\| `(\w+)` +\|([^|]*)\|", module.__doc__, re.MULTILINE)
    assert rows, f"{module.__name__} has no journey map"
    moves: dict[str, set[str]] = {}
    for step, nexts in rows:
        moves.setdefault(step, set()).update(re.findall(r"`(\w+)`", nexts))
    return moves


MAPS = {"ed": journey_map(ed), "acute": journey_map(acute)}
CLASSES = {"ed": ed.EmergencyDepartment, "acute": acute.AcuteBeds}


def trace(monkeypatch, extra_sets: list[str], put_in) -> tuple[list, dict]:
    """Build the run with every map step wrapped to note itself, let ``put_in(services)`` add
    the patient, run to the end; returns the trace and the services."""
    steps: list[tuple[str, str, float]] = []
    for name, cls in CLASSES.items():
        for step in MAPS[name]:
            original = getattr(cls, step)  # a step the map names must exist

            def noted(self, *args, _f=original, _s=step, _n=name, **kwargs):
                steps.append((_n, _s, self.env.now))
                return _f(self, *args, **kwargs)

            monkeypatch.setattr(cls, step, noted)
    scenario = load_scenario(BASELINE, [*SETS, *extra_sets])
    cal = calendar_of(scenario)
    env = Engine()
    ctx = Context(env, cal, Streams(1, 0), Monitor(*registry.all_observations()),
                  scenario.population.size, 0.0, capacity_plan(scenario), season_of(scenario, cal))
    services = build(scenario, ctx)
    put_in(services)
    env.run(until=cal.end)
    return steps, services


def assert_follows_the_maps(steps: list[tuple[str, str, float]]) -> None:
    """Each service's consecutive steps are a (step, next step) row of its journey map."""
    for name, journey in MAPS.items():
        own = [s for n, s, _ in steps if n == name]
        for a, b in itertools.pairwise(own):
            assert b in journey[a], f"{name}: {a} -> {b} is not in the journey map"


def exits(services, name: str) -> tuple[int, int, int]:
    f = services[name].flows
    return f.finished[name], f.transferred[name], f.redirected[name]


def test_an_ambulance_patient_admitted_and_discharged_home(monkeypatch) -> None:
    """Space -> handover -> assessment -> decision -> boarding -> bed -> home (the handover
    starts only once a space can take the patient)."""
    steps, services = trace(monkeypatch, [], lambda s: s["ed"].env.after(
        ARRIVE, s["ed"].arrive, ed.TYPE1_AMBULANCE))
    handed_over = ARRIVE + HANDOVER
    decided = handed_over + ASSESS + TESTS  # 11:45
    fit = decided + LOS_DAYS * MIN_PER_DAY  # Wednesday 11:45: inside the discharge hours
    assert steps == [
        ("ed", "arrive", ARRIVE),
        ("ed", "_in_space", ARRIVE),  # a space at once: the handover starts
        ("ed", "_handed_over", handed_over),
        ("ed", "_assess", handed_over),  # a clinician at once (booked)
        ("ed", "_decided", decided),
        ("ed", "_request_admission", decided),  # boarding: a bed is asked for
        ("acute", "admit_emergency", decided),
        ("acute", "_granted", decided),  # a bed free in the patient's ward
        ("acute", "_bed", decided),
        ("ed", "_admitted", decided),  # the bed is theirs: ED's care ends
        ("ed", "_depart", decided),
        ("acute", "_fit", fit),
        ("acute", "_discharged", fit),  # home at once: inside the discharge hours
        ("acute", "_release", fit),
        ("acute", "_free", fit + TURNAROUND_HOURS * MIN_PER_HOUR),  # the bed, cleaned
    ]
    assert_follows_the_maps(steps)
    assert exits(services, "ed") == (0, 1, 0) and exits(services, "acute") == (1, 0, 0)
    assert services["ed"].monitor.tally(ed.HANDOVER).v.tolist() == [HANDOVER]


def test_a_walk_in_assessed_and_sent_home(monkeypatch) -> None:
    steps, services = trace(monkeypatch, ["ed.admission_share=0.0"], lambda s: s["ed"].env.after(
        ARRIVE, s["ed"].arrive, ed.TYPE1_WALK_IN))
    assert steps == [("ed", "arrive", ARRIVE), ("ed", "_in_space", ARRIVE),
                     ("ed", "_assess", ARRIVE), ("ed", "_depart", ARRIVE + ASSESS + TESTS)]
    assert_follows_the_maps(steps)
    assert exits(services, "ed") == (1, 0, 0)


FIT = ARRIVE + LOS_DAYS * MIN_PER_DAY  # Wednesday 10:00


@pytest.mark.parametrize(("destination", "sets", "tail", "how"), [
    ("home=1.0, reablement=0.0, other_support=0.0", [],
     [("_discharged", FIT)], (1, 0, 0)),
    # reablement is switched off: arranged outside the model; every route leaves in the
    # discharge window (the baseline since issue 25), here at once (10:00 on a Wednesday)
    ("home=0.0, reablement=1.0, other_support=0.0", [],
     [("_delay_over", FIT), ("_discharged", FIT)], (0, 0, 1)),
    # ...and with the window for home discharges only (lever off), no discharge step: the bed
    # is left the moment the support starts
    ("home=0.0, reablement=1.0, other_support=0.0", ["acute.discharge_window_all_routes=false"],
     [("_delay_over", FIT)], (0, 0, 1)),
    ("home=0.0, reablement=0.0, other_support=1.0", [],
     [("_other_support_over", FIT + OTHER_SUPPORT_DAYS * MIN_PER_DAY),
      ("_discharged", FIT + OTHER_SUPPORT_DAYS * MIN_PER_DAY)], (0, 0, 1)),
])
def test_a_direct_emergency_admission_through_to_discharge(monkeypatch, destination: str,
                                                            sets: list, tail: list,
                                                            how: tuple) -> None:
    steps, services = trace(monkeypatch, [f"acute.destinations={{{destination}}}", *sets],
                            lambda s: s["acute"].env.after(
                                ARRIVE, s["acute"].admit_emergency, "direct"))
    left = tail[-1][1]
    assert steps == [("acute", s, t) for s, t in [
        ("admit_emergency", ARRIVE), ("_granted", ARRIVE), ("_bed", ARRIVE), ("_fit", FIT),
        *tail, ("_release", left), ("_free", left + TURNAROUND_HOURS * MIN_PER_HOUR)]]
    assert_follows_the_maps(steps)
    assert exits(services, "acute") == how
    assert services["acute"].monitor.tally(acute.STAY_DAYS).v.tolist() == [
        (left - ARRIVE) / MIN_PER_DAY]


def test_every_step_of_a_map_is_a_method_in_map_order() -> None:
    """The map lists the steps in the order the class defines them (journey order)."""
    for name, cls in CLASSES.items():
        order = list(vars(cls))
        steps = list(MAPS[name])
        assert all(s in order for s in steps), name
        assert sorted(steps, key=order.index) == steps, f"{name}: methods out of map order"
