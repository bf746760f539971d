"""A results folder's life: the manifest (provenance; "running" first, "complete" last), who
is writing the folder and whether that process still lives, the folder's state (new, running,
complete or interrupted), --force clearing an earlier run's files, and the finished
replications stored one by one under ``tasks/`` so a run or batch can resume."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.core.errors import InputError
from sim.outputs.result import ReplicationResult
from sim.outputs.store.tables import atomic_write
from sim.scenario import Scenario, scenario_hash


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False)
        return out.stdout.strip() if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    import simpy

    return {"ics_sim": __version__, "python": platform.python_version(),
            "simpy": simpy.__version__, "numpy": np.__version__, "pandas": pd.__version__}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def manifest_base() -> dict[str, Any]:
    """Provenance every results folder carries."""
    return {"versions": versions(), "git_commit": git_commit(), "command_line": sys.argv}


def manifest(scenario: Scenario, seed: int, replications: int, status: str,
             started: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "kind": "run",
        "scenario_name": scenario.name,
        "scenario_sha256": scenario_hash(scenario),
        "seed": seed,
        "replications": replications,
        **manifest_base(),
        "started": started,
        **(extra or {}),
        "scenario": scenario.model_dump(mode="json"),
    }


def write_manifest(out: Path, data: dict[str, Any]) -> None:
    atomic_write(out / "manifest.json", json.dumps(data, indent=2, default=str) + "\n")


# -- who is writing a folder, and whether it is still alive -----------------------------------
def _process_start(pid: int) -> str | None:
    """When a process started (Linux: clock ticks since boot, /proc/PID/stat field 22), so that
    a later process given the same pid is not taken for the writer; None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # the command name may hold spaces
    return fields[19] if len(fields) > 19 else None


def writer_marks() -> dict[str, Any]:
    """Recorded in a running manifest: which process on which machine is writing the folder."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "pid_started": _process_start(pid)}


def writer_alive(man: dict[str, Any]) -> bool | None:
    """Whether the process that wrote a manifest still runs: None when it cannot be told from
    here (another machine, or a manifest from before pids were recorded)."""
    pid, host = man.get("pid"), man.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but someone else's
        pass
    started = man.get("pid_started")
    return started is None or _process_start(pid) in (None, started)


@dataclass(frozen=True)
class FolderState:
    """What a results folder holds: ``status`` is "new" (no manifest), "complete", "running"
    (its writer is alive, or on another machine) or "interrupted" (stopped, or its writer
    died: kill -9, a crash, a power cut)."""

    path: Path
    status: str
    manifest: dict[str, Any]

    @property
    def what(self) -> str:
        """"a run of NAME" or "a batch NAME", for messages."""
        if self.manifest.get("kind") == "batch":
            return f"a batch {self.manifest.get('batch_name', '')}".rstrip()
        return f"a run of {self.manifest.get('scenario_name', 'a scenario')}"

    @property
    def writer(self) -> str:
        return f"pid {self.manifest.get('pid')} on {self.manifest.get('host')}"


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when there is none (or it is not readable JSON)."""
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def folder_state(out: Path) -> FolderState:
    """What ``out`` holds, reading a "running" manifest whose writer is gone as "interrupted"
    and saying so in the manifest too, so that whoever looks next sees the truth."""
    man = read_manifest(out)
    if man is None:
        return FolderState(out, "new", {})
    status = str(man.get("status", "interrupted"))
    if status != "running":
        return FolderState(out, status, man)
    alive = writer_alive(man)
    elsewhere = man.get("host") not in (None, socket.gethostname())
    if alive or (alive is None and elsewhere):  # another machine's run cannot be checked
        return FolderState(out, "running", man)
    man = {**man, "status": "interrupted", "interrupted_noticed": now_iso()}
    with contextlib.suppress(OSError):  # a read-only folder still reads as interrupted
        write_manifest(out, man)
    return FolderState(out, "interrupted", man)


def require_complete(out: Path) -> dict[str, Any]:
    """The manifest of a folder whose run finished; an input error naming its state if not."""
    state = folder_state(out)
    if state.status == "complete":
        return state.manifest
    reason = {"new": "no results here (no manifest.json)",
              "running": f"{state.what} is still running ({state.writer})",
              "interrupted": f"{state.what} was interrupted before it finished: finish it with "
                             "--resume, or start it again with --force"}[state.status]
    raise InputError.one(str(out), "manifest.json", reason)


# what run, batch and report write into a folder: --force clears these and nothing else
OUTPUT_FILES = ("manifest.json", "replications.csv", "monthly.csv", "distributions.csv",
                "summary.csv", "targets.csv", "comparison.csv", "report.html", "summary.xlsx")


def clear_outputs(out: Path) -> None:
    """Remove an earlier run's files (``--force``) so that none of them is mistaken for the new
    run's; other files in the folder are left alone."""
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    for chart in out.glob("chart_*.png"):
        chart.unlink()
    shutil.rmtree(out / TASKS, ignore_errors=True)


# -- batches ----------------------------------------------------------------------------------
TASKS = "tasks"


def task_path(out: Path, scenario: str, replication: int) -> Path:
    return out / TASKS / scenario / f"rep-{replication:05d}.json"


def store_task(out: Path, result: ReplicationResult) -> None:
    """One finished replication, on disk at once (atomically), so a batch can resume."""
    path = task_path(out, result.scenario, result.replication)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"scenario": result.scenario, "replication": result.replication,
            "kpis": result.kpis, "monthly": result.monthly, "flows": result.flows,
            "histograms": result.histograms, "queue_weeks": result.queue_weeks}
    atomic_write(path, json.dumps(data))


def load_task(path: Path) -> ReplicationResult:
    d = json.loads(path.read_text())
    return ReplicationResult(d["scenario"], d["replication"], d["kpis"], d["monthly"], d["flows"],
                             d.get("histograms", {}), d.get("queue_weeks", {}))


def stored_tasks(out: Path) -> set[tuple[str, int]]:
    found = set()
    for path in (out / TASKS).glob("*/rep-*.json"):
        found.add((path.parent.name, int(path.stem.split("-")[1])))
    return found
