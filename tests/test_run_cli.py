"""The run command as a user types it: files, provenance, reproducibility across workers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import BASELINE, run_cli

from sim.outputs.kpis import KPIS

SMALL = ["--set", "population.size=150000", "--set", "run.warmup_days=7",
         "--set", "run.measurement_days=40", "--quiet"]


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_run_writes_complete_results_and_prints_targets(tmp_path) -> None:
    out = tmp_path / "run"
    res = run_cli("run", str(BASELINE), "-n", "3", "--seed", "11", "--workers", "2",
                  "--out", str(out), *SMALL)
    assert res.returncode == 0, res.stderr
    assert "Targets (3 replications)" in res.stdout and str(out) in res.stdout
    assert "ed_4h" in res.stdout
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["seed"] == 11 and man["replications"] == 3
    assert len(man["scenario_sha256"]) == 64 and man["scenario"]["population"]["size"] == 150000
    assert {"python", "simpy", "numpy"} <= set(man["versions"]) and man["wall_seconds"] > 0
    for service, f in man["flows"]["0"].items():
        assert f["entered"] == (f["finished"] + f["transferred"] + f["redirected"]
                                + f["in_system"]), service
    total = man["flows"]["0"]["all"]
    assert total["external"] == total["finished"] + total["redirected"] + total["in_system"]
    assert set(man["flows"]["0"]) >= {"ed", "acute", "elective", "primary_care", "all"}
    reps = pd.read_csv(out / "replications.csv")
    assert list(reps.columns) == ["scenario", "replication", "kpi", "value"]
    assert set(reps.replication) == {0, 1, 2} and set(reps.kpi) == set(KPIS)
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["scenario", "kpi", "mean", "sd", "ci_low", "ci_high", "n"]
    row = summary.set_index("kpi").loc["ed_4h_pct"]
    vals = reps[reps.kpi == "ed_4h_pct"].value
    assert row["mean"] == vals.mean() and row["ci_low"] < row["mean"] < row["ci_high"]
    targets = pd.read_csv(out / "targets.csv")
    assert set(targets.verdict) <= {"met", "not met", "uncertain", "no data"}
    monthly = pd.read_csv(out / "monthly.csv")
    assert list(monthly.columns) == ["scenario", "replication", "month", "kpi", "value"]
    assert not list(out.glob("*.tmp"))


@pytest.mark.slow
def test_same_seed_same_bytes_whatever_the_worker_count(tmp_path) -> None:
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}"
        res = run_cli("run", str(BASELINE), "-n", "3", "--seed", "5", "--workers", workers,
                      "--out", str(out), *SMALL)
        assert res.returncode == 0, res.stderr
        outs.append(out)
    for name in ("replications.csv", "monthly.csv", "summary.csv", "targets.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


@pytest.mark.slow
def test_a_different_seed_gives_different_numbers(tmp_path) -> None:
    for seed in ("1", "2"):
        res = run_cli("run", str(BASELINE), "-n", "1", "--seed", seed, "--workers", "1",
                      "--out", str(tmp_path / seed), *SMALL)
        assert res.returncode == 0, res.stderr
    a = (tmp_path / "1" / "replications.csv").read_text()
    assert a != (tmp_path / "2" / "replications.csv").read_text()


def test_schema_command_prints_json_schema_with_descriptions() -> None:
    res = run_cli("schema")
    schema = json.loads(res.stdout)
    ed = schema["$defs"]["EDSection"]["properties"]
    assert "description" in ed["clinicians_per_shift"]


def test_every_schema_field_has_a_description() -> None:
    from sim.scenario import Scenario

    schema = Scenario.model_json_schema()
    missing = [f"{name}.{prop}" for name, d in schema["$defs"].items()
               for prop, spec in d.get("properties", {}).items() if not spec.get("description")]
    missing += [p for p, spec in schema["properties"].items() if not spec.get("description")
                and "$ref" not in spec]
    assert missing == []


def test_quick_same_seed_same_numbers_whatever_the_worker_count() -> None:
    """Quick tier: what test_same_seed_same_bytes_whatever_the_worker_count and
    test_a_different_seed_gives_different_numbers (slow) check through the CLI, here
    in-process on a tiny scenario and on the KPIs rather than the files."""
    import numpy as np
    from helpers import small_scenario

    from sim.experiment.runner import run_replications

    sc = small_scenario(0.05, 10, "run.warmup_days=7")

    def values(seed: int, n: int, workers: int) -> np.ndarray:
        results = run_replications(sc, seed, n, workers=workers)
        assert [r.replication for r in results] == list(range(n))
        return np.array([[r.kpis[k] for k in KPIS] for r in results])

    one = values(5, 2, 1)
    assert np.array_equal(one, values(5, 2, 2), equal_nan=True)
    assert not np.array_equal(one[:1], values(6, 1, 1), equal_nan=True)
