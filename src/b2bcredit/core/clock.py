"""The injected clock: domain code never reads the system time itself.

The facade passes a :class:`Clock` to everything that needs "now", so tests can freeze
or advance time and every decision can be replayed at the instant it was made.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from b2bcredit.core.errors import InvalidInputError, InvalidTypeError

__all__ = ["Clock", "FixedClock", "SystemClock", "local_date", "resolve_time_zone"]


@runtime_checkable
class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """Return the current instant as a time-zone-aware datetime."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


def _check_aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidTypeError(field, value, "expected a datetime", "Pass datetime(2026, 1, 31, tzinfo=UTC).")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            field, value, "the instant has no time zone", "Pass an aware datetime, for example with tzinfo=UTC."
        )
    return value


class FixedClock:
    """A clock that stays at one instant until moved, for tests and replays."""

    def __init__(self, instant: datetime) -> None:
        self._instant = _check_aware(instant, "instant")

    def now(self) -> datetime:
        """Return the clock's current instant."""
        return self._instant

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta`` (a negative delta moves it back)."""
        self._instant = self._instant + delta

    def set(self, instant: datetime) -> None:
        """Move the clock to ``instant``."""
        self._instant = _check_aware(instant, "instant")


def resolve_time_zone(name: str | tzinfo) -> tzinfo:
    """Return the time zone named by an IANA key such as ``"Europe/Berlin"``."""
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInputError(
            "time_zone", name, "not a known IANA time zone", "Pass a key such as 'Europe/Berlin' or 'UTC'."
        ) from None


def local_date(instant: datetime, time_zone: str | tzinfo) -> date:
    """Return the calendar date of ``instant`` in ``time_zone`` (the tenant's "today")."""
    return _check_aware(instant, "instant").astimezone(resolve_time_zone(time_zone)).date()
