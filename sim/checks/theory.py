"""Queueing-theory results the model is verified against (Erlang B, Erlang C, M/M/c)."""

from __future__ import annotations


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
