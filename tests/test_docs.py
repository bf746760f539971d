"""Documentation that is generated from the code must match it."""

from __future__ import annotations

from conftest import ROOT

from sim.kpis import markdown_table


def test_readme_kpi_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme, "regenerate with: python run_sim.py kpis"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
