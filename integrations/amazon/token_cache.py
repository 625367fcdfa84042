"""One short-lived token, cached in-process and replaced shortly before it expires.

Both of Amazon's tokens work this way: the LWA access token and each Restricted Data Token last
an hour (the answer says how long). The token is refreshed `refresh_margin` seconds early, so a
request never leaves with one about to lapse, and an asyncio.Lock makes concurrent callers share
a single refresh instead of stampeding the issuer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedToken:
    value: str
    lifetime: float  # seconds, as the issuer said


class TokenCache:
    """Hands out a valid token from `issue`, asking for a new one only when needed. It is the
    client's TokenSource for whatever it caches."""

    def __init__(
        self,
        issue: Callable[[], Awaitable[IssuedToken]],
        clock: Callable[[], float],
        refresh_margin: float = 60.0,
    ) -> None:
        self._issue = issue
        self._clock = clock
        self._margin = refresh_margin
        self._lock = asyncio.Lock()
        self._value: str | None = None
        self._expires_at = 0.0  # in the cache's clock

    def _fresh(self) -> str | None:
        if self._value is not None and self._clock() < self._expires_at - self._margin:
            return self._value
        return None

    async def access_token(self) -> str:
        cached = self._fresh()
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._fresh()  # another caller may have refreshed while we waited
            if cached is not None:
                return cached
            started = self._clock()
            token = await self._issue()
            # Expiry counts from when we asked, not when the answer came: errs on the early side.
            self._value, self._expires_at = token.value, started + token.lifetime
            return token.value

    def invalidate(self) -> None:
        """Forget the token, e.g. after Amazon refused it as expired or revoked."""
        self._value = None
