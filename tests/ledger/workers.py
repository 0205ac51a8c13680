"""Code run in child processes by the concurrency and crash tests."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from b2bcredit.core.money import Money
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.storage.sqlite import SqliteStore
from tests.ledger.support import ManualClock

PRODUCT = default_catalogue().get("net30")
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def amount_for(worker: int, attempt: int) -> Money:
    """Return a varied order amount between 50.00 and 249.99 EUR."""
    return Money.from_minor_units(5_000 + (worker * 7_919 + attempt * 104_729) % 20_000, "EUR")


def authorize_many(path: str, account_id: str, worker: int, attempts: int) -> list[tuple[str, bool, str | None]]:
    """Authorize ``attempts`` orders; every fifth is sent twice, as a client retry would.

    Returns (key, approved, authorization id) for each distinct key.
    """
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock(START))
    outcomes = []
    try:
        for attempt in range(attempts):
            key = f"w{worker}-a{attempt}"
            amount = amount_for(worker, attempt)
            result = ledger.authorize(key, account_id, f"order-{worker}-{attempt}", PRODUCT, amount)
            if attempt % 5 == 0:
                retried = ledger.authorize(key, account_id, f"order-{worker}-{attempt}", PRODUCT, amount)
                if retried != result:
                    raise AssertionError(f"retry of {key} returned a different result")
            approved_id = result.authorization.authorization_id if result.approved else None
            outcomes.append((key, result.approved, approved_id))
    finally:
        store.close()
    return outcomes


def run_until_killed(path: str, account_id: str) -> None:
    """Authorize and capture orders forever, printing each index once both committed."""
    store = SqliteStore(path)
    clock = ManualClock(START)
    ledger = Ledger(store, clock)
    index = 0
    while True:
        result = ledger.authorize(f"auth-{index}", account_id, f"order-{index}", PRODUCT, Money("100.00", "EUR"))
        if result.authorization is None:
            raise AssertionError(f"order {index} was declined: {result.reason}")
        ledger.capture(f"capture-{index}", result.authorization.authorization_id)
        ledger.record_payment(f"pay-{index}", account_id, Money("100.00", "EUR"))
        print(index, flush=True)
        index += 1


if __name__ == "__main__":
    run_until_killed(sys.argv[1], sys.argv[2])
