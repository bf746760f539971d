"""The one recipe for a small, short run of the baseline, shared by the tests and the golden run.

``--scale`` shrinks the population and every capacity together (``scale_overrides``), so a
small run behaves like the full system at a fraction of the cost. Overrides in ``sets`` come
after the scaling and win over it (a test's own capacity stays as written); overrides in
``scaled`` come before it and are scaled with the rest (a capacity schedule, a bed count the
test wants in proportion).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

from sim.experiment.task import run_replication
from sim.outputs.result import ReplicationResult
from sim.scenario import Scenario, load_scenario
from sim.scenario.scale import scale_overrides

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def small_scenario(scale: float, days: int | None, *sets: str, scaled: Sequence[str] = (),
                   file: Path = BASELINE) -> Scenario:
    """The baseline (or ``file``) at ``scale`` with ``days`` measurement days (None: the
    file's), then ``sets``; ``scaled`` overrides are applied first and scaled too."""
    base = load_scenario(file, list(scaled))
    window = [] if days is None else [f"run.measurement_days={days}"]
    return load_scenario(file, [*scaled, *scale_overrides(base, scale), *window, *sets])


def small_run(scale: float, days: int | None, *sets: str, seed: int = 1,
              replication: int = 0, scaled: Sequence[str] = ()) -> ReplicationResult:
    """One replication of :func:`small_scenario` (conservation checked by the run)."""
    return run_replication(small_scenario(scale, days, *sets, scaled=scaled), seed, replication)


_SHARED: dict[tuple[str, int, int], ReplicationResult] = {}


def shared_run(scale: float, days: int | None, *sets: str, seed: int = 1,
                     replication: int = 0, scaled: Sequence[str] = ()) -> ReplicationResult:
    """:func:`small_run`, simulated once per test process for each distinct scenario and
    handed out as a copy: for tests that pair against a run another test also makes. Only
    for tests that patch nothing in ``sim`` (a patched model would be handed the unpatched
    run) and that do not compare two runs of one scenario (they would compare a copy)."""
    scenario = small_scenario(scale, days, *sets, scaled=scaled)
    key = (scenario.model_dump_json(), seed, replication)
    if key not in _SHARED:
        _SHARED[key] = run_replication(scenario, seed, replication)
    return copy.deepcopy(_SHARED[key])
