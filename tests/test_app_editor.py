"""The web app's plain-Python parts: levers, validation, the extends file, uploads, paths."""

from __future__ import annotations

import shutil

import pytest
from conftest import BASELINE, ROOT

from sim.app import config, editor, views
from sim.core.errors import InputError
from sim.scenario import load_scenario, scenario_hash
from sim.scenario.fields import lever_keys
from sim.scenario.schema import Scenario

SHIPPED = {"baseline.toml": BASELINE}


def test_levers_are_the_schema_levers_with_units_and_base_values() -> None:
    base = load_scenario(BASELINE)
    levers = editor.levers(base)
    assert [lv.key for lv in levers] == list(lever_keys(Scenario))
    beds = next(lv for lv in levers if lv.key == "acute.beds")
    assert beds.base == base.acute.beds and beds.kind == "int" and beds.unit == "G&A beds"
    assert "beds" in beds.description
    gp = next(lv for lv in levers if lv.key == "primary_care.gp_slots_per_weekday")
    assert gp.kind == "list" and len(gp.base) == 7
    assert "acute.beds" in editor.seek_levers(base)
    assert "demand.growth_pct_per_year" not in editor.seek_levers(base)


def test_only_changed_levers_become_overrides() -> None:
    levers = editor.levers(load_scenario(BASELINE))
    values = {lv.key: lv.base for lv in levers}
    assert editor.lever_sets(levers, values) == []
    values["acute.beds"] = 2000
    values["primary_care.gp_slots_per_weekday"] = editor.parse_list("1, 2, 3, 4, 5, 6, 7.5")
    assert editor.lever_sets(levers, values) == [
        "primary_care.gp_slots_per_weekday=[1, 2, 3, 4, 5, 6, 7.5]", "acute.beds=2000"]
    assert editor.parse_list("1, x") is None
    assert editor.extra_sets("# note\n\n a.b=1 \nc.d=2") == ["a.b=1", "c.d=2"]


def test_validation_is_the_command_lines_with_each_problem_by_key() -> None:
    bad = editor.check(BASELINE, ["acute.beds=-1", "acute.bedz=3"])
    assert not bad.valid
    keys = bad.by_key()
    assert "acute.beds" in keys and "acute.bedz" in keys
    assert "did you mean acute.beds" in keys["acute.bedz"][0]
    good = editor.check(BASELINE, ["acute.beds=2000"], scale=0.5)
    assert good.valid and good.scenario.acute.beds == 1000


def test_the_saved_file_extends_the_base_and_loads_as_the_edited_scenario(tmp_path) -> None:
    sets = ["acute.beds=1999", "primary_care.gp_slots_per_weekday=[1, 2, 3, 4, 5, 6, 7]",
            "targets.ed_4h.threshold=80", 'name="my_plan"', "ucr.clinicians_per_shift=9"]
    text = editor.extends_toml("baseline.toml", sets, "edited\nin the app")
    assert text.startswith("# edited\n# in the app\nextends = \"baseline.toml\"")
    assert "[acute]\nbeds = 1999" in text and "[[targets]]" in text
    assert "run" not in text.split("[", 1)[1]  # only the changes
    shutil.copy(BASELINE, tmp_path / "baseline.toml")
    (tmp_path / "plan.toml").write_text(text)
    saved = load_scenario(tmp_path / "plan.toml")
    edited = editor.check(BASELINE, sets).scenario
    assert scenario_hash(saved) == scenario_hash(edited)


def test_a_resolved_scenario_written_as_toml_loads_back_unchanged(tmp_path) -> None:
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        sc = load_scenario(path)
        (tmp_path / "x.toml").write_text(editor.scenario_toml(sc))
        assert scenario_hash(load_scenario(tmp_path / "x.toml")) == scenario_hash(sc), path
        man = {"scenario": sc.model_dump(mode="json")}
        assert views.resolved_toml(man) == editor.scenario_toml(sc)


def test_uploads_are_size_limited_toml_and_may_extend_only_a_shipped_scenario(tmp_path) -> None:
    store = tmp_path / "uploads"
    with pytest.raises(InputError, match="larger than"):
        editor.read_upload("big.toml", b"x" * 11, SHIPPED, store, 10)
    with pytest.raises(InputError, match="invalid TOML"):
        editor.read_upload("bad.toml", b"name = ", SHIPPED, store, 1000)
    with pytest.raises(InputError, match="invalid TOML"):
        editor.read_upload("bin.toml", b"\xff\xfe", SHIPPED, store, 1000)
    for parent in ("/etc/passwd", "../baseline.toml", "../../results/x.toml", "other.toml"):
        with pytest.raises(InputError, match="may only name a shipped scenario"):
            editor.read_upload("e.toml", f'extends = "{parent}"\n'.encode(), SHIPPED, store,
                               1000)
    assert not store.exists() or list(store.iterdir()) == []
    path = editor.read_upload("mine.toml", b'extends = "baseline.toml"\nname = "mine"\n'
                              b"[acute]\nbeds = 2001\n", SHIPPED, store, 1000)
    assert path.parent == store
    checked = editor.check(path, [], 1.0, "mine.toml")
    assert checked.valid and checked.scenario.acute.beds == 2001
    wrong = editor.read_upload("w.toml", b'extends = "baseline.toml"\n[acute]\nbeds = -1\n',
                               SHIPPED, store, 1000)
    problems = editor.check(wrong, [], 1.0, "w.toml").problems
    assert [(p.file, p.key) for p in problems] == [("w.toml", "acute.beds")]


def test_no_name_from_the_page_reaches_outside_the_results_folder(tmp_path) -> None:
    (tmp_path / "run").mkdir()
    assert config.inside(tmp_path, "run") == (tmp_path / "run").resolve()
    for name in ("..", "../x", "/etc", "", ".", "run/../../x"):
        with pytest.raises(ValueError):
            config.inside(tmp_path, name)
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(ValueError):
        config.inside(tmp_path, "link")


def test_shipped_scenarios_are_scenario_files_not_batches() -> None:
    shipped = config.shipped_scenarios()
    assert "baseline.toml" in shipped
    assert all(load_scenario(p) for p in shipped.values())


def test_the_server_is_bound_to_localhost_with_uploads_capped() -> None:
    from sim.app.__main__ import streamlit_args

    args = streamlit_args()
    assert args[args.index("--server.address") + 1] == "127.0.0.1"
    assert args[args.index("--server.port") + 1] == "8501"
    assert args[args.index("--server.maxUploadSize") + 1] == "1"  # MB
    assert config.MAX_UPLOAD_BYTES <= 1024 * 1024


def test_the_app_never_simulates_itself() -> None:
    """The page submits jobs (sim.experiment.jobs); nothing in sim/app imports what runs a
    replication, so a simulation can only run in a job's own process."""
    import ast

    running = ("sim.model", "sim.experiment.runner", "sim.experiment.task",
               "sim.experiment.orchestrate", "sim.experiment.seek", "sim.checks")
    found = []
    for path in (ROOT / "sim" / "app").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if isinstance(node, ast.ImportFrom) and node.module == "sim.experiment":
                names = [f"sim.experiment.{a.name}" for a in node.names]
            found += [f"{path.name}: {n}" for n in names if n.startswith(running)]
    assert found == []
