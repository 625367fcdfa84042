"""Typed SP-API and LWA failures, split into transient (Temporal retries them) and permanent
(a person must act). Messages carry operation names, status codes and Amazon's error codes, never
tokens, secrets or personal data."""

from __future__ import annotations

from domain.exceptions import ExceptionKind
from integrations.errors import IntegrationError


class AmazonError(IntegrationError):
    """Base of every Amazon failure. `transient` tells the activity whether to let Temporal retry;
    `exception_kind` is what a permanent failure becomes in the order workflow."""

    system = "AMAZON"

    def __init__(self, operation: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{operation}: {message}")
        self.operation = operation
        self.status = status
        self.message = message


class AmazonThrottled(AmazonError):
    """429 QuotaExceeded: the usage plan is exhausted for now. `retry_after` only when the
    answer said how long (a Retry-After header); otherwise the caller's backoff decides."""

    transient = True

    def __init__(self, operation: str, *, retry_after: float | None = None) -> None:
        hint = f", retry after {retry_after:g} s" if retry_after is not None else ""
        super().__init__(operation, f"throttled by Amazon (HTTP 429){hint}", status=429)
        self.retry_after = retry_after


class AmazonUnavailable(AmazonError):
    """5xx, timeouts and connection failures: Amazon or the network is briefly unwell."""

    transient = True


class AmazonRequestRejected(AmazonError):
    """Amazon refused the request itself (400, 404, other 4xx), or consign refused to send a
    request Amazon would refuse (status None). Retrying the same request cannot succeed."""

    def __init__(
        self,
        operation: str,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        label = f"HTTP {status}" if status is not None else "not sent"
        detail = f"{code}: {message}" if code else message
        super().__init__(operation, f"rejected ({label}) {detail}", status=status)
        self.code = code

    @property
    def exception_kind(self) -> ExceptionKind:
        if self.status == 404:
            return ExceptionKind.ORDER_NOT_FOUND
        return ExceptionKind.CHANNEL_REJECTED


class AmazonAccessDenied(AmazonError):
    """403 (or 401) even with a fresh access token: the app lacks the role for this operation,
    or the seller revoked it. Someone must fix the app's authorisation in Seller Central."""

    @property
    def exception_kind(self) -> ExceptionKind:
        return ExceptionKind.CHANNEL_AUTH_FAILED


class AmazonAuthError(AmazonError):
    """LWA refused to exchange the refresh token: the credentials themselves must be fixed."""

    def __init__(self, error_code: str, message: str, *, status: int | None = None) -> None:
        super().__init__("lwa.token", f"{error_code}: {message}", status=status)
        self.error_code = error_code

    @property
    def exception_kind(self) -> ExceptionKind:
        return ExceptionKind.CHANNEL_AUTH_FAILED


class AmazonBadResponse(AmazonError):
    """Amazon answered 2xx but the body cannot be understood (missing or unknown fields): the
    same answer fails every retry, and nothing is processed without a person looking at it."""

    permanent_kind = ExceptionKind.INVALID_CHANNEL_DATA


class AmazonUnknownValue(AmazonBadResponse):
    """A field holds a value consign does not know (an order status Amazon added, a new
    fulfilment channel): never guessed at. In a search page the order is set aside."""

    def __init__(self, operation: str, message: str, *, field: str) -> None:
        super().__init__(operation, message)
        self.field = field


class AmazonFeedFailed(AmazonError):
    """A feed ended FATAL or CANCELLED: Amazon applied some, none or all of it and says no more,
    so a person must look at the feed (its id is in the message) before anything is resent."""

    def __init__(self, operation: str, feed_id: str, status: str) -> None:
        super().__init__(operation, f"feed {feed_id} ended {status}")
        self.feed_id = feed_id
        self.feed_status = status
