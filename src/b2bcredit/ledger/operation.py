"""The state of one ledger call inside its store transaction.

An :class:`Operation` loads each account once, releasing its expired reservations on
that first load, collects the balanced postings and the outbox events of the call, and
writes the changed accounts and the entries when the call finishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

import attrs

from b2bcredit.core.errors import InvalidStateError
from b2bcredit.core.money import Money
from b2bcredit.ledger.model import (
    Account,
    Authorization,
    AuthorizationStatus,
    Book,
    DomainEvent,
    Entry,
    Invoice,
)
from b2bcredit.ledger.validation import require_found
from b2bcredit.storage.base import StoreTransaction

__all__ = ["Operation"]

_log = logging.getLogger("b2bcredit.ledger")


class Operation:
    """The state of one call inside its transaction: loaded accounts, entries, events."""

    def __init__(
        self,
        tx: StoreTransaction,
        now: datetime,
        timezone: tzinfo,
        operation_id: str,
        new_id: Callable[[str], str],
    ) -> None:
        self.tx = tx
        self.now = now
        self.today = now.astimezone(timezone).date()
        self.new_id = new_id
        self.operation_id = operation_id
        self.expired = 0
        self._accounts: dict[str, Account] = {}
        self._dirty: set[str] = set()
        self._entries: list[Entry] = []

    def account(self, account_id: str) -> Account:
        """Return the account, releasing its expired reservations on first load."""
        if account_id in self._accounts:
            return self._accounts[account_id]
        account = require_found(self.tx.get_account(account_id), "account_id", account_id)
        self._accounts[account_id] = account
        for authorization in self.tx.expired_authorizations(account_id, self.now):
            released = authorization.reserved
            account = self.post(account, (Book.RESERVED, -released), (Book.FACILITY, released))
            self.tx.put_authorization(
                attrs.evolve(
                    authorization,
                    reserved=Money.zero(account.currency),
                    status=AuthorizationStatus.EXPIRED,
                )
            )
            self.emit(
                "authorization.expired",
                account_id,
                authorization_id=authorization.authorization_id,
                released=str(released),
            )
            _log.info("authorization %s expired: released %s", authorization.authorization_id, released)
            self.expired += 1
        return account

    def authorization(self, authorization_id: str) -> tuple[Authorization, Account]:
        """Return the authorization and its account, read after expiries are released."""
        found = require_found(self.tx.get_authorization(authorization_id), "authorization_id", authorization_id)
        account = self.account(found.account_id)
        current = require_found(self.tx.get_authorization(authorization_id), "authorization_id", authorization_id)
        return current, account

    def invoice(self, invoice_id: str) -> tuple[Invoice, Account]:
        """Return the invoice and its account."""
        invoice = require_found(self.tx.get_invoice(invoice_id), "invoice_id", invoice_id)
        return invoice, self.account(invoice.account_id)

    def update(self, account: Account) -> None:
        """Replace the account's non-balance fields (limit, holds, status)."""
        self._accounts[account.account_id] = account
        self._dirty.add(account.account_id)

    def post(self, account: Account, *postings: tuple[Book, Money]) -> Account:
        """Post balanced entries and return the account with its book balances updated."""
        total = sum(amount.minor_units for _, amount in postings)
        if total != 0:
            raise InvalidStateError(f"unbalanced postings {postings!r} in operation {self.operation_id}")
        current = self._accounts.get(account.account_id, account)
        reserved, receivable, unapplied = current.reserved, current.receivable, current.unapplied
        for book, amount in postings:
            if amount.is_zero():
                continue
            self._entries.append(Entry(self.operation_id, account.account_id, book, amount, self.now))
            if book is Book.RESERVED:
                reserved = reserved + amount
            elif book is Book.RECEIVABLE:
                receivable = receivable + amount
            elif book is Book.UNAPPLIED:
                unapplied = unapplied - amount
        changed = _with_balances(current, reserved, receivable, unapplied, current.revision)
        self.update(changed)
        return changed

    def emit(self, event_type: str, account_id: str, **payload: str) -> None:
        """Write a domain event to the outbox in this transaction."""
        self.tx.add_event(DomainEvent(self.new_id("evt"), event_type, account_id, self.now, payload))

    def flush(self) -> None:
        """Write the changed accounts and the entries."""
        for account_id in sorted(self._dirty):
            account = self._accounts[account_id]
            self.tx.put_account(
                _with_balances(account, account.reserved, account.receivable, account.unapplied, account.revision + 1)
            )
        self.tx.add_entries(self._entries)


def _with_balances(account: Account, reserved: Money, receivable: Money, unapplied: Money, revision: int) -> Account:
    # attrs.evolve takes more than twice as long, and every call of the ledger posts.
    return Account(
        account.account_id,
        account.buyer_id,
        account.currency,
        account.limit,
        account.tolerance,
        account.hold_after_days_overdue,
        account.profile,
        account.status,
        account.holds,
        reserved,
        receivable,
        unapplied,
        account.opened_at,
        revision,
    )
