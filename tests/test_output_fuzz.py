"""Issue 24 item 7: no traceback anywhere in the output layer.

Small real runs, then their files bent the ways real folders end up (one replication; two,
with a service switched off; P(met) 0 and 1; every monthly value missing; a batch option that
changes nothing), fed to ``report``, ``compare``, ``validation`` and the app's views. Each
call must return 0 or 2 (a clear message), never raise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main


@pytest.fixture(scope="module")
def folders(pack_folders) -> dict[str, Path]:
    """conftest's pack folders: "one", "two" (a service switched off), "nan_months" and
    "batch" (an option that changes nothing)."""
    return pack_folders


def no_traceback(code: int, capsys) -> None:
    captured = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in captured.out + captured.err


def test_runs_and_the_empty_option_batch_wrote_their_reports(folders) -> None:
    """run and batch build report.html and summary.xlsx themselves: 1 and 2 replications, a
    service switched off and a batch option that changes nothing all got that far."""
    for name in ("one", "two", "batch"):
        assert (folders[name] / "report.html").exists(), name
        assert (folders[name] / "summary.xlsx").exists(), name


def test_report_rebuilds_with_every_month_missing(folders, capsys, tmp_path) -> None:
    nan = shutil.copytree(folders["nan_months"], tmp_path / "nan_months")  # shared: copied
    (nan / "report.html").unlink()
    no_traceback(main(["report", str(nan)]), capsys)
    assert (nan / "report.html").exists()


@pytest.mark.parametrize(("a", "b"), [("one", "two"), ("two", "nan_months"), ("one", "one"),
                                      ("two", "batch"), ("batch", "one")])
def test_compare_any_pair_without_a_traceback(folders, a, b, capsys, tmp_path) -> None:
    no_traceback(main(["compare", str(folders[a]), str(folders[b]), "--out",
                       str(tmp_path / "c")]), capsys)


@pytest.mark.parametrize("name", ["one", "two", "nan_months"])
def test_validation_without_a_traceback(folders, name, capsys) -> None:
    no_traceback(main(["validation", str(folders[name])]), capsys)


def test_p_met_zero_and_one_are_both_present(folders) -> None:
    """The folders above do exercise the edges the chart code once fell over."""
    t = pd.read_csv(folders["two"] / "targets.csv", keep_default_na=False)
    assert {0.0, 1.0} <= {float(p) for p in t["p_met"] if p != ""}  # "": the VW, switched off
    assert "no data" in set(t["verdict"])


@pytest.mark.parametrize("name", ["one", "two", "nan_months"])
def test_app_views_read_every_folder(folders, name) -> None:
    from sim.app import views

    stamps, _others = views.warnings(folders[name])
    assert any("scaled trial" in s for s in stamps)  # every fixture run is a scaled trial
    for kpi in ("ed_4h_pct", "vw_occupancy_pct", "rtt_18w_pct"):
        views.monthly_series(folders[name], kpi)
    cmp = views.compare(folders["two"], {"x": folders[name]})
    assert cmp.notes["x"] and "target" in cmp.verdicts.columns
