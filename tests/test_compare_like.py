"""Issue 24: compare pairs only like runs and says the period of every cost.

Folders are made by hand (a manifest and two tables), as a finished run writes them, so the
rule is tested without running the model: a quick or scaled trial beside a full run and
different windows are refused (exit 2, the reason named); different seeds or code versions
are compared unpaired and the note says which.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.outputs.comparison import compare_dirs, cost_lines
from sim.outputs.kpis import KPIS

FULL_YEAR = {"start_date": "2025-02-01", "warmup_days": 59, "measurement_days": 365}
QUICK = {**FULL_YEAR, "measurement_days": 91}


def folder(path: Path, *, seed: int = 3, run: dict = FULL_YEAR, quick: bool = False,
           scale: float = 1.0, commit: str = "a" * 40, cost: float = 1e6) -> Path:
    path.mkdir()
    manifest = {"status": "complete", "seed": seed, "git_commit": commit, "quick": quick,
                "scale": scale, "scaled": scale != 1.0,
                "scenario": {"run": run, "costs": {}}}
    (path / "manifest.json").write_text(json.dumps(manifest))
    rows = [("s", r, k, cost + 1000 * r if k == "cost_total_gbp" else 70.0 + r)
            for r in range(3) for k in KPIS]
    pd.DataFrame(rows, columns=["scenario", "replication", "kpi", "value"]).to_csv(
        path / "replications.csv", index=False)
    pd.DataFrame([("s", "ed_4h", "ed_4h_pct", "not met", 71.0)],
                 columns=["scenario", "target", "kpi", "verdict", "mean"]).to_csv(
        path / "targets.csv", index=False)
    return path


@pytest.mark.parametrize(("other", "reason"), [
    ({"quick": True, "run": QUICK}, "windows differ: 365 days measured (2025-04-01 to "
     "2026-03-31) against 91 days measured (2025-04-01 to 2025-06-30)"),
    ({"quick": True}, "one run is full, the other quick"),
    ({"scale": 0.05}, "one run is full, the other scaled x0.05"),
])
def test_unlike_runs_are_refused_with_the_reason(tmp_path: Path, capsys, other: dict,
                                                 reason: str) -> None:
    a, b = folder(tmp_path / "a"), folder(tmp_path / "b", **other)
    assert main(["compare", str(a), str(b)]) == 2
    captured = capsys.readouterr()
    assert reason in captured.err and "Traceback" not in captured.err + captured.out
    assert "paired by replication" not in captured.out


@pytest.mark.parametrize(("other", "reason"), [
    ({"seed": 4}, "different seeds (3, 4)"),
    ({"commit": "b" * 40}, "different code versions (aaaaaaa, bbbbbbb)"),
])
def test_different_seed_or_code_is_compared_unpaired(tmp_path: Path, other: dict,
                                                     reason: str) -> None:
    a, b = folder(tmp_path / "a"), folder(tmp_path / "b", cost=2e6, **other)
    table, note = compare_dirs(a, b)
    assert reason in note and "unpaired Welch" in note and "paired by replication" not in note
    assert table.query("target == 'ed_4h'").cost_note.iloc[0].startswith("unpaired")


def test_like_runs_pair_and_costs_say_their_period(tmp_path: Path) -> None:
    a, b = folder(tmp_path / "a"), folder(tmp_path / "b", cost=2e6)
    table, note = compare_dirs(a, b)
    assert "paired by replication" in note and "over 365 days measured" in note
    [line] = cost_lines(table)
    assert "incremental cost GBP 1,000,000 over 365 days measured (2025-04-01 to 2026-03-31)" \
        in line


def test_two_quick_trials_compare_and_say_they_are_trials(tmp_path: Path) -> None:
    a = folder(tmp_path / "a", quick=True, run=QUICK)
    b = folder(tmp_path / "b", quick=True, run=QUICK)
    _table, note = compare_dirs(a, b)
    assert "paired by replication" in note and "both runs are quick trials" in note


def test_the_app_says_why_an_unlike_option_is_not_compared(tmp_path: Path) -> None:
    from sim.app import views

    a, b = folder(tmp_path / "a"), folder(tmp_path / "b", quick=True, run=QUICK)
    cmp = views.compare(a, {"quick one": b})
    assert cmp.notes["quick one"].startswith("Not compared: ")
    assert "one run is full, the other quick" in cmp.notes["quick one"]
    assert cmp.costs["quick one"] == [] and cmp.differences["quick one"].empty


def test_a_month_judged_target_is_compared_on_its_month_with_the_window_beside(
        tmp_path: Path) -> None:
    """ED 4-hour is judged on March: the judged difference is March's (+5 every replication),
    the window's (+1) stays beside it, labelled."""
    a, b = folder(tmp_path / "a"), folder(tmp_path / "b")
    for path, march in ((a, 70.0), (b, 75.0)):
        t = pd.read_csv(path / "targets.csv")
        t["judged_on"] = "2026-03"
        t.to_csv(path / "targets.csv", index=False)
        rows = [("s", r, m, "ed_4h_pct", march + r if m == "2026-03" else 60.0)
                for r in range(3) for m in ("2026-02", "2026-03")]
        pd.DataFrame(rows, columns=["scenario", "replication", "month", "kpi", "value"]
                     ).to_csv(path / "monthly.csv", index=False)
    r = pd.read_csv(b / "replications.csv")
    r.loc[r.kpi == "ed_4h_pct", "value"] += 1.0
    r.to_csv(b / "replications.csv", index=False)
    table, _ = compare_dirs(a, b)
    row = table.query("target == 'ed_4h'").iloc[0]
    assert row.judged_on == "2026-03"
    assert row.judged_mean_diff == pytest.approx(5.0) and row.mean_diff == pytest.approx(1.0)
    other = table.query("kpi == 'ed_12h_pct'").iloc[0]
    assert other.target == "" and other.judged_on == "" and np.isnan(other.judged_mean_diff)


def test_the_reports_cost_table_says_its_period(tmp_path: Path) -> None:
    from sim.outputs.comparison import window_of

    manifest = {"scenarios": {"a": {"run": QUICK}}}
    assert window_of(manifest) == "91 days measured (2025-04-01 to 2025-06-30)"
    assert window_of({"scenario": {"run": FULL_YEAR}}).startswith("365 days measured")
    assert window_of({}) == "an unknown window"


def test_options_that_are_the_same_system_are_warned() -> None:
    """A batch option a trial scale rounds into the comparator compares as zero by
    construction: the run says so (issue 24: ucr_plus_3 at --scale 0.1)."""
    from conftest import BASELINE

    from sim.outputs.soundness import identical_warnings
    from sim.scenario import load_scenario

    base = load_scenario(BASELINE, ["name=do_nothing"])
    same = load_scenario(BASELINE, ["name=ucr_plus_3", "description=three"])
    other = load_scenario(BASELINE, ["name=more", "ucr.clinicians_per_shift=+3"])
    [w] = identical_warnings({"do_nothing": base, "ucr_plus_3": same, "more": other}, 0.1)
    assert w.subject == "do_nothing, ucr_plus_3"
    assert "after --scale 0.1 rounded their capacities" in w.message
    assert identical_warnings({"do_nothing": base, "more": other}) == []
