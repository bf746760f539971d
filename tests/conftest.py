"""Shared fixtures: paths and a quick way to run the real CLI."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import fcntl  # POSIX: lets pytest-xdist workers share one set of pack folders
except ImportError:  # pragma: no cover - elsewhere each worker writes its own
    fcntl = None

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
    """Result folders with their business-case packs, written once per test run and read by
    tests/test_report.py and tests/test_output_fuzz.py: "one" (1 replication, in-process),
    "two" (2 replications with the virtual ward switched off, a real ``run`` subprocess as a
    user types it), "nan_months" (a copy of "two" with every monthly value missing) and
    "batch" (a batch whose two options change nothing). Under pytest-xdist the first worker
    to ask writes them into this run's shared temporary folder while the others wait on a
    lock. Read-only: a test that changes a folder copies it first."""
    names = ("one", "two", "nan_months", "batch")
    if not os.environ.get("PYTEST_XDIST_WORKER") or fcntl is None:
        root = tmp_path_factory.mktemp("pack")
        _write_pack(root)
        return {name: root / name for name in names}
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, above each worker's
    root = shared / "pack"
    with open(shared / "pack.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "written").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            _write_pack(root)
            (root / "written").touch()
    return {name: root / name for name in names}


def _write_pack(root: Path) -> None:
    from sim.cli import main

    one, two = root / "one", root / "two"
    assert main(["run", str(BASELINE), "-n", "1", "--out", str(one), *PACK_RUN]) == 0
    res = run_cli("run", str(BASELINE), "-n", "2", "--set", "virtual_ward.enabled=false",
                  "--out", str(two), *PACK_RUN)
    assert res.returncode == 0, res.stderr
    assert "report:" in res.stdout and "Traceback" not in res.stderr
    assert json.loads((two / "manifest.json").read_text())["status"] == "complete"
    nan = root / "nan_months"
    shutil.copytree(two, nan)
    import pandas as pd

    monthly = pd.read_csv(nan / "monthly.csv")
    value_cols = [c for c in monthly.columns if monthly[c].dtype.kind == "f"]
    monthly[value_cols] = float("nan")
    monthly.to_csv(nan / "monthly.csv", index=False)
    batch = root / "empty_option.toml"
    batch.write_text(f'name = "empty"\nbase = "{BASELINE}"\nreplications = 2\nseed = 1\n'
                     'comparator = "same"\n[[scenarios]]\nname = "same"\n'
                     '[[scenarios]]\nname = "also_same"\nset = {}\n')
    assert main(["batch", str(batch), "--out", str(root / "batch"), *PACK_RUN]) == 0
