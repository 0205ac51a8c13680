"""Replaying real receivables through the ledger: 2,466 net-30 invoices of 100 customers."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest

from b2bcredit.core.money import Money
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import AmountRange, default_catalogue
from b2bcredit.storage.memory import MemoryStore
from tests.ledger.support import ManualClock

pytestmark = pytest.mark.realdata


def us_date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def test_replay_matches_days_late(data_file: Callable[[str], Path]) -> None:
    """Due dates, days late at settlement and the open balance agree with the data set."""
    path = data_file("ibm_accounts_receivable/WA_Fn-UseC_-Accounts-Receivable.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))

    # Every invoice in this data set is net 30 in one currency, taken here as USD.
    base = default_catalogue().get("net30")
    product = attrs.evolve(
        base,
        eligibility=attrs.evolve(
            base.eligibility,
            amount_ranges=(AmountRange(Money("0.01", "USD")),),
            max_days_overdue=None,
        ),
    )
    clock = ManualClock(datetime(2012, 1, 1, tzinfo=UTC))
    ledger = Ledger(MemoryStore(), clock)
    accounts = {}
    for customer in sorted({row["customerID"] for row in rows}):
        accounts[customer] = ledger.open_account(f"open-{customer}", customer, Money("10000000.00", "USD")).account_id

    # Replay issues and settlements in date order; on one day, issues come first.
    events = sorted(
        [(us_date(row["InvoiceDate"]), 0, row) for row in rows]
        + [(us_date(row["SettledDate"]), 1, row) for row in rows],
        key=lambda event: (event[0], event[1], event[2]["invoiceNumber"]),
    )
    invoice_ids: dict[str, str] = {}
    mismatched_due = mismatched_late = 0
    for day, kind, row in events:
        clock.current = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        number = row["invoiceNumber"]
        account_id = accounts[row["customerID"]]
        amount = Money(row["InvoiceAmount"], "USD")
        if kind == 0:
            result = ledger.authorize(f"a-{number}", account_id, number, product, amount)
            assert result.approved, number
            invoice = ledger.capture(f"c-{number}", result.authorization.authorization_id, shipped_on=day).invoice
            invoice_ids[number] = invoice.invoice_id
            mismatched_due += invoice.due_date != us_date(row["DueDate"])
        else:
            invoice_id = invoice_ids[number]
            mismatched_late += ledger.invoice(invoice_id).days_past_due(day) != int(row["DaysLate"])
            ledger.record_payment(f"p-{number}", account_id, amount, received_on=day, invoice_id=invoice_id)

    assert len(invoice_ids) == len(rows) == 2466
    assert mismatched_due == 0
    assert mismatched_late == 0
    for account_id in accounts.values():
        snapshot = ledger.snapshot(account_id)
        check_invariants(snapshot)
        assert snapshot.account.receivable.is_zero()
