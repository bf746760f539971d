"""Shared fixtures: paths and a quick way to run the real CLI."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def no_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """``run`` and ``batch`` in this process without the business-case pack (its charts and
    Excel are most of a tiny run's seconds), for tests of what the run itself writes and
    prints. The pack is built by :func:`pack_folders` (one of them a real ``run`` subprocess)
    and checked by tests/test_report.py and tests/test_output_fuzz.py."""
    monkeypatch.setattr(importlib.import_module("sim.cli.run"), "write_report",
                        lambda folder: None)


def run_cli(*args: str, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python run_sim.py ARGS`` as a user would."""
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


# A short small run for the output layer: its pack (charts, Excel) costs more than the run.
PACK_RUN = ["--scale", "0.02", "--quiet", "--workers", "1", "--set", "run.warmup_days=10",
            "--set", "run.measurement_days=31"]


@pytest.fixture(scope="session")
def pack_folders(tmp_path_factory) -> dict[str, Path]:
    """Result folders with their business-case packs, written once per test process and read
    by tests/test_report.py and tests/test_output_fuzz.py (both in xdist group "pack", so one
    worker builds them): "one" (1 replication, in-process), "two" (2 replications with the
    virtual ward switched off, a real ``run`` subprocess as a user types it), "nan_months"
    (a copy of "two" with every monthly value missing) and "batch" (a batch whose two options
    change nothing). Tests that change a folder copy it first."""
    from sim.cli import main

    root = tmp_path_factory.mktemp("pack")
    made = {"one": root / "one", "two": root / "two"}
    assert main(["run", str(BASELINE), "-n", "1", "--out", str(made["one"]), *PACK_RUN]) == 0
    res = run_cli("run", str(BASELINE), "-n", "2", "--set", "virtual_ward.enabled=false",
                  "--out", str(made["two"]), *PACK_RUN)
    assert res.returncode == 0, res.stderr
    assert "report:" in res.stdout and "Traceback" not in res.stderr
    assert json.loads((made["two"] / "manifest.json").read_text())["status"] == "complete"
    nan = root / "nan_months"
    shutil.copytree(made["two"], nan)
    import pandas as pd

    monthly = pd.read_csv(nan / "monthly.csv")
    value_cols = [c for c in monthly.columns if monthly[c].dtype.kind == "f"]
    monthly[value_cols] = float("nan")
    monthly.to_csv(nan / "monthly.csv", index=False)
    made["nan_months"] = nan
    batch = root / "empty_option.toml"
    batch.write_text(f'name = "empty"\nbase = "{BASELINE}"\nreplications = 2\nseed = 1\n'
                     'comparator = "same"\n[[scenarios]]\nname = "same"\n'
                     '[[scenarios]]\nname = "also_same"\nset = {}\n')
    made["batch"] = root / "batch"
    assert main(["batch", str(batch), "--out", str(made["batch"]), *PACK_RUN]) == 0
    return made
