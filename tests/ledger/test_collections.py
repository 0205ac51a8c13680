"""Overdue handling: days past due, aging buckets, late fees, dunning and the outbox."""

from __future__ import annotations

from datetime import date

from b2bcredit.core.money import Money
from b2bcredit.ledger.reports import AgingBucket
from b2bcredit.products.catalogue import Catalogue
from tests.ledger.support import CheckedLedger, ManualClock


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def invoice_on(
    ledger: CheckedLedger, catalogue: Catalogue, account_id: str, order: str, product: str, amount: str, shipped: date
) -> str:
    auth = ledger.authorize(f"a-{order}", account_id, order, catalogue.get(product), eur(amount)).authorization
    return str(ledger.capture(f"c-{order}", auth.authorization_id, shipped_on=shipped).invoice.invoice_id)


def test_aging_buckets_by_part(ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock) -> None:
    """Each unsettled part lands in the bucket of its own days past due."""
    account_id = ledger.open_account("open", "b1", eur("100000.00")).account_id
    # Authorize all four first: once the oldest is captured, it blocks new credit.
    orders = [
        ("o1", "net30", "100.00", date(2026, 7, 1)),  # due 31 Jul
        ("o2", "net30", "200.00", date(2026, 9, 15)),  # due 15 Oct
        ("o3", "net30", "300.00", date(2026, 10, 25)),  # due 24 Nov
        ("o4", "net60", "400.00", date(2026, 11, 20)),  # due 19 Jan
    ]
    authorizations = [
        ledger.authorize(f"a-{order}", account_id, order, catalogue.get(product), eur(amount)).authorization
        for order, product, amount, _ in orders
    ]
    for authorization, (order, _, _, shipped) in zip(authorizations, orders, strict=True):
        ledger.capture(f"c-{order}", authorization.authorization_id, shipped_on=shipped)
    report = ledger.aging(account_id, as_of=date(2026, 12, 1))
    assert report.amount(AgingBucket.OVER_90) == eur("100.00")
    assert report.amount(AgingBucket.DAYS_31_60) == eur("200.00")
    assert report.amount(AgingBucket.DAYS_1_30) == eur("300.00")
    assert report.amount(AgingBucket.CURRENT) == eur("400.00")
    assert report.total == ledger.account(account_id).receivable


def test_instalment_parts_age_separately(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """Only the instalments already due are past due; later ones stay current."""
    account_id = ledger.open_account("open", "b1", eur("100000.00")).account_id
    invoice_id = invoice_on(ledger, catalogue, account_id, "o1", "installments_3", "3000.00", date(2026, 9, 1))
    report = ledger.aging(account_id, as_of=date(2026, 12, 2))
    # Parts of 1,010.00 fall due on 1 Oct, 1 Nov and 1 Dec.
    assert report.amount(AgingBucket.DAYS_61_90) == eur("1010.00")
    assert report.amount(AgingBucket.DAYS_31_60) == eur("1010.00")
    assert report.amount(AgingBucket.DAYS_1_30) == eur("1010.00")
    ledger.record_payment("p1", account_id, eur("1010.00"))
    assert ledger.invoice(invoice_id).days_past_due(date(2026, 12, 2)) == 31


def test_late_fee_once_after_grace(ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock) -> None:
    """The late fee is charged once, after the grace days, and counts as exposure."""
    account_id = ledger.open_account("open", "b1", eur("100000.00")).account_id
    invoice_id = invoice_on(ledger, catalogue, account_id, "o1", "net30", "1000.00", date(2026, 12, 1))
    clock.advance(days=35)  # 5 days late: inside the grace period
    assert ledger.run_collections("r1", account_id).late_fees == ()
    clock.advance(days=1)
    result = ledger.run_collections("r2", account_id)
    assert [str(charge.amount) for charge in result.late_fees] == ["50.00 EUR"]  # 40.00 + 1%
    assert ledger.run_collections("r3", account_id).late_fees == ()
    assert ledger.invoice(invoice_id).outstanding == eur("1050.00")
    assert ledger.account(account_id).receivable == eur("1050.00")


def test_dunning_levels_raised_once(ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock) -> None:
    """Each dunning level is reported once, in order, with its action."""
    account_id = ledger.open_account("open", "b1", eur("100000.00")).account_id
    invoice_on(ledger, catalogue, account_id, "o1", "net30", "100.00", date(2026, 12, 1))
    seen = []
    # The invoice is due on 31 December; these dates are 1, 2, 16, 31 and 61 days later.
    for key, as_of in [
        ("r1", date(2027, 1, 1)),
        ("r2", date(2027, 1, 2)),
        ("r3", date(2027, 1, 16)),
        ("r4", date(2027, 1, 31)),
        ("r5", date(2027, 3, 2)),
    ]:
        result = ledger.run_collections(key, account_id, as_of=as_of)
        seen.extend((notice.level, notice.action) for notice in result.notices)
    assert seen == [(1, "reminder"), (2, "second_notice"), (3, "final_notice"), (4, "collections")]
    events = [message.event.event_type for message in ledger.store.outbox(limit=1000)]
    assert events.count("invoice.overdue") == 1
    assert events.count("invoice.dunning_level_raised") == 4


def test_payment_clears_overdue(ledger: CheckedLedger, catalogue: Catalogue, clock: ManualClock) -> None:
    """Paying the overdue invoice lets the buyer use credit again."""
    account = ledger.open_account("open", "b1", eur("100000.00"), hold_after_days_overdue=10)
    invoice_on(ledger, catalogue, account.account_id, "o1", "net30", "100.00", date(2026, 12, 1))
    clock.advance(days=45)
    assert not ledger.authorize("a2", account.account_id, "o2", catalogue.get("net30"), eur("100.00")).approved
    ledger.record_payment("p1", account.account_id, eur("100.00"))
    assert ledger.authorize("a3", account.account_id, "o3", catalogue.get("net30"), eur("100.00")).approved


def test_due_event_once_per_part(ledger: CheckedLedger, catalogue: Catalogue) -> None:
    """Each instalment is announced as due once, on or after its due date."""
    account_id = ledger.open_account("open", "b1", eur("100000.00")).account_id
    invoice_id = invoice_on(ledger, catalogue, account_id, "o1", "installments_3", "3000.00", date(2026, 12, 1))
    assert ledger.run_collections("r1", account_id, as_of=date(2026, 12, 31)).newly_due == ()
    assert ledger.run_collections("r2", account_id, as_of=date(2027, 1, 1)).newly_due == (invoice_id,)
    assert ledger.run_collections("r3", account_id, as_of=date(2027, 1, 1)).newly_due == ()
    ledger.record_payment("p1", account_id, eur("1010.00"))
    assert ledger.run_collections("r4", account_id, as_of=date(2027, 2, 1)).newly_due == (invoice_id,)
    due_dates = [
        message.event.payload["due_date"]
        for message in ledger.store.outbox(limit=1000)
        if message.event.event_type == "invoice.due"
    ]
    assert due_dates == ["2027-01-01", "2027-02-01"]
