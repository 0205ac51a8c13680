"""The ledger's records: accounts, authorizations, invoices, payments, credit notes, entries.

Every record is a frozen attrs class. An operation replaces a record with an evolved copy,
and the store writes the copy in the operation's transaction. All amounts of an account
(limit, reservations, invoices, payments) are in the account's currency. An order in
another currency is converted at the rate locked when it was authorized.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.products.catalogue import (
    BuyerStatus,
    LateFeePolicy,
    Product,
    UnderwritingOutcome,
)
from b2bcredit.products.terms import EarlyPaymentDiscount, ScheduledPayment

__all__ = [
    "Account",
    "AccountStatus",
    "Allocation",
    "Authorization",
    "AuthorizationStatus",
    "Book",
    "Component",
    "CreditNote",
    "CreditProfile",
    "DomainEvent",
    "Entry",
    "FxLock",
    "Hold",
    "HoldReason",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceStatus",
    "OverLimitTolerance",
    "Payment",
    "PaymentSource",
    "UnderwritingRecord",
]


class AccountStatus(enum.Enum):
    """Whether an account can take new authorizations at all."""

    OPEN = "open"
    CLOSED = "closed"  # no new authorizations; open invoices still collect


class HoldReason(enum.Enum):
    """The reason for an account hold. A held account takes no new authorizations."""

    MANUAL = "manual"  # placed by an analyst or the host
    WRITE_OFF = "write_off"  # placed automatically when an invoice is written off


class AuthorizationStatus(enum.Enum):
    """The life of a reservation of credit."""

    AUTHORIZED = "authorized"  # credit reserved, nothing captured yet
    PARTIALLY_CAPTURED = "partially_captured"  # some captured, the rest still reserved
    CAPTURED = "captured"  # everything captured; nothing reserved
    VOIDED = "voided"  # the uncaptured remainder was released on request
    CANCELLED = "cancelled"  # released before any capture; can be reopened
    EXPIRED = "expired"  # the uncaptured remainder was released at the expiry time

    @property
    def is_active(self) -> bool:
        """Whether the authorization still reserves credit."""
        return self in (AuthorizationStatus.AUTHORIZED, AuthorizationStatus.PARTIALLY_CAPTURED)


class InvoiceStatus(enum.Enum):
    """Whether an invoice still counts towards exposure."""

    OPEN = "open"  # something outstanding
    PAID = "paid"  # settled by payments, discounts and credit notes
    WRITTEN_OFF = "written_off"  # the outstanding balance was written off


class Component(enum.Enum):
    """A part of an invoice balance; payments settle components in a configurable order."""

    FEES = "fees"  # buyer fee and late fees
    INTEREST = "interest"
    PRINCIPAL = "principal"


class PaymentSource(enum.Enum):
    """The origin of a payment's money."""

    CASH = "cash"  # money received from the buyer
    CREDIT_BALANCE = "credit_balance"  # the account's unapplied credit applied to invoices


class Book(enum.Enum):
    """A ledger book. Every operation posts entries that sum to zero across books.

    Debits are positive. RESERVED, RECEIVABLE, INTEREST_RECEIVABLE and CASH carry debit
    balances; UNAPPLIED (money owed back to the buyer) and UNEARNED_INTEREST carry credit
    balances. Interest is precomputed: capture debits the schedule's whole interest to
    INTEREST_RECEIVABLE against UNEARNED_INTEREST, and each payment of interest moves its
    amount from UNEARNED_INTEREST to INTEREST_INCOME.
    """

    RESERVED = "reserved"  # credit reserved by authorizations not yet captured
    FACILITY = "facility"  # the counterpart of reservations
    RECEIVABLE = "receivable"  # open principal and fees of invoices (what exposure counts)
    INTEREST_RECEIVABLE = "interest_receivable"  # open interest of instalment invoices
    UNEARNED_INTEREST = "unearned_interest"  # interest charged but not yet paid
    INTEREST_INCOME = "interest_income"  # interest paid by the buyer
    SALES = "sales"  # the counterpart of invoiced principal and credit notes
    FEE_INCOME = "fee_income"  # buyer fees and late fees charged
    CASH = "cash"  # payments received
    UNAPPLIED = "unapplied"  # over-payments and credits kept for the buyer
    DISCOUNT = "discount"  # early-payment discounts allowed
    WRITE_OFF = "write_off"  # balances written off


@attrs.frozen
class OverLimitTolerance:
    """How far an authorization may take exposure above the limit: an amount or a share."""

    amount: Money | None = None
    share: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if self.amount is not None and self.amount.is_negative():
            raise InvalidInputError("tolerance.amount", str(self.amount), "must not be negative", "Pass 0 or more.")
        if not Decimal(0) <= self.share <= Decimal(1):
            raise InvalidInputError(
                "tolerance.share",
                self.share,
                "must be between 0 and 1",
                "Pass Decimal('0.05') for five percent over the limit.",
            )
        if self.amount is not None and self.share != 0:
            raise InvalidInputError(
                "tolerance",
                (str(self.amount), self.share),
                "give an amount or a share, not both",
                "Pass either amount= or share=.",
            )

    def allowance(self, limit: Money) -> Money:
        """Return the tolerated amount above ``limit``; a share rounds down."""
        if self.amount is not None:
            return self.amount
        return limit.multiply(self.share, Rounding.DOWN)


@attrs.frozen
class UnderwritingRecord:
    """The underwriting decision behind an account's limit, kept with the account for audit.

    The model's name, version and content hash and the policy's version reproduce the
    decision; ``limit_state`` is the decision's limit state (``limited``,
    ``prepay_only``, ``not_underwritten``).
    """

    application_id: str
    outcome: str
    limit_state: str
    model_name: str
    model_version: str
    model_hash: str
    policy_version: str


@attrs.frozen
class CreditProfile:
    """The buyer data that eligibility rules use, supplied by the host and underwriting.

    ``underwriting`` is the decision the limit and PD came from, when they came from one.
    ``max_terms_days`` and ``deposit_share`` are a counter-offer's terms: credit products
    whose last due date lies more than ``max_terms_days`` after the order are
    unavailable (None means no maximum), and ``deposit_share`` of each trade-credit or
    instalment order is paid now instead of reserving credit.
    """

    country: str | None = None
    buyer_status: BuyerStatus = BuyerStatus.ACTIVE
    outcome: UnderwritingOutcome = UnderwritingOutcome.APPROVED
    probability_of_default: Decimal | None = None
    underwriting: UnderwritingRecord | None = None
    max_terms_days: int | None = None
    deposit_share: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if self.max_terms_days is not None and (isinstance(self.max_terms_days, bool) or self.max_terms_days < 0):
            raise InvalidInputError(
                "max_terms_days", self.max_terms_days, "must be a whole number of days, 0 or more", "Pass 15 or None."
            )
        if not Decimal(0) <= self.deposit_share < Decimal(1):
            raise InvalidInputError(
                "deposit_share",
                str(self.deposit_share),
                "must be at least 0 and below 1",
                "Pass Decimal('0.2') for a 20 % deposit on each order.",
            )


@attrs.frozen
class Hold:
    """A hold on an account; ``note`` is an analyst's text and must not carry personal data."""

    reason: HoldReason
    note: str
    placed_at: datetime


@attrs.frozen
class Account:
    """A buyer's credit account.

    ``reserved``, ``receivable`` and ``unapplied`` are the balances of the RESERVED,
    RECEIVABLE and UNAPPLIED books. Only postings change them, and the invariants check
    them against the authorizations, invoices and entries they summarise.
    """

    account_id: str
    buyer_id: str
    currency: str
    limit: Money
    tolerance: OverLimitTolerance
    hold_after_days_overdue: int | None
    profile: CreditProfile
    status: AccountStatus
    holds: tuple[Hold, ...]
    reserved: Money
    receivable: Money
    unapplied: Money
    opened_at: datetime
    revision: int = 0


@attrs.frozen
class FxLock:
    """An exchange rate locked at authorization: one unit of ``order_currency`` is ``rate`` units of the account's."""

    order_currency: str
    account_currency: str
    rate: Decimal
    source: str
    quoted_at: datetime
    locked_at: datetime

    def convert(self, amount: Money) -> Money:
        """Convert an order-currency amount to the account currency, rounding half to even."""
        return Money(amount.amount * self.rate, self.account_currency, rounding=Rounding.HALF_EVEN)


@attrs.frozen
class Authorization:
    """A reservation of credit for one order.

    ``amount``, ``fee``, ``captured`` and ``captured_fee`` are in the order currency.
    ``reserved`` is in the account currency and equals
    ``convert(amount) + convert(fee) - convert(captured) - convert(captured_fee)`` while
    the authorization is active, and zero afterwards. Converting cumulative totals, not
    each capture on its own, makes the captured parts add up to the converted whole.
    ``deposit`` is the part of the order the buyer pays now under a counter-offer's
    deposit share; ``amount`` is then the rest, the part on credit. None means no deposit.
    """

    authorization_id: str
    account_id: str
    order_id: str
    product: Product
    amount: Money
    fee: Money
    captured: Money
    captured_fee: Money
    fx: FxLock | None
    reserved: Money
    status: AuthorizationStatus
    probability_of_default: Decimal | None
    expires_at: datetime
    created_at: datetime
    invoice_ids: tuple[str, ...] = ()
    deposit: Money | None = None

    @property
    def order_amount(self) -> Money:
        """The whole order: the amount on credit plus the deposit."""
        return self.amount if self.deposit is None else self.amount + self.deposit

    @property
    def remaining(self) -> Money:
        """The order amount not yet captured."""
        return self.amount - self.captured

    def to_account(self, amount: Money) -> Money:
        """Convert an order-currency amount at the locked rate (unchanged without FX)."""
        return amount if self.fx is None else self.fx.convert(amount)


@attrs.frozen
class Invoice:
    """The invoice a capture creates, in the account currency.

    Conservation: ``principal + fees_charged + interest_charged`` equals ``paid +
    discounted + credited + written_off + outstanding``, where ``outstanding`` is the sum
    of the three ``*_due`` components. ``credited`` is the part of credit notes applied
    to the balance, cancelled interest included; ``refunded`` is their principal, never
    above ``principal``. ``interest_cancelled`` is the interest that refunds took off
    later instalments (None until a refund cancels some).
    """

    invoice_id: str
    account_id: str
    authorization_id: str
    order_id: str
    product_id: str
    terms_code: str
    order_amount: Money
    principal: Money
    fees_charged: Money
    interest_charged: Money
    principal_due: Money
    fees_due: Money
    interest_due: Money
    paid: Money
    discounted: Money
    credited: Money
    written_off: Money
    refunded: Money
    merchant_fee: Money
    issued_on: date
    schedule: tuple[ScheduledPayment, ...]
    discount: EarlyPaymentDiscount | None
    late_fee: LateFeePolicy | None
    late_fee_charged: bool
    dunning_level: int
    overdue_notified: bool
    due_notified_on: date | None
    status: InvoiceStatus
    interest_cancelled: Money | None = None

    @property
    def outstanding(self) -> Money:
        """The open balance: fees, interest and principal still due."""
        return self.principal_due + self.fees_due + self.interest_due

    @property
    def receivable(self) -> Money:
        """The open balance that counts towards exposure: principal and fees, not interest."""
        return self.principal_due + self.fees_due

    @property
    def cancelled_interest(self) -> Money:
        """The interest that refunds cancelled, zero when none."""
        return Money.zero(self.principal.currency) if self.interest_cancelled is None else self.interest_cancelled

    @property
    def due_date(self) -> date:
        """The date the last scheduled part falls due."""
        return self.schedule[-1].due_date

    def component_due(self, component: Component) -> Money:
        """Return the outstanding amount of one component."""
        if component is Component.FEES:
            return self.fees_due
        if component is Component.INTEREST:
            return self.interest_due
        return self.principal_due

    def open_parts(self) -> tuple[ScheduledPayment, ...]:
        """Return the unsettled amount of each scheduled part, summing to ``outstanding``.

        Settlements count against the schedule in date order. Late fees and interest
        charged after issue are not in the schedule; while unpaid they count with the
        earliest unsettled part.
        """
        if self.status is not InvoiceStatus.OPEN:
            return ()
        currency = self.principal.currency
        scheduled_total = Money.sum((part.amount for part in self.schedule), currency)
        settled = scheduled_total - min(scheduled_total, self.outstanding)
        extra = self.outstanding - min(scheduled_total, self.outstanding)
        parts: list[ScheduledPayment] = []
        for part in self.schedule:
            covered = min(part.amount, settled)
            settled = settled - covered
            unsettled = part.amount - covered
            if unsettled.is_positive():
                parts.append(ScheduledPayment(part.due_date, unsettled))
        if extra.is_positive():
            if parts:
                parts[0] = ScheduledPayment(parts[0].due_date, parts[0].amount + extra)
            else:
                parts.append(ScheduledPayment(self.schedule[-1].due_date, extra))
        return tuple(parts)

    def oldest_unpaid_due_date(self) -> date | None:
        """Return the due date of the earliest scheduled part not yet fully settled."""
        parts = self.open_parts()
        return parts[0].due_date if parts else None

    def days_past_due(self, as_of: date) -> int:
        """Return the days since the oldest unpaid part fell due; 0 when none is late."""
        if as_of <= self.schedule[0].due_date or self.status is not InvoiceStatus.OPEN:
            return 0
        oldest = self.oldest_unpaid_due_date()
        if oldest is None:
            return 0
        return max(0, (as_of - oldest).days)


@attrs.frozen
class Allocation:
    """The part of a payment applied to one component of one invoice, with its discount."""

    invoice_id: str
    component: Component
    amount: Money
    discount: Money


@attrs.frozen
class Payment:
    """Money received (or credit balance applied) and where it went.

    ``sum(allocation.amount) + unapplied == amount`` always holds.
    """

    payment_id: str
    account_id: str
    source: PaymentSource
    amount: Money
    received_on: date
    allocations: tuple[Allocation, ...]
    unapplied: Money
    recorded_at: datetime


@attrs.frozen
class CreditNote:
    """A refund of ``amount`` of principal against an invoice.

    On an interest-bearing instalment invoice the note also cancels
    ``interest_cancelled``, the interest of later instalments on the refunded principal.
    ``interest_returned`` is the part of it the buyer had already paid. ``applied`` is
    what reduced the invoice's balance and ``to_unapplied`` what went to the buyer's
    credit because it was already paid. Together they equal ``amount`` plus the
    cancelled interest. Both interest fields are None when nothing was cancelled.
    """

    credit_note_id: str
    account_id: str
    invoice_id: str
    amount: Money
    applied: Money
    to_unapplied: Money
    reason: str
    issued_at: datetime
    interest_cancelled: Money | None = None
    interest_returned: Money | None = None


@attrs.frozen
class Entry:
    """One posting of an operation to a book; an operation's entries sum to zero."""

    operation_id: str
    account_id: str
    book: Book
    amount: Money
    posted_at: datetime


@attrs.frozen
class DomainEvent:
    """A fact for the host's webhooks, written to the outbox with the state change."""

    event_id: str
    event_type: str
    account_id: str
    occurred_at: datetime
    payload: dict[str, str]


@attrs.frozen
class IdempotencyRecord:
    """The first result of a state-changing call, kept so that a retry returns it."""

    key: str
    operation: str
    fingerprint: str
    result: str
    created_at: datetime
