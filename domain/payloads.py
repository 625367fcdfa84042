"""Keeping what consign hands to Temporal under one payload's size (domain/limits.py).

A dispatch too large for one signal is split into parts, each a DISPATCH event of its own with
some of the parcels and an id that names the part (`<event id>#<k>/<n>`). The order confirms
parcels by parcel id, so the parts, any repeat of them and the whole event re-sent later confirm
every parcel exactly once. A list of events is handed over in batches that each fit the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from domain.warehouse import Parcel, WarehouseEvent, WarehouseEventKind

M = TypeVar("M", bound=BaseModel)
PART_MARK = "#"


def payload_size(model: BaseModel) -> int:
    """Bytes of the model as JSON: what the data converter sends, near enough."""
    return len(model.model_dump_json().encode("utf-8"))


def split_dispatch(event: WarehouseEvent, budget: int) -> list[WarehouseEvent]:
    """The event itself when it fits `budget`, else its parts (a parcel is never split, so a
    part holding one enormous parcel may still exceed the budget)."""
    if event.kind is not WarehouseEventKind.DISPATCH or payload_size(event) <= budget:
        return [event]
    overhead = payload_size(event.model_copy(update={"parcels": []})) + 32  # the part's id
    groups: list[list[Parcel]] = [[]]
    used = overhead
    for parcel in event.parcels:
        size = payload_size(parcel) + 1
        if groups[-1] and used + size > budget:
            groups.append([])
            used = overhead
        groups[-1].append(parcel)
        used += size
    count = len(groups)
    return [
        event.model_copy(
            update={"event_id": f"{event.event_id}{PART_MARK}{k}/{count}", "parcels": g}
        )
        for k, g in enumerate(groups, start=1)
    ]


def batches(items: Sequence[M], budget: int) -> list[list[M]]:
    """Consecutive batches whose JSON fits `budget` (an item larger than it travels alone)."""
    found: list[list[M]] = []
    used = 0
    for item in items:
        size = payload_size(item) + 1
        if not found or (found[-1] and used + size > budget):
            found.append([])
            used = 0
        found[-1].append(item)
        used += size
    return found
