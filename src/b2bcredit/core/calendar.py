"""Business-day calendars, date rolls and month arithmetic for credit contracts.

A :class:`BusinessCalendar` decides which days are weekends and holidays. Country
holidays come from the maintained ``holidays`` package, loaded a year at a time on first
use. Custom dates, such as a company's own closing days, are added as a set.

Month arithmetic is anchored: the n-th date of a monthly schedule is computed from the
start date, never from the previous date, so a schedule that starts on 31 January falls
on 28 February, 31 March and 30 April instead of drifting to the 28th.
"""

from __future__ import annotations

import calendar as _calendar
import enum
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import attrs

from b2bcredit.core.errors import InvalidInputError, InvalidTypeError

__all__ = [
    "WEEKDAYS_ONLY",
    "BusinessCalendar",
    "BusinessDayConvention",
    "add_months",
    "end_of_month",
    "is_end_of_month",
]

SATURDAY, SUNDAY = 5, 6


class BusinessDayConvention(enum.Enum):
    """A roll rule for a date that falls on a non-business day (ISDA 2006, section 4.12)."""

    UNADJUSTED = "unadjusted"  # keep the date even if it is a holiday
    FOLLOWING = "following"  # the next business day
    MODIFIED_FOLLOWING = "modified_following"  # the next one, unless that leaves the month
    PRECEDING = "preceding"  # the previous business day
    MODIFIED_PRECEDING = "modified_preceding"  # the previous one, unless that leaves the month


def end_of_month(day: date) -> date:
    """Return the last calendar day of ``day``'s month."""
    return day.replace(day=_calendar.monthrange(day.year, day.month)[1])


def is_end_of_month(day: date) -> bool:
    """Return whether ``day`` is the last calendar day of its month."""
    return day.day == _calendar.monthrange(day.year, day.month)[1]


def add_months(anchor: date, months: int, *, end_of_month_rule: bool = False) -> date:
    """Add ``months`` calendar months to ``anchor``, clipping to the month's last day.

    Compute every date of a schedule from the same anchor (``add_months(start, k)``
    for k = 1, 2, ...) so that a start on the 31st gives 28 Feb, 31 Mar, 30 Apr.
    With ``end_of_month_rule`` and an anchor on the last day of its month, the result
    is the last day of the target month (30 Apr + 1 month = 31 May).
    """
    if not isinstance(anchor, date):
        raise InvalidTypeError("anchor", anchor, "expected a datetime.date", "Pass a date.")
    if isinstance(months, bool) or not isinstance(months, int):
        raise InvalidTypeError("months", months, "expected a whole number of months", "Pass an int.")
    # Plain month arithmetic: relativedelta gives the same dates but costs about ten times
    # as much, and a checkout prices schedules of dozens of dates for every product.
    year, month = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    last_day = _calendar.monthrange(year, month + 1)[1]
    day = last_day if end_of_month_rule and is_end_of_month(anchor) else min(anchor.day, last_day)
    return anchor.replace(year=year, month=month + 1, day=day)


def _check_weekend(weekend: Iterable[int]) -> frozenset[int]:
    days = frozenset(weekend)
    if any(isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6 for day in days):
        raise InvalidInputError(
            "weekend", sorted(days, key=str), "weekdays are numbered 0 (Monday) to 6 (Sunday)",
            "Pass, for example, {5, 6} for Saturday and Sunday.",
        )
    if len(days) == 7:
        raise InvalidInputError("weekend", sorted(days), "a week needs at least one business day", "Remove a day.")
    return days


def _to_date_set(days: Iterable[date]) -> frozenset[date]:
    dates = frozenset(days)
    for day in dates:
        if not isinstance(day, date) or hasattr(day, "hour"):
            raise InvalidTypeError("holidays", day, "expected datetime.date values", "Pass dates, not datetimes.")
    return dates


@attrs.frozen
class BusinessCalendar:
    """Weekends and holidays that decide which days are business days.

    Attributes:
        name: a label for reports, such as ``"DE"`` or ``"US-NY"``.
        weekend: weekday numbers that are never business days (0 = Monday).
        holidays: extra non-business dates on top of the country's holidays.
        country: an ISO 3166 code whose public holidays apply (via ``holidays``).
        subdivision: a state or region code within ``country`` (``"NY"``, ``"BY"``).
    """

    name: str = "weekdays"
    weekend: frozenset[int] = attrs.field(default=frozenset({SATURDAY, SUNDAY}), converter=_check_weekend)
    holidays: frozenset[date] = attrs.field(default=frozenset(), converter=_to_date_set)
    country: str | None = None
    subdivision: str | None = None
    # The holidays package computes a year's dates on first lookup; the cache is not part
    # of the calendar's value.
    _country_holidays: Any = attrs.field(default=None, init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.country is None:
            return
        import holidays as holidays_package

        try:
            table = holidays_package.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError:
            raise InvalidInputError(
                "country", self.country, "the holidays package has no calendar for this country",
                "Pass an ISO 3166 alpha-2 code it supports, or list the holidays yourself.",
            ) from None
        object.__setattr__(self, "_country_holidays", table)

    @classmethod
    def for_country(
        cls, country: str, subdivision: str | None = None, extra_holidays: Iterable[date] = ()
    ) -> BusinessCalendar:
        """Return a Saturday-Sunday calendar with ``country``'s public holidays."""
        name = country if subdivision is None else f"{country}-{subdivision}"
        return cls(name=name, holidays=_to_date_set(extra_holidays), country=country, subdivision=subdivision)

    def is_holiday(self, day: date) -> bool:
        """Return whether ``day`` is a listed or public holiday (weekends aside)."""
        if day in self.holidays:
            return True
        return self._country_holidays is not None and day in self._country_holidays

    def is_business_day(self, day: date) -> bool:
        """Return whether ``day`` is neither a weekend day nor a holiday."""
        return day.weekday() not in self.weekend and not self.is_holiday(day)

    def adjust(self, day: date, convention: BusinessDayConvention) -> date:
        """Move ``day`` to a business day by ``convention``; business days stay put."""
        if convention is BusinessDayConvention.UNADJUSTED or self.is_business_day(day):
            return day
        if convention is BusinessDayConvention.FOLLOWING:
            return self._step(day, 1)
        if convention is BusinessDayConvention.PRECEDING:
            return self._step(day, -1)
        if convention is BusinessDayConvention.MODIFIED_FOLLOWING:
            following = self._step(day, 1)
            return following if following.month == day.month else self._step(day, -1)
        if convention is BusinessDayConvention.MODIFIED_PRECEDING:
            preceding = self._step(day, -1)
            return preceding if preceding.month == day.month else self._step(day, 1)
        raise InvalidTypeError(
            "convention", convention, "expected a BusinessDayConvention member",
            "Pass BusinessDayConvention.FOLLOWING or another member.",
        )

    def _step(self, day: date, direction: int) -> date:
        # The first business day strictly after (or before) ``day``.
        candidate = day + timedelta(days=direction)
        while not self.is_business_day(candidate):
            candidate += timedelta(days=direction)
        return candidate

    def add_business_days(self, day: date, count: int) -> date:
        """Move ``count`` business days from ``day``: the count-th business day after it.

        ``day`` itself is never counted, whether or not it is a business day, so from a
        Saturday one business day later is Monday (with no holiday). A negative count
        moves backwards; zero returns ``day`` rolled to the following business day.
        """
        if isinstance(count, bool) or not isinstance(count, int):
            raise InvalidTypeError("count", count, "expected a whole number of business days", "Pass an int.")
        if count == 0:
            return self.adjust(day, BusinessDayConvention.FOLLOWING)
        direction = 1 if count > 0 else -1
        result = day
        for _ in range(abs(count)):
            result = self._step(result, direction)
        return result

    def business_days_between(self, start: date, end: date) -> int:
        """Count business days in the half-open interval [start, end)."""
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        cursor = start
        while cursor < end:
            if self.is_business_day(cursor):
                count += 1
            cursor += timedelta(days=1)
        return count

    def last_business_day_of_month(self, day: date) -> date:
        """Return the last business day of ``day``'s month."""
        return self.adjust(end_of_month(day), BusinessDayConvention.PRECEDING)

    def is_last_business_day_of_month(self, day: date) -> bool:
        """Return whether ``day`` is its month's last business day."""
        return self.is_business_day(day) and day == self.last_business_day_of_month(day)

    def add_months(
        self,
        anchor: date,
        months: int,
        convention: BusinessDayConvention = BusinessDayConvention.MODIFIED_FOLLOWING,
        *,
        end_of_month_rule: bool = False,
    ) -> date:
        """Add ``months`` to ``anchor`` and roll the result to a business day.

        With ``end_of_month_rule`` and an anchor on its month's last business day, the
        result is the target month's last business day: 29 April 2022 (a Friday, with
        30 April a Saturday) plus one month is 31 May 2022, not 30 May.
        """
        if end_of_month_rule and self.is_last_business_day_of_month(anchor):
            return self.last_business_day_of_month(add_months(anchor, months))
        return self.adjust(add_months(anchor, months, end_of_month_rule=end_of_month_rule), convention)

    def monthly_schedule(
        self,
        anchor: date,
        count: int,
        *,
        every: int = 1,
        convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED,
        end_of_month_rule: bool = False,
    ) -> list[date]:
        """Return ``count`` dates, each ``every`` months apart, counted from ``anchor``.

        Each date is computed from the anchor (``anchor + k * every`` months) and then
        rolled, so neither month lengths nor rolls make the schedule drift.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInputError("count", count, "expected a count of 0 or more", "Pass a non-negative int.")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise InvalidInputError(
                "every", every, "expected at least one month", "Pass 1 for monthly, 3 for quarterly."
            )
        return [
            self.add_months(anchor, k * every, convention, end_of_month_rule=end_of_month_rule)
            for k in range(1, count + 1)
        ]


WEEKDAYS_ONLY = BusinessCalendar()
"""Saturday and Sunday off, no holidays: the calendar when a contract names none."""
