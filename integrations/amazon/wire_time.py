"""Amazon's timestamps: ISO 8601 in UTC on the wire, timezone-aware datetimes inside consign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# Amazon rejects a *Before filter less than two minutes before its own clock; the extra seconds
# absorb clock skew between this host and Amazon.
MIN_BEFORE_AGE = timedelta(minutes=2, seconds=10)


def to_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC: consign never stores local wall-clock time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """'2025-03-15T10:30:00Z': second precision, the form Amazon's examples use."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: str) -> datetime:
    """Parse an Amazon timestamp; raises ValueError on anything that is not ISO 8601."""
    return to_utc(datetime.fromisoformat(value.strip()))


def latest_allowed_before(now: datetime) -> datetime:
    return to_utc(now) - MIN_BEFORE_AGE


def clamp_before(before: datetime | None, now: datetime) -> datetime:
    """The *Before bound to send: the caller's, but never closer to now than Amazon allows."""
    limit = latest_allowed_before(now)
    return limit if before is None else min(to_utc(before), limit)


def utc_now() -> datetime:
    """The default clock; readers take a clock argument so tests can fix time."""
    return datetime.now(UTC)
