"""The amortisation kernel: principal and interest parts of many loans at once, exactly.

Every loan is a row of int64 minor units; every period rate is an exact Fraction shared
by the rows. Each rounded quantity is rounded once, with the policy's mode, by
:func:`~b2bcredit.terms.rounding.round_product_array`, which gives exactly the integer
that rational arithmetic gives. A schedule of one loan is a batch of one row, so the
single and batch paths produce the same minor units.

Rounding points
    interest of a period: ``round(balance * period_rate)`` to the minor unit;
    annuity payment: ``round(principal * annuity_factor)`` to the instalment multiple;
    equal-principal and flat parts: ``round(principal / n)`` to the instalment multiple;
    flat interest: ``round(principal * sum of period rates)`` to the minor unit, then
    split evenly in minor units.
The instalment named by the policy's residual placement settles what is left, so the
principal parts always add up to the amount financed.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from fractions import Fraction

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Rounding
from b2bcredit.terms.rounding import IntArray, ResidualPlacement, round_product_array

__all__ = [
    "AmortizationMethod",
    "AmortizationPlan",
    "GraceInterest",
    "amortise",
    "annuity_factor",
]


class AmortizationMethod(enum.Enum):
    """The way principal is repaid over the instalments."""

    ANNUITY = "annuity"  # equal instalments of principal plus interest (French amortisation)
    EQUAL_PRINCIPAL = "equal_principal"  # equal principal parts, interest on the falling balance
    FLAT = "flat"  # interest on the original principal for the whole term, spread evenly


class GraceInterest(enum.Enum):
    """The treatment of interest in periods under interest grace (no payment)."""

    DEFERRED = "deferred"  # accrues on the balance and is paid with the first instalment after grace
    WAIVED = "waived"  # is not charged


@attrs.frozen(kw_only=True)
class AmortizationPlan:
    """The shape of the repayment, shared by every loan of a batch.

    Attributes:
        rates: the exact interest rate of each period, one per instalment.
        method: the amortisation method.
        mode: the rounding mode.
        multiple: instalments (annuity) or principal parts are multiples of this many
            minor units.
        residual: the instalment that settles the residual.
        interest_grace: leading periods with no payment at all.
        principal_grace: the periods after those that pay interest only.
        grace_interest: what happens to interest-grace interest.
        first_regular_rate: the rate of a regular period, given when the first
            instalment alone carries an odd first period's extra interest. The level
            payment is then computed as if the first period were regular.
    """

    rates: tuple[Fraction, ...]
    method: AmortizationMethod
    mode: Rounding
    multiple: int = 1
    residual: ResidualPlacement = ResidualPlacement.LAST
    interest_grace: int = 0
    principal_grace: int = 0
    grace_interest: GraceInterest = GraceInterest.DEFERRED
    first_regular_rate: Fraction | None = None

    @property
    def grace(self) -> int:
        """All grace periods: interest grace, then principal grace."""
        return self.interest_grace + self.principal_grace


def annuity_factor(rates: Sequence[Fraction]) -> Fraction:
    """Return the exact payment per unit of principal that repays it over ``rates``.

    ``1 / sum_k prod_{j<=k} 1 / (1 + r_j)``; with equal rates ``r`` this is the usual
    ``r / (1 - (1 + r) ** -n)``, and with zero rates it is ``1 / n`` exactly.
    """
    discount = Fraction(1)
    total = Fraction(0)
    for rate in rates:
        discount /= 1 + rate
        total += discount
    return 1 / total


def amortise(principal: IntArray, plan: AmortizationPlan) -> tuple[IntArray, IntArray]:
    """Return the principal and interest parts, shape (loans, instalments), in minor units.

    Raises:
        InvalidInputError: the instalment multiple is too coarse for a loan, so that no
            multiple both covers each period's interest and leaves principal to repay
            in the last instalment.
    """
    loans, count = principal.shape[0], len(plan.rates)
    principal_parts = np.zeros((loans, count), dtype=np.int64)
    interest_parts = np.zeros((loans, count), dtype=np.int64)

    # Interest grace: nothing is paid; interest is deferred or waived.
    deferred = np.zeros(loans, dtype=np.int64)
    for period in range(plan.interest_grace):
        if plan.grace_interest is GraceInterest.DEFERRED and plan.method is not AmortizationMethod.FLAT:
            deferred += round_product_array(principal, plan.rates[period], plan.mode)

    if plan.method is AmortizationMethod.FLAT:
        _flat(principal, plan, principal_parts, interest_parts)
        return principal_parts, interest_parts

    # Principal grace: interest only; the first paying instalment also pays the deferred.
    for period in range(plan.interest_grace, plan.grace):
        interest_parts[:, period] = round_product_array(principal, plan.rates[period], plan.mode) + deferred
        deferred = np.zeros(loans, dtype=np.int64)

    if plan.method is AmortizationMethod.EQUAL_PRINCIPAL:
        _equal_principal(principal, plan, principal_parts, interest_parts)
    else:
        _annuity(principal, plan, principal_parts, interest_parts)
    interest_parts[:, plan.grace] += deferred
    return principal_parts, interest_parts


def _even_parts(principal: IntArray, parts: int, plan: AmortizationPlan) -> IntArray:
    # round(principal / parts) to the multiple, or the floor of it when rounding up
    # would leave the residual part negative.
    multiple = plan.multiple
    part = round_product_array(principal, Fraction(1, parts * multiple), plan.mode) * multiple
    floor = round_product_array(principal, Fraction(1, parts * multiple), Rounding.FLOOR) * multiple
    result: IntArray = np.where(part * (parts - 1) > principal, floor, part)
    return result


def _residual_column(plan: AmortizationPlan, count: int) -> int:
    return plan.grace if plan.residual is ResidualPlacement.FIRST else count - 1


def _equal_principal(
    principal: IntArray, plan: AmortizationPlan, principal_parts: IntArray, interest_parts: IntArray
) -> None:
    count = len(plan.rates)
    paying = count - plan.grace
    part = _even_parts(principal, paying, plan)
    principal_parts[:, plan.grace:] = part[:, None]
    residual_column = _residual_column(plan, count)
    principal_parts[:, residual_column] = principal - part * (paying - 1)

    balance = principal.copy()
    for period in range(plan.grace, count):
        interest_parts[:, period] = round_product_array(balance, plan.rates[period], plan.mode)
        balance = balance - principal_parts[:, period]


def _flat(principal: IntArray, plan: AmortizationPlan, principal_parts: IntArray, interest_parts: IntArray) -> None:
    count = len(plan.rates)
    charged = plan.rates
    if plan.grace_interest is GraceInterest.WAIVED:
        charged = plan.rates[plan.interest_grace:]
    total_interest = round_product_array(principal, sum(charged, Fraction(0)), plan.mode)

    # Flat interest is spread evenly over the instalments that pay anything.
    paying_interest = count - plan.interest_grace
    share, left_over = np.divmod(total_interest, paying_interest)
    interest_parts[:, plan.interest_grace:] = share[:, None]
    columns = np.arange(paying_interest)
    if plan.residual is ResidualPlacement.FIRST:
        extra = columns[None, :] < left_over[:, None]
    else:
        extra = columns[None, :] >= (paying_interest - left_over)[:, None]
    interest_parts[:, plan.interest_grace:] += extra.astype(np.int64)

    paying = count - plan.grace
    part = _even_parts(principal, paying, plan)
    principal_parts[:, plan.grace:] = part[:, None]
    principal_parts[:, _residual_column(plan, count)] = principal - part * (paying - 1)


def _annuity(principal: IntArray, plan: AmortizationPlan, principal_parts: IntArray, interest_parts: IntArray) -> None:
    amortising = list(plan.rates[plan.grace:])
    if plan.first_regular_rate is not None and plan.grace == 0:
        amortising[0] = plan.first_regular_rate
    factor = annuity_factor(amortising)
    multiple = plan.multiple
    payment = round_product_array(principal, factor / multiple, plan.mode) * multiple

    # A rounded payment that overpays (the balance runs out before the last instalment)
    # is lowered to the largest multiple that does not, found by bisection: a larger
    # payment never repays more slowly.
    # TODO: the residual first, a short odd first period and a rate such as 150 % make the
    # search settle on a tiny level payment and a first instalment that repays nearly
    # all. The last instalment can then exceed the level payment.
    parts, interest, overpaid = _annuity_with_residual(principal, payment, plan)
    if overpaid.any():
        fits = np.zeros_like(payment)  # in multiples; a zero payment never overpays
        too_large = np.where(overpaid, payment // multiple, fits)
        while ((too_large - fits > 1) & overpaid).any():
            middle = np.where(overpaid, (fits + too_large) // 2, fits)
            _, _, middle_overpays = _annuity_with_residual(principal, middle * multiple, plan)
            open_rows = overpaid & (too_large - fits > 1)
            too_large = np.where(open_rows & middle_overpays, middle, too_large)
            fits = np.where(open_rows & ~middle_overpays, middle, fits)
        payment = np.where(overpaid, fits * multiple, payment)
        parts, interest, _ = _annuity_with_residual(principal, payment, plan)
    if len(amortising) > 1 and ((payment <= 0) & (principal > 0)).any():
        raise InvalidInputError(
            "instalment_multiple", multiple,
            "every instalment that is a multiple of this many minor units either overpays the loan or is zero",
            "Use a smaller instalment multiple, such as 0.01 or 1.",
        )
    principal_parts[:, plan.grace:] = parts
    interest_parts[:, plan.grace:] = interest


def _annuity_with_residual(
    principal: IntArray, payment: IntArray, plan: AmortizationPlan
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    first_extra = np.zeros_like(payment)
    if plan.residual is ResidualPlacement.FIRST:
        first_extra = _first_instalment_extra(principal, payment, plan)
    return _annuity_pass(principal, payment, first_extra, plan)


def _instalment(
    period: int, payment: IntArray, first_extra: IntArray, balance: IntArray, interest: IntArray,
    plan: AmortizationPlan,
) -> IntArray:
    # What instalment ``period`` (counted from the first amortising one) pays in total.
    if period != 0:
        return payment
    if plan.first_regular_rate is not None and plan.grace == 0:
        # The odd first period's extra (or missing) interest rides on a regular instalment.
        regular_interest = round_product_array(balance, plan.first_regular_rate, plan.mode)
        return payment + first_extra + interest - regular_interest
    return payment + first_extra


def _annuity_pass(
    principal: IntArray, payment: IntArray, first_extra: IntArray, plan: AmortizationPlan
) -> tuple[IntArray, IntArray, npt.NDArray[np.bool_]]:
    """Run the amortising periods once; the last period settles the balance.

    An instalment that does not cover its interest (a long odd first period at a high
    rate) pays what it can, and the rest of the interest is carried to the next
    instalment, never added to the balance. Returns the principal and interest paid per
    instalment and which loans' balances ran out before the last instalment.
    """
    rates = plan.rates[plan.grace:]
    count = len(rates)
    parts = np.zeros((principal.shape[0], count), dtype=np.int64)
    interest_paid = np.zeros((principal.shape[0], count), dtype=np.int64)
    balance = principal.copy()
    carried = np.zeros_like(balance)
    overpaid = np.zeros(principal.shape[0], dtype=bool)
    for period, rate in enumerate(rates):
        interest = round_product_array(balance, rate, plan.mode)
        due = interest + carried
        if period == count - 1:
            parts[:, period] = balance
            interest_paid[:, period] = due
            break
        paying = _instalment(period, payment, first_extra, balance, interest, plan)
        paid = np.minimum(due, np.maximum(paying, 0))
        carried = due - paid
        part = paying - paid
        overpaid |= part > balance
        part = np.clip(part, 0, balance)
        parts[:, period] = part
        interest_paid[:, period] = paid
        balance = balance - part
    return parts, interest_paid, overpaid


def _first_instalment_extra(principal: IntArray, payment: IntArray, plan: AmortizationPlan) -> IntArray:
    """Find, per loan, the smallest addition to the first instalment that leaves the
    last instalment at or below the level payment (bisection over whole minor units)."""
    count = len(plan.rates) - plan.grace
    if count == 1:
        return np.zeros_like(payment)
    low = -payment  # the first instalment pays nothing: the last one is too large
    high = principal.copy()  # the first instalment repays everything
    while True:
        open_rows = high - low > 1
        if not open_rows.any():
            return high
        middle = np.where(open_rows, (low + high) // 2, high)
        last = _last_payment(principal, payment, middle, plan)
        fits = last <= payment
        high = np.where(open_rows & fits, middle, high)
        low = np.where(open_rows & ~fits, middle, low)


def _saturation_bound(principal: IntArray, payment: IntArray, first_extra: IntArray, rates: Sequence[Fraction]) -> int:
    """Return the balance beyond which a probe's result is settled, for _last_payment.

    A probe that pays too little at a high rate grows its balance by compounding until it
    leaves int64 (1 cent compounding at 150 % a year for 50 years is about 8e19 cents). After the first
    instalment the payments are level and non-negative, so a balance past this bound
    cannot come back within ``count * payment`` of zero: the last instalment stays above
    the level payment (positive side) or below zero (negative side) whatever happens
    after. Holding the balance at the bound keeps that result and stays in int64.
    """
    count = len(rates) + 2
    largest = int(np.abs(principal).max()) + int(np.abs(payment).max()) + int(np.abs(first_extra).max()) + 1
    # Room for one period's interest on the bound without overflow.
    headroom = (2**62) // (1 + math.ceil(max(rates, default=Fraction(0))))
    return min(4 * count * largest, headroom)


def _last_payment(principal: IntArray, payment: IntArray, first_extra: IntArray, plan: AmortizationPlan) -> IntArray:
    # The last instalment when the first pays ``payment + first_extra`` and the rest pay
    # ``payment``, with interest carried as in _annuity_pass. Balances may go negative
    # here, which keeps the result falling as ``first_extra`` grows.
    rates = plan.rates[plan.grace:]
    balance = principal.copy()
    carried = np.zeros_like(balance)
    bound = _saturation_bound(principal, payment, first_extra, rates)
    for period, rate in enumerate(rates[:-1]):
        interest = round_product_array(balance, rate, plan.mode)
        due = interest + carried
        paying = _instalment(period, payment, first_extra, balance, interest, plan)
        paid = np.minimum(due, np.maximum(paying, 0))
        carried = due - paid
        balance = np.clip(balance - (paying - paid), -bound, bound)
    last: IntArray = balance + round_product_array(balance, rates[-1], plan.mode) + carried
    return last
