"""The business-case pack: report.html renders in a real browser, summary.xlsx matches the CSVs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def run_folder(pack_folders, tmp_path_factory) -> Path:
    """conftest's "two" folder (a real ``run`` subprocess, 2 replications), copied so that
    the report tests below may rebuild it."""
    out = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(pack_folders["two"], out)
    return out


def test_run_writes_report_pngs_and_excel(run_folder: Path) -> None:
    assert (run_folder / "report.html").stat().st_size > 10_000
    pngs = sorted(p.name for p in run_folder.glob("chart_*.png"))
    assert "chart_ed_4h_pct.png" in pngs and "chart_ed_time_in_dept.png" in pngs
    html = (run_folder / "report.html").read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html


def test_excel_matches_the_csv_files(run_folder: Path) -> None:
    sheets = pd.read_excel(run_folder / "summary.xlsx", sheet_name=None)
    assert set(sheets) == {"Warnings", "Targets", "KPIs", "Monthly", "Comparison", "Costs",
                           "Inputs", "Provenance"}
    summary = pd.read_csv(run_folder / "summary.csv")
    kpis = sheets["KPIs"]
    assert list(kpis["KPI"]) == list(summary.kpi)
    pd.testing.assert_series_equal(kpis["Mean"], summary["mean"], check_names=False)
    pd.testing.assert_series_equal(kpis["95% CI low"], summary["ci_low"], check_names=False)
    targets = pd.read_csv(run_folder / "targets.csv", keep_default_na=False)
    assert list(sheets["Targets"]["Verdict"]) == list(targets.verdict)
    assert sheets["Costs"].shape[0] == summary.kpi.str.startswith("cost_").sum()


@pytest.mark.slow
def test_report_command_rebuilds_from_files(run_folder: Path) -> None:
    (run_folder / "report.html").unlink()
    res = run_cli("report", str(run_folder))
    assert res.returncode == 0 and (run_folder / "report.html").exists()


@pytest.mark.slow
def test_report_renders_in_headless_chromium(run_folder: Path, tmp_path: Path) -> None:
    """Every chart and the targets table render, with no console errors and no network."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "make test installs Debian's chromium"
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url)
                if not r.url.startswith(("file:", "data:")) else None)
        page.goto((run_folder / "report.html").as_uri())
        page.wait_for_load_state("load")
        rows = page.locator("#targets tr").count()
        charts = page.locator("img.chart")
        widths = [charts.nth(i).evaluate("img => img.naturalWidth") for i in range(
            charts.count())]
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    targets = pd.read_csv(run_folder / "targets.csv", keep_default_na=False)
    assert rows == len(targets) + 1  # header
    assert len(widths) >= 8 and all(w > 0 for w in widths)
    assert errors == [] and requests == []
    assert shot.stat().st_size > 20_000
