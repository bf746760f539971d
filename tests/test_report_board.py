"""A report a board can read: verdicts with what they were judged on, an overview that fits the
page, every scenario charted or named as not, costs rounded and labelled.

Built from a batch folder written by the real writers (``write_batch``) from made-up
replication results, so no simulation runs here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE

from sim.model.replication import calendar_of
from sim.outputs.kpis import KPIS
from sim.outputs.result import ReplicationResult
from sim.outputs.store import write_batch
from sim.scenario import load_scenario

REPS = 3


def _results(name: str, months: list[str], shift: float, cost: float) -> list[ReplicationResult]:
    """Made-up KPI values: 60 + shift (+ a little per replication), costs fixed."""
    out = []
    for rep in range(REPS):
        kpis = {k: 60.0 + shift + 0.3 * rep for k in KPIS}
        kpis.update({"ed_attendances": 100_000.0, "cost_total_gbp": cost,
                     "cost_acute_gbp": cost / 2})
        out.append(ReplicationResult(name, rep, kpis, {m: dict(kpis) for m in months}))
    return out


def make_batch(out: Path, n: int) -> Path:
    """A batch folder of ``n`` scenarios: 'base', then options; opt1 changes no costed
    capacity, opt2 a little (not significant), the rest more."""
    base = load_scenario(BASELINE, ["run.measurement_days=62"])
    months = [m.label for m in calendar_of(base).months()]
    names = ["base"] + [f"opt{i}" for i in range(1, n)]
    scenarios = {nm: base.model_copy(update={"name": nm}) for nm in names}
    results = {"base": _results("base", months, 0.0, 1_000_000.0)}
    for i, nm in enumerate(names[1:], 1):
        shift = [0.0, 5.0, 0.0][i % 3] if i < 3 else 2.0 * i
        cost = 1_000_000.0 if i == 1 else 1_000_000.0 + 123_456.7 * i
        results[nm] = _results(nm, months, shift, cost)
        if i == 2:  # noisy around the comparator: not significant
            for r, noise in zip(results[nm], (-0.4, 0.5, -0.2), strict=True):
                r.kpis["ed_4h_pct"] = results["base"][r.replication].kpis["ed_4h_pct"] + noise
    out.mkdir(parents=True)
    write_batch(out, scenarios, "base", results)
    (out / "manifest.json").write_text(json.dumps({
        "status": "complete", "kind": "batch", "batch_name": "board", "seed": 1,
        "replications": REPS, "scenarios": {nm: sc.model_dump(mode="json")
                                            for nm, sc in scenarios.items()}}))
    return out


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    return make_batch(tmp_path_factory.mktemp("board") / "many", 9)


@pytest.fixture(scope="module")
def few(tmp_path_factory) -> Path:
    return make_batch(tmp_path_factory.mktemp("board") / "few", 3)


def test_many_scenarios_are_rows_of_the_overview(many: Path) -> None:
    from sim.outputs.report import Folder
    from sim.outputs.report.page import _overview_html

    folder = Folder(many)
    table = _overview_html(folder)
    assert 'class="wide"' in table
    rows = re.findall(r"<tr><td>([^<]+)</td>", table)
    assert rows == folder.scenarios and len(rows) == 9
    targets = list(dict.fromkeys(folder.targets["target"]))
    assert table.count('<th class="turn">') == len(targets)


def test_few_scenarios_are_columns_and_values_rounded(few: Path) -> None:
    from sim.outputs.report import Folder
    from sim.outputs.report.page import _overview_html

    table = _overview_html(Folder(few))
    assert 'class="wide"' not in table
    assert "<th>base</th><th>opt1</th><th>opt2</th>" in table
    cells = re.findall(r'title="[^"]*">[^ <]* ([^<]+)</td>', table)
    assert cells and all(re.fullmatch(r"-|[\d,]+(\.\d)?", c) for c in cells), cells[:5]


def test_scenarios_not_charted_are_named(many: Path, few: Path) -> None:
    from sim.outputs.report import CHARTED, Folder
    from sim.outputs.report.page import _charted_note

    folder = Folder(many)
    note = _charted_note(folder)
    for name in folder.scenarios[CHARTED:]:
        assert name in note.split("Not charted:")[1]
    assert _charted_note(Folder(few)) == ""


def test_per_patient_costs_are_rounded_and_explained(few: Path) -> None:
    from sim.outputs.report import Folder, per_patient_table

    table = per_patient_table(Folder(few)).set_index(["scenario", "target"])
    process = table.loc[("opt1", "ed_4h")]
    assert process["incremental cost (GBP)"] == "not costed"
    assert process["per extra patient (GBP)"] == "-"
    noisy = table.loc[("opt2", "ed_4h")]
    assert noisy["incremental cost (GBP)"] == "246,913"
    assert noisy["per extra patient (GBP)"] == "-"
    assert noisy["note"].startswith("difference not significant")
    assert re.fullmatch(r"0\.0|[+-]\d+\.\d", noisy["difference"])


def test_report_states_the_rule_costs_and_judged_on(few: Path) -> None:
    pytest.importorskip("matplotlib")
    from sim.outputs.report import build_report

    html = build_report(few).read_text()
    assert "needs at least 16" in html and "Wilson" in html
    assert "estimate [E]: replace with local unit costs" in html
    assert "not costed" in html
    targets = pd.read_csv(few / "targets.csv", keep_default_na=False)
    assert "mean (in force since July 2022)" in html
    assert set(targets.judged_label) <= set(re.findall(r'<td class="wrap">([^<]+)</td>', html))
    assert "224580418" not in html


def test_excel_shows_judged_on_beside_the_value_and_rounds_money(few: Path) -> None:
    pytest.importorskip("openpyxl")
    import openpyxl

    from sim.outputs.report import Folder, write_excel

    path = write_excel(Folder(few))
    sheets = pd.read_excel(path, sheet_name=None)
    head = list(sheets["Targets"].columns)
    assert head.index("Value judged (mean)") == head.index("Judged on") + 1
    assert {"P(met) 95% CI low", "P(met) 95% CI high", "Why", "In force since"} <= set(head)
    ws = openpyxl.load_workbook(path)["Comparison"]
    fmt = {col[0].value: {c.number_format for c in col[1:] if type(c.value) in (int, float)}
           for col in ws.columns}
    assert fmt["Incremental cost (GBP)"] == {"#,##0"}
    assert fmt["Cost per extra patient (GBP)"] <= {"#,##0"}
    assert fmt["Mean difference (paired)"] == {"#,##0.0"}


def test_an_old_folder_without_the_new_columns_still_renders(few: Path, tmp_path: Path) -> None:
    from sim.outputs.report import Folder
    from sim.outputs.report.page import _overview_html, _targets_html

    old = tmp_path / "old"
    old.mkdir()
    for f in few.iterdir():
        if f.is_file():
            (old / f.name).write_bytes(f.read_bytes())
    targets = pd.read_csv(old / "targets.csv", keep_default_na=False)
    targets[["scenario", "target", "kpi", "op", "threshold", "deadline", "judged_on", "mean",
             "ci_low", "ci_high", "p_met", "verdict"]].to_csv(old / "targets.csv", index=False)
    folder = Folder(old)
    assert _targets_html(folder).count("<tr>") == len(targets) + 1
    assert np.isfinite(len(_overview_html(folder)))
