"""The in-memory store: an error inside a transaction undoes every write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from b2bcredit.core.money import Money
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.storage.memory import MemoryStore
from tests.ledger.support import ManualClock


def test_failed_transaction_restores_state() -> None:
    """Writes made before an exception are undone: records, entries, outbox and key."""
    store = MemoryStore()
    ledger = Ledger(store, ManualClock())
    account = ledger.open_account("open", "b1", Money("1000.00", "EUR"))
    before = ledger.snapshot(account.account_id)
    events_before = len(store.outbox(limit=1000))

    class Exploding:
        def now(self) -> datetime:
            return datetime(2026, 12, 1, tzinfo=UTC)

    broken = Ledger(store, Exploding(), terms_factory=lambda spec: (_ for _ in ()).throw(RuntimeError("boom")))
    auth = broken.authorize("a1", account.account_id, "o1", default_catalogue().get("net30"), Money("100.00", "EUR"))
    with pytest.raises(RuntimeError, match="boom"):
        broken.capture("c1", auth.authorization.authorization_id)

    after = ledger.snapshot(account.account_id)
    assert after.account.reserved == Money("100.00", "EUR")
    assert after.invoices == before.invoices
    assert len(store.outbox(limit=1000)) == events_before + 1
    with store.snapshot() as tx:
        assert tx.get_idempotency("c1") is None
    check_invariants(after)
