"""Documentation that is generated from the code must match it."""

from __future__ import annotations

from conftest import ROOT

from sim.docs import render


def test_readme_generated_sections_are_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert render(readme) == readme, "regenerate with: python -m sim.docs"


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
