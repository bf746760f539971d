"""Shared fixtures: paths and a quick way to run the real CLI."""

from __future__ import annotations

import importlib
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
    prints. The pack is built and checked by tests/test_report.py (a real ``run`` subprocess)
    and tests/test_output_fuzz.py."""
    monkeypatch.setattr(importlib.import_module("sim.cli.run"), "write_report",
                        lambda folder: None)


def run_cli(*args: str, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python run_sim.py ARGS`` as a user would."""
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
