"""Scenario files: the schema (pure data) and how files become validated scenarios."""

from sim.scenario.loader import load_raw, load_scenario, parse_set, scenario_hash
from sim.scenario.schema import Scenario, Target

__all__ = ["Scenario", "Target", "load_raw", "load_scenario", "parse_set", "scenario_hash"]
