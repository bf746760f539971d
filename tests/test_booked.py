"""The booked FIFO queue starts every request when the event-driven station would, and agrees
with Erlang C on its own."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.checks.theory import erlang_c, mmc_mean_wait
from sim.core.booked import BookedQueue
from sim.core.capacity import staff_changes
from sim.core.rng import stream
from sim.core.rota import run_rota
from sim.core.station import Station
from sim.core.stats import mean_ci

# 24 hourly values with a night gap (0 on duty), a step down while people are busy, and a peak
ROTA = [2, 2, 1, 0, 0, 1, 2, 3, 4, 5, 5, 4, 4, 5, 5, 4, 3, 3, 4, 4, 3, 3, 2, 2]


def _demand(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = stream(seed, 0, "test.booked")
    return np.cumsum(rng.exponential(14.0, n)), rng.exponential(30.0, n)


def _station_starts(times: np.ndarray, service: np.ndarray) -> np.ndarray:
    env = simpy.Environment()
    st = Station(env, 0, "events")
    run_rota(env, st, ROTA, first_weekday=2)
    starts = np.full(times.size, np.inf)

    def arrivals():
        for i, (t, s) in enumerate(zip(times, service, strict=True)):
            yield env.timeout(t - env.now)
            st.join(s, on_start=lambda tk, i=i: starts.__setitem__(i, tk.started))

    env.process(arrivals())
    env.run(until=times[-1] + 20_000)
    return starts


def _booked_starts(times: np.ndarray, service: np.ndarray) -> np.ndarray:
    q = BookedQueue(staff_changes([(0.0, ROTA)], first_weekday=2))
    return np.array([q.start(t, s) for t, s in zip(times, service, strict=True)])


def test_booked_starts_equal_the_event_driven_station_with_a_rota() -> None:
    times, service = _demand(20_000, 7)
    want, got = _station_starts(times, service), _booked_starts(times, service)
    assert np.array_equal(want, got)  # the same floats, request by request
    waited = got > times
    assert 0.2 < waited.mean() < 0.95  # the rota makes real queues (and night gaps) to agree on


def test_booked_queue_never_starts_with_no_server_and_waits_forever_without_one() -> None:
    q = BookedQueue(iter([(0.0, 1), (100.0, 0)]))
    assert q.start(0.0, 60.0) == 0.0
    assert q.start(10.0, 60.0) == 60.0  # after the first, still within the shift
    assert q.start(20.0, 5.0) == np.inf  # the shift ends at 100 with no one after it


@pytest.mark.parametrize(("servers", "load"), [(1, 0.7), (5, 0.85)])
def test_booked_queue_matches_erlang_c(servers: int, load: float) -> None:
    means, shares = [], []
    for rep in range(10):
        rng = stream(2024, rep, "test.booked.mmc")
        n = 40_000
        times = np.cumsum(rng.exponential(1.0, n))
        service = rng.exponential(servers * load, n)
        q = BookedQueue(iter([(0.0, servers)]))
        wait = np.array([q.start(t, s) for t, s in zip(times, service, strict=True)]) - times
        means.append(wait[n // 10:].mean())
        shares.append(np.mean(wait[n // 10:] > 0))
    _, _, lo, hi, _ = mean_ci(np.array(means))
    assert lo <= mmc_mean_wait(servers, 1.0, servers * load) <= hi
    _, _, lo, hi, _ = mean_ci(np.array(shares))
    assert lo <= erlang_c(servers, servers * load) <= hi


def test_booked_queue_refuses_what_its_recursion_does_not_cover() -> None:
    """Booking is exact only for first come, first served in time order with known service
    times on a rota in time order: anything else is refused, not booked wrongly."""
    q = BookedQueue(iter([(0.0, 1)]), "ed.clinicians")
    assert q.start(10.0, 5.0) == 10.0
    with pytest.raises(ValueError, match=r"ed\.clinicians: .*first come, first served"):
        q.start(9.0, 5.0)  # joins before the last booked request: not FIFO
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="non-negative time"):
            q.start(11.0, bad)
    assert q.start(10.0, 5.0) == 15.0  # refused requests left the queue as it was
    backwards = BookedQueue(iter([(0.0, 1), (60.0, 2), (30.0, 1)]))
    with pytest.raises(ValueError, match="time order"):
        backwards.start(100.0, 1.0)
    with pytest.raises(ValueError, match="negative count"):
        BookedQueue(iter([(0.0, -1)]))
    assert not any(hasattr(q, verb) for verb in ("cancel", "withdraw", "renege"))  # final
