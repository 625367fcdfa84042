"""The one shape every client error has, so activities classify any channel or warehouse
failure the same way (activities/errors.py)."""

from __future__ import annotations

from typing import ClassVar

from domain.exceptions import ExceptionKind


class IntegrationError(Exception):
    """`transient`: a retry of the same call can succeed (Temporal retries it).
    `exception_kind`: what a permanent failure parks the order as.
    `retry_after`: seconds the remote system asked us to wait, when it said."""

    system: ClassVar[str] = "INTEGRATION"  # names the retryable failure type: AMAZON_TRANSIENT
    transient: ClassVar[bool] = False
    permanent_kind: ClassVar[ExceptionKind] = ExceptionKind.CHANNEL_REJECTED
    retry_after: float | None = None

    @property
    def exception_kind(self) -> ExceptionKind | None:
        return None if self.transient else self.permanent_kind
