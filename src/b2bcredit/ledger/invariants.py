"""The ledger's invariants, checked against every record of an account.

Tests run :func:`check_invariants` after every operation; a host can run it in an audit
job. Each violation is listed in the raised error, so one run shows every broken rule.
"""

from __future__ import annotations

from collections import defaultdict

from b2bcredit.core.errors import B2BCreditError
from b2bcredit.core.money import Money
from b2bcredit.ledger.exposure import available_credit, exposure
from b2bcredit.ledger.model import Book, Component, Invoice, InvoiceStatus, PaymentSource
from b2bcredit.ledger.reports import AccountSnapshot

__all__ = ["InvariantError", "check_invariants", "find_violations"]


class InvariantError(B2BCreditError, AssertionError):
    """The stored state of an account breaks one or more ledger invariants."""

    def __init__(self, account_id: str, violations: list[str]) -> None:
        self.account_id = account_id
        self.violations = violations
        super().__init__(f"account {account_id}: " + "; ".join(violations))


def check_invariants(snapshot: AccountSnapshot) -> None:
    """Raise :class:`InvariantError` listing every rule ``snapshot`` breaks."""
    violations = find_violations(snapshot)
    if violations:
        raise InvariantError(snapshot.account.account_id, violations)


def find_violations(snapshot: AccountSnapshot) -> list[str]:
    """Return a description of each broken invariant; empty when all hold."""
    account = snapshot.account
    currency = account.currency
    zero = Money.zero(currency)
    problems: list[str] = []

    # Reservations: each active authorization reserves exactly its converted uncaptured
    # amount and fee; finished ones reserve nothing; the book total matches.
    for item in snapshot.authorizations:
        if item.captured > item.amount or item.captured_fee > item.fee:
            problems.append(f"{item.authorization_id} captured more than authorized")
        expected = (
            item.to_account(item.amount)
            + item.to_account(item.fee)
            - item.to_account(item.captured)
            - item.to_account(item.captured_fee)
            if item.status.is_active
            else zero
        )
        if item.reserved != expected:
            problems.append(f"{item.authorization_id} reserves {item.reserved}, expected {expected}")
        invoiced = Money.sum(
            (invoice.principal for invoice in snapshot.invoices if invoice.authorization_id == item.authorization_id),
            currency,
        )
        if invoiced != item.to_account(item.captured):
            problems.append(f"{item.authorization_id} invoiced {invoiced}, captured {item.captured}")
    reserved = Money.sum((item.reserved for item in snapshot.authorizations), currency)
    if reserved != account.reserved:
        problems.append(f"account reserves {account.reserved}, authorizations {reserved}")

    # Invoices: no component below zero, conservation of every amount charged, status.
    for invoice in snapshot.invoices:
        components = {
            "principal_due": invoice.principal_due,
            "fees_due": invoice.fees_due,
            "interest_due": invoice.interest_due,
            "paid": invoice.paid,
            "discounted": invoice.discounted,
            "credited": invoice.credited,
            "written_off": invoice.written_off,
        }
        problems.extend(
            f"{invoice.invoice_id} {name} is negative: {value}"
            for name, value in components.items()
            if value.is_negative()
        )
        charged = invoice.principal + invoice.fees_charged + invoice.interest_charged
        settled = invoice.paid + invoice.discounted + invoice.credited + invoice.written_off
        if charged != settled + invoice.outstanding:
            problems.append(
                f"{invoice.invoice_id} charged {charged} but settled {settled} + open {invoice.outstanding}"
            )
        if invoice.refunded > invoice.principal or invoice.credited > invoice.refunded + invoice.cancelled_interest:
            problems.append(f"{invoice.invoice_id} refunded {invoice.refunded} of principal {invoice.principal}")
        is_open = invoice.status is InvoiceStatus.OPEN
        if is_open != invoice.outstanding.is_positive():
            problems.append(f"{invoice.invoice_id} is {invoice.status.value} with {invoice.outstanding} open")
        problems.extend(_schedule_violations(invoice))
    receivable = Money.sum((invoice.receivable for invoice in snapshot.invoices), currency)
    if receivable != account.receivable:
        problems.append(f"account receivable {account.receivable}, invoices {receivable}")
    interest_due = Money.sum((invoice.interest_due for invoice in snapshot.invoices), currency)

    # Payments and credit notes: allocations sum to the payment; the buyer's credit
    # balance is what over-payments and credit notes added minus what was applied.
    unapplied = zero
    for payment in snapshot.payments:
        allocated = Money.sum((item.amount for item in payment.allocations), currency)
        if allocated + payment.unapplied != payment.amount:
            problems.append(f"{payment.payment_id} allocates {allocated} + {payment.unapplied} of {payment.amount}")
        if any(item.amount.is_negative() or item.discount.is_negative() for item in payment.allocations):
            problems.append(f"{payment.payment_id} has a negative allocation")
        # Cash adds its left-over to the buyer's credit; applying that credit uses it up.
        change = payment.unapplied if payment.source is PaymentSource.CASH else -allocated
        unapplied = unapplied + change
    for note in snapshot.credit_notes:
        cancelled = zero if note.interest_cancelled is None else note.interest_cancelled
        if note.applied + note.to_unapplied != note.amount + cancelled:
            problems.append(
                f"{note.credit_note_id} splits {note.applied} + {note.to_unapplied} of {note.amount} + {cancelled}"
            )
        unapplied = unapplied + note.to_unapplied
    if unapplied != account.unapplied or account.unapplied.is_negative():
        problems.append(f"account unapplied {account.unapplied}, documents {unapplied}")

    # Entries: each operation balances, and the books agree with the account.
    by_operation: dict[str, int] = defaultdict(int)
    by_book: dict[Book, int] = defaultdict(int)
    for entry in snapshot.entries:
        by_operation[entry.operation_id] += entry.amount.minor_units
        by_book[entry.book] += entry.amount.minor_units
    problems.extend(
        f"operation {operation} entries sum to {total} minor units"
        for operation, total in by_operation.items()
        if total != 0
    )
    # Unearned interest mirrors the open interest until the buyer pays it or it is
    # cancelled or reversed; what was paid is income.
    books = {
        Book.RESERVED: account.reserved.minor_units,
        Book.RECEIVABLE: account.receivable.minor_units,
        Book.UNAPPLIED: -account.unapplied.minor_units,
        Book.INTEREST_RECEIVABLE: interest_due.minor_units,
        Book.UNEARNED_INTEREST: -interest_due.minor_units,
        Book.INTEREST_INCOME: -_interest_earned(snapshot).minor_units,
    }
    problems.extend(
        f"book {book.value} holds {by_book[book]} minor units, account {expected}"
        for book, expected in books.items()
        if by_book[book] != expected
    )

    # Exposure and available credit, from the records rather than the account balances.
    from_records = reserved + receivable
    if exposure(account) != from_records:
        problems.append(f"exposure {exposure(account)} but records give {from_records}")
    if available_credit(account) != account.limit - from_records:
        problems.append(f"available {available_credit(account)} is not limit minus exposure")
    return problems


def _schedule_violations(invoice: Invoice) -> list[str]:
    # The instalments of an interest-bearing invoice carry its interest, less what
    # refunds cancelled, and its principal.
    parts = [part for part in invoice.schedule if part.interest is not None and part.principal is not None]
    if not parts:
        return []
    currency = invoice.principal.currency
    problems = []
    interest = Money.sum((part.interest for part in parts if part.interest is not None), currency)
    if interest + invoice.cancelled_interest != invoice.interest_charged:
        problems.append(
            f"{invoice.invoice_id} instalments carry interest {interest}, cancelled {invoice.cancelled_interest}, "
            f"charged {invoice.interest_charged}"
        )
    principal = Money.sum((part.principal for part in parts if part.principal is not None), currency)
    if principal != invoice.principal:
        problems.append(f"{invoice.invoice_id} instalments carry principal {principal} of {invoice.principal}")
    return problems


def _interest_earned(snapshot: AccountSnapshot) -> Money:
    # Interest allocations of payments, less paid interest that credit notes handed back.
    currency = snapshot.account.currency
    paid = Money.sum(
        (
            allocation.amount
            for payment in snapshot.payments
            for allocation in payment.allocations
            if allocation.component is Component.INTEREST
        ),
        currency,
    )
    returned = Money.sum(
        (note.interest_returned for note in snapshot.credit_notes if note.interest_returned is not None), currency
    )
    return paid - returned
