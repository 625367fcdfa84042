"""Typed Centra failures, split into transient (Temporal retries them) and permanent (a person
must act). Messages carry operation names, status codes and Centra's error texts, never the API
token or personal data."""

from __future__ import annotations

from domain.exceptions import ExceptionKind
from integrations.errors import IntegrationError


class CentraError(IntegrationError):
    """Base of every Centra failure; `operation` is the GraphQL operation name."""

    system = "CENTRA"

    def __init__(self, operation: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{operation}: {message}")
        self.operation = operation
        self.status = status
        self.message = message


class CentraThrottled(CentraError):
    """HTTP 429: one of Centra's rate-limit buckets is empty; wait `retry_after` seconds."""

    transient = True

    def __init__(self, operation: str, *, retry_after: float | None = None) -> None:
        hint = f", retry after {retry_after:g} s" if retry_after is not None else ""
        super().__init__(operation, f"throttled by Centra (HTTP 429){hint}", status=429)
        self.retry_after = retry_after


class CentraUnavailable(CentraError):
    """5xx, timeouts and connection failures: Centra or the network is briefly unwell."""

    transient = True


class CentraUnauthorized(CentraError):
    """HTTP 401: the token is invalid or expired (30 days by default); someone must issue a new
    one, so retrying cannot help."""

    permanent_kind = ExceptionKind.CHANNEL_AUTH_FAILED


class CentraPermissionDenied(CentraError):
    """errors[].extensions.category "authorization": the token works but lacks a permission.
    `permission` (e.g. "Order:read") is what to add to the token in Centra's admin."""

    permanent_kind = ExceptionKind.CHANNEL_AUTH_FAILED

    def __init__(self, operation: str, permission: str | None, detail: str) -> None:
        missing = permission or "a required permission"
        super().__init__(operation, f"the Centra API token lacks {missing} ({detail})")
        self.permission = permission


class CentraRequestError(CentraError):
    """GraphQL errors[] other than authorization: the request itself is wrong (a schema drift or
    a bad argument), so the same request fails again."""


class CentraUserErrors(CentraError):
    """A mutation's payload carried userErrors in an HTTP 200: Centra refused the business
    action. `messages` and `paths` are Centra's, kept for the person who acts on it."""

    def __init__(self, operation: str, messages: list[str], paths: list[list[str]]) -> None:
        super().__init__(operation, "Centra refused the change: " + "; ".join(messages))
        self.messages = messages
        self.paths = paths


class CentraRefundRefused(CentraUserErrors):
    """refundReturn's userErrors: Centra or the payment provider refused the refund. A person
    decides (refund by hand, or retry once the provider allows it)."""

    permanent_kind = ExceptionKind.REFUND_REFUSED


class CentraBadResponse(CentraError):
    """Centra answered but the body cannot be understood (not JSON, missing or odd fields): the
    same answer fails every retry."""

    permanent_kind = ExceptionKind.INVALID_CHANNEL_DATA


class CentraUnknownStatus(CentraBadResponse):
    """An order whose status consign does not know (Centra's OrderStatus page is unverified:
    e.g. ARCHIVED may be spelled otherwise). Never guessed at, never dropped silently: the
    order's workflow parks with this message, and intake leaves its event queued."""

    def __init__(self, operation: str, number: int | None, status: str) -> None:
        super().__init__(
            operation,
            f"order {number if number is not None else '?'} has status {status!r}, "
            "which consign does not know",
        )
        self.number = number
        self.order_status = status


class CentraOrderNotFound(CentraError):
    """No order has this number (deleted, or never in this store)."""

    permanent_kind = ExceptionKind.ORDER_NOT_FOUND


class CentraMissingAddress(CentraError):
    """The shipping address lacks a field GXO needs; names the field, never its value."""

    permanent_kind = ExceptionKind.MISSING_ADDRESS
