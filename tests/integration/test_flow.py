"""From a buyer application to the account statement, on the in-memory and the SQLite store."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from b2bcredit.checkout.options import Cart
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.decisions.facade import Underwriter
from b2bcredit.decisions.policy import Outcome
from b2bcredit.engine import Engine, profile_from_decision
from b2bcredit.ledger.exposure import available_credit
from b2bcredit.limits.policy import CreditLimit, LimitState
from b2bcredit.products.catalogue import BuyerStatus, UnderwritingOutcome
from b2bcredit.products.eligibility import ReasonCode
from tests.ledger.support import ManualClock


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def application(**changes: Any) -> dict[str, Any]:
    data = Underwriter.sample_application().model_dump(mode="json")
    data.update(changes)
    return data


def test_application_to_statement(engine: Engine, clock: ManualClock) -> None:
    """An approved buyer goes through checkout, two shipments, a payment and a refund."""
    decision = engine.underwrite(Underwriter.sample_application())
    assert decision.outcome is Outcome.APPROVED
    assert decision.granted_limit.state is LimitState.LIMITED

    account = engine.apply_decision("open-b1", "b1", decision, hold_after_days_overdue=30)
    engine.check_invariants("b1")
    assert account.limit == decision.granted_limit.amount
    assert account.profile.outcome is UnderwritingOutcome.APPROVED
    assert account.profile.buyer_status is BuyerStatus.ACTIVE
    assert account.profile.country == "DE"
    pd = account.profile.probability_of_default
    assert pd is not None
    assert abs(float(pd) - decision.pd) < 1e-6
    record = account.profile.underwriting
    assert record is not None
    assert record.model_name == decision.model_name
    assert record.model_version == decision.model_version
    assert record.model_hash == decision.model_hash
    assert record.policy_version == decision.policy_version
    assert record.application_id == decision.application_id

    # The account as stored carries the decision's versions.
    assert engine.account("b1").profile.underwriting == record

    cart = Cart(eur("7500.00"))
    options = engine.checkout_options("b1", cart)
    instalments = options.option("installments_3")
    product = engine.catalogue.get("installments_3")
    assert instalments.available
    assert instalments.buyer_fee == product.pricing.buyer_fee(cart.amount, pd)
    assert options.option("cash_on_delivery").reason is ReasonCode.AMOUNT_ABOVE_MAXIMUM

    result = engine.authorize("auth-1", "b1", "o1", "net30_discount", cart.amount)
    assert result.approved
    assert result.authorization is not None
    authorization_id = result.authorization.authorization_id
    engine.check_invariants("b1")
    first = engine.capture("ship-1", authorization_id, eur("4500.00"), shipped_on=date(2026, 12, 1))
    engine.check_invariants("b1")
    clock.advance(days=1)
    second = engine.capture("ship-2", authorization_id, shipped_on=date(2026, 12, 2))
    engine.check_invariants("b1")
    assert first.invoice.due_date == date(2026, 12, 31)
    assert second.invoice.due_date == date(2027, 1, 1)

    payment = engine.record_payment("pay-1", "b1", eur("2940.00"))
    engine.check_invariants("b1")
    assert Money.sum((item.discount for item in payment.allocations), "EUR") == eur("60.00")
    note = engine.refund("refund-1", second.invoice.invoice_id, eur("500.00"))
    engine.check_invariants("b1")
    assert note.applied == eur("500.00")

    statement = engine.statement("b1")
    text = statement.render()
    assert first.invoice.invoice_id in text
    assert second.invoice.invoice_id in text
    limit = decision.granted_limit.amount
    assert limit is not None
    # 7,500.00 invoiced, 2,940.00 paid with 60.00 discount, 500.00 refunded: 4,000.00 open.
    assert available_credit(engine.account("b1")) == limit - eur("4000.00")


@pytest.mark.parametrize(
    "changes",
    [
        {"sanctions_hit": True},
        {"fraud_suspected": True},
    ],
)
def test_declined_decision_gives_no_credit(engine: Engine, changes: dict[str, Any]) -> None:
    """A declined decision opens an account with a zero limit: no credit, never unlimited."""
    decision = engine.underwrite(application(**changes))
    assert decision.outcome is Outcome.DECLINED

    account = engine.apply_decision("open-b2", "b2", decision)
    engine.check_invariants("b2")
    assert account.limit == eur("0.00")
    assert account.profile.outcome is UnderwritingOutcome.DECLINED

    options = engine.checkout_options("b2", Cart(eur("100.00")))
    assert {option.product_id for option in options.available} == {"card", "bank_transfer"}
    assert options.option("cash_on_delivery").reason is ReasonCode.NO_CREDIT_LIMIT
    result = engine.authorize("auth-b2", "b2", "o2", "net30", eur("100.00"))
    assert not result.approved
    assert result.reason is ReasonCode.UNDERWRITING_OUTCOME_NOT_ELIGIBLE


def test_later_decision_updates_account(engine: Engine) -> None:
    """Applying a second decision to an existing account changes its limit and profile."""
    declined = engine.underwrite(application(sanctions_hit=True))
    engine.apply_decision("open-b3", "b3", declined)
    approved = engine.underwrite(Underwriter.sample_application())

    account = engine.apply_decision("review-b3", "b3", approved)
    engine.check_invariants("b3")
    assert account.limit == approved.granted_limit.amount
    assert account.profile.outcome is UnderwritingOutcome.APPROVED
    changes = [message for message in engine.outbox() if message.event.event_type == "account.limit_changed"]
    assert len(changes) == 1


def test_apply_decision_retry_returns_first(engine: Engine) -> None:
    """Retrying the call that opened the account returns the same account, not a conflict."""
    decision = engine.underwrite(Underwriter.sample_application())
    first = engine.apply_decision("open-b4", "b4", decision)

    retried = engine.apply_decision("open-b4", "b4", decision)

    assert retried == first
    engine.check_invariants("b4")
    opened = [message for message in engine.outbox() if message.event.event_type == "account.opened"]
    assert len(opened) == 1


def test_review_retry_returns_first(engine: Engine) -> None:
    """Retrying a limit review under its key returns the first result."""
    engine.apply_decision("open-b5", "b5", engine.underwrite(Underwriter.sample_application()))
    declined = engine.underwrite(application(sanctions_hit=True))
    first = engine.apply_decision("review-b5", "b5", declined)

    retried = engine.apply_decision("review-b5", "b5", declined)

    assert retried == first
    assert retried.limit.is_zero()


def test_batch_decisions_open_the_same_accounts(engine: Engine) -> None:
    """A decision from the batch call opens the same account as the single call's."""
    single = engine.underwrite(Underwriter.sample_application())
    (batch,) = engine.underwrite_batch([Underwriter.sample_application()])
    assert profile_from_decision(batch) == profile_from_decision(single)


def test_unlimited_decision_rejected(engine: Engine) -> None:
    """An unlimited line cannot become an account limit, which is always an amount."""
    decision = engine.underwrite(Underwriter.sample_application())
    unlimited = attrs.evolve(decision, granted_limit=CreditLimit(LimitState.UNLIMITED))
    with pytest.raises(InvalidInputError, match="unlimited"):
        engine.apply_decision("open-b4", "b4", unlimited)
