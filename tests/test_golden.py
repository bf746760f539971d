"""Golden regression: the small fixed baseline run still gives the committed results.

A refactor must leave every figure unchanged. A deliberate change of model behaviour
regenerates the file (``python tests/golden/golden.py``) in the same commit, with the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

from golden import GOLDEN, golden_frame


def test_golden_run_is_unchanged() -> None:
    want = pd.read_csv(GOLDEN)
    got = golden_frame()
    assert list(got.quantity) == list(want.quantity), "KPIs or services added or removed"
    w, g = want.value.to_numpy(), got.value.to_numpy()
    same = np.isclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True)
    drift = got.assign(golden=w)[~same]
    assert same.all(), f"outputs drifted from the golden run:\n{drift.to_string()}"
