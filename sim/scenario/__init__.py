"""Scenario files: the schema (pure data) and how files become validated scenarios."""

from .loader import load_raw, load_scenario, parse_set, scenario_hash
from .schema import Scenario, Target

__all__ = ["Scenario", "Target", "load_raw", "load_scenario", "parse_set", "scenario_hash"]
