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


def test_monthly_published_covers_the_year_with_tags_and_real_kpis() -> None:
    """Every KPI of England's monthly table is one of the tool's, has all twelve calendar months
    once, a range that is a range, and a tag on every month's figures."""
    from sim.checks.validation import MONTHLY_PUBLISHED, MONTHLY_SOURCES
    from sim.outputs.kpis import KPIS

    kpis = {p.kpi for p in MONTHLY_PUBLISHED}
    assert kpis == {s.kpi for s in MONTHLY_SOURCES}
    for kpi in kpis:
        assert kpi in KPIS, kpi
        months = sorted(p.month for p in MONTHLY_PUBLISHED if p.kpi == kpi)
        assert months == list(range(1, 13)), kpi
    for p in MONTHLY_PUBLISHED:
        assert p.low < p.high, (p.kpi, p.month)
        assert any(tag in p.note for tag in ("[V]", "[V2]", "[D]", "[E]")), (p.kpi, p.month)


def test_monthly_validation_places_each_month_against_its_own_range(tmp_path) -> None:
    """Quick tier: a hand-made monthly.csv; the same 12-hour value is in range in January
    (England ~12.7) and high in July (~7.3), a low one is low, a missing KPI is "no data"."""
    from sim.checks.validation import monthly_range, monthly_validation_table

    jan, jul = monthly_range("ed_12h_pct", 1), monthly_range("ed_12h_pct", 7)
    assert jul.high < 12.5 < jan.high and jan.low < 12.5
    rows = [("s", r, m, "ed_12h_pct", v) for r, v in ((1, 12.0), (2, 13.0))
            for m in ("2026-01", "2025-07")]
    rows += [("s", r, "2025-07", "ed_4h_pct", 40.0) for r in (1, 2)]
    rows += [("other", 1, "2025-07", "ed_4h_pct", 75.0)]  # a second scenario is left out
    pd.DataFrame(rows, columns=["scenario", "replication", "month", "kpi", "value"]).to_csv(
        tmp_path / "monthly.csv", index=False)
    t = monthly_validation_table(tmp_path).set_index(["kpi", "month"])
    assert list(dict.fromkeys(t.index.get_level_values("month"))) == ["2025-07", "2026-01"]
    assert t.loc[("ed_12h_pct", "2026-01"), "position"] == "in"
    assert t.loc[("ed_12h_pct", "2025-07"), "position"] == "high"
    assert t.loc[("ed_12h_pct", "2025-07"), "model_mean"] == 12.5
    assert t.loc[("ed_12h_pct", "2025-07"), "replications"] == 2
    assert t.loc[("ed_4h_pct", "2025-07"), "position"] == "low"
    assert t.loc[("ed_4h_pct", "2025-07"), "model_mean"] == 40.0
    assert t.loc[("handover_30m_pct", "2025-07"), "position"] == "no data"
    assert t.loc[("ed_12h_pct", "2025-07"), "range_high"] == jul.high


def test_validation_adds_the_months_when_the_folder_has_them(tmp_path, capsys) -> None:
    """With a monthly.csv beside the summary, the command also writes England's year month by
    month (validation_monthly.csv) and counts the KPI-months outside England's range: a
    12-hour share of 30% in every month of a hand-made year is 12 months high."""
    from sim.checks.validation import monthly_range
    from sim.cli import main

    rows = [("s", p.kpi, p.value, p.value, p.value) for p in PUBLISHED]
    pd.DataFrame(rows, columns=["scenario", "kpi", "mean", "ci_low", "ci_high"]).to_csv(
        tmp_path / "summary.csv", index=False)
    months = [f"{2025 + (m < 4)}-{m:02d}" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    pd.DataFrame([("s", 0, "ed_12h_pct", month, 30.0) for month in months],
                 columns=["scenario", "replication", "kpi", "month", "value"]).to_csv(
        tmp_path / "monthly.csv", index=False)
    assert main(["validation", str(tmp_path)]) == 0
    table = pd.read_csv(tmp_path / "validation_monthly.csv")
    twelve = table[table.kpi == "ed_12h_pct"]
    assert len(twelve) == 12 and (twelve.position == "high").all()
    assert all(monthly_range("ed_12h_pct", int(m[5:])).high < 30 for m in months)
    out = capsys.readouterr().out
    assert f"12 of {len(table)} KPI-months outside England's range" in out
