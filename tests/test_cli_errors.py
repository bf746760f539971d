"""Bad input on the command line: exit 2, one ``FILE: KEY: REASON`` line per problem, no traceback.

Every case runs for both ``validate`` and ``run``; ``run`` must also leave nothing that looks like
a complete result. All cases run in-process through ``sim.cli.main`` (fast); a representative
subset also runs as a real subprocess, as a user would type it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BASELINE, run_cli

from sim.cli import main

CHEAP = ["--set", "run.measurement_days=2", "--set", "run.warmup_days=0",
         "--set", "population.size=20000"]


@dataclass(frozen=True)
class Expect:
    """One problem line we expect: any of ``files`` (a Path, or the literal ``--set``)."""

    files: tuple[Path | str, ...]
    key: str
    reason: str  # a case-insensitive fragment of the reason


@dataclass(frozen=True)
class Case:
    args: list[str]  # scenario file and any --set options
    expect: list[Expect]


def _child(tmp_path: Path, body: str, name: str = "child.toml") -> Path:
    """A scenario that extends the baseline and changes only what ``body`` says."""
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{body}', encoding="utf-8")
    return path


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def case_missing_file(tmp_path: Path) -> Case:
    path = tmp_path / "no_such_scenario.toml"
    return Case([str(path)], [Expect((path,), "(file)", "not found")])


def case_invalid_toml(tmp_path: Path) -> Case:
    path = _write(tmp_path, "broken.toml", 'name = "broken"\n[run\nwarmup_days = 3\n')
    return Case([str(path)], [Expect((path,), "(file)", "invalid TOML")])


def case_unknown_key_in_child(tmp_path: Path) -> Case:
    path = _child(tmp_path, "[ed]\nclinicians_per_shfit = 12\n")
    return Case([str(path)], [Expect((path,), "ed.clinicians_per_shfit", "unknown key")])


def case_wrong_type(tmp_path: Path) -> Case:
    path = _child(tmp_path, '[ed]\nclinicians_per_shift = "sixty"\n')
    return Case([str(path)], [Expect((path,), "ed.clinicians_per_shift", "integer")])


def case_negative_capacity_in_file(tmp_path: Path) -> Case:
    path = _child(tmp_path, "[ed]\nclinicians_per_shift = -3\n")
    return Case([str(path)], [Expect((path,), "ed.clinicians_per_shift", "greater than or equal")])


def case_negative_capacity_by_set(tmp_path: Path) -> Case:
    return Case([str(BASELINE), "--set", "ed.clinicians_per_shift=-3"],
                [Expect(("--set",), "ed.clinicians_per_shift", "greater than or equal")])


def case_shares_do_not_sum_to_one(tmp_path: Path) -> Case:
    path = _child(tmp_path, "[ed]\narrival_mix = { type3 = 0.5, type1_walk_in = 0.4, "
                            "type1_ambulance = 0.3 }\n")
    return Case([str(path)], [Expect((path,), "ed.arrival_mix", "sum to 1")])


def case_set_unknown_key(tmp_path: Path) -> Case:
    return Case([str(BASELINE), "--set", "ed.clinicians_per_shfit=12"],
                [Expect(("--set",), "ed.clinicians_per_shfit", "no such key")])


def case_set_unknown_section(tmp_path: Path) -> Case:
    return Case([str(BASELINE), "--set", "hospital.beds=900"],
                [Expect(("--set",), "hospital.beds", "no such key")])


def case_set_unknown_target(tmp_path: Path) -> Case:
    return Case([str(BASELINE), "--set", "targets.ed_5h.threshold=70"],
                [Expect(("--set",), "targets.ed_5h.threshold", "no such target")])


def case_extends_missing_file(tmp_path: Path) -> Case:
    path = _write(tmp_path, "orphan.toml", 'extends = "no_such_parent.toml"\n')
    return Case([str(path)], [Expect((path,), "extends", "not found")])


def case_circular_extends(tmp_path: Path) -> Case:
    a = _write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    b = _write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    return Case([str(a)], [Expect((a, b), "extends", "circular")])


def case_extends_itself(tmp_path: Path) -> Case:
    path = _write(tmp_path, "self.toml", 'extends = "self.toml"\n')
    return Case([str(path)], [Expect((path,), "extends", "circular")])


def case_unknown_kpi(tmp_path: Path) -> Case:
    path = _child(tmp_path, '[[targets]]\nid = "local_4h"\nkpi = "ed_5h_pct"\nop = ">="\n'
                            "threshold = 80.0\n")
    return Case([str(path)], [Expect((path,), "targets[local_4h].kpi", "unknown KPI")])


def case_bad_deadline(tmp_path: Path) -> Case:
    path = _child(tmp_path, '[[targets]]\nid = "ed_4h"\ndeadline = "March 2026"\n')
    return Case([str(path)], [Expect((path,), "targets[ed_4h].deadline", "YYYY-MM")])


def case_several_problems_at_once(tmp_path: Path) -> Case:
    path = _child(tmp_path, '[ed]\nbogus = 1\nclinicians_per_shift = "many"\n')
    return Case([str(path), "--set", "run.nope=1", "--set", "ed.handover_staff=-1"], [
        Expect((path,), "ed.bogus", "unknown key"),
        Expect((path,), "ed.clinicians_per_shift", "integer"),
        Expect(("--set",), "run.nope", "no such key"),
        Expect(("--set",), "ed.handover_staff", "greater than or equal"),
    ])


CASES: dict[str, Callable[[Path], Case]] = {
    name.removeprefix("case_"): fn for name, fn in globals().items() if name.startswith("case_")
}
# one case a kind of source (a file, a --set, a target), each also checked in-process
SUBPROCESS_CASES = ["missing_file", "set_unknown_key", "unknown_kpi"]
COMMANDS = ["validate", "run"]
# One subprocess per command stays in the quick tier (each costs a Python start-up and the
# model's imports, about a second); every case still runs in-process in the quick tier, and
# the other subprocess pairs run in the slow tier.
QUICK_SUBPROCESS = {("set_unknown_key", "run"), ("unknown_kpi", "validate")}


# -- checks -------------------------------------------------------------------------------------
def _same_file(label: str, want: Path | str, cwd: Path) -> bool:
    if isinstance(want, str):
        return label == want
    if label == "--set":
        return False
    got = Path(label)
    got = got if got.is_absolute() else cwd / got
    return got.resolve() == want.resolve()


def _problem_lines(stderr: str) -> list[tuple[str, str, str]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "no problem reported on stderr"
    parsed = []
    for line in lines:
        parts = line.split(": ", 2)
        assert len(parts) == 3 and all(p.strip() for p in parts), (
            f"not 'FILE: KEY: REASON': {line!r}")
        parsed.append((parts[0], parts[1], parts[2]))
    return parsed


def _check_output(stdout: str, stderr: str, expect: list[Expect], cwd: Path) -> None:
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    problems = _problem_lines(stderr)
    for want in expect:
        hits = [p for p in problems
                if p[1] == want.key and want.reason.lower() in p[2].lower()
                and any(_same_file(p[0], f, cwd) for f in want.files)]
        assert hits, f"expected a line naming {want} in:\n{stderr}"


def _no_complete_result(out: Path) -> None:
    if not out.exists():
        return
    for manifest in out.rglob("manifest.json"):
        try:
            status = json.loads(manifest.read_text(encoding="utf-8")).get("status")
        except (ValueError, AttributeError):
            continue
        assert status != "complete", f"{manifest} claims a complete run for bad input"


def _argv(command: str, case: Case, out: Path) -> list[str]:
    if command == "run":
        return ["run", *case.args, "--replications", "1", "--workers", "1", "--quiet",
                "--out", str(out)]
    return ["validate", *case.args]


# -- the cases, in-process ----------------------------------------------------------------------
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_in_process(name: str, command: str, tmp_path: Path, capsys) -> None:
    case = CASES[name](tmp_path)
    out = tmp_path / "out"
    code = main(_argv(command, case, out))
    captured = capsys.readouterr()
    assert code == 2, captured
    _check_output(captured.out, captured.err, case.expect, Path.cwd())
    assert "OK" not in captured.out.split()
    _no_complete_result(out)


# -- a representative subset, as a user runs it -------------------------------------------------
@pytest.mark.parametrize(("name", "command"), [
    pytest.param(name, command, marks=() if (name, command) in QUICK_SUBPROCESS
                 else pytest.mark.slow, id=f"{name}-{command}")
    for name in SUBPROCESS_CASES for command in COMMANDS])
def test_bad_input_subprocess(name: str, command: str, tmp_path: Path) -> None:
    case = CASES[name](tmp_path)
    out = tmp_path / "out"
    res = run_cli(*_argv(command, case, out), cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    _check_output(res.stdout, res.stderr, case.expect, tmp_path)
    _no_complete_result(out)


def test_relative_paths_are_shown_relative_to_where_the_user_is(tmp_path: Path) -> None:
    _child(tmp_path, "[ed]\nbogus = 1\n", name="mine.toml")
    res = run_cli("validate", "mine.toml", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == "mine.toml: ed.bogus: unknown key"


# -- success ------------------------------------------------------------------------------------
def test_validate_baseline_prints_ok(capsys) -> None:
    assert main(["validate", str(BASELINE)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "OK"
    assert captured.err == ""


def test_validate_baseline_subprocess_prints_ok() -> None:
    res = run_cli("validate", str(BASELINE))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "OK" and "Traceback" not in res.stderr


def test_cheap_run_writes_a_complete_manifest(tmp_path: Path, capsys, no_report) -> None:
    """In-process (tests/test_report.py runs ``run`` as a subprocess, with its pack)."""
    out = tmp_path / "out"
    code = main(["run", str(BASELINE), "--replications", "1", "--workers", "1", "--quiet",
                 "--out", str(out), *CHEAP])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


# -- inputs that currently escape as Python exceptions (bugs in sim/, see each docstring) ---------
def _long_name() -> str:
    return "x" * 300 + ".toml"


def bug_scenario_path_below_a_file(tmp_path: Path) -> Case:
    """NotADirectoryError from Path.read_text is not caught in loader._read_toml."""
    path = BASELINE / "child.toml"
    return Case([str(path)], [Expect((path,), "(file)", "")])


def bug_scenario_name_too_long(tmp_path: Path) -> Case:
    """OSError(ENAMETOOLONG) from Path.read_text is not caught in loader._read_toml."""
    path = tmp_path / _long_name()
    return Case([str(path)], [Expect((path,), "(file)", "")])


def bug_extends_name_too_long(tmp_path: Path) -> Case:
    """OSError(ENAMETOOLONG) from Path.is_file() on the parent in loader._read_toml."""
    path = _write(tmp_path, "long.toml", f'extends = "{_long_name()}"\n')
    return Case([str(path)], [Expect((path,), "extends", "")])


def bug_extends_with_nul(tmp_path: Path) -> Case:
    """ValueError('embedded null byte') from Path.resolve() on the parent."""
    path = _write(tmp_path, "nul.toml", 'extends = "a\\u0000b.toml"\n')
    return Case([str(path)], [Expect((path,), "extends", "")])


def bug_huge_integer_in_file(tmp_path: Path) -> Case:
    """tomllib raises ValueError (not TOMLDecodeError) for an int of more than 4300 digits."""
    path = _child(tmp_path, "[population]\nsize = " + "1" * 5000 + "\n")
    return Case([str(path)], [Expect((path,), "(file)", "")])


def bug_huge_integer_by_set(tmp_path: Path) -> Case:
    """parse_set catches only TOMLDecodeError; the ValueError escapes."""
    return Case([str(BASELINE), "--set", "population.size=" + "1" * 5000],
                [Expect(("--set",), "population.size", "")])


def bug_deeply_nested_array_in_file(tmp_path: Path) -> Case:
    """tomllib recurses once per nesting level: RecursionError escapes."""
    path = _child(tmp_path, "[ed]\nhour_profile = " + "[" * 5000 + "]" * 5000 + "\n")
    return Case([str(path)], [Expect((path,), "(file)", "")])


def bug_deeply_nested_array_by_set(tmp_path: Path) -> Case:
    """RecursionError escapes parse_set (only TOMLDecodeError is caught)."""
    return Case([str(BASELINE), "--set", "ed.hour_profile=" + "[" * 5000 + "]" * 5000],
                [Expect(("--set",), "ed.hour_profile", "")])


def bug_target_id_is_an_array(tmp_path: Path) -> Case:
    """loader._merge_targets uses the id as a dict key: TypeError unhashable 'list'."""
    path = _child(tmp_path, "[[targets]]\nid = [1]\n")
    return Case([str(path)], [Expect((path,), "targets[0].id", "")])


def bug_target_id_is_a_table(tmp_path: Path) -> Case:
    """Same as above with an inline table: TypeError unhashable 'dict'."""
    path = _child(tmp_path, "[[targets]]\nid = { a = 1 }\n")
    return Case([str(path)], [Expect((path,), "targets[0].id", "")])


def bug_set_target_when_a_target_has_no_id(tmp_path: Path) -> Case:
    """_check_set_path joins target ids for its message: TypeError on the None id."""
    path = _child(tmp_path, '[[targets]]\nkpi = "ed_4h_pct"\n')
    return Case([str(path), "--set", "targets.nope.threshold=1"],
                [Expect(("--set",), "targets.nope.threshold", "no such target")])


def bug_set_target_when_targets_is_not_a_list(tmp_path: Path) -> Case:
    """_check_set_path iterates raw['targets']: TypeError 'int' object is not iterable."""
    path = _child(tmp_path, "targets = 5\n")
    return Case([str(path), "--set", "targets.ed_4h.threshold=1"],
                [Expect(("--set",), "targets.ed_4h.threshold", "")])


def bug_set_target_when_targets_has_a_non_table(tmp_path: Path) -> Case:
    """apply_set calls .get on every targets entry: AttributeError on a string entry."""
    # a mixed array (allowed in TOML 1.0) holding a string and a target table
    path = _child(tmp_path, 'targets = ["oops", { id = "ed_4h", kpi = "ed_4h_pct", op = ">=", '
                            "threshold = 78.0 }]\n")
    return Case([str(path), "--set", "targets.ed_4h.threshold=70"],
                [Expect((path,), "targets[1]", "")])


def bug_set_target_after_a_set_made_an_id_a_number(tmp_path: Path) -> Case:
    """The first --set makes an id non-text; the second one's ', '.join(ids) raises TypeError."""
    return Case([str(BASELINE), "--set", "targets.ed_4h.id=5", "--set", "targets.ed_4h.op=<="],
                [Expect(("--set",), "targets.ed_4h.op", "no such target")])


BUG_CASES: dict[str, Callable[[Path], Case]] = {
    name.removeprefix("bug_"): fn for name, fn in globals().items() if name.startswith("bug_")
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(BUG_CASES))
def test_odd_input_is_reported_not_raised(name: str, command: str, tmp_path: Path,
                                          capsys) -> None:
    case = BUG_CASES[name](tmp_path)
    out = tmp_path / "out"
    code = main(_argv(command, case, out))
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "Traceback" not in captured.err
    problems = _problem_lines(captured.err)
    assert any(p[1].startswith(case.expect[0].key.split("[")[0]) for p in problems), problems
    _no_complete_result(out)


def test_a_key_with_a_newline_still_gives_one_line_per_problem(tmp_path: Path, capsys) -> None:
    """A quoted TOML key may hold a newline; the problem line is currently split in two."""
    path = _child(tmp_path, '[ed]\n"clinicians\\nper_shift" = 3\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ed.")
    assert lines[0].endswith(": unknown key; did you mean ed.clinicians_per_shift?")


def test_an_edited_target_kpi_names_only_the_file_that_set_it(tmp_path: Path, capsys) -> None:
    """The child alone set the bad kpi; the line currently names 'child.toml + baseline.toml'."""
    path = _child(tmp_path, '[[targets]]\nid = "ed_4h"\nkpi = "ed_5h_pct"\n')
    assert main(["validate", str(path)]) == 2
    _check_output("", capsys.readouterr().err,
                  [Expect((path,), "targets[ed_4h].kpi", "unknown KPI")], Path.cwd())


@pytest.mark.parametrize(("setting", "key", "reason"), [
    ("targets.ed_4h.deadline=2026-13", "targets[ed_4h].deadline", "YYYY-MM"),
    ("targets.ed_12h.kpi=ed_13h_pct", "targets[ed_12h].kpi", "unknown KPI"),
])
def test_a_target_value_given_by_set_is_blamed_on_set(setting: str, key: str, reason: str,
                                                      capsys) -> None:
    """apply_set records no provenance for targets.<id>.<field>, so the line names baseline.toml
    although the bad value came from the command line."""
    assert main(["validate", str(BASELINE), "--set", setting]) == 2
    _check_output("", capsys.readouterr().err, [Expect(("--set",), key, reason)], Path.cwd())


def test_unknown_kpi_and_schema_problems_are_reported_together(tmp_path: Path, capsys) -> None:
    """errors.py promises every problem at once; KPI checks are skipped after a schema error."""
    path = _child(tmp_path, '[[targets]]\nid = "local"\nkpi = "ed_5h_pct"\nop = ">="\n'
                            'threshold = 80.0\ndeadline = "March 2026"\n')
    assert main(["validate", str(path)]) == 2
    _check_output("", capsys.readouterr().err, [
        Expect((path,), "targets[local].deadline", "YYYY-MM"),
        Expect((path,), "targets[local].kpi", "unknown KPI"),
    ], Path.cwd())


# -- values validate accepts but run cannot use -------------------------------------------------
@pytest.mark.parametrize("setting", [
    "ed.attendances_per_1000_per_year=inf",
    "run.start_date=9999-12-31",
])
def test_run_reports_values_it_cannot_simulate(setting: str, tmp_path: Path, capsys) -> None:
    """Both passed validate, then crashed run with a traceback (numpy 'lam value too large';
    'year 10000 is out of range') and left a 'running' manifest behind. In-process: an
    exception escaping ``main`` fails the test as a traceback would."""
    out = tmp_path / "out"
    code = main(["run", str(BASELINE), "--replications", "1", "--workers", "1", "--quiet",
                 "--out", str(out), *CHEAP, "--set", setting])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out, captured.err
    assert code == 2, captured.err
    key = setting.split("=")[0]
    assert any(p[1] == key for p in _problem_lines(captured.err)), captured.err
    _no_complete_result(out)


@pytest.mark.parametrize("setting", [
    "ed.attendances_per_1000_per_year=inf",
    "run.start_date=9999-12-31",
    "run.warmup_days=100000000",
])
def test_validate_rejects_values_run_cannot_simulate(setting: str, capsys) -> None:
    """validate says OK to these; run then crashes (warmup_days=1e8 exhausts memory building a
    per-day list in arrivals.hourly_rates, so it is only checked here, not run)."""
    assert main(["validate", str(BASELINE), "--set", setting]) == 2
    err = capsys.readouterr().err
    assert any(p[1] == setting.split("=")[0] for p in _problem_lines(err)), err
