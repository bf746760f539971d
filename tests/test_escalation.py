"""Escalation as capacity and policy (issue 25): the pressure level (OPEL-like) the acute trust
declares at set hours, the escalation beds each level opens and the elective inpatients it
defers. Small, short runs of the baseline (``tests/helpers.py``), every one conservation-checked.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from helpers import BASELINE, small_scenario

from sim.core.clock import MIN_PER_DAY, MIN_PER_HOUR
from sim.core.errors import InputError
from sim.model import replication
from sim.model.conservation import check_conservation
from sim.model.context import Context
from sim.model.replication import Replication, simulate
from sim.model.services import acute
from sim.outputs.kpis import RunData, evaluate
from sim.scenario import load_scenario

ON = ("run.warmup_days=14", "acute.opel_review=true")
SHORT = "acute.beds=x0.8"  # of the scaled beds: the 08:00 occupancy runs ~99%
AMPLE = "acute.beds=x2"


def _run(*sets: str, seed: int = 1) -> Replication:
    """A tenth of the baseline for 30 measured days (its 100 escalation beds scaled with the
    rest: 10), simulated and checked: every patient accounted for (raises if not)."""
    rep = simulate(small_scenario(0.1, 30, *sets), seed, 0)
    check_conservation(rep.monitor, rep.services)
    return rep


def _trace(rep: Replication, name: str) -> tuple[np.ndarray, np.ndarray]:
    level = rep.monitor.level(name)
    return np.frombuffer(level.t, dtype=float), np.frombuffer(level.v, dtype=float)


def _kpis(rep: Replication) -> dict[str, float]:
    return evaluate(RunData(rep.monitor, rep.scenario, rep.calendar), rep.calendar.measurement)


@pytest.fixture(scope="module")
def short() -> Replication:
    return _run(*ON, SHORT, "acute.elective_deferral_level=2")


def test_the_level_rises_when_beds_are_short_and_stays_normal_with_ample_beds(short) -> None:
    t, v = _trace(short, acute.PRESSURE_LEVEL)
    assert set(np.unique(v)) <= {0, 1, 2, 3}
    assert v.max() == 3 and _kpis(short)["opel_3_4_time_pct"] > 50  # measured 80-99% (seeds 1-3)
    # declared only at the review hours (08:00, 14:00, 20:00), after the start
    hours = {round(x % MIN_PER_DAY / MIN_PER_HOUR, 6) for x in t[1:]}
    assert hours <= {8.0, 14.0, 20.0}
    ample = _run(*ON, AMPLE)
    assert _trace(ample, acute.PRESSURE_LEVEL)[1].max() == 0
    assert _trace(ample, acute.ESCALATION_OPEN)[1].max() == 0
    assert _kpis(ample)["opel_3_4_time_pct"] == 0


def test_escalation_beds_open_by_level_only(short) -> None:
    """The beds open are the level's share of escalation_beds (10 here: 0, 3, 7, 10 at OPEL 1-4
    with 0/30/70/100%), changed only when a review changes the level."""
    cfg = short.scenario.acute
    assert cfg.escalation_beds == 10  # the baseline's 100 scaled (40 -> 100 in issue 25)
    want = [int(cfg.escalation_beds * pct / 100 + 0.5) for pct in cfg.escalation_open_pct_by_level]
    level = short.monitor.level(acute.PRESSURE_LEVEL)
    t, v = _trace(short, acute.ESCALATION_OPEN)
    assert all(n == want[int(level.at(x))] for x, n in zip(t, v, strict=True))
    assert set(np.unique(v)) == set(want)  # every level reached, so every count seen
    general = cfg.beds - cfg.elective_ring_fenced_beds
    available = short.monitor.level(acute.GENERAL_AVAILABLE)
    assert all(available.at(x) == general + n for x, n in zip(t, v, strict=True))


def test_elective_inpatients_are_deferred_only_within_a_day_of_a_review_at_the_level(
        short) -> None:
    at = short.scenario.acute.elective_deferral_level
    deferred = np.asarray(short.monitor.tally(acute.ELECTIVE_DEFERRED).t)
    assert deferred.size > 0
    reviews, levels = _trace(short, acute.PRESSURE_LEVEL)
    for when in deferred:
        recent = (reviews > when - MIN_PER_DAY) & (reviews <= when)
        assert levels[recent].max(initial=0) >= at
    k = _kpis(short)
    assert k["elective_deferred"] > 0 and k["elective_deferred"] <= deferred.size
    # the same pressure with deferral off defers nobody; deferrals are not cancellations
    never = _run(*ON, SHORT, "acute.elective_deferral_level=0")
    assert len(never.monitor.tally(acute.ELECTIVE_DEFERRED).t) == 0
    assert _kpis(never)["elective_deferred"] == 0


def test_off_keeps_the_ward_by_ward_trigger_and_declares_nothing() -> None:
    # opel_review pinned off: the baseline has it on since issue 25
    off = _run("run.warmup_days=14", "acute.opel_review=false", SHORT,
               "acute.elective_deferral_level=1")
    assert _trace(off, acute.PRESSURE_LEVEL)[1].max() == 0
    assert len(off.monitor.tally(acute.ELECTIVE_DEFERRED).t) == 0
    opened = _trace(off, acute.ESCALATION_OPEN)[1]
    n = off.scenario.acute.escalation_beds  # 10: one for each of the 10 wards
    assert 0 < opened.max() <= n and set(np.unique(opened)) > {0, n}  # ward by ward: 1 at a time


def test_without_ed_the_level_follows_occupancy_alone() -> None:
    """No ED, so nobody boards: the level still rises when the (few) beds fill."""
    rep = _run(*ON, "ed.enabled=false", "acute.beds=x0.3",
               "acute.opel_ed_boarders_per_100_beds_by_level=[0,0,0]")
    assert _trace(rep, acute.PRESSURE_LEVEL)[1].max() == 3
    quiet = _run(*ON, "ed.enabled=false",
                 "acute.opel_ed_boarders_per_100_beds_by_level=[0.1,0.1,0.1]")
    assert _trace(quiet, acute.PRESSURE_LEVEL)[1].max() == 0


def test_the_level_is_declared_to_every_service_listening(monkeypatch) -> None:
    """ctx.pressure is the replication's one level: a listener hears each change the acute
    trust declares (what ED corridor spaces and discharge pushes act on)."""
    heard: list[int] = []
    real = replication.build

    def build(scenario, ctx: Context):
        ctx.pressure.listen(heard.append)
        return real(scenario, ctx)

    monkeypatch.setattr(replication, "build", build)
    rep = _run(*ON, SHORT)
    _, levels = _trace(rep, acute.PRESSURE_LEVEL)
    changes = [int(x) for a, x in pairwise(levels) if x != a]
    assert heard == changes and heard


@pytest.mark.parametrize("bad", [
    "acute.opel_occupancy_pct_by_level=[95,92,98]",
    "acute.escalation_open_pct_by_level=[0,30,70,120]",
    "acute.opel_review_hours=[8,8]",
    "acute.opel_review_hours=[24]",
    "acute.escalation_open_pct_by_level=[0,100]",
    "acute.elective_deferral_level=4",
    "acute.elective_deferral_level=-1",
])
def test_bad_levels_are_input_errors(bad: str) -> None:
    with pytest.raises(InputError):
        load_scenario(BASELINE, [bad])


def test_escalation_bed_days_are_costed_with_their_premium(short) -> None:
    """Escalation bed-days cost the G&A bed-day plus costs.escalation_bed_day_premium_pct."""
    sc = short.scenario
    window = short.calendar.measurement

    def cost(premium: float) -> tuple[float, float]:
        costs = sc.costs.model_copy(update={"acute_bed_day_gbp": 100.0,
                                            "escalation_bed_day_premium_pct": premium})
        k = evaluate(RunData(short.monitor, sc.model_copy(update={"costs": costs}),
                             short.calendar), window)
        return k["cost_acute_gbp"], k["escalation_bed_days"]

    (plain, bed_days), (dear, _) = cost(0.0), cost(50.0)
    assert bed_days > 0
    assert dear - plain == pytest.approx(0.5 * 100.0 * bed_days)


def test_cancer_inpatients_are_never_deferred(monkeypatch) -> None:
    """Trusts standing down elective inpatients under pressure still operate on cancer: the
    theatre asks for their bed as a cancer request, and only routine requests are deferred."""
    calls: list[tuple[bool, int]] = []  # (a cancer request, deferrals it added)
    real = acute.AcuteBeds.admit_elective

    def spy(self, cancer: bool = False) -> bool:
        before = len(self.deferred.t)
        taken = real(self, cancer)
        calls.append((cancer, len(self.deferred.t) - before))
        return taken

    monkeypatch.setattr(acute.AcuteBeds, "admit_elective", spy)
    _run(*ON, SHORT, "acute.elective_deferral_level=2")
    assert any(cancer for cancer, _ in calls)
    assert sum(n for cancer, n in calls if cancer) == 0
    assert sum(n for cancer, n in calls if not cancer) > 0


def test_a_bed_schedule_keeps_the_level_s_share_open() -> None:
    """When a capacity schedule changes the beds or the escalation beds, the level in force
    opens its share of the new escalation beds at once (not at the next review)."""
    sc = small_scenario(0.1, 30, *ON, scaled=[
        'acute.beds={ "2025-02-01" = 2200, "2025-02-25" = 1800 }',
        'acute.escalation_beds={ "2025-02-01" = 40, "2025-03-01" = 80 }'])
    rep = simulate(sc, 1, 0)
    check_conservation(rep.monitor, rep.services)
    level = rep.monitor.level(acute.PRESSURE_LEVEL)
    opened = rep.monitor.level(acute.ESCALATION_OPEN)
    available = rep.monitor.level(acute.GENERAL_AVAILABLE)
    pct = sc.acute.escalation_open_pct_by_level
    # 180 or 220 beds less 19 ring-fenced (the baseline's 190 scaled; 260 before issue 25)
    general = {True: 161, False: 201}
    for day in range(15, 44):
        t = day * MIN_PER_DAY + 1 * MIN_PER_HOUR  # 01:00, 5 hours after the last review
        beds = 8 if day >= 28 else 4  # scaled: 40, then 80 from 1 March (day 28)
        n = int(beds * pct[int(level.at(t))] / 100 + 0.5)
        assert opened.at(t) == n
        assert available.at(t) == general[day >= 24] + n
    assert max(opened.v) == 8
