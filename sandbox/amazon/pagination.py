"""Server-side cursors for NextToken / paginationToken.

The first page snapshots the ordered ids that matched; later pages walk that snapshot, so
every matching order is returned exactly once even while orders keep changing (a changed
order shows up again in the next incremental poll, as with Amazon).

A token stays valid until it expires (the v2026-01-01 model: 24 hours; v0 says nothing, and
gets the same) and answers the same page, with the same next token, however often it is sent:
a caller whose response was lost retries the page it asked for, not the one after it."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TOKEN_LIFETIME = timedelta(hours=24)


@dataclass
class Cursor:
    ids: list[str]
    offset: int
    page_size: int
    context: dict[str, str] = field(default_factory=dict)  # echoed response fields
    issued_at: datetime | None = None  # None until a token names this cursor
    next_token: str | None = None  # the token handed out for the following page, once made


class Pager:
    def __init__(self, capacity: int = 10_000, lifetime: timedelta = TOKEN_LIFETIME) -> None:
        self.capacity = capacity
        self.lifetime = lifetime
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()

    def page(self, cursor: Cursor, now: datetime) -> tuple[list[str], str | None]:
        """The ids of this page and the token for the next one (None on the last page)."""
        end = cursor.offset + cursor.page_size
        ids = cursor.ids[cursor.offset : end]
        if end >= len(cursor.ids):
            return ids, None
        if cursor.next_token is None:
            cursor.next_token = secrets.token_urlsafe(24)
            following = Cursor(cursor.ids, end, cursor.page_size, cursor.context, now)
            self.cursors[cursor.next_token] = following
            while len(self.cursors) > self.capacity:
                self.cursors.popitem(last=False)
        return ids, cursor.next_token

    def resume(self, token: str, now: datetime) -> Cursor | None:
        """The cursor a token names; None when it was never issued or has expired."""
        cursor = self.cursors.get(token)
        if cursor is None or cursor.issued_at is None:
            return None
        if now - cursor.issued_at >= self.lifetime:
            del self.cursors[token]
            return None
        return cursor
