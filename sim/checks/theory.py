"""Queueing-theory results the model is verified against (Erlang B, Erlang C, M/M/c, and
M/D/c seen daily for a queue served in daily batches)."""

from __future__ import annotations

import math


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/G/c/c loss system (any service distribution)."""
    b = 1.0
    for k in range(1, servers + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (offered load a = lambda / mu)."""
    if offered_load >= servers:
        return 1.0
    b = erlang_b(servers, offered_load)
    rho = offered_load / servers
    return b / (1 - rho + rho * b)


def mmc_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean time in queue (before service) of an M/M/c queue, in the unit of mean_service."""
    a = arrival_rate * mean_service
    if a >= servers:
        return float("inf")
    return erlang_c(servers, a) * mean_service / (servers - a)


def daily_batch_queue_mean(arrivals_per_day: float | list[float], served_per_day: list[int],
                           cap: int = 2000, weeks: int = 20000, tol: float = 1e-13) -> float:
    """Mean number waiting just after each day's service, over the days of the cycle, for a
    queue with Poisson(arrivals_per_day) joining each day (or Poisson(arrivals_per_day[d]) on
    day d of the cycle) and up to ``served_per_day[d]`` served on day d of a repeating cycle
    (five weekdays then a weekend, say).

    With every day's tests taking the same fixed time (one day) this is the M/D/c queue seen at
    multiples of the service time (Crommelin's embedded chain: Q' = max(Q + A - c, 0)),
    generalised to a capacity that changes with the day of the week; solved numerically by
    iterating the distribution over whole cycles until it stops changing."""
    from math import lgamma, log

    import numpy as np

    k = np.arange(cap + 1)

    def poisson_pmf(lam: float) -> np.ndarray:
        a = np.arange(int(lam + 12 * lam ** 0.5 + 12))  # Poisson mass beyond this is < 1e-20
        pmf = np.exp(a * log(lam) - lam - np.array([lgamma(x + 1) for x in a])) if lam > 0 \
            else (a == 0).astype(float)
        return pmf / pmf.sum()

    lams = arrivals_per_day if isinstance(arrivals_per_day, list) else \
        [arrivals_per_day] * len(served_per_day)
    pmfs = [poisson_pmf(x) for x in lams]
    p = np.zeros(cap + 1)
    p[0] = 1.0
    means = []
    for _ in range(weeks):
        before = p.copy()
        means = []
        for c, pmf in zip(served_per_day, pmfs, strict=True):
            q = np.convolve(p, pmf)[:cap + 1]
            q[-1] += 1 - q.sum()  # the (negligible) mass beyond the cap stays at the cap
            p = np.zeros(cap + 1)
            p[0] = q[:c + 1].sum()
            p[1:cap + 1 - c] = q[c + 1:]
            means.append(float(np.dot(k, p)))
        if np.abs(p - before).sum() < tol:
            break
    return float(np.mean(means))


def erlang_a(servers: int, arrival_rate: float, service_rate: float, abandon_rate: float,
             extra: int = 2000) -> dict[str, float]:
    """M/M/c+M (Erlang A): Poisson arrivals, exponential service and exponential patience in
    the queue. Solved as the birth-death chain on the number present (truncated ``extra``
    places beyond the servers, far past any mass when patience is finite). Returns the share
    of arrivals who give up (theta E[Q] / lambda by Little's law on the queue), the mean
    servers busy and the mean number waiting."""
    n_max = servers + extra
    log_p = [0.0]
    for n in range(1, n_max + 1):
        death = service_rate * min(n, servers) + abandon_rate * max(n - servers, 0)
        log_p.append(log_p[-1] + math.log(arrival_rate) - math.log(death))
    top = max(log_p)
    p = [math.exp(x - top) for x in log_p]
    total = sum(p)
    busy = sum(pi * min(n, servers) for n, pi in enumerate(p)) / total
    queue = sum(pi * max(n - servers, 0) for n, pi in enumerate(p)) / total
    return {"gave_up": abandon_rate * queue / arrival_rate, "busy": busy, "queue": queue}
