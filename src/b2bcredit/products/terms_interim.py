"""Interim payment terms: Net N, end of month, early-payment discount, equal instalments.

These cover the products in the default catalogue so that the ledger and checkout work
end to end. Dates are calendar days with no business-day roll. Instalment dates step by
whole months from the anchor, and ``relativedelta`` clamps the 31st to the month's last
day. Each date is computed from the anchor, not from the previous date, so a schedule
never drifts. The APR is the effective annual rate at which the dated parts discount back
to the amount financed, with ACT/365 year fractions.

TODO: the terms package replaces this module (business-day calendars, day-count
conventions, interest-bearing schedules); keep :class:`PaymentTerms` as the seam.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import attrs
from dateutil.relativedelta import relativedelta
from scipy.optimize import brentq

from b2bcredit.core.money import DECIMAL_CONTEXT, Money, RemainderPlacement
from b2bcredit.products.terms import (
    EarlyPaymentDiscount,
    PaymentTerms,
    ScheduledPayment,
    TermsKind,
    TermsSpec,
)

__all__ = ["SpecTerms", "annual_percentage_rate", "build_terms"]

# APR is reported to a hundredth of a percent, the precision consumer-credit rules use.
_APR_QUANTUM = Decimal("0.0001")


@attrs.frozen
class SpecTerms:
    """Payment terms computed directly from a :class:`TermsSpec`."""

    spec: TermsSpec

    @property
    def code(self) -> str:
        """Short conventional name of the terms, such as ``net30``."""
        return self.spec.code

    def schedule(self, amount: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Split ``amount`` into dated parts anchored at ``anchor``."""
        spec = self.spec
        if spec.kind is TermsKind.IMMEDIATE:
            return (ScheduledPayment(anchor, amount),)
        if spec.kind is TermsKind.NET:
            return (ScheduledPayment(anchor + timedelta(days=spec.days), amount),)
        if spec.kind is TermsKind.END_OF_MONTH:
            return (ScheduledPayment(_end_of_month(anchor) + timedelta(days=spec.days), amount),)
        # Equal parts, the odd minor units on the last part so earlier parts are round.
        parts = amount.allocate(spec.installments, RemainderPlacement.LAST)
        return tuple(
            ScheduledPayment(anchor + relativedelta(months=spec.interval_months * (index + 1)), part)
            for index, part in enumerate(parts)
        )

    def discount(self, anchor: date) -> EarlyPaymentDiscount | None:
        """Return the early-payment discount for an invoice anchored at ``anchor``, if any."""
        if self.spec.discount_rate is None or self.spec.discount_days is None:
            return None
        start = _end_of_month(anchor) if self.spec.kind is TermsKind.END_OF_MONTH else anchor
        return EarlyPaymentDiscount(self.spec.discount_rate, start + timedelta(days=self.spec.discount_days))


def build_terms(spec: TermsSpec) -> PaymentTerms:
    """Return the payment terms that ``spec`` describes."""
    return SpecTerms(spec)


def annual_percentage_rate(financed: Money, schedule: tuple[ScheduledPayment, ...], anchor: date) -> Decimal | None:
    """Return the effective annual rate equating the schedule with the amount financed.

    Solves ``financed = sum(part / (1 + apr) ** (days / 365))`` for ``apr``. The result is
    ``0`` when the parts sum to the amount financed, and ``None`` when it is undefined
    (nothing financed, or every part due on the anchor date while costing more).
    """
    total = Money.sum((part.amount for part in schedule), financed.currency)
    if not financed.is_positive() or total == financed:
        return Decimal(0) if financed.is_positive() else None
    flows = [(float((part.due_date - anchor).days) / 365.0, float(part.amount.amount)) for part in schedule]
    if all(years <= 0 for years, _ in flows):
        return None
    principal = float(financed.amount)

    def present_value_gap(rate: float) -> float:
        return float(sum(amount / (1.0 + rate) ** years for years, amount in flows) - principal)

    # The gap falls as the rate rises; bracket the root between -99% and a very high rate.
    rate = float(brentq(present_value_gap, -0.99, 1e6, xtol=1e-12, maxiter=500))
    return Decimal(repr(rate)).quantize(_APR_QUANTUM, context=DECIMAL_CONTEXT)


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
