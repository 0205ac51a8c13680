"""The SQLite Store: the embedded default, a file path or ``":memory:"``.

Each write transaction starts with ``BEGIN IMMEDIATE``, which takes the database's write
lock before the first read, so a check-and-reserve of credit sees the latest committed
state and no other connection or process can commit in between. Files use WAL mode, so
readers never block the writer. Amounts are stored as ``"12.30 EUR"`` text inside each
record's JSON and as integer minor units in the entries table; never as REAL.

Durability: ``synchronous="NORMAL"`` (the default) keeps every committed transaction
through a crash or kill of the process; after a power loss or operating-system crash,
WAL mode may lose the last transactions but never corrupts the file. Pass
``synchronous="FULL"`` to sync the WAL on every commit and keep them through power loss
as well, at a lower commit rate.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, Literal, TypeVar

from b2bcredit.core.errors import (
    B2BCreditError,
    ConflictError,
    InvalidInputError,
    InvalidStateError,
)
from b2bcredit.core.money import Money
from b2bcredit.ledger.model import (
    Account,
    Authorization,
    Book,
    CreditNote,
    DomainEvent,
    Entry,
    IdempotencyRecord,
    Invoice,
    InvoiceStatus,
    Payment,
)
from b2bcredit.storage.base import OutboxMessage
from b2bcredit.storage.codec import dumps, loads

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaVersionError", "SqliteStore"]

_log = logging.getLogger("b2bcredit.storage")

T = TypeVar("T")

# Each migration moves the schema from version n - 1 to n; a new migration is appended,
# never edited, because databases in the field already ran the old ones.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE accounts (
            account_id TEXT PRIMARY KEY,
            buyer_id TEXT NOT NULL UNIQUE,
            data TEXT NOT NULL)""",
        """CREATE TABLE authorizations (
            authorization_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            active INTEGER NOT NULL,
            expires_at TEXT NOT NULL,
            data TEXT NOT NULL)""",
        "CREATE INDEX authorizations_by_account ON authorizations(account_id, active, expires_at)",
        """CREATE TABLE invoices (
            invoice_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            is_open INTEGER NOT NULL,
            data TEXT NOT NULL)""",
        "CREATE INDEX invoices_by_account ON invoices(account_id, is_open)",
        """CREATE TABLE payments (
            payment_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            data TEXT NOT NULL)""",
        "CREATE INDEX payments_by_account ON payments(account_id)",
        """CREATE TABLE credit_notes (
            credit_note_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            data TEXT NOT NULL)""",
        "CREATE INDEX credit_notes_by_account ON credit_notes(account_id)",
        """CREATE TABLE entries (
            entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
            operation_id TEXT NOT NULL,
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            book TEXT NOT NULL,
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL,
            posted_at TEXT NOT NULL)""",
        "CREATE INDEX entries_by_account ON entries(account_id)",
        """CREATE TABLE outbox (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            account_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            data TEXT NOT NULL)""",
        """CREATE TABLE idempotency (
            idempotency_key TEXT PRIMARY KEY,
            data TEXT NOT NULL)""",
    ),
    (
        # Version 2 tracks delivery, so a host can poll only the messages it has not sent.
        "ALTER TABLE outbox ADD COLUMN published_at TEXT",
        "CREATE INDEX outbox_unpublished ON outbox(published_at, sequence)",
    ),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


class SchemaVersionError(B2BCreditError, RuntimeError):
    """The database was written by a newer version of the library."""


def _utc_text(moment: datetime) -> str:
    # A fixed-width UTC form sorts as text in time order, which the expiry index relies on.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class SqliteStore:
    """A Store in one SQLite database.

    Args:
        path: a file path, or ``":memory:"`` for a private in-memory database.
        synchronous: ``"NORMAL"`` (durable through process crashes) or ``"FULL"``
            (durable through power loss too).
        busy_timeout_ms: how long a writer waits for another connection's lock before
            ``sqlite3.OperationalError`` is raised.

    One store object serialises its own threads; several processes each open their own
    store on the same file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        busy_timeout_ms: int = 60_000,
        migrate_to: int = SCHEMA_VERSION,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise InvalidInputError(
                "synchronous", synchronous, "unsupported setting", "Pass 'NORMAL' or 'FULL'."
            )
        self.path = str(path)
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        self._connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if self.path != ":memory:":
            self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute(f"PRAGMA synchronous = {synchronous}")
        self._connection.execute("PRAGMA foreign_keys = ON")
        self._migrate(migrate_to)

    # Schema -------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        row = self._connection.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self, target: int) -> None:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                current = self.schema_version
                if current > SCHEMA_VERSION:
                    raise SchemaVersionError(
                        f"{self.path}: schema version {current} is newer than this library's "
                        f"{SCHEMA_VERSION}. Upgrade b2bcredit to open this database."
                    )
                for version in range(current + 1, target + 1):
                    for statement in MIGRATIONS[version - 1]:
                        self._connection.execute(statement)
                    self._connection.execute(f"PRAGMA user_version = {version}")
                    _log.info("migrated %s to schema version %d", self.path, version)
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise

    # Transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[_SqliteTransaction]:
        """Open an exclusive write transaction (``BEGIN IMMEDIATE``); commit on exit."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._connection, writable=True)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[_SqliteTransaction]:
        """Open a read transaction that sees one consistent state."""
        with self._lock:
            self._connection.execute("BEGIN")
            try:
                yield _SqliteTransaction(self._connection, writable=False)
            finally:
                self._connection.execute("COMMIT")

    # Outbox -------------------------------------------------------------------------------

    def outbox(
        self, after: int = 0, limit: int = 100, *, unpublished_only: bool = True
    ) -> list[OutboxMessage]:
        """Return outbox messages with a sequence above ``after``, oldest first."""
        query = "SELECT sequence, data, published_at FROM outbox WHERE sequence > ?"
        if unpublished_only:
            query += " AND published_at IS NULL"
        query += " ORDER BY sequence LIMIT ?"
        with self._lock:
            rows = self._connection.execute(query, (after, limit)).fetchall()
        return [
            OutboxMessage(
                int(sequence),
                loads(DomainEvent, data),
                None if published is None else datetime.fromisoformat(published),
            )
            for sequence, data, published in rows
        ]

    def mark_published(self, sequences: Iterable[int], at: datetime) -> None:
        """Record that the host delivered these outbox messages."""
        with self.transaction():
            self._connection.executemany(
                "UPDATE outbox SET published_at = ? WHERE sequence = ? AND published_at IS NULL",
                [(at.isoformat(), sequence) for sequence in sequences],
            )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection, *, writable: bool) -> None:
        self._connection = connection
        self._writable = writable

    def _write(self, statement: str, parameters: Sequence[object]) -> None:
        if not self._writable:
            raise InvalidStateError(
                "a read transaction cannot write; open store.transaction() instead"
            )
        self._connection.execute(statement, parameters)

    def _one(self, kind: type[T], statement: str, parameters: Sequence[object]) -> T | None:
        row = self._connection.execute(statement, parameters).fetchone()
        return None if row is None else loads(kind, row[0])

    def _many(self, kind: type[T], statement: str, parameters: Sequence[object]) -> list[T]:
        return [loads(kind, row[0]) for row in self._connection.execute(statement, parameters)]

    def get_account(self, account_id: str) -> Account | None:
        return self._one(Account, "SELECT data FROM accounts WHERE account_id = ?", (account_id,))

    def find_account(self, buyer_id: str) -> Account | None:
        return self._one(Account, "SELECT data FROM accounts WHERE buyer_id = ?", (buyer_id,))

    def put_account(self, account: Account) -> None:
        try:
            self._write(
                "INSERT INTO accounts (account_id, buyer_id, data) VALUES (?, ?, ?) "
                "ON CONFLICT(account_id) DO UPDATE SET data = excluded.data",
                (account.account_id, account.buyer_id, dumps(account)),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(
                f"buyer_id: buyer {account.buyer_id!r} already has an account"
            ) from None

    def account_ids(self) -> list[str]:
        return [
            row[0]
            for row in self._connection.execute("SELECT account_id FROM accounts ORDER BY rowid")
        ]

    def get_authorization(self, authorization_id: str) -> Authorization | None:
        return self._one(
            Authorization,
            "SELECT data FROM authorizations WHERE authorization_id = ?",
            (authorization_id,),
        )

    def put_authorization(self, authorization: Authorization) -> None:
        self._write(
            "INSERT INTO authorizations (authorization_id, account_id, active, expires_at, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(authorization_id) DO UPDATE SET "
            "active = excluded.active, expires_at = excluded.expires_at, data = excluded.data",
            (
                authorization.authorization_id,
                authorization.account_id,
                int(authorization.status.is_active),
                _utc_text(authorization.expires_at),
                dumps(authorization),
            ),
        )

    def authorizations(self, account_id: str, *, active_only: bool = False) -> list[Authorization]:
        query = "SELECT data FROM authorizations WHERE account_id = ?"
        if active_only:
            query += " AND active = 1"
        return self._many(Authorization, query + " ORDER BY rowid", (account_id,))

    def expired_authorizations(self, account_id: str, now: datetime) -> list[Authorization]:
        return self._many(
            Authorization,
            "SELECT data FROM authorizations WHERE account_id = ? AND active = 1 AND expires_at <= ? "
            "ORDER BY rowid",
            (account_id, _utc_text(now)),
        )

    def get_invoice(self, invoice_id: str) -> Invoice | None:
        return self._one(Invoice, "SELECT data FROM invoices WHERE invoice_id = ?", (invoice_id,))

    def put_invoice(self, invoice: Invoice) -> None:
        self._write(
            "INSERT INTO invoices (invoice_id, account_id, is_open, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(invoice_id) DO UPDATE SET is_open = excluded.is_open, data = excluded.data",
            (
                invoice.invoice_id,
                invoice.account_id,
                int(invoice.status is InvoiceStatus.OPEN),
                dumps(invoice),
            ),
        )

    def invoices(self, account_id: str, *, open_only: bool = False) -> list[Invoice]:
        query = "SELECT data FROM invoices WHERE account_id = ?"
        if open_only:
            query += " AND is_open = 1"
        return self._many(Invoice, query + " ORDER BY rowid", (account_id,))

    def put_payment(self, payment: Payment) -> None:
        self._write(
            "INSERT INTO payments (payment_id, account_id, data) VALUES (?, ?, ?)",
            (payment.payment_id, payment.account_id, dumps(payment)),
        )

    def payments(self, account_id: str) -> list[Payment]:
        return self._many(
            Payment, "SELECT data FROM payments WHERE account_id = ? ORDER BY rowid", (account_id,)
        )

    def put_credit_note(self, credit_note: CreditNote) -> None:
        self._write(
            "INSERT INTO credit_notes (credit_note_id, account_id, data) VALUES (?, ?, ?)",
            (credit_note.credit_note_id, credit_note.account_id, dumps(credit_note)),
        )

    def credit_notes(self, account_id: str) -> list[CreditNote]:
        return self._many(
            CreditNote,
            "SELECT data FROM credit_notes WHERE account_id = ? ORDER BY rowid",
            (account_id,),
        )

    def add_entries(self, entries: Sequence[Entry]) -> None:
        if not self._writable:
            raise InvalidStateError(
                "a read transaction cannot write; open store.transaction() instead"
            )
        self._connection.executemany(
            "INSERT INTO entries (operation_id, account_id, book, amount_minor, currency, posted_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    entry.operation_id,
                    entry.account_id,
                    entry.book.value,
                    entry.amount.minor_units,
                    entry.amount.currency.code,
                    entry.posted_at.isoformat(),
                )
                for entry in entries
            ],
        )

    def entries(self, account_id: str) -> list[Entry]:
        rows = self._connection.execute(
            "SELECT operation_id, book, amount_minor, currency, posted_at FROM entries "
            "WHERE account_id = ? ORDER BY entry_id",
            (account_id,),
        )
        return [
            Entry(
                operation,
                account_id,
                Book(book),
                Money.from_minor_units(units, currency),
                datetime.fromisoformat(posted),
            )
            for operation, book, units, currency, posted in rows
        ]

    def add_event(self, event: DomainEvent) -> None:
        self._write(
            "INSERT INTO outbox (event_id, account_id, event_type, data) VALUES (?, ?, ?, ?)",
            (event.event_id, event.account_id, event.event_type, dumps(event)),
        )

    def get_idempotency(self, key: str) -> IdempotencyRecord | None:
        return self._one(
            IdempotencyRecord, "SELECT data FROM idempotency WHERE idempotency_key = ?", (key,)
        )

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        try:
            self._write(
                "INSERT INTO idempotency (idempotency_key, data) VALUES (?, ?)",
                (record.key, dumps(record)),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"idempotency_key: {record.key!r} is already recorded") from None
