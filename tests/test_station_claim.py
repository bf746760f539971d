"""``Pool.claim``: the process-style request low-volume journeys use, as SimPy's
``with resource.request() as req: yield req`` behaves: granted in order (or by priority),
given back when the block ends, withdrawn if the block ends first, False when patience runs
out."""

from __future__ import annotations

from sim.core.engine import Engine
from sim.core.station import Pool


def _patient(env: Engine, pool: Pool, log: list, name: str, hold: float,
             priority: float = 0.0, patience: float | None = None):
    with pool.claim(priority, patience) as unit:
        got = yield unit
        log.append((env.now, name, "got" if got else "gave up"))
        if got:
            yield env.timeout(hold)
    log.append((env.now, name, "done"))


def test_claims_are_granted_in_order_and_given_back_when_the_block_ends() -> None:
    env = Engine()
    pool = Pool(env, 1)
    log: list = []
    for name, hold in (("a", 5.0), ("b", 3.0), ("c", 1.0)):
        env.process(_patient(env, pool, log, name, hold))
    env.run()
    assert log == [(0.0, "a", "got"), (5.0, "a", "done"), (5.0, "b", "got"),
                   (8.0, "b", "done"), (8.0, "c", "got"), (9.0, "c", "done")]
    assert pool.in_use == 0 and pool.queued == 0


def test_priority_and_patience() -> None:
    env = Engine()
    pool = Pool(env, 1, discipline="priority")
    log: list = []
    env.process(_patient(env, pool, log, "first", 10.0))
    env.process(_patient(env, pool, log, "low", 1.0, priority=1))
    env.process(_patient(env, pool, log, "high", 1.0, priority=0))
    env.process(_patient(env, pool, log, "impatient", 1.0, patience=4.0))
    env.run()
    assert log == [(0.0, "first", "got"), (4.0, "impatient", "gave up"),
                   (4.0, "impatient", "done"), (10.0, "first", "done"), (10.0, "high", "got"),
                   (11.0, "high", "done"), (11.0, "low", "got"), (12.0, "low", "done")]


def test_a_claim_left_while_waiting_is_withdrawn() -> None:
    env = Engine()
    pool = Pool(env, 0)
    claim = pool.claim()
    assert pool.queued == 1 and not claim.granted
    with claim:
        pass
    assert pool.queued == 0
    pool.set_capacity(1)  # nobody is granted the unit: the claim left the queue
    env.run()
    assert not claim.triggered and pool.in_use == 0


def test_a_journey_closed_after_the_run_gives_nothing_back() -> None:
    """A process still holding a unit when the run ends is closed when it is garbage collected
    (GeneratorExit): the finished replication's pool is left as the run left it."""
    env = Engine()
    pool = Pool(env, 1)
    log: list = []
    journey = _patient(env, pool, log, "a", 100.0)
    env.process(journey)
    env.run(until=10.0)
    journey.close()
    assert pool.in_use == 1 and log == [(0.0, "a", "got")]
