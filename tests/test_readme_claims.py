"""The manual's calibration table (docs/calibration.md) is the tool's own figures:
benchmarks/readme_claims.py reads them from a run's summary.csv and replications.csv, the page's
block is in the script's form, and the README's worked example agrees with it."""

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
def test_the_spread_line_is_the_runs_replications(small_run: Path) -> None:
    reps = pd.read_csv(small_run / "replications.csv")
    line = claims.spread_line(small_run)
    assert line.startswith("Lowest to highest of the 2 replications")
    for kpi in claims.SPREAD:
        values = reps.loc[reps["kpi"] == kpi, "value"]
        assert f"`{kpi}` {values.min():,.1f} to {values.max():,.1f}" in line, kpi


@pytest.mark.slow
def test_write_then_check_round_trips_and_catches_an_edit(small_run: Path,
                                                         tmp_path: Path) -> None:
    readme = tmp_path / "calibration.md"
    readme.write_text(f"# x\n\n{claims.START}\nold\n{claims.END}\n")
    assert claims.main([str(small_run), "--write", str(readme)]) == 0
    assert claims.main([str(small_run), "--check", str(readme)]) == 0
    text = readme.read_text()
    assert "seed 3" in text and "2 replications" in text
    readme.write_text(text.replace("| yes |", "| no |", 1))
    assert claims.main([str(small_run), "--check", str(readme)]) == 1


def _block() -> str:
    return claims.PAGE.read_text().split(claims.START)[1].split(claims.END)[0]


def _page_rows() -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")]
            for line in _block().splitlines() if line.startswith("| `")]


def _figures(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"[+-]?\d[\d,]*\.?\d*", text)]


def test_the_page_block_is_the_scripts_table_and_agrees_with_itself() -> None:
    """Same KPIs in the same order as the script measures, and each row's verdict follows
    from its own figure and range (a full baseline run is too long for a test)."""
    rows = _page_rows()
    assert [r[0].strip("`") for r in rows] == [c.kpi for c in claims.CLAIMS]
    for (kpi, model, published, in_range), claim in zip(rows, claims.CLAIMS, strict=True):
        mean = float(re.match(r"[+-]?[\d,.]+", model).group().replace(",", ""))
        assert published == claim.published, kpi
        assert in_range == claims.in_range(claim, mean), kpi
    text = claims.PAGE.read_text()
    assert "+0.2%" not in text and "benchmarks/readme_claims.py" in text


def test_the_spread_line_brackets_each_mean() -> None:
    """A replication range that excludes its own mean (the old "12-hour 2.9% to 12.1%" beside a
    mean of 14.8) cannot be written by the script; this catches a hand edit."""
    means = {r[0].strip("`"): _figures(r[1])[0] for r in _page_rows()}
    line = next(x for x in _block().splitlines() if x.startswith("Lowest to highest"))
    for kpi in claims.SPREAD:
        lo, hi = _figures(line.split(f"`{kpi}`")[1])[:2]
        assert lo <= means[kpi] <= hi, kpi


def test_prose_about_the_calibration_run_quotes_only_its_figures() -> None:
    """A sentence of the page that speaks of the calibration run or its table quotes no figure
    the generated block does not hold (before, "in the 10-replication calibration run above,
    12-hour ranged from 2.9% to 12.1%" stood beside a block whose mean was 14.8). Figures
    from other measurements stay, in sentences that name those measurements."""
    block = _block()
    held = set(_figures(block))
    prose = " ".join(claims.PAGE.read_text().replace(block, "").split())
    about = [x for x in re.split(r"(?<=[.;])\s", prose)
             if re.search(r"calibration run|calibration table|the table", x)]
    assert about
    for sentence in about:
        assert set(_figures(sentence)) <= held, sentence


def test_the_readme_example_is_the_calibration_run() -> None:
    """The README's worked example shows target rows of the documented run: each row's value and
    95% CI are the calibration table's for that KPI, and its verdict follows from them."""
    readme = (ROOT / "README.md").read_text()
    assert " ".join(claims.DOCUMENTED) in readme
    example = readme.split("Targets (10 replications)")[1].split("```")[0]
    rows = [r.split() for r in example.splitlines()[3:] if r.strip()]
    table = {r[0].strip("`"): r[1] for r in _page_rows()}
    assert len(rows) >= 3
    for target, kpi, op, threshold, value, ci, _p, _pci, *verdict in rows:
        mean, lo, hi = _figures(table[kpi])
        assert (float(value), *map(float, ci.split(".."))) == (mean, lo, hi), target
        wrong = hi < float(threshold) if op == ">=" else lo > float(threshold)
        assert (" ".join(verdict) == "not met") == wrong, target
        assert " ".join(verdict) != "met", "10 replications cannot give 'met' (needs 16)"
