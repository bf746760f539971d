"""Targets judged with stated confidence: met, not met, uncertain, or no data.

The rule (one rule for every target; the README and the report state it):

- **met**: the 95% t-interval of the mean lies wholly on the right side of the threshold AND
  the Wilson 95% lower bound of P(met) (the share of replications meeting the target) is at
  least the scenario's ``judgement.required_confidence`` (default 0.8). A mean just over the
  line that half the replications miss is therefore not "met".
- **not met**: the 95% interval of the mean lies wholly on the wrong side.
- **uncertain**: anything else (the interval straddles the threshold, one replication only, or
  P(met) is not yet known well enough; ``reason`` says which, and how many replications would
  make "met" reachable).

A KPI that is a function of the scenario alone (``exact``: an input such as VW beds per
100,000) has no sampling doubt: its P(met) is exactly 0 or 1 and it is judged on its value. A
random KPI that happens to give the same value every time (0 long waits, 100% within 6 weeks)
is judged by the rule above: a few identical replications do not make it certain.
- **no data**: the KPI has no value (its service is switched off).
- **not judged**: a quick trial did not measure the period the target is judged on (its deadline
  month, or the whole year): see :mod:`sim.outputs.quick`.

Each verdict says what it was judged on: the deadline month when the deadline falls inside the
measurement window (that month's values, not the window's), otherwise the whole window; a
deadline before the window means the target is in force since then and the window is judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.clock import Calendar
from sim.core.stats import mean_ci, replications_for_confidence, wilson_interval
from sim.scenario import Target

MET, NOT_MET, UNCERTAIN, NO_DATA = "met", "not met", "uncertain", "no data"
NOT_JUDGED = "not judged"
WINDOW = "window"
DEFAULT_REQUIRED_CONFIDENCE = 0.8
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


@dataclass(frozen=True)
class Judged:
    """What a target is judged on: a month (YYYY-MM) or the window, and how to say it."""

    on: str  # "window" or the deadline month YYYY-MM
    label: str  # e.g. "March 2026" or "2025-04..2026-03 mean (in force since July 2022)"
    in_force_since: str = ""  # the deadline month when it lies before the window


@dataclass(frozen=True)
class TargetResult:
    target: Target
    judged_on: str  # "window" or the deadline month
    mean: float  # mean over replications of the value judged (the month's when month-judged)
    ci_low: float
    ci_high: float
    p_met: float
    verdict: str
    judged_label: str
    in_force_since: str
    n: int
    n_met: int
    p_met_low: float  # Wilson 95% interval of P(met)
    p_met_high: float
    required_confidence: float
    reason: str
    window_mean: float  # the whole window's mean, to read beside a month's


def meets(value: float, op: str, threshold: float) -> bool:
    return value >= threshold if op == ">=" else value <= threshold


def ci_side(op: str, threshold: float, ci_low: float, ci_high: float) -> str:
    """Where the mean's 95% interval lies: "right", "wrong" or "straddles" (or "unknown")."""
    if math.isnan(ci_low) or math.isnan(ci_high):
        return "unknown"
    if op == ">=":
        return "right" if ci_low >= threshold else "wrong" if ci_high < threshold else "straddles"
    return "right" if ci_high <= threshold else "wrong" if ci_low > threshold else "straddles"


def verdict(op: str, threshold: float, ci_low: float, ci_high: float, n: int, *,
            p_met_low: float, required: float) -> str:
    """The joined rule (module docstring): the mean's CI decides "not met"; "met" needs the CI
    on the right side and P(met) known to be at least ``required``."""
    if n == 0:
        return NO_DATA
    side = ci_side(op, threshold, ci_low, ci_high)
    if n < 2 or side == "unknown":
        return UNCERTAIN
    if side == "wrong":
        return NOT_MET
    if side == "right" and p_met_low >= required:
        return MET
    return UNCERTAIN


def month_label(month: str) -> str:
    """"2026-03" -> "March 2026" (fixed English names, whatever the locale)."""
    year, mon = month.split("-")
    return f"{MONTH_NAMES[int(mon) - 1]} {year}"


def window_label(calendar: Calendar) -> str:
    """The measurement window as its first and last months, e.g. "2025-04..2026-03 mean"."""
    months = calendar.months()
    first, last = months[0].label, months[-1].label
    return f"{first} mean" if first == last else f"{first}..{last} mean"


def judged_on(target: Target, calendar: Calendar) -> Judged:
    """The deadline month when it lies inside the measurement window; otherwise the whole
    window, labelled "in force since" when the deadline has passed before the window starts
    and "deadline after the window" when it comes later."""
    window = window_label(calendar)
    if not target.deadline:
        return Judged(WINDOW, window)
    if target.deadline in {m.label for m in calendar.months()}:
        return Judged(target.deadline, month_label(target.deadline))
    if target.deadline < calendar.months()[0].label:
        return Judged(WINDOW, f"{window} (in force since {month_label(target.deadline)})",
                      target.deadline)
    return Judged(WINDOW, f"{window} (deadline {month_label(target.deadline)} is after the "
                  "window)")


def reason_for(verdict_: str, target: Target, ci: tuple[float, float], n: int, n_met: int,
               p_low: float, required: float) -> str:
    """One short sentence saying why the verdict is what it is."""
    if verdict_ == NO_DATA:
        return "no value: the KPI's service is switched off"
    if n < 2:
        return f"{n} replication: no confidence interval"
    lo, hi = ci
    side = ci_side(target.op, target.threshold, lo, hi)
    where = f"95% CI {lo:.1f}..{hi:.1f}"
    p_text = f"P(met) >= {p_low:.2f} with {n_met} of {n} replications meeting"
    if verdict_ == NOT_MET:
        return f"{where} wholly on the wrong side of {target.threshold:g}"
    if side == "straddles":
        return f"{where} straddles {target.threshold:g}; {n_met} of {n} replications meeting"
    if verdict_ == MET:
        return f"{where} on the right side; {p_text}"
    need = replications_for_confidence(required)
    if n_met == n and n < need:
        return f"{p_text}; {required:.2f} needs {need}"
    return f"{p_text}; {required:.2f} needs more replications meeting"


def judge(target: Target, values: np.ndarray, on: Judged | str,
          required: float = DEFAULT_REQUIRED_CONFIDENCE,
          window_values: np.ndarray | None = None, exact: bool = False) -> TargetResult:
    """Judge one target on the replications' values of what it is judged on. ``exact``: the
    KPI is a function of the scenario alone (an input such as VW beds per 100,000), so it has
    no sampling doubt and is judged on its value."""
    judged = on if isinstance(on, Judged) else Judged(on, on)
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    mean, _sd, lo, hi, n = mean_ci(finite)
    n_met = sum(meets(float(x), target.op, target.threshold) for x in finite)
    p_met = n_met / n if n else math.nan
    p_low, p_high = wilson_interval(n_met, n)
    if exact and n:
        p_low = p_high = p_met
        result = MET if n_met == n else NOT_MET if n_met == 0 else UNCERTAIN
        reason = (f"a scenario input, no sampling doubt: {mean:g} {target.op} "
                  f"{target.threshold:g} is {'true' if result == MET else 'false'}")
    else:
        result = verdict(target.op, target.threshold, lo, hi, n, p_met_low=p_low,
                         required=required)
        reason = reason_for(result, target, (lo, hi), n, n_met, p_low, required)
    wv = np.asarray(window_values if window_values is not None else values, dtype=float)
    wv = wv[np.isfinite(wv)]
    return TargetResult(
        target, judged.on, mean, lo, hi, p_met, result, judged.label, judged.in_force_since,
        n, n_met, p_low, p_high, required, reason, float(wv.mean()) if wv.size else math.nan)


def rule_text(required: float, replications: int) -> str:
    """The verdict rule in one sentence, with what it means for this many replications."""
    need = replications_for_confidence(required)
    reach = (f"reachable with {replications} replications" if replications >= need else
             f"not reachable with {replications} replications: needs at least {need}")
    return (f"'met' needs the mean's 95% CI on the right side and P(met) >= "
            f"{required:.2f} at 95% confidence (Wilson); {reach}")
