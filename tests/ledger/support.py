"""Shared test helpers: a clock the test moves, and a ledger that checks invariants after each call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.service import Ledger

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class ManualClock:
    """A clock that stays at one instant until the test advances it."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


# Calls that change state; each is followed by an invariant check of every account.
_CHANGES = {
    "open_account",
    "set_limit",
    "place_hold",
    "release_hold",
    "close_account",
    "authorize",
    "change_amount",
    "capture",
    "void",
    "cancel",
    "reopen",
    "expire_authorizations",
    "refund",
    "record_payment",
    "apply_credit_balance",
    "extend_due_date",
    "write_off",
    "run_collections",
}


class CheckedLedger:
    """Wraps a Ledger and checks the invariants of every account after each state change."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.ledger, name)
        if name not in _CHANGES:
            return target

        def checked(*args: Any, **kwargs: Any) -> Any:
            try:
                return target(*args, **kwargs)
            finally:
                self.check_all()

        return checked

    def check_all(self) -> None:
        with self.ledger.store.snapshot() as tx:
            account_ids = tx.account_ids()
        for account_id in account_ids:
            check_invariants(self.ledger.snapshot(account_id))


def counter(prefix: str = "k") -> Callable[[], str]:
    """Return a function that makes fresh idempotency keys."""
    state = {"next": 0}

    def make() -> str:
        state["next"] += 1
        return f"{prefix}-{state['next']}"

    return make
