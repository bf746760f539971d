"""Pieces every page of the web app shares: widget keys kept across pages, the command line a
page shows, and a background job's progress (found again after a page reload)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sim.app import config, views
from sim.experiment import jobs

W = "w:"  # widget keys kept across pages


def keep_widget_state() -> None:
    """Streamlit forgets a widget's value when its page is not drawn; re-storing the values
    keeps the planner's edits while they look at other pages."""
    for key in list(st.session_state):
        if isinstance(key, str) and key.startswith(W):
            st.session_state[key] = st.session_state[key]


def default(key: str, value) -> str:
    st.session_state.setdefault(key, value)
    return key



def shown_path(path: Path, name: str) -> str:
    """The scenario file as a command typed here would name it (relative when below here)."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return name


def progress_text(s: jobs.JobStatus, unit: str) -> str:
    left = "" if s.eta_seconds is None else f", about {s.eta_seconds:,.0f} s left"
    return f"{s.state}: {s.done} of {s.total or '?'} {unit}{left} ({s.elapsed_seconds:,.0f} s)"


def job_panel(folder: Path, unit: str) -> jobs.JobStatus:
    """The job's progress, time estimate and Cancel; redrawn every second while it runs
    (the rest of the page stays usable)."""
    s = jobs.status(folder)
    if s.state in ("running", "starting"):
        st.progress(s.done / s.total if s.total else 0.0, text=progress_text(s, unit))
        st.button("Cancel", on_click=jobs.cancel, args=(folder,), key=f"cancel:{folder.name}")
    elif s.state == "complete":
        st.success(f"complete: {s.total} {unit} in {s.elapsed_seconds:,.1f} s ({folder.name})")
    elif s.state == "interrupted":
        st.warning(f"interrupted after {s.done} of {s.total} {unit}: run it again to resume")
    elif s.state == "failed":
        st.error(f"failed: {s.error}")
    return s


@st.fragment(run_every=1.0)
def live_job(folder: Path, unit: str) -> None:
    s = job_panel(folder, unit)
    if s.finished:
        st.rerun(scope="app")


def show_job(folder: Path, unit: str) -> None:
    if jobs.status(folder).finished:
        job_panel(folder, unit)
    else:
        live_job(folder, unit)


def folder_name(folder: Path) -> str:
    return folder.relative_to(config.results_root()).as_posix()


def running_job(kind: str) -> str | None:
    """The newest job of this kind still running under the results root: after a reload the
    session has forgotten it, the folder has not."""
    for f in views.list_folders(config.results_root()):
        if f.kind == kind and jobs.status(f.path).state in ("running", "starting"):
            return str(f.path)
    return None

