"""The README's calibration table is the tool's own figures: benchmarks/readme_claims.py reads
them from a run's summary.csv, and the README's block is in the script's form."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, ROOT, run_cli

sys.path.insert(0, str(ROOT / "benchmarks"))

import readme_claims as claims

SMALL = ["-n", "2", "--seed", "3", "--quiet", "--set", "population.size=150000",
         "--set", "run.warmup_days=7", "--set", "run.measurement_days=40"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("claims") / "run"
    res = run_cli("run", str(BASELINE), "--out", str(out), *SMALL)
    assert res.returncode == 0, res.stderr
    return out


@pytest.mark.slow
def test_the_scripts_rows_are_the_runs_summary(small_run: Path) -> None:
    from sim.checks.validation import validation_table

    summary = pd.read_csv(small_run / "summary.csv").set_index("kpi")
    rows = claims.claims_rows(small_run)
    assert [r[0] for r in rows] == [c.kpi for c in claims.CLAIMS]
    checked = validation_table(small_run).set_index("kpi")
    for (kpi, model, _published, in_range), claim in zip(rows, claims.CLAIMS, strict=True):
        s = summary.loc[kpi]
        sign = "+" if claim.signed else ""
        assert model.startswith(f"{s['mean']:{sign},.1f} ({s['ci_low']:{sign},.1f} to "), kpi
        if kpi in checked.index and not claim.by_construction:
            assert (in_range == "yes") == bool(checked.loc[kpi, "in_range"]), kpi


@pytest.mark.slow
def test_write_then_check_round_trips_and_catches_an_edit(small_run: Path,
                                                         tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{claims.START}\nold\n{claims.END}\n")
    assert claims.main([str(small_run), "--write", str(readme)]) == 0
    assert claims.main([str(small_run), "--check", str(readme)]) == 0
    text = readme.read_text()
    assert "seed 3" in text and "2 replications" in text
    readme.write_text(text.replace("| yes |", "| no |", 1))
    assert claims.main([str(small_run), "--check", str(readme)]) == 1


def _readme_rows() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    block = text.split(claims.START)[1].split(claims.END)[0]
    return [[c.strip() for c in line.strip("|").split("|")]
            for line in block.splitlines() if line.startswith("| `")]


def test_the_readme_block_is_the_scripts_table_and_agrees_with_itself() -> None:
    """Same KPIs in the same order as the script measures, and each row's verdict follows
    from its own figure and range (a full baseline run is too long for a test)."""
    rows = _readme_rows()
    assert [r[0].strip("`") for r in rows] == [c.kpi for c in claims.CLAIMS]
    for (kpi, model, published, in_range), claim in zip(rows, claims.CLAIMS, strict=True):
        mean = float(re.match(r"[+-]?[\d,.]+", model).group().replace(",", ""))
        assert published == claim.published, kpi
        assert in_range == claims.in_range(claim, mean), kpi
    text = (ROOT / "README.md").read_text()
    assert "+0.2%" not in text and "benchmarks/readme_claims.py" in text
