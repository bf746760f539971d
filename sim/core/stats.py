"""Small statistics without SciPy: Student-t distribution, one-sample t-test p-values, Holm's
step-down thresholds and confidence intervals."""

from __future__ import annotations

import math

import numpy as np


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (Lentz's method)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
           + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t, computed from the tail directly (no 1 - x cancellation), so
    small upper-tail probabilities keep their relative accuracy."""
    tail = 0.5 * _betainc(df / 2, 0.5, df / (df + t * t))
    return tail if t > 0 else 1 - tail


def t_test_p(values, mu: float, alternative: str = "two-sided") -> float:
    """p-value of the one-sample t-test of the finite ``values`` against the mean ``mu``.

    ``alternative``: "two-sided" (mean != mu), "less" (mean < mu) or "greater" (mean > mu).
    NaN with fewer than two values; with zero spread the data are taken at face value (1.0 when
    the mean equals ``mu`` or lies on the null side, 0.0 otherwise)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n < 2:
        return math.nan
    diff = float(v.mean()) - mu
    se = float(v.std(ddof=1)) / math.sqrt(n)
    if se == 0.0 or not math.isfinite(diff / se):
        against = {"two-sided": diff != 0.0, "less": diff < 0.0, "greater": diff > 0.0}
        return 0.0 if against[alternative] else 1.0
    t = diff / se
    if alternative == "two-sided":
        return min(1.0, _betainc((n - 1) / 2, 0.5, (n - 1) / (n - 1 + t * t)))
    if alternative == "less":
        return t_sf(-t, n - 1)
    if alternative == "greater":
        return t_sf(t, n - 1)
    raise ValueError(f"unknown alternative {alternative!r}")


def holm_thresholds(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down procedure over a family: (rejected, threshold) per hypothesis.

    Sorted ascending, the i-th smallest p-value (i = 1..m) is compared with alpha / (m - i + 1);
    hypotheses are rejected while their p-value is at or below it, and the first one above it
    stops the procedure. ``threshold`` is each hypothesis's effective threshold: its own step's
    for those reached before the stop, the stopping step's for the rest, so that rejected ==
    (p <= threshold) row by row. The family-wise error rate is at most alpha whatever the
    dependence between the tests. NaN p-values are never rejected and do not count in m."""
    p = np.asarray(p_values, dtype=float)
    rejected = np.zeros(p.size, dtype=bool)
    threshold = np.full(p.size, math.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    order = finite[np.argsort(p[finite], kind="stable")]
    stop = alpha / m if m else math.nan
    stopped = False
    for i, k in enumerate(order):
        if not stopped:
            stop = alpha / (m - i)
            stopped = p[k] > stop
            rejected[k] = not stopped
        threshold[k] = stop
    return rejected, threshold


def _quantile(cdf, p: float, lo: float, hi: float, tol: float) -> float:
    """The x with cdf(x) = p, by bisection on [lo, hi] (a monotone CDF has one)."""
    for _ in range(200):
        mid = (lo + hi) / 2
        if cdf(mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < tol:
            break
    return (lo + hi) / 2


def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t by bisection on the CDF (accurate to ~1e-10)."""
    return _quantile(lambda x: t_cdf(x, df), p, -1e3, 1e3, 1e-12)


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """(mean, sd, ci_low, ci_high, n) over the finite values; t-interval, NaN where undefined."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = int(v.size)
    if n == 0:
        return (math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(v.mean())
    if n == 1:
        return (mean, math.nan, math.nan, math.nan, 1)
    sd = float(v.std(ddof=1))
    half = t_ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return (mean, sd, mean - half, mean + half, n)


def normal_ppf(p: float) -> float:
    """Standard normal quantile by bisection on the CDF (erf), accurate to ~1e-12."""
    if not 0 < p < 1:
        raise ValueError("p must be strictly between 0 and 1")
    return _quantile(lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2))), p, -40.0, 40.0, 1e-13)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion: unlike the plain p +/- z se interval it stays
    inside [0, 1] and does not collapse to a point when every trial succeeds (10 of 10 is not
    certainty). NaN for n = 0."""
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    z = normal_ppf(0.5 + level / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes the bound is exactly 0 or 1; rounding gave 0.9999999999999999, which
    # put the observed share outside its own interval (and a chart's error bar below zero).
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def replications_for_confidence(required: float, level: float = 0.95) -> int:
    """Fewest replications n for which n successes out of n give a Wilson lower bound of at
    least ``required``: below it a "met" verdict at that confidence cannot be reached at all.
    With every trial a success the lower bound is n / (n + z^2)."""
    if not 0 < required < 1:
        raise ValueError("required must be strictly between 0 and 1")
    z2 = normal_ppf(0.5 + level / 2) ** 2
    n = max(1, math.ceil(required * z2 / (1 - required)))
    while wilson_interval(n, n, level)[0] < required:  # guard against rounding at the edge
        n += 1
    return n
