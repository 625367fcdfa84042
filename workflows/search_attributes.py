"""Upserting a workflow's search attributes (the keys: domain.search_attributes)."""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate


class Published:
    """Upserts a workflow's search attributes; with `only_changes`, a value the workflow
    already shows (set earlier, or inherited across continue-as-new) is not upserted again:
    each upsert is a command in the history."""

    def __init__(self, only_changes: bool) -> None:
        self.only_changes = only_changes
        self.values: dict[str, Any] = {
            pair.key.name: pair.value for pair in workflow.info().typed_search_attributes
        }

    def upsert(self, updates: list[SearchAttributeUpdate[Any]]) -> None:
        if self.only_changes:
            updates = [u for u in updates if self.values.get(u.key.name) != u.value]
            if not updates:
                return
        workflow.upsert_search_attributes(updates)
        self.values.update({u.key.name: u.value for u in updates})
