"""What every verification check shares: a service alone in the baseline with stationary
demand (``alone``), one replication's observations (``simulate``), and the window and Little's
law measures the checks read. Nothing here judges; :mod:`.judging` does."""

from __future__ import annotations

import numpy as np

from sim.core.clock import MIN_PER_DAY, Window
from sim.core.monitor import Monitor, Tally
from sim.core.stats import mean_ci
from sim.model import registry
from sim.model.replication import calendar_of
from sim.model.replication import simulate as simulate_replication
from sim.scenario import Scenario, baseline_path, load_scenario

BASELINE = baseline_path()
SEED = 1


class VerificationError(AssertionError):
    """A check's own precondition failed: the set-up, not the theory, is wrong."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise VerificationError(message)


POP = 100_000
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


def flat(n: int) -> str:
    return "[" + ", ".join(["1.0"] * n) + "]"


def alone(service: str, sets: list[str], warmup_days: int, measurement_days: int,
          population: int = POP) -> Scenario:
    """The baseline with only ``service`` on, stationary demand and the given run length.
    UCR is one ICS-wide team here, with no conveyance while waiting and no declines: the checks
    are of one M/M/c pool."""
    others = [f"{s}.enabled=false" for s in registry.REGISTRY if s != service]
    if service == "ucr":
        others += ["ucr.localities=[]", "ucr.conveyance_per_hour_waited=0.0",
                   "ucr.decline_when_waiting_at_least=0", "ucr.nhs_111_999_from_ed=false"]
    run = [f"population.size={population}", "demand.growth_pct_per_year=0.0",
           f"seasons.emergency_los_month_profile={flat(12)}",
           f"seasons.emergency_admission_month_profile={flat(12)}",
           "seasons.bank_holidays=false",
           "run.start_date=2025-01-06", f"run.warmup_days={warmup_days}",
           f"run.measurement_days={measurement_days}"]
    return load_scenario(BASELINE, [*others, *run, *sets])


def simulate(scenario: Scenario, replication: int, seed: int = SEED) -> Monitor:
    """What run_replication does up to the KPIs: build, run to the end, close (censoring)."""
    rep = simulate_replication(scenario, seed, replication)
    require(set(rep.services) == {e.section for e in registry.enabled(scenario)},
             "the services built are the ones switched on")
    return rep.monitor


def ci(values) -> tuple[float, float, float]:
    mean, _sd, lo, hi, _n = mean_ci(np.asarray(values, dtype=float))
    return mean, lo, hi


def wait_window(scenario: Scenario) -> Window:
    cal = calendar_of(scenario)
    return Window(cal.warmup_end, cal.end - MIN_PER_DAY)


def time_in_window(tally: Tally, window: Window, unit: float) -> float:
    """Sum over every recorded stay (censored ones too) of the minutes it spent in the window;
    ``unit`` converts the tally's values to minutes."""
    t = np.asarray(tally.t, dtype=float)
    end = t + np.asarray(tally.v, dtype=float) * unit
    return float(np.sum(np.clip(end, window.start, window.end)
                        - np.clip(t, window.start, window.end)))


def little_measures(monitor: Monitor, level: str, tally: str, little: Window,
                    full: Window) -> dict[str, float]:
    """Little's law three ways: over ``little`` (every stay complete), over ``full`` (censored
    stays at their time so far) and the exact sample-path identity over ``full``."""
    inside = time_in_window(monitor.tally(tally), full, MIN_PER_DAY)
    area = monitor.level(level).mean(full) * (full.end - full.start)
    return {"ratio": little_ratio(monitor, level, tally, little),
            "literal": little_ratio(monitor, level, tally, full),
            "identity": area / inside - 1}


def little_ratio(monitor: Monitor, level: str, tally: str, window: Window) -> float:
    """L / (lambda W): L the time-average level, lambda the stays starting in the window per
    day, W their mean (censored stays count with their time so far)."""
    values, _ = monitor.tally(tally).select(window)
    lam = values.size / window.days
    return monitor.level(level).mean(window) / (lam * float(values.mean()))
