"""The system's pressure level (OPEL-like), one shared object per replication.

Trusts under pressure act as one system: the level a site declares (OPEL 1-4) opens escalation
beds, defers elective inpatients, pushes discharges and opens corridor spaces. One service
decides the level at its reviews (``set``); every service that acts on it reads ``level`` when
it decides, or ``listen`` s to act at the moment it changes. Without a service setting it the
level stays 0 (normal: no action), so a scenario without escalation runs as before.
"""

from __future__ import annotations

from collections.abc import Callable

NORMAL = 0  # OPEL 1; levels 1-3 are OPEL 2-4


class Pressure:
    """The current pressure level and who acts when it changes."""

    __slots__ = ("_listeners", "level")

    def __init__(self) -> None:
        self.level = NORMAL
        self._listeners: list[Callable[[int], None]] = []

    def listen(self, act: Callable[[int], None]) -> None:
        """Call ``act(level)`` at every change of level (from the review that declares it)."""
        self._listeners.append(act)

    def set(self, level: int) -> None:
        """Declare ``level``; listeners act only when it differs from the current one."""
        if level != self.level:
            self.level = level
            for act in self._listeners:
                act(level)
