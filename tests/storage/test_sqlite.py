"""The SQLite store: schema versions and migrations, WAL mode, atomic transactions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from b2bcredit.core.errors import ConflictError, InvalidInputError, InvalidStateError
from b2bcredit.core.money import Money
from b2bcredit.ledger.model import DomainEvent, IdempotencyRecord
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.storage.sqlite import SCHEMA_VERSION, SchemaVersionError, SqliteStore
from tests.ledger.support import ManualClock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_new_file_at_latest_schema_in_wal(tmp_path: Path) -> None:
    """A new database file gets the latest schema and WAL journaling."""
    store = SqliteStore(tmp_path / "new.sqlite3")
    assert store.schema_version == SCHEMA_VERSION
    mode = sqlite3.connect(tmp_path / "new.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    store.close()


def test_migrates_old_schema_keeping_data(tmp_path: Path) -> None:
    """A version-1 file with an account is upgraded in place and the account survives."""
    path = tmp_path / "old.sqlite3"
    old = SqliteStore(path, migrate_to=1)
    assert old.schema_version == 1
    account = Ledger(old, ManualClock()).open_account("open", "buyer", Money("10.00", "EUR"))
    old.close()

    upgraded = SqliteStore(path)

    assert upgraded.schema_version == SCHEMA_VERSION
    assert Ledger(upgraded, ManualClock()).account(account.account_id) == account
    assert [message.event.event_type for message in upgraded.outbox()] == ["account.opened"]
    upgraded.close()


def test_newer_schema_rejected(tmp_path: Path) -> None:
    """A file from a newer library version raises instead of being misread."""
    path = tmp_path / "future.sqlite3"
    SqliteStore(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(SchemaVersionError, match="newer"):
        SqliteStore(path)


def test_error_rolls_back_everything(tmp_path: Path) -> None:
    """An exception inside a transaction keeps none of its writes, outbox included."""
    store = SqliteStore(tmp_path / "atomic.sqlite3")
    event = DomainEvent("evt_1", "test.happened", "acct_1", NOW, {"k": "v"})

    def write_then_fail() -> None:
        with store.transaction() as tx:
            tx.add_event(event)
            tx.put_idempotency(IdempotencyRecord("key", "op", "f", "{}", NOW))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_then_fail()
    assert store.outbox() == []
    with store.snapshot() as tx:
        assert tx.get_idempotency("key") is None
    store.close()


def test_read_transaction_cannot_write() -> None:
    """Writing inside snapshot() raises InvalidStateError."""
    store = SqliteStore(":memory:")
    with pytest.raises(InvalidStateError), store.snapshot() as tx:
        tx.add_event(DomainEvent("evt_1", "x", "a", NOW, {}))


def test_duplicate_idempotency_key_conflicts() -> None:
    """The idempotency table keeps the first record of a key."""
    store = SqliteStore(":memory:")
    with store.transaction() as tx:
        tx.put_idempotency(IdempotencyRecord("key", "op", "f", "{}", NOW))
    with pytest.raises(ConflictError), store.transaction() as tx:
        tx.put_idempotency(IdempotencyRecord("key", "op", "g", "{}", NOW))


def test_amounts_stored_exactly(tmp_path: Path) -> None:
    """Entries hold integer minor units and records hold decimal text, never REAL."""
    path = tmp_path / "exact.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    account = ledger.open_account("open", "buyer", Money("1000.00", "EUR"))
    ledger.authorize("a1", account.account_id, "o1", default_catalogue().get("net30"), Money("100.10", "EUR"))
    store.close()
    connection = sqlite3.connect(path)
    types = {row[0] for row in connection.execute("SELECT typeof(amount_minor) FROM entries")}
    amounts = sorted(row[0] for row in connection.execute("SELECT amount_minor FROM entries"))
    assert types == {"integer"}
    assert amounts == [-10010, 10010]
    data = connection.execute("SELECT data FROM authorizations").fetchone()[0]
    assert '"100.10 EUR"' in data


def test_unknown_synchronous_setting_rejected() -> None:
    """Only NORMAL and FULL are accepted for synchronous."""
    with pytest.raises(InvalidInputError, match="synchronous"):
        SqliteStore(":memory:", synchronous="OFF")  # type: ignore[arg-type]
