"""The cost of credit: the US APR (Regulation Z, Appendix J) and the EU APRC.

US APR, actuarial method (12 CFR 1026, Appendix J, paragraph (b))
    Each advance and payment sits ``t`` whole unit periods and a fraction ``f`` of one
    after the start of the term (counted as in
    :func:`~b2bcredit.terms.periods.unit_periods_between`). The unit-period rate ``i``
    solves ``sum_advances A / ((1 + f i) (1 + i) ** t) = sum_payments P / ((1 + f i)
    (1 + i) ** t)``, and the APR is ``i`` times the unit periods in a year.

EU APRC (Directive 2008/48/EC, Annex I)
    The annual rate ``X`` solves ``sum_k C_k (1 + X) ** -t_k = sum_l D_l (1 + X) ** -s_l``
    with the times in years from the first drawdown. The Annex lets a year have 365 days
    (366 in a leap year), 52 weeks or 12 equal months of 365/12 days; see
    :class:`AprcTimeBasis`. The Annex requires at least one decimal place in the
    disclosed figure, and a following digit of 5 or more rounds it up.

Both rates are solved in float64 (about 1e-12 relative) and returned as Decimals
rounded half-even to 10 decimal places of the fraction (8 of the percentage).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs
import numpy as np
from scipy.optimize import brentq

from b2bcredit.core.calendar import add_months
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding, to_decimal
from b2bcredit.terms.periods import Frequency, most_common_period, unit_periods_between
from b2bcredit.terms.rootfind import FloatArray, NoRateError, select_root, solve_rate

__all__ = [
    "AprResult",
    "AprcTimeBasis",
    "CashFlow",
    "eu_aprc",
    "regulation_z_apr",
]

_RESULT_PLACES = Decimal("1e-10")
_MAX_UNIT_RATE = 1e6


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, Money):
        return value.amount
    return to_decimal(value, "amount")


@attrs.frozen
class CashFlow:
    """An amount of money changing hands on a date: an advance (drawdown) or a payment."""

    on: date
    amount: Decimal = attrs.field(converter=_as_decimal)


def _flows(values: Sequence[CashFlow | tuple[date, object]], field: str) -> list[CashFlow]:
    flows: list[CashFlow] = []
    for value in values:
        flow = value if isinstance(value, CashFlow) else CashFlow(value[0], value[1])
        if not isinstance(flow.on, date) or hasattr(flow.on, "hour"):
            raise InvalidTypeError(field, flow.on, "expected datetime.date values", "Pass dates, not datetimes.")
        if flow.amount < 0:
            raise InvalidInputError(
                field, str(flow.amount), "amounts must not be negative",
                "List advances and payments as positive amounts in their own lists.",
            )
        flows.append(flow)
    if not flows:
        raise InvalidInputError(field, [], "need at least one cash flow", "Pass one or more (date, amount) pairs.")
    return flows


def _from_float(rate: float) -> Decimal:
    return Decimal(repr(rate)).quantize(_RESULT_PLACES, rounding=Rounding.HALF_EVEN.value, context=DECIMAL_CONTEXT)


@attrs.frozen
class AprResult:
    """An annual percentage rate and how it was computed.

    Attributes:
        rate: the annual rate as a fraction of one (``Decimal("0.0969...")`` is 9.69 %).
        unit_period: the unit period of the computation.
        periods_per_year: unit periods in a year.
        unit_period_rate: the rate per unit period.
    """

    rate: Decimal
    unit_period: Frequency
    periods_per_year: int
    unit_period_rate: Decimal

    def percent(self, places: int = 2) -> Decimal:
        """Return the rate in percent rounded half-up to ``places`` decimal places."""
        return (self.rate * 100).quantize(Decimal(1).scaleb(-places), rounding=Rounding.HALF_UP.value)


def regulation_z_apr(
    advances: Sequence[CashFlow | tuple[date, object]],
    payments: Sequence[CashFlow | tuple[date, object]],
    *,
    unit_period: Frequency | None = None,
    guess: float | None = None,
) -> AprResult:
    """Return the APR by the actuarial method of Regulation Z, Appendix J.

    Args:
        advances: the amounts advanced to the borrower, with their dates (the amount
            financed; prepaid finance charges already taken off).
        payments: the scheduled payments, with their dates.
        unit_period: the transaction's unit period. Without it, the most common period
            between the dates of the advances and payments (paragraph (b)(4)), by
            :func:`~b2bcredit.terms.periods.most_common_period`.
        guess: an annual rate; among several roots the one closest to it is
            returned. Without it, the smallest root at or above zero (else the largest
            negative one), as for :func:`~b2bcredit.terms.cashflows.irr`.

    Example (Appendix J, paragraph (c)(1), the first example): 5,000 advanced on
    10 January 1978 and 24 monthly payments of 230 from 10 February 1978 give 9.69 %.

    Raises:
        NoRateError: no unit-period rate above -100 % balances the flows.
    """
    advance_flows = _flows(advances, "advances")
    payment_flows = _flows(payments, "payments")
    term_start = min(flow.on for flow in advance_flows)
    if any(flow.on < term_start for flow in payment_flows):
        raise InvalidInputError(
            "payments", min(flow.on for flow in payment_flows).isoformat(),
            f"a payment falls before the first advance on {term_start.isoformat()}",
            "Start the term at the first advance.",
        )

    if unit_period is None:
        unit_period = most_common_period([flow.on for flow in (*advance_flows, *payment_flows)])

    signed = [(flow, 1.0) for flow in advance_flows] + [(flow, -1.0) for flow in payment_flows]
    amounts = np.array([sign * float(flow.amount) for flow, sign in signed])
    wholes = np.empty(len(signed))
    fractions = np.empty(len(signed))
    for index, (flow, _sign) in enumerate(signed):
        whole, fraction = unit_periods_between(term_start, flow.on, unit_period)
        wholes[index], fractions[index] = whole, float(fraction)
    if not (amounts > 0).any() or not (amounts < 0).any():
        raise NoRateError("payments", "the advances and payments must both be positive", "Pass both lists.")

    t_max = float(wholes.max())

    def balance(x: FloatArray) -> FloatArray:
        # Present value at unit-period rates i = e**x - 1 (one per element of x), scaled
        # by (1 + i)**t_max so that no power overflows.
        rate = np.expm1(x)[:, None]
        discounted = np.exp(x[:, None] * (t_max - wholes)) / (1.0 + fractions * rate)
        result: FloatArray = discounted @ amounts
        return result

    periods_per_year = unit_period.periods_per_year
    unit_guess = None if guess is None else guess / periods_per_year
    rate = None
    if len(advance_flows) == 1:
        rate = _single_advance_root(
            float(advance_flows[0].amount), -amounts[1:], wholes[1:], fractions[1:],
            math.log1p(0.1 / periods_per_year if unit_guess is None else unit_guess),
        )
    if rate is None:
        rate = _closest_root(balance, unit_guess)
    unit_rate = _from_float(rate)
    return AprResult(
        rate=_from_float(rate * periods_per_year),
        unit_period=unit_period,
        periods_per_year=periods_per_year,
        unit_period_rate=unit_rate,
    )


def _single_advance_root(
    advance: float, payments: FloatArray, wholes: FloatArray, fractions: FloatArray, start: float
) -> float | None:
    """Solve the one-advance equation by safeguarded Newton in x = ln(1 + i).

    With a single advance at the start of the term, ``h(x) = A - sum P / ((1 + f i)
    (1 + i) ** t)`` rises strictly with ``i``, so its root is unique and Newton with a
    bisection fallback finds it. Returns None if it does not converge, and the caller
    then scans.
    """
    low, high = math.log1p(-1.0 + 1e-9), math.log1p(_MAX_UNIT_RATE)
    x = min(max(start, low), high)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(200):
            growth = math.expm1(x)
            denominators = 1.0 + fractions * growth
            terms = payments * np.exp(-x * wholes) / denominators
            value = advance - float(terms.sum())
            slope = float((terms * (wholes + fractions * (growth + 1.0) / denominators)).sum())
            if value < 0:
                low = x
            else:
                high = x
            candidate = x - value / slope if slope > 0 and math.isfinite(slope) else math.nan
            if not low <= candidate <= high:
                candidate = 0.5 * (low + high)
            if abs(candidate - x) <= 1e-13 * (1.0 + abs(x)):
                return math.expm1(candidate) if low < candidate < high else None
            x = candidate
    return None


def _closest_root(function: Callable[[FloatArray], FloatArray], guess: float | None) -> float:
    # The unit-period rate is searched over (-1 + 1e-9, 1e6] on a grid of 3,001 points
    # in ln(1 + i). Brent's method refines each sign change, and the IRR's rule picks one.
    grid = np.linspace(math.log1p(-1.0 + 1e-9), math.log1p(_MAX_UNIT_RATE), 3001)
    with np.errstate(over="ignore", invalid="ignore"):
        values = function(grid)

    def scalar(x: float) -> float:
        return float(function(np.array([x]))[0])

    roots: list[float] = [float(grid[i]) for i in np.flatnonzero(values == 0)]
    for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
        roots.append(float(brentq(scalar, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15, maxiter=200)))
    if not roots:
        raise NoRateError(
            "payments", "no rate from -100 % to 100,000,000 % a unit period balances the advances and payments",
            "Check the amounts and dates.",
        )
    return select_root([math.expm1(x) for x in roots], guess)


class AprcTimeBasis(enum.Enum):
    """The measure of time in years for the EU APRC (Directive 2008/48/EC, Annex I, I (c))."""

    CALENDAR_YEARS = "calendar_years"  # whole years from the first drawdown, days left over / 365 or 366
    EQUAL_MONTHS = "equal_months"  # whole months, days left over / (365/12), 12 months a year
    WEEKS = "weeks"  # days / 7 weeks, 52 weeks a year
    DAYS_365 = "days_365"  # days / 365 throughout, leap years included


def _whole_months(start: date, end: date) -> int:
    # The maximum number of months m with start + m months on or before end.
    months = max(0, (end.year - start.year) * 12 + end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    while add_months(start, months + 1) <= end:
        months += 1
    return months


def _years(start: date, end: date, basis: AprcTimeBasis) -> Fraction:
    if basis is AprcTimeBasis.DAYS_365:
        return Fraction((end - start).days, 365)
    if basis is AprcTimeBasis.WEEKS:
        return Fraction((end - start).days, 7 * 52)
    if basis is AprcTimeBasis.EQUAL_MONTHS:
        months = _whole_months(start, end)
        days = (end - add_months(start, months)).days
        return Fraction(months, 12) + Fraction(days * 12, 365) / 12
    if basis is AprcTimeBasis.CALENDAR_YEARS:
        years = _whole_months(start, end) // 12
        anniversary = add_months(start, 12 * years)
        year_length = (add_months(start, 12 * (years + 1)) - anniversary).days
        return years + Fraction((end - anniversary).days, year_length)
    raise InvalidTypeError("basis", basis, "expected an AprcTimeBasis member", "Pass AprcTimeBasis.CALENDAR_YEARS.")


def eu_aprc(
    drawdowns: Sequence[CashFlow | tuple[date, object]],
    repayments: Sequence[CashFlow | tuple[date, object]],
    *,
    basis: AprcTimeBasis = AprcTimeBasis.CALENDAR_YEARS,
    guess: float | None = None,
) -> Decimal:
    """Return the annual percentage rate of charge of the EU Consumer Credit Directive.

    Repayments include every charge the consumer pays. The result is a fraction of one;
    ``(result * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)`` is the figure the Annex
    requires to be disclosed.

    Example (Directive 98/7/EC, Annex III, first example): 1,000 lent on 1 January 1994
    and 1,200 repaid on 1 July 1995 (546 days later) give 12.96 %.
    """
    drawn = _flows(drawdowns, "drawdowns")
    repaid = _flows(repayments, "repayments")
    origin = min(flow.on for flow in drawn + repaid)
    pairs = [(flow.on, float(flow.amount)) for flow in drawn] + [(flow.on, -float(flow.amount)) for flow in repaid]
    pairs.sort(key=lambda pair: pair[0])
    times = np.array([[float(_years(origin, on, basis)) for on, _ in pairs]])
    amounts = np.array([amount for _, amount in pairs])
    rate = solve_rate(amounts, times[0], guess)
    if isinstance(rate, str):
        raise NoRateError("repayments", rate, "Check the amounts and dates of the credit.")
    return _from_float(rate)
