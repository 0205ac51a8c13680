"""The payment-terms interface the ledger and checkout need, and the value types it uses.

A product's terms give the dates on which the parts of an amount fall due: one part for
Net N, several for an instalment plan. They also give the early-payment discount and its
window, and how a payment inside that window splits into cash and discount. The terms
package implements the same protocol, and :mod:`b2bcredit.products.terms_interim`
covers the simple cases until then.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding

__all__ = [
    "EarlyPaymentDiscount",
    "PaymentTerms",
    "ScheduledPayment",
    "TermsKind",
    "TermsSpec",
]


class TermsKind(enum.Enum):
    """The rule that computes a product's due dates."""

    IMMEDIATE = "immediate"  # due on the anchor date (pay now, cash on delivery)
    NET = "net"  # due N days after the anchor date
    END_OF_MONTH = "end_of_month"  # due N days after the end of the anchor's month
    INSTALLMENTS = "installments"  # equal parts every `interval_months` months


@attrs.frozen
class TermsSpec:
    """The data that defines a product's payment terms, as stored in the catalogue.

    ``discount_rate`` and ``discount_days`` describe an early-payment discount such as
    2/10 net 30 (``Decimal("0.02")`` within 10 days); both are absent when there is none.
    """

    kind: TermsKind
    days: int = 0
    discount_rate: Decimal | None = None
    discount_days: int | None = None
    installments: int = 1
    interval_months: int = 1

    def __attrs_post_init__(self) -> None:
        if self.days < 0:
            raise InvalidInputError("days", self.days, "must not be negative", "Pass 0 or more days.")
        if (self.discount_rate is None) != (self.discount_days is None):
            raise InvalidInputError(
                "discount_rate",
                self.discount_rate,
                "a discount needs both a rate and a number of days",
                "Set discount_rate and discount_days together, or neither.",
            )
        if self.discount_rate is not None and not Decimal(0) < self.discount_rate < Decimal(1):
            raise InvalidInputError(
                "discount_rate",
                self.discount_rate,
                "must be between 0 and 1",
                "Pass a share such as Decimal('0.02') for 2 percent.",
            )
        if self.discount_days is not None and not 0 <= self.discount_days <= self.days:
            raise InvalidInputError(
                "discount_days",
                self.discount_days,
                "the discount window must end by the due date",
                f"Pass 0 to {self.days} days.",
            )
        if self.installments < 1 or self.interval_months < 1:
            raise InvalidInputError(
                "installments",
                self.installments,
                "instalment count and interval must be at least 1",
                "Pass installments=3 and interval_months=1 for three monthly parts.",
            )

    @property
    def code(self) -> str:
        """Short conventional name: ``net30``, ``2/10 net 30``, ``eom30``, ``3x1m``, ``immediate``."""
        if self.kind is TermsKind.IMMEDIATE:
            return "immediate"
        if self.kind is TermsKind.INSTALLMENTS:
            return f"{self.installments}x{self.interval_months}m"
        base = f"net{self.days}" if self.kind is TermsKind.NET else f"eom{self.days}"
        if self.discount_rate is not None:
            percent = (self.discount_rate * 100).normalize()
            return f"{percent:f}/{self.discount_days} {base}"
        return base


@attrs.frozen
class ScheduledPayment:
    """One dated part of an amount due; the parts of a schedule sum to the whole."""

    due_date: date
    amount: Money


@attrs.frozen
class EarlyPaymentDiscount:
    """A discount of ``rate`` on principal paid on or before ``last_day``.

    A partial payment earns the discount in proportion: paying ``p`` in the window settles
    ``p / (1 - rate)`` of principal, so 490.00 under 2/10 settles 500.00 and 980.00
    settles 1,000.00. The discount on a partial payment rounds down, so a payer never
    settles more than the exact proportion. The discount on the full outstanding amount
    rounds half up, as invoices state it.
    """

    rate: Decimal
    last_day: date

    def applies_on(self, paid_on: date) -> bool:
        """Return whether a payment received on ``paid_on`` is inside the window."""
        return paid_on <= self.last_day

    def split_payment(self, outstanding: Money, payment: Money) -> tuple[Money, Money]:
        """Split ``payment`` against ``outstanding`` principal into (cash used, discount).

        Cash used plus discount is the principal settled; it never exceeds ``outstanding``.
        Cash left over (``payment`` minus cash used) stays with the payer.
        """
        full_discount = outstanding.multiply(self.rate, Rounding.HALF_UP)
        cash_for_full = outstanding - full_discount
        if payment >= cash_for_full:
            return cash_for_full, full_discount
        # One division of exact products, so 294.00 at 2% earns exactly 6.00.
        exact = DECIMAL_CONTEXT.divide(payment.amount * self.rate, Decimal(1) - self.rate)
        discount = Money(exact, payment.currency, rounding=Rounding.DOWN)
        # The proportional discount is below the full one because payment < cash_for_full.
        return payment, min(discount, outstanding - payment)


@runtime_checkable
class PaymentTerms(Protocol):
    """The interface to a product's terms that the ledger and checkout use."""

    @property
    def code(self) -> str:
        """Short conventional name of the terms, such as ``net30``."""
        ...

    def schedule(self, amount: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Split ``amount`` into dated parts, anchored at the capture (shipment) date."""
        ...

    def discount(self, anchor: date) -> EarlyPaymentDiscount | None:
        """Return the early-payment discount for an invoice anchored at ``anchor``, if any."""
        ...
