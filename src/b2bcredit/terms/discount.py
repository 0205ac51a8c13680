"""Early-payment discounts such as 2/10 net 30: deadline, discounted amount, partial
payments and the implied annual cost of not taking the discount.

Partial payments earn the discount in proportion. A payment made by the deadline is
credited at the early price, so the early price of what is left falls by exactly the
amount paid. On a 1,000.00 invoice whose early price is 980.00, a payment of 500.00
leaves an early price of 480.00 and a face value outstanding of 489.80.

Cost of forgoing the discount, with ``d`` the discount rate, ``D`` its days, ``N`` the
net days and ``Y`` the days in a year (365 or 360):
    simple: ``d / (1 - d) * Y / (N - D)``; 2/10 net 30 is 37.24 % on 365 days and
    36.73 % on 360 days.
    compounded: ``(1 + d / (1 - d)) ** (Y / (N - D)) - 1``; 2/10 net 30 is 44.59 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding, to_decimal

__all__ = ["DiscountPosition", "EarlyPaymentDiscount", "discount_position"]

_ONE = Decimal(1)


def _discount_rate(value: object) -> Decimal:
    rate = to_decimal(value, "discount_rate")
    if not 0 < rate < 1:
        raise InvalidInputError(
            "discount_rate", str(rate), "must be above 0 and below 1", "Pass the rate as a fraction, '0.02' for 2 %."
        )
    return rate


def _days(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError("discount_days", value, "expected a whole number of days, 0 or more", "Pass an int.")
    return value


@attrs.frozen
class EarlyPaymentDiscount:
    """A discount for paying within ``days`` of the terms' anchor.

    Attributes:
        rate: the discount as a fraction of the invoice (``Decimal("0.02")`` is 2 %).
        days: the discount period in days.
    """

    rate: Decimal = attrs.field(converter=_discount_rate)
    days: int = attrs.field(converter=_days)

    def discount_amount(self, amount: Money, rounding: Rounding = Rounding.HALF_EVEN) -> Money:
        """Return the discount on a full payment of ``amount``, rounded to the minor unit."""
        return amount.multiply(self.rate, rounding)

    def early_price(self, amount: Money, rounding: Rounding = Rounding.HALF_EVEN) -> Money:
        """Return what settles ``amount`` in full within the discount period."""
        return amount - self.discount_amount(amount, rounding)

    def _period_return(self, net_days: int, year_days: int) -> tuple[Decimal, Decimal]:
        if year_days not in (360, 365):
            raise InvalidInputError("year_days", year_days, "a year has 365 or 360 days here", "Pass 365 or 360.")
        if isinstance(net_days, bool) or not isinstance(net_days, int) or net_days <= self.days:
            raise InvalidInputError(
                "net_days", net_days, f"must be later than the discount period of {self.days} days",
                "Pass the days until the net amount is due.",
            )
        period_return = DECIMAL_CONTEXT.divide(self.rate, DECIMAL_CONTEXT.subtract(_ONE, self.rate))
        periods = DECIMAL_CONTEXT.divide(Decimal(year_days), Decimal(net_days - self.days))
        return period_return, periods

    def cost_simple(self, net_days: int, year_days: int = 365) -> Decimal:
        """Return the simple annual rate paid by forgoing the discount: d/(1-d) * Y/(N-D)."""
        period_return, periods = self._period_return(net_days, year_days)
        return DECIMAL_CONTEXT.multiply(period_return, periods)

    def cost_compounded(self, net_days: int, year_days: int = 365) -> Decimal:
        """Return the effective annual rate of forgoing the discount: (1 + d/(1-d)) ** (Y/(N-D)) - 1."""
        period_return, periods = self._period_return(net_days, year_days)
        growth = DECIMAL_CONTEXT.power(DECIMAL_CONTEXT.add(_ONE, period_return), periods)
        return DECIMAL_CONTEXT.subtract(growth, _ONE)

    def notation(self) -> str:
        """Return the discount part of the usual notation, ``"2/10"``."""
        percent = (self.rate * 100).normalize()
        return f"{percent:f}/{self.days}"


@attrs.frozen
class DiscountPosition:
    """The state of an invoice with an early-payment discount after some payments.

    Attributes:
        face_outstanding: the invoice amount still owed at full price.
        early_price_outstanding: what settles the rest by the deadline; None after it.
        paid: the sum of the payments.
        discount_earned: the face value settled beyond the money paid.
        overpaid: money paid beyond what the invoice needed.
    """

    face_outstanding: Money
    early_price_outstanding: Money | None
    paid: Money
    discount_earned: Money
    overpaid: Money


def discount_position(
    invoice: Money,
    discount: EarlyPaymentDiscount,
    deadline: date,
    payments: Sequence[tuple[date, Money]],
    *,
    as_of: date | None = None,
    rounding: Rounding = Rounding.HALF_EVEN,
) -> DiscountPosition:
    """Apply ``payments`` (in date order) to ``invoice`` and return its position.

    A payment on or before ``deadline`` lowers the early price outstanding by exactly
    the amount paid. The face value outstanding is then the early price outstanding
    scaled up by ``invoice / early price``, rounded with ``rounding``. A payment after
    the deadline lowers the face value. ``as_of`` (the last payment's date if omitted)
    decides whether the early price is still on offer.
    """
    if not isinstance(invoice, Money) or not invoice.is_positive():
        raise InvalidInputError("invoice", str(invoice), "must be a positive Money amount", "Pass the invoice total.")
    currency = invoice.currency
    early_total = discount.early_price(invoice, rounding)
    face = invoice
    early: Money | None = early_total
    paid = Money.zero(currency)
    overpaid = Money.zero(currency)
    last_date = deadline
    previous: date | None = None
    for when, amount in payments:
        if not isinstance(amount, Money):
            raise InvalidTypeError("payments", amount, "expected Money amounts", "Pass (date, Money) pairs.")
        if amount.currency != currency or not amount.is_positive():
            raise InvalidInputError(
                "payments", str(amount), f"each payment must be a positive amount in {currency.code}", "Fix it."
            )
        if previous is not None and when < previous:
            raise InvalidInputError("payments", when.isoformat(), "payments must be in date order", "Sort them.")
        previous = last_date = when
        paid = paid + amount
        if face.is_zero():
            overpaid = overpaid + amount
            continue
        if when <= deadline and early is not None:
            if amount >= early:
                overpaid = overpaid + (amount - early)
                face, early = Money.zero(currency), Money.zero(currency)
                continue
            early = early - amount
            scaled = DECIMAL_CONTEXT.divide(
                DECIMAL_CONTEXT.multiply(early.amount, invoice.amount), early_total.amount
            )
            face = Money(scaled, currency, rounding=rounding)
        else:
            early = None
            if amount >= face:
                overpaid = overpaid + (amount - face)
                face = Money.zero(currency)
            else:
                face = face - amount

    still_open = (as_of if as_of is not None else last_date) <= deadline
    settled = invoice - face
    discount_earned = settled - (paid - overpaid)
    return DiscountPosition(
        face_outstanding=face,
        early_price_outstanding=early if still_open else None,
        paid=paid,
        discount_earned=discount_earned,
        overpaid=overpaid,
    )
