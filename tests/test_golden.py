"""Golden regression: the small fixed runs still give the committed results.

Two runs: the baseline, and the same with every option the baseline leaves off switched on
(tests/golden/golden.py says which and why). A refactor must leave every figure unchanged. A
deliberate change of model behaviour regenerates the files (``python tests/golden/golden.py``)
in the same commit, with the reason.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))

from golden import (
    GOLDEN,
    OPTIONS,
    OPTIONS_GOLDEN,
    SCHEDULES,
    golden_frame,
    options_frame,
)


def drift(want: pd.DataFrame, got: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``got`` that differ from ``want`` by more than 1e-9 (NaN equals NaN)."""
    assert list(got.quantity) == list(want.quantity), "KPIs or services added or removed"
    w, g = want.value.to_numpy(), got.value.to_numpy()
    same = np.isclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True)
    return got.assign(golden=w)[~same]


def test_golden_run_is_unchanged() -> None:
    moved = drift(pd.read_csv(GOLDEN), golden_frame())
    assert moved.empty, f"outputs drifted from the golden run:\n{moved.to_string()}"


def test_options_golden_run_is_unchanged() -> None:
    moved = drift(pd.read_csv(OPTIONS_GOLDEN), options_frame())
    assert moved.empty, f"outputs drifted from the options golden run:\n{moved.to_string()}"


def test_the_drift_check_sees_a_one_in_a_billion_change() -> None:
    """The guard is not looser than it says: one figure moved by 1e-8 of itself is caught."""
    want = pd.read_csv(OPTIONS_GOLDEN)
    i = int(np.flatnonzero(want.value.abs() > 1)[0])
    got = want.assign(value=want.value.where(want.index != i, want.value * (1 + 1e-8)))
    assert list(drift(want, got).index) == [i]


@pytest.mark.slow
@pytest.mark.parametrize("left_out", [*OPTIONS, "schedules"])
def test_every_option_moves_the_options_run(left_out: str) -> None:
    """The options run guards each option only if each one changes it: without any one of
    them (or without the capacity schedules) the figures differ from the committed ones."""
    options = [v for k, v in OPTIONS.items() if k != left_out]
    schedules = [] if left_out == "schedules" else SCHEDULES
    assert not drift(pd.read_csv(OPTIONS_GOLDEN), options_frame(options, schedules)).empty
