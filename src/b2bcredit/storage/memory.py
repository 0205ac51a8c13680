"""The in-memory Store: for tests, benchmarks and hosts that keep state elsewhere.

One lock serialises transactions. A write transaction changes the tables in place and
keeps an undo log, so an error inside it restores the state it started from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Generic, TypeVar

import attrs

from b2bcredit.core.errors import ConflictError, InvalidStateError
from b2bcredit.ledger.model import (
    Account,
    Authorization,
    CreditNote,
    DomainEvent,
    Entry,
    IdempotencyRecord,
    Invoice,
    InvoiceStatus,
    Payment,
)
from b2bcredit.storage.base import OutboxMessage

__all__ = ["MemoryStore"]

R = TypeVar("R")
_Undo = Callable[[], object]


class _Table(Generic[R]):
    """Rows by id plus, for each account, its row ids in insertion order."""

    def __init__(self) -> None:
        self.rows: dict[str, R] = {}
        self.by_account: dict[str, list[str]] = {}

    def put(self, row_id: str, account_id: str, row: R, undo: list[_Undo]) -> None:
        if row_id in self.rows:
            previous = self.rows[row_id]
            undo.append(lambda: self.rows.__setitem__(row_id, previous))
        else:
            ids = self.by_account.setdefault(account_id, [])
            ids.append(row_id)
            undo.append(lambda: (self.rows.pop(row_id), ids.pop()))
        self.rows[row_id] = row

    def for_account(self, account_id: str) -> list[R]:
        return [self.rows[row_id] for row_id in sorted(self.by_account.get(account_id, ()))]


class MemoryStore:
    """A Store that keeps everything in dictionaries; nothing survives the process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._accounts: _Table[Account] = _Table()
        self._buyers: dict[str, str] = {}
        self._authorizations: _Table[Authorization] = _Table()
        self._invoices: _Table[Invoice] = _Table()
        self._payments: _Table[Payment] = _Table()
        self._credit_notes: _Table[CreditNote] = _Table()
        self._entries: dict[str, list[Entry]] = {}
        self._outbox: list[OutboxMessage] = []
        self._idempotency: dict[str, IdempotencyRecord] = {}

    @contextmanager
    def transaction(self) -> Iterator[_MemoryTransaction]:
        """Open an exclusive write transaction; it commits on exit and rolls back on error."""
        with self._lock:
            undo: list[_Undo] = []
            try:
                yield _MemoryTransaction(self, undo)
            except BaseException:
                for step in reversed(undo):
                    step()
                raise

    @contextmanager
    def snapshot(self) -> Iterator[_MemoryTransaction]:
        """Open a read transaction; writing inside it raises InvalidStateError."""
        with self._lock:
            yield _MemoryTransaction(self, None)

    def outbox(self, after: int = 0, limit: int = 100, *, unpublished_only: bool = True) -> list[OutboxMessage]:
        """Return outbox messages with a sequence above ``after``, oldest first."""
        with self._lock:
            found = [
                message for message in self._outbox[after:] if not unpublished_only or message.published_at is None
            ]
            return found[:limit]

    def mark_published(self, sequences: Iterable[int], at: datetime) -> None:
        """Record that the host delivered these outbox messages."""
        with self._lock:
            for sequence in sequences:
                message = self._outbox[sequence - 1]
                if message.published_at is None:
                    self._outbox[sequence - 1] = attrs.evolve(message, published_at=at)

    def close(self) -> None:
        """Do nothing: memory is released with the object."""


class _MemoryTransaction:
    def __init__(self, store: MemoryStore, undo: list[_Undo] | None) -> None:
        self._store = store
        self._undo_log = undo

    @property
    def _undo(self) -> list[_Undo]:
        if self._undo_log is None:
            raise InvalidStateError("a read transaction cannot write; open store.transaction() instead")
        return self._undo_log

    def get_account(self, account_id: str) -> Account | None:
        return self._store._accounts.rows.get(account_id)

    def find_account(self, buyer_id: str) -> Account | None:
        account_id = self._store._buyers.get(buyer_id)
        return None if account_id is None else self._store._accounts.rows[account_id]

    def put_account(self, account: Account) -> None:
        undo = self._undo
        buyers = self._store._buyers
        existing = buyers.get(account.buyer_id)
        if existing is not None and existing != account.account_id:
            raise ConflictError(f"buyer_id: buyer {account.buyer_id!r} already has account {existing!r}")
        if existing is None:
            buyers[account.buyer_id] = account.account_id
            undo.append(lambda: buyers.pop(account.buyer_id))
        self._store._accounts.put(account.account_id, account.account_id, account, undo)

    def account_ids(self) -> list[str]:
        return sorted(self._store._accounts.rows)

    def get_authorization(self, authorization_id: str) -> Authorization | None:
        return self._store._authorizations.rows.get(authorization_id)

    def put_authorization(self, authorization: Authorization) -> None:
        self._store._authorizations.put(
            authorization.authorization_id, authorization.account_id, authorization, self._undo
        )

    def authorizations(self, account_id: str, *, active_only: bool = False) -> list[Authorization]:
        found = self._store._authorizations.for_account(account_id)
        return [item for item in found if item.status.is_active] if active_only else found

    def expired_authorizations(self, account_id: str, now: datetime) -> list[Authorization]:
        return [
            item
            for item in self._store._authorizations.for_account(account_id)
            if item.status.is_active and item.expires_at <= now
        ]

    def get_invoice(self, invoice_id: str) -> Invoice | None:
        return self._store._invoices.rows.get(invoice_id)

    def put_invoice(self, invoice: Invoice) -> None:
        self._store._invoices.put(invoice.invoice_id, invoice.account_id, invoice, self._undo)

    def invoices(self, account_id: str, *, open_only: bool = False) -> list[Invoice]:
        found = self._store._invoices.for_account(account_id)
        return [item for item in found if item.status is InvoiceStatus.OPEN] if open_only else found

    def put_payment(self, payment: Payment) -> None:
        self._store._payments.put(payment.payment_id, payment.account_id, payment, self._undo)

    def payments(self, account_id: str) -> list[Payment]:
        return self._store._payments.for_account(account_id)

    def put_credit_note(self, credit_note: CreditNote) -> None:
        self._store._credit_notes.put(credit_note.credit_note_id, credit_note.account_id, credit_note, self._undo)

    def credit_notes(self, account_id: str) -> list[CreditNote]:
        return self._store._credit_notes.for_account(account_id)

    def add_entries(self, entries: Sequence[Entry]) -> None:
        undo = self._undo
        for entry in entries:
            books = self._store._entries.setdefault(entry.account_id, [])
            books.append(entry)
            undo.append(books.pop)

    def entries(self, account_id: str) -> list[Entry]:
        return list(self._store._entries.get(account_id, ()))

    def add_event(self, event: DomainEvent) -> None:
        undo = self._undo
        outbox = self._store._outbox
        outbox.append(OutboxMessage(len(outbox) + 1, event, None))
        undo.append(outbox.pop)

    def get_idempotency(self, key: str) -> IdempotencyRecord | None:
        return self._store._idempotency.get(key)

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        undo = self._undo
        table = self._store._idempotency
        if record.key in table:
            raise ConflictError(f"idempotency_key: {record.key!r} is already recorded")
        table[record.key] = record
        undo.append(lambda: table.pop(record.key))
