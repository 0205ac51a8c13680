"""Payment terms over the terms package: due dates, discounts, instalments and APR."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.products.terms import EarlyPaymentDiscount, PaymentTerms, ScheduledPayment, TermsKind, TermsSpec
from b2bcredit.products.terms_adapter import build_terms, offer_apr


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


@pytest.mark.parametrize(
    ("spec", "anchor", "due"),
    [
        (TermsSpec(TermsKind.NET, days=30), date(2026, 12, 1), date(2026, 12, 31)),
        (TermsSpec(TermsKind.NET, days=60), date(2026, 12, 31), date(2027, 3, 1)),
        (TermsSpec(TermsKind.NET, days=30), date(2028, 1, 30), date(2028, 2, 29)),
        (TermsSpec(TermsKind.END_OF_MONTH, days=30), date(2026, 12, 5), date(2027, 1, 30)),
        (TermsSpec(TermsKind.END_OF_MONTH, days=0), date(2028, 2, 3), date(2028, 2, 29)),
        (TermsSpec(TermsKind.IMMEDIATE), date(2026, 12, 1), date(2026, 12, 1)),
    ],
)
def test_single_due_date(spec: TermsSpec, anchor: date, due: date) -> None:
    """Net N counts calendar days from the anchor; EOM from the month's last day."""
    schedule = build_terms(spec).schedule(eur("100.00"), anchor)
    assert schedule == (ScheduledPayment(due, eur("100.00")),)


def test_instalments_from_the_31st_do_not_drift() -> None:
    """Monthly parts from 31 January fall on each month's last day, then back on the 31st."""
    schedule = build_terms(TermsSpec(TermsKind.INSTALLMENTS, installments=3)).schedule(eur("100.00"), date(2027, 1, 31))
    assert [part.due_date for part in schedule] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert [str(part.amount) for part in schedule] == ["33.33 EUR", "33.33 EUR", "33.34 EUR"]


@given(units=st.integers(min_value=1, max_value=10**12), count=st.integers(min_value=1, max_value=24))
def test_instalments_sum_to_whole(units: int, count: int) -> None:
    """Instalment parts always add up to the amount."""
    amount = Money.from_minor_units(units, "EUR")
    schedule = build_terms(TermsSpec(TermsKind.INSTALLMENTS, installments=count)).schedule(amount, date(2026, 12, 1))
    assert Money.sum((part.amount for part in schedule), "EUR") == amount
    assert len(schedule) == count


def test_discount_window_from_anchor() -> None:
    """2/10 net 30 anchored on 1 December allows the discount through 11 December."""
    terms = build_terms(TermsSpec(TermsKind.NET, days=30, discount_rate=Decimal("0.02"), discount_days=10))
    discount = terms.discount(date(2026, 12, 1))
    assert discount == EarlyPaymentDiscount(Decimal("0.02"), date(2026, 12, 11))
    assert terms.code == "2/10 net 30"
    assert isinstance(terms, PaymentTerms)


@pytest.mark.parametrize(
    ("outstanding", "payment", "cash", "discount"),
    [
        ("1000.00", "980.00", "980.00", "20.00"),  # the full discounted amount settles everything
        ("1000.00", "490.00", "490.00", "10.00"),  # half of it settles half, with half the discount
        ("1000.00", "1000.00", "980.00", "20.00"),  # paying more leaves 20.00 with the payer
        ("1000.00", "0.01", "0.01", "0.00"),  # a cent earns less than a cent, rounded down
        ("333.33", "100.00", "100.00", "2.04"),  # 100 × 0.02 / 0.98 = 2.0408…, rounded down
    ],
)
def test_prorated_discount(outstanding: str, payment: str, cash: str, discount: str) -> None:
    """A partial payment in the window earns the discount in proportion."""
    rule = EarlyPaymentDiscount(Decimal("0.02"), date(2026, 12, 11))
    assert rule.split_payment(eur(outstanding), eur(payment)) == (eur(cash), eur(discount))


@given(outstanding=st.integers(1, 10**9), payment=st.integers(1, 10**9))
def test_discount_never_settles_more_than_outstanding(outstanding: int, payment: int) -> None:
    """Cash plus discount never exceeds the principal outstanding, nor cash the payment."""
    rule = EarlyPaymentDiscount(Decimal("0.02"), date(2026, 12, 11))
    owed = Money.from_minor_units(outstanding, "EUR")
    paid = Money.from_minor_units(payment, "EUR")
    cash, discount = rule.split_payment(owed, paid)
    assert cash + discount <= owed
    assert cash <= paid
    assert not discount.is_negative()


NET30 = TermsSpec(TermsKind.NET, days=30)


def test_apr_of_forgone_discount() -> None:
    """Skipping 2/10 net 30 is 2/98 per 20 days: 20/30 of a month, so 12 × 0.030612 = 36.73%."""
    anchor = date(2026, 12, 11)
    schedule = (ScheduledPayment(date(2026, 12, 31), eur("100.00")),)
    assert offer_apr(NET30, eur("98.00"), schedule, anchor) == Decimal("0.3673")


def test_apr_zero_without_cost() -> None:
    """A schedule that repays exactly the amount financed has an APR of zero."""
    schedule = (ScheduledPayment(date(2027, 1, 1), eur("100.00")),)
    assert offer_apr(NET30, eur("100.00"), schedule, date(2026, 12, 1)) == Decimal(0)


def test_apr_undefined_for_cost_due_today() -> None:
    """A fee due on the anchor date has no finite annual rate."""
    schedule = (ScheduledPayment(date(2026, 12, 1), eur("105.00")),)
    assert offer_apr(NET30, eur("100.00"), schedule, date(2026, 12, 1)) is None


@pytest.mark.parametrize(
    "arguments",
    [
        {"kind": TermsKind.NET, "days": -1},
        {"kind": TermsKind.NET, "days": 30, "discount_rate": Decimal("0.02")},
        {"kind": TermsKind.NET, "days": 30, "discount_rate": Decimal("1.5"), "discount_days": 10},
        {"kind": TermsKind.NET, "days": 30, "discount_rate": Decimal("0.02"), "discount_days": 31},
        {"kind": TermsKind.INSTALLMENTS, "installments": 0},
    ],
)
def test_invalid_terms_rejected(arguments: dict[str, object]) -> None:
    """Inconsistent terms raise InvalidInputError."""
    with pytest.raises(InvalidInputError):
        TermsSpec(**arguments)  # type: ignore[arg-type]
