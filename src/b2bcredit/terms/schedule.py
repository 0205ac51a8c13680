"""Instalment schedules: due dates, payments, principal, interest, fees and balances.

A :class:`ScheduleSpec` states the loan (amount, rate, count, frequency, start date),
the amortisation method, how interest accrues, the odd first period, grace, down
payment, fees, the rounding policy and the business-day roll. :func:`build_schedule`
returns a :class:`Schedule` whose rows always number exactly ``instalments``, whose
principal parts add up to the amount financed, and whose balances never go negative
and never rise. :func:`build_schedules` builds many loans of one shape at once and
gives, row for row, the same minor units.

Interest accrual
    ``InterestBasis.PERIODIC``: each regular period earns ``annual_rate /
    periods_per_year``; an odd first period earns that times its length in unit periods
    (whole periods plus days / 30 for months, as Regulation Z counts them).
    ``InterestBasis.DAILY``: each period earns ``annual_rate * year_fraction(previous
    due date, due date)`` under the named day count. Accrual always runs on the
    unadjusted dates; a business-day roll moves only the date the payment is due.

Example (100.00 at 9.4822 % over 6 months, 30/360): every instalment is 17.13, and the
balances are 83.66, 67.19, 50.59, 33.86, 17.00 and 0.00.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs
import numpy as np

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention, is_end_of_month
from b2bcredit.core.currency import Currency
from b2bcredit.core.daycount import DayCount, year_fraction
from b2bcredit.core.errors import InvalidInputError, InvalidStateError, InvalidTypeError
from b2bcredit.core.money import Money, to_decimal
from b2bcredit.terms.amortization import AmortizationMethod, AmortizationPlan, GraceInterest, amortise
from b2bcredit.terms.apr import AprResult, regulation_z_apr
from b2bcredit.terms.periods import Frequency, date_after, due_dates, roll_dates, unit_periods_between
from b2bcredit.terms.rootfind import NoRateError
from b2bcredit.terms.rounding import IntArray, RoundingPolicy

__all__ = [
    "AmortizationMethod",
    "GraceInterest",
    "Instalment",
    "InterestBasis",
    "OddFirstPeriod",
    "Schedule",
    "ScheduleBatch",
    "ScheduleSpec",
    "ScheduleTotals",
    "build_schedule",
    "build_schedules",
    "check_schedule",
    "schedule_apr",
]

# Amounts up to 2**53 minor units (about 90 trillion in a two-decimal currency) keep
# every intermediate product of the batch kernel exact.
_MAX_MINOR_UNITS = 2**53


class InterestBasis(enum.Enum):
    """The derivation of a period's interest rate from the annual rate."""

    PERIODIC = "periodic"  # annual rate / periods per year, whatever the days in the period
    DAILY = "daily"  # annual rate * the period's year fraction under a day count


class OddFirstPeriod(enum.Enum):
    """The way an odd (short or long) first period's interest enters the instalments."""

    SPREAD = "spread"  # the level instalment is solved with the odd period's actual interest
    FIRST_INSTALMENT = "first_instalment"  # only the first instalment carries the extra or missing interest


def _rate(value: object) -> Decimal:
    rate = to_decimal(value, "annual_rate")
    if rate < 0:
        raise InvalidInputError("annual_rate", str(rate), "must not be negative", "Pass a rate such as '0.12'.")
    return rate


def _optional_money(value: object) -> Money | None:
    if value is None or isinstance(value, Money):
        return value
    if isinstance(value, str):
        return Money.parse(value)
    raise InvalidTypeError("fee", value, "expected Money or None", "Pass Money('25.00', 'EUR').")


def _count(value: object, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInputError(field, value, f"expected a whole number of at least {minimum}", "Pass an int.")
    return value


@attrs.frozen(kw_only=True)
class ScheduleSpec:
    """Everything that decides a repayment schedule.

    Attributes:
        amount: the price or loan amount; the amount financed is this less the down
            payment.
        annual_rate: the nominal annual interest rate as a fraction (``"0.12"``).
        instalments: the number of instalments.
        start_date: the date the credit is advanced; interest runs from it.
        frequency: how often instalments fall due.
        method: annuity, equal principal or flat.
        interest_basis: periodic share of the year or daily with ``day_count``.
        day_count: the day count of daily interest.
        first_due_date: an odd first due date; without it the first falls one period
            after ``start_date``.
        odd_first_period: how an odd first period's interest is paid.
        interest_grace: leading periods with no payment at all.
        principal_grace: the periods after those that pay interest only.
        grace_interest: whether interest-grace interest is deferred or waived.
        down_payment: paid on ``start_date``, not financed.
        upfront_fee: a fee paid on ``start_date`` (a prepaid finance charge).
        instalment_fee: a fee added to every instalment.
        rounding: the rounding policy.
        calendar: the business calendar for rolling due dates.
        business_day_convention: the roll; anything but UNADJUSTED needs ``calendar``.
    """

    amount: Money
    annual_rate: Decimal = attrs.field(converter=_rate)
    instalments: int
    start_date: date
    frequency: Frequency = Frequency.MONTHLY
    method: AmortizationMethod = AmortizationMethod.ANNUITY
    interest_basis: InterestBasis = InterestBasis.PERIODIC
    day_count: DayCount = DayCount.ACT_365_FIXED
    first_due_date: date | None = None
    odd_first_period: OddFirstPeriod = OddFirstPeriod.SPREAD
    interest_grace: int = 0
    principal_grace: int = 0
    grace_interest: GraceInterest = GraceInterest.DEFERRED
    down_payment: Money | None = attrs.field(default=None, converter=_optional_money)
    upfront_fee: Money | None = attrs.field(default=None, converter=_optional_money)
    instalment_fee: Money | None = attrs.field(default=None, converter=_optional_money)
    rounding: RoundingPolicy = attrs.field(factory=RoundingPolicy)
    calendar: BusinessCalendar | None = None
    business_day_convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.amount, Money):
            raise InvalidTypeError("amount", self.amount, "expected Money", "Pass Money('1000.00', 'EUR').")
        _count(self.instalments, "instalments", 1)
        _count(self.interest_grace, "interest_grace", 0)
        _count(self.principal_grace, "principal_grace", 0)
        if self.interest_grace + self.principal_grace >= self.instalments:
            raise InvalidInputError(
                "principal_grace", self.interest_grace + self.principal_grace,
                f"grace periods must leave at least one of the {self.instalments} instalments to repay principal",
                "Shorten the grace or add instalments.",
            )
        for field, enum_type in (
            ("frequency", Frequency), ("method", AmortizationMethod), ("interest_basis", InterestBasis),
            ("day_count", DayCount), ("odd_first_period", OddFirstPeriod), ("grace_interest", GraceInterest),
            ("business_day_convention", BusinessDayConvention),
        ):
            value = getattr(self, field)
            if not isinstance(value, enum_type):
                raise InvalidTypeError(field, value, f"expected a {enum_type.__name__} member", "Pass a member.")
        if not isinstance(self.start_date, date) or hasattr(self.start_date, "hour"):
            raise InvalidTypeError("start_date", self.start_date, "expected a datetime.date", "Pass a date.")
        for field in ("down_payment", "upfront_fee", "instalment_fee"):
            fee = getattr(self, field)
            if fee is not None and fee.currency != self.amount.currency:
                raise InvalidInputError(
                    field, str(fee), f"the currency differs from the amount's {self.amount.currency.code}",
                    "Pass it in the loan's currency.",
                )
            if fee is not None and fee.is_negative():
                raise InvalidInputError(field, str(fee), "must not be negative", "Pass zero or a positive amount.")
        if self.amount_financed.minor_units <= 0:
            raise InvalidInputError(
                "down_payment", str(self.down_payment), f"leaves nothing to finance of {self.amount}",
                "Pass a down payment below the amount.",
            )
        if self.amount_financed.minor_units >= _MAX_MINOR_UNITS:
            raise InvalidInputError(
                "amount", str(self.amount), "is too large for exact schedules", "Split the credit into smaller loans."
            )
        if self.business_day_convention is not BusinessDayConvention.UNADJUSTED and self.calendar is None:
            raise InvalidInputError(
                "calendar", None, f"the roll {self.business_day_convention.value} needs a business calendar",
                "Pass calendar=BusinessCalendar(...) or business_day_convention=UNADJUSTED.",
            )
        self.rounding.multiple_in_minor_units(self.amount.currency)

    @property
    def currency(self) -> Currency:
        """The loan's currency."""
        return self.amount.currency

    @property
    def amount_financed(self) -> Money:
        """The amount less the down payment."""
        return self.amount - self.down_payment if self.down_payment is not None else self.amount


@attrs.frozen
class Instalment:
    """One row of a schedule: what is due on a date and how it splits."""

    number: int
    due_date: date
    payment: Money  # principal + interest + fees
    principal: Money
    interest: Money
    fees: Money
    balance: Money  # principal still owed after this instalment


@attrs.frozen
class ScheduleTotals:
    """Column sums of a schedule."""

    payments: Money
    principal: Money
    interest: Money
    fees: Money


@attrs.frozen
class Schedule:
    """A repayment schedule with its totals and its Regulation Z APR.

    Attributes:
        spec: what the schedule was built from.
        amount_financed: the amount less the down payment.
        down_payment: paid on the start date (zero when none).
        upfront_fee: paid on the start date (zero when none).
        instalments: exactly ``spec.instalments`` rows.
        totals: the column sums.
        apr: the annual percentage rate by Regulation Z, Appendix J, with the upfront
            fee as a prepaid finance charge and the instalment fees as finance charges.
            It is None in the rare schedule (a few cents at extreme rates) whose APR lies
            outside the searchable range.
    """

    spec: ScheduleSpec
    amount_financed: Money
    down_payment: Money
    upfront_fee: Money
    instalments: tuple[Instalment, ...]
    totals: ScheduleTotals
    apr: AprResult | None

    @property
    def finance_charge(self) -> Money:
        """Interest plus every fee: the cost of the credit in money."""
        return self.totals.interest + self.totals.fees + self.upfront_fee

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready form: amounts as strings, dates in ISO 8601."""
        return {
            "currency": self.spec.currency.code,
            "amount_financed": str(self.amount_financed.amount),
            "down_payment": str(self.down_payment.amount),
            "upfront_fee": str(self.upfront_fee.amount),
            "instalments": [
                {
                    "number": row.number,
                    "due_date": row.due_date.isoformat(),
                    "payment": str(row.payment.amount),
                    "principal": str(row.principal.amount),
                    "interest": str(row.interest.amount),
                    "fees": str(row.fees.amount),
                    "balance": str(row.balance.amount),
                }
                for row in self.instalments
            ],
            "totals": {
                "payments": str(self.totals.payments.amount),
                "principal": str(self.totals.principal.amount),
                "interest": str(self.totals.interest.amount),
                "fees": str(self.totals.fees.amount),
            },
            "finance_charge": str(self.finance_charge.amount),
            "apr": str(self.apr.rate) if self.apr is not None else None,
            "apr_percent": str(self.apr.percent()) if self.apr is not None else None,
        }


def _dates(spec: ScheduleSpec) -> tuple[list[date], list[date]]:
    unadjusted = due_dates(spec.start_date, spec.instalments, spec.frequency, first_due=spec.first_due_date)
    anchor = spec.first_due_date if spec.first_due_date is not None else spec.start_date
    # A month-based schedule anchored on a month end keeps its dates in their months.
    month_end = spec.frequency.months > 0 and is_end_of_month(anchor)
    rolled = roll_dates(unadjusted, spec.calendar, spec.business_day_convention, keep_month_end=month_end)
    return unadjusted, rolled


def _period_rates(spec: ScheduleSpec, unadjusted: Sequence[date]) -> tuple[tuple[Fraction, ...], Fraction | None]:
    """Return each period's exact rate and, for FIRST_INSTALMENT odd periods, the regular rate."""
    annual = Fraction(spec.annual_rate)
    previous = [spec.start_date, *unadjusted[:-1]]
    regular_start = date_after(unadjusted[0], -1, spec.frequency, end_of_month_rule=is_end_of_month(unadjusted[0]))
    odd = spec.first_due_date is not None and regular_start != spec.start_date

    if spec.interest_basis is InterestBasis.DAILY:
        rates = tuple(
            annual * year_fraction(start, end, spec.day_count) for start, end in zip(previous, unadjusted, strict=True)
        )
        regular = annual * year_fraction(regular_start, unadjusted[0], spec.day_count) if odd else None
    else:
        periodic = annual / spec.frequency.periods_per_year
        first = periodic
        if odd:
            whole, fraction = unit_periods_between(spec.start_date, unadjusted[0], spec.frequency)
            first = periodic * (whole + fraction)
        rates = (first,) + (periodic,) * (spec.instalments - 1)
        regular = periodic if odd else None
    if spec.odd_first_period is OddFirstPeriod.SPREAD:
        regular = None
    return rates, regular


def _plan(spec: ScheduleSpec, rates: tuple[Fraction, ...], regular: Fraction | None) -> AmortizationPlan:
    return AmortizationPlan(
        rates=rates,
        method=spec.method,
        mode=spec.rounding.mode,
        multiple=spec.rounding.multiple_in_minor_units(spec.currency),
        residual=spec.rounding.residual,
        interest_grace=spec.interest_grace,
        principal_grace=spec.principal_grace,
        grace_interest=spec.grace_interest,
        first_regular_rate=regular,
    )


@attrs.frozen
class ScheduleBatch:
    """Many schedules of one shape as integer arrays of minor units, shape (loans, rows).

    ``schedule(i)`` turns loan ``i`` into a :class:`Schedule` (with its APR).
    """

    spec: ScheduleSpec  # the shape; its amount is the first loan's
    amounts_financed: IntArray
    due_dates: tuple[date, ...]
    payment: IntArray
    principal: IntArray
    interest: IntArray
    fees: IntArray
    balance: IntArray

    def __len__(self) -> int:
        return int(self.amounts_financed.shape[0])

    def schedule(self, index: int) -> Schedule:
        """Return loan ``index`` as a typed :class:`Schedule`."""
        amount = Money.from_minor_units(int(self.amounts_financed[index]), self.spec.currency)
        down = self.spec.down_payment
        spec = attrs.evolve(self.spec, amount=amount + down if down is not None else amount)
        return _to_schedule(
            spec, self.due_dates, self.principal[index], self.interest[index], self.fees[index], self.balance[index]
        )


def _arrays(spec: ScheduleSpec, financed: IntArray) -> tuple[list[date], IntArray, IntArray, IntArray, IntArray]:
    unadjusted, rolled = _dates(spec)
    rates, regular = _period_rates(spec, unadjusted)
    principal, interest = amortise(financed, _plan(spec, rates, regular))
    fee = spec.instalment_fee.minor_units if spec.instalment_fee is not None else 0
    fees = np.zeros_like(principal)
    # Interest-grace instalments pay nothing, fees included.
    fees[:, spec.interest_grace:] = fee
    balance = financed[:, None] - np.cumsum(principal, axis=1)
    return rolled, principal, interest, fees, balance


def build_schedule(spec: ScheduleSpec) -> Schedule:
    """Build the repayment schedule of one loan.

    Raises:
        InvalidInputError: the instalment multiple is too coarse for the loan, or the
            spec is inconsistent (see :class:`ScheduleSpec`).
    """
    financed = np.array([spec.amount_financed.minor_units], dtype=np.int64)
    rolled, principal, interest, fees, balance = _arrays(spec, financed)
    return _to_schedule(spec, tuple(rolled), principal[0], interest[0], fees[0], balance[0])


def build_schedules(spec: ScheduleSpec, amounts: Sequence[Money] | IntArray) -> ScheduleBatch:
    """Build schedules for many amounts that share every other term of ``spec``.

    Args:
        spec: the shape (rate, count, dates, method, fees, rounding); its own amount
            is ignored.
        amounts: the amounts financed, as Money in the spec's currency or as an integer
            array of minor units. The down payment of ``spec`` is not subtracted again.

    Row ``i`` has exactly the minor units of ``build_schedule`` for amount ``i``.
    """
    if isinstance(amounts, np.ndarray):
        if not np.issubdtype(amounts.dtype, np.integer):
            raise InvalidTypeError(
                "amounts", amounts.dtype, "amounts must be integers in minor units, never floats",
                "Pass an int64 array of cents, or a list of Money.",
            )
        financed = amounts.astype(np.int64)
    else:
        units = []
        for amount in amounts:
            if not isinstance(amount, Money) or amount.currency != spec.currency:
                raise InvalidInputError(
                    "amounts", str(amount), f"expected Money in {spec.currency.code}", "Pass Money values."
                )
            units.append(amount.minor_units)
        financed = np.array(units, dtype=np.int64)
    if financed.ndim != 1 or financed.size == 0:
        raise InvalidInputError("amounts", financed.shape, "expected a non-empty list of amounts", "Pass one per loan.")
    if (financed <= 0).any() or (financed >= _MAX_MINOR_UNITS).any():
        bad = int(financed[(financed <= 0) | (financed >= _MAX_MINOR_UNITS)][0])
        raise InvalidInputError(
            "amounts", bad, f"each amount must be positive and below {_MAX_MINOR_UNITS} minor units", "Fix that loan."
        )
    rolled, principal, interest, fees, balance = _arrays(spec, financed)
    return ScheduleBatch(
        spec=spec,
        amounts_financed=financed,
        due_dates=tuple(rolled),
        payment=principal + interest + fees,
        principal=principal,
        interest=interest,
        fees=fees,
        balance=balance,
    )


def _to_schedule(
    spec: ScheduleSpec,
    dates: Sequence[date],
    principal: IntArray,
    interest: IntArray,
    fees: IntArray,
    balance: IntArray,
) -> Schedule:
    currency = spec.currency
    money = Money.from_minor_units
    rows = tuple(
        Instalment(
            number=index + 1,
            due_date=dates[index],
            payment=money(int(principal[index] + interest[index] + fees[index]), currency),
            principal=money(int(principal[index]), currency),
            interest=money(int(interest[index]), currency),
            fees=money(int(fees[index]), currency),
            balance=money(int(balance[index]), currency),
        )
        for index in range(len(dates))
    )
    totals = ScheduleTotals(
        payments=money(int(principal.sum() + interest.sum() + fees.sum()), currency),
        principal=money(int(principal.sum()), currency),
        interest=money(int(interest.sum()), currency),
        fees=money(int(fees.sum()), currency),
    )
    upfront = spec.upfront_fee if spec.upfront_fee is not None else Money.zero(currency)
    down = spec.down_payment if spec.down_payment is not None else Money.zero(currency)
    apr = schedule_apr(spec, rows, upfront)
    return Schedule(
        spec=spec,
        amount_financed=spec.amount_financed,
        down_payment=down,
        upfront_fee=upfront,
        instalments=rows,
        totals=totals,
        apr=apr,
    )


def schedule_apr(spec: ScheduleSpec, rows: Sequence[Instalment], upfront_fee: Money) -> AprResult | None:
    """Return the Regulation Z APR of the rows, or None when no rate balances them."""
    try:
        return regulation_z_apr(
            [(spec.start_date, (spec.amount_financed - upfront_fee).amount)],
            [(row.due_date, row.payment.amount) for row in rows if row.payment.is_positive()],
            unit_period=spec.frequency,
        )
    except NoRateError:
        return None


def check_schedule(schedule: Schedule) -> None:
    """Raise ``InvalidStateError`` unless the schedule keeps its conservation laws.

    Checked: exactly ``spec.instalments`` rows numbered from 1; principal parts add up
    to the amount financed; no part and no balance is negative; balances never rise and
    end at zero; each payment is principal plus interest plus fees.
    """
    rows = schedule.instalments
    problems: list[str] = []
    if len(rows) != schedule.spec.instalments:
        problems.append(f"{len(rows)} rows instead of {schedule.spec.instalments}")
    if [row.number for row in rows] != list(range(1, len(rows) + 1)):
        problems.append("rows are not numbered 1, 2, ...")
    if Money.sum((row.principal for row in rows), schedule.spec.currency) != schedule.amount_financed:
        problems.append("principal parts do not add up to the amount financed")
    previous = schedule.amount_financed
    for row in rows:
        if row.principal.is_negative() or row.interest.is_negative() or row.fees.is_negative():
            problems.append(f"row {row.number} has a negative part")
        if row.balance.is_negative() or row.balance > previous:
            problems.append(f"row {row.number} balance {row.balance} is negative or rises")
        if row.payment != row.principal + row.interest + row.fees:
            problems.append(f"row {row.number} payment is not the sum of its parts")
        previous = row.balance
    if rows and not rows[-1].balance.is_zero():
        problems.append("the last balance is not zero")
    dates = [row.due_date for row in rows]
    if any(later <= earlier for earlier, later in itertools.pairwise(dates)):
        problems.append("due dates are not strictly increasing")
    if problems:
        raise InvalidStateError("schedule breaks its invariants: " + "; ".join(problems))
