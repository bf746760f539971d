"""The validation command compares a run with the published figures."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import BASELINE, run_cli

from sim.checks.validation import PUBLISHED


@pytest.mark.slow
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


def test_quick_validation_of_a_hand_made_summary(tmp_path, capsys) -> None:
    """Quick tier: the validation command on a hand-made summary.csv (the slow test above
    makes it with a real run): every published figure 10% above, so each APE is 10%."""
    from sim.cli import main

    rows = [("s", p.kpi, 1.1 * p.value, p.value, 1.2 * p.value) for p in PUBLISHED]
    pd.DataFrame(rows, columns=["scenario", "kpi", "mean", "ci_low", "ci_high"]).to_csv(
        tmp_path / "summary.csv", index=False)
    assert main(["validation", str(tmp_path)]) == 0
    assert "MAPE 10.0%" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "validation.csv")
    assert list(table.kpi) == [p.kpi for p in PUBLISHED]
    assert (abs(table.abs_error - 0.1 * table.published) < 1e-9).all()
    assert (table.in_range == ((table.range_low <= table.model_mean)
                               & (table.model_mean <= table.range_high))).all()
