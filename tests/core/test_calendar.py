"""Business-day calendars, rolls and anchored month arithmetic."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.calendar import (
    WEEKDAYS_ONLY,
    BusinessCalendar,
    BusinessDayConvention,
    add_months,
    end_of_month,
    is_end_of_month,
)
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError

Convention = BusinessDayConvention


def test_anchored_monthly_schedule_does_not_drift() -> None:
    dates = WEEKDAYS_ONLY.monthly_schedule(date(2013, 1, 31), 3)
    assert dates == [date(2013, 2, 28), date(2013, 3, 31), date(2013, 4, 30)]


def test_anchored_schedule_through_leap_february() -> None:
    dates = [add_months(date(2024, 1, 31), k) for k in range(1, 4)]
    assert dates == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_modified_following_end_of_month_rule() -> None:
    # 2022-04-29 is a Friday and April's last business day (the 30th is a Saturday).
    result = WEEKDAYS_ONLY.add_months(date(2022, 4, 29), 1, Convention.MODIFIED_FOLLOWING, end_of_month_rule=True)
    assert result == date(2022, 5, 31)


def test_without_end_of_month_rule_day_is_kept() -> None:
    result = WEEKDAYS_ONLY.add_months(date(2022, 4, 29), 1, Convention.MODIFIED_FOLLOWING)
    assert result == date(2022, 5, 30)


def test_end_of_month_rule_on_calendar_month_end() -> None:
    assert add_months(date(2023, 4, 30), 1, end_of_month_rule=True) == date(2023, 5, 31)
    assert add_months(date(2023, 4, 30), 1) == date(2023, 5, 30)
    assert add_months(date(2024, 2, 29), 12, end_of_month_rule=True) == date(2025, 2, 28)


# 2022-07-30 is a Saturday, 2022-07-31 a Sunday; 2022-10-01 a Saturday.
@pytest.mark.parametrize(
    ("day", "convention", "expected"),
    [
        (date(2022, 7, 30), Convention.FOLLOWING, date(2022, 8, 1)),
        (date(2022, 7, 30), Convention.MODIFIED_FOLLOWING, date(2022, 7, 29)),
        (date(2022, 7, 30), Convention.PRECEDING, date(2022, 7, 29)),
        (date(2022, 10, 1), Convention.PRECEDING, date(2022, 9, 30)),
        (date(2022, 10, 1), Convention.MODIFIED_PRECEDING, date(2022, 10, 3)),
        (date(2022, 7, 30), Convention.UNADJUSTED, date(2022, 7, 30)),
        (date(2022, 7, 29), Convention.FOLLOWING, date(2022, 7, 29)),
    ],
)
def test_rolls(day: date, convention: BusinessDayConvention, expected: date) -> None:
    assert WEEKDAYS_ONLY.adjust(day, convention) == expected


def test_country_holidays() -> None:
    germany = BusinessCalendar.for_country("DE")
    assert not germany.is_business_day(date(2024, 12, 25))
    assert not germany.is_business_day(date(2024, 12, 26))
    assert germany.add_business_days(date(2024, 12, 24), 1) == date(2024, 12, 27)
    assert germany.adjust(date(2024, 12, 25), Convention.FOLLOWING) == date(2024, 12, 27)


def test_us_independence_day_observed() -> None:
    # 4 July 2026 is a Saturday; the federal holiday is observed on Friday 3 July.
    united_states = BusinessCalendar.for_country("US")
    assert not united_states.is_business_day(date(2026, 7, 3))


def test_custom_holidays_and_weekend() -> None:
    gulf = BusinessCalendar(name="gulf", weekend=frozenset({4, 5}), holidays=frozenset({date(2024, 1, 7)}))
    assert not gulf.is_business_day(date(2024, 1, 5))  # Friday
    assert gulf.is_business_day(date(2024, 1, 7)) is False  # a Sunday, listed as a holiday
    assert gulf.is_business_day(date(2024, 1, 8))


def test_add_business_days_conventions() -> None:
    saturday = date(2024, 6, 1)
    assert WEEKDAYS_ONLY.add_business_days(saturday, 1) == date(2024, 6, 3)
    assert WEEKDAYS_ONLY.add_business_days(saturday, 0) == date(2024, 6, 3)
    assert WEEKDAYS_ONLY.add_business_days(date(2024, 6, 7), 1) == date(2024, 6, 10)
    assert WEEKDAYS_ONLY.add_business_days(date(2024, 6, 10), -1) == date(2024, 6, 7)
    assert WEEKDAYS_ONLY.add_business_days(date(2024, 6, 3), 10) == date(2024, 6, 17)


def test_business_days_between() -> None:
    assert WEEKDAYS_ONLY.business_days_between(date(2024, 6, 3), date(2024, 6, 10)) == 5
    assert WEEKDAYS_ONLY.business_days_between(date(2024, 6, 10), date(2024, 6, 3)) == -5


def test_calendar_value_equality() -> None:
    assert BusinessCalendar.for_country("DE") == BusinessCalendar.for_country("DE")
    assert BusinessCalendar.for_country("DE") != BusinessCalendar.for_country("FR")


def test_unknown_country_rejected() -> None:
    with pytest.raises(InvalidInputError, match="XX"):
        BusinessCalendar.for_country("XX")


def test_bad_weekend_rejected() -> None:
    with pytest.raises(InvalidInputError, match="weekend"):
        BusinessCalendar(weekend=frozenset({7}))
    with pytest.raises(InvalidInputError):
        BusinessCalendar(weekend=frozenset(range(7)))


def test_bad_arguments_rejected() -> None:
    with pytest.raises(InvalidTypeError):
        add_months(date(2024, 1, 31), 1.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        WEEKDAYS_ONLY.monthly_schedule(date(2024, 1, 31), 3, every=0)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(list(Convention)))
def test_rolled_day_is_business_day(day: date, convention: BusinessDayConvention) -> None:
    rolled = WEEKDAYS_ONLY.adjust(day, convention)
    if convention is Convention.UNADJUSTED:
        assert rolled == day
        return
    assert WEEKDAYS_ONLY.is_business_day(rolled)
    assert abs((rolled - day).days) <= 3
    if convention in (Convention.MODIFIED_FOLLOWING, Convention.MODIFIED_PRECEDING):
        assert rolled.month == day.month


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=1, max_value=120),
)
def test_anchored_months_never_drift(anchor: date, count: int) -> None:
    result = add_months(anchor, count)
    assert (result.year * 12 + result.month) - (anchor.year * 12 + anchor.month) == count
    assert result.day == anchor.day or is_end_of_month(result)


@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.integers(min_value=-2400, max_value=2400),
    st.booleans(),
)
def test_add_months_matches_relativedelta(anchor: date, months: int, end_of_month_rule: bool) -> None:
    """Month arithmetic gives dateutil's dates, with the end-of-month rule on top."""
    try:
        expected = anchor + relativedelta(months=months)
    except ValueError:
        with pytest.raises(ValueError, match="out of range"):
            add_months(anchor, months, end_of_month_rule=end_of_month_rule)
        return
    if end_of_month_rule and is_end_of_month(anchor):
        expected = end_of_month(expected)
    assert add_months(anchor, months, end_of_month_rule=end_of_month_rule) == expected
