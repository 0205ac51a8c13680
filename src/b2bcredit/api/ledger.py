"""Pydantic models for the credit lifecycle: validated requests and JSON views of results.

Each request model names one engine call and carries its idempotency key; :func:`dispatch`
runs it and returns the matching view, so a host can expose the engine over HTTP or a
queue with JSON in and JSON out. ``model_json_schema()`` on any model documents it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from b2bcredit.core.money import Money
from b2bcredit.engine import Engine
from b2bcredit.ledger.exposure import available_credit, exposure
from b2bcredit.ledger.model import Account, Authorization, CreditNote, Invoice, Payment
from b2bcredit.ledger.reports import Statement
from b2bcredit.ledger.results import AuthorizationResult, CaptureResult

__all__ = [
    "AccountView",
    "AuthorizationView",
    "AuthorizeRequest",
    "CaptureRequest",
    "ChangeAmountRequest",
    "CreditNoteView",
    "ExtendDueDateRequest",
    "InvoiceView",
    "LedgerRequest",
    "OpenAccountRequest",
    "PaymentRequest",
    "PaymentView",
    "RefundRequest",
    "StatementLineView",
    "StatementView",
    "VoidRequest",
    "WriteOffRequest",
    "dispatch",
]

_Key = Annotated[str, Field(min_length=1, max_length=200, description="Idempotency key of this change.")]
_Id = Annotated[str, Field(min_length=1, max_length=200)]


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: _Key


class OpenAccountRequest(_Request):
    """Open a buyer's credit account; a limit of zero means prepay only."""

    operation: Literal["open_account"] = "open_account"
    buyer_id: _Id
    limit: Money
    hold_after_days_overdue: int | None = Field(default=None, ge=0)


class AuthorizeRequest(_Request):
    """Reserve credit for an order with a catalogue product."""

    operation: Literal["authorize"] = "authorize"
    buyer_id: _Id
    order_id: _Id
    product_id: _Id
    amount: Money
    expires_at: datetime | None = None


class ChangeAmountRequest(_Request):
    """Change an authorization's amount before capture."""

    operation: Literal["change_amount"] = "change_amount"
    authorization_id: _Id
    amount: Money


class CaptureRequest(_Request):
    """Capture a shipment; without ``amount`` everything not yet captured."""

    operation: Literal["capture"] = "capture"
    authorization_id: _Id
    amount: Money | None = None
    shipped_on: date | None = None


class VoidRequest(_Request):
    """Void the remainder, cancel before capture, or reopen a cancelled order."""

    operation: Literal["void", "cancel", "reopen"]
    authorization_id: _Id


class RefundRequest(_Request):
    """Issue a credit note on an invoice."""

    operation: Literal["refund"] = "refund"
    invoice_id: _Id
    amount: Money
    reason: str = Field(default="refund", max_length=200)


class PaymentRequest(_Request):
    """Record a payment from a buyer."""

    operation: Literal["record_payment"] = "record_payment"
    buyer_id: _Id
    amount: Money
    received_on: date | None = None
    invoice_id: str | None = None


class ExtendDueDateRequest(_Request):
    """Move an invoice's due date later."""

    operation: Literal["extend_due_date"] = "extend_due_date"
    invoice_id: _Id
    new_due_date: date


class WriteOffRequest(_Request):
    """Write off an invoice's open balance."""

    operation: Literal["write_off"] = "write_off"
    invoice_id: _Id
    reason: str = Field(default="uncollectible", max_length=200)


LedgerRequest = Annotated[
    OpenAccountRequest
    | AuthorizeRequest
    | ChangeAmountRequest
    | CaptureRequest
    | VoidRequest
    | RefundRequest
    | PaymentRequest
    | ExtendDueDateRequest
    | WriteOffRequest,
    Field(discriminator="operation"),
]


class AccountView(BaseModel):
    """A credit account's position."""

    account_id: str
    buyer_id: str
    limit: Money
    exposure: Money
    available: Money
    reserved: Money
    receivable: Money
    unapplied: Money
    status: str
    holds: list[str]

    @classmethod
    def of(cls, account: Account) -> AccountView:
        """Build the view of an account."""
        return cls(
            account_id=account.account_id,
            buyer_id=account.buyer_id,
            limit=account.limit,
            exposure=exposure(account),
            available=available_credit(account),
            reserved=account.reserved,
            receivable=account.receivable,
            unapplied=account.unapplied,
            status=account.status.value,
            holds=[hold.reason.value for hold in account.holds],
        )


class AuthorizationView(BaseModel):
    """An authorization, or a decline with its reason."""

    approved: bool
    authorization_id: str | None
    status: str | None
    amount: Money | None
    captured: Money | None
    reserved: Money | None
    expires_at: datetime | None
    fx_rate: str | None
    reason: str | None
    hint: str | None
    available: Money | None
    deposit: Money | None = None

    @classmethod
    def of(cls, item: Authorization, result: AuthorizationResult | None = None) -> AuthorizationView:
        """Build the view of an authorization (and of the call's result, when there is one)."""
        return cls(
            approved=True if result is None else result.approved,
            authorization_id=item.authorization_id,
            status=item.status.value,
            amount=item.amount,
            captured=item.captured,
            reserved=item.reserved,
            expires_at=item.expires_at,
            fx_rate=None if item.fx is None else str(item.fx.rate),
            reason=None if result is None or result.reason is None else result.reason.value,
            hint=None if result is None or result.hint is None else result.hint.message,
            available=None if result is None else result.available,
            deposit=item.deposit,
        )

    @classmethod
    def of_result(cls, result: AuthorizationResult) -> AuthorizationView:
        """Build the view of an authorize, change_amount or reopen result."""
        if result.authorization is not None:
            return cls.of(result.authorization, result)
        return cls(
            approved=result.approved,
            authorization_id=None,
            status=None,
            amount=None,
            captured=None,
            reserved=None,
            expires_at=None,
            fx_rate=None,
            reason=None if result.reason is None else result.reason.value,
            hint=None if result.hint is None else result.hint.message,
            available=result.available,
        )


class InvoiceView(BaseModel):
    """An invoice and its open balance."""

    invoice_id: str
    authorization_id: str
    terms: str
    issued_on: date
    due_date: date
    principal: Money
    fees: Money
    interest: Money
    outstanding: Money
    paid: Money
    discounted: Money
    credited: Money
    written_off: Money
    status: str

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceView:
        """Build the view of an invoice."""
        return cls(
            invoice_id=invoice.invoice_id,
            authorization_id=invoice.authorization_id,
            terms=invoice.terms_code,
            issued_on=invoice.issued_on,
            due_date=invoice.due_date,
            principal=invoice.principal,
            fees=invoice.fees_charged,
            interest=invoice.interest_charged - invoice.cancelled_interest,
            outstanding=invoice.outstanding,
            paid=invoice.paid,
            discounted=invoice.discounted,
            credited=invoice.credited,
            written_off=invoice.written_off,
            status=invoice.status.value,
        )


class PaymentView(BaseModel):
    """A payment and where it went."""

    payment_id: str
    amount: Money
    received_on: date
    applied: Money
    discount: Money
    unapplied: Money

    @classmethod
    def of(cls, payment: Payment) -> PaymentView:
        """Build the view of a payment."""
        currency = payment.amount.currency
        return cls(
            payment_id=payment.payment_id,
            amount=payment.amount,
            received_on=payment.received_on,
            applied=Money.sum((item.amount for item in payment.allocations), currency),
            discount=Money.sum((item.discount for item in payment.allocations), currency),
            unapplied=payment.unapplied,
        )


class CreditNoteView(BaseModel):
    """A credit note."""

    credit_note_id: str
    invoice_id: str
    amount: Money
    applied: Money
    to_unapplied: Money
    interest_cancelled: Money | None = None

    @classmethod
    def of(cls, note: CreditNote) -> CreditNoteView:
        """Build the view of a credit note."""
        return cls(
            credit_note_id=note.credit_note_id,
            invoice_id=note.invoice_id,
            amount=note.amount,
            applied=note.applied,
            to_unapplied=note.to_unapplied,
            interest_cancelled=note.interest_cancelled,
        )


class StatementLineView(BaseModel):
    """One invoice on a statement."""

    invoice_id: str
    order_id: str
    terms: str
    issued_on: date
    due_date: date
    total: Money
    paid: Money
    discounted: Money
    credited: Money
    written_off: Money
    outstanding: Money
    days_past_due: int
    status: str


class StatementView(BaseModel):
    """An account statement as JSON."""

    account_id: str
    as_of: date
    limit: Money
    exposure: Money
    available: Money
    reserved: Money
    receivable: Money
    unapplied: Money
    invoices: list[StatementLineView]
    aging: dict[str, Money]
    interest_receivable: Money | None = None

    @classmethod
    def of(cls, statement: Statement) -> StatementView:
        """Build the view of a statement."""
        return cls(
            account_id=statement.account_id,
            as_of=statement.as_of,
            limit=statement.limit,
            exposure=statement.exposure,
            available=statement.available,
            reserved=statement.reserved,
            receivable=statement.receivable,
            unapplied=statement.unapplied,
            invoices=[
                StatementLineView(
                    invoice_id=line.invoice_id,
                    order_id=line.order_id,
                    terms=line.terms_code,
                    issued_on=line.issued_on,
                    due_date=line.due_date,
                    total=line.total,
                    paid=line.paid,
                    discounted=line.discounted,
                    credited=line.credited,
                    written_off=line.written_off,
                    outstanding=line.outstanding,
                    days_past_due=line.days_past_due,
                    status=line.status.value,
                )
                for line in statement.invoices
            ],
            aging={line.bucket.value: line.amount for line in statement.aging.lines},
            interest_receivable=statement.interest_receivable,
        )


def dispatch(
    engine: Engine, request: LedgerRequest
) -> AccountView | AuthorizationView | InvoiceView | PaymentView | CreditNoteView:
    """Run one validated request on ``engine`` and return the JSON view of its result."""
    key = request.idempotency_key
    if isinstance(request, OpenAccountRequest):
        return AccountView.of(
            engine.open_account(
                key,
                request.buyer_id,
                request.limit,
                hold_after_days_overdue=request.hold_after_days_overdue,
            )
        )
    if isinstance(request, AuthorizeRequest):
        return AuthorizationView.of_result(
            engine.authorize(
                key,
                request.buyer_id,
                request.order_id,
                request.product_id,
                request.amount,
                expires_at=request.expires_at,
            )
        )
    if isinstance(request, ChangeAmountRequest):
        return AuthorizationView.of_result(engine.change_amount(key, request.authorization_id, request.amount))
    if isinstance(request, CaptureRequest):
        captured: CaptureResult = engine.capture(
            key, request.authorization_id, request.amount, shipped_on=request.shipped_on
        )
        return InvoiceView.of(captured.invoice)
    if isinstance(request, VoidRequest):
        if request.operation == "reopen":
            return AuthorizationView.of_result(engine.reopen(key, request.authorization_id))
        if request.operation == "cancel":
            return AuthorizationView.of(engine.cancel(key, request.authorization_id))
        return AuthorizationView.of(engine.void(key, request.authorization_id))
    if isinstance(request, RefundRequest):
        return CreditNoteView.of(engine.refund(key, request.invoice_id, request.amount, request.reason))
    if isinstance(request, PaymentRequest):
        return PaymentView.of(
            engine.record_payment(
                key,
                request.buyer_id,
                request.amount,
                received_on=request.received_on,
                invoice_id=request.invoice_id,
            )
        )
    if isinstance(request, ExtendDueDateRequest):
        return InvoiceView.of(engine.extend_due_date(key, request.invoice_id, request.new_due_date))
    return InvoiceView.of(engine.write_off(key, request.invoice_id, request.reason))
