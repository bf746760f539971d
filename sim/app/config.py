"""Where the app reads and writes, and the limits that keep it safe by default.

Everything the page can reach on disk lies under :func:`results_root` (runs, seeks, uploads)
or is a shipped scenario chosen from a list (:func:`shipped_scenarios`); a name from the page
becomes a path only through :func:`inside`, which refuses anything outside the root.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.experiment.batch import looks_like_batch
from sim.scenario import baseline_path

RESULTS_ENV = "ICS_SIM_RESULTS"  # the results folder (default ./results)
SCENARIOS_ENV = "ICS_SIM_SCENARIOS"  # the shipped scenarios (default: beside the baseline)
SCHEDULER_ENV = "ICS_SIM_SCHEDULER"  # a Dask scheduler address: jobs run there when set
WORKERS_ENV = "ICS_SIM_WORKERS"  # local worker processes per job (default: every core)

APP_FOLDER = "app"  # jobs started from the page go to RESULTS/app/
UPLOADS_FOLDER = "uploads"
MAX_UPLOAD_BYTES = 256 * 1024  # a scenario file is a few KB; the baseline is about 20 KB
MAX_OPTIONS = 4  # options compared with the baseline side by side
HOST = "127.0.0.1"
PORT = 8501


def results_root() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or "results").resolve()


def app_root() -> Path:
    return results_root() / APP_FOLDER


def uploads_root() -> Path:
    return app_root() / UPLOADS_FOLDER


def scheduler() -> str | None:
    return os.environ.get(SCHEDULER_ENV) or None


def workers() -> int | None:
    text = os.environ.get(WORKERS_ENV, "")
    return int(text) if text.isdigit() and int(text) > 0 else None


def scenarios_dir() -> Path:
    """The shipped scenarios: the folder the packaged baseline lives in (in a checkout its
    link leads to scenarios/; in a wheel only the baseline is there), unless configured."""
    configured = os.environ.get(SCENARIOS_ENV)
    return Path(configured).resolve() if configured else baseline_path().resolve().parent


def shipped_scenarios() -> dict[str, Path]:
    """File name -> path of every scenario file (not batch files) the page may start from."""
    folder = scenarios_dir()
    found = {p.name: p for p in sorted(folder.glob("*.toml")) if not looks_like_batch(p)}
    return found or {"baseline.toml": baseline_path()}


def inside(root: Path, name: str) -> Path:
    """``root/name`` when it lies strictly inside ``root`` (links resolved); ValueError
    otherwise, so that no name typed or forged in the page reaches another folder."""
    base = root.resolve()
    path = (base / name).resolve()
    if path == base or not path.is_relative_to(base):
        raise ValueError(f"{name!r} is not inside the results folder")
    return path
