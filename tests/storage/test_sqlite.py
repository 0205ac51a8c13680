"""The SQLite store: schema versions and migrations, WAL mode, atomic transactions."""

from __future__ import annotations

import shutil
import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from b2bcredit.core.errors import ConflictError, InvalidInputError, InvalidStateError
from b2bcredit.core.money import Money
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.model import (
    Account,
    AccountStatus,
    AuthorizationStatus,
    Book,
    CreditProfile,
    DomainEvent,
    Entry,
    IdempotencyRecord,
    OverLimitTolerance,
)
from b2bcredit.ledger.results import CaptureResult
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.storage.codec import dumps, from_json, loads
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
    old.close()
    # Version 1 kept the whole account, balances included, as JSON in one column; this
    # writes the rows that version's open_account wrote.
    zero = Money.zero("EUR")
    account = Account(
        account_id="acct_1",
        buyer_id="buyer",
        currency="EUR",
        limit=Money("10.00", "EUR"),
        tolerance=OverLimitTolerance(),
        hold_after_days_overdue=None,
        profile=CreditProfile(),
        status=AccountStatus.OPEN,
        holds=(),
        reserved=zero,
        receivable=zero,
        unapplied=zero,
        opened_at=NOW,
        revision=1,
    )
    event = DomainEvent("evt_1", "account.opened", "acct_1", NOW, {"limit": "10.00 EUR"})
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO accounts (account_id, buyer_id, data) VALUES (?, ?, ?)", ("acct_1", "buyer", dumps(account))
        )
        connection.execute(
            "INSERT INTO outbox (event_id, account_id, event_type, data) VALUES (?, ?, ?, ?)",
            ("evt_1", "acct_1", "account.opened", dumps(event)),
        )
    connection.close()

    upgraded = SqliteStore(path)

    assert upgraded.schema_version == SCHEMA_VERSION
    assert Ledger(upgraded, ManualClock()).account(account.account_id) == account
    assert [message.event.event_type for message in upgraded.outbox()] == ["account.opened"]
    upgraded.close()


def _copy_version_2_file(tmp_path: Path) -> Path:
    # Written by the library at schema version 2: two accounts, a partial capture, a USD
    # order captured at a locked rate, a decline, a payment three days later and an
    # authorization that expires one day after the start.
    path = tmp_path / "version2.sqlite3"
    shutil.copyfile(Path(__file__).parent / "data" / "schema_v2.db", path)
    return path


def test_migrates_version_2_file(tmp_path: Path) -> None:
    """A file written at version 2 upgrades with equal records, balances and stored results."""
    path = _copy_version_2_file(tmp_path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
        accounts = [loads(Account, row[0]) for row in connection.execute("SELECT data FROM accounts")]
        first_result = connection.execute("SELECT result FROM idempotency WHERE idempotency_key = 'ship-1'").fetchone()
        outbox_count = connection.execute("SELECT count(*) FROM outbox").fetchone()[0]
        entry_count = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
    connection.close()
    assert len(accounts) == 2

    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())

    assert store.schema_version == SCHEMA_VERSION
    for account in accounts:
        assert ledger.account(account.account_id) == account
        check_invariants(ledger.snapshot(account.account_id))
    assert accounts[0].reserved.is_positive()
    assert accounts[0].receivable.is_positive()
    # A capture's request holds no product, whose digest changes when the product model
    # gains fields, so its retry matches the fingerprint stored by version 2.
    first = next(
        authorization
        for authorization in ledger.snapshot(accounts[0].account_id).authorizations
        if authorization.order_id == "order-1"
    )
    replay = ledger.capture("ship-1", first.authorization_id, Money("4500.00", "EUR"))
    assert replay == loads(CaptureResult, zlib.decompress(first_result[0]).decode())
    assert replay.authorization.product == first.product
    assert len(store.outbox(limit=1000)) == outbox_count
    with store.snapshot() as tx:
        assert sum(len(tx.entries(account.account_id)) for account in accounts) == entry_count
    store.close()


def test_version_2_file_takes_new_operations(tmp_path: Path) -> None:
    """After the upgrade, expiry, authorization and references work on the old rows."""
    path = _copy_version_2_file(tmp_path)
    store = SqliteStore(path)
    clock = ManualClock()
    ledger = Ledger(store, clock)
    with store.snapshot() as tx:
        found = tx.find_account("buyer-2")
    assert found is not None
    second = found.account_id
    active_before = ledger.snapshot(second).authorizations
    clock.advance(days=3)

    result = ledger.authorize("auth-new", second, "order-new", default_catalogue().get("net30"), Money("900.00", "EUR"))

    assert [authorization.status for authorization in active_before] == [AuthorizationStatus.AUTHORIZED]
    assert result.approved
    snapshot = ledger.snapshot(second)
    check_invariants(snapshot)
    assert [authorization.status for authorization in snapshot.authorizations] == [
        AuthorizationStatus.EXPIRED,
        AuthorizationStatus.AUTHORIZED,
    ]
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        schema = " ".join(row[0] for row in connection.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
    connection.close()
    assert "REFERENCES accounts(account_id)" in schema
    assert "new_" not in schema
    store.close()


def _copy_version_3_file(tmp_path: Path) -> Path:
    # Written by the library at schema version 3 with the same calls as the version 2 file.
    # It has two accounts, a partial capture, a USD order captured at a locked rate, a
    # decline, a payment three days later and an authorization that expires after one day.
    path = tmp_path / "version3.sqlite3"
    shutil.copyfile(Path(__file__).parent / "data" / "schema_v3.db", path)
    return path


def test_migrates_version_3_file(tmp_path: Path) -> None:
    """A version 3 file upgrades with equal accounts, entries and stored results."""
    path = _copy_version_3_file(tmp_path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 3
        old_entries = connection.execute(
            "SELECT account_id, operation_id, book, amount_minor, currency, posted_at FROM entries "
            "ORDER BY account_id, operation_id, line"
        ).fetchall()
        account_ids = [row[0] for row in connection.execute("SELECT account_id FROM accounts ORDER BY account_id")]
        first_result = connection.execute("SELECT result FROM idempotency WHERE idempotency_key = 'ship-1'").fetchone()
    connection.close()
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())

    assert store.schema_version == SCHEMA_VERSION
    with store.snapshot() as tx:
        new_entries = [
            (
                entry.account_id,
                entry.operation_id,
                entry.book.value,
                entry.amount.minor_units,
                entry.amount.currency.code,
                entry.posted_at.isoformat(),
            )
            for account_id in account_ids
            for entry in tx.entries(account_id)
        ]
    assert new_entries == old_entries
    for account_id in account_ids:
        check_invariants(ledger.snapshot(account_id))
    first = next(
        authorization
        for account_id in account_ids
        for authorization in ledger.snapshot(account_id).authorizations
        if authorization.order_id == "order-1"
    )
    replay = ledger.capture("ship-1", first.authorization_id, Money("4500.00", "EUR"))
    # Records have gained fields since version 3, so the replay is compared field by field.
    stored = from_json(first_result[0])
    assert replay.invoice.invoice_id == stored["invoice"]["invoice_id"]
    assert str(replay.invoice.principal) == stored["invoice"]["principal"]
    assert str(replay.authorization.captured) == stored["authorization"]["captured"]
    assert replay.authorization.status.value == stored["authorization"]["status"]
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT count(*) FROM entries").fetchone()[0]
        bounds = {row[0] for row in connection.execute("SELECT expiry_bound FROM accounts")}
        schema = " ".join(row[0] for row in connection.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))
    connection.close()
    assert rows == len({(account_id, operation_id) for account_id, operation_id, *_ in old_entries})
    assert bounds == {""}
    assert "new_" not in schema
    store.close()


def test_version_3_file_expires_after_upgrade(tmp_path: Path) -> None:
    """An authorization written by version 3 still expires on the first call after its expiry."""
    path = _copy_version_3_file(tmp_path)
    store = SqliteStore(path)
    clock = ManualClock()
    ledger = Ledger(store, clock)
    found = ledger.find_account("buyer-2")
    assert found is not None
    clock.advance(days=3)

    result = ledger.authorize(
        "auth-new", found.account_id, "order-new", default_catalogue().get("net30"), Money("900.00", "EUR")
    )

    assert result.approved
    snapshot = ledger.snapshot(found.account_id)
    check_invariants(snapshot)
    assert [authorization.status for authorization in snapshot.authorizations] == [
        AuthorizationStatus.EXPIRED,
        AuthorizationStatus.AUTHORIZED,
    ]
    store.close()


def _expiry_bound(path: Path, account_id: str) -> str:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT expiry_bound FROM accounts WHERE account_id = ?", (account_id,)).fetchone()
    connection.close()
    return str(row[0])


def test_expiry_bound_follows_active_authorizations(tmp_path: Path) -> None:
    """The bound is the earliest active expiry, moves earlier at once and later after a search."""
    path = tmp_path / "bound.sqlite3"
    store = SqliteStore(path)
    clock = ManualClock()
    ledger = Ledger(store, clock)
    product = default_catalogue().get("net30")
    account_id = ledger.open_account("open", "buyer", Money("10000.00", "EUR")).account_id
    assert _expiry_bound(path, account_id) == "~"

    late = ledger.authorize("a1", account_id, "o1", product, Money("100.00", "EUR"), expires_at=NOW + timedelta(days=5))
    assert _expiry_bound(path, account_id) == "2026-12-06T09:00:00.000000+00:00"
    ledger.authorize("a2", account_id, "o2", product, Money("100.00", "EUR"), expires_at=NOW + timedelta(days=2))
    assert _expiry_bound(path, account_id) == "2026-12-03T09:00:00.000000+00:00"
    clock.advance(days=3)
    ledger.authorize("a3", account_id, "o3", product, Money("100.00", "EUR"), expires_at=NOW + timedelta(days=9))
    assert _expiry_bound(path, account_id) == "2026-12-06T09:00:00.000000+00:00"
    assert late.authorization is not None
    ledger.void("v1", late.authorization.authorization_id)
    clock.advance(days=3)
    ledger.place_hold("h1", account_id)
    assert _expiry_bound(path, account_id) == "2026-12-10T09:00:00.000000+00:00"

    snapshot = ledger.snapshot(account_id)
    check_invariants(snapshot)
    assert [authorization.status for authorization in snapshot.authorizations] == [
        AuthorizationStatus.VOIDED,
        AuthorizationStatus.EXPIRED,
        AuthorizationStatus.AUTHORIZED,
    ]
    store.close()


def test_expiry_bound_seen_by_other_store(tmp_path: Path) -> None:
    """An earlier expiry written through one store is expired by another store on the file."""
    path = tmp_path / "shared.sqlite3"
    clock = ManualClock()
    first = Ledger(SqliteStore(path), clock)
    second = Ledger(SqliteStore(path), clock)
    product = default_catalogue().get("net30")
    account_id = first.open_account("open", "buyer", Money("1000.00", "EUR")).account_id
    first.authorize("a1", account_id, "o1", product, Money("100.00", "EUR"))
    second.account(account_id)
    first.authorize("a2", account_id, "o2", product, Money("800.00", "EUR"), expires_at=NOW + timedelta(hours=1))
    clock.advance(hours=2)

    result = second.authorize("a3", account_id, "o3", product, Money("800.00", "EUR"))

    assert result.approved
    check_invariants(second.snapshot(account_id))
    first.store.close()
    second.store.close()


def test_entries_of_one_operation_share_a_row(tmp_path: Path) -> None:
    """Entries added twice for one operation, or at other times, read back in order."""
    path = tmp_path / "entries.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    account_id = ledger.open_account("open", "buyer", Money("1000.00", "EUR")).account_id
    later = NOW + timedelta(seconds=1)
    first = [
        Entry("op_1", account_id, Book.RESERVED, Money("5.00", "EUR"), NOW),
        Entry("op_1", account_id, Book.FACILITY, Money("-5.00", "EUR"), later),
    ]
    second = [
        Entry("op_1", account_id, Book.RESERVED, Money("-1.00", "EUR"), later),
        Entry("op_1", account_id, Book.FACILITY, Money("1.00", "EUR"), NOW),
    ]
    with store.transaction() as tx:
        tx.add_entries(first)
    with store.transaction() as tx:
        tx.add_entries(second)
    with store.snapshot() as tx:
        stored = tx.entries(account_id)

    assert stored == first + second
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT count(*) FROM entries WHERE operation_id = 'op_1'").fetchone()[0]
    connection.close()
    assert rows == 1
    store.close()


def test_entries_of_unknown_account_rejected() -> None:
    """An entry for an account that does not exist breaks the foreign key."""
    store = SqliteStore(":memory:")
    entry = Entry("op_1", "acct_missing", Book.RESERVED, Money("5.00", "EUR"), NOW)
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as tx:
        tx.add_entries([entry])
    store.close()


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
    """Entry lines hold integer minor units and records hold decimal text, never REAL."""
    path = tmp_path / "exact.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    account = ledger.open_account("open", "buyer", Money("1000.00", "EUR"))
    ledger.authorize("a1", account.account_id, "o1", default_catalogue().get("net30"), Money("100.10", "EUR"))
    store.close()
    connection = sqlite3.connect(path)
    lines = connection.execute(
        "SELECT json_type(line.value, '$[1]'), json_extract(line.value, '$[1]') "
        "FROM entries, json_each(entries.lines) AS line"
    ).fetchall()
    types = {kind for kind, _ in lines}
    amounts = sorted(amount for _, amount in lines)
    assert types == {"integer"}
    assert amounts == [-10010, 10010]
    data = connection.execute("SELECT data FROM authorizations").fetchone()[0]
    assert '"100.10 EUR"' in data


def test_unknown_synchronous_setting_rejected() -> None:
    """Only NORMAL and FULL are accepted for synchronous."""
    with pytest.raises(InvalidInputError, match="synchronous"):
        SqliteStore(":memory:", synchronous="OFF")  # type: ignore[arg-type]
