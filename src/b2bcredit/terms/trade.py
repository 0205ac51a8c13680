"""Trade-credit terms: Net N, end of month, proximo, on receipt, cash in advance and
split terms, with early-payment discounts, business-day rolls and the usual notation.

Notation accepted by :meth:`TradeTerms.parse` (case and spacing do not matter):

=========================  ===============================================================
``net 30``, ``n/30``        due 30 days after the anchor (the invoice date by default)
``2/10 net 30``             2 % off if paid within 10 days, else due in 30 days
``net 30 EOM``              due 30 days after the end of the anchor's month
``2/10 EOM net 30``         both periods counted from the end of the anchor's month
``EOM``                     due on the last day of the anchor's month
``10th prox``               due on the 10th of the month after the anchor's
``due on receipt``          due on the invoice date
``CIA``, ``cash in advance``  due on the order date, before shipment
``30/60/90``                three equal parts due 30, 60 and 90 days after the anchor
=========================  ===============================================================

Dates are rolled to business days after they are computed: a term that asks for a
roll needs a calendar; a month-end due date rolls with the modified convention so it
stays in its month; and two parts of a split never fall on the same day (the later
one moves to the next business day).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention, add_months, end_of_month
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money, RemainderPlacement, Rounding, to_decimal
from b2bcredit.terms.discount import EarlyPaymentDiscount
from b2bcredit.terms.periods import roll_dates

__all__ = [
    "DuePart",
    "TermsAnchor",
    "TermsDates",
    "TermsKind",
    "TermsQuote",
    "TradeTerms",
]


class TermsKind(enum.Enum):
    """The rule that turns the anchor date into the due date."""

    NET = "net"  # due a number of days after the anchor
    END_OF_MONTH = "end_of_month"  # due a number of days after the end of the anchor's month
    PROXIMO = "proximo"  # due on a fixed day of the month after the anchor's
    ON_RECEIPT = "on_receipt"  # due on the invoice date
    CASH_IN_ADVANCE = "cash_in_advance"  # due on the order date, before shipment
    SPLIT = "split"  # parts due a number of days after the anchor each


class TermsAnchor(enum.Enum):
    """The date the term's days are counted from."""

    INVOICE_DATE = "invoice_date"
    SHIPMENT_DATE = "shipment_date"
    ORDER_DATE = "order_date"


@attrs.frozen
class TermsDates:
    """The dates of a sale that terms can be anchored to; the invoice date is required."""

    invoice_date: date
    shipment_date: date | None = None
    order_date: date | None = None

    def anchor(self, which: TermsAnchor) -> date:
        """Return the date ``which`` names, or raise if the sale does not have it."""
        value = {
            TermsAnchor.INVOICE_DATE: self.invoice_date,
            TermsAnchor.SHIPMENT_DATE: self.shipment_date,
            TermsAnchor.ORDER_DATE: self.order_date,
        }[which]
        if value is None:
            raise InvalidInputError(
                which.value, None, "the terms count from this date but it is missing",
                f"Pass {which.value}=date(...) in TermsDates.",
            )
        return value


@attrs.frozen
class DuePart:
    """One amount due on one date."""

    due_date: date
    amount: Money


@attrs.frozen
class TermsQuote:
    """The amounts and dates a buyer owes under the terms, for one invoice.

    Attributes:
        due_date: the (last) due date of the full amount.
        parts: the amounts and their due dates (one part unless the terms are split).
        discount_deadline: the last day the discount applies, None without a discount.
        discounted_amount: what settles the invoice by the deadline, None without one.
        discount_amount: the discount on a full payment, None without one.
        cost_simple: the simple annual cost of forgoing the discount, None without one.
        cost_compounded: the compounded annual cost of forgoing it, None without one.
    """

    due_date: date
    parts: tuple[DuePart, ...]
    discount_deadline: date | None
    discounted_amount: Money | None
    discount_amount: Money | None
    cost_simple: Decimal | None
    cost_compounded: Decimal | None


def _non_negative(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(field, value, "expected a whole number of 0 or more", "Pass an int.")
    return value


@attrs.frozen(kw_only=True)
class TradeTerms:
    """Payment terms for an invoice.

    Attributes:
        kind: how the due date follows from the anchor.
        days: net days (NET), days after the month end (END_OF_MONTH) or the day of
            the next month (PROXIMO); unused for the other kinds.
        anchor: the date the days count from.
        discount: an early-payment discount, counted like ``days`` (from the month end
            for END_OF_MONTH terms).
        split_days: the days of each part of SPLIT terms.
        split_weights: the parts' weights; equal parts when None.
        split_remainder: which parts get the minor units an uneven split leaves.
        month_cutoff_day: for END_OF_MONTH and PROXIMO terms, an anchor after this day
            of its month counts as dated in the next month (a common 25th cut-off).
        business_day_convention: how due dates roll; anything but UNADJUSTED needs a
            calendar.
        calendar: the business calendar.
    """

    kind: TermsKind
    days: int = 0
    anchor: TermsAnchor = TermsAnchor.INVOICE_DATE
    discount: EarlyPaymentDiscount | None = None
    split_days: tuple[int, ...] = ()
    split_weights: tuple[Decimal, ...] | None = None
    split_remainder: RemainderPlacement = RemainderPlacement.LAST
    month_cutoff_day: int | None = None
    business_day_convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED
    calendar: BusinessCalendar | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, TermsKind):
            raise InvalidTypeError("kind", self.kind, "expected a TermsKind member", "Pass TermsKind.NET.")
        if not isinstance(self.anchor, TermsAnchor):
            raise InvalidTypeError("anchor", self.anchor, "expected a TermsAnchor member", "Pass a member.")
        _non_negative(self.days, "days")
        if self.kind is TermsKind.PROXIMO and not 1 <= self.days <= 31:
            raise InvalidInputError("days", self.days, "a proximo day must be 1 to 31", "Pass the day of the month.")
        if self.kind is TermsKind.SPLIT:
            if len(self.split_days) < 2:
                raise InvalidInputError(
                    "split_days", list(self.split_days), "split terms need two or more parts", "Pass (30, 60, 90)."
                )
            for value in self.split_days:
                _non_negative(value, "split_days")
            if list(self.split_days) != sorted(set(self.split_days)):
                raise InvalidInputError(
                    "split_days", list(self.split_days), "the days must be distinct and increasing", "Sort them."
                )
            if self.split_weights is not None and len(self.split_weights) != len(self.split_days):
                raise InvalidInputError(
                    "split_weights", [str(w) for w in self.split_weights],
                    f"need one weight per part ({len(self.split_days)})", "Pass as many weights as days.",
                )
        if self.discount is not None:
            if self.kind in (TermsKind.ON_RECEIPT, TermsKind.CASH_IN_ADVANCE, TermsKind.SPLIT, TermsKind.PROXIMO):
                raise InvalidInputError(
                    "discount", self.discount.notation(), f"{self.kind.value} terms take no early-payment discount",
                    "Use NET or END_OF_MONTH terms with the discount.",
                )
            if self.discount.days >= self.days:
                raise InvalidInputError(
                    "discount", self.discount.notation(),
                    f"the discount period must end before the net {self.days} days",
                    "Pass a shorter discount period.",
                )
        if self.month_cutoff_day is not None and not 1 <= self.month_cutoff_day <= 31:
            raise InvalidInputError("month_cutoff_day", self.month_cutoff_day, "must be 1 to 31", "Pass a day.")
        if self.business_day_convention is not BusinessDayConvention.UNADJUSTED and self.calendar is None:
            raise InvalidInputError(
                "calendar", None, f"the roll {self.business_day_convention.value} needs a business calendar",
                "Pass calendar=BusinessCalendar(...) or business_day_convention=UNADJUSTED.",
            )

    # Notation ---------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, **options: object) -> TradeTerms:
        """Parse the usual notation (see the module docs); ``options`` set the other fields."""
        if not isinstance(text, str):
            raise InvalidTypeError("terms", text, "expected the terms as text", "Pass '2/10 net 30'.")
        normalized = " ".join(text.strip().lower().replace(",", " ").split())
        fields = _parse_fields(normalized, text)
        return cls(**fields, **options)  # type: ignore[arg-type]

    def __str__(self) -> str:
        discount = f"{self.discount.notation()} " if self.discount is not None else ""
        if self.kind is TermsKind.NET:
            return f"{discount}net {self.days}"
        if self.kind is TermsKind.END_OF_MONTH:
            if self.discount is not None:
                return f"{discount}EOM net {self.days}"
            return "EOM" if self.days == 0 else f"net {self.days} EOM"
        if self.kind is TermsKind.PROXIMO:
            return f"{_ordinal(self.days)} prox"
        if self.kind is TermsKind.ON_RECEIPT:
            return "due on receipt"
        if self.kind is TermsKind.CASH_IN_ADVANCE:
            return "cash in advance"
        return "/".join(str(day) for day in self.split_days)

    # Dates and amounts ------------------------------------------------------------

    def _base(self, dates: TermsDates) -> date:
        if self.kind is TermsKind.CASH_IN_ADVANCE:
            return dates.anchor(TermsAnchor.ORDER_DATE)
        if self.kind is TermsKind.ON_RECEIPT:
            return dates.invoice_date
        anchor = dates.anchor(self.anchor)
        month_based = self.kind in (TermsKind.END_OF_MONTH, TermsKind.PROXIMO)
        if month_based and self.month_cutoff_day is not None and anchor.day > self.month_cutoff_day:
            anchor = add_months(anchor.replace(day=1), 1)
        return anchor

    def _unadjusted(self, dates: TermsDates, days: int) -> date:
        base = self._base(dates)
        if self.kind is TermsKind.END_OF_MONTH:
            return end_of_month(base) + timedelta(days=days)
        if self.kind is TermsKind.PROXIMO:
            following = add_months(base.replace(day=1), 1)
            return following.replace(day=min(self.days, end_of_month(following).day))
        if self.kind in (TermsKind.ON_RECEIPT, TermsKind.CASH_IN_ADVANCE):
            return base
        return base + timedelta(days=days)

    def _roll(self, unadjusted: Sequence[date]) -> list[date]:
        keeps_month_end = self.kind in (TermsKind.END_OF_MONTH, TermsKind.PROXIMO)
        return roll_dates(unadjusted, self.calendar, self.business_day_convention, keep_month_end=keeps_month_end)

    def due_dates(self, dates: TermsDates | date) -> list[date]:
        """Return the due date of each part (one date unless the terms are split)."""
        sale = dates if isinstance(dates, TermsDates) else TermsDates(invoice_date=dates)
        if self.kind is TermsKind.SPLIT:
            return self._roll([self._unadjusted(sale, days) for days in self.split_days])
        return self._roll([self._unadjusted(sale, self.days)])

    def due_date(self, dates: TermsDates | date) -> date:
        """Return the date the full amount is due (the last part's date for split terms)."""
        return self.due_dates(dates)[-1]

    def discount_deadline(self, dates: TermsDates | date) -> date | None:
        """Return the last day the discount applies, or None without a discount."""
        if self.discount is None:
            return None
        sale = dates if isinstance(dates, TermsDates) else TermsDates(invoice_date=dates)
        # The deadline rolls like the due date: a payment due on a holiday is on time on
        # the business day the convention names.
        return self._roll([self._unadjusted(sale, self.discount.days)])[0]

    def quote(
        self, invoice: Money, dates: TermsDates | date, *, rounding: Rounding = Rounding.HALF_EVEN,
        year_days: int = 365,
    ) -> TermsQuote:
        """Return the due dates, parts, discount and the cost of forgoing the discount."""
        if not isinstance(invoice, Money):
            raise InvalidTypeError("amount", invoice, "expected Money", "Pass Money('1000.00', 'EUR').")
        due = self.due_dates(dates)
        if self.kind is TermsKind.SPLIT:
            weights: int | Sequence[Decimal] = (
                len(self.split_days) if self.split_weights is None else list(self.split_weights)
            )
            amounts = invoice.allocate(weights, self.split_remainder)
        else:
            amounts = (invoice,)
        parts = tuple(DuePart(day, amount) for day, amount in zip(due, amounts, strict=True))
        if self.discount is None:
            return TermsQuote(due[-1], parts, None, None, None, None, None)
        return TermsQuote(
            due_date=due[-1],
            parts=parts,
            discount_deadline=self.discount_deadline(dates),
            discounted_amount=self.discount.early_price(invoice, rounding),
            discount_amount=self.discount.discount_amount(invoice, rounding),
            cost_simple=self.discount.cost_simple(self.days, year_days),
            cost_compounded=self.discount.cost_compounded(self.days, year_days),
        )


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


_NUMBER = r"(\d+(?:\.\d+)?)"
_DISCOUNT = rf"{_NUMBER}\s*%?\s*/\s*(\d+)"
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("net", rf"^(?:{_DISCOUNT}\s+)?(?:net|n)\s*/?\s*(\d+)(?:\s+days?)?$"),
    ("net_eom", r"^(?:net|n)\s*/?\s*(\d+)\s+eom$"),
    ("discount_eom", rf"^{_DISCOUNT}\s+eom\s+(?:net|n)\s*/?\s*(\d+)$"),
    ("eom", r"^(?:net\s+)?eom$"),
    ("prox", r"^(\d+)(?:st|nd|rd|th)?\s+prox(?:imo)?$"),
    ("receipt", r"^(?:due\s+)?(?:on|upon)\s+receipt$|^receipt$"),
    ("advance", r"^(?:cia|cwo|cash\s+in\s+advance|cash\s+with\s+order)$"),
    ("split", r"^(?:split\s+)?\d+(?:\s*/\s*\d+)+$"),
)


def _parse_fields(normalized: str, original: str) -> dict[str, object]:
    for name, pattern in _PATTERNS:
        match = re.match(pattern, normalized)
        if match is None:
            continue
        groups = match.groups()
        if name == "net":
            discount = _discount(groups[0], groups[1]) if groups[0] is not None else None
            return {"kind": TermsKind.NET, "days": int(groups[2]), "discount": discount}
        if name == "net_eom":
            return {"kind": TermsKind.END_OF_MONTH, "days": int(groups[0])}
        if name == "discount_eom":
            return {
                "kind": TermsKind.END_OF_MONTH, "days": int(groups[2]), "discount": _discount(groups[0], groups[1]),
            }
        if name == "eom":
            return {"kind": TermsKind.END_OF_MONTH, "days": 0}
        if name == "prox":
            return {"kind": TermsKind.PROXIMO, "days": int(groups[0])}
        if name == "receipt":
            return {"kind": TermsKind.ON_RECEIPT}
        if name == "advance":
            return {"kind": TermsKind.CASH_IN_ADVANCE, "anchor": TermsAnchor.ORDER_DATE}
        days = tuple(int(value) for value in re.findall(r"\d+", normalized))
        return {"kind": TermsKind.SPLIT, "split_days": days}
    raise InvalidInputError(
        "terms", original, "not a recognised terms notation",
        "Write it like 'net 30', '2/10 net 30', 'net 30 EOM', '10th prox', 'due on receipt', 'CIA' or '30/60/90'.",
    )


def _discount(percent: str, days: str) -> EarlyPaymentDiscount:
    return EarlyPaymentDiscount(to_decimal(percent, "discount") / 100, int(days))
