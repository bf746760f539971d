"""Batches: the same files on every backend, resumable after a kill, refused when changed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, run_cli

from sim.cli import main
from sim.core.errors import InputError
from sim.experiment.batch import load_batch
from sim.scenario import load_scenario

TABLES = ("replications.csv", "monthly.csv", "summary.csv", "targets.csv", "comparison.csv")
QUICK = ["--scale", "0.05", "--set", "run.warmup_days=10", "--set", "run.measurement_days=31",
         "--quiet"]


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(f'''
name = "small"
base = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"
replications = 3
seed = 7
comparator = "base"

[[scenarios]]
name = "base"

[[scenarios]]
name = "more_ucr"
set = {{ "ucr.clinicians_per_shift" = 11, "virtual_ward.beds" = 400 }}

[[sweeps]]
name = "reab"
[sweeps.values]
"reablement.packages" = [200, 400]
''')
    return path


def same_tables(a: Path, b: Path) -> None:
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_batch_expands_scenarios_and_sweeps(batch_file: Path) -> None:
    batch = load_batch(batch_file)
    assert list(batch.scenarios) == ["base", "more_ucr", "reab-packages200", "reab-packages400"]
    assert batch.scenarios["more_ucr"].ucr.clinicians_per_shift == 11
    assert batch.scenarios["reab-packages200"].reablement.packages == 200


def test_bad_batch_is_an_input_error(tmp_path: Path, batch_file: Path, capsys) -> None:
    """In-process (an exception escaping ``main`` fails the test as a traceback would;
    tests/test_capacity_factor.py runs ``batch`` as a subprocess)."""
    bad = tmp_path / "bad.toml"
    bad.write_text(batch_file.read_text().replace('"ucr.clinicians_per_shift"', '"ucr.nope"'))
    with pytest.raises(InputError, match=r"ucr\.nope"):
        load_batch(bad)
    code = main(["batch", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and "[more_ucr]" in err


@pytest.mark.slow
def test_one_worker_two_workers_and_dask_give_identical_files(tmp_path: Path,
                                                              batch_file: Path) -> None:
    outs = {}
    for label, extra in (("w1", ["--workers", "1"]), ("w2", ["--workers", "2"]),
                         ("dask", ["--dask-workers", "2"])):
        outs[label] = tmp_path / label
        res = run_cli("batch", str(batch_file), "--out", str(outs[label]), *extra, *QUICK)
        assert res.returncode == 0, res.stderr
    same_tables(outs["w1"], outs["w2"])
    same_tables(outs["w1"], outs["dask"])
    comparison = pd.read_csv(outs["w1"] / "comparison.csv", keep_default_na=False)
    assert set(comparison.scenario) == {"more_ucr", "reab-packages200", "reab-packages400"}
    more = comparison[(comparison.scenario == "more_ucr") & (comparison.kpi == "cost_total_gbp")]
    assert float(more.mean_diff.iloc[0]) > 0  # more clinicians and VW beds cost more
    cheaper = comparison[comparison.scenario == "reab-packages200"]
    assert (cheaper.incremental_cost_gbp.astype(float) < 0).all()
    reab = cheaper[cheaper.target == "reablement_2d"].iloc[0]
    assert float(reab.extra_patients_meeting) < 0  # fewer packages: fewer start within 2 days
    man = json.loads((outs["dask"] / "manifest.json").read_text())
    assert man["status"] == "complete" and man["backend"].startswith("dask-local")


@pytest.mark.slow
def test_killed_batch_resumes_to_the_same_files(tmp_path: Path, batch_file: Path) -> None:
    whole = tmp_path / "whole"
    assert run_cli("batch", str(batch_file), "--out", str(whole), "--workers", "2",
                   *QUICK).returncode == 0
    part = tmp_path / "part"
    cmd = [sys.executable, str(ROOT / "run_sim.py"), "batch", str(batch_file), "--out",
           str(part), "--workers", "2", *QUICK]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(part.glob("tasks/*/rep-*.json"))) < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner and its workers, as kill -9 would
    proc.wait()
    stored = len(list(part.glob("tasks/*/rep-*.json")))
    assert 3 <= stored < 12, "kill should land part-way"
    assert json.loads((part / "manifest.json").read_text())["status"] == "running"
    assert not (part / "summary.csv").exists()
    again = run_cli("batch", str(batch_file), "--out", str(part), "--workers", "2", *QUICK)
    assert again.returncode == 2 and "--resume" in again.stderr
    res = run_cli("batch", str(batch_file), "--out", str(part), "--workers", "2", "--resume",
                  *QUICK)
    assert res.returncode == 0, res.stderr
    same_tables(whole, part)


BASE_BEDS = load_scenario(ROOT / "scenarios" / "baseline.toml").acute.beds


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_resume_against_a_changed_scenario_is_refused(tmp_path: Path, batch_file: Path) -> None:
    out = tmp_path / "o"
    quick = [*QUICK, "--set", "run.measurement_days=5"]
    assert run_cli("batch", str(batch_file), "--out", str(out), "--workers", "2",
                   *quick).returncode == 0
    res = run_cli("batch", str(batch_file), "--out", str(out), "--resume", *quick,
                  "--set", "acute.beds=2000")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    # one line, naming the input that changed (acute.beds, scaled by --scale 0.05)
    assert res.stderr.strip() == (f"{out / 'manifest.json'}: --resume: refused: every scenario "
                                  f"changed (acute.beds was {round(BASE_BEDS * 0.05)}, now 100)")


@pytest.mark.slow
def test_compare_two_runs(tmp_path: Path) -> None:
    base = ROOT / "scenarios" / "baseline.toml"
    args = ["-n", "2", "--seed", "3", "--workers", "2", *QUICK]
    assert run_cli("run", str(base), "--out", str(tmp_path / "a"), *args).returncode == 0
    assert run_cli("run", str(base), "--out", str(tmp_path / "b"), *args,
                   "--set", "reablement.packages=8").returncode == 0
    res = run_cli("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out",
                  str(tmp_path / "c"))
    assert res.returncode == 0, res.stderr
    assert "paired by replication" in res.stdout
    table = pd.read_csv(tmp_path / "c" / "comparison.csv", keep_default_na=False)
    row = table[table.kpi == "reablement_2d_pct"].iloc[0]
    assert float(row.mean_diff) < 0 and int(row.n) == 2  # (a blank elsewhere makes the column text)


def test_missing_dask_gives_a_clear_message(monkeypatch, batch_file: Path, capsys) -> None:
    from sim.cli import main

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    code = main(["batch", str(batch_file), "--dask-workers", "2", "--out",
                 str(batch_file.parent / "o"), *QUICK])
    err = capsys.readouterr().err
    assert code == 2 and "pip install" in err and "distributed" in err


def test_quick_compare_pairs_by_replication(tmp_path: Path, capsys) -> None:
    """Quick tier: the compare command on hand-made results folders (test_compare_two_runs,
    slow, makes them with real runs): paired by replication with the same seed, else Welch."""
    from sim.cli import main
    from sim.outputs.kpis import KPIS

    def folder(name: str, seed: int, ed_4h: list[float]) -> Path:
        out = tmp_path / name
        out.mkdir()
        (out / "manifest.json").write_text(json.dumps({"status": "complete", "seed": seed}))
        rows = [("s", r, k, ed_4h[r] if k == "ed_4h_pct" else 50.0 + r)
                for r in range(3) for k in KPIS]
        pd.DataFrame(rows, columns=["scenario", "replication", "kpi", "value"]).to_csv(
            out / "replications.csv", index=False)
        verdict = "met" if min(ed_4h) >= 78 else "not met"
        pd.DataFrame([("s", "ed_4h", "ed_4h_pct", verdict)],
                     columns=["scenario", "target", "kpi", "verdict"]).to_csv(
            out / "targets.csv", index=False)
        return out

    a = folder("a", 3, [80.0, 70.0, 90.0])
    b = folder("b", 3, [77.0, 68.0, 86.0])  # 3, 2 and 4 points lower, replication by replication
    assert main(["compare", str(a), str(b), "--out", str(tmp_path / "c")]) == 0
    assert "paired by replication" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "c" / "comparison.csv", keep_default_na=False)
    row = table[table.kpi == "ed_4h_pct"].iloc[0]
    assert row.mean_diff == pytest.approx(-3.0) and row.n == 3 and row.ci_high < 0
    assert row.comparator_verdict == "not met" and row.scenario_verdict == "not met"
    c = folder("c2", 4, [77.0, 68.0, 86.0])
    assert main(["compare", str(a), str(c)]) == 0
    assert "different seeds (3, 4)" in capsys.readouterr().out
