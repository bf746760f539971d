"""--capacity-factor: every capacity times F, population and demand as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BASELINE, run_cli

from sim.cli import main
from sim.experiment.batch import load_batch
from sim.scenario import load_scenario
from sim.scenario.scale import CAPACITY_KEYS, capacity_overrides, load_resized

CHEAP = ["--set", "run.measurement_days=2", "--set", "run.warmup_days=0",
         "--set", "population.size=20000"]


def _at(dump: dict, key: str):
    node = dump
    for part in key.split("."):
        node = node[part]
    return node


def _put(dump: dict, key: str, value) -> None:
    *parents, last = key.split(".")
    node = dump
    for part in parents:
        node = node[part]
    node[last] = value


def _times(value, factor: float):
    if isinstance(value, list):
        return [v * factor for v in value]
    return value * factor


def test_capacity_factor_2_doubles_every_capacity_and_nothing_else() -> None:
    on = ["ed.corridor_spaces_by_level=[10, 20, 40, 60]"]  # off (empty) in the baseline
    base = load_scenario(BASELINE, on).model_dump(mode="json")
    doubled = load_resized(BASELINE, on, capacity_factor=2).model_dump(mode="json")
    for key in CAPACITY_KEYS:
        assert _at(doubled, key) == pytest.approx(_times(_at(base, key), 2)), key
        assert _at(base, key), f"{key} is 0 in the baseline: doubling it proves nothing"
    assert doubled["population"] == base["population"]
    assert doubled["demand"] == base["demand"]
    expected = json.loads(json.dumps(base))
    for key in CAPACITY_KEYS:
        _put(expected, key, _at(doubled, key))
    assert doubled == expected  # only the capacities moved: rates, pathways, targets as they were


def test_scale_and_capacity_factor_compose() -> None:
    base = load_scenario(BASELINE)
    both = load_resized(BASELINE, scale=0.5, capacity_factor=2)
    assert both.population.size == base.population.size // 2
    b, h = base.model_dump(mode="json"), both.model_dump(mode="json")
    for key in CAPACITY_KEYS:  # x 0.5 x 2, rounded once on the product: as they were
        assert _at(h, key) == pytest.approx(_at(b, key), rel=1e-6), key


def test_a_positive_capacity_never_rounds_to_zero_and_zero_stays_zero() -> None:
    base = load_scenario(BASELINE, ["acute.elective_ring_fenced_beds=0"])
    tiny = load_scenario(BASELINE, ["acute.elective_ring_fenced_beds=0",
                                    *capacity_overrides(base, 0.01)])
    assert base.ucr.clinicians_per_shift * 0.01 < 0.5 and tiny.ucr.clinicians_per_shift == 1
    assert tiny.acute.elective_ring_fenced_beds == 0
    assert tiny.acute.beds == round(base.acute.beds * 0.01)


def test_batch_multiplies_each_options_own_capacities(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text(f'name = "b"\nbase = "{BASELINE.as_posix()}"\n'
                    '[[scenarios]]\nname = "base"\n'
                    '[[scenarios]]\nname = "beds"\nset = { "acute.beds" = 2200 }\n')
    batch = load_batch(path, capacity_factor=3)
    assert batch.capacity_factor == 3 and batch.scale == 1
    assert batch.scenarios["beds"].acute.beds == 6600
    assert batch.scenarios["base"].population.size == load_scenario(BASELINE).population.size


def test_run_records_the_capacity_factor_in_the_manifest(tmp_path: Path, capsys,
                                                         no_report) -> None:
    out = tmp_path / "out"
    code = main(["run", str(BASELINE), "-n", "1", "--workers", "1", "--quiet", "--out",
                 str(out), *CHEAP, "--capacity-factor", "2"])
    assert code == 0, capsys.readouterr().err
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete"
    assert man["capacity_factor"] == 2 and man["scale"] == 1
    base = load_scenario(BASELINE)
    assert man["scenario"]["acute"]["beds"] == 2 * base.acute.beds
    assert man["scenario"]["population"]["size"] == 20000  # the --set, not multiplied


@pytest.mark.parametrize("command", ["run", "batch", "advise"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf", "101"])
def test_a_bad_capacity_factor_is_one_line_and_exit_2(command: str, value: str, tmp_path: Path,
                                                      capsys) -> None:
    target = str(BASELINE) if command != "batch" else str(tmp_path / "never_read.toml")
    code = main([command, target, f"--capacity-factor={value}"])
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"--capacity-factor: {value}: "), lines
    assert captured.out == ""


def test_a_bad_capacity_factor_as_a_user_types_it(tmp_path: Path) -> None:
    res = run_cli("run", str(BASELINE), "--capacity-factor", "0", "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    assert res.stderr.strip() == "--capacity-factor: 0: must be above 0 and at most 100"
    assert not (tmp_path / "o").exists()


@pytest.fixture
def tiny_batch(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(f'name = "tiny"\nbase = "{BASELINE.as_posix()}"\nreplications = 1\n'
                    'seed = 3\n[[scenarios]]\nname = "base"\n')
    return path


@pytest.mark.slow  # a few seconds: the full suite runs it, the quick tier need not
def test_resume_with_another_capacity_factor_is_refused(tmp_path: Path, tiny_batch: Path) -> None:
    out = tmp_path / "o"
    first = run_cli("batch", str(tiny_batch), "--out", str(out), "--workers", "1", "--quiet",
                    *CHEAP)
    assert first.returncode == 0, first.stderr
    assert json.loads((out / "manifest.json").read_text())["capacity_factor"] == 1
    res = run_cli("batch", str(tiny_batch), "--out", str(out), "--workers", "1", "--quiet",
                  "--resume", *CHEAP, "--capacity-factor", "2")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().endswith(
        "--resume: refused: the scenarios changed (--capacity-factor was 1, now 2)")


def test_interrupted_batch_prints_a_resume_command_with_both_factors(
        monkeypatch, tiny_batch: Path, tmp_path: Path, capsys) -> None:
    from sim.experiment import orchestrate

    def interrupted(batch, out, *_args, **_kwargs):
        assert batch.scale == 0.5 and batch.capacity_factor == 2
        return orchestrate.BatchOutcome(out, 1, 1, {}, interrupted=True)

    monkeypatch.setattr(orchestrate, "run_batch", interrupted)
    out = tmp_path / "o"
    code = main(["batch", str(tiny_batch), "--out", str(out), "--scale", "0.5",
                 "--capacity-factor", "2", *CHEAP])
    err = capsys.readouterr().err
    assert code == 130
    assert (f"python run_sim.py batch {tiny_batch} --out {out} --resume --scale 0.5 "
            "--capacity-factor 2 --set run.measurement_days=2") in err
