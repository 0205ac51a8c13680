"""Day-count conventions: the days between two dates and the year fraction they make.

Each convention is a named value, never implied. Year fractions are exact
``fractions.Fraction`` values, so no rounding happens before the caller decides. The
definitions follow the 2006 ISDA Definitions, section 4.16. 30/360 US follows the
Securities Industry Association's Standard Securities Calculation Methods.

Example:
    >>> from datetime import date
    >>> fraction = year_fraction(date(2003, 11, 1), date(2004, 5, 1), DayCount.ACT_ACT_ISDA)
    >>> fraction == Fraction(61, 365) + Fraction(121, 366)
    True
    >>> round(float(fraction), 12)
    0.497724380567
"""

from __future__ import annotations

import calendar
import enum
from datetime import date
from fractions import Fraction

from b2bcredit.core.errors import InvalidInputError, InvalidTypeError

__all__ = ["DayCount", "day_count", "parse_day_count", "year_fraction"]


class DayCount(enum.Enum):
    """A day-count convention."""

    ACT_360 = "ACT/360"  # actual days over 360 (money markets)
    ACT_365_FIXED = "ACT/365F"  # actual days over 365, leap years included
    ACT_ACT_ISDA = "ACT/ACT ISDA"  # days in leap years over 366, the others over 365
    THIRTY_360_US = "30/360 US"  # SIA rule: 30/360 with February month ends counted as 30
    THIRTY_360_BOND_BASIS = "30/360 BOND"  # ISDA 4.16(f): D2 becomes 30 only when D1 is 30
    THIRTY_E_360 = "30E/360"  # Eurobond basis: any 31st becomes 30
    THIRTY_E_360_ISDA = "30E/360 ISDA"  # month ends, February's included, become 30


def _is_last_day_of_february(day: date) -> bool:
    return day.month == 2 and day.day == calendar.monthrange(day.year, 2)[1]


def _is_last_day_of_month(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _thirty_360_days(start: date, end: date, d1: int, d2: int) -> int:
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def _check_dates(start: date, end: date) -> None:
    for field, value in (("start", start), ("end", end)):
        # datetime is a subclass of date; a time of day has no place in a day count.
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise InvalidTypeError(field, value, "expected a datetime.date", "Pass a date such as date(2024, 1, 31).")


def day_count(
    start: date, end: date, convention: DayCount, *, maturity: date | None = None
) -> int:
    """Count the days from ``start`` to ``end`` under ``convention``.

    ``end`` before ``start`` gives a negative count. ``maturity`` matters only for
    30E/360 ISDA, where the last day of February is not moved to 30 when it is the
    maturity date.
    """
    _check_dates(start, end)
    if convention in (DayCount.ACT_360, DayCount.ACT_365_FIXED, DayCount.ACT_ACT_ISDA):
        return (end - start).days

    d1, d2 = start.day, end.day
    if convention is DayCount.THIRTY_360_US:
        # SIA order: the February rules first, then the 31st rules.
        if _is_last_day_of_february(start) and _is_last_day_of_february(end):
            d2 = 30
        if _is_last_day_of_february(start):
            d1 = 30
        if d2 == 31 and d1 >= 30:
            d2 = 30
        if d1 == 31:
            d1 = 30
    elif convention is DayCount.THIRTY_360_BOND_BASIS:
        if d1 == 31:
            d1 = 30
        if d2 == 31 and d1 == 30:
            d2 = 30
    elif convention is DayCount.THIRTY_E_360:
        d1 = min(d1, 30)
        d2 = min(d2, 30)
    elif convention is DayCount.THIRTY_E_360_ISDA:
        if _is_last_day_of_month(start):
            d1 = 30
        if _is_last_day_of_month(end) and not (end == maturity and end.month == 2):
            d2 = 30
    else:
        raise InvalidTypeError(
            "convention", convention, "expected a DayCount member", "Pass DayCount.ACT_365_FIXED or another member."
        )
    return _thirty_360_days(start, end, d1, d2)


def year_fraction(
    start: date, end: date, convention: DayCount, *, maturity: date | None = None
) -> Fraction:
    """Return the exact fraction of a year from ``start`` to ``end`` under ``convention``.

    Actual/Actual ISDA splits the period at each 1 January: the days falling in a leap
    year count 1/366 each and the others 1/365 each. The 30/360 family and ACT/360
    divide by 360; ACT/365 Fixed divides by 365.
    """
    days = day_count(start, end, convention, maturity=maturity)
    if convention is DayCount.ACT_365_FIXED:
        return Fraction(days, 365)
    if convention is not DayCount.ACT_ACT_ISDA:
        return Fraction(days, 360)

    if end < start:
        return -year_fraction(end, start, convention)
    if start.year == end.year:
        return Fraction(days, _days_in_year(start.year))

    # The first year's share, the whole years between, and the last year's share. The
    # last share counts from 1 January of the end year, so no date past 9999 is built.
    first_share = Fraction(_days_in_year(start.year) - start.timetuple().tm_yday + 1, _days_in_year(start.year))
    last_share = Fraction(end.timetuple().tm_yday - 1, _days_in_year(end.year))
    return first_share + (end.year - start.year - 1) + last_share


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def parse_day_count(text: str) -> DayCount:
    """Parse a convention name such as ``"ACT/360"``, ``"30E/360"`` or ``"ACT_365_FIXED"``."""
    normalized = text.strip().upper().replace(" ", "_") if isinstance(text, str) else ""
    for member in DayCount:
        if normalized in (member.name, member.value.replace(" ", "_")):
            return member
    raise InvalidInputError(
        "day_count", text, "unknown day-count convention",
        "Pass one of: " + ", ".join(member.value for member in DayCount) + ".",
    )
