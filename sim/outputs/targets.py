"""Targets judged with confidence: met, not met, or uncertain when the CI straddles the line."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.clock import Calendar
from sim.core.stats import mean_ci
from sim.scenario import Target

MET, NOT_MET, UNCERTAIN, NO_DATA = "met", "not met", "uncertain", "no data"


@dataclass(frozen=True)
class TargetResult:
    target: Target
    judged_on: str  # "window" or the deadline month
    mean: float
    ci_low: float
    ci_high: float
    p_met: float
    verdict: str


def meets(value: float, op: str, threshold: float) -> bool:
    return value >= threshold if op == ">=" else value <= threshold


def verdict(op: str, threshold: float, ci_low: float, ci_high: float, n: int) -> str:
    """Met only when the whole 95% CI is on the right side; one replication is never enough."""
    if n == 0:
        return NO_DATA
    if n < 2 or math.isnan(ci_low):
        return UNCERTAIN
    if op == ">=":
        return MET if ci_low >= threshold else NOT_MET if ci_high < threshold else UNCERTAIN
    return MET if ci_high <= threshold else NOT_MET if ci_low > threshold else UNCERTAIN


def judged_on(target: Target, calendar: Calendar) -> str:
    """The deadline month when it lies inside the measurement window, else the whole window."""
    if target.deadline and target.deadline in {m.label for m in calendar.months()}:
        return target.deadline
    return "window"


def judge(target: Target, values: np.ndarray, on: str) -> TargetResult:
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    mean, _sd, lo, hi, n = mean_ci(finite)
    hits = [meets(x, target.op, target.threshold) for x in finite]
    p_met = float(np.mean(hits)) if n else math.nan
    return TargetResult(target, on, mean, lo, hi, p_met,
                        verdict(target.op, target.threshold, lo, hi, n))
