"""The Store protocol: what the ledger needs from a back-end.

A store hands out transactions. A write transaction is exclusive (one writer at a time
across threads and, for SQLite, across processes) and atomic: either every record,
ledger entry, outbox event and idempotency record written inside it is kept, or none
is. A read transaction reads one consistent state and must not write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

import attrs

from b2bcredit.ledger.model import (
    Account,
    Authorization,
    CreditNote,
    DomainEvent,
    Entry,
    IdempotencyRecord,
    Invoice,
    Payment,
)

__all__ = ["OutboxMessage", "Store", "StoreTransaction"]


@attrs.frozen
class OutboxMessage:
    """An event in the outbox with its delivery sequence number; ``published_at`` None means not yet sent."""

    sequence: int
    event: DomainEvent
    published_at: datetime | None


class StoreTransaction(Protocol):
    """Reads and writes inside one transaction.

    Lists come back ordered by id; the ledger's default ids start with the creation time,
    so that is creation order.
    """

    def get_account(self, account_id: str) -> Account | None:
        """Return the account, or None."""
        ...

    def find_account(self, buyer_id: str) -> Account | None:
        """Return the account of ``buyer_id``, or None."""
        ...

    def put_account(self, account: Account) -> None:
        """Insert or replace an account."""
        ...

    def account_ids(self) -> list[str]:
        """Return every account id."""
        ...

    def get_authorization(self, authorization_id: str) -> Authorization | None:
        """Return the authorization, or None."""
        ...

    def put_authorization(self, authorization: Authorization) -> None:
        """Insert or replace an authorization."""
        ...

    def authorizations(self, account_id: str, *, active_only: bool = False) -> list[Authorization]:
        """Return the account's authorizations, optionally only those holding a reservation."""
        ...

    def expired_authorizations(self, account_id: str, now: datetime) -> list[Authorization]:
        """Return the active authorizations whose expiry is at or before ``now``."""
        ...

    def get_invoice(self, invoice_id: str) -> Invoice | None:
        """Return the invoice, or None."""
        ...

    def put_invoice(self, invoice: Invoice) -> None:
        """Insert or replace an invoice."""
        ...

    def invoices(self, account_id: str, *, open_only: bool = False) -> list[Invoice]:
        """Return the account's invoices, optionally only the open ones."""
        ...

    def put_payment(self, payment: Payment) -> None:
        """Insert a payment."""
        ...

    def payments(self, account_id: str) -> list[Payment]:
        """Return the account's payments."""
        ...

    def put_credit_note(self, credit_note: CreditNote) -> None:
        """Insert a credit note."""
        ...

    def credit_notes(self, account_id: str) -> list[CreditNote]:
        """Return the account's credit notes."""
        ...

    def add_entries(self, entries: Sequence[Entry]) -> None:
        """Append ledger entries."""
        ...

    def entries(self, account_id: str) -> list[Entry]:
        """Return the account's ledger entries."""
        ...

    def add_event(self, event: DomainEvent) -> None:
        """Append an event to the outbox."""
        ...

    def get_idempotency(self, key: str) -> IdempotencyRecord | None:
        """Return the record of the first call made with ``key``, or None."""
        ...

    def put_idempotency(self, record: IdempotencyRecord) -> None:
        """Record the first result of a call; the key must be new."""
        ...


class Store(Protocol):
    """A back-end holding the ledger's state."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        """Open an exclusive write transaction; it commits on exit and rolls back on error."""
        ...

    def snapshot(self) -> AbstractContextManager[StoreTransaction]:
        """Open a read transaction over one consistent state."""
        ...

    def outbox(self, after: int = 0, limit: int = 100, *, unpublished_only: bool = True) -> list[OutboxMessage]:
        """Return outbox messages with a sequence above ``after``, oldest first."""
        ...

    def mark_published(self, sequences: Iterable[int], at: datetime) -> None:
        """Record that the host delivered these outbox messages."""
        ...

    def close(self) -> None:
        """Release the back-end's resources."""
        ...
