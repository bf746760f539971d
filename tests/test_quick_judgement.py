"""Issue 24: a quick trial does not judge what it did not measure.

The baseline's quick trial measures April to June 2025; ED 4-hour and RTT are judged on March
2026 and the rest on the whole year, so none of them gets a verdict from the trial. A target
whose deadline month lies inside the quick window keeps its verdict, and a run whose window
the trial does not shorten is judged as usual.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import BASELINE

from sim.cli import main
from sim.experiment.orchestrate import quick_scenario
from sim.model.replication import calendar_of
from sim.outputs.quick import as_quick, window_text
from sim.outputs.targets import NOT_JUDGED, judge, judged_on
from sim.scenario import Target, load_scenario


def judged_by(scenario, targets):
    cal = calendar_of(scenario)
    return [judge(t, np.array([90.0, 91.0, 92.0]), judged_on(t, cal)) for t in targets]


def test_quick_baseline_judges_no_march_or_annual_target() -> None:
    full = load_scenario(BASELINE)
    quick = quick_scenario(full)
    shown = as_quick(judged_by(quick, full.targets), full, quick)
    by_id = {j.target.id: j for j in shown}
    assert by_id["ed_4h"].target.deadline == "2026-03"
    assert {j.verdict for j in shown} == {NOT_JUDGED}
    assert "a full run judges this target on March 2026" in by_id["ed_4h"].reason
    assert "April to June 2025 (spring-summer)" in by_id["ed_12h"].reason
    assert window_text(calendar_of(quick)) == "April to June 2025 (spring-summer)"


def test_a_deadline_inside_the_quick_window_keeps_its_verdict() -> None:
    full = load_scenario(BASELINE)
    quick = quick_scenario(full)
    may = Target(id="may", kpi="ed_4h_pct", op=">=", threshold=78, deadline="2025-05")
    [kept] = as_quick(judged_by(quick, [may]), full, quick)
    assert kept.judged_on == "2025-05" and kept.verdict != NOT_JUDGED


def test_a_window_the_trial_does_not_shorten_is_judged() -> None:
    full = load_scenario(BASELINE, ["run.measurement_days=61"])
    quick = quick_scenario(full)
    assert quick.run == full.run
    shown = as_quick(judged_by(quick, full.targets), full, quick)
    assert NOT_JUDGED not in {j.verdict for j in shown}


def test_quick_cli_run_writes_not_judged_and_says_its_season(tmp_path, capsys,
                                                             no_report) -> None:
    out = tmp_path / "q"
    assert main(["run", str(BASELINE), "--quick", "-n", "2", "--scale", "0.02", "--quiet",
                 "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "91 days measured (April to June 2025 (spring-summer))" in printed
    t = pd.read_csv(out / "targets.csv", keep_default_na=False)
    assert set(t["verdict"]) == {NOT_JUDGED}
    assert t.set_index("target").loc["ed_4h", "reason"].endswith("on March 2026")


def test_a_trial_says_so_in_its_default_folder_name() -> None:
    from sim.experiment.orchestrate import default_out

    assert default_out("b").name.startswith("b-2")
    assert default_out("b", quick=True).name.startswith("b-quick-2")
    assert default_out("b", quick=True, scale=0.1).name.startswith("b-quick-scaled-2")
