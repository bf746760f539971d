"""The business-case pack of a results folder: report.html, PNG charts and summary.xlsx.

Built from the folder's files alone (``python run_sim.py report DIR`` rebuilds it), so the same
pack comes out of a run, a batch or an old folder. report.html is one self-contained file: the
charts are embedded as PNG data, the styles are inline, nothing is fetched from the network.
Charts are for readers who are not modellers: titles say what is shown, axes carry units, the
target is drawn as a line, and only the measurement window is shown (warm-up excluded).

The package: :mod:`.folder` (the files, read once), :mod:`.charts`, :mod:`.excel` and
:mod:`.page` (report.html, and :func:`build_report`, which writes all three).
"""

from sim.outputs.report.charts import (
    CHARTED,
    COMPARED,
    SERIES,
    comparison_chart,
    distribution_chart,
    schedule_chart,
    series_chart,
    trajectory,
)
from sim.outputs.report.excel import HEADERS, warnings_table, write_excel
from sim.outputs.report.folder import Folder, costs_table
from sim.outputs.report.page import (
    COLOURS,
    CSS,
    SYMBOLS,
    TINTS,
    WIDE_OVERVIEW,
    build_report,
    on_track_table,
    per_patient_table,
)

__all__ = ["CHARTED", "COLOURS", "COMPARED", "CSS", "HEADERS", "SERIES", "SYMBOLS", "TINTS",
           "WIDE_OVERVIEW", "Folder", "build_report", "comparison_chart", "costs_table",
           "distribution_chart", "on_track_table", "per_patient_table", "schedule_chart",
           "series_chart", "trajectory", "warnings_table", "write_excel"]
