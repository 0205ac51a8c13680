"""The credit lifecycle end to end, on both stores, with invariants checked after each call."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from b2bcredit.core.errors import ConflictError, InvalidInputError, InvalidStateError, NotFoundError
from b2bcredit.core.money import Money
from b2bcredit.ledger.exposure import available_credit, exposure
from b2bcredit.ledger.model import (
    AuthorizationStatus,
    Book,
    HoldReason,
    InvoiceStatus,
    OverLimitTolerance,
)
from b2bcredit.products.catalogue import Catalogue
from b2bcredit.products.eligibility import ReasonCode
from tests.ledger.support import CheckedLedger, ManualClock


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def open_account(ledger: CheckedLedger, limit: str = "10000.00", buyer: str = "b1") -> str:
    return str(ledger.open_account(f"open-{buyer}", buyer, eur(limit)).account_id)


class TestAuthorize:
    def test_reserves_amount_and_fee(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Instalments reserve the order plus the buyer fee."""
        account_id = open_account(ledger)
        result = ledger.authorize("a1", account_id, "o1", catalogue.get("installments_3"), eur("1000.00"))
        assert result.approved
        assert result.authorization.reserved == eur("1010.00")
        assert result.available == eur("8990.00")

    def test_decline_is_a_result(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """An order above available credit declines with a reason and a reduce-by hint."""
        account_id = open_account(ledger, "1000.00")
        result = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("1500.00"))
        assert not result.approved
        assert result.reason is ReasonCode.INSUFFICIENT_CREDIT
        assert result.hint is not None
        assert result.hint.amount == eur("500.00")
        assert ledger.account(account_id).reserved == eur("0.00")

    def test_retry_returns_first_result(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """The same key and request return the stored result without reserving twice."""
        account_id = open_account(ledger)
        first = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("400.00"))
        again = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("400.00"))
        assert again == first
        assert ledger.account(account_id).reserved == eur("400.00")

    def test_same_key_other_request_conflicts(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """The same key with a different amount raises ConflictError."""
        account_id = open_account(ledger)
        ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("400.00"))
        with pytest.raises(ConflictError, match="a1"):
            ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("401.00"))

    def test_key_reused_by_other_operation_conflicts(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A key is global: reusing it for another operation conflicts."""
        account_id = open_account(ledger)
        ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("400.00"))
        with pytest.raises(ConflictError):
            ledger.record_payment("a1", account_id, eur("10.00"))

    def test_failed_call_stores_nothing(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A call that raises keeps no idempotency record, so the key can be used again."""
        account_id = open_account(ledger)
        with pytest.raises(InvalidInputError):
            ledger.authorize(
                "a1",
                account_id,
                "o1",
                catalogue.get("net30"),
                Money("400.00", "EUR"),
                expires_at=ledger.clock.now() - timedelta(hours=1),
            )
        assert ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("400.00")).approved

    def test_pay_now_product_rejected(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Card payments reserve no credit, so authorizing one is misuse."""
        account_id = open_account(ledger)
        with pytest.raises(InvalidInputError, match="product"):
            ledger.authorize("a1", account_id, "o1", catalogue.get("card"), eur("10.00"))

    def test_expiry_releases_reservation(self, ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock) -> None:
        """After its expiry an authorization reserves nothing and cannot be captured."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("400.00")).authorization
        clock.advance(days=7, seconds=1)
        assert ledger.account(account_id).reserved == eur("0.00")
        assert ledger.authorization(auth.authorization_id).status is AuthorizationStatus.EXPIRED
        with pytest.raises(InvalidStateError, match=r"is expired; .* Reopen it, which checks the credit limit again"):
            ledger.capture("c1", auth.authorization_id)

    def test_expired_reservation_frees_room_for_next(
        self, ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock
    ) -> None:
        """An order that did not fit fits once an earlier reservation expires."""
        account_id = open_account(ledger, "1000.00")
        ledger.authorize(
            "a1", account_id, "o1", catalogue.get("net30"), eur("800.00"), expires_at=clock.now() + timedelta(hours=1)
        )
        assert not ledger.authorize("a2", account_id, "o2", catalogue.get("net30"), eur("800.00")).approved
        clock.advance(hours=1)
        assert ledger.authorize("a3", account_id, "o2", catalogue.get("net30"), eur("800.00")).approved

    def test_unknown_account(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """An unknown account id raises NotFoundError naming the id."""
        with pytest.raises(NotFoundError, match="nope"):
            ledger.authorize("a1", "nope", "o1", catalogue.get("net30"), eur("100.00"))


class TestChangeAmount:
    def test_decrease_releases(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Lowering the amount releases the difference at once."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("900.00")).authorization
        result = ledger.change_amount("c1", auth.authorization_id, eur("600.00"))
        assert result.approved
        assert ledger.account(account_id).reserved == eur("600.00")

    def test_increase_checked_again(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Raising the amount beyond available credit declines and keeps the authorization."""
        account_id = open_account(ledger, "1000.00")
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("900.00")).authorization
        result = ledger.change_amount("c1", auth.authorization_id, eur("1100.00"))
        assert not result.approved
        assert result.reason is ReasonCode.INSUFFICIENT_CREDIT
        assert ledger.authorization(auth.authorization_id).amount == eur("900.00")
        assert ledger.change_amount("c2", auth.authorization_id, eur("1000.00")).approved

    def test_below_captured_rejected(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """The amount cannot fall below what was already captured."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("900.00")).authorization
        ledger.capture("c1", auth.authorization_id, eur("500.00"))
        with pytest.raises(InvalidInputError, match="captured"):
            ledger.change_amount("c2", auth.authorization_id, eur("400.00"))


class TestCapture:
    def test_partial_captures_never_exceed(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Two shipments capture the whole; a third cannot capture more."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("1000.00")).authorization
        first = ledger.capture("c1", auth.authorization_id, eur("600.00"))
        assert first.authorization.status is AuthorizationStatus.PARTIALLY_CAPTURED
        with pytest.raises(InvalidInputError, match="exceeds"):
            ledger.capture("c2", auth.authorization_id, eur("400.01"))
        second = ledger.capture("c3", auth.authorization_id)
        assert second.authorization.status is AuthorizationStatus.CAPTURED
        assert second.invoice.principal == eur("400.00")
        account = ledger.account(account_id)
        assert account.reserved == eur("0.00")
        assert account.receivable == eur("1000.00")

    def test_invoice_due_from_shipment_date(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Net 60 runs from the shipment date, not the authorization date."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net60"), eur("1000.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id, shipped_on=date(2026, 12, 3)).invoice
        assert invoice.issued_on == date(2026, 12, 3)
        assert invoice.due_date == date(2027, 2, 1)

    def test_instalment_fee_split_over_captures(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Fees charged on partial captures add up to the fee on the whole order."""
        account_id = open_account(ledger)
        product = catalogue.get("installments_3")
        auth = ledger.authorize("a1", account_id, "o1", product, eur("1000.01")).authorization
        fees = [
            ledger.capture(f"c{i}", auth.authorization_id, eur(part)).invoice.fees_charged
            for i, part in enumerate(["333.33", "333.33", "333.35"])
        ]
        assert Money.sum(fees, "EUR") == auth.fee
        schedule = ledger.invoice(ledger.authorization(auth.authorization_id).invoice_ids[0]).schedule
        assert len(schedule) == 3

    def test_cross_currency_parts_sum_to_whole(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Captures in USD convert cumulatively, so the invoices sum to the converted order."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), Money("100.01", "USD")).authorization
        assert auth.reserved == eur("90.01")
        parts = [
            ledger.capture(f"c{i}", auth.authorization_id, Money("33.34" if i < 2 else "33.33", "USD"))
            for i in range(3)
        ]
        assert Money.sum((part.invoice.principal for part in parts), "EUR") == eur("90.01")


class TestRelease:
    def test_void_keeps_invoices(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Voiding releases the uncaptured remainder; captured invoices stay open."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("1000.00")).authorization
        ledger.capture("c1", auth.authorization_id, eur("300.00"))
        voided = ledger.void("v1", auth.authorization_id)
        assert voided.status is AuthorizationStatus.VOIDED
        assert exposure(ledger.account(account_id)) == eur("300.00")

    def test_cancel_after_capture_rejected(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """An order with a capture is voided, not cancelled."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("1000.00")).authorization
        ledger.capture("c1", auth.authorization_id, eur("300.00"))
        with pytest.raises(InvalidStateError, match="void"):
            ledger.cancel("x1", auth.authorization_id)


class TestPayments:
    def test_overpayment_kept_as_unapplied(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Money beyond the open balance stays as unapplied credit and can be applied later."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        ledger.capture("c1", auth.authorization_id)
        payment = ledger.record_payment("p1", account_id, eur("150.00"))
        assert payment.unapplied == eur("50.00")
        assert ledger.account(account_id).unapplied == eur("50.00")
        auth2 = ledger.authorize("a2", account_id, "o2", catalogue.get("net30"), eur("80.00")).authorization
        ledger.capture("c2", auth2.authorization_id)
        applied = ledger.apply_credit_balance("p2", account_id)
        assert applied.amount == eur("50.00")
        assert ledger.account(account_id).receivable == eur("30.00")

    def test_allocation_oldest_due_first(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A payment settles the invoice due first before a later one."""
        account_id = open_account(ledger)
        late = ledger.authorize("a1", account_id, "o1", catalogue.get("net60"), eur("100.00")).authorization
        soon = ledger.authorize("a2", account_id, "o2", catalogue.get("net30"), eur("100.00")).authorization
        late_invoice = ledger.capture("c1", late.authorization_id).invoice
        soon_invoice = ledger.capture("c2", soon.authorization_id).invoice
        ledger.record_payment("p1", account_id, eur("120.00"))
        assert ledger.invoice(soon_invoice.invoice_id).status is InvoiceStatus.PAID
        assert ledger.invoice(late_invoice.invoice_id).outstanding == eur("80.00")

    def test_fees_settled_before_principal(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """The default order pays the buyer fee before principal."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("installments_3"), eur("1000.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        payment = ledger.record_payment("p1", account_id, eur("15.00"))
        assert [(a.component.value, str(a.amount)) for a in payment.allocations] == [
            ("fees", "10.00 EUR"),
            ("principal", "5.00 EUR"),
        ]
        assert ledger.invoice(invoice.invoice_id).fees_due == eur("0.00")

    def test_discount_outside_window_not_given(
        self, ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock
    ) -> None:
        """A payment after the discount window earns nothing."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30_discount"), eur("1000.00")).authorization
        ledger.capture("c1", auth.authorization_id)
        clock.advance(days=11)
        payment = ledger.record_payment("p1", account_id, eur("490.00"))
        assert payment.allocations[0].discount == eur("0.00")

    def test_future_payment_date_rejected(self, ledger: CheckedLedger) -> None:
        """A payment cannot be received after today."""
        account_id = open_account(ledger)
        with pytest.raises(InvalidInputError, match="received_on"):
            ledger.record_payment("p1", account_id, eur("1.00"), received_on=date(2027, 1, 1))


class TestInvoices:
    def test_extend_due_date(self, ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock) -> None:
        """Extending clears days past due and resets dunning."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        clock.advance(days=40)
        ledger.run_collections("r1", account_id)
        assert ledger.invoice(invoice.invoice_id).dunning_level == 1
        extended = ledger.extend_due_date("e1", invoice.invoice_id, date(2027, 1, 31))
        assert extended.due_date == date(2027, 1, 31)
        assert extended.days_past_due(clock.now().date()) == 0
        assert extended.dunning_level == 0

    def test_extend_to_earlier_date_rejected(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """An extension must move the date later."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        with pytest.raises(InvalidInputError, match="new_due_date"):
            ledger.extend_due_date("e1", invoice.invoice_id, date(2026, 12, 20))

    def test_write_off_restores_exposure_and_holds(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A write-off removes the balance from exposure and places a write-off hold."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        written = ledger.write_off("w1", invoice.invoice_id)
        assert written.status is InvoiceStatus.WRITTEN_OFF
        account = ledger.account(account_id)
        assert exposure(account) == eur("0.00")
        assert [hold.reason for hold in account.holds] == [HoldReason.WRITE_OFF]
        declined = ledger.authorize("a2", account_id, "o2", catalogue.get("net30"), eur("100.00"))
        assert declined.reason is ReasonCode.ACCOUNT_ON_HOLD
        ledger.release_hold("h1", account_id, HoldReason.WRITE_OFF)
        assert ledger.authorize("a3", account_id, "o2", catalogue.get("net30"), eur("100.00")).approved

    def test_refund_beyond_principal_rejected(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """Refunds on one invoice never exceed its principal."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        ledger.refund("r1", invoice.invoice_id, eur("60.00"))
        with pytest.raises(InvalidInputError, match=r"40\.00 EUR"):
            ledger.refund("r2", invoice.invoice_id, eur("40.01"))

    def test_refund_on_paid_invoice_becomes_credit(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A refund on a paid invoice goes to the buyer's unapplied credit."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        ledger.record_payment("p1", account_id, eur("100.00"))
        note = ledger.refund("r1", invoice.invoice_id, eur("30.00"))
        assert note.applied == eur("0.00")
        assert ledger.account(account_id).unapplied == eur("30.00")


class TestHoldsAndLimits:
    def test_manual_hold(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A manual hold declines new orders until released."""
        account_id = open_account(ledger)
        ledger.place_hold("h1", account_id, "review")
        assert (
            ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).reason
            is ReasonCode.ACCOUNT_ON_HOLD
        )
        ledger.release_hold("h2", account_id)
        assert ledger.authorize("a2", account_id, "o1", catalogue.get("net30"), eur("100.00")).approved

    def test_tolerance_share(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A 5% tolerance lets exposure reach 105% of the limit, no further."""
        tolerance = OverLimitTolerance(share=Decimal("0.05"))
        account = ledger.open_account("o", "b2", eur("1000.00"), tolerance=tolerance)
        assert ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30"), eur("1000.00")).approved
        assert ledger.authorize("a2", account.account_id, "o2", catalogue.get("net30"), eur("50.00")).approved
        declined = ledger.authorize("a3", account.account_id, "o3", catalogue.get("net30"), eur("50.00"))
        assert declined.reason is ReasonCode.INSUFFICIENT_CREDIT
        assert available_credit(ledger.account(account.account_id)) == eur("-50.00")

    def test_overdue_beyond_account_threshold(
        self, ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock
    ) -> None:
        """An invoice overdue beyond the account's hold days blocks new credit."""
        account = ledger.open_account("o", "b3", eur("10000.00"), hold_after_days_overdue=5)
        auth = ledger.authorize("a1", account.account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        invoice = ledger.capture("c1", auth.authorization_id).invoice
        clock.advance(days=36)
        declined = ledger.authorize("a2", account.account_id, "o2", catalogue.get("net30"), eur("100.00"))
        assert declined.reason is ReasonCode.INVOICE_OVERDUE
        assert declined.hint.invoice_ids == (invoice.invoice_id,)

    def test_duplicate_buyer_rejected(self, ledger: CheckedLedger) -> None:
        """A buyer gets one account."""
        open_account(ledger)
        with pytest.raises(ConflictError, match="b1"):
            ledger.open_account("other-key", "b1", eur("5.00"))

    def test_negative_limit_rejected(self, ledger: CheckedLedger) -> None:
        """A negative limit is misuse."""
        with pytest.raises(InvalidInputError, match="limit"):
            ledger.open_account("k", "b9", eur("-1.00"))


def test_entries_balance_per_operation(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """Every operation's entries sum to zero, and a capture moves reserved to receivable."""
    account_id = open_account(ledger)
    auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
    ledger.capture("c1", auth.authorization_id)
    entries = ledger.snapshot(account_id).entries
    books = {entry.book for entry in entries}
    assert {Book.RESERVED, Book.FACILITY, Book.RECEIVABLE, Book.SALES} <= books


def test_outbox_written_with_state(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """Each state change writes its events to the outbox, in order."""
    account_id = open_account(ledger)
    auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
    ledger.capture("c1", auth.authorization_id)
    types = [message.event.event_type for message in ledger.store.outbox(limit=100)]
    assert types == ["account.opened", "authorization.approved", "authorization.captured", "invoice.issued"]
    ledger.store.mark_published([1, 2], ledger.clock.now())
    assert [m.sequence for m in ledger.store.outbox()] == [3, 4]


class TestLimitChanges:
    def test_lower_limit_below_exposure(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A limit cut below exposure keeps existing credit and declines new orders."""
        account_id = open_account(ledger, "1000.00")
        ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("800.00"))
        account = ledger.set_limit("l1", account_id, eur("500.00"))
        assert available_credit(account) == eur("-300.00")
        assert account.reserved == eur("800.00")
        declined = ledger.authorize("a2", account_id, "o2", catalogue.get("net30"), eur("50.00"))
        assert declined.reason is ReasonCode.INSUFFICIENT_CREDIT

    def test_raise_limit_allows_more(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A higher limit lets an order through that did not fit before."""
        account_id = open_account(ledger, "1000.00")
        assert not ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("1500.00")).approved
        ledger.set_limit("l1", account_id, eur("2000.00"))
        assert ledger.authorize("a2", account_id, "o1", catalogue.get("net30"), eur("1500.00")).approved

    def test_limit_in_other_currency_rejected(self, ledger: CheckedLedger) -> None:
        """The limit stays in the account's currency."""
        account_id = open_account(ledger)
        with pytest.raises(InvalidInputError, match="EUR"):
            ledger.set_limit("l1", account_id, Money("100.00", "USD"))

    def test_closed_account_declines(self, ledger: CheckedLedger, catalogue: Catalogue) -> None:
        """A closed account takes no new orders but its invoices still collect."""
        account_id = open_account(ledger)
        auth = ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), eur("100.00")).authorization
        ledger.capture("c1", auth.authorization_id)
        ledger.close_account("x1", account_id)
        declined = ledger.authorize("a2", account_id, "o2", catalogue.get("net30"), eur("100.00"))
        assert declined.reason is ReasonCode.ACCOUNT_CLOSED
        ledger.record_payment("p1", account_id, eur("100.00"))
        assert ledger.account(account_id).receivable == eur("0.00")
