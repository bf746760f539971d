"""Scenario files: the schema (pure data) and how files become validated scenarios."""

from importlib.resources import files
from pathlib import Path

from sim.scenario.loader import load_raw, load_scenario, parse_set, scenario_hash
from sim.scenario.schema import Scenario, Target


def baseline_path() -> Path:
    """The shipped baseline scenario, as package data (works from a checkout or a wheel)."""
    return Path(str(files("sim.scenario") / "baseline.toml"))


__all__ = ["Scenario", "Target", "baseline_path", "load_raw", "load_scenario", "parse_set",
           "scenario_hash"]
