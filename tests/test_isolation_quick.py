"""Quick tier: the exact sample-path identities of tests/test_isolation.py on one replication.

Bed-days (pathway-days) in the window equal the in-window parts of every recorded stay,
replication by replication, so one replication of the acute and elective set-ups checks them
exactly (and the set-ups' own preconditions); the slow tier runs all replications and the
interval checks. Virtual wards, conservation and the deterministic pathway run in full in the
quick tier (tests/test_isolation.py).
"""

from __future__ import annotations

import numpy as np

from sim.checks import verify as v


def test_sample_path_identities_hold_on_one_replication() -> None:
    for runs in (v.acute_runs(v.SEED, 1), v.elective_runs(v.SEED, 1)):
        assert float(np.max(np.abs(runs["identity"]))) < 1e-9
        assert abs(float(runs["ratio"][0]) - 1) < 0.05  # Little's law, one replication
