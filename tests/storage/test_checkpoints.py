"""Checkpoints of a SQLite file run on the store's background thread, or inline without it."""

from __future__ import annotations

import time
from pathlib import Path

from b2bcredit.core.money import Money
from b2bcredit.ledger.service import Ledger
from b2bcredit.storage.sqlite import CHECKPOINT_EVERY, SqliteStore
from tests.ledger.support import ManualClock


def _open_accounts(ledger: Ledger, first: int, count: int) -> None:
    for index in range(first, first + count):
        ledger.open_account(f"open-{index}", f"buyer-{index}", Money("1000.00", "EUR"))


def _wait_for_growth(path: Path, size: int) -> int:
    # The checkpoint runs on another thread; give it up to ten seconds on a busy machine.
    deadline = time.monotonic() + 10
    while path.stat().st_size <= size and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.stat().st_size


def test_commits_are_checkpointed_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    assert store._connection.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    size = path.stat().st_size

    # Commits below the threshold stay in the WAL: the database file keeps its size.
    _open_accounts(ledger, 0, CHECKPOINT_EVERY - 1)
    time.sleep(0.05)
    assert path.stat().st_size == size

    # The commit that reaches it wakes the thread, which copies the pages back.
    _open_accounts(ledger, CHECKPOINT_EVERY - 1, 1)
    assert _wait_for_growth(path, size) > size
    store.close()


def test_without_the_thread_checkpoints_inline(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    # A forked child's copy of the store has no checkpoint thread either.
    assert store._checkpointer is not None
    store._checkpointer.stop()
    size = path.stat().st_size

    _open_accounts(ledger, 0, CHECKPOINT_EVERY)

    assert path.stat().st_size > size
    store.close()


def test_close_stops_the_thread_and_keeps_every_commit(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteStore(path)
    _open_accounts(Ledger(store, ManualClock()), 0, 3)
    checkpointer = store._checkpointer
    store.close()

    assert checkpointer is not None
    assert not checkpointer.is_alive()
    reopened = SqliteStore(path)
    with reopened.snapshot() as tx:
        assert tx.find_account("buyer-2") is not None
    reopened.close()
