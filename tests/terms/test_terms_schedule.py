"""Schedule features: methods, interest bases, odd periods, grace, fees, rolls, errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import numpy as np
import pytest

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.daycount import DayCount
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.terms.amortization import AmortizationMethod, GraceInterest, annuity_factor
from b2bcredit.terms.periods import Frequency, due_dates, unit_periods_between
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy
from b2bcredit.terms.schedule import (
    InterestBasis,
    OddFirstPeriod,
    ScheduleSpec,
    build_schedule,
    build_schedules,
    check_schedule,
)

EUR = "EUR"
START = date(2024, 1, 15)


def _spec(**changes: object) -> ScheduleSpec:
    base: dict[str, object] = {
        "amount": Money("1200.00", EUR), "annual_rate": "0.12", "instalments": 6, "start_date": START,
    }
    base.update(changes)
    return ScheduleSpec(**base)  # type: ignore[arg-type]


class TestDueDates:
    def test_monthly_from_month_end_does_not_drift(self) -> None:
        """A schedule from 31 January keeps month ends: 29 Feb, 31 Mar, 30 Apr."""
        dates = due_dates(date(2024, 1, 31), 3, Frequency.MONTHLY)
        assert dates == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]

    def test_from_the_30th_clips_in_february(self) -> None:
        """From 30 January: 29 Feb, then back to the 30th."""
        assert due_dates(date(2024, 1, 30), 2, Frequency.MONTHLY) == [date(2024, 2, 29), date(2024, 3, 30)]

    @pytest.mark.parametrize(
        ("frequency", "expected"),
        [
            (Frequency.WEEKLY, [date(2024, 1, 22), date(2024, 1, 29)]),
            (Frequency.BIWEEKLY, [date(2024, 1, 29), date(2024, 2, 12)]),
            (Frequency.SEMIMONTHLY, [date(2024, 1, 30), date(2024, 2, 15)]),
            (Frequency.QUARTERLY, [date(2024, 4, 15), date(2024, 7, 15)]),
            (Frequency.SEMIANNUAL, [date(2024, 7, 15), date(2025, 1, 15)]),
            (Frequency.ANNUAL, [date(2025, 1, 15), date(2026, 1, 15)]),
        ],
    )
    def test_frequencies(self, frequency: Frequency, expected: list[date]) -> None:
        """Each frequency steps from the anchor by its period."""
        assert due_dates(START, 2, frequency) == expected

    def test_first_due_anchors_the_rest(self) -> None:
        """An odd first due date anchors the following dates."""
        assert due_dates(START, 3, Frequency.MONTHLY, first_due=date(2024, 3, 1)) == [
            date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1),
        ]

    def test_first_due_must_follow_start(self) -> None:
        """A first due date on or before the start is rejected."""
        with pytest.raises(InvalidInputError, match="first_due_date"):
            due_dates(START, 3, Frequency.MONTHLY, first_due=START)

    def test_unit_periods_counted_back(self) -> None:
        """Regulation Z counting: 10 Feb to 1 Apr is 1 month and 19/30."""
        whole, fraction = unit_periods_between(date(1978, 2, 10), date(1978, 4, 1), Frequency.MONTHLY)
        assert (whole, fraction) == (1, pytest.approx(19 / 30))

    def test_unit_periods_weekly_and_semimonthly(self) -> None:
        """Week-based periods divide days by 7; a semimonth has 15 days."""
        assert unit_periods_between(date(2024, 1, 1), date(2024, 1, 18), Frequency.WEEKLY)[0] == 2
        whole, fraction = unit_periods_between(date(2024, 1, 1), date(2024, 2, 20), Frequency.SEMIMONTHLY)
        assert whole == 3
        assert fraction * 15 == 4


class TestMethods:
    def test_annuity_payments_are_level(self) -> None:
        """All annuity instalments but the last are equal."""
        schedule = build_schedule(_spec())
        check_schedule(schedule)
        assert len({row.payment for row in schedule.instalments[:-1]}) == 1

    def test_zero_rate_is_principal_over_n(self) -> None:
        """At 0 % each instalment is the amount over n, exactly."""
        schedule = build_schedule(_spec(annual_rate="0"))
        assert {row.payment.amount for row in schedule.instalments} == {Decimal("200.00")}
        assert schedule.totals.interest.is_zero()

    def test_annuity_factor_zero_rate(self) -> None:
        """The annuity factor at zero rates is exactly 1/n."""
        from fractions import Fraction

        assert annuity_factor([Fraction(0)] * 4) == Fraction(1, 4)

    def test_equal_principal_interest_falls(self) -> None:
        """Equal principal: level principal, falling interest."""
        schedule = build_schedule(_spec(method=AmortizationMethod.EQUAL_PRINCIPAL))
        interest = [row.interest.amount for row in schedule.instalments]
        assert interest == sorted(interest, reverse=True)
        assert {row.principal.amount for row in schedule.instalments} == {Decimal("200.00")}

    def test_flat_interest_is_even(self) -> None:
        """Flat: 1,200.00 at 12 % flat over 6 months is 72.00, 12.00 a month."""
        schedule = build_schedule(_spec(method=AmortizationMethod.FLAT))
        assert {row.interest.amount for row in schedule.instalments} == {Decimal("12.00")}

    def test_residual_first_for_equal_principal(self) -> None:
        """With the residual first, the first principal part takes the odd cents."""
        schedule = build_schedule(_spec(
            amount=Money("1000.00", EUR), instalments=3, method=AmortizationMethod.EQUAL_PRINCIPAL,
            rounding=RoundingPolicy(residual=ResidualPlacement.FIRST),
        ))
        assert [row.principal.amount for row in schedule.instalments] == [
            Decimal("333.34"), Decimal("333.33"), Decimal("333.33"),
        ]

    def test_residual_first_for_annuity_keeps_later_payments_level(self) -> None:
        """With the residual first, instalments 2..n of an annuity are level."""
        schedule = build_schedule(_spec(
            amount=Money("5000.00", EUR), instalments=18,
            rounding=RoundingPolicy(instalment_multiple="1", residual=ResidualPlacement.FIRST),
        ))
        check_schedule(schedule)
        assert {row.payment.amount for row in schedule.instalments[1:]} == {Decimal("305.00")}
        assert schedule.instalments[0].payment.amount == Decimal("303.52")

    def test_rounding_mode_changes_payment(self) -> None:
        """Rounding the payment down instead of to nearest moves the residual to the last."""
        up = build_schedule(_spec(rounding=RoundingPolicy(mode=Rounding.UP)))
        down = build_schedule(_spec(rounding=RoundingPolicy(mode=Rounding.DOWN)))
        assert up.instalments[0].payment > down.instalments[0].payment
        assert up.totals.principal == down.totals.principal

    def test_whole_unit_multiple(self) -> None:
        """Instalments rounded to whole units, except the settling last one."""
        schedule = build_schedule(_spec(rounding=RoundingPolicy(instalment_multiple="1")))
        assert all(row.payment.amount == row.payment.amount.to_integral_value() for row in schedule.instalments[:-1])

    def test_coarse_multiple_raises(self) -> None:
        """A multiple far above the loan cannot give a valid schedule."""
        with pytest.raises(InvalidInputError, match="instalment_multiple"):
            build_schedule(_spec(amount=Money("10.00", EUR), rounding=RoundingPolicy(instalment_multiple="1000")))


class TestInterest:
    def test_daily_act_365_uses_actual_days(self) -> None:
        """Daily ACT/365F interest of the first period: 1,200 x 12 % x 31/365."""
        schedule = build_schedule(_spec(interest_basis=InterestBasis.DAILY, day_count=DayCount.ACT_365_FIXED))
        assert schedule.instalments[0].interest.amount == Decimal("12.23")
        check_schedule(schedule)

    def test_odd_first_period_spread(self) -> None:
        """A long first period raises every level instalment a little."""
        regular = build_schedule(_spec())
        odd = build_schedule(_spec(first_due_date=date(2024, 3, 1)))
        check_schedule(odd)
        assert odd.instalments[1].payment > regular.instalments[1].payment
        assert odd.instalments[0].interest > regular.instalments[0].interest

    def test_odd_first_period_in_first_instalment(self) -> None:
        """With FIRST_INSTALMENT only the first instalment carries the odd days."""
        regular = build_schedule(_spec())
        odd = build_schedule(_spec(first_due_date=date(2024, 3, 1), odd_first_period=OddFirstPeriod.FIRST_INSTALMENT))
        check_schedule(odd)
        assert odd.instalments[1].payment == regular.instalments[1].payment
        extra = odd.instalments[0].payment - regular.instalments[0].payment
        # 15 January to 1 March is 1 month and 17 days: 1,200.00 x 1 % x 17/30 more interest.
        assert extra.amount == Decimal("6.80")

    def test_short_first_period(self) -> None:
        """A short first period charges less interest in the first instalment."""
        odd = build_schedule(_spec(first_due_date=date(2024, 2, 1)))
        check_schedule(odd)
        assert odd.instalments[0].interest.amount == Decimal("6.80")


class TestGraceAndFees:
    def test_principal_grace_is_interest_only(self) -> None:
        """Principal grace instalments pay interest only."""
        schedule = build_schedule(_spec(principal_grace=2))
        check_schedule(schedule)
        assert [row.principal.is_zero() for row in schedule.instalments[:2]] == [True, True]
        assert schedule.instalments[0].interest.amount == Decimal("12.00")

    def test_interest_grace_deferred(self) -> None:
        """Deferred grace interest is paid with the first instalment after the grace."""
        schedule = build_schedule(_spec(interest_grace=2))
        check_schedule(schedule)
        assert schedule.instalments[0].payment.is_zero()
        assert schedule.instalments[1].payment.is_zero()
        # Two months of deferred interest plus the third month's own.
        assert schedule.instalments[2].interest.amount == Decimal("36.00")

    def test_interest_grace_waived(self) -> None:
        """Waived grace interest is never charged."""
        deferred = build_schedule(_spec(interest_grace=2))
        waived = build_schedule(_spec(interest_grace=2, grace_interest=GraceInterest.WAIVED))
        assert deferred.totals.interest - waived.totals.interest == Money("24.00", EUR)

    def test_grace_must_leave_an_instalment(self) -> None:
        """Grace covering every instalment is rejected."""
        with pytest.raises(InvalidInputError, match="principal_grace"):
            _spec(principal_grace=6)

    def test_down_payment_and_fees(self) -> None:
        """Down payment reduces the amount financed; fees enter payments and the APR."""
        schedule = build_schedule(_spec(
            down_payment=Money("200.00", EUR), upfront_fee=Money("20.00", EUR), instalment_fee=Money("1.50", EUR),
        ))
        check_schedule(schedule)
        assert schedule.amount_financed == Money("1000.00", EUR)
        assert schedule.totals.fees == Money("9.00", EUR)
        assert schedule.finance_charge == schedule.totals.interest + Money("29.00", EUR)
        assert schedule.apr is not None
        assert schedule.apr.rate > Decimal("0.12")

    def test_apr_equals_rate_without_fees(self) -> None:
        """With no fees the APR is the nominal rate to two decimals."""
        schedule = build_schedule(_spec())
        assert schedule.apr is not None
        assert schedule.apr.percent() == Decimal("12.00")

    def test_down_payment_too_large(self) -> None:
        """A down payment of the whole amount leaves nothing to finance."""
        with pytest.raises(InvalidInputError, match="down_payment"):
            _spec(down_payment=Money("1200.00", EUR))

    def test_fee_in_other_currency(self) -> None:
        """A fee in another currency is rejected."""
        with pytest.raises(InvalidInputError, match="instalment_fee"):
            _spec(instalment_fee=Money("1.00", "USD"))


class TestBusinessDays:
    def test_roll_needs_calendar(self) -> None:
        """Asking for a roll without a calendar is an error."""
        with pytest.raises(InvalidInputError, match="calendar"):
            _spec(business_day_convention=BusinessDayConvention.FOLLOWING)

    def test_following_roll_keeps_accrual_dates(self) -> None:
        """Rolled due dates are business days; interest accrues on the scheduled dates."""
        calendar = BusinessCalendar()
        plain = build_schedule(_spec(start_date=date(2024, 5, 4)))
        rolled = build_schedule(_spec(
            start_date=date(2024, 5, 4), calendar=calendar, business_day_convention=BusinessDayConvention.FOLLOWING,
        ))
        assert all(calendar.is_business_day(row.due_date) for row in rolled.instalments)
        assert [row.interest for row in plain.instalments] == [row.interest for row in rolled.instalments]

    def test_month_end_schedule_stays_in_month(self) -> None:
        """Month-end instalments roll back within the month rather than into the next."""
        schedule = build_schedule(_spec(
            start_date=date(2024, 7, 31), calendar=BusinessCalendar(),
            business_day_convention=BusinessDayConvention.FOLLOWING,
        ))
        # 31 August 2024 is a Saturday: it rolls to Friday 30 August, not to September.
        assert schedule.instalments[0].due_date == date(2024, 8, 30)
        assert schedule.instalments[1].due_date == date(2024, 9, 30)


class TestBatch:
    def test_batch_equals_single(self) -> None:
        """Rows of a batch are the single schedules, cent for cent."""
        spec = _spec()
        amounts = [Money("1200.00", EUR), Money("99.99", EUR), Money("1234567.89", EUR)]
        batch = build_schedules(spec, amounts)
        assert len(batch) == 3
        for index, amount in enumerate(amounts):
            single = build_schedule(attrs.evolve(spec, amount=amount))
            assert batch.schedule(index).instalments == single.instalments

    def test_batch_rejects_floats(self) -> None:
        """Float arrays are rejected: money is never a float."""
        with pytest.raises(InvalidTypeError):
            build_schedules(_spec(), np.array([1.5, 2.5]))

    def test_batch_rejects_non_positive(self) -> None:
        """A zero amount in a batch names the bad value."""
        with pytest.raises(InvalidInputError, match="amounts"):
            build_schedules(_spec(), np.array([100, 0]))


class TestValidation:
    def test_negative_rate(self) -> None:
        """A negative rate is rejected."""
        with pytest.raises(InvalidInputError, match="annual_rate"):
            _spec(annual_rate="-0.01")

    def test_float_rate(self) -> None:
        """A float rate is rejected with a type error."""
        with pytest.raises(InvalidTypeError):
            _spec(annual_rate=0.12)

    def test_zero_instalments(self) -> None:
        """A schedule needs at least one instalment."""
        with pytest.raises(InvalidInputError, match="instalments"):
            _spec(instalments=0)

    def test_multiple_off_grid(self) -> None:
        """A multiple finer than the currency's minor unit is rejected."""
        with pytest.raises(InvalidInputError, match="instalment_multiple"):
            _spec(rounding=RoundingPolicy(instalment_multiple="0.001"))

    def test_to_dict_is_json_ready(self) -> None:
        """The JSON form has strings for amounts and ISO dates."""
        import json

        data = build_schedule(_spec()).to_dict()
        assert json.loads(json.dumps(data))["instalments"][0]["due_date"] == "2024-02-15"
        assert data["totals"]["principal"] == "1200.00"  # type: ignore[index]


def _compounding_spec(amount: str) -> ScheduleSpec:
    # 150 % a year over 50 years: a probe that pays too little compounds past int64.
    return ScheduleSpec(
        amount=Money(amount, "EUR"), annual_rate="1.5", instalments=50, start_date=date(2000, 1, 1),
        frequency=Frequency.ANNUAL, allow_high_rate=True,
        rounding=RoundingPolicy(residual=ResidualPlacement.FIRST),
    )


@pytest.mark.parametrize("amount", ["0.01", "100.00", "12345.67"])
def test_high_rate_long_schedule_stays_in_int64(amount: str) -> None:
    """The first-instalment residual search no longer overflows on a 50-year loan at 150 %."""
    spec = _compounding_spec(amount)
    schedule = build_schedule(spec)
    check_schedule(schedule)
    cents = Money(amount, EUR).minor_units
    batch = build_schedules(spec, np.array([cents, 1_234_567], dtype=np.int64))
    assert batch.principal[0].tolist() == [row.principal.minor_units for row in schedule.instalments]
    assert batch.interest[0].tolist() == [row.interest.minor_units for row in schedule.instalments]
