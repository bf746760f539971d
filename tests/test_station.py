"""The station agrees with queueing theory and behaves exactly on a hand-checked trace."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.checks.theory import erlang_c, mmc_mean_wait
from sim.core.rng import stream
from sim.core.station import Pool, Station
from sim.core.stats import mean_ci


def simulate_mmc(servers: int, load: float, customers: int, replication: int,
                 service_scale: float = 1.0, seed: int = 2024) -> tuple[float, float]:
    """One replication: (mean wait, share who waited) after discarding the first 10%."""
    lam, mean_service = 1.0, servers * load  # arrival rate 1 per minute
    rng = stream(seed, replication, "test.mmc")
    inter = rng.exponential(1 / lam, customers)
    service = rng.exponential(mean_service * service_scale, customers)
    env = simpy.Environment()
    st = Station(env, servers, "mmc")
    waits = np.full(customers, np.nan)

    def arrivals():
        for i in range(customers):
            yield env.timeout(inter[i])
            st.join(service[i], lambda t, i=i: waits.__setitem__(i, t.wait))

    env.process(arrivals())
    env.run()
    w = waits[customers // 10:]
    return float(w.mean()), float(np.mean(w > 0))


CASES = [(c, rho) for c in (1, 5, 20) for rho in (0.5, 0.8, 0.9)]


def replications_for(servers: int, load: float, scale: float = 1.0, reps: int = 12):
    customers = 40_000 if load < 0.9 else 80_000
    runs = [simulate_mmc(servers, load, customers, r, scale) for r in range(reps)]
    return np.array([r[0] for r in runs]), np.array([r[1] for r in runs])


# One case stays in the quick tier; the rest (one or many servers, heavy load) are slow.
QUICK_CASES = {(5, 0.8)}


@pytest.mark.parametrize(("servers", "load"), [
    case if case in QUICK_CASES else pytest.param(*case, marks=pytest.mark.slow)
    for case in CASES])
def test_station_matches_erlang_c(servers: int, load: float) -> None:
    waits, p_wait = replications_for(servers, load)
    wq = mmc_mean_wait(servers, 1.0, servers * load)
    pc = erlang_c(servers, servers * load)
    _, _, lo, hi, _ = mean_ci(waits)
    assert lo <= wq <= hi, f"mean wait {wq:.3f} outside CI {lo:.3f}..{hi:.3f}"
    _, _, lo, hi, _ = mean_ci(p_wait)
    assert lo <= pc <= hi, f"P(wait) {pc:.4f} outside CI {lo:.4f}..{hi:.4f}"


@pytest.mark.slow
def test_erlang_check_detects_a_wrong_service_time() -> None:
    """The check above can fail: 5% longer service times are caught at c=5, load 0.8."""
    waits, _ = replications_for(5, 0.8, scale=1.05)
    _, _, lo, hi, _ = mean_ci(waits)
    assert not lo <= mmc_mean_wait(5, 1.0, 4.0) <= hi


def test_event_trace_two_patients_one_server() -> None:
    env = simpy.Environment()
    st = Station(env, 1, "trace")
    log: list[tuple[float, str]] = []

    def patient(name: str, arrive: float, service: float):
        yield env.timeout(arrive)
        log.append((env.now, f"{name} arrives"))
        wait = yield st.serve(service)
        log.append((env.now, f"{name} leaves after waiting {wait:g}"))

    env.process(patient("a", 0, 5))
    env.process(patient("b", 1, 3))
    env.run()
    assert log == [(0, "a arrives"), (1, "b arrives"), (5, "a leaves after waiting 0"),
                   (8, "b leaves after waiting 4")]


def test_priority_queue_and_patience() -> None:
    env = simpy.Environment()
    pool = Pool(env, 1, "beds", discipline="priority")
    order: list[str] = []
    reneged: list[str] = []
    first = pool.request(lambda t: order.append("first"))
    for name, prio in (("low", 2), ("high", 0), ("impatient", 1)):
        patience = 3.0 if name == "impatient" else None
        pool.request(lambda t, n=name: order.append(n), priority=prio, patience=patience,
                     on_renege=lambda t, n=name: reneged.append(n))
    env.run(until=5)
    assert reneged == ["impatient"] and pool.queued == 2
    pool.release()  # first leaves: highest priority (lowest number) goes next
    pool.release()
    assert order == ["first", "high", "low"]
    assert first.wait == 0 and pool.in_use == 1 and pool.queued == 0


def test_capacity_change_takes_effect_as_units_free() -> None:
    env = simpy.Environment()
    st = Station(env, 2, "shift")
    done: list[float] = []
    for _ in range(4):
        st.join(10, lambda t: done.append(env.now))
    env.timeout(1).callbacks.append(lambda _e: st.set_capacity(4))
    env.run()
    assert done == [10, 10, 11, 11]
