"""Shared fixtures: paths and a quick way to run the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture
def root() -> Path:
    return ROOT


def run_cli(*args: str, cwd: Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python run_sim.py ARGS`` as a user would."""
    return subprocess.run([sys.executable, str(ROOT / "run_sim.py"), *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
