"""Levels made at the end of a run from unit steps equal the levels recorded change by change."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from helpers import small_scenario

from sim.core.clock import Window
from sim.core.monitor import Level, Monitor, Observations
from sim.core.rng import stream
from sim.core.station import Pool
from sim.model.replication import simulate


def test_level_load_equals_adding_change_by_change() -> None:
    rng = stream(3, 0, "test.spells")
    times = np.round(rng.uniform(0, 50, 400), 1)  # many changes at the same moment
    times[:5] = 0.0  # and some at the level's own start
    deltas = rng.choice([-1.0, 1.0, 2.0], 400)
    added = Level()
    for t, d in sorted(zip(times.tolist(), deltas.tolist(), strict=True), key=lambda x: x[0]):
        added.add(t, d)
    loaded = Level()
    loaded.load(times, deltas)
    assert list(loaded.t) == list(added.t) and list(loaded.v) == list(added.v)


def test_pool_steps_make_the_levels_its_counts_trace() -> None:
    """A pool (priority queue, reneging, a capacity change) records units in use and requests
    waiting as steps; the levels made from them equal its counts after every event."""
    env = simpy.Environment()
    mon = Monitor(Observations(levels=("busy", "queue")))
    pool = Pool(env, 3, "p", "priority", busy=mon.steps("busy"), queue=mon.steps("queue"))
    rng = stream(5, 0, "test.spells.pool")
    seen_busy, seen_queue = Level(), Level()

    def watch(_e=None) -> None:
        seen_busy.set(env.now, pool.in_use)
        seen_queue.set(env.now, pool.queued)

    def patient(hold: float):
        granted = env.event()
        pool.request(granted.succeed, priority=float(rng.integers(2)),
                     patience=float(rng.uniform(5, 50)), on_renege=lambda _t: watch())
        watch()
        yield granted
        watch()
        yield env.timeout(hold)
        pool.release()
        watch()

    def arrivals():
        for _ in range(3000):
            yield env.timeout(float(rng.exponential(2.0)))
            env.process(patient(float(rng.exponential(7.0))))
            if env.now > 2000 and pool.capacity == 3:
                pool.set_capacity(4)
                watch()

    env.process(arrivals())
    env.run()
    mon.finish()
    for name, seen in (("busy", seen_busy), ("queue", seen_queue)):
        assert _changes(mon.level(name)) == _changes(seen)
    assert max(seen_queue.v) > 10


def _changes(level: Level) -> list[tuple[float, float]]:
    """The step function itself: (time, value) where the value changes."""
    out = [(level.t[0], level.v[0])]
    for t, v in zip(level.t[1:], level.v[1:], strict=True):
        if v != out[-1][1]:
            out.append((t, v))
    return out


def test_ed_spaces_in_use_hold_every_patient_s_time_in_a_space() -> None:
    """The area under the ED spaces-in-use level (made from the pool's steps) is the sum of
    every patient's time in a space: Little's law holds exactly on one run."""
    # 40 cubicles and no corridor at full size, scaled with the rest to 4
    sc = small_scenario(0.1, 25, "run.warmup_days=5",
                        scaled=["ed.cubicles=40", "ed.corridor_spaces=0"])
    run = simulate(sc, 11, 0)
    end = run.calendar.end
    in_use = run.monitor.level("ed.spaces_in_use")
    held = np.frombuffer(run.monitor.tally("ed.space_hold_mins").v, dtype=float)
    assert in_use.mean(Window(0.0, end)) * end == pytest.approx(held.sum(), rel=1e-9)
    assert max(run.monitor.level("ed.space_queue").v) > 5  # short of spaces: a real queue
