"""Input sanity: percentages given as fractions warn (console and manifest), typos get "did you
mean", batch files validate and name their file and key once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BASELINE, ROOT

from sim.cli import main
from sim.core.errors import InputError
from sim.experiment.batch import load_batch
from sim.scenario import load_scenario

CHEAP = ["--set", "run.measurement_days=2", "--set", "run.warmup_days=0",
         "--set", "population.size=20000"]
WINTER = ROOT / "scenarios" / "batches" / "winter_planning.toml"


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _child(tmp_path: Path, body: str, name: str = "child.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{body}', encoding="utf-8")
    return path


def _batch(tmp_path: Path, body: str, name: str = "batch.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


# -- a percentage given as a fraction: a warning, the run goes on ------------------------------
@pytest.mark.parametrize(("setting", "key", "meant"), [
    ("targets.ed_4h.threshold=0.78", "targets[ed_4h].threshold", "78"),
    ("virtual_ward.accept_below_pct=0.76", "virtual_ward.accept_below_pct", "76"),
    ("demand.growth_pct_per_year=0.03", "demand.growth_pct_per_year", "3"),
    ("targets.bed_occupancy.threshold=0.92", "targets[bed_occupancy].threshold", "92"),
])
def test_a_fraction_for_a_percentage_warns_and_validates(setting: str, key: str, meant: str,
                                                         capsys) -> None:
    assert main(["validate", str(BASELINE), "--set", setting]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "OK"
    assert _lines(err) == [f"warning: --set: {key}: {setting.split('=')[1]} is read as "
                           f"{setting.split('=')[1]}% (a percentage, not a fraction); "
                           f"did you mean {meant}?"]


@pytest.mark.parametrize("setting", [
    "targets.rtt_52w_share.threshold=0.5",  # a small tolerance on a ceiling is normal
    "demand.growth_pct_per_year=0.5",  # half a percent a year is a genuine growth rate
    "targets.ed_4h.threshold=78",
    "virtual_ward.accept_below_pct=1.5",
])
def test_plausible_percentages_do_not_warn(setting: str, capsys) -> None:
    assert main(["validate", str(BASELINE), "--set", setting]) == 0
    assert capsys.readouterr().err == ""


def test_a_fraction_in_a_file_names_the_file(tmp_path: Path, capsys) -> None:
    path = _child(tmp_path, "[virtual_ward]\naccept_below_pct = 0.8\n")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert _lines(err) == [f"warning: {path}: virtual_ward.accept_below_pct: 0.8 is read as "
                           "0.8% (a percentage, not a fraction); did you mean 80?"]


def test_run_records_input_warnings_in_the_manifest(tmp_path: Path, capsys, no_report) -> None:
    out = tmp_path / "out"
    code = main(["run", str(BASELINE), "-n", "1", "--workers", "1", "--quiet", "--out",
                 str(out), *CHEAP, "--set", "targets.ed_4h.threshold=0.78"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "warning: --set: targets[ed_4h].threshold" in err and "did you mean 78?" in err
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete"
    warned = [w for w in man["warnings"] if w["kind"] == "input"]
    assert [w["subject"] for w in warned] == ["targets[ed_4h].threshold"]
    assert "did you mean 78?" in warned[0]["message"]


def test_a_run_without_slips_records_no_input_warning(tmp_path: Path, capsys, no_report) -> None:
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "-n", "1", "--workers", "1", "--quiet", "--out",
                 str(out), *CHEAP]) == 0
    capsys.readouterr()
    man = json.loads((out / "manifest.json").read_text())
    assert [w for w in man["warnings"] if w["kind"] == "input"] == []


# -- unknown keys: did you mean ----------------------------------------------------------------
@pytest.mark.parametrize(("setting", "line"), [
    ("ucr.clinician_per_shift=9", "--set: ucr.clinician_per_shift: no such key in ucr; "
                                  "did you mean ucr.clinicians_per_shift?"),
    ("acute.bed=2000", "--set: acute.bed: no such key in acute; did you mean acute.beds?"),
    ("popluation.size=5", "--set: popluation.size: no such key in the scenario; did you mean "
                          "population?"),
    ("targets.ed_4h.thresold=70", "--set: targets.ed_4h.thresold: no such target field; "
                                  "did you mean targets.ed_4h.threshold?"),
])
def test_an_unknown_key_by_set_suggests_the_known_one(setting: str, line: str,
                                                      capsys) -> None:
    assert main(["validate", str(BASELINE), "--set", setting]) == 2
    assert _lines(capsys.readouterr().err) == [line]


def test_an_unknown_target_by_set_suggests_the_known_one(capsys) -> None:
    assert main(["validate", str(BASELINE), "--set", "targets.ed_4hr.threshold=70"]) == 2
    err = capsys.readouterr().err
    assert len(_lines(err)) == 1 and err.strip().endswith("did you mean targets.ed_4h?")


def test_an_unknown_key_in_a_file_suggests_the_known_one(tmp_path: Path, capsys) -> None:
    path = _child(tmp_path, "[ed]\nclinicians_per_shfit = 12\n"
                            '[[targets]]\nid = "ed_4h"\nthreshhold = 70\n')
    assert main(["validate", str(path)]) == 2
    assert sorted(_lines(capsys.readouterr().err)) == sorted([
        f"{path}: ed.clinicians_per_shfit: unknown key; did you mean ed.clinicians_per_shift?",
        f"{path}: targets[ed_4h].threshhold: unknown key; did you mean "
        "targets[ed_4h].threshold?"])


def test_an_unknown_key_with_nothing_close_gets_no_suggestion(tmp_path: Path, capsys) -> None:
    path = _child(tmp_path, "[ed]\nbogus = 1\n")
    assert main(["validate", str(path)]) == 2
    assert _lines(capsys.readouterr().err) == [f"{path}: ed.bogus: unknown key"]


# -- batch files -------------------------------------------------------------------------------
def test_validate_accepts_the_shipped_batch_file(capsys) -> None:
    assert main(["validate", str(WINTER)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "OK" and err == ""


def test_validate_checks_every_scenario_of_a_batch(tmp_path: Path, capsys) -> None:
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\n'
                            '[[scenarios]]\nname = "a"\n'
                            '[[scenarios]]\nname = "b"\nset = { "acute.beds" = -4 }\n')
    assert main(["validate", str(path)]) == 2
    assert _lines(capsys.readouterr().err) == [
        f"{path} [b]: acute.beds: Input should be greater than or equal to 0"]


def test_a_missing_base_is_reported_once_naming_the_batch_file_and_key(tmp_path: Path,
                                                                       capsys) -> None:
    path = _batch(tmp_path, 'name = "b"\nreplications = 2\n[[scenarios]]\nname = "a"\n'
                            '[[scenarios]]\nname = "c"\n')
    for command in ("validate", "batch"):
        assert main([command, str(path)]) == 2
        lines = _lines(capsys.readouterr().err)
        assert len(lines) == 1 and lines[0].startswith(f"{path}: base: missing"), lines


def test_a_base_file_not_found_is_reported_once(tmp_path: Path, capsys) -> None:
    path = _batch(tmp_path, 'name = "b"\nbase = "nowhere.toml"\n[[scenarios]]\nname = "a"\n'
                            '[[scenarios]]\nname = "c"\n')
    assert main(["batch", str(path)]) == 2
    lines = _lines(capsys.readouterr().err)
    assert lines == [f"{path}: base: file not found: {tmp_path / 'nowhere.toml'}"]


def test_a_problem_in_the_base_file_is_reported_once_for_the_whole_batch(
        tmp_path: Path, capsys) -> None:
    base = _child(tmp_path, "[ed]\nbogus = 1\n", name="base.toml")
    path = _batch(tmp_path, 'name = "b"\nbase = "base.toml"\n[[scenarios]]\nname = "a"\n'
                            '[[scenarios]]\nname = "c"\n[[scenarios]]\nname = "d"\n')
    assert main(["validate", str(path)]) == 2
    assert _lines(capsys.readouterr().err) == [f"{base}: ed.bogus: unknown key"]


def test_typos_in_a_batch_file_suggest_the_known_key(tmp_path: Path, capsys) -> None:
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\nreplication = 3\n'
                            '[[scenarios]]\nname = "a"\nsett = 1\n'
                            '[[scenarios]]\nname = "u"\n'
                            'set = { "ucr.clinician_per_shift" = 9 }\n')
    assert main(["validate", str(path)]) == 2
    assert sorted(_lines(capsys.readouterr().err)) == sorted([
        f"{path}: replication: unknown key; did you mean replications?",
        f"{path}: scenarios[a].sett: unknown key; did you mean set?"])
    path.write_text(path.read_text().replace("replication =", "replications =")
                    .replace("sett = 1\n", ""))
    assert main(["validate", str(path)]) == 2
    assert _lines(capsys.readouterr().err) == [
        f"{path} [u]: ucr.clinician_per_shift: no such key in ucr; did you mean "
        "ucr.clinicians_per_shift?"]


def test_an_unknown_comparator_suggests_a_scenario(tmp_path: Path) -> None:
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\n'
                            'comparator = "do_nothin"\n[[scenarios]]\nname = "do_nothing"\n')
    with pytest.raises(InputError, match="did you mean do_nothing"):
        load_batch(path)


def test_a_fraction_in_a_batch_option_warns_once_naming_the_batch_file(tmp_path: Path,
                                                                       capsys) -> None:
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\n'
                            '[[scenarios]]\nname = "a"\n'
                            '[[scenarios]]\nname = "vw"\n'
                            'set = { "virtual_ward.accept_below_pct" = 0.9 }\n')
    assert main(["validate", str(path), "--set", "targets.ed_4h.threshold=0.78"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "OK"
    assert sorted(_lines(err)) == sorted([
        "warning: --set: targets[ed_4h].threshold: 0.78 is read as 0.78% (a percentage, not "
        "a fraction); did you mean 78?",
        f"warning: {path} [vw]: virtual_ward.accept_below_pct: 0.9 is read as 0.9% (a "
        "percentage, not a fraction); did you mean 90?"])


def test_a_batch_records_each_input_warning_once_in_its_manifest(tmp_path: Path, monkeypatch,
                                                                  capsys) -> None:
    monkeypatch.setattr("sim.cli.run.write_report", lambda folder: None)  # not about the report
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\nreplications = 1\n'
                            '[[scenarios]]\nname = "a"\n[[scenarios]]\nname = "c"\n'
                            'set = { "acute.beds" = 2200 }\n')
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--quiet", *CHEAP,
                 "--set", "demand.growth_pct_per_year=0.03"]) == 0
    err = capsys.readouterr().err
    assert err.count("demand.growth_pct_per_year") == 1, err
    man = json.loads((out / "manifest.json").read_text())
    # other kinds of warning (queues, scaling) may join the list: the input ones are ours
    assert [w["subject"] for w in man["warnings"] if w["kind"] == "input"] == [
        "demand.growth_pct_per_year"]


# -- relative changes (docs/relative-changes.md) -----------------------------------------------
def test_a_file_states_changes_relative_to_the_file_it_extends(tmp_path: Path) -> None:
    path = _child(tmp_path, '[acute]\nbeds = "+95"\nemergency_los_days.mean = "x1.08"\n'
                            '[d2a]\nhome_care_packages = "+25%"\np3_places = "-20%"\n'
                            '[ed]\nclinicians_per_shift = "+1"\n')
    base, sc = load_scenario(BASELINE), load_scenario(path)
    assert sc.acute.beds == base.acute.beds + 95
    assert sc.acute.emergency_los_days.mean == pytest.approx(base.acute.emergency_los_days.mean
                                                             * 1.08)
    assert sc.acute.emergency_los_days.cv == base.acute.emergency_los_days.cv
    assert sc.d2a.home_care_packages == round(base.d2a.home_care_packages * 1.25)
    assert sc.d2a.p3_places == round(base.d2a.p3_places * 0.8)
    assert sc.ed.clinicians_per_shift == [n + 1 for n in base.ed.clinicians_per_shift]
    # whole numbers stay whole, rounded half to even: 350 x 1.25 = 437.5 -> 438; 54 x 0.8 -> 43
    # (the parent pins 350 and 54, so a recalibrated baseline cannot take the half away)
    pinned = _child(tmp_path, '[d2a]\nhome_care_packages = 350\np3_places = 54\n', "pinned.toml")
    half = tmp_path / "half.toml"
    half.write_text(f'extends = "{pinned.name}"\n[d2a]\nhome_care_packages = "+25%"\n'
                    'p3_places = "-20%"\n', encoding="utf-8")
    sc = load_scenario(half)
    assert sc.d2a.home_care_packages == 438
    assert sc.d2a.p3_places == 43


def test_a_chain_resolves_each_file_against_its_own_parent(tmp_path: Path) -> None:
    first = _child(tmp_path, 'name = "first"\n[acute]\nbeds = "+95"\n', "first.toml")
    second = tmp_path / "second.toml"
    second.write_text(f'extends = "{first.name}"\nname = "second"\n[acute]\nbeds = "x2"\n')
    assert load_scenario(second).acute.beds == (load_scenario(BASELINE).acute.beds + 95) * 2


def test_set_and_batch_options_are_relative_to_the_files_value(tmp_path: Path) -> None:
    beds = load_scenario(BASELINE).acute.beds
    assert load_scenario(BASELINE, ["acute.beds=+95"]).acute.beds == beds + 95
    assert load_scenario(BASELINE, ['acute.beds="-25"']).acute.beds == beds - 25
    assert load_scenario(BASELINE, ["acute.beds=-10%"]).acute.beds == round(beds * 0.9)
    assert load_scenario(BASELINE, ["acute.beds=+95", "acute.beds=+5"]).acute.beds == beds + 100
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\n'
                            '[[scenarios]]\nname = "more"\nset = { "acute.beds" = "+95" }\n')
    assert load_batch(path).scenarios["more"].acute.beds == beds + 95


def test_describe_shows_a_relative_change_resolved(tmp_path: Path, capsys) -> None:
    path = _child(tmp_path, '[acute]\nbeds = "+95"\n')
    assert main(["describe", str(path)]) == 0
    out = capsys.readouterr().out
    beds = load_scenario(BASELINE).acute.beds
    assert f"| `acute.beds` | {beds:,} -> {beds + 95:,} (+95) |" in out
    assert f"- `acute.beds`: {beds:,} -> {beds + 95:,} (+95)" in out


@pytest.mark.parametrize(("body", "key", "reason"), [
    ('[acute]\nbeds = "+9five"\n', "acute.beds", "cannot read it: write"),
    ('[acute]\nbeds = "+2.5"\n', "acute.beds", "this key takes whole numbers"),
    ('[acute]\nemergency_los_days = "x1.08"\n', "acute.emergency_los_days",
     "change a number inside it"),
    ('[acute]\nbeds = "-100%"\n', "acute.beds", "would leave nothing"),
    ('[acute]\noutlying = "+1"\n', "acute.outlying", "is not a number"),
])
def test_bad_relative_text_names_the_file_the_key_and_why(tmp_path: Path, body: str, key: str,
                                                         reason: str, capsys) -> None:
    path = _child(tmp_path, body)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: {key}: relative change ") and reason in err, err
    assert "Traceback" not in err


def test_a_relative_change_needs_a_base(tmp_path: Path, capsys) -> None:
    path = tmp_path / "alone.toml"
    text, beds = BASELINE.read_text(), load_scenario(BASELINE).acute.beds
    assert text.count(f"\nbeds = {beds} ") == 1  # the [acute] line, whatever the baseline holds
    path.write_text(text.replace(f"\nbeds = {beds} ", '\nbeds = "+95" '))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "acute.beds: relative change '+95' needs a base: this file extends no other" in err


def test_a_bad_relative_set_is_an_input_error(capsys) -> None:
    assert main(["validate", str(BASELINE), "--set", "acute.beds=x-2"]) == 2
    err = capsys.readouterr().err
    assert _lines(err) == ["--set: acute.beds: relative change 'x-2': cannot read it: "
                           'write "+N", "-N", "+N%", "-N%" or "xN" (e.g. "+95", "-10%", '
                           '"x1.08")']


# -- settings that do not apply: warned --------------------------------------------------------
def test_an_inert_set_warns_naming_the_key_and_the_condition(capsys) -> None:
    assert main(["validate", str(BASELINE), "--set",
                 "acute.other_support_wait_days.mean=9.6"]) == 0
    assert _lines(capsys.readouterr().err) == [
        "warning: --set: acute.other_support_wait_days: has no effect in this scenario: it "
        "applies only when d2a.enabled is false"]
    assert main(["validate", str(BASELINE), "--set", "d2a.enabled=false", "--set",
                 "acute.other_support_wait_days.mean=9.6"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(("body", "key", "condition"), [
    ("[virtual_ward]\nclinicians = 80\n", "virtual_ward.clinicians",
     "virtual_ward.caseload_per_clinician > 0"),
    ("[ucr]\ntravel_mins.mean = 40.0\n", "ucr.travel_mins", "ucr.localities is empty"),
    ("[acute]\noutlying = false\noutlying_max_patients = 20\n", "acute.outlying_max_patients",
     "acute.outlying is true"),
    ('[d2a]\nalternative_arranged_days.cv = 0.5\n', "d2a.alternative_arranged_days.cv",
     "d2a.alternative_arranged_days.dist is not exponential"),
    ("[reablement]\nenabled = false\npackages = 400\n", "reablement.packages",
     "reablement.enabled is true"),
])
def test_an_inert_key_in_a_file_warns(tmp_path: Path, body: str, key: str, condition: str,
                                      capsys) -> None:
    path = _child(tmp_path, body)
    assert main(["validate", str(path)]) == 0
    assert _lines(capsys.readouterr().err) == [
        f"warning: {path}: {key}: has no effect in this scenario: it applies only when "
        f"{condition}"]


def test_the_baselines_own_values_do_not_warn_and_the_schema_says_when(capsys) -> None:
    from sim.scenario import Scenario

    assert main(["validate", str(BASELINE)]) == 0
    assert capsys.readouterr().err == ""
    defs = Scenario.model_json_schema()["$defs"]
    assert defs["AcuteSection"]["properties"]["outlying_max_patients"]["applies_when"] == \
        "acute.outlying is true"
    assert defs["D2ASection"]["properties"]["enabled"]["makes_inert"] == [
        "acute.other_support_wait_days"]
    assert '"+95"' in Scenario.model_json_schema()["$comment"]  # relative changes, documented


def test_a_run_records_an_inert_setting_in_the_manifest(tmp_path: Path, capsys, no_report) -> None:
    out = tmp_path / "out"
    assert main(["run", str(BASELINE), "-n", "1", "--workers", "1", "--quiet", "--out",
                 str(out), *CHEAP, "--set", "acute.other_support_wait_days.mean=9.6"]) == 0
    assert "d2a.enabled is false" in capsys.readouterr().err
    man = json.loads((out / "manifest.json").read_text())
    assert [w["subject"] for w in man["warnings"] if w["kind"] == "input"] == [
        "acute.other_support_wait_days"]


def test_bad_relative_text_in_a_batch_option_names_the_batch_and_option(tmp_path: Path,
                                                                       capsys) -> None:
    path = _batch(tmp_path, f'name = "b"\nbase = "{BASELINE.as_posix()}"\n'
                            '[[scenarios]]\nname = "more"\nset = { "acute.beds" = "+2.5" }\n')
    assert main(["validate", str(path)]) == 2
    assert _lines(capsys.readouterr().err) == [
        f"{path} [more]: acute.beds: relative change '+2.5': this key takes whole numbers: "
        "add a whole number"]


def test_an_intent_table_is_checked_and_kept_out_of_the_scenario(tmp_path: Path,
                                                                  capsys) -> None:
    from sim.scenario.relative import read_intent

    path = _child(tmp_path, '[acute]\nbeds = "+95"\n[intent]\n"acute.beds" = "up"\n')
    assert read_intent(path) == {"acute.beds": "up"}
    assert load_scenario(path).acute.beds == load_scenario(BASELINE).acute.beds + 95
    bad = _child(tmp_path, '[intent]\n"acute.bed" = "up"\n"acute.beds" = "more"\n', "bad.toml")
    assert main(["validate", str(bad)]) == 2
    assert _lines(capsys.readouterr().err) == [
        f"{bad}: intent.acute.bed: no such key in the scenario",
        f'{bad}: intent.acute.beds: give "up" or "down"']
