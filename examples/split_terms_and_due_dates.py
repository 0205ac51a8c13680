"""Split an invoice into 30/60/90-day parts and roll the due dates to German business days.

Run: python examples/split_terms_and_due_dates.py
"""

from __future__ import annotations

from datetime import date, timedelta

from b2bcredit import Money, RemainderPlacement
from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.daycount import DayCount, year_fraction


def main() -> None:
    """Print each part's amount, nominal due date and rolled due date."""
    invoice_total = Money("10000.00", "EUR")
    invoice_date = date(2026, 11, 27)
    germany = BusinessCalendar.for_country("DE")

    parts = invoice_total.allocate(3, RemainderPlacement.LAST)
    for days, part in zip((30, 60, 90), parts, strict=True):
        nominal = invoice_date + timedelta(days=days)
        due = germany.adjust(nominal, BusinessDayConvention.FOLLOWING)
        years = year_fraction(invoice_date, due, DayCount.ACT_365_FIXED)
        print(f"net {days:>2}: {part}  due {nominal} -> {due} ({float(years):.4f} years)")

    print(f"parts sum to {Money.sum(parts, 'EUR')}")


if __name__ == "__main__":
    main()
