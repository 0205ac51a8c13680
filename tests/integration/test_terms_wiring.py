"""Invoices, checkout and payments take their dates, APR and discounts from the terms package."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from b2bcredit.checkout.options import Cart
from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.money import Money, Rounding
from b2bcredit.engine import Engine
from b2bcredit.products.terms_adapter import TermsFactory
from b2bcredit.storage.base import Store
from b2bcredit.terms.apr import regulation_z_apr
from b2bcredit.terms.discount import EarlyPaymentDiscount, discount_position
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rounding import RoundingPolicy
from b2bcredit.terms.schedule import ScheduleSpec, build_schedule
from b2bcredit.terms.trade import TradeTerms
from tests.ledger.support import ManualClock


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def open_buyer(engine: Engine, buyer_id: str = "b1") -> None:
    engine.open_account(f"open-{buyer_id}", buyer_id, eur("100000.00"))


TRADE_PRODUCTS = [
    ("net30", "net 30"),
    ("net30_discount", "2/10 net 30"),
    ("net60", "net 60"),
    ("net90", "net 90"),
    ("eom30", "net 30 EOM"),
    ("cheque", "net 5"),
]

SHIPMENT_DATES = [date(2026, 12, 3), date(2027, 1, 31), date(2028, 2, 29)]


@pytest.mark.parametrize(("product_id", "notation"), TRADE_PRODUCTS)
@pytest.mark.parametrize("shipped_on", SHIPMENT_DATES)
def test_invoice_due_dates_equal_trade_terms(engine: Engine, product_id: str, notation: str, shipped_on: date) -> None:
    """An invoice falls due on the date TradeTerms gives, counted from the shipment date."""
    open_buyer(engine)
    result = engine.authorize("auth", "b1", "o1", product_id, eur("1000.00"))
    assert result.authorization is not None

    invoice = engine.capture("ship", result.authorization.authorization_id, shipped_on=shipped_on).invoice

    terms = TradeTerms.parse(notation)
    assert invoice.due_date == terms.due_date(shipped_on)
    assert [part.due_date for part in invoice.schedule] == terms.due_dates(shipped_on)
    assert invoice.terms_code == str(terms)
    deadline = terms.discount_deadline(shipped_on)
    assert (invoice.discount is None) == (deadline is None)
    if invoice.discount is not None:
        assert invoice.discount.last_day == deadline


def test_due_dates_roll_on_business_calendar(store: Store, clock: ManualClock) -> None:
    """With a business calendar, a due date on a Saturday rolls to the Monday, as TradeTerms rolls it."""
    calendar = BusinessCalendar(holidays=frozenset({date(2027, 1, 4)}))
    engine = Engine(store, clock, terms_factory=TermsFactory(calendar=calendar))
    open_buyer(engine)
    result = engine.authorize("auth", "b1", "o1", "net30_discount", eur("1000.00"))
    assert result.authorization is not None

    # 3 December + 30 days is Saturday 2 January; Monday 4 January is a holiday here.
    invoice = engine.capture("ship", result.authorization.authorization_id, shipped_on=date(2026, 12, 3)).invoice

    terms = TradeTerms.parse(
        "2/10 net 30", calendar=calendar, business_day_convention=BusinessDayConvention.FOLLOWING
    )
    assert invoice.due_date == terms.due_date(date(2026, 12, 3)) == date(2027, 1, 5)
    assert invoice.discount is not None
    assert invoice.discount.last_day == terms.discount_deadline(date(2026, 12, 3)) == date(2026, 12, 14)


def test_instalment_invoice_follows_build_schedule(engine: Engine) -> None:
    """An instalment invoice's parts are the rows build_schedule gives with the product's rounding."""
    open_buyer(engine)
    result = engine.authorize("auth", "b1", "o1", "installments_3", eur("1000.00"))
    assert result.authorization is not None

    invoice = engine.capture("ship", result.authorization.authorization_id, shipped_on=date(2027, 1, 31)).invoice

    expected = build_schedule(
        ScheduleSpec(
            amount=invoice.principal + invoice.fees_charged,
            annual_rate="0",
            instalments=3,
            start_date=date(2027, 1, 31),
            frequency=Frequency.MONTHLY,
            rounding=RoundingPolicy(mode=Rounding.HALF_UP),
        )
    )
    assert [(part.due_date, part.amount) for part in invoice.schedule] == [
        (row.due_date, row.payment) for row in expected.instalments
    ]
    assert [part.due_date for part in invoice.schedule] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]
    assert invoice.interest_charged == eur("0.00")


@pytest.mark.parametrize("product_id", ["installments_3", "installments_6", "installments_12"])
def test_checkout_apr_equals_regulation_z(engine: Engine, clock: ManualClock, product_id: str) -> None:
    """Checkout's APR is the Regulation Z APR of the amount against the option's schedule."""
    open_buyer(engine)
    cart = Cart(eur("2500.00"))

    option = engine.checkout_options("b1", cart).option(product_id)

    today = clock.now().date()
    expected = regulation_z_apr(
        [(today, cart.amount.amount)],
        [(part.due_date, part.amount.amount) for part in option.schedule],
        unit_period=Frequency.MONTHLY,
    )
    assert option.apr is not None
    assert option.apr == expected.rate.quantize(Decimal("0.0001"))
    assert option.apr > 0


@pytest.mark.parametrize(("paid", "discount"), [("490.00", "10.00"), ("0.01", "0.00"), ("980.00", "20.00")])
def test_partial_payment_discount_equals_terms_package(engine: Engine, paid: str, discount: str) -> None:
    """A payment inside the 2/10 window earns what discount_position prorates."""
    open_buyer(engine)
    result = engine.authorize("auth", "b1", "o1", "net30_discount", eur("1000.00"))
    assert result.authorization is not None
    invoice = engine.capture("ship", result.authorization.authorization_id).invoice
    assert invoice.discount is not None

    payment = engine.record_payment("pay", "b1", eur(paid))

    earned = Money.sum((item.discount for item in payment.allocations), "EUR")
    position = discount_position(
        eur("1000.00"),
        EarlyPaymentDiscount(Decimal("0.02"), 10),
        invoice.discount.last_day,
        [(invoice.discount.last_day, eur(paid))],
        rounding=Rounding.HALF_UP,
    )
    assert earned == position.discount_earned == eur(discount)
    assert engine.ledger.invoice(invoice.invoice_id).outstanding == position.face_outstanding
    engine.check_invariants("b1")
