"""An independent second implementation (a "twin") of ED, acute beds and reablement, in salabim.

Why it exists: a simulation that agrees only with itself proves little. This module re-implements
one coupled sub-system - the emergency department with boarding, the acute (G&A) bed pool with
daytime and weekend discharges, bed turnaround and delayed discharges, and the reablement
packages that free those beds - from the *documented* logic (module docstrings, scenario field
descriptions, KPI definitions, README), not by translating the SimPy code, in a different
library with a different style (one salabim process per patient, ``Resource`` for every pool).
``tests/test_twin.py`` runs both on one scenario and checks that the KPI means agree within
their confidence intervals; a disagreement means one of the two misreads the documentation.

Only utilities are shared with the main model: the scenario schema, the calendar, Poisson
arrival times from hourly rates, sampling from ``Duration`` specs and named random streams (all
named ``twin.*``, so the twin never sees the main model's numbers: agreement is statistical).

The logic as read from the documentation (times in minutes from the start date at 00:00):

* ED arrivals: Poisson, attendances per 1,000 a year x population, shaped by the hour, weekday
  and month profiles; each is type 3, type 1 walk-in or type 1 ambulance by ``arrival_mix``.
  Type 3: a time-in-department draw, no queue (no events needed).
* Type 1: every patient first needs one of ``cubicles + corridor_spaces`` treatment spaces
  (ambulance arrivals before walk-ins with ``ambulance_priority``, else first come, first
  served), held until leaving the department, boarding included;
  an ambulance patient with a space then queues (FIFO) for one of ``handover_staff`` for
  ``handover_mins``; every type 1 patient then queues (FIFO) for one of
  ``clinicians_per_shift`` for ``assessment_mins``, then ``investigation_mins`` with no
  clinician held, then the decision: ``admission_share`` (times the month of arrival's
  ``seasons.emergency_admission_month_profile`` multiplier) are admitted, the rest leave. Staff
  numbers follow their hourly rotas (one number, 24 or 7 x 24 values), changed on the hour.
* Decision bunching: an admitted patient decided before ``window_start_mins`` after arrival is,
  with probability ``share``, held until a uniform time in [window_start, window_end] after
  arrival before the bed request. Until a bed is granted the patient boards in the ED (in
  the space): time in department ends when the bed is granted.
* Direct emergency admissions (GP, SDEC): Poisson with the hour-of-day profile only. The general
  beds (``beds - elective_ring_fenced_beds``) are ``wards`` equal wards; each admission belongs
  to one ward, equally likely, and queues FIFO (with ED boarders) for a bed in it alone. A
  ward's share of ``escalation_beds`` opens while an hourly review finds that ward at least
  ``escalation_trigger_pct`` full. A patient still waiting after ``ward_outlying_after_hours``
  takes the first bed free in any ward, ahead of the patients queuing for that ward. With
  ``outlying`` (and ``outlying_max_patients`` unset) a patient
  takes a free ring-fenced elective bed when no bed in their ward is free, and a waiting one
  takes whichever frees first; ``outlying_max_patients = 0`` means no outlying. (A cap above 0 is
  not modelled here: ``run_twin`` refuses it, as it refuses ``opel_review``,
  ``corridor_spaces_by_level``, ``clinicians_follow_month_profile``, ``handover_release_mins``
  and ``discharge_window_all_routes``.)
* ``zero_day_share`` are zero-day admissions with ``zero_day_los_hours``: in an SDEC space if
  one is free at admission (else the bed queue), leaving at any hour when the stay is over. The
  others
  stay ``emergency_los_days`` (times the month's ``seasons.emergency_los_month_profile``
  multiplier) until medically fit ("stays over a day": a draw under one day is raised to one
  day) and then go by ``destinations``: home, reablement (waits in the bed,
  counted as delayed, until the package's care starts; the bed is freed then) or other support
  (waits in the bed, delayed, ``other_support_wait_days``).
* Discharges home and the move after an other-support wait happen at the fit time if that is
  inside
  [``discharge_open_hour``, ``discharge_close_hour``), else at the next opening plus a uniform
  draw over ``discharge_spread_hours``; one that would fall on a Saturday, Sunday or (with
  ``seasons.bank_holidays``) an England bank holiday happens then
  with probability ``weekend_discharge_share``, else on the next working day at opening plus
  the spread.
* A freed bed is in turnaround for ``turnaround_hours``: neither occupied nor available.
* Reablement: referrals from acute beds and from the community (Poisson, flat rate) queue for a
  package (FIFO, or acute referrals first if ``acute_first``); the package is then held for
  ``setup_days`` (assessment and set-up) and ``duration_days`` of care. The 2-day standard runs
  from referral to care starting.

Deliberately different readings, which the comparison in ``tests/test_twin.py`` must tell
apart: ED staff at the rota's mean around the clock (``rota_by_hour=False``), boarders giving
their space back at the bed request (``boarders_hold_space=False``), and
(``run_twin(zero_day_discharge_hours=True)``) the rule before
issue 17: zero-day patients take G&A beds (no SDEC) and wait for the daytime and weekend
discharge window.

KPIs, over the measurement window as defined in ``sim.outputs.kpis``: ``ed_4h_pct`` and
``ed_type1_4h_pct`` (attendances arriving in the window; those still in the department at the end
censored there), ``ed_12h_pct`` (type 1 only, from arrival), ``acute_occupancy_pct``
(time-averaged occupied general beds, turnaround excluded, / time-averaged general beds
available, escalation beds included while open), ``delayed_discharge_bed_days`` (time integral
of medically fit patients waiting in beds for reablement or other support) and
``reablement_2d_pct`` (referrals in the window whose care starts within 2 days; not started by
the end: censored there). """

from sim.checks.twin.replication import TWIN_KPIS, run_twin
from sim.checks.twin.state import MODELLED

__all__ = ["MODELLED", "TWIN_KPIS", "run_twin"]
