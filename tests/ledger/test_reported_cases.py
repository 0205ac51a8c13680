"""Bad input from real reports: each case that went wrong in a credit system, as its own test."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from b2bcredit.core.money import Money
from b2bcredit.ledger.exposure import available_credit, exposure
from b2bcredit.ledger.model import OverLimitTolerance
from b2bcredit.products.catalogue import AmountRange, Catalogue
from b2bcredit.products.eligibility import ReasonCode
from tests.ledger.support import CheckedLedger, ManualClock


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def test_zero_limit_means_no_credit(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """A limit of 0 is prepay only, never unlimited, whatever the tolerance."""
    account = ledger.open_account("open", "b1", eur("0.00"), tolerance=OverLimitTolerance(amount=eur("500.00")))
    result = ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30"), eur("50.00"))
    assert not result.approved
    assert result.reason is ReasonCode.NO_CREDIT_LIMIT
    assert exposure(ledger.account(account.account_id)) == eur("0.00")


def test_reopened_cancelled_order_checks_limit(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """Reopening a cancelled order reserves again only if it still fits the limit."""
    account = ledger.open_account("open", "b1", eur("1000.00"))
    product = catalogue.get("net30")
    first = ledger.authorize("a1", account.account_id, "o1", product, eur("800.00")).authorization
    ledger.cancel("x1", first.authorization_id)
    assert ledger.authorize("a2", account.account_id, "o2", product, eur("700.00")).approved

    reopened = ledger.reopen("r1", first.authorization_id)

    assert not reopened.approved
    assert reopened.reason is ReasonCode.INSUFFICIENT_CREDIT
    assert ledger.account(account.account_id).reserved == eur("700.00")


def test_reopen_within_limit_reserves_again(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """A reopened order that fits reserves its amount again."""
    account = ledger.open_account("open", "b1", eur("1000.00"))
    first = ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30"), eur("800.00")).authorization
    ledger.cancel("x1", first.authorization_id)
    assert ledger.account(account.account_id).reserved == eur("0.00")
    assert ledger.reopen("r1", first.authorization_id).approved
    assert ledger.account(account.account_id).reserved == eur("800.00")


def test_two_orders_together_over_limit(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """Two orders that each fit alone cannot both be authorized when together they exceed the limit."""
    account = ledger.open_account("open", "b1", eur("1000.00"))
    product = catalogue.get("net30")
    first = ledger.authorize("a1", account.account_id, "o1", product, eur("600.00"))
    second = ledger.authorize("a2", account.account_id, "o2", product, eur("600.00"))
    assert first.approved
    assert not second.approved
    assert second.reason is ReasonCode.INSUFFICIENT_CREDIT
    assert exposure(ledger.account(account.account_id)) == eur("600.00")


def test_partial_refund_restores_exact_amount(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """A partial refund restores exactly the refunded amount of available credit."""
    account = ledger.open_account("open", "b1", eur("5000.00"))
    auth = ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30"), eur("1234.56")).authorization
    invoice = ledger.capture("c1", auth.authorization_id).invoice
    before = available_credit(ledger.account(account.account_id))

    ledger.refund("r1", invoice.invoice_id, eur("234.55"))

    after = available_credit(ledger.account(account.account_id))
    assert after - before == eur("234.55")
    assert ledger.invoice(invoice.invoice_id).outstanding == eur("1000.01")


def test_order_in_currency_without_rate_refused(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """An order in a currency with no rate is declined, never compared unconverted."""
    account = ledger.open_account("open", "b1", eur("5000.00"))
    product = catalogue.get("net30")
    # The product takes CHF, so only the missing CHF/EUR rate can decline the order.
    takes_chf = attrs.evolve(
        product,
        eligibility=attrs.evolve(
            product.eligibility,
            amount_ranges=(*product.eligibility.amount_ranges, AmountRange(Money("1.00", "CHF"))),
        ),
    )

    refused = ledger.authorize("a1", account.account_id, "o1", takes_chf, Money("100.00", "CHF"))

    assert not refused.approved
    assert refused.reason is ReasonCode.FX_RATE_UNAVAILABLE
    assert refused.hint is not None
    assert refused.hint.currencies == ("EUR",)
    assert ledger.account(account.account_id).reserved == eur("0.00")


def test_order_with_rate_locks_it(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """An order in USD reserves the converted amount and records the locked rate."""
    account = ledger.open_account("open", "b1", eur("5000.00"))
    result = ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30"), Money("100.00", "USD"))
    assert result.approved
    assert result.authorization is not None
    assert result.authorization.fx is not None
    assert result.authorization.fx.rate == Decimal("0.9")
    assert ledger.account(account.account_id).reserved == eur("90.00")


def test_partial_payment_gets_prorated_discount(
    ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock
) -> None:
    """Paying half of a 2/10 net 30 invoice in the window settles half plus its 2% share."""
    account = ledger.open_account("open", "b1", eur("5000.00"))
    auth = ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30_discount"), eur("1000.00"))
    invoice = ledger.capture("c1", auth.authorization.authorization_id, shipped_on=date(2026, 12, 1)).invoice

    clock.advance(days=10)
    payment = ledger.record_payment("p1", account.account_id, eur("490.00"), received_on=date(2026, 12, 5))

    assert payment.allocations[0].discount == eur("10.00")
    assert ledger.invoice(invoice.invoice_id).outstanding == eur("500.00")
    final = ledger.record_payment("p2", account.account_id, eur("490.00"), received_on=date(2026, 12, 11))
    assert final.allocations[0].discount == eur("10.00")
    assert ledger.invoice(invoice.invoice_id).outstanding == eur("0.00")
