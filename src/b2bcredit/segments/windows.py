"""Evaluation windows: half-open ranges of calendar days in the tenant's time zone.

A window ``[start, end)`` runs from local midnight at the start of ``start`` to local
midnight at the start of ``end``: a purchase at 23:59:59 on the day before ``end`` is
inside, one at 00:00 on ``end`` is outside. Midnight is the tenant's, so the same instant
can fall on different days for tenants in different zones.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs

from b2bcredit.core.errors import InvalidInputError

__all__ = ["EvaluationWindow"]


def _check_zone(instance: EvaluationWindow, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise InvalidInputError(
            "zone", value, "unknown time zone", "Pass an IANA zone name such as Europe/London."
        ) from None


@attrs.frozen(slots=True)
class EvaluationWindow:
    """The calendar days ``[start, end)`` in the IANA time zone ``zone``."""

    start: dt.date
    end: dt.date
    zone: str = attrs.field(validator=_check_zone)

    def __attrs_post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise InvalidInputError(name, value, "expected a date",
                                        "Pass a datetime.date; windows are whole days.")
        if self.end <= self.start:
            raise InvalidInputError(
                "end", self.end.isoformat(), f"must be after start {self.start.isoformat()}",
                "Pass end as the first day after the window (the window is [start, end)).",
            )

    def start_instant(self) -> dt.datetime:
        """Return local midnight at the start of the window, time-zone aware."""
        return dt.datetime.combine(self.start, dt.time(), tzinfo=ZoneInfo(self.zone))

    def end_instant(self) -> dt.datetime:
        """Return local midnight at the start of ``end``: the first instant outside."""
        return dt.datetime.combine(self.end, dt.time(), tzinfo=ZoneInfo(self.zone))

    def bounds_in_seconds(self) -> tuple[int, int]:
        """Return the bounds as seconds since 1970-01-01 UTC, start inclusive, end exclusive."""
        return int(self.start_instant().timestamp()), int(self.end_instant().timestamp())

    def contains(self, instant: dt.datetime) -> bool:
        """Whether an aware instant falls inside the window.

        Raises:
            InvalidInputError: the instant has no time zone.
        """
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise InvalidInputError("instant", instant, "expected a time-zone-aware datetime",
                                    "Attach the time zone the instant was recorded in.")
        return self.start_instant() <= instant < self.end_instant()

    def last_day(self) -> dt.date:
        """Return the last calendar day inside the window."""
        return self.end - dt.timedelta(days=1)

    def days(self) -> int:
        """Return the number of calendar days in the window."""
        return (self.end - self.start).days

    def __str__(self) -> str:
        return f"[{self.start}, {self.end}) {self.zone}"
