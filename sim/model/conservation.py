"""Every patient accounted for: the flow balance each replication must satisfy."""

from __future__ import annotations

from sim.core.monitor import Monitor
from sim.model.services.base import Service


class ConservationError(AssertionError):
    """A patient was lost: the model is wrong, whatever its KPIs say."""


def check_conservation(monitor: Monitor,
                       services: dict[str, Service]) -> dict[str, dict[str, int]]:
    """Every patient is finished, still in a service, or redirected; never lost.

    Per service: entered = finished + transferred + redirected + in_system, where in_system is
    counted from the service's own queues and beds. Whole system: arrivals from outside =
    finished + redirected + in_system summed over services, and every transfer out of one
    service is an entry into another.
    """
    f = monitor.flows
    out: dict[str, dict[str, int]] = {}
    for name, svc in services.items():
        present = svc.in_system()
        row = {"entered": f.entered[name], "external": f.external[name],
               "finished": f.finished[name], "transferred": f.transferred[name],
               "redirected": f.redirected[name], "in_system": present}
        if f.expected_in_system(name) != present:
            raise ConservationError(f"{name}: {row} does not balance")
        out[name] = row
    total = {k: sum(r[k] for r in out.values()) for k in next(iter(out.values()), {})}
    if out:
        if total["external"] != total["finished"] + total["redirected"] + total["in_system"]:
            raise ConservationError(f"whole system: {total} does not balance")
        if total["transferred"] != total["entered"] - total["external"]:
            raise ConservationError(f"transfers out != transfers in: {total}")
        out["all"] = total
    return out
