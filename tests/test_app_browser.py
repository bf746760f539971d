"""The web app in Debian's Chromium, as a planner uses it: the test starts the server itself
(``python -m sim.app``), loads the page, changes a lever, runs a small scenario (tiny scale,
a short window, 2 replications, one worker), sees the target lights, opens a comparison and
downloads report.html; a screenshot of each step is kept in pytest's tmp dir."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
TINY = "run.measurement_days=31\nrun.warmup_days=14"
STARTUP_SECONDS = 30  # the bound for the page to answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    """The app on a free localhost port with its own results folder; stopped afterwards."""
    port = free_port()
    env = {**os.environ, "ICS_SIM_RESULTS": str(tmp_path / "results"),
           "ICS_SIM_WORKERS": "1", "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "sim.app", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() - t0 < STARTUP_SECONDS, "the app did not answer in 30 s"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def sidebar_page(page, name: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=True).click()
    page.get_by_role("heading", name=re.compile(f"^{name}")).first.wait_for()


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def run_scenario(page) -> None:
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text(re.compile(r"complete: 2 replications")).wait_for(timeout=180_000)


def launch(p):
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"])


@pytest.mark.slow
def test_planner_runs_compares_and_downloads_in_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM.exists(), "make test installs Debian's chromium"
    errors: list[str] = []
    shots = tmp_path / "screens"
    shots.mkdir()
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(60_000)
        page.goto(server)
        page.get_by_role("heading", name="Scenario").wait_for()

        # a small trial: tiny scale, a short window, 2 replications
        set_number(page, "Trial scale (1 = the real system)", "0.02")
        expect(page.get_by_text("--scale 0.02")).to_be_visible()
        # one input at a time, each seen in the command line the page shows before the next:
        # a value typed while the page is still rerunning for the last one can be dropped
        set_number(page, "Replications", "2")
        expect(page.get_by_text("--replications 2 ")).to_be_visible()
        extra = page.get_by_label(re.compile("^Any other scenario key"))
        extra.fill(TINY)
        extra.press("Control+Enter")
        expect(page.get_by_text("--set run.warmup_days=14")).to_be_visible()
        expect(page.get_by_text("--replications 2 ")).to_be_visible()
        run_scenario(page)  # the base, as the comparator

        # change a lever (a bad value first: Run is disabled until it is fixed)
        sidebar_page(page, "Scenario")
        set_number(page, "acute.beds (G&A beds)", "-5")
        expect(page.get_by_text("Input should be greater than or equal to 0")).to_be_visible()
        expect(page.get_by_role("button", name="Run", exact=True)).to_be_disabled()
        set_number(page, "acute.beds (G&A beds)", "1500")
        expect(page.get_by_text("--set acute.beds=1500")).to_be_visible()
        page.screenshot(path=str(shots / "1-scenario.png"), full_page=True)
        run_scenario(page)
        page.screenshot(path=str(shots / "2-run.png"), full_page=True)

        # the target lights of the run just made
        page.get_by_role("button", name="Open the answers").click()
        page.get_by_role("heading", name="Target lights").wait_for()
        lights = page.locator('[data-testid="stTable"]').first
        expect(lights).to_contain_text("P(met) [95% CI]")
        expect(lights).to_contain_text("ed_4h")
        assert re.search("[\u2713\u2717?\u2013] (met|not met|uncertain|no data) "
                         "\\(scaled trial\\)", lights.inner_text())
        page.screenshot(path=str(shots / "3-answers.png"), full_page=True)

        # a comparison: the newest run is the default baseline; add the other as an option
        sidebar_page(page, "Compare")
        page.get_by_label("Options (up to 4)").click()
        page.get_by_role("option").first.click()
        page.keyboard.press("Escape")
        page.get_by_role("heading", name="Verdicts side by side").wait_for()
        page.get_by_text("paired by replication").first.wait_for()
        page.screenshot(path=str(shots / "4-compare.png"), full_page=True)

        # report.html from the Downloads page
        sidebar_page(page, "Downloads")
        with page.expect_download() as got:
            page.get_by_role("button", name="report.html").click()
        saved = tmp_path / "report.html"
        got.value.save_as(saved)
        page.screenshot(path=str(shots / "5-downloads.png"), full_page=True)
        browser.close()
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Targets" in text
    assert all((shots / n).stat().st_size > 20_000 for n in os.listdir(shots))
    assert errors == []


@pytest.mark.slow
def test_uploads_are_checked_before_anything_reads_them(server: str, tmp_path: Path) -> None:
    """An upload that extends a file outside the shipped scenarios, one too big and one with a
    bad value are refused with the file and key named; a good one becomes the base."""
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM.exists(), "make test installs Debian's chromium"
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(server)
        page.get_by_text("an uploaded TOML file").click()
        chooser = page.locator('input[type="file"]')

        def upload(name: str, data: bytes) -> None:
            chooser.set_input_files(files=[{"name": name, "mimeType": "application/toml",
                                            "buffer": data}])

        upload("evil.toml", b'extends = "/etc/passwd"\n')
        expect(page.get_by_text(re.compile("evil.toml: extends: may only name a shipped "
                                           "scenario"))).to_be_visible()
        upload("big.toml", b"# " + b"x" * 300_000 + b"\n")
        expect(page.get_by_text(re.compile("big.toml: \\(file\\): .* larger than"))
               ).to_be_visible()
        upload("bad.toml", b'extends = "baseline.toml"\n[acute]\nbeds = -1\n')
        expect(page.get_by_text(re.compile("bad.toml: acute.beds: "))).to_be_visible()
        upload("mine.toml", b'extends = "baseline.toml"\nname = "mine"\n[acute]\nbeds = 1999\n')
        expect(page.get_by_label("acute.beds (G&A beds)", exact=True)).to_have_value("1,999")
        expect(page.get_by_role("button", name="Run", exact=True)).to_be_enabled()
        page.screenshot(path=str(tmp_path / "upload.png"))
        browser.close()
    stored = list((tmp_path / "results" / "app" / "uploads").glob("*.toml"))
    assert len(stored) == 2  # the bad value and the good file; the refused ones never stored
