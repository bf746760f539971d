"""The Seek page: the least capacity of one lever meeting the chosen targets, run as a
background job from the scenario set up on the Scenario page."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pandas as pd
import streamlit as st

from sim.app import config, editor
from sim.app.widgets import W, default, running_job, show_job, shown_path
from sim.core.errors import InputError
from sim.experiment import jobs
from sim.scenario.scale import scale_overrides


def page_seek() -> None:
    st.header("Seek: the least capacity that meets the targets")
    edited = st.session_state.get("edited")
    if not edited or not edited["valid"]:
        st.info("Set up a valid scenario on the Scenario page first: the seek starts from it.")
        seek_answer(st.session_state.get("seek_job") or running_job("seek"))
        return
    spec = jobs.JobSpec.from_dict(edited["spec"])
    lever = st.selectbox("Lever", edited["seek_levers"], key=default(W + "seek_lever",
                                                                     "acute.beds"))
    targets = st.multiselect("Targets that must all be met", edited["targets"],
                             key=default(W + "seek_targets", []))
    c1, c2, c3 = st.columns(3)
    confidence = c1.slider("Confidence", 0.5, 0.99, key=default(W + "seek_conf", 0.8))
    reps = int(c2.number_input("Replications", min_value=2, max_value=1000, step=1,
                               key=default(W + "seek_reps", spec.replications)))
    search = c3.text_input("Range LO:HI (blank: halve or double)", key=default(W + "seek_range",
                                                                            ""))
    rng = None
    if search.strip():
        try:
            lo, hi = (int(x) for x in search.split(":"))
            rng = (lo, hi) if 0 <= lo < hi else None
        except ValueError:
            rng = None
        if rng is None:
            st.error("Range: expected LO:HI, whole numbers with 0 <= LO < HI")
    sets = list(spec.sets)
    if spec.scale != 1.0:
        unscaled = editor.check(Path(spec.scenario_file), sets, 1.0).scenario
        if unscaled is not None:
            sets += scale_overrides(unscaled, spec.scale)
    seek = jobs.JobSpec(spec.scenario_file, tuple(sets), kind="seek", seed=spec.seed,
                        replications=reps, workers=spec.workers, scheduler=spec.scheduler,
                        lever=lever or "", targets=tuple(targets), confidence=confidence,
                        search=rng)
    ok = bool(lever and targets) and not (search.strip() and rng is None)
    command = shlex.join(seek.command(shown_path(Path(spec.scenario_file),
                                                 edited["base_name"])))
    st.button("Seek", type="primary", disabled=not ok, on_click=submit_seek,
              args=(seek, command), key="seek")
    st.caption("The same seek from the command line:")
    st.code(command, language="sh")
    if "seek_error" in st.session_state:
        st.error(st.session_state.pop("seek_error"))
    seek_answer(st.session_state.get("seek_job") or running_job("seek"))


def seek_answer(job: str | None) -> None:
    """The seek's progress, then its answer: the one submitted here, or after a reload the
    one still running under the results root."""
    if not job:
        return
    folder = Path(job)
    show_job(folder, "runs")
    if (folder / "seek.json").exists():
        from sim.outputs.seek_report import answer_sentence

        st.subheader("Answer")
        st.markdown(f"**{answer_sentence(json.loads((folder / 'seek.json').read_text()))}**")
        if (folder / "seek_curve.png").exists():
            st.image(str(folder / "seek_curve.png"), caption="P(met) against capacity")
        st.dataframe(pd.read_csv(folder / "seek.csv"), hide_index=True)
        if (folder / "seek.html").exists():
            st.download_button("seek.html", (folder / "seek.html").read_bytes(),
                               file_name="seek.html", mime="text/html", key="seek_html",
                               on_click="ignore")


def submit_seek(spec: jobs.JobSpec, command: str) -> None:
    try:
        st.session_state["seek_job"] = str(jobs.submit(spec, config.app_root(),
                                                       shlex.split(command)))
    except InputError as exc:
        st.session_state["seek_error"] = "; ".join(str(p) for p in exc.problems)

