"""The planner's web app: edit a scenario, run it without blocking, read the answers, compare
options, seek capacity and download the pack. ``make app`` (or ``python -m sim.app``) serves it
on 127.0.0.1:8501.

This script only draws pages: simulations run as background jobs in their own processes
(:mod:`sim.experiment.jobs`), validation is the command line's loader (:mod:`sim.app.editor`)
and every figure shown is read from a results folder (:mod:`sim.app.views`).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from sim.app import config, editor, views
from sim.app.seek_page import page_seek
from sim.app.widgets import (
    W,
    default,
    folder_name,
    keep_widget_state,
    running_job,
    show_job,
    shown_path,
)
from sim.core.errors import InputError
from sim.experiment import jobs
from sim.outputs.kpis import KPIS

PAGES = ("Scenario", "Run", "Answers", "Compare", "Seek", "Downloads")
# -- Scenario ------------------------------------------------------------------------------------
def base_file() -> tuple[Path, str, str] | None:
    """(file to load, its name as the planner knows it, an id for widget keys)."""
    shipped = config.shipped_scenarios()
    source = st.radio("Start from", ["a shipped scenario", "an uploaded TOML file"],
                      key=default(W + "source", "a shipped scenario"), horizontal=True)
    if source == "a shipped scenario":
        names = list(shipped)
        name = st.selectbox("Scenario", names, key=default(
            W + "base", "baseline.toml" if "baseline.toml" in names else names[0]))
        return shipped[name], name, name
    up = st.file_uploader("Scenario file (TOML; it may extend a shipped scenario by name)",
                          type=["toml"], key="upload")
    if up is not None:
        try:
            path = editor.read_upload(up.name, up.getvalue(), shipped, config.uploads_root(),
                                      config.MAX_UPLOAD_BYTES)
        except InputError as exc:
            for p in exc.problems:
                st.error(str(p))
            st.session_state.pop("uploaded", None)
            return None
        st.session_state["uploaded"] = (str(path), up.name)
    if "uploaded" not in st.session_state:
        st.info("Upload a scenario file to start from it.")
        return None
    path_text, label = st.session_state["uploaded"]
    return Path(path_text), label, Path(path_text).stem


def lever_inputs(levers: list[editor.Lever], base_id: str) -> tuple[dict, dict]:
    """One input per lever with its unit, baseline value and description; returns the values
    and a placeholder beside each for its validation message."""
    values, spots = {}, {}
    cols = st.columns(2)
    for i, lv in enumerate(levers):
        with cols[i % 2]:
            key = f"{W}lever:{base_id}:{lv.key}"
            label = f"{lv.key} ({lv.unit})"
            shown = (", ".join(f"{v:g}" for v in lv.base) if lv.kind == "list"
                     else f"{lv.base:,}" if lv.kind == "int" else f"{lv.base:g}")
            help_ = f"{lv.description} Base value: {shown}."
            if lv.kind == "list":
                text = st.text_input(label, key=default(key, shown), help=help_)
                values[lv.key] = editor.parse_list(text)
                if values[lv.key] is None:
                    values[lv.key] = text  # the loader says what is wrong with it
            elif lv.kind == "int":  # text, read exactly: a number box read "1e9" as 1
                values[lv.key] = editor.parse_int(st.text_input(label, key=default(key, shown),
                                                                help=help_))
            else:
                values[lv.key] = float(st.number_input(label, key=default(key, float(lv.base)),
                                                       help=help_, format="%g"))
            changed = values[lv.key] != lv.base
            st.caption(f"base {shown}" + (" · changed" if changed else ""))
            spots[lv.key] = st.empty()
    return values, spots


def page_scenario() -> None:
    st.header("Scenario")
    found = base_file()
    if found is None:
        st.session_state.pop("edited", None)  # the Seek page starts from nothing then
        return
    path, base_name, base_id = found
    base = editor.check(path, [], 1.0, base_name)
    if not base.valid:
        st.error("The base scenario is not valid:")
        for p in base.problems:
            st.error(str(p))
        return
    st.caption(" ".join(base.scenario.description.split()))
    levers = editor.levers(base.scenario)
    st.subheader("Planner levers")
    values, spots = lever_inputs(levers, base_id)
    st.subheader("Other keys")
    extra = st.text_area("Any other scenario key, one KEY=VALUE a line (as --set on the "
                         "command line)", key=default(W + f"extra:{base_id}", ""))
    extra_spot = st.empty()
    st.subheader("Run settings")
    c1, c2, c3, c4 = st.columns(4)
    name = c1.text_input("Scenario name", key=default(W + f"name:{base_id}",
                                                      base.scenario.name))
    seed = int(c2.number_input("Seed", key=default(W + "seed", 12345), step=1, min_value=0))
    reps = int(c3.number_input("Replications", key=default(W + "reps", 20), step=1,
                               min_value=1, max_value=1000))
    scale = float(c4.number_input("Trial scale (1 = the real system)", key=default(
        W + "scale", 1.0), min_value=0.01, max_value=1.0, format="%g",
        help="Population and every capacity multiplied by this: a quick trial, stamped "
             "'scaled: not for decisions'."))
    quick = st.checkbox("Quick trial (at most 91 days measured)", key=default(W + "quick", False))
    if quick and reps > jobs.QUICK_REPLICATIONS:  # as run_sim.py run --quick: quick is quick
        reps = jobs.QUICK_REPLICATIONS
        c3.caption(f"quick trial: {jobs.QUICK_REPLICATIONS} replications, as `run --quick`")
    sets = editor.lever_sets(levers, values)
    stored = editor.safe_name(name)
    if not stored:
        c1.error("A name needs at least one letter or digit.")
    elif stored != name:
        c1.caption(f"stored as {stored}")
    if stored and stored != base.scenario.name:
        sets.append(f"name={editor.toml_value(stored)}")
    sets += editor.extra_sets(extra)
    checked = editor.check(path, sets, scale, base_name)
    by_key = checked.by_key()
    for lv in levers:
        for reason in by_key.pop(lv.key, []):
            spots[lv.key].error(reason)
    rest = [p for p in checked.problems if (p.key.split("=", 1)[0] if p.file == "--set"
                                            else p.key) in by_key]
    if rest:
        extra_spot.error("\n\n".join(str(p) for p in rest))
    for w in checked.warnings:  # inert keys among them: "has no effect in this scenario"
        st.warning(str(w))
    if checked.valid:  # relative changes shown resolved: acute.beds 2,200 -> 2,295 (+95)
        for c in editor.resolved_changes(path, sets):
            st.caption(f"`{c}`")
    spec = jobs.JobSpec(str(path), tuple(sets), seed=seed, replications=reps, scale=scale,
                        quick=quick, workers=config.workers(), scheduler=config.scheduler())
    note = f"Edited in the ics-sim app from {base_name}"
    uploaded = st.session_state.get(W + "source") == "an uploaded TOML file"
    toml = (editor.scenario_toml(checked.scenario, note + " (resolved: it uploads again)")
            if uploaded and checked.scenario is not None
            else editor.extends_toml(base_name, sets, note))
    command = shlex.join(spec.command(shown_path(path, base_name)))
    st.session_state["edited"] = {"spec": spec.as_dict(), "base_name": base_name,
                                  "toml": toml, "valid": checked.valid,
                                  "targets": [t.id for t in base.scenario.targets],
                                  "seek_levers": editor.seek_levers(base.scenario)}
    if checked.valid:
        st.success(f"Valid: {len(sets)} change(s) from {base_name}.")
    else:
        st.error(f"{len(checked.problems)} problem(s): Run stays disabled until they are fixed.")
    b1, b2 = st.columns(2)
    b1.button("Run", type="primary", disabled=not (checked.valid and stored),
              on_click=submit_run, args=(spec, toml, command), key="run")
    b2.download_button("Save the scenario as TOML" + ("" if uploaded else " (only the changes)"),
                       toml, file_name=f"{stored or 'scenario'}.toml", mime="application/toml",
                       key="save", on_click="ignore")
    st.caption("The same run from the command line:")
    st.code(command, language="sh")
    if "submit_error" in st.session_state:
        st.error(st.session_state.pop("submit_error"))


def submit_run(spec: jobs.JobSpec, toml: str, command: str) -> None:
    try:
        out = jobs.submit(spec, config.app_root(), shlex.split(command))
    except InputError as exc:
        st.session_state["submit_error"] = "; ".join(str(p) for p in exc.problems)
        return
    if not (out / "scenario.toml").exists():
        (out / "scenario.toml").write_text(toml, encoding="utf-8")
    st.session_state["job"] = str(out)
    st.session_state["open"] = out.relative_to(config.results_root()).as_posix()
    st.session_state["page"] = "Run"


# -- Run -----------------------------------------------------------------------------------------
def open_folder(name: str, page: str) -> None:
    st.session_state["open"] = name
    for key in ("answers_folder", "dl_folder"):  # the pages' pickers show it too
        st.session_state[key] = name
    st.session_state["page"] = page


def reopen(name: str) -> None:
    """A finished run opens on Answers; one still running is watched here (a page reloaded
    while its job runs finds it again)."""
    path = config.inside(config.results_root(), name)
    if jobs.status(path).state in ("running", "starting"):
        st.session_state["job"] = str(path)
        st.session_state["open"] = name
        return
    open_folder(name, "Answers")


def page_run() -> None:
    st.header("Run")
    job = st.session_state.get("job") or running_job("run")  # a reload finds it again
    if job:
        show_job(Path(job), "replications")
        if jobs.status(Path(job)).state == "complete":
            st.button("Open the answers", type="primary", on_click=open_folder,
                      args=(st.session_state.get("open") or folder_name(Path(job)), "Answers"),
                      key="open_answers")
    else:
        st.info("Nothing running: set up a scenario and press Run on the Scenario page.")
    st.subheader("Earlier runs")
    folders = [f for f in views.list_folders(config.results_root()) if f.kind == "run"]
    if not folders:
        st.caption("none yet")
        return
    st.dataframe(pd.DataFrame([{"folder": f.name, "scenario": f.scenario, "status": f.status,
                                "trial": f.trial or "full run",
                                "replications": f.replications, "started": f.started}
                               for f in folders]), hide_index=True)
    shown = {f.name: f.label for f in folders}
    choice = st.selectbox("Reopen", [f.name for f in folders], key="reopen",
                          format_func=shown.__getitem__)
    st.button("Open", on_click=reopen, args=(choice,), key="reopen_btn")


# -- Answers -------------------------------------------------------------------------------------
def choose(label: str, folders: list[views.Folder], key: str) -> Path | None:
    """A folder chosen from the list found under the results root (never a typed path)."""
    if not folders:
        st.info("No complete runs yet: run a scenario first.")
        return None
    names = [f.name for f in folders]
    shown = {f.name: f.label for f in folders}  # a quick or scaled trial says so
    if key in st.session_state and st.session_state[key] not in names:
        del st.session_state[key]  # e.g. an interrupted run asked for where only complete ones are
    wanted = st.session_state.get("open")
    index = names.index(wanted) if wanted in names else 0
    name = st.selectbox(label, names, index=index, key=key, format_func=shown.__getitem__)
    return config.inside(config.results_root(), name)


def complete_runs() -> list[views.Folder]:
    return [f for f in views.list_folders(config.results_root())
            if f.kind == "run" and f.status == "complete"]


def monthly_chart(folder: Path, kpi: str):
    data = views.monthly_series(folder, kpi)
    base = alt.Chart(data).encode(x=alt.X("month:O", title="month"))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("ci_low:Q", title=kpi), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(y="mean:Q", tooltip=["month", "mean", "ci_low",
                                                                   "ci_high"])
    layers = [band, line]
    limit = views.threshold(folder, kpi)
    if limit is not None:
        layers.append(alt.Chart(pd.DataFrame({"target": [limit]})).mark_rule(
            color="#c51b1b", strokeDash=[6, 3]).encode(y="target:Q"))
    return alt.layer(*layers).properties(height=280)


def page_answers() -> None:
    st.header("Answers")
    folder = choose("Results folder", complete_runs(), "answers_folder")
    if folder is None:
        return
    stamps, others = views.warnings(folder)
    for w in stamps:
        st.error(w)
    if others:
        st.warning(f"**{len(others)} warning(s) about this run's soundness: read them before "
                   "the verdicts.**")
        with st.expander("the warnings", expanded=len(others) <= 3):
            st.markdown("\n".join(f"- {w}" for w in others))
    st.subheader("Target lights")
    st.info(views.rule(folder))
    st.table(views.tinted(views.target_lights(folder), ["verdict"]))
    st.subheader("KPIs (means with 95% confidence intervals)")
    st.dataframe(views.kpi_table(folder), hide_index=True)
    st.subheader("Month by month")
    kpis = [k for k in KPIS if not views.monthly_series(folder, k).empty] or list(KPIS)
    kpi = st.selectbox("KPI", kpis, index=kpis.index("ed_4h_pct") if "ed_4h_pct" in kpis
                       else 0, key="monthly_kpi")
    st.altair_chart(monthly_chart(folder, kpi), width="stretch")
    st.caption("Mean over replications with its 95% CI; the dashed line is the target.")
    st.subheader("Queue trajectories (weekly means)")
    traj = views.trajectories(folder)
    if len(traj):
        st.line_chart(traj)
    st.caption("A queue still rising at the end never settles: its figures depend on how long "
               "the window is (see the warnings).")


# -- Compare ------------------------------------------------------------------------------------
def page_compare() -> None:
    st.header("Compare")
    runs = complete_runs()
    if len(runs) < 2:
        st.info("Compare needs at least two complete runs (a baseline and an option).")
        return
    base = choose("Baseline", runs, "cmp_base")
    assert base is not None
    others = [f.name for f in runs if config.inside(config.results_root(), f.name) != base]
    shown = {f.name: f.label for f in runs}
    picked = st.multiselect(f"Options (up to {config.MAX_OPTIONS})", others,
                            max_selections=config.MAX_OPTIONS, key="cmp_options",
                            format_func=shown.__getitem__)
    if not picked:
        st.caption("Pick one or more options.")
        return
    options = {name: config.inside(config.results_root(), name) for name in picked}
    cmp = views.compare(base, options)
    st.subheader("Verdicts side by side")
    st.table(views.tinted(cmp.verdicts, [c for c in cmp.verdicts.columns if c != "target"]))
    for name in picked:
        st.subheader(f"{name} against the baseline")
        st.caption(cmp.notes[name])
        diff = cmp.differences[name]
        changed = diff[diff["verdict changed"]]
        if len(changed):
            st.markdown("**Verdicts that change:** " + "; ".join(
                f"{r['target']}: {r['baseline verdict']} → {r['option verdict']}"
                for _i, r in changed.iterrows()))
        st.dataframe(diff, hide_index=True)
        for line in cmp.costs[name]:
            st.markdown(f"- {line}")


# -- Downloads ----------------------------------------------------------------------------------
def page_downloads() -> None:
    st.header("Downloads")
    folders = [f for f in views.list_folders(config.results_root())
               if f.status == "complete" and f.kind in ("run", "batch")]
    folder = choose("Results folder", folders, "dl_folder")
    if folder is None:
        return
    report, xlsx = folder / "report.html", folder / "summary.xlsx"
    if report.exists() and xlsx.exists():
        st.download_button("report.html", report.read_bytes(), file_name="report.html",
                           mime="text/html", key="dl_report", on_click="ignore")
        st.download_button("summary.xlsx", xlsx.read_bytes(), file_name="summary.xlsx",
                           key="dl_xlsx", on_click="ignore", mime="application/vnd.openxmlformats-"
                           "officedocument.spreadsheetml.sheet")
    else:  # a folder written without the report extra: build it from the files on request
        st.button("Build report.html and summary.xlsx", on_click=views.ensure_report,
                  args=(folder,), key="dl_build")
    toml = folder / "scenario.toml"
    if toml.exists():
        text = toml.read_text(encoding="utf-8")
        label = "scenario TOML (the changes, extending its base)"
    else:
        man = views.read_manifest(folder) or {}
        text = views.resolved_toml(man)
        label = "scenario TOML (resolved)"
    if text:
        st.download_button(label, text, file_name=f"{folder.name}.toml",
                           mime="application/toml", key="dl_toml", on_click="ignore")
    st.download_button("the results folder (zip)", views.zip_folder(folder),
                       file_name=f"{folder.name}.zip", mime="application/zip", key="dl_zip",
                       on_click="ignore")


# -- the app -------------------------------------------------------------------------------------
def main() -> None:
    st.set_page_config(page_title="ics-sim: does it meet its targets?", layout="wide")
    keep_widget_state()
    st.session_state.setdefault("page", PAGES[0])
    with st.sidebar:
        st.title("ics-sim")
        st.radio("Page", PAGES, key="page")
        st.caption(f"Results: {config.results_root()}")
    {"Scenario": page_scenario, "Run": page_run, "Answers": page_answers,
     "Compare": page_compare, "Seek": page_seek, "Downloads": page_downloads}[
        st.session_state["page"]]()


main()
