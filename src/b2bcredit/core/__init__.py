"""Value types and pure arithmetic: money, currencies, rates, day counts, business-day calendars, the clock and the exception hierarchy."""
