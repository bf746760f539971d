"""Levels built at the end of a run from spells equal the levels recorded change by change."""

from __future__ import annotations

import numpy as np
from conftest import BASELINE

from sim.core.monitor import Level
from sim.model import replication as rep_mod
from sim.scenario import load_scenario
from sim.scenario.scale import scale_overrides


def test_level_load_equals_adding_change_by_change() -> None:
    rng = np.random.default_rng(3)  # test data only (not a model stream)
    times = np.round(rng.uniform(0, 50, 400), 1)  # many changes at the same moment
    times[:5] = 0.0  # and some at the level's own start
    deltas = rng.choice([-1.0, 1.0, 2.0], 400)
    added = Level()
    for t, d in sorted(zip(times.tolist(), deltas.tolist(), strict=True), key=lambda x: x[0]):
        added.add(t, d)
    loaded = Level()
    loaded.load(times, deltas)
    assert list(loaded.t) == list(added.t) and list(loaded.v) == list(added.v)


def test_ed_space_levels_equal_those_recorded_as_they_change(monkeypatch) -> None:
    """The ED spaces in use and their queue, rebuilt from spells at close, are the traces the
    pool would have recorded (a busy ED: short of spaces, so the queue is real)."""
    sets = ["run.warmup_days=5", "run.measurement_days=25", "ed.cubicles=40",
            "ed.corridor_spaces=0"]
    base = load_scenario(BASELINE, sets)
    scenario = load_scenario(BASELINE, sets + scale_overrides(base, 0.1))
    shadow: dict[str, Level] = {}
    build = rep_mod.build

    def build_with_shadow(sc, ctx):
        made = build(sc, ctx)
        spaces = made["ed"].spaces
        spaces.busy_level = shadow["busy"] = Level()
        spaces.queue_level = shadow["queue"] = Level()
        return made

    monkeypatch.setattr(rep_mod, "build", build_with_shadow)
    run = rep_mod.simulate(scenario, 11, 0)
    busy, queue = run.monitor.level("ed.spaces_in_use"), run.monitor.level("ed.space_queue")
    assert list(busy.t) == list(shadow["busy"].t) and list(busy.v) == list(shadow["busy"].v)
    assert list(queue.t) == list(shadow["queue"].t)
    assert list(queue.v) == list(shadow["queue"].v)
    assert max(queue.v) > 5 and len(busy.t) > 1000  # a queue to agree on
