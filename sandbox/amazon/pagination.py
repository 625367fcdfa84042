"""Server-side cursors for NextToken / paginationToken.

The first page snapshots the ordered ids that matched; later pages walk that snapshot, so
every matching order is returned exactly once even while orders keep changing (a changed
order shows up again in the next incremental poll, as with Amazon)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class Cursor:
    ids: list[str]
    offset: int
    page_size: int
    context: dict[str, str] = field(default_factory=dict)  # echoed response fields


class Pager:
    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()

    def page(self, cursor: Cursor) -> tuple[list[str], str | None]:
        """The ids of this page and the token for the next one (None on the last page)."""
        end = cursor.offset + cursor.page_size
        ids = cursor.ids[cursor.offset : end]
        if end >= len(cursor.ids):
            return ids, None
        token = secrets.token_urlsafe(24)
        self.cursors[token] = Cursor(cursor.ids, end, cursor.page_size, cursor.context)
        while len(self.cursors) > self.capacity:
            self.cursors.popitem(last=False)
        return ids, token

    def resume(self, token: str) -> Cursor | None:
        return self.cursors.pop(token, None)
