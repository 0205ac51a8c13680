"""The payment-terms interface the ledger and checkout need, and the value types it uses.

A product's terms give the dates on which the parts of an amount fall due: one part for
Net N, several for an instalment plan. They also give the early-payment discount and its
window, and how a payment inside that window splits into cash and discount.
:mod:`b2bcredit.products.terms_adapter` implements the protocol over :mod:`b2bcredit.terms`.

A catalogue names trade terms in the usual notation (``"net 30"``, ``"2/10 net 30"``,
``"net 30 EOM"``, ``"30/60/90"``); :meth:`TermsSpec.parse` reads it and
:attr:`TermsSpec.code` writes it back.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.errors import InvalidInputError, InvalidStateError, InvalidTypeError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.terms import discount as terms_discount
from b2bcredit.terms import trade
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.periods import Frequency, due_dates
from b2bcredit.terms.rounding import RoundingPolicy

__all__ = [
    "MONTHS_TO_FREQUENCY",
    "EarlyPaymentDiscount",
    "PaymentTerms",
    "ScheduledPayment",
    "TermsKind",
    "TermsSpec",
    "upgrade_stored_terms",
]

# The frequency of an instalment plan given as months between instalments, the form
# catalogues of version 2026-12-01 and records stored before ``frequency`` existed use.
MONTHS_TO_FREQUENCY = {1: Frequency.MONTHLY, 3: Frequency.QUARTERLY, 6: Frequency.SEMIANNUAL, 12: Frequency.ANNUAL}


class TermsKind(enum.Enum):
    """The rule that computes a product's due dates."""

    IMMEDIATE = "immediate"  # due on the anchor date (pay now, cash on delivery)
    NET = "net"  # due N days after the anchor date
    END_OF_MONTH = "end_of_month"  # due N days after the end of the anchor's month
    SPLIT = "split"  # equal parts due `split_days` days after the anchor, such as 30/60/90
    INSTALLMENTS = "installments"  # an instalment plan of `installments` parts at `frequency`


@attrs.frozen
class TermsSpec:
    """The data that defines a product's payment terms, as stored in the catalogue.

    ``discount_rate`` and ``discount_days`` describe an early-payment discount such as
    2/10 net 30 (``Decimal("0.02")`` within 10 days); both are absent when there is none.
    ``split_days`` are the days of SPLIT terms. ``installments``, ``frequency``,
    ``method``, ``rounding`` and ``annual_rate`` describe an instalment plan.
    ``annual_rate`` is the plan's nominal annual interest rate as a fraction of one
    (``Decimal("0.099")`` is 9.9 %), accrued per period as the rate over the periods in a
    year. At zero the plan is fee-only: the buyer fee is its finance charge, ``method``
    only decides how the parts are sized and ``rounding`` where the odd minor units go.
    """

    kind: TermsKind
    days: int = 0
    discount_rate: Decimal | None = None
    discount_days: int | None = None
    installments: int = 1
    frequency: Frequency = Frequency.MONTHLY
    method: AmortizationMethod = AmortizationMethod.ANNUITY
    rounding: RoundingPolicy = attrs.field(factory=RoundingPolicy)
    split_days: tuple[int, ...] = ()
    annual_rate: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.annual_rate, Decimal):
            raise InvalidTypeError(
                "annual_rate", self.annual_rate, "expected a Decimal, never a float", "Pass Decimal('0.099')."
            )
        if not Decimal(0) <= self.annual_rate <= Decimal(1):
            raise InvalidInputError(
                "annual_rate",
                str(self.annual_rate),
                "must be between 0 and 1",
                "Pass the nominal annual rate as a fraction of one, such as Decimal('0.099') for 9.9 %.",
            )
        if self.annual_rate and self.kind is not TermsKind.INSTALLMENTS:
            raise InvalidInputError(
                "annual_rate",
                str(self.annual_rate),
                f"{self.kind.value} terms carry no interest",
                "Give the rate to an instalment plan, or pass 0.",
            )
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
        if self.installments < 1:
            raise InvalidInputError(
                "installments",
                self.installments,
                "an instalment plan needs at least 1 instalment",
                "Pass installments=3 for three monthly parts.",
            )
        if self.kind is not TermsKind.SPLIT and self.split_days:
            raise InvalidInputError(
                "split_days", list(self.split_days), f"{self.kind.value} terms take no split days", "Pass ()."
            )
        if self.kind in (TermsKind.NET, TermsKind.END_OF_MONTH, TermsKind.SPLIT):
            # Building the trade terms checks them (discount before the net days, split order).
            self.trade_terms()

    @classmethod
    def parse(cls, notation: str) -> TermsSpec:
        """Read trade terms in the usual notation: ``"net 30"``, ``"2/10 net 30"``, ``"30/60/90"``.

        ``"due on receipt"`` and ``"cash in advance"`` read as IMMEDIATE. Proximo terms
        are not offered by catalogue products and raise.
        """
        parsed = trade.TradeTerms.parse(notation)
        discount_rate = None if parsed.discount is None else parsed.discount.rate
        discount_days = None if parsed.discount is None else parsed.discount.days
        if parsed.kind in (trade.TermsKind.ON_RECEIPT, trade.TermsKind.CASH_IN_ADVANCE):
            return cls(TermsKind.IMMEDIATE)
        if parsed.kind is trade.TermsKind.NET:
            return cls(TermsKind.NET, parsed.days, discount_rate, discount_days)
        if parsed.kind is trade.TermsKind.END_OF_MONTH:
            return cls(TermsKind.END_OF_MONTH, parsed.days, discount_rate, discount_days)
        if parsed.kind is trade.TermsKind.SPLIT and parsed.split_weights is None:
            return cls(TermsKind.SPLIT, split_days=parsed.split_days)
        raise InvalidInputError(
            "terms",
            notation,
            f"{parsed.kind.value} terms are not offered by catalogue products",
            "Use net, end-of-month, split or instalment terms.",
        )

    def trade_terms(
        self,
        calendar: BusinessCalendar | None = None,
        convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED,
    ) -> trade.TradeTerms:
        """Return the :class:`~b2bcredit.terms.trade.TradeTerms` of these terms.

        Due dates roll on ``calendar`` by ``convention``. The anchor is the capture
        (shipment) date, passed to the trade terms as the invoice date.

        Raises:
            InvalidInputError: instalment plans are schedules, not trade terms.
        """
        if self.kind is TermsKind.INSTALLMENTS:
            raise InvalidInputError(
                "kind", self.kind.value, "an instalment plan has a schedule, not trade terms", "Use a schedule."
            )
        discount = None
        if self.discount_rate is not None and self.discount_days is not None:
            discount = terms_discount.EarlyPaymentDiscount(self.discount_rate, self.discount_days)
        kind = {
            TermsKind.IMMEDIATE: trade.TermsKind.ON_RECEIPT,
            TermsKind.NET: trade.TermsKind.NET,
            TermsKind.END_OF_MONTH: trade.TermsKind.END_OF_MONTH,
            TermsKind.SPLIT: trade.TermsKind.SPLIT,
        }[self.kind]
        return trade.TradeTerms(
            kind=kind,
            days=self.days,
            discount=discount,
            split_days=self.split_days,
            calendar=calendar,
            business_day_convention=convention,
        )

    @property
    def code(self) -> str:
        """The terms in the usual notation: ``net 30``, ``2/10 net 30``, ``net 30 EOM``, ``3 monthly instalments``."""
        if self.kind is TermsKind.IMMEDIATE:
            return "due on receipt"
        if self.kind is TermsKind.INSTALLMENTS:
            plan = f"{self.installments} {self.frequency.value} instalments"
            if not self.annual_rate:
                return plan
            return f"{plan} at {(self.annual_rate * 100).normalize():f}% a year"
        return str(self.trade_terms())

    @property
    def bears_interest(self) -> bool:
        """Whether the terms charge interest (an instalment plan with a positive rate)."""
        return self.annual_rate > 0

    def tenor_days(self, anchor: date) -> int:
        """Return the days from ``anchor`` to the last unadjusted due date.

        Account limits on terms (a counter-offer's maximum terms days) compare this
        figure. Business-day rolls are left out, so the figure does not depend on the
        tenant's calendar.
        """
        if self.kind is TermsKind.IMMEDIATE:
            return 0
        if self.kind is TermsKind.INSTALLMENTS:
            return (due_dates(anchor, self.installments, self.frequency)[-1] - anchor).days
        return (self.trade_terms().due_date(anchor) - anchor).days


def upgrade_stored_terms(data: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON of stored terms in the current form of :class:`TermsSpec`.

    Terms stored before ``frequency`` existed give the months between instalments as
    ``interval_months``. Without this step they would read as monthly whatever their
    interval, so a quarterly plan would be invoiced monthly after an upgrade.

    Raises:
        InvalidStateError: the stored interval has no frequency (such as 2 months).
    """
    if "frequency" in data or "interval_months" not in data:
        return data
    months = int(data["interval_months"])
    if months not in MONTHS_TO_FREQUENCY:
        raise InvalidStateError(
            f"stored instalment terms every {months} months have no frequency; "
            "replace the product with a plan of 1, 3, 6 or 12 months between instalments"
        )
    upgraded = {name: value for name, value in data.items() if name != "interval_months"}
    upgraded["frequency"] = MONTHS_TO_FREQUENCY[months].value
    return upgraded


@attrs.frozen
class ScheduledPayment:
    """One dated part of an amount due; the parts of a schedule sum to the whole.

    The instalments of an interest-bearing plan also state their ``principal`` and
    ``interest``; the rest of ``amount`` is fees. Both are None for other terms.
    """

    due_date: date
    amount: Money
    principal: Money | None = None
    interest: Money | None = None


@attrs.frozen
class EarlyPaymentDiscount:
    """A discount of ``rate`` on principal paid on or before ``last_day``.

    A partial payment earns the discount in proportion, by the rule of
    :func:`b2bcredit.terms.discount.discount_position`: a payment in the window lowers the
    early price outstanding by exactly the amount paid, so 490.00 under 2/10 settles
    500.00 and 980.00 settles 1,000.00. The early price and the face value left are
    rounded half up, as invoices state the discount.
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
        if not outstanding.is_positive():
            return Money.zero(outstanding.currency), Money.zero(outstanding.currency)
        # The window is open (the caller checked), so the payment counts as made on its last day.
        position = terms_discount.discount_position(
            outstanding,
            terms_discount.EarlyPaymentDiscount(self.rate, 0),
            self.last_day,
            [(self.last_day, payment)],
            rounding=Rounding.HALF_UP,
        )
        cash = position.paid - position.overpaid
        return cash, position.discount_earned


@runtime_checkable
class PaymentTerms(Protocol):
    """The interface to a product's terms that the ledger and checkout use."""

    @property
    def code(self) -> str:
        """The terms in the usual notation, such as ``net 30``."""
        ...

    def schedule(self, amount: Money, anchor: date) -> tuple[ScheduledPayment, ...]:
        """Split ``amount`` into dated parts, anchored at the capture (shipment) date."""
        ...

    def discount(self, anchor: date) -> EarlyPaymentDiscount | None:
        """Return the early-payment discount for an invoice anchored at ``anchor``, if any."""
        ...
