"""The unit period of Regulation Z, Appendix J, paragraph (b)(4), derived from flow dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from b2bcredit.core.calendar import add_months
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.terms.apr import regulation_z_apr
from b2bcredit.terms.periods import Frequency, most_common_period


@pytest.mark.parametrize(
    ("dates", "unit"),
    [
        # An odd first period, 10 January to 1 April, then monthly payments.
        pytest.param(
            [date(1978, 1, 10)] + [add_months(date(1978, 4, 1), k) for k in range(24)], Frequency.MONTHLY,
            id="odd-first-period-then-monthly",
        ),
        pytest.param([date(2024, 1, 1) + timedelta(weeks=k) for k in range(10)], Frequency.WEEKLY, id="weekly"),
        pytest.param([date(2024, 1, 1) + timedelta(weeks=2 * k) for k in range(5)], Frequency.BIWEEKLY, id="biweekly"),
        pytest.param(
            [date(2024, 1, 1), date(2024, 1, 16), date(2024, 2, 1), date(2024, 2, 16)], Frequency.SEMIMONTHLY,
            id="semimonthly",
        ),
        pytest.param(
            [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)], Frequency.MONTHLY,
            id="month-ends",
        ),
        # One month and one quarter occur once each: the shorter one wins the tie.
        pytest.param([date(2024, 1, 1), date(2024, 2, 1), date(2024, 5, 1)], Frequency.MONTHLY, id="tie-to-shorter"),
        # No standard interval; the mean of 40 and 50 days is nearest a month.
        pytest.param([date(2024, 1, 1), date(2024, 2, 10), date(2024, 3, 31)], Frequency.MONTHLY, id="mean-45-days"),
        # Mean 10.5 days, midway between a week and two weeks: the shorter one.
        pytest.param([date(2024, 1, 1), date(2024, 1, 11), date(2024, 1, 22)], Frequency.WEEKLY, id="midway"),
        pytest.param([date(2024, 1, 15), date(2025, 1, 15)], Frequency.ANNUAL, id="single-payment-year"),
    ],
)
def test_most_common_period(dates: list[date], unit: Frequency) -> None:
    assert most_common_period(dates) is unit


def test_most_common_period_needs_two_dates() -> None:
    with pytest.raises(InvalidInputError, match="dates: a unit period needs at least two distinct dates"):
        most_common_period([date(2024, 1, 1), date(2024, 1, 1)])


def test_apr_derives_weekly_unit_period() -> None:
    """26 weekly payments: the unit period is a week without the caller naming it."""
    start = date(2024, 1, 1)
    payments = [(start + timedelta(weeks=k), "40.00") for k in range(1, 27)]
    derived = regulation_z_apr([(start, "1000.00")], payments)
    named = regulation_z_apr([(start, "1000.00")], payments, unit_period=Frequency.WEEKLY)
    assert derived.unit_period is Frequency.WEEKLY
    assert derived.periods_per_year == 52
    assert derived == named


def test_named_unit_period_is_kept() -> None:
    start = date(2024, 1, 1)
    payments = [(start + timedelta(weeks=k), "40.00") for k in range(1, 27)]
    result = regulation_z_apr([(start, "1000.00")], payments, unit_period=Frequency.MONTHLY)
    assert result.unit_period is Frequency.MONTHLY
