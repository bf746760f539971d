"""The validation command compares a run with the published figures."""

from __future__ import annotations

import pandas as pd
from conftest import BASELINE, run_cli

from sim.checks.validation import PUBLISHED


def test_validation_reports_error_and_mape(tmp_path) -> None:
    out = tmp_path / "run"
    assert run_cli("run", str(BASELINE), "-n", "2", "--scale", "0.1", "--quiet", "--out",
                   str(out), "--set", "run.measurement_days=40").returncode == 0
    res = run_cli("validation", str(out))
    assert res.returncode == 0, res.stderr
    assert "MAPE" in res.stdout
    table = pd.read_csv(out / "validation.csv")
    assert list(table.kpi) == [p.kpi for p in PUBLISHED]
    row = table.iloc[0]
    assert abs(row.abs_error - (row.model_mean - row.published)) < 1e-9
    assert table.in_range.dtype == bool and table.model_mean.notna().all()
