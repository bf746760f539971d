"""Each service alone against queueing theory, and the model's invariants: the same checks
``python run_sim.py verify`` reports (sim/checks/verify/ documents each one and the rule).

The interval checks are one family judged by Holm's step-down at a family-wise 5%, so any seed
passes with probability at least 95% (measured: see the docstring of sim/checks/verify/__init__.py);
no seed was chosen to make them pass. Each section test judges its rows alone at alpha/m
(Holm's strictest step, never failing a row the full run passes); one more test judges the
whole family with Holm, exactly as the command does. ``ISOLATION_SEED=N`` reruns them with
another seed."""

from __future__ import annotations

import functools
import os

import numpy as np
import pytest

from sim.checks import verify as v
from sim.checks.theory import erlang_b, erlang_c, mmc_mean_wait

SEED = int(os.environ.get("ISOLATION_SEED", str(v.SEED)))


def assert_rows(rows) -> None:
    failed = [r for r in rows if not r.passed]
    assert not failed, "\n".join(
        f"{r.service}: {r.check}: theory {r.theory:.5g}, sim {r.mean:.5g} "
        f"[{r.ci_low:.5g}, {r.ci_high:.5g}] p={r.p_value:.3g} ({r.rule})" for r in failed)


@functools.cache
def section_rows(section: str) -> tuple:
    return tuple(v.SECTIONS[section](SEED))


# The sections that cost seconds are slow (the quick tier keeps one Erlang B check,
# test_virtual_ward_headroom_is_erlang_b_with_fewer_beds, and the exact identities on one
# replication); the cheaper ones (schedules, D2A, the deterministic pathway) stay. Conservation
# (three whole-system replications) is slow too: every quick-tier run through
# ``run_replication`` raises on the same balance (tests/test_conservation.py shows it does).
SLOW_SECTIONS = {"ed", "ucr", "acute", "elective", "monotonicity", "virtual_ward", "ed_spaces",
                 "vw_step_down", "conservation"}


@pytest.mark.parametrize("section", [pytest.param(s, marks=pytest.mark.slow)
                                     if s in SLOW_SECTIONS else s for s in v.SECTIONS])
def test_verification_section_passes(section: str) -> None:
    assert_rows(section_rows(section))


@pytest.mark.slow
def test_verification_passes_holm_over_the_whole_family() -> None:
    """What ``verify`` reports: Holm over all FAMILY_SIZE interval checks (reuses the rows of
    the section tests above when they ran first)."""
    rows = v.judge([r for name in v.SECTIONS for r in section_rows(name)])
    family = [r for r in rows if r.rule.startswith("Holm")]
    assert len(family) == v.FAMILY_SIZE
    assert all(r.p_value == r.p_value and 0 < r.threshold <= v.ALPHA for r in family)
    assert all(r.rule.endswith("(outside the family)") for r in rows
               if not r.rule.startswith("Holm"))
    assert_rows(rows)


def test_virtual_ward_headroom_is_erlang_b_with_fewer_beds() -> None:
    """accept_below_pct=80 on 12 beds admits while fewer than 9.6 are occupied, i.e. up to 10
    patients: the ward is then a loss system with 10 servers, replication by replication."""
    runs = v.vw_runs("exponential", 12, 80.0, seed=SEED)
    assert_rows([v.in_ci("12 beds at 80%", "vw", erlang_b(10, v.VW_LOAD), runs["blocked"])])
    assert np.array_equal(runs["blocked"], v.vw_runs("exponential", seed=SEED)["blocked"])


@pytest.mark.slow
@pytest.mark.parametrize("los", list(v.VW_LOS))
def test_whole_window_littles_law_is_close(los: str) -> None:
    """The literal whole-window ratio (censored stays at their time so far) is biased above 1
    by the edge effect, well under 2% here."""
    assert abs(v.ci(v.vw_runs(los, seed=SEED)["literal"])[0] - 1) < 0.02
    assert abs(v.ci(v.acute_runs(SEED)["literal"])[0] - 1) < 0.02


def test_sample_path_identities_hold_on_one_replication() -> None:
    """Quick tier: the identities below are exact replication by replication, so one
    replication of the acute and elective set-ups checks them (and the set-ups' own
    preconditions); the slow tier runs every replication and the interval checks."""
    for runs in (v.acute_runs(v.SEED, 1), v.elective_runs(v.SEED, 1)):
        assert float(np.max(np.abs(runs["identity"]))) < 1e-9
        assert abs(float(runs["ratio"][0]) - 1) < 0.05  # Little's law, one replication


@pytest.mark.slow
def test_sample_path_identities_hold_exactly() -> None:
    """Bed-days (pathway-days) in the window equal the in-window parts of every recorded stay,
    censored ones included: levels and tallies tell the same story."""
    for runs in (v.vw_runs("exponential", seed=SEED), v.acute_runs(SEED),
                 v.elective_runs(SEED)):
        assert float(np.max(np.abs(runs["identity"]))) < 1e-9


@pytest.mark.slow
def test_erlang_c_check_rejects_a_wrong_service_time() -> None:
    """The ED comparison has power: theory with a mean assessment time 10% off (either way)
    falls outside the CI of the same replications."""
    servers, rho, days = v.ED_CASES[0]
    lam = v.ed_arrival_rate(v.ed_scenario(servers, rho, days))
    means, zeros = v.ed_runs(servers, rho, days, SEED)
    for factor in (0.9, 1.1):
        wrong = v.ED_SERVICE_MINS * factor
        assert not v.in_ci("", "", mmc_mean_wait(servers, lam, wrong), means).passed
        assert not v.in_ci("", "", 1 - erlang_c(servers, lam * wrong), zeros).passed


@pytest.mark.slow
def test_a_broken_service_fails_its_check(monkeypatch) -> None:
    """Inject a wrong service time into the ED (assessment 10% longer than configured): the
    verification's ED rows must fail while the scenario still says the configured mean."""
    from sim.model.services.ed import EmergencyDepartment

    assess = EmergencyDepartment._assess

    def slow_assess(self, p):
        p.assess_mins *= 1.1  # the clinician takes 10% longer than the patient drew
        assess(self, p)

    monkeypatch.setattr(EmergencyDepartment, "_assess", slow_assess)
    v.ed_runs.cache_clear()
    try:
        rows = list(v.ed_rows(SEED))
    finally:
        v.ed_runs.cache_clear()
    assert not all(r.passed for r in rows)


@pytest.mark.slow
@pytest.mark.parametrize("lever", ["acute.beds", "ucr.clinicians_per_shift"])
def test_monotonicity_check_rejects_a_reversed_effect(lever: str) -> None:
    """The monotonicity rows have power where the effect is clear: the same paired differences
    with their sign flipped (more capacity making the KPI worse by as much) fail, judged alone
    at alpha/m, Holm's strictest step."""
    diffs = v.monotonicity_runs(SEED)[lever]
    assert v.in_ci("", "", 0.0, diffs, alternative="less").passed
    assert not v.in_ci("", "", 0.0, -diffs, alternative="less").passed
