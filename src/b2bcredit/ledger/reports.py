"""Read models of an account: aging buckets and the account statement."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

import attrs

from b2bcredit.core.money import Money
from b2bcredit.ledger.model import (
    Account,
    Authorization,
    CreditNote,
    Entry,
    Hold,
    Invoice,
    InvoiceStatus,
    Payment,
)

__all__ = [
    "AccountSnapshot",
    "AgingBucket",
    "AgingLine",
    "AgingReport",
    "InvoiceLine",
    "Statement",
    "aging",
]


class AgingBucket(enum.Enum):
    """Days past due of an unsettled amount, in the usual receivables bands."""

    CURRENT = "current"  # not yet due
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "over_90"

    @classmethod
    def for_days(cls, days_past_due: int) -> AgingBucket:
        """Return the bucket of an amount ``days_past_due`` days late."""
        if days_past_due <= 0:
            return cls.CURRENT
        if days_past_due <= 30:
            return cls.DAYS_1_30
        if days_past_due <= 60:
            return cls.DAYS_31_60
        if days_past_due <= 90:
            return cls.DAYS_61_90
        return cls.OVER_90


@attrs.frozen
class AgingLine:
    """The unsettled amount in one bucket and the number of invoices contributing."""

    bucket: AgingBucket
    amount: Money
    invoice_count: int


@attrs.frozen
class AgingReport:
    """Open receivables by days past due; the lines sum to ``total``."""

    account_id: str
    as_of: date
    lines: tuple[AgingLine, ...]
    total: Money

    def amount(self, bucket: AgingBucket) -> Money:
        """Return the amount in ``bucket``."""
        return next(line.amount for line in self.lines if line.bucket is bucket)


def aging(account: Account, invoices: Sequence[Invoice], as_of: date) -> AgingReport:
    """Bucket each open scheduled part of each invoice by its own days past due."""
    amounts = {bucket: Money.zero(account.currency) for bucket in AgingBucket}
    counts: dict[AgingBucket, set[str]] = {bucket: set() for bucket in AgingBucket}
    for invoice in invoices:
        for part in invoice.open_parts():
            bucket = AgingBucket.for_days((as_of - part.due_date).days)
            amounts[bucket] = amounts[bucket] + part.amount
            counts[bucket].add(invoice.invoice_id)
    lines = tuple(AgingLine(bucket, amounts[bucket], len(counts[bucket])) for bucket in AgingBucket)
    return AgingReport(account.account_id, as_of, lines, Money.sum(amounts.values(), account.currency))


@attrs.frozen
class InvoiceLine:
    """One invoice on a statement."""

    invoice_id: str
    order_id: str
    terms_code: str
    issued_on: date
    due_date: date
    total: Money
    paid: Money
    discounted: Money
    credited: Money
    written_off: Money
    outstanding: Money
    days_past_due: int
    status: InvoiceStatus

    @classmethod
    def of(cls, invoice: Invoice, as_of: date) -> InvoiceLine:
        """Summarise ``invoice`` on ``as_of``."""
        return cls(
            invoice.invoice_id,
            invoice.order_id,
            invoice.terms_code,
            invoice.issued_on,
            invoice.due_date,
            invoice.principal + invoice.fees_charged + invoice.interest_charged,
            invoice.paid,
            invoice.discounted,
            invoice.credited,
            invoice.written_off,
            invoice.outstanding,
            invoice.days_past_due(as_of),
            invoice.status,
        )


@attrs.frozen
class Statement:
    """An account statement: the position, the open reservations and every document.

    ``receivable`` is the open principal and fees of invoices, the part of exposure they
    make up. ``interest_receivable`` is their open interest, which is not exposure.
    """

    account_id: str
    buyer_id: str
    as_of: date
    limit: Money
    exposure: Money
    available: Money
    reserved: Money
    receivable: Money
    unapplied: Money
    holds: tuple[Hold, ...]
    authorizations: tuple[Authorization, ...]
    invoices: tuple[InvoiceLine, ...]
    payments: tuple[Payment, ...]
    credit_notes: tuple[CreditNote, ...]
    aging: AgingReport
    interest_receivable: Money | None = None

    def render(self) -> str:
        """Return the statement as plain text for a terminal or an e-mail."""
        out = [
            f"Statement of account {self.account_id} on {self.as_of}",
            f"  limit {self.limit}   exposure {self.exposure}   available {self.available}",
            f"  reserved {self.reserved}   open invoices {self.receivable}   unapplied credit {self.unapplied}",
        ]
        # Interest is not exposure, so the open-invoice figure leaves it out.
        if self.interest_receivable is not None and self.interest_receivable.is_positive():
            out[-1] += f"   open interest {self.interest_receivable}"
        if self.holds:
            out.append("  holds: " + ", ".join(hold.reason.value for hold in self.holds))
        out.append("  invoices:")
        terms_width = max((len(line.terms_code) for line in self.invoices), default=0)
        for line in self.invoices:
            out.append(
                f"    {line.invoice_id} {line.terms_code:>{terms_width}} issued {line.issued_on} due {line.due_date}"
                f"  total {line.total}  paid {line.paid}  discount {line.discounted}"
                f"  credited {line.credited}  open {line.outstanding}  {line.status.value}"
                + (f"  written off {line.written_off}" if line.written_off.is_positive() else "")
                + (f"  {line.days_past_due} days late" if line.days_past_due else "")
            )
        out.append("  payments:")
        for payment in self.payments:
            parts = len(payment.allocations)
            out.append(
                f"    {payment.payment_id} {payment.received_on} {payment.amount} ({payment.source.value})"
                f"  applied to {parts} invoice component{'' if parts == 1 else 's'}, unapplied {payment.unapplied}"
            )
        out.append("  credit notes:")
        for note in self.credit_notes:
            out.append(f"    {note.credit_note_id} on {note.invoice_id}: {note.amount} ({note.reason})")
        out.append("  aging: " + ", ".join(f"{line.bucket.value} {line.amount}" for line in self.aging.lines))
        return "\n".join(out)


@attrs.frozen
class AccountSnapshot:
    """Every record of one account, read in one transaction; what the invariants check."""

    account: Account
    authorizations: tuple[Authorization, ...]
    invoices: tuple[Invoice, ...]
    payments: tuple[Payment, ...]
    credit_notes: tuple[CreditNote, ...]
    entries: tuple[Entry, ...]
