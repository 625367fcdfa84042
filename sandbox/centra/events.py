"""Centra's events queue: changes become events only for registered listeners, and an event
stays queued (returned again, oldest first) until it is confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Event:
    id: int
    object_type: str
    change_type: str
    object_reference: str
    created_at: datetime


class EventQueue:
    def __init__(self) -> None:
        self.listeners: dict[str, frozenset[str] | None] = {}  # None: every change type
        self.queue: list[Event] = []
        self.confirmed = 0
        self._next_id = 1

    def set_listeners(self, listeners: dict[str, frozenset[str] | None]) -> None:
        """Replace the registration, as setEventListeners does."""
        self.listeners = dict(listeners)

    def record(self, object_type: str, change_type: str, reference: str, now: datetime) -> None:
        if object_type not in self.listeners:
            return
        wanted = self.listeners[object_type]
        if wanted is not None and change_type not in wanted:
            return
        self.queue.append(Event(self._next_id, object_type, change_type, reference, now))
        self._next_id += 1

    def pending(self, object_type: str | None, change_type: str | None, limit: int) -> list[Event]:
        """The oldest unconfirmed events matching the filter."""
        found = [
            e
            for e in self.queue
            if object_type in (None, e.object_type) and change_type in (None, e.change_type)
        ]
        return found[: max(0, limit)]

    def confirm(self, ids: list[int]) -> list[int]:
        """Remove the given events; returns the ids that were not queued."""
        wanted = set(ids)
        known = {e.id for e in self.queue}
        self.queue = [e for e in self.queue if e.id not in wanted]
        self.confirmed += len(wanted & known)
        return sorted(wanted - known)
