"""Capacity seek: the least value of one capacity lever that meets the named targets with a
stated confidence (issue 12, single lever).

Why this way: each replication is one possible year. With common random numbers (the same
seed and replication index at every capacity tried) a replication has a *critical capacity*,
the least value at which it meets every named target. The answer for confidence p is an order
statistic of those critical capacities (the least c met by at least ceil(p n) of the n
replications) and its 95% interval is the distribution-free one from order statistics
(binomial), with no assumption about the shape of the distribution.

Only three order statistics matter (the answer and the interval's two ends), so a replication
is searched only as closely as they need: a pilot of two replications is searched fully; every
other replication is run once where the pilot points; the slope of each target's value with
capacity (pooled over replications) predicts every critical capacity and so the answer; all
replications are run there and one below (the answer's check, done early when the prediction
is right); then a few replications a round, those predicted nearest an order statistic not yet
known, are stepped (straight-line guesses between a replication's runs, bisection as the
safeguard) until the answer is exact and the interval's ends are known to 0.2%. Bisection
assumes a replication meets at every capacity above its critical one; at the answer and one
below every replication is run, and any run that disagrees with its bracket is counted as a
monotonicity violation; then the answer is taken from those direct runs (stepping one
capacity at a time until the least capacity met by ceil(p n) replications is found).

Evaluations are cached by (capacity, replication) and appended to a file so a killed seek
resumes without repeating any; every choice depends on earlier results only, so a resumed or
differently-parallel seek follows the same path. Nothing here prints; the CLI does.

The package's parts: :mod:`~sim.experiment.seek.evaluator` (runs and caches one replication at
one capacity), :mod:`~sim.experiment.seek.statistics` (order statistics, slopes, what a seek
reports) and :mod:`~sim.experiment.seek.search` (which capacities to run). Import from here.
"""

from sim.experiment.seek.evaluator import (
    EVALS_FILE,
    REQUEST_FILE,
    Evaluation,
    Evaluator,
    Factory,
    Grid,
    Progress,
    all_met,
    check_request,
    guard_request,
    judged_values,
    lever_value,
)
from sim.experiment.seek.search import (
    FOCUS_PER_ROUND,
    MAX_DIRECT_STEPS,
    MAX_DOUBLINGS,
    PILOT,
    RESOLUTION_SHARE,
    bounds,
    default_resolution,
    direct_answer,
    expected_evaluations,
    rank_ranges,
    seek,
)
from sim.experiment.seek.statistics import (
    INTERVAL_PRECISION,
    SLOPE_WINDOW,
    SeekResult,
    Slopes,
    answer_from,
    critical_entries,
    crossing,
    curve_rows,
    implied_p_met,
    interval_tolerance,
    order_statistic_index,
    pooled_slopes,
    predicted_critical,
    quantile_ci_ranks,
    replications_to_bound,
    slack,
    summary,
    write_outputs,
)

__all__ = [
    "EVALS_FILE", "FOCUS_PER_ROUND", "INTERVAL_PRECISION", "MAX_DIRECT_STEPS", "MAX_DOUBLINGS",
    "PILOT", "REQUEST_FILE", "RESOLUTION_SHARE", "SLOPE_WINDOW", "Evaluation", "Evaluator",
    "Factory", "Grid", "Progress", "SeekResult", "Slopes", "all_met", "answer_from", "bounds",
    "check_request", "critical_entries", "crossing", "curve_rows", "default_resolution",
    "direct_answer", "expected_evaluations", "guard_request", "implied_p_met",
    "interval_tolerance", "judged_values", "lever_value", "order_statistic_index",
    "pooled_slopes", "predicted_critical", "quantile_ci_ranks", "rank_ranges",
    "replications_to_bound", "seek", "slack", "summary", "write_outputs",
]
