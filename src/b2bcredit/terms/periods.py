"""Payment frequencies, due-date sequences, business-day rolls and unit-period counting.

Due dates are computed from one anchor (``anchor + k`` periods), never from the previous
date, so a monthly schedule from 31 January falls on 28/29 February, 31 March, 30 April
and a rolled date does not move the dates after it. A twice-monthly schedule alternates
between the anchor's day and fifteen days later.

Counting unit periods between two dates follows US Regulation Z, Appendix J, paragraph
(b)(5). Whole periods are measured back from the later date. The days left over are
divided by the days of a standard period: 30 times the months of a month-based period,
15 for a semimonth, and 7 times the weeks of a week-based period.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention, add_months, is_end_of_month
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError

__all__ = [
    "Frequency",
    "due_dates",
    "most_common_period",
    "parse_frequency",
    "roll_dates",
    "unit_periods_between",
]


class Frequency(enum.Enum):
    """How often instalments fall due; the value is the name used in JSON and the CLI."""

    WEEKLY = "weekly"  # every 7 days, 52 a year
    BIWEEKLY = "biweekly"  # every 14 days, 26 a year
    SEMIMONTHLY = "semimonthly"  # twice a month: the anchor's day and 15 days later, 24 a year
    MONTHLY = "monthly"  # the anchor's day of every month, 12 a year
    QUARTERLY = "quarterly"  # every 3 months, 4 a year
    SEMIANNUAL = "semiannual"  # every 6 months, 2 a year
    ANNUAL = "annual"  # every 12 months, 1 a year

    @property
    def periods_per_year(self) -> int:
        """The number of periods in a year (52 for weekly, 24 for twice a month)."""
        return _PERIODS_PER_YEAR[self]

    @property
    def months(self) -> int:
        """Months per period for month-based frequencies, 0 for the others."""
        return _MONTHS[self]

    @property
    def days(self) -> int:
        """Days per period for week-based frequencies, 0 for the others."""
        return _DAYS[self]


_PERIODS_PER_YEAR = {
    Frequency.WEEKLY: 52, Frequency.BIWEEKLY: 26, Frequency.SEMIMONTHLY: 24, Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4, Frequency.SEMIANNUAL: 2, Frequency.ANNUAL: 1,
}
_MONTHS = {
    Frequency.WEEKLY: 0, Frequency.BIWEEKLY: 0, Frequency.SEMIMONTHLY: 0, Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3, Frequency.SEMIANNUAL: 6, Frequency.ANNUAL: 12,
}
_DAYS = {
    Frequency.WEEKLY: 7, Frequency.BIWEEKLY: 14, Frequency.SEMIMONTHLY: 0, Frequency.MONTHLY: 0,
    Frequency.QUARTERLY: 0, Frequency.SEMIANNUAL: 0, Frequency.ANNUAL: 0,
}

_SEMIMONTH_DAYS = 15


def parse_frequency(text: str) -> Frequency:
    """Parse ``"monthly"``, ``"MONTHLY"``, ``"twice-monthly"`` and the other names."""
    normalized = ""
    if isinstance(text, str):
        normalized = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    aliases = {"twicemonthly": Frequency.SEMIMONTHLY, "fortnightly": Frequency.BIWEEKLY, "yearly": Frequency.ANNUAL}
    for member in Frequency:
        if normalized == member.value:
            return member
    if normalized in aliases:
        return aliases[normalized]
    raise InvalidInputError(
        "frequency", text, "unknown payment frequency",
        "Pass one of: " + ", ".join(member.value for member in Frequency) + ".",
    )


def _check_frequency(frequency: object) -> Frequency:
    if not isinstance(frequency, Frequency):
        raise InvalidTypeError(
            "frequency", frequency, "expected a Frequency member", "Pass Frequency.MONTHLY or another member."
        )
    return frequency


def date_after(anchor: date, periods: int, frequency: Frequency, *, end_of_month_rule: bool = True) -> date:
    """Return the date ``periods`` periods after ``anchor`` (negative: before it).

    With ``end_of_month_rule`` an anchor on the last day of its month keeps month-end
    dates (30 April, 31 May, 30 June) for month-based frequencies.
    """
    frequency = _check_frequency(frequency)
    if frequency.days:
        return anchor + timedelta(days=frequency.days * periods)
    if frequency is Frequency.SEMIMONTHLY:
        months, half = divmod(periods, 2)
        base = add_months(anchor, months, end_of_month_rule=end_of_month_rule)
        return base + timedelta(days=_SEMIMONTH_DAYS * half)
    return add_months(anchor, frequency.months * periods, end_of_month_rule=end_of_month_rule)


def due_dates(
    start: date, count: int, frequency: Frequency, *, first_due: date | None = None
) -> list[date]:
    """Return ``count`` unadjusted due dates.

    Without ``first_due`` the dates are one, two, ... periods after ``start``. With it,
    the first date is ``first_due`` (an odd first period, short or long) and the others
    follow it at regular periods, anchored on ``first_due``.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidInputError("instalments", count, "need at least one instalment", "Pass a count of 1 or more.")
    if first_due is None:
        anchor_eom = is_end_of_month(start)
        return [date_after(start, k, frequency, end_of_month_rule=anchor_eom) for k in range(1, count + 1)]
    if first_due <= start:
        raise InvalidInputError(
            "first_due_date", first_due.isoformat(), f"must be after the start date {start.isoformat()}",
            "Pass a first due date after the start date.",
        )
    anchor_eom = is_end_of_month(first_due)
    return [date_after(first_due, k, frequency, end_of_month_rule=anchor_eom) for k in range(count)]


def unit_periods_between(start: date, end: date, frequency: Frequency) -> tuple[int, Fraction]:
    """Return the whole unit periods and the fraction of one from ``start`` to ``end``.

    Whole periods are counted back from ``end`` (Regulation Z, Appendix J, paragraph
    (b)(5)). The remaining days are divided by 30 times the months of a month-based
    period, by 15 for a semimonth and by the period's days for a week-based one. Months
    are measured between month ends when ``end`` is the last day of its month.
    """
    frequency = _check_frequency(frequency)
    if end < start:
        raise InvalidInputError(
            "end", end.isoformat(), f"is before the start {start.isoformat()}", "Pass the earlier date first."
        )
    if frequency.days:
        whole, days = divmod((end - start).days, frequency.days)
        return whole, Fraction(days, frequency.days)

    months_per_unit = frequency.months if frequency.months else 1
    month_end = is_end_of_month(end)

    def fits(months: int) -> bool:
        return add_months(end, -months, end_of_month_rule=month_end) >= start

    # Start from the calendar-month difference and correct it by whole units.
    whole_months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    whole_months -= whole_months % months_per_unit
    while whole_months > 0 and not fits(whole_months):
        whole_months -= months_per_unit
    while fits(whole_months + months_per_unit):
        whole_months += months_per_unit
    boundary = add_months(end, -whole_months, end_of_month_rule=month_end)
    days = (boundary - start).days
    if frequency is Frequency.SEMIMONTHLY:
        whole = 2 * whole_months
        if days >= _SEMIMONTH_DAYS:
            whole += 1
            days -= _SEMIMONTH_DAYS
        return whole, Fraction(days, _SEMIMONTH_DAYS)
    return whole_months // months_per_unit, Fraction(days, 30 * months_per_unit)


# Mean length in days of each standard unit, shortest first, for the rounding rule below.
_MEAN_DAYS: dict[Frequency, Fraction] = {
    Frequency.WEEKLY: Fraction(7),
    Frequency.BIWEEKLY: Fraction(14),
    Frequency.SEMIMONTHLY: Fraction(365, 24),
    Frequency.MONTHLY: Fraction(365, 12),
    Frequency.QUARTERLY: Fraction(365, 4),
    Frequency.SEMIANNUAL: Fraction(365, 2),
    Frequency.ANNUAL: Fraction(365),
}


def _spans_one(start: date, end: date, frequency: Frequency) -> bool:
    """Return whether ``end`` is exactly one ``frequency`` period after ``start``."""
    if frequency is Frequency.SEMIMONTHLY:
        # The first half of a month is 15 days; the second ends on the next month's day.
        return (end - start).days == _SEMIMONTH_DAYS or add_months(start - timedelta(days=_SEMIMONTH_DAYS), 1) == end
    return date_after(start, 1, frequency, end_of_month_rule=is_end_of_month(start)) == end


def most_common_period(dates: Sequence[date]) -> Frequency:
    """Return the unit period of a transaction with these advance and payment dates.

    Regulation Z, Appendix J, paragraph (b)(4): the periods are the intervals between
    consecutive distinct dates. The unit period is the standard period that occurs most
    often among them, the shorter one on a tie. When no interval is exactly one standard
    period, it is the standard period nearest to the mean interval, the shorter one
    midway. A transaction with one advance and one payment has one interval, its term.

    Only the standard periods of :class:`Frequency` are candidates, weekly to annual.
    """
    distinct = sorted(set(dates))
    if len(distinct) < 2:
        raise InvalidInputError(
            "dates", [d.isoformat() for d in distinct], "a unit period needs at least two distinct dates",
            "Pass the advance dates and the payment dates.",
        )
    intervals = list(pairwise(distinct))
    counts = {
        frequency: sum(_spans_one(start, end, frequency) for start, end in intervals) for frequency in _MEAN_DAYS
    }
    best = max(counts.values())
    if best:
        return next(frequency for frequency, count in counts.items() if count == best)

    # TODO: Appendix J makes the term of a one-advance, one-payment transaction its unit
    # period, such as 45 days. Such a term gets the nearest standard period here.
    mean = Fraction((distinct[-1] - distinct[0]).days, len(intervals))
    return min(_MEAN_DAYS, key=lambda frequency: (abs(_MEAN_DAYS[frequency] - mean), _MEAN_DAYS[frequency]))


def roll_dates(
    dates: Sequence[date],
    calendar: BusinessCalendar | None,
    convention: BusinessDayConvention,
    *,
    keep_month_end: bool = False,
    field: str = "business_day_convention",
) -> list[date]:
    """Move each date to a business day and keep the dates distinct and in order.

    A convention other than ``UNADJUSTED`` needs a calendar. With ``keep_month_end``, a
    date on the last day of its month rolls with the modified convention so that it
    stays in its month (end-of-month intent). When two dates would land on the same day
    (or out of order), the later one moves to the next business day after the earlier.
    """
    if not isinstance(convention, BusinessDayConvention):
        raise InvalidTypeError(
            field, convention, "expected a BusinessDayConvention member",
            "Pass BusinessDayConvention.FOLLOWING or another member.",
        )
    if convention is BusinessDayConvention.UNADJUSTED:
        return list(dates)
    if calendar is None:
        raise InvalidInputError(
            field, convention.value, "a business-day adjustment needs a calendar",
            "Pass a BusinessCalendar, or use BusinessDayConvention.UNADJUSTED.",
        )
    rolled: list[date] = []
    for day in dates:
        effective = convention
        if keep_month_end and is_end_of_month(day):
            if convention is BusinessDayConvention.FOLLOWING:
                effective = BusinessDayConvention.MODIFIED_FOLLOWING
            elif convention is BusinessDayConvention.PRECEDING:
                effective = BusinessDayConvention.MODIFIED_PRECEDING
        moved = calendar.adjust(day, effective)
        if rolled and moved <= rolled[-1]:
            moved = calendar.add_business_days(rolled[-1], 1)
        rolled.append(moved)
    return rolled
