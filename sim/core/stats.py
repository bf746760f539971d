"""Small statistics without SciPy: Student-t quantiles and confidence intervals."""

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


def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t by bisection on the CDF (accurate to ~1e-10)."""
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return (lo + hi) / 2


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
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return (lo + hi) / 2


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
    return (max(0.0, centre - half), min(1.0, centre + half))


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
