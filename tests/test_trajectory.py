"""Target trajectories: ``thresholds = {month = value}``, each point judged in its month."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE

from sim.cli import main
from sim.core.errors import InputError
from sim.model.replication import calendar_of
from sim.outputs.report import trajectory
from sim.outputs.result import ReplicationResult
from sim.outputs.store import judge_targets, targets_table
from sim.scenario import Target, load_scenario

RTT = {"2025-03": 60.0, "2025-09": 62.0, "2026-03": 65.0}


def _child(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\nname = "plan"\n{body}',
                    encoding="utf-8")
    return path


def test_final_point_stands_in_for_threshold_and_deadline() -> None:
    t = Target(id="r", kpi="rtt_18w_pct", op=">=", thresholds={"2027-03": 75, "2026-03": 65})
    assert (t.threshold, t.deadline) == (75, "2027-03")
    assert [(p.deadline, p.threshold) for p in t.points()] == [("2026-03", 65), ("2027-03", 75)]
    assert Target.model_validate(t.model_dump()) == t  # a dumped scenario reloads
    with pytest.raises(ValueError, match="last point"):
        Target(id="r", kpi="k", op=">=", threshold=80, thresholds={"2027-03": 75})
    with pytest.raises(ValueError, match="YYYY-MM"):
        Target(id="r", kpi="k", op=">=", thresholds={"2027-3": 75})


def test_a_child_trajectory_replaces_the_inherited_threshold(tmp_path: Path) -> None:
    sc = load_scenario(_child(tmp_path, '[[targets]]\nid = "rtt_18w"\n'
                                        'thresholds = { "2025-09" = 62.0, "2026-03" = 65.0 }\n'))
    t = next(t for t in sc.targets if t.id == "rtt_18w")
    assert (t.threshold, t.deadline, t.kpi) == (65.0, "2026-03", "rtt_18w_pct")
    via_set = load_scenario(BASELINE, ['targets.rtt_18w.thresholds={ "2025-09" = 61.0 }'])
    t = next(t for t in via_set.targets if t.id == "rtt_18w")
    assert (t.threshold, t.deadline) == (61.0, "2025-09")


def test_a_point_after_the_run_is_an_input_error_naming_the_target(tmp_path: Path) -> None:
    late = _child(tmp_path, '[[targets]]\nid = "rtt_18w"\n'
                            'thresholds = { "2026-03" = 65.0, "2029-03" = 92.0 }\n')
    with pytest.raises(InputError) as err:
        load_scenario(late)
    assert [p.key for p in err.value.problems] == ["targets[rtt_18w].thresholds.2029-03"]
    assert "plan.toml" in err.value.problems[0].file
    assert main(["validate", str(late)]) == 2
    assert main(["validate", str(BASELINE), "--set",
                 'targets.rtt_18w.thresholds={ "2026-04" = 65.0 }']) == 2


def test_a_plain_deadline_after_the_files_run_is_an_input_error(tmp_path: Path) -> None:
    """The file's own run cannot judge a later deadline: exit 2 naming the target. A run
    shortened by --set (a quick trial) keeps the target, judged on the window and labelled."""
    late = _child(tmp_path, '[[targets]]\nid = "rtt_18w"\ndeadline = "2029-03"\n')
    with pytest.raises(InputError) as err:
        load_scenario(late)
    assert [p.key for p in err.value.problems] == ["targets[rtt_18w].deadline"]
    assert "plan.toml" in err.value.problems[0].file and "2029-03" in err.value.problems[0].reason
    assert main(["validate", str(late)]) == 2
    short = load_scenario(BASELINE, ["run.measurement_days=60"])
    t = next(t for t in short.targets if t.id == "rtt_18w")
    assert t.deadline == "2026-03"  # after this run's end: kept, judged on the window


def test_one_row_per_point_each_judged_in_its_month(tmp_path: Path) -> None:
    sc = load_scenario(_child(tmp_path, '[[targets]]\nid = "rtt_18w"\n'
                              'thresholds = { "2025-03" = 60.0, "2025-09" = 62.0, '
                              '"2026-03" = 65.0 }\n'))
    months = [m.label for m in calendar_of(sc).months()]
    results = []
    for rep in range(3):
        monthly = {m: {"rtt_18w_pct": 50.0 + i + rep} for i, m in enumerate(months)}
        results.append(ReplicationResult("plan", rep, {"rtt_18w_pct": 55.0 + rep}, monthly))
    rows = [j for j in judge_targets(sc, results) if j.target.id == "rtt_18w"]
    assert [(j.target.deadline, j.target.threshold, j.judged_on) for j in rows] == [
        ("2025-03", 60.0, "window"), ("2025-09", 62.0, "2025-09"), ("2026-03", 65.0, "2026-03")]
    assert rows[0].in_force_since == "2025-03" and "in force since" in rows[0].judged_label
    assert rows[1].mean == pytest.approx(50.0 + months.index("2025-09") + 1)
    table = targets_table("plan", rows)
    assert list(table["deadline"]) == list(RTT) and list(table["threshold"]) == list(
        RTT.values())


class _Folder:
    def __init__(self, targets: pd.DataFrame):
        self.targets = targets


def test_the_report_reads_a_trajectory_back_from_targets_csv() -> None:
    rows = [("s", "rtt_18w", "rtt_18w_pct", m, v) for m, v in reversed(RTT.items())]
    rows.append(("s", "ed_4h", "ed_4h_pct", "2026-03", 78.0))
    t = pd.DataFrame(rows, columns=["scenario", "target", "kpi", "deadline", "threshold"])
    assert trajectory(_Folder(t), "rtt_18w_pct") == sorted(RTT.items())
    assert trajectory(_Folder(t), "ed_4h_pct") == []


def test_the_report_shows_each_trajectory_year_by_year() -> None:
    from sim.outputs.report import on_track_table

    rows = [("s", "rtt_18w", ">=", m, v, "met" if v < 63 else "not met", 63.0)
            for m, v in RTT.items()]
    rows.append(("s", "ed_4h", ">=", "2026-03", 78.0, "met", 80.0))
    t = pd.DataFrame(rows, columns=["scenario", "target", "op", "deadline", "threshold",
                                    "verdict", "mean"])
    table = on_track_table(_Folder(t))
    assert list(table.columns) == ["scenario", "target", *RTT]
    assert list(table["target"]) == ["rtt_18w"]  # a single-point target is not a trajectory
    assert table.iloc[0]["2026-03"] == "\u2717 63.0 (>= 65)"
    assert table.iloc[0]["2025-03"] == "\u2713 63.0 (>= 60)"
