"""Eight processes authorizing against one SQLite file never overspend the limit."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from b2bcredit.core.money import Money
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.model import AuthorizationStatus
from b2bcredit.ledger.service import Ledger
from b2bcredit.storage.sqlite import SqliteStore
from tests.ledger import workers
from tests.ledger.support import ManualClock

PROCESSES = 8
ATTEMPTS = 200


def test_eight_processes_never_exceed_limit(tmp_path: Path) -> None:
    """1,600 concurrent attempts: total reserved stays within the limit and each success is recorded once."""
    path = str(tmp_path / "ledger.sqlite3")
    limit = Money("100000.00", "EUR")
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock(workers.START))
    account_id = ledger.open_account("open", "buyer", limit).account_id

    # Each child opens its own connection; fork only saves the start-up time of spawn.
    context = multiprocessing.get_context("fork")
    with context.Pool(PROCESSES) as pool:
        runs = pool.starmap(
            workers.authorize_many, [(path, account_id, worker, ATTEMPTS) for worker in range(PROCESSES)]
        )
    outcomes = [outcome for run in runs for outcome in run]

    approved_ids = [authorization_id for _, approved, authorization_id in outcomes if approved]
    snapshot = ledger.snapshot(account_id)
    stored = [item for item in snapshot.authorizations if item.status is AuthorizationStatus.AUTHORIZED]
    assert len(outcomes) == PROCESSES * ATTEMPTS
    assert len(set(approved_ids)) == len(approved_ids)
    assert sorted(item.authorization_id for item in stored) == sorted(approved_ids)
    assert snapshot.account.reserved <= limit
    approved_total = Money.sum(
        (
            workers.amount_for(int(key[1 : key.index("-")]), int(key[key.index("a", 1) + 1 :]))
            for key, approved, _ in outcomes
            if approved
        ),
        "EUR",
    )
    assert snapshot.account.reserved == approved_total
    # The amounts attempted exceed the limit, so some attempts must have been declined.
    assert 0 < len(approved_ids) < len(outcomes)
    check_invariants(snapshot)
    store.close()
