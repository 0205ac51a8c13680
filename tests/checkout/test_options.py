"""Checkout options: every product, available or not, agreeing with authorization."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

import pytest

from b2bcredit.api.checkout import CheckoutRequest, CheckoutResponse
from b2bcredit.checkout.options import Cart
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.engine import Engine
from b2bcredit.ledger.fx import FxQuote, StaticFxProvider
from b2bcredit.ledger.model import CreditProfile
from b2bcredit.products.catalogue import BuyerStatus, UnderwritingOutcome, default_catalogue
from b2bcredit.products.eligibility import HintAction, ReasonCode
from b2bcredit.storage.memory import MemoryStore
from tests.ledger.support import ManualClock

CREDIT = [
    "net30",
    "net30_discount",
    "net60",
    "net90",
    "eom30",
    "installments_3",
    "installments_6",
    "installments_12",
    "installments_12_interest",
    "cash_on_delivery",
    "cheque",
]


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine(clock: ManualClock) -> Engine:
    return Engine(MemoryStore(), clock, fx=StaticFxProvider({("USD", "EUR"): "0.9"}))


def test_guest_gets_every_option(engine: Engine) -> None:
    """A guest gets every product; credit ones hint to apply for credit."""
    result = engine.checkout_options("guest", Cart(eur("1000.00"), country="DE"))
    assert [option.product_id for option in result.options] == [p.product_id for p in default_catalogue().products]
    assert {option.product_id for option in result.available} == {"card", "bank_transfer"}
    # Cheques need an active trading history, which a new guest lacks.
    assert result.option("cheque").reason is ReasonCode.BUYER_STATUS_NOT_ELIGIBLE
    for product_id in CREDIT[:-1]:
        option = result.option(product_id)
        assert option.reason is ReasonCode.NO_CREDIT_ACCOUNT
        assert option.hint is not None
        assert option.hint.action is HintAction.APPLY_FOR_CREDIT


def test_available_option_carries_terms(engine: Engine) -> None:
    """An available instalment option has a dated schedule summing to its total cost and an APR."""
    engine.open_account("open", "b1", eur("20000.00"))
    option = engine.checkout_options("b1", Cart(eur("1200.00"))).option("installments_6")
    assert option.available
    assert option.buyer_fee == eur("24.00")
    assert option.total_cost == eur("1224.00")
    assert Money.sum((part.amount for part in option.schedule), "EUR") == option.total_cost
    assert len(option.schedule) == 6
    assert option.apr is not None
    assert option.apr > Decimal(0)
    assert option.merchant_fee == eur("30.00")


def test_insufficient_credit_hint_resolves(engine: Engine) -> None:
    """Reducing the order by the hinted amount makes the option available."""
    engine.open_account("open", "b1", eur("1000.00"))
    option = engine.checkout_options("b1", Cart(eur("1500.00"))).option("installments_3")
    assert option.reason is ReasonCode.INSUFFICIENT_CREDIT
    assert option.hint is not None
    assert option.hint.action is HintAction.REDUCE_ORDER
    reduced = eur("1500.00") - option.hint.amount
    assert engine.checkout_options("b1", Cart(reduced)).option("installments_3").available


def test_overdue_invoice_blocks_credit(engine: Engine, clock: ManualClock) -> None:
    """An invoice overdue beyond the product's days blocks credit and names the invoice."""
    engine.open_account("open", "b1", eur("20000.00"))
    auth = engine.authorize("a1", "b1", "o1", "net30", eur("100.00")).authorization
    invoice = engine.capture("c1", auth.authorization_id).invoice
    clock.advance(days=61)
    result = engine.checkout_options("b1", Cart(eur("500.00")))
    option = result.option("net30")
    assert option.reason is ReasonCode.INVOICE_OVERDUE
    assert option.hint is not None
    assert option.hint.invoice_ids == (invoice.invoice_id,)
    assert option.hint.amount == eur("100.00")
    assert result.option("card").available


def test_zero_limit_is_prepay_only(engine: Engine) -> None:
    """A zero limit makes credit options unavailable and leaves pay-now open."""
    engine.open_account("open", "b1", eur("0.00"))
    result = engine.checkout_options("b1", Cart(eur("100.00")))
    assert result.option("net30").reason is ReasonCode.NO_CREDIT_LIMIT
    assert result.option("card").available


def test_foreign_currency_uses_rate(engine: Engine) -> None:
    """A USD cart shows the converted credit, which authorization then reserves."""
    engine.open_account("open", "b1", eur("20000.00"))
    option = engine.checkout_options("b1", Cart(Money("1000.00", "USD"))).option("installments_3")
    assert option.credit_needed == eur("909.00")
    reserved = engine.authorize("a1", "b1", "o1", "installments_3", Money("1000.00", "USD")).authorization.reserved
    assert reserved == option.credit_needed


def test_currency_without_rate(engine: Engine) -> None:
    """A GBP cart without a GBP rate shows fx_rate_unavailable for credit options only."""
    engine.open_account("open", "b1", eur("20000.00"))
    result = engine.checkout_options("b1", Cart(Money("100.00", "GBP")))
    assert result.option("net30").reason is ReasonCode.FX_RATE_UNAVAILABLE
    assert result.option("card").available


def test_failing_fx_provider_logged(clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    """A rate source that raises is logged with the account id and treated as no rate."""

    class Broken:
        def quote(self, base: str, quote: str, at: datetime) -> FxQuote | None:
            raise ConnectionError("rate service down")

    engine = Engine(MemoryStore(), clock, fx=Broken())
    account = engine.open_account("open", "b1", eur("20000.00"))
    with caplog.at_level(logging.ERROR, logger="b2bcredit.engine"):
        result = engine.checkout_options("b1", Cart(Money("100.00", "USD")))
    assert result.option("net30").reason is ReasonCode.FX_RATE_UNAVAILABLE
    assert account.account_id in caplog.text


@pytest.mark.parametrize(
    ("profile", "product_id", "reason"),
    [
        (CreditProfile(outcome=UnderwritingOutcome.REFERRED), "net30", ReasonCode.UNDERWRITING_OUTCOME_NOT_ELIGIBLE),
        (CreditProfile(buyer_status=BuyerStatus.NEW), "cheque", ReasonCode.BUYER_STATUS_NOT_ELIGIBLE),
        (CreditProfile(), "net90", ReasonCode.AMOUNT_BELOW_MINIMUM),
        (CreditProfile(), "cash_on_delivery", None),
    ],
)
def test_rules_per_product(engine: Engine, profile: CreditProfile, product_id: str, reason: ReasonCode | None) -> None:
    """Each eligibility rule gives its own reason code."""
    engine.open_account("open", "b1", eur("20000.00"), profile=profile)
    assert engine.checkout_options("b1", Cart(eur("300.00"))).option(product_id).reason is reason


@pytest.mark.parametrize("amount", ["49.99", "300.00", "4999.99", "19000.00", "25000.00"])
def test_options_agree_with_authorization(engine: Engine, amount: str) -> None:
    """Every available credit option authorizes; every unavailable one declines with the same reason."""
    engine.open_account("open", "b1", eur("20000.00"))
    result = engine.checkout_options("b1", Cart(eur(amount)))
    for index, product_id in enumerate(CREDIT):
        option = result.option(product_id)
        authorized = engine.authorize(f"a{index}", "b1", f"o{index}", product_id, eur(amount))
        assert authorized.approved is option.available, product_id
        assert authorized.reason is option.reason, product_id
        if authorized.approved:
            engine.cancel(f"x{index}", authorized.authorization.authorization_id)


def test_cart_rejects_zero() -> None:
    """A cart total of zero is misuse."""
    with pytest.raises(InvalidInputError, match="amount"):
        Cart(eur("0.00"))


def test_json_boundary(engine: Engine) -> None:
    """The request validates JSON input and the response serialises amounts as strings."""
    engine.open_account("open", "b1", eur("2000.00"))
    request = CheckoutRequest.model_validate_json(
        '{"buyer_id": "b1", "amount": {"amount": "2500.00", "currency": "EUR"}}'
    )
    response = CheckoutResponse.of(engine.checkout_options(request.buyer_id, request.cart()))
    data = response.model_dump(mode="json")
    net30 = next(option for option in data["options"] if option["product_id"] == "net30")
    assert net30["reason"] == "insufficient_credit"
    assert net30["hint"]["amount"] == {"amount": "500.00", "currency": "EUR"}
    assert "properties" in CheckoutResponse.model_json_schema()
