"""Calibrate elective capacity to a start state: the capacities whose equilibrium it is.

The scenario's start waits (``start_outpatient_weeks``, ``start_admitted_weeks`` per specialty,
``start_weeks`` per modality) describe today's list. Inverting the fluid equilibrium
(``sim.model.services.elective.fluid``), this prints the outpatient, theatre and diagnostic
capacity (totals and shares) at which removals exactly balance each queue's shortfall, so the
list neither grows nor shrinks, and the list those waits imply (size, 18-week share, median,
over 52 weeks) to compare with ../shared/domain.md before any simulation is run.

    python benchmarks/elective_calibrate.py [SCENARIO] [--cancelled-share 0.17]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.model.services.elective import fluid  # noqa: E402
from sim.model.services.elective.hazard import ADM, DIAG, FU, Hazard  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.scenario.sections.elective import MODALITIES, SPECIALTIES  # noqa: E402


def capacities(cfg, population: float, cancelled: float = 0.0) -> dict[str, dict[str, float]]:
    """Per-day capacity each queue needs for the start waits to be its equilibrium (the
    survivors of each wait, by the removal hazard from the age each route joins at). A stage's
    irreducible work (``elective.work``: notice, reporting, pre-op) comes before its queue, so a
    pathway is served after work + wait, and removals act over both (as ``fluid.cells``)."""
    hz = Hazard(cfg)
    rt = fluid.rates(cfg, population)
    w = fluid.start_waits(cfg)
    work = fluid.stage_work(cfg)
    out: dict[str, dict[str, float]] = {"op": {}, "theatre": {}, "test": {}}
    test_served = {m: rt.direct[m] * hz.survive(DIAG, 0.0, w.test[m]) for m in MODALITIES}
    ca = cfg.cancer
    ca_cost = fluid.case_sessions(cfg, 1 - ca.inpatient_share, cancelled)
    cancer_surg = sum(rt.cancer.values()) * ca.conversion_share * ca.surgical_share
    p = cfg.priority
    for k, s in cfg.specialties.items():
        ro = fluid.routes(cfg, rt, w, hz, k, work)
        wo, wa = w.outpatient[k], w.admitted[k] + work.preop
        for mi, lam, age in ro.tests:
            m = MODALITIES[mi]
            test_served[m] += lam * hz.survive(DIAG, age, w.test[m] + work.test)
        out["op"][k] = (ro.first + rt.followups[k] * hz.survive(FU, 0.0, wo) + rt.cancer[k]
                        + sum(lam * hz.survive(FU, age, wo + (work.reporting if mi >= 0 else 0))
                              for mi, lam, age in ro.followups))
        cost = fluid.case_sessions(cfg, s.day_case_share, cancelled) * s.admitted_share
        out["theatre"][k] = sum(lam * cost * ((p.p1 + p.p2 + p.p3) + p.p4
                                              * hz.survive(ADM, age, wa))
                                for _, lam, age in ro.decisions) \
            + cancer_surg * s.cancer_share * ca_cost
    for m in MODALITIES:
        out["test"][m] = test_served[m] + rt.unscheduled[m] + rt.cancer_tests[m]
    return out


def list_profile(cfg, population: float, n: int = 400_000, seed: int = 1) -> dict[str, float]:
    """Size, 18-week share, median and tails of the list the start waits imply."""
    hz = Hazard(cfg)
    cells = fluid.cells(cfg, population, fluid.start_waits(cfg), fluid.stage_work(cfg))
    expected = np.array([c.expected for c in cells])
    rng = np.random.default_rng(seed)
    k = rng.multinomial(n, expected / expected.sum())
    ages = np.concatenate([c.base_days + hz.ages_in_stage(rng.random(j), c.stage, c.base_days,
                                                          c.wait_days)
                           for c, j in zip(cells, k, strict=True)]) / 7
    return {"list": float(expected.sum()), "within_18w_pct": float(np.mean(ages <= 18) * 100),
            "median_weeks": float(np.median(ages)), "over_52w_pct": float(np.mean(ages > 52) * 100),
            "over_52w": float(np.mean(ages > 52) * expected.sum()),
            "over_65w": float(np.mean(ages > 65) * expected.sum()),
            "over_78w": float(np.mean(ages > 78) * expected.sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.toml"))
    ap.add_argument("--cancelled-share", type=float, default=0.0,
                    help="share of inpatient operations cancelled on the day for want of a bed "
                         "(measure it: elective_cancellations / (inpatients + cancellations))")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    cfg, pop = sc.elective, sc.population.size
    for k, v in list_profile(cfg, pop).items():
        print(f"# {k}: {v:,.1f}")
    caps = capacities(cfg, pop, args.cancelled_share)
    op_total = sum(caps["op"].values()) * 7
    th_total = sum(caps["theatre"].values()) * 7
    test_total = sum(caps["test"].values()) * 7
    print(f"outpatient_slots_per_week = {op_total:.0f}")
    print(f"theatre_sessions_per_week = {th_total:.1f}")
    print(f"diagnostic_slots_per_week = {test_total:.0f}")
    op = shares({k: caps["op"][k] for k in SPECIALTIES})
    th = shares({k: caps["theatre"][k] for k in SPECIALTIES})
    for k in SPECIALTIES:
        print(f"{k}: outpatient_share = {op[k]}, theatre_share = {th[k]}")
    for m, v in shares(caps["test"]).items():
        print(f"{m}: capacity_share = {v}")


def shares(values: dict[str, float]) -> dict[str, float]:
    """Shares rounded to 6 places that still sum to 1 (the largest takes the remainder)."""
    total = sum(values.values())
    out = {k: round(v / total, 6) for k, v in values.items()}
    big = max(out, key=out.__getitem__)
    out[big] = round(1 - sum(v for k, v in out.items() if k != big), 6)
    return out


if __name__ == "__main__":
    main()
