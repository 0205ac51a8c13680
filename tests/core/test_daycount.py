"""Day-count conventions against published reference values."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.daycount import DayCount, day_count, parse_day_count, year_fraction
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError

# The period splits at 1 January 2004: 61 days of 2003 over 365 plus 121 days of the
# leap year 2004 over 366 (2006 ISDA Definitions, section 4.16(b)).
ACT_ACT_ISDA_REFERENCE = "0.497724380567"


def test_act_act_isda_reference() -> None:
    fraction = year_fraction(date(2003, 11, 1), date(2004, 5, 1), DayCount.ACT_ACT_ISDA)
    assert fraction == Fraction(61, 365) + Fraction(121, 366)
    assert f"{float(fraction):.12f}" == ACT_ACT_ISDA_REFERENCE


# Each count is 360 * years + 30 * months + (D2 - D1) after the convention moves D1 and D2.
THIRTY_360_REFERENCE = [
    # 360 - 300 + (29 - 28): neither day moves.
    (date(2007, 12, 28), date(2008, 2, 29), DayCount.THIRTY_360_US, 61),
    (date(2007, 12, 28), date(2008, 2, 29), DayCount.THIRTY_E_360, 61),
    # 30E/360 ISDA moves the last day of February to 30: 360 - 300 + (30 - 28).
    (date(2007, 12, 28), date(2008, 2, 29), DayCount.THIRTY_E_360_ISDA, 62),
    # 30/360 US keeps D2 = 31 because D1 = 1 is below 30: 360 + 90 + 30.
    (date(2008, 2, 1), date(2009, 5, 31), DayCount.THIRTY_360_US, 480),
    # 30E/360 moves every 31st to 30: 360 + 90 + 29.
    (date(2008, 2, 1), date(2009, 5, 31), DayCount.THIRTY_E_360, 479),
    (date(2008, 2, 1), date(2009, 5, 31), DayCount.THIRTY_360_BOND_BASIS, 480),
    (date(2008, 2, 1), date(2009, 5, 31), DayCount.THIRTY_E_360_ISDA, 479),
]


@pytest.mark.parametrize(("start", "end", "convention", "expected"), THIRTY_360_REFERENCE)
def test_thirty_360_reference(start: date, end: date, convention: DayCount, expected: int) -> None:
    assert day_count(start, end, convention) == expected
    assert year_fraction(start, end, convention) == Fraction(expected, 360)


def test_thirty_360_us_february_end_rule() -> None:
    # SIA rule: from the last day of February, both ends count as the 30th.
    assert day_count(date(2007, 2, 28), date(2008, 2, 29), DayCount.THIRTY_360_US) == 360
    assert day_count(date(2007, 2, 28), date(2007, 3, 31), DayCount.THIRTY_360_US) == 30
    # Bond basis has no February rule.
    assert day_count(date(2007, 2, 28), date(2007, 3, 31), DayCount.THIRTY_360_BOND_BASIS) == 33


def test_thirty_e_360_isda_maturity_february() -> None:
    start, end = date(2008, 1, 31), date(2008, 2, 29)
    assert day_count(start, end, DayCount.THIRTY_E_360_ISDA) == 30
    assert day_count(start, end, DayCount.THIRTY_E_360_ISDA, maturity=end) == 29


@pytest.mark.parametrize(
    ("convention", "expected"),
    [(DayCount.ACT_360, Fraction(182, 360)), (DayCount.ACT_365_FIXED, Fraction(182, 365))],
)
def test_actual_conventions(convention: DayCount, expected: Fraction) -> None:
    assert year_fraction(date(2024, 1, 1), date(2024, 7, 1), convention) == expected


def test_act_act_isda_full_years() -> None:
    assert year_fraction(date(2023, 1, 1), date(2025, 1, 1), DayCount.ACT_ACT_ISDA) == 2
    assert year_fraction(date(2024, 1, 1), date(2024, 12, 31), DayCount.ACT_ACT_ISDA) == Fraction(365, 366)


@given(st.dates(), st.dates(), st.sampled_from(list(DayCount)))
def test_reversed_period_negates(start: date, end: date, convention: DayCount) -> None:
    if convention in (DayCount.ACT_360, DayCount.ACT_365_FIXED, DayCount.ACT_ACT_ISDA):
        assert year_fraction(start, end, convention) == -year_fraction(end, start, convention)
    assert day_count(start, start, convention) == 0


@given(st.dates(), st.dates(), st.dates())
def test_act_act_isda_is_additive(first: date, second: date, third: date) -> None:
    a, b, c = sorted([first, second, third])
    whole = year_fraction(a, c, DayCount.ACT_ACT_ISDA)
    assert whole == year_fraction(a, b, DayCount.ACT_ACT_ISDA) + year_fraction(b, c, DayCount.ACT_ACT_ISDA)


def test_datetime_rejected() -> None:
    with pytest.raises(InvalidTypeError):
        day_count(datetime(2024, 1, 1), date(2024, 2, 1), DayCount.ACT_360)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ACT/360", DayCount.ACT_360), ("30e/360", DayCount.THIRTY_E_360), ("act_365_fixed", DayCount.ACT_365_FIXED)],
)
def test_parse_day_count(text: str, expected: DayCount) -> None:
    assert parse_day_count(text) is expected


def test_parse_unknown_lists_choices() -> None:
    with pytest.raises(InvalidInputError, match="ACT/360"):
        parse_day_count("ACT/999")


def test_act_act_isda_at_calendar_limits() -> None:
    fraction = year_fraction(date(1, 1, 1), date(9999, 12, 31), DayCount.ACT_ACT_ISDA)
    assert fraction == 9998 + Fraction(364, 365)
