"""Centra's date scalars: `DateTimeTz` reads "2022-06-23 15:47:12" or ISO 8601 with an offset and
prints with a PHP date() format (default `Y-m-d\\TH:i:sP`, e.g. "2022-06-23T15:47:12+02:00"),
in the instance's time zone. `Date` is "Y-m-d"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_FORMAT = "Y-m-d\\TH:i:sP"


def instance_zone() -> tzinfo:
    """A Swedish instance, as in Centra's examples; a fixed +01:00 where tzdata is missing."""
    try:
        return ZoneInfo("Europe/Stockholm")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=1))


ZONE = instance_zone()


def parse(value: str) -> datetime:
    """A DateTimeTz input; a value without an offset is the instance's local time."""
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=ZONE) if moment.tzinfo is None else moment


def parse_date(value: str) -> date:
    return date.fromisoformat(value.strip())


def _offset(moment: datetime, colon: bool) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{minutes:02d}"


def _letter(moment: datetime, letter: str) -> str:
    table = {
        "Y": f"{moment.year:04d}",
        "y": f"{moment.year % 100:02d}",
        "m": f"{moment.month:02d}",
        "n": str(moment.month),
        "d": f"{moment.day:02d}",
        "j": str(moment.day),
        "H": f"{moment.hour:02d}",
        "G": str(moment.hour),
        "i": f"{moment.minute:02d}",
        "s": f"{moment.second:02d}",
        "u": f"{moment.microsecond:06d}",
        "v": f"{moment.microsecond // 1000:03d}",
        "P": _offset(moment, colon=True),
        "O": _offset(moment, colon=False),
        "T": moment.tzname() or "",
        "U": str(int(moment.timestamp())),
    }
    return table.get(letter, letter)


def php_format(moment: datetime, pattern: str | None = None) -> str:
    """Render like PHP's date(): the letters above are replaced, `\\x` is a literal x."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZONE)
    out: list[str] = []
    escaped = False
    for char in pattern or DEFAULT_FORMAT:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(_letter(local, char))
    return "".join(out)


def webhook_date(moment: datetime) -> str:
    """The webhook plugin's "date": local time with microseconds, no offset."""
    return php_format(moment, "Y-m-d H:i:s.u")
