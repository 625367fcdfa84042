"""Centra's events queue: changes become events only for registered listeners, and an event
stays queued (returned again, oldest first) until it is confirmed. `setEventListeners` only adds
change types; `unsetEventListeners` removes them and deletes their queued events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ALL_CHANGE_TYPES = frozenset(
    {"CREATED", "UPDATED", "COMPLETED", "DELETED", "DEPENDENT_DATA_CHANGED"}
)
# COMPLETED exists only for these object types (Centra's events page).
COMPLETABLE = frozenset({"Order", "Shipment", "Return", "PurchaseOrder", "PurchaseOrderDelivery"})


@dataclass
class Event:
    id: int
    object_type: str
    change_type: str
    object_reference: int  # the order NUMBER for Order events, the object's id otherwise
    created_at: datetime
    store_id: int = 1


@dataclass
class Listener:
    object_type: str
    change_types: set[str]
    created_at: datetime
    updated_at: datetime


class EventQueue:
    def __init__(self, integration: str = "consign") -> None:
        self.integration = integration
        self.listeners: dict[str, Listener] = {}
        self.queue: list[Event] = []
        self.confirmed = 0
        self._next_id = 1

    def set_listeners(self, wanted: dict[str, frozenset[str] | None], now: datetime) -> None:
        """Add the change types (None: all of them) to each object type's listener."""
        for object_type, types in wanted.items():
            added = set(types) if types is not None else set(ALL_CHANGE_TYPES)
            listener = self.listeners.get(object_type)
            if listener is None:
                self.listeners[object_type] = Listener(object_type, added, now, now)
            elif not added <= listener.change_types:
                listener.change_types |= added
                listener.updated_at = now

    def unset_listeners(self, unwanted: dict[str, frozenset[str] | None]) -> list[Listener]:
        """Remove change types (None: the whole listener) and their queued events; returns the
        listeners that remain affected but not deleted."""
        kept: list[Listener] = []
        for object_type, types in unwanted.items():
            listener = self.listeners.get(object_type)
            if listener is None:
                continue
            removed = set(types) if types is not None else set(listener.change_types)
            listener.change_types -= removed
            self.queue = [
                e
                for e in self.queue
                if not (e.object_type == object_type and e.change_type in removed)
            ]
            if listener.change_types:
                kept.append(listener)
            else:
                del self.listeners[object_type]
        return kept

    def record(self, object_type: str, change_type: str, reference: int, now: datetime) -> None:
        listener = self.listeners.get(object_type)
        if listener is None or change_type not in listener.change_types:
            return
        if change_type == "COMPLETED" and object_type not in COMPLETABLE:
            return
        self.queue.append(Event(self._next_id, object_type, change_type, reference, now))
        self._next_id += 1

    def pending(
        self,
        object_types: list[str] | None,
        change_types: list[str] | None,
        store_ids: list[int] | None,
        limit: int,
    ) -> list[Event]:
        """The oldest unconfirmed events matching the filter."""
        found = [
            e
            for e in self.queue
            if (object_types is None or e.object_type in object_types)
            and (change_types is None or e.change_type in change_types)
            and (store_ids is None or e.store_id in store_ids)
        ]
        return found[: max(0, limit)]

    def confirm(self, ids: list[int]) -> tuple[list[Event], list[int]]:
        """Remove the given events; returns those confirmed and the ids that were not queued."""
        wanted = set(ids)
        confirmed = [e for e in self.queue if e.id in wanted]
        self.queue = [e for e in self.queue if e.id not in wanted]
        self.confirmed += len(confirmed)
        return confirmed, sorted(wanted - {e.id for e in confirmed})
