"""Value types and pure arithmetic: money, currencies, rates, day counts, business-day
calendars, the clock and the exception hierarchy."""

from b2bcredit.core.calendar import (
    WEEKDAYS_ONLY,
    BusinessCalendar,
    BusinessDayConvention,
    add_months,
)
from b2bcredit.core.clock import Clock, FixedClock, SystemClock
from b2bcredit.core.currency import Currency, get_currency
from b2bcredit.core.daycount import DayCount, day_count, year_fraction
from b2bcredit.core.money import Money, RemainderPlacement, Rounding

__all__ = [
    "WEEKDAYS_ONLY",
    "BusinessCalendar",
    "BusinessDayConvention",
    "Clock",
    "Currency",
    "DayCount",
    "FixedClock",
    "Money",
    "RemainderPlacement",
    "Rounding",
    "SystemClock",
    "add_months",
    "day_count",
    "get_currency",
    "year_fraction",
]
