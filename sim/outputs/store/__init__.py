"""The on-disk format of a run: tables, targets, provenance, all written atomically.

``manifest.json`` is written first with ``"status": "running"`` and last with
``"status": "complete"``; every file goes to a temporary name and is renamed into place, so an
interrupted run never leaves a folder that looks complete.

The package: :mod:`.tables` (the tables, written atomically), :mod:`.folder` (manifest,
writer, state, --force, stored replications) and :mod:`.batch_stats` (a batch's paired
differences and costs per extra patient). Import from here.
"""

from sim.outputs.store.batch_stats import (
    COMPARISON_COLUMNS,
    DOMINANT,
    NO_EXTRA,
    NOT_COSTED,
    NOT_SIGNIFICANT,
    SHARE_OF,
    SHIPPED_COSTS,
    UNPAIRED,
    Monthly,
    Values,
    Verdicts,
    comparison_rows,
    cost_label,
    extra_meeting,
    kpi_values,
    verdicts_of,
    welch_ci,
)
from sim.outputs.store.folder import (
    OUTPUT_FILES,
    TASKS,
    FolderState,
    clear_outputs,
    folder_state,
    git_commit,
    load_task,
    manifest,
    manifest_base,
    now_iso,
    read_manifest,
    require_complete,
    store_task,
    stored_tasks,
    task_path,
    versions,
    write_manifest,
    writer_alive,
    writer_marks,
)
from sim.outputs.store.tables import (
    TARGET_COLUMNS,
    atomic_write,
    distributions_table,
    flows_total,
    judge_targets,
    monthly_table,
    replications_table,
    summary_table,
    targets_table,
    write_batch,
    write_csv,
    write_run,
)

__all__ = [
    "COMPARISON_COLUMNS", "DOMINANT", "NOT_COSTED", "NOT_SIGNIFICANT", "NO_EXTRA", "OUTPUT_FILES",
    "SHARE_OF", "SHIPPED_COSTS", "TARGET_COLUMNS", "TASKS", "UNPAIRED", "FolderState", "Monthly",
    "Values",
    "Verdicts", "atomic_write", "clear_outputs", "comparison_rows", "cost_label",
    "distributions_table", "extra_meeting", "flows_total", "folder_state", "git_commit",
    "judge_targets", "kpi_values", "load_task", "manifest", "manifest_base", "monthly_table",
    "now_iso", "read_manifest", "replications_table", "require_complete", "store_task",
    "stored_tasks", "summary_table", "targets_table", "task_path", "verdicts_of", "versions",
    "welch_ci", "write_batch", "write_csv", "write_manifest", "write_run", "writer_alive",
    "writer_marks",
]
