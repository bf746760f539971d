"""How patients move between services: the only module that knows more than one service."""

from __future__ import annotations

from .services.ed import EmergencyDepartment


def connect(ed: EmergencyDepartment | None) -> None:
    """Wire the services of one replication together.

    Until the acute bed pool exists an admitted ED patient leaves the department at decision.
    """
    del ed
