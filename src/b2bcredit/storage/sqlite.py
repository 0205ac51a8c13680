"""The SQLite Store: the embedded default, a file path or ``":memory:"``.

Each write transaction starts with ``BEGIN IMMEDIATE``, which takes the database's write
lock before the first read. A check-and-reserve of credit therefore reads the latest
committed state, and no other connection or process can commit in between. Files use WAL mode, so
readers never block the writer. Amounts are stored as ``"12.30 EUR"`` text inside each
record's JSON, and as integer minor units in the entries table and the account balance
columns; never as REAL.

Durability: ``synchronous="NORMAL"`` (the default) keeps every committed transaction
through a crash or kill of the process; after a power loss or operating-system crash,
WAL mode may lose the last transactions but never corrupts the file. Pass
``synchronous="FULL"`` to sync the WAL on every commit and keep them through power loss
as well, at a lower commit rate.

Checkpoints: a checkpoint copies the WAL back into the database file and syncs both,
which takes 15 to 30 ms on a plain disk. SQLite runs one inside the commit that crosses
its threshold, so every hundredth caller waits for it. A file store instead runs them on
a background thread with its own connection, after every :data:`CHECKPOINT_EVERY`
commits of its own, as PASSIVE checkpoints, which wait for no reader or writer. What is synced,
and when, is the same as with SQLite's automatic checkpoints; only the thread that waits
differs. A forked child, whose copy has no such thread, checkpoints inline.
"""

from __future__ import annotations

import itertools
import logging
import operator
import sqlite3
import threading
import zlib

try:
    import fcntl
except ImportError:  # Windows has no flock; writers then rely on SQLite's busy handler alone.
    fcntl = None  # type: ignore[assignment]
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeVar

import attrs

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
from b2bcredit.products.catalogue import Product
from b2bcredit.storage.base import OutboxMessage
from b2bcredit.storage.codec import (
    decode,
    dumps,
    encode_product,
    encode_record,
    format_datetime,
    from_json,
    loads,
    product_digest,
    to_json,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaVersionError", "SqliteStore"]

_log = logging.getLogger("b2bcredit.storage")

# Commits between background checkpoints: about SQLite's default threshold of 1,000 WAL
# pages at ten pages a commit.
CHECKPOINT_EVERY: Final = 100

T = TypeVar("T")

# A migration step is an SQL statement, or a function for conversions SQL cannot do exactly.
MigrationStep = str | Callable[[sqlite3.Connection], None]

# Columns of an account row besides its JSON: the book balances in minor units and the
# revision. An authorization changes only these, so its commit rewrites no JSON.
_ACCOUNT_BALANCES: Final = ("reserved", "receivable", "unapplied")


def _split_account_data(connection: sqlite3.Connection) -> None:
    """Move each account's balances and revision out of its JSON into integer columns."""
    rows = connection.execute("SELECT account_id, buyer_id, data FROM accounts").fetchall()
    for account_id, buyer_id, text in rows:
        data = from_json(text)
        balances = [Money.parse(data.pop(name)).minor_units for name in _ACCOUNT_BALANCES]
        revision = int(data.pop("revision", 0))
        connection.execute(
            "INSERT INTO new_accounts (account_id, buyer_id, reserved_minor, receivable_minor, unapplied_minor, "
            "revision, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (account_id, buyer_id, *balances, revision, to_json(data)),
        )


def _group_entries(connection: sqlite3.Connection) -> None:
    """Merge the entry rows of each account and operation into one row of lines."""
    rows = connection.execute(
        "SELECT account_id, operation_id, book, amount_minor, currency, posted_at FROM entries "
        "ORDER BY account_id, operation_id, line"
    )
    grouped = itertools.groupby(rows, key=lambda row: (row[0], row[1]))
    for (account_id, operation_id), group in grouped:
        lines = [(book, units, currency, posted) for _, _, book, units, currency, posted in group]
        posted_at = lines[0][3]
        connection.execute(
            "INSERT INTO new_entries (account_id, operation_id, posted_at, lines) VALUES (?, ?, ?, ?)",
            (account_id, operation_id, posted_at, _lines_text(lines, posted_at)),
        )


def _stored_line(line: list[Any], posted_at: str) -> tuple[str, int, str, str]:
    return (line[0], line[1], line[2], posted_at if len(line) == 3 else line[3])


def _lines_text(lines: Iterable[tuple[str, int, str, str]], posted_at: str) -> str:
    # A line is [book, minor units, currency], with its own time as a fourth element when
    # that differs from the row's. The ledger posts an operation's lines at one time, but
    # the Store protocol accepts lines at different times.
    return to_json(
        [
            [book, units, currency] if posted == posted_at else [book, units, currency, posted]
            for book, units, currency, posted in lines
        ]
    )


# Migration n moves the schema from version n - 1 to n. New migrations are appended and
# old ones never edited, because databases in the field have already run them. Migrations
# run with foreign-key enforcement off, so a table can be rebuilt under its own name.
MIGRATIONS: Final[tuple[tuple[MigrationStep, ...], ...]] = (
    # Each commit rewrites every page it touches, so the schema keeps that number small:
    # tables of small rows are clustered on their key (WITHOUT ROWID), counters are plain
    # rowids (no AUTOINCREMENT bookkeeping), and indexes are few and partial.
    (
        """CREATE TABLE accounts (
            account_id TEXT PRIMARY KEY,
            buyer_id TEXT NOT NULL UNIQUE,
            data TEXT NOT NULL) WITHOUT ROWID""",
        # Product snapshots by content digest; authorizations refer to them, so the same
        # product is stored once, not in every authorization row.
        """CREATE TABLE products (
            digest TEXT PRIMARY KEY,
            data TEXT NOT NULL)""",
        """CREATE TABLE authorizations (
            authorization_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            active INTEGER NOT NULL,
            expires_at TEXT NOT NULL,
            data TEXT NOT NULL)""",
        "CREATE INDEX authorizations_by_account ON authorizations(account_id)",
        """CREATE INDEX authorizations_expiring ON authorizations(account_id, expires_at)
            WHERE active = 1""",
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
        # Entries are clustered by account and operation (time-ordered ids), so the lines
        # of one operation share a page and an account's entries are read in one range.
        """CREATE TABLE entries (
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            operation_id TEXT NOT NULL,
            line INTEGER NOT NULL,
            book TEXT NOT NULL,
            amount_minor INTEGER NOT NULL,
            currency TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            PRIMARY KEY (account_id, operation_id, line)) WITHOUT ROWID""",
        # Rows are never deleted, so the rowid grows monotonically and serves as the
        # delivery sequence without AUTOINCREMENT.
        """CREATE TABLE outbox (
            sequence INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL,
            account_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            data TEXT NOT NULL)""",
        # The stored result is zlib-compressed JSON: a retry reads it rarely, every call writes it.
        """CREATE TABLE idempotency (
            idempotency_key TEXT PRIMARY KEY,
            operation TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            result BLOB NOT NULL)""",
    ),
    (
        # Version 2 records delivery. A host polls from its last sequence, a range of the
        # rowid, so no index is needed.
        "ALTER TABLE outbox ADD COLUMN published_at TEXT",
    ),
    (
        # Version 3 keeps account balances in integer columns, so an authorization updates
        # them without rewriting the account's JSON, and replaces the two account indexes
        # of authorizations with one on (account, active, expiry). Authorizations and
        # idempotency records stay rowid tables: their rows of several hundred bytes are
        # appended at the end, where a full leaf splits by starting a new page, while a
        # WITHOUT ROWID tree rebalances three half-full siblings (measured: 1.5 more
        # pages per commit each). Idempotency results are now stored as JSON text that
        # names products by digest (about 600 bytes for an authorization): compressing the
        # whole product cost more time than the commit of the bytes it saved.
        # Each table is rebuilt as new_X and renamed to X: renaming X itself would make
        # SQLite rewrite the REFERENCES clauses of the tables that point to it.
        """CREATE TABLE new_accounts (
            account_id TEXT PRIMARY KEY,
            buyer_id TEXT NOT NULL UNIQUE,
            reserved_minor INTEGER NOT NULL,
            receivable_minor INTEGER NOT NULL,
            unapplied_minor INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            data TEXT NOT NULL) WITHOUT ROWID""",
        _split_account_data,
        "DROP TABLE accounts",
        "ALTER TABLE new_accounts RENAME TO accounts",
        "DROP INDEX authorizations_by_account",
        "DROP INDEX authorizations_expiring",
        "CREATE INDEX authorizations_by_account ON authorizations(account_id, active, expires_at)",
    ),
    # Version 4 changes no table. Accounts may now carry a counter-offer's maximum terms
    # days and deposit share, authorizations a deposit, and invoices and credit notes
    # interest, all inside their JSON, where older rows read as having none. Version 3 of
    # the library would read the new rows without those fields and authorize past the
    # counter-offer, so the version is raised to make it refuse the file.
    (),
    (
        # Version 5 stores an operation's entries on one account as one row of lines. An
        # authorization's two entries took two rows of about 110 bytes that each repeated
        # the account, operation and time, and 2.1 WAL pages per commit.
        """CREATE TABLE new_entries (
            account_id TEXT NOT NULL REFERENCES accounts(account_id),
            operation_id TEXT NOT NULL,
            posted_at TEXT NOT NULL,
            lines TEXT NOT NULL,
            PRIMARY KEY (account_id, operation_id)) WITHOUT ROWID""",
        _group_entries,
        "DROP TABLE entries",
        "ALTER TABLE new_entries RENAME TO entries",
        # No active authorization of the account expires before expiry_bound (a UTC time
        # as text, "~" when none is active, "" when unknown), so a call before it skips
        # the search for expired authorizations.
        "ALTER TABLE accounts ADD COLUMN expiry_bound TEXT NOT NULL DEFAULT ''",
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
            raise InvalidInputError("synchronous", synchronous, "unsupported setting", "Pass 'NORMAL' or 'FULL'.")
        self.path = str(path)
        self._lock = threading.RLock()
        self._products = _ProductCache()
        self._connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        self._connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._writer_lock: IO[bytes] | None = None
        if self.path != ":memory:":
            self._connection.execute("PRAGMA journal_mode = WAL")
            if fcntl is not None:
                self._writer_lock = open(f"{self.path}-writer.lock", "ab")  # noqa: SIM115
        self._connection.execute(f"PRAGMA synchronous = {synchronous}")
        self._migrate(migrate_to)
        self._checkpointer: _Checkpointer | None = None
        self._commits = 0
        if self.path != ":memory:":
            self._checkpointer = _Checkpointer(self.path, busy_timeout_ms)
            self._connection.execute("PRAGMA wal_autocheckpoint = 0")

    # Schema -------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        row = self._connection.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def _migrate(self, target: int) -> None:
        # Enforcement is off while tables are rebuilt (SQLite ignores this pragma inside a
        # transaction); the foreign-key check before the commit proves the rebuild kept
        # every reference.
        with self._lock:
            self._connection.execute("PRAGMA foreign_keys = OFF")
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                current = self.schema_version
                if current > SCHEMA_VERSION:
                    raise SchemaVersionError(
                        f"{self.path}: schema version {current} is newer than this library's "
                        f"{SCHEMA_VERSION}. Upgrade b2bcredit to open this database."
                    )
                for version in range(current + 1, target + 1):
                    for step in MIGRATIONS[version - 1]:
                        if isinstance(step, str):
                            self._connection.execute(step)
                        else:
                            step(self._connection)
                    self._connection.execute(f"PRAGMA user_version = {version}")
                    _log.info("migrated %s to schema version %d", self.path, version)
                broken = self._connection.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise SchemaVersionError(f"{self.path}: migration left rows with missing references: {broken[:5]}")
                self._connection.execute("COMMIT")
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            finally:
                self._connection.execute("PRAGMA foreign_keys = ON")

    # Transactions -------------------------------------------------------------------------

    # An authorization commits about 10.5 WAL pages, where a hand-written sqlite3
    # check-and-reserve commits 4. It runs about 0.9 million instructions, 70 % of them in
    # Python. bench/bench_checkout.py measures the rate.
    @contextmanager
    def transaction(self) -> Iterator[_SqliteTransaction]:
        """Open an exclusive write transaction (``BEGIN IMMEDIATE``); commit on exit."""
        with self._lock, self._writer_turn():
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                tx = _SqliteTransaction(self._connection, self._products, writable=True)
                yield tx
                tx.finish()
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
            # Only committed products may be skipped by later inserts.
            self._products.stored_digests.update(tx.new_digests)
            self._after_commit()

    def _after_commit(self) -> None:
        if self._checkpointer is None:
            return
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY:
            return
        if self._checkpointer.is_alive():
            self._checkpointer.request()
        else:
            # A forked child's copy has no thread: checkpoint here, as SQLite would.
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        # SQLite's busy handler polls with sleeps of up to 100 ms, so writers of several
        # processes waste most of their time asleep. Queuing on an flock first wakes the
        # next writer as soon as the lock is free. SQLite's own lock still guarantees
        # exclusion; this only orders the waiting. No flock on ":memory:" or Windows.
        if self._writer_lock is None:
            yield
            return
        fcntl.flock(self._writer_lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._writer_lock, fcntl.LOCK_UN)

    @contextmanager
    def snapshot(self) -> Iterator[_SqliteTransaction]:
        """Open a read transaction over one consistent state."""
        with self._lock:
            self._connection.execute("BEGIN")
            try:
                yield _SqliteTransaction(self._connection, self._products, writable=False)
            finally:
                self._connection.execute("COMMIT")

    # Outbox -------------------------------------------------------------------------------

    def outbox(self, after: int = 0, limit: int = 100, *, unpublished_only: bool = True) -> list[OutboxMessage]:
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
        """Stop the checkpoint thread and close the connection; SQLite checkpoints on close."""
        with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.stop()
            self._connection.close()
            if self._writer_lock is not None:
                self._writer_lock.close()


class _Checkpointer:
    """A daemon thread that runs PASSIVE checkpoints of one file when asked."""

    def __init__(self, path: str, busy_timeout_ms: int) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._requested = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"b2bcredit-checkpoint:{path}", daemon=True)
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def request(self) -> None:
        self._requested.set()

    def stop(self) -> None:
        self._stopping = True
        self._requested.set()
        self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, timeout=self._busy_timeout_ms / 1000)
        try:
            while True:
                self._requested.wait()
                self._requested.clear()
                if self._stopping:
                    return
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:
                    # A checkpoint that cannot run now loses nothing: the next one copies
                    # the same frames.
                    _log.warning("checkpoint of %s failed: %s", self._path, error)
        finally:
            connection.close()


# Bounds the decoded-record cache; when full it starts again empty.
_RECORD_CACHE_LIMIT = 20_000

_ACCOUNT_COLUMNS: Final = "data, reserved_minor, receivable_minor, unapplied_minor, revision, expiry_bound"
# The expiry_bound of an account with no active authorization, which sorts after every time.
_NO_ACTIVE_EXPIRY: Final = "~"
# The account fields kept in the JSON column.
_ACCOUNT_FIELDS: Final = tuple(
    field.name for field in attrs.fields(Account) if field.name not in (*_ACCOUNT_BALANCES, "revision")
)
_read_account_fields: Final = operator.attrgetter(*_ACCOUNT_FIELDS)


@attrs.define
class _ProductCache:
    """Per-store caches: decoded products by digest, committed digests, decoded records.

    A record is frozen and fully determined by its stored text, so a decoded record
    kept under its text equals a fresh decode. The store keeps what it writes, which
    makes re-reading a record this process just wrote cheap.
    """

    products: dict[str, Product] = attrs.field(factory=dict)
    stored_digests: set[str] = attrs.field(factory=set)
    records: dict[tuple[type, object], Any] = attrs.field(factory=dict)
    # The last account read or written per id and the JSON text of its non-balance fields.
    account_texts: dict[str, tuple[Account, str]] = attrs.field(factory=dict)

    def remember(self, kind: type, key: object, value: Any) -> None:
        if len(self.records) >= _RECORD_CACHE_LIMIT:
            self.records.clear()
            self.account_texts.clear()
        self.records[(kind, key)] = value

    def load(self, kind: type[T], text: str) -> T:
        found: T | None = self.records.get((kind, text))
        if found is None:
            found = loads(kind, text)
            self.remember(kind, text, found)
        return found


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection, cache: _ProductCache, *, writable: bool) -> None:
        self._connection = connection
        self._cache = cache
        self._writable = writable
        self.new_digests: set[str] = set()
        # Per account, these hold the expiry_bound read in this transaction and the
        # earliest expiry of active authorizations written since. The set names the
        # accounts whose bound must be recomputed because the search for expired ones ran.
        self._expiry_bounds: dict[str, str] = {}
        self._new_expiries: dict[str, str] = {}
        self._stale_bounds: set[str] = set()

    def _write(self, statement: str, parameters: Sequence[object]) -> None:
        if not self._writable:
            raise InvalidStateError("a read transaction cannot write; open store.transaction() instead")
        self._connection.execute(statement, parameters)

    def _one(self, kind: type[T], statement: str, parameters: Sequence[object]) -> T | None:
        row = self._connection.execute(statement, parameters).fetchone()
        return None if row is None else self._cache.load(kind, row[0])

    def _many(self, kind: type[T], statement: str, parameters: Sequence[object]) -> list[T]:
        return [self._cache.load(kind, row[0]) for row in self._connection.execute(statement, parameters)]

    def _text(self, record: Any) -> str:
        text = dumps(record)
        self._cache.remember(type(record), text, record)
        return text

    def _account(self, row: tuple[str, int, int, int, int, str] | None) -> Account | None:
        # The JSON changes only with the limit, profile, holds or status, so its decoded
        # form is cached under its text and the balances are set from the integer columns.
        if row is None:
            return None
        found: Account | None = self._cache.records.get((Account, row))
        if found is not None:
            self._expiry_bounds[found.account_id] = row[5]
            return found
        text, reserved, receivable, unapplied, revision, expiry_bound = row
        template: Account | None = self._cache.records.get((Account, text))
        if template is None:
            data = from_json(text)
            zero = f"0 {data['currency']}"
            data.update(reserved=zero, receivable=zero, unapplied=zero, revision=0)
            template = decode(Account, data)
            self._cache.remember(Account, text, template)
        currency = template.limit.currency
        account = attrs.evolve(
            template,
            reserved=Money.from_minor_units(reserved, currency),
            receivable=Money.from_minor_units(receivable, currency),
            unapplied=Money.from_minor_units(unapplied, currency),
            revision=revision,
        )
        self._cache.remember(Account, row, account)
        self._cache.account_texts[account.account_id] = (account, text)
        self._expiry_bounds[account.account_id] = expiry_bound
        return account

    def get_account(self, account_id: str) -> Account | None:
        query = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE account_id = ?"
        return self._account(self._connection.execute(query, (account_id,)).fetchone())

    def find_account(self, buyer_id: str) -> Account | None:
        query = f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE buyer_id = ?"
        return self._account(self._connection.execute(query, (buyer_id,)).fetchone())

    def _account_text(self, account: Account) -> str:
        # Most writes change only balances, so the JSON of the other fields is reused when
        # they are the same objects (or equal) as at the account's last read or write here.
        known = self._cache.account_texts.get(account.account_id)
        if known is not None:
            reference, text = known
            # Tuple equality tries identity before ==, and the fields are mostly the same objects.
            if _read_account_fields(account) == _read_account_fields(reference):
                return text
        data = encode_record(account)
        for name in (*_ACCOUNT_BALANCES, "revision"):
            del data[name]
        text = to_json(data)
        self._cache.account_texts[account.account_id] = (account, text)
        return text

    def _expiry_bound(self, account_id: str) -> str:
        # The bound moves later only through a search of the active authorizations, and that
        # search includes the ones written in this transaction.
        bound = self._expiry_bounds.get(account_id, "")
        if not bound or account_id in self._stale_bounds:
            row = self._connection.execute(
                "SELECT min(expires_at) FROM authorizations WHERE account_id = ? AND active = 1", (account_id,)
            ).fetchone()
            bound = _NO_ACTIVE_EXPIRY if row[0] is None else row[0]
            self._stale_bounds.discard(account_id)
        new = self._new_expiries.pop(account_id, None)
        if new is not None and new < bound:
            bound = new
        self._expiry_bounds[account_id] = bound
        return bound

    def put_account(self, account: Account) -> None:
        text = self._account_text(account)
        row = (
            text,
            account.reserved.minor_units,
            account.receivable.minor_units,
            account.unapplied.minor_units,
            account.revision,
            self._expiry_bound(account.account_id),
        )
        try:
            self._write(
                "INSERT INTO accounts (data, reserved_minor, receivable_minor, unapplied_minor, revision, "
                "expiry_bound, account_id, buyer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account_id) "
                "DO UPDATE SET data = excluded.data, reserved_minor = excluded.reserved_minor, "
                "receivable_minor = excluded.receivable_minor, unapplied_minor = excluded.unapplied_minor, "
                "revision = excluded.revision, expiry_bound = excluded.expiry_bound",
                (*row, account.account_id, account.buyer_id),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"buyer_id: buyer {account.buyer_id!r} already has an account") from None
        self._cache.remember(Account, row, account)

    def account_ids(self) -> list[str]:
        return [row[0] for row in self._connection.execute("SELECT account_id FROM accounts ORDER BY account_id")]

    def _authorization(self, text: str) -> Authorization:
        # The row stores the product's digest, resolved here to the shared decoded product.
        found: Authorization | None = self._cache.records.get((Authorization, text))
        if found is not None:
            return found
        data = from_json(text)
        digest = data["product"]
        product = self._cache.products.get(digest)
        if product is None:
            row = self._connection.execute("SELECT data FROM products WHERE digest = ?", (digest,)).fetchone()
            product = loads(Product, row[0])
            self._cache.products[digest] = product
        data["product"] = product
        authorization = decode(Authorization, data)
        self._cache.remember(Authorization, text, authorization)
        return authorization

    def get_authorization(self, authorization_id: str) -> Authorization | None:
        row = self._connection.execute(
            "SELECT data FROM authorizations WHERE authorization_id = ?", (authorization_id,)
        ).fetchone()
        return None if row is None else self._authorization(row[0])

    def put_authorization(self, authorization: Authorization) -> None:
        product = authorization.product
        digest = product_digest(product)
        if digest not in self._cache.stored_digests:
            self._write(
                "INSERT OR IGNORE INTO products (digest, data) VALUES (?, ?)",
                (digest, to_json(encode_product(product))),
            )
            self.new_digests.add(digest)
            self._cache.products[digest] = product
        text = to_json(encode_record(authorization, products_as_digests=True))
        self._cache.remember(Authorization, text, authorization)
        expires_at = _utc_text(authorization.expires_at)
        active = authorization.status.is_active
        if active:
            earliest = self._new_expiries.get(authorization.account_id)
            if earliest is None or expires_at < earliest:
                self._new_expiries[authorization.account_id] = expires_at
        self._write(
            "INSERT INTO authorizations (authorization_id, account_id, active, expires_at, data) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(authorization_id) DO UPDATE SET "
            "active = excluded.active, expires_at = excluded.expires_at, data = excluded.data",
            (
                authorization.authorization_id,
                authorization.account_id,
                int(active),
                expires_at,
                text,
            ),
        )

    def authorizations(self, account_id: str, *, active_only: bool = False) -> list[Authorization]:
        query = "SELECT data FROM authorizations WHERE account_id = ?"
        if active_only:
            query += " AND active = 1"
        rows = self._connection.execute(query + " ORDER BY authorization_id", (account_id,))
        return [self._authorization(row[0]) for row in rows]

    def expired_authorizations(self, account_id: str, now: datetime) -> list[Authorization]:
        moment = _utc_text(now)
        if moment < self._expiry_bounds.get(account_id, ""):
            return []
        rows = self._connection.execute(
            "SELECT data FROM authorizations WHERE account_id = ? AND active = 1 AND expires_at <= ? "
            "ORDER BY authorization_id",
            (account_id, moment),
        )
        self._stale_bounds.add(account_id)
        return [self._authorization(row[0]) for row in rows]

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
                self._text(invoice),
            ),
        )

    def invoices(self, account_id: str, *, open_only: bool = False) -> list[Invoice]:
        query = "SELECT data FROM invoices WHERE account_id = ?"
        if open_only:
            query += " AND is_open = 1"
        return self._many(Invoice, query + " ORDER BY invoice_id", (account_id,))

    def put_payment(self, payment: Payment) -> None:
        self._write(
            "INSERT INTO payments (payment_id, account_id, data) VALUES (?, ?, ?)",
            (payment.payment_id, payment.account_id, self._text(payment)),
        )

    def payments(self, account_id: str) -> list[Payment]:
        return self._many(Payment, "SELECT data FROM payments WHERE account_id = ? ORDER BY payment_id", (account_id,))

    def put_credit_note(self, credit_note: CreditNote) -> None:
        self._write(
            "INSERT INTO credit_notes (credit_note_id, account_id, data) VALUES (?, ?, ?)",
            (credit_note.credit_note_id, credit_note.account_id, self._text(credit_note)),
        )

    def credit_notes(self, account_id: str) -> list[CreditNote]:
        return self._many(
            CreditNote,
            "SELECT data FROM credit_notes WHERE account_id = ? ORDER BY credit_note_id",
            (account_id,),
        )

    def add_entries(self, entries: Sequence[Entry]) -> None:
        if not self._writable:
            raise InvalidStateError("a read transaction cannot write; open store.transaction() instead")
        if not entries:
            return
        groups: dict[tuple[str, str], list[tuple[str, int, str, str]]] = {}
        for entry in entries:
            line = (
                entry.book.value,
                entry.amount.minor_units,
                entry.amount.currency.code,
                format_datetime(entry.posted_at),
            )
            groups.setdefault((entry.account_id, entry.operation_id), []).append(line)
        for (account_id, operation_id), lines in groups.items():
            existing = None
            try:
                self._connection.execute(
                    "INSERT INTO entries (account_id, operation_id, posted_at, lines) VALUES (?, ?, ?, ?)",
                    (account_id, operation_id, lines[0][3], _lines_text(lines, lines[0][3])),
                )
            except sqlite3.IntegrityError:
                # A second add for the same operation and account appends to its row. A
                # missing account still raises.
                existing = self._connection.execute(
                    "SELECT posted_at, lines FROM entries WHERE account_id = ? AND operation_id = ?",
                    (account_id, operation_id),
                ).fetchone()
                if existing is None:
                    raise
            if existing is not None:
                posted_at, text = existing
                merged = [_stored_line(line, posted_at) for line in from_json(text)] + lines
                self._connection.execute(
                    "UPDATE entries SET lines = ? WHERE account_id = ? AND operation_id = ?",
                    (_lines_text(merged, posted_at), account_id, operation_id),
                )

    def entries(self, account_id: str) -> list[Entry]:
        rows = self._connection.execute(
            "SELECT operation_id, posted_at, lines FROM entries WHERE account_id = ? ORDER BY operation_id",
            (account_id,),
        )
        found = []
        for operation, posted, text in rows:
            moment = datetime.fromisoformat(posted)
            for line in from_json(text):
                book, units, currency = line[:3]
                at = moment if len(line) == 3 else datetime.fromisoformat(line[3])
                found.append(Entry(operation, account_id, Book(book), Money.from_minor_units(units, currency), at))
        return found

    def finish(self) -> None:
        """Lower the expiry_bound of accounts whose authorizations were written after the account row."""
        for account_id, expires_at in self._new_expiries.items():
            self._connection.execute(
                "UPDATE accounts SET expiry_bound = ? WHERE account_id = ? AND expiry_bound > ?",
                (expires_at, account_id, expires_at),
            )
        self._new_expiries.clear()

    def add_event(self, event: DomainEvent) -> None:
        self._write(
            "INSERT INTO outbox (event_id, account_id, event_type, data) VALUES (?, ?, ?, ?)",
            (event.event_id, event.account_id, event.event_type, dumps(event)),
        )

    def get_idempotency(self, key: str) -> IdempotencyRecord | None:
        row = self._connection.execute(
            "SELECT operation, fingerprint, created_at, result FROM idempotency WHERE idempotency_key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        operation, fingerprint, created_at, result = row
        # Schema versions 1 and 2 stored zlib-compressed bytes; later rows are text.
        text = result if isinstance(result, str) else zlib.decompress(result).decode()
        return IdempotencyRecord(key, operation, fingerprint, text, datetime.fromisoformat(created_at))

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        try:
            self._write(
                "INSERT INTO idempotency (idempotency_key, operation, fingerprint, created_at, result) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record.key,
                    record.operation,
                    record.fingerprint,
                    format_datetime(record.created_at),
                    record.result,
                ),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"idempotency_key: {record.key!r} is already recorded") from None
