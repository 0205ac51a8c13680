"""Payment terms computed by the terms package, behind the :class:`PaymentTerms` protocol.

Trade terms (Net N, end of month, early-payment discounts, split terms) get their due
dates from :class:`~b2bcredit.terms.trade.TradeTerms`, anchored at the capture
(shipment) date and rolled on the tenant's business calendar when one is given.
Instalment plans get their dates and parts from
:func:`~b2bcredit.terms.schedule.build_schedules` with the product's rounding policy
(row for row what ``build_schedule`` gives). A plan with an interest rate amortises the
principal at that rate and spreads the buyer fee over the instalments;
:func:`repayment_schedule` builds the parts of either kind of terms.
The APR shown at checkout is the Regulation Z APR of :mod:`b2bcredit.terms.apr`.

Example:
    >>> from datetime import date
    >>> from b2bcredit.core.money import DECIMAL_CONTEXT, Money, RemainderPlacement, Rounding
    >>> terms = TermsFactory()(TermsSpec.parse("2/10 net 30"))
    >>> terms.schedule(Money("1000.00", "EUR"), date(2026, 12, 1))[0].due_date
    datetime.date(2026, 12, 31)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, RemainderPlacement, Rounding
from b2bcredit.products.terms import (
    EarlyPaymentDiscount,
    PaymentTerms,
    ScheduledPayment,
    TermsKind,
    TermsSpec,
)
from b2bcredit.terms.apr import regulation_z_apr
from b2bcredit.terms.cashflows import NoRateError
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rounding import ResidualPlacement
from b2bcredit.terms.schedule import ScheduleSpec, build_schedules
from b2bcredit.terms.trade import TradeTerms

__all__ = [
    "InstalmentPlanTerms",
    "InterestBearingTerms",
    "TermsFactory",
    "TradeTermsAdapter",
    "build_terms",
    "offer_apr",
    "repayment_schedule",
]

# The APR is disclosed to a hundredth of a percent (Regulation Z, 12 CFR 1026.22(a)(2)).
_APR_QUANTUM = Decimal("0.0001")


@attrs.frozen
class TradeTermsAdapter:
    """Trade terms of a product: one part (or one per split) due on dates from TradeTerms."""

    spec: TermsSpec
    terms: TradeTerms

    @property
    def code(self) -> str:
        """The terms in the usual notation, such as ``2/10 net 30``."""
        return self.spec.code

    def schedule(self, amount: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Split ``amount`` into the parts the terms set, due from ``anchor``."""
        quote = self.terms.quote(amount, anchor)
        return tuple(ScheduledPayment(part.due_date, part.amount) for part in quote.parts)

    def discount(self, anchor: date) -> EarlyPaymentDiscount | None:
        """Return the early-payment discount and its last day for an invoice anchored at ``anchor``."""
        deadline = self.terms.discount_deadline(anchor)
        if deadline is None or self.spec.discount_rate is None:
            return None
        return EarlyPaymentDiscount(self.spec.discount_rate, deadline)


@attrs.frozen
class InstalmentPlanTerms:
    """An instalment plan of a product: the parts of a schedule built by the terms package."""

    spec: TermsSpec
    calendar: BusinessCalendar | None = None
    convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED

    @property
    def code(self) -> str:
        """The plan in words, such as ``3 monthly instalments``."""
        return self.spec.code

    def schedule(self, amount: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Split ``amount`` into the plan's instalments, the first one period after ``anchor``.

        The terms package rejects an amount of fewer minor units than instalments (zero,
        or a partial capture of a few cents), because some part would be zero. Such an
        amount is split by :meth:`Money.allocate` instead, zeros first, on the same dates.
        """
        count = self.spec.installments
        tiny = amount.minor_units < count
        # The batch builder gives the same rows as build_schedule without computing the
        # schedule's own APR, which checkout computes once for the whole offer.
        # A tiny amount only borrows the dates of a plan of one minor unit per part.
        financed = Money.from_minor_units(count, amount.currency) if tiny else amount
        plan = build_schedules(self._schedule_spec(financed, Decimal(0), anchor), [financed])
        if tiny:
            parts = amount.allocate(count, RemainderPlacement.LAST)
        else:
            parts = tuple(Money.from_minor_units(int(units), amount.currency) for units in plan.payment[0])
        return tuple(ScheduledPayment(day, part) for day, part in zip(plan.due_dates, parts, strict=True))

    def discount(self, anchor: date) -> EarlyPaymentDiscount | None:
        """Return None: instalment plans offer no early-payment discount."""
        return None

    def _schedule_spec(self, amount: Money, annual_rate: Decimal, anchor: date) -> ScheduleSpec:
        return ScheduleSpec(
            amount=amount,
            annual_rate=annual_rate,
            instalments=self.spec.installments,
            start_date=anchor,
            frequency=self.spec.frequency,
            method=self.spec.method,
            rounding=self.spec.rounding,
            calendar=self.calendar,
            business_day_convention=self.convention,
        )

    def schedule_with_interest(self, principal: Money, fee: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Amortise ``principal`` at the plan's rate and spread ``fee``, the first part one period after ``anchor``.

        Each part states its principal and interest. The terms package gives the
        principal and interest columns (its rounding policy, its residual instalment), and
        the fee is allocated in minor units with the remainder on the same instalment as
        the principal's residual. A principal of fewer minor units than instalments
        carries no interest and is allocated like a fee-only plan's.
        """
        count = self.spec.installments
        currency = principal.currency
        first = self.spec.rounding.residual is ResidualPlacement.FIRST
        placement = RemainderPlacement.FIRST if first else RemainderPlacement.LAST
        fees = fee.allocate(count, placement)
        if principal.minor_units < count:
            dated = self.schedule(principal, anchor)
            zero = Money.zero(currency)
            return tuple(
                ScheduledPayment(part.due_date, part.amount + part_fee, part.amount, zero)
                for part, part_fee in zip(dated, fees, strict=True)
            )
        plan = build_schedules(self._schedule_spec(principal, self.spec.annual_rate, anchor), [principal])
        parts = []
        for day, principal_units, interest_units, part_fee in zip(
            plan.due_dates, plan.principal[0], plan.interest[0], fees, strict=True
        ):
            part_principal = Money.from_minor_units(int(principal_units), currency)
            part_interest = Money.from_minor_units(int(interest_units), currency)
            part_amount = part_principal + part_interest + part_fee
            parts.append(ScheduledPayment(day, part_amount, part_principal, part_interest))
        return tuple(parts)


@runtime_checkable
class InterestBearingTerms(Protocol):
    """Payment terms that charge interest on the principal, beside :class:`PaymentTerms`."""

    def schedule_with_interest(self, principal: Money, fee: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Return the dated parts of ``principal`` with interest and ``fee``, anchored at ``anchor``."""
        ...


def repayment_schedule(
    terms: PaymentTerms, spec: TermsSpec, principal: Money, fee: Money, anchor: date
) -> tuple[ScheduledPayment, ...]:
    """Return the dated parts the buyer pays for ``principal`` and ``fee`` under ``terms``.

    Terms of an interest-bearing plan amortise the principal with interest and spread
    the fee. All other terms split principal plus fee, as they always have, so their
    parts sum to ``principal + fee``.
    """
    if not spec.bears_interest:
        return terms.schedule(principal + fee, anchor)
    if not isinstance(terms, InterestBearingTerms):
        raise InvalidInputError(
            "terms_factory",
            type(terms).__name__,
            f"the terms of {spec.code} charge interest but have no schedule_with_interest method",
            "Return InstalmentPlanTerms (or terms with schedule_with_interest) for instalment plans.",
        )
    return terms.schedule_with_interest(principal, fee, anchor)


@attrs.frozen
class TermsFactory:
    """Turns a product's :class:`TermsSpec` into :class:`PaymentTerms` on a business calendar.

    Without a calendar, due dates are calendar days (UNADJUSTED). With one, dates falling
    on a weekend or holiday roll by ``convention`` (FOLLOWING unless given), and a
    month-end date keeps its month.
    """

    calendar: BusinessCalendar | None = None
    convention: BusinessDayConvention | None = None

    def __attrs_post_init__(self) -> None:
        if self.calendar is None and self.convention not in (None, BusinessDayConvention.UNADJUSTED):
            raise InvalidInputError(
                "calendar",
                None,
                f"the roll {self.convention.value if self.convention else ''} needs a business calendar",
                "Pass calendar=BusinessCalendar(...) or leave the convention out.",
            )

    @property
    def roll(self) -> BusinessDayConvention:
        """The business-day convention applied to due dates."""
        if self.convention is not None:
            return self.convention
        return BusinessDayConvention.UNADJUSTED if self.calendar is None else BusinessDayConvention.FOLLOWING

    def __call__(self, spec: TermsSpec) -> PaymentTerms:
        """Return the payment terms ``spec`` describes."""
        if spec.kind is TermsKind.INSTALLMENTS:
            return InstalmentPlanTerms(spec, self.calendar, self.roll)
        # Pay-now and cash-on-delivery terms fall due at the anchor and never roll.
        if spec.kind is TermsKind.IMMEDIATE:
            return TradeTermsAdapter(spec, spec.trade_terms())
        return TradeTermsAdapter(spec, spec.trade_terms(self.calendar, self.roll))


_DEFAULT_FACTORY = TermsFactory()


def build_terms(spec: TermsSpec) -> PaymentTerms:
    """Return the payment terms ``spec`` describes, with calendar-day due dates."""
    return _DEFAULT_FACTORY(spec)


def offer_apr(spec: TermsSpec, financed: Money, schedule: tuple[ScheduledPayment, ...], anchor: date) -> Decimal | None:
    """Return the Regulation Z APR of repaying ``financed``, advanced on ``anchor``, by ``schedule``.

    The unit period is the plan's frequency for instalment plans and a month for trade
    terms. The rate is rounded to a hundredth of a percent (``Decimal("0.1268")`` is
    12.68 %). It is ``0`` when the parts sum to the amount financed, and None when no rate
    balances the flows (nothing financed, or a cost due on the anchor date itself).
    """
    total = Money.sum((part.amount for part in schedule), financed.currency)
    if not financed.is_positive():
        return None
    if total == financed:
        return Decimal(0)
    # No rate discounts a cost due at the advance itself; checked here because
    # regulation_z_apr returns the edge of its search range for such flows.
    if all(part.due_date <= anchor for part in schedule):
        return None
    unit_period = spec.frequency if spec.kind is TermsKind.INSTALLMENTS else Frequency.MONTHLY
    try:
        result = regulation_z_apr(
            [(anchor, financed.amount)],
            [(part.due_date, part.amount.amount) for part in schedule],
            unit_period=unit_period,
        )
    except NoRateError:
        return None
    return result.rate.quantize(_APR_QUANTUM, rounding=Rounding.HALF_UP.value, context=DECIMAL_CONTEXT)
