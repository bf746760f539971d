"""How verification judges: each interval check is a one-sample t-test of its replication
values against theory, one member of a family judged by Holm's step-down at a family-wise
ALPHA (the rule is in :mod:`sim.checks.verify`'s docstring); tolerance and exact checks sit
outside the family. Nothing here runs a model."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from sim.checks.verify.common import ci
from sim.core.stats import holm_thresholds, t_test_p

ALPHA = 0.05  # family-wise error rate of the interval checks


# The Holm family: every in_ci row of a full run (ED 4, ED spaces 1, UCR 2, virtual ward 9, a
# capacity schedule 2, step-down queue 3, acute 2, elective 6, discharge to assess 9,
# monotonicity 4); each family module declares its share (FAMILY_ROWS) and the package checks
# on import that they add up to this; tests/test_isolation.py checks the count of a full run.
FAMILY_SIZE = 42


@dataclass(frozen=True)
class Row:
    """One line of verification.csv. ``ci_low``/``ci_high`` are the 95% t-interval, for
    readers; family rows are judged on ``p_value`` against ``threshold`` (pass when p is above
    it), under ``rule``; tolerance and exact rows have no p-value."""

    check: str
    service: str
    theory: float
    mean: float
    ci_low: float
    ci_high: float
    passed: bool
    p_value: float = math.nan
    threshold: float = math.nan
    rule: str = ""


def bonferroni_rule() -> str:
    return f"Bonferroni alpha={ALPHA:g}/m={FAMILY_SIZE} (a partial run; Holm's first step)"


def holm_rule(m: int) -> str:
    return f"Holm over m={m} interval checks, family-wise alpha={ALPHA:g}"


def in_ci(check: str, service: str, theory: float, values,
          alternative: str = "two-sided") -> Row:
    """An interval check, one member of the Holm family: the one-sample t-test of the
    replication values against ``theory`` (two-sided unless ``alternative`` says "less" or
    "greater", the side that fails). Alone it is judged at alpha / FAMILY_SIZE, Holm's
    strictest step, so a row failing here fails in the full run too; ``judge`` applies Holm
    when the whole family is present."""
    mean, lo, hi = ci(values)
    p = t_test_p(values, theory, alternative)
    threshold = ALPHA / FAMILY_SIZE
    return Row(check, service, theory, mean, lo, hi, bool(p > threshold), p, threshold,
               bonferroni_rule())


def within(check: str, service: str, theory: float, values, tolerance: float) -> Row:
    """For quantities compared against a tolerance rather than a test (documented per check);
    outside the Holm family, like the exact identities."""
    mean, lo, hi = ci(values)
    rule = "exact (outside the family)" if tolerance == 0 else \
        f"tolerance |mean - theory| <= {tolerance:g} (outside the family)"
    return Row(check, service, theory, mean, lo, hi, bool(abs(mean - theory) <= tolerance),
               rule=rule)


def judge(rows: list[Row], alpha: float = ALPHA) -> list[Row]:
    """Holm's step-down over the family rows (those with a p-value) when the whole family is
    present; a partial family keeps the rows' own verdict at alpha / FAMILY_SIZE, which never
    fails a row that the full run passes. Tolerance and exact rows are returned unchanged."""
    family = [i for i, r in enumerate(rows) if r.rule.startswith(("Bonferroni", "Holm"))]
    if len(family) != FAMILY_SIZE:
        return list(rows)
    rejected, threshold = holm_thresholds([rows[i].p_value for i in family], alpha)
    out = list(rows)
    for k, i in enumerate(family):
        r = rows[i]
        out[i] = dataclasses.replace(
            r, passed=bool(np.isfinite(r.p_value) and not rejected[k]),
            threshold=float(threshold[k]), rule=holm_rule(len(family)))
    return out
