"""The credit lifecycle on a Store: one transaction and one idempotency record per call.

Every state-changing method takes an idempotency key. The first call with a key runs
and stores its result in the same transaction as its effects. A retry with the same key
and the same request returns that stored result without running again. The same key with
a different request raises :class:`~b2bcredit.core.errors.ConflictError`. A call that
raises stores nothing, so it can be retried with the same key after a fix.

Each call first releases the reservations of the account's expired authorizations,
posting their release in the same transaction, so exposure never counts an expired
reservation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

import attrs
import orjson

from b2bcredit.core.clock import Clock, resolve_time_zone
from b2bcredit.core.errors import (
    ConflictError,
    InvalidInputError,
    InvalidStateError,
)
from b2bcredit.core.money import Money, Rounding
from b2bcredit.ledger.allocation import AllocationPolicy, allocate_payment
from b2bcredit.ledger.exposure import available_credit, buyer_position, exposure
from b2bcredit.ledger.fx import FxProvider, NoFxProvider
from b2bcredit.ledger.model import (
    Account,
    AccountStatus,
    Authorization,
    AuthorizationStatus,
    Book,
    Component,
    CreditNote,
    CreditProfile,
    FxLock,
    Hold,
    HoldReason,
    IdempotencyRecord,
    Invoice,
    InvoiceStatus,
    OverLimitTolerance,
    Payment,
    PaymentSource,
)
from b2bcredit.ledger.operation import Operation
from b2bcredit.ledger.reports import AccountSnapshot, AgingReport, InvoiceLine, Statement, aging
from b2bcredit.ledger.results import (
    AuthorizationResult,
    CaptureResult,
    CollectionsResult,
    DunningNotice,
    LateFeeCharge,
)
from b2bcredit.ledger.validation import (
    require_active,
    require_credit_product,
    require_currency,
    require_date,
    require_days,
    require_found,
    require_money,
    require_positive,
    require_text,
)
from b2bcredit.products.catalogue import DunningLevel, Product
from b2bcredit.products.eligibility import (
    BuyerPosition,
    Finding,
    HintAction,
    ReasonCode,
    ResolutionHint,
    assess,
    order_deposit,
)
from b2bcredit.products.terms import PaymentTerms, ScheduledPayment, TermsSpec
from b2bcredit.products.terms_adapter import build_terms, repayment_schedule
from b2bcredit.storage.base import Store, StoreTransaction
from b2bcredit.storage.codec import decode, dumps, encode, from_json
from b2bcredit.terms.rounding import round_fraction

__all__ = ["DEFAULT_AUTHORIZATION_TTL", "Ledger"]

_log = logging.getLogger("b2bcredit.ledger")

T = TypeVar("T")

# Card schemes hold authorizations for about a week; a B2B order usually ships within it.
DEFAULT_AUTHORIZATION_TTL = timedelta(days=7)


# Ids must be unique, not secret, so a generator seeded from the operating system's
# entropy replaces a system call per id. A forked child reseeds, so that parent and child
# never draw the same sequence.
_id_random = random.Random()
os.register_at_fork(after_in_child=_id_random.seed)


def _new_id(prefix: str) -> str:
    # Time first, then randomness: ids sort by creation, so each insert lands at the end
    # of the table's B-tree instead of on a random page, which keeps SQLite commits small.
    return f"{prefix}_{time.time_ns():016x}{_id_random.getrandbits(64):016x}"


class Ledger:
    """Accounts, authorizations, invoices, payments and collections on a Store.

    Args:
        store: where state lives; every call is one transaction on it.
        clock: the source of ``now``; must return aware datetimes.
        fx: exchange rates for orders in another currency than the account's.
        terms_factory: turns a product's terms into :class:`PaymentTerms`.
        dunning: the collections levels, from the catalogue.
        allocation: the order in which payments settle invoice components.
        authorization_ttl: how long a reservation lasts when a call gives no expiry.
        timezone: the tenant's time zone (an IANA name or tzinfo), which decides today's date.
        new_id: makes record ids from a prefix; random UUIDs by default.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        fx: FxProvider | None = None,
        terms_factory: Callable[[TermsSpec], PaymentTerms] = build_terms,
        dunning: tuple[DunningLevel, ...] = (),
        allocation: AllocationPolicy | None = None,
        authorization_ttl: timedelta = DEFAULT_AUTHORIZATION_TTL,
        timezone: str | tzinfo = UTC,
        new_id: Callable[[str], str] = _new_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.fx: FxProvider = NoFxProvider() if fx is None else fx
        self.terms_factory = terms_factory
        self.dunning = dunning
        self.allocation = AllocationPolicy() if allocation is None else allocation
        self.authorization_ttl = authorization_ttl
        self.timezone = resolve_time_zone(timezone)
        self.new_id = new_id

    # The transaction and idempotency frame ------------------------------------------------

    def _now(self) -> datetime:
        now = self.clock.now()
        if now.tzinfo is None or now.utcoffset() is None:
            raise InvalidStateError(f"clock returned a naive datetime {now!r}; clocks must return aware datetimes")
        return now

    def _run(
        self,
        operation: str,
        key: str,
        request: dict[str, Any],
        result_type: type[T],
        body: Callable[[Operation], T],
    ) -> T:
        if not isinstance(key, str) or not key.strip():
            raise InvalidInputError(
                "idempotency_key",
                key,
                "must be a non-empty string",
                "Pass a key that is unique per intended change, such as the order id and step.",
            )
        content = {"operation": operation, "request": encode(request)}
        fingerprint = _fingerprint(content)
        with self.store.transaction() as tx:
            record = tx.get_idempotency(key)
            if record is not None:
                if record.fingerprint != fingerprint and record.fingerprint != _fingerprint_before_v5(content):
                    _log.info("idempotency key %s reused by %s with a different request", key, operation)
                    raise ConflictError(
                        f"idempotency_key: {key!r} was first used for a different {record.operation} "
                        "request. Use a new key for a new change, or resend the original request."
                    )
                _log.debug("replayed %s for idempotency key %s", operation, key)
                return decode(result_type, _resolve_products(from_json(record.result), tx))
            op = Operation(tx, self._now(), self.timezone, self.new_id("op"), self.new_id)
            result = body(op)
            op.flush()
            # The stored result names each authorization's product by digest; a replay takes
            # the product from the authorization, whose product never changes.
            stored = dumps(result, products_as_digests=True)
            tx.put_idempotency(IdempotencyRecord(key, operation, fingerprint, stored, op.now))
        return result

    # Accounts -------------------------------------------------------------------------------

    def open_account(
        self,
        key: str,
        buyer_id: str,
        limit: Money,
        *,
        profile: CreditProfile | None = None,
        tolerance: OverLimitTolerance | None = None,
        hold_after_days_overdue: int | None = None,
        account_id: str | None = None,
    ) -> Account:
        """Open a credit account in ``limit``'s currency; a limit of zero means prepay only."""
        require_money(limit, "limit")
        if limit.is_negative():
            raise InvalidInputError("limit", str(limit), "must not be negative", "Pass 0 for no credit, or more.")
        require_text(buyer_id, "buyer_id")
        require_days(hold_after_days_overdue, "hold_after_days_overdue")
        profile = CreditProfile() if profile is None else profile
        tolerance = OverLimitTolerance() if tolerance is None else tolerance
        if tolerance.amount is not None and tolerance.amount.currency != limit.currency:
            raise InvalidInputError(
                "tolerance.amount",
                str(tolerance.amount),
                f"must be in the limit's currency {limit.currency.code}",
                "Give the tolerance in the account's currency.",
            )
        request = {
            "buyer_id": buyer_id,
            "limit": limit,
            "profile": profile,
            "tolerance": tolerance,
            "hold_after_days_overdue": hold_after_days_overdue,
            "account_id": account_id,
        }

        def body(op: Operation) -> Account:
            if op.tx.find_account(buyer_id) is not None:
                raise ConflictError(f"buyer_id: buyer {buyer_id!r} already has a credit account. Use set_limit.")
            zero = Money.zero(limit.currency)
            account = Account(
                account_id=account_id or self.new_id("acct"),
                buyer_id=buyer_id,
                currency=limit.currency.code,
                limit=limit,
                tolerance=tolerance,
                hold_after_days_overdue=hold_after_days_overdue,
                profile=profile,
                status=AccountStatus.OPEN,
                holds=(),
                reserved=zero,
                receivable=zero,
                unapplied=zero,
                opened_at=op.now,
            )
            op.tx.put_account(account)
            op.emit("account.opened", account.account_id, limit=str(limit))
            _log.info("opened account %s with limit %s", account.account_id, limit)
            return account

        return self._run("open_account", key, request, Account, body)

    def set_limit(
        self,
        key: str,
        account_id: str,
        limit: Money,
        *,
        profile: CreditProfile | None = None,
        tolerance: OverLimitTolerance | None = None,
    ) -> Account:
        """Change the credit limit (and optionally the profile and tolerance).

        Lowering the limit below exposure is allowed: existing reservations and invoices
        stay, available credit turns negative and new authorizations are declined.
        """
        require_money(limit, "limit")
        if limit.is_negative():
            raise InvalidInputError("limit", str(limit), "must not be negative", "Pass 0 for no credit, or more.")
        request = {
            "account_id": account_id,
            "limit": limit,
            "profile": profile,
            "tolerance": tolerance,
        }

        def body(op: Operation) -> Account:
            account = op.account(account_id)
            require_currency(limit, account.currency, "limit")
            changed = attrs.evolve(
                account,
                limit=limit,
                profile=account.profile if profile is None else profile,
                tolerance=account.tolerance if tolerance is None else tolerance,
            )
            op.update(changed)
            op.emit("account.limit_changed", account_id, previous=str(account.limit), limit=str(limit))
            _log.info("account %s limit changed from %s to %s", account_id, account.limit, limit)
            return op.account(account_id)

        return self._run("set_limit", key, request, Account, body)

    def place_hold(self, key: str, account_id: str, note: str = "") -> Account:
        """Put the account on a manual hold: new authorizations are declined until released."""
        request = {"account_id": account_id, "note": note}

        def body(op: Operation) -> Account:
            account = op.account(account_id)
            if any(hold.reason is HoldReason.MANUAL for hold in account.holds):
                return account
            op.update(attrs.evolve(account, holds=(*account.holds, Hold(HoldReason.MANUAL, note, op.now))))
            op.emit("account.hold_placed", account_id, reason=HoldReason.MANUAL.value)
            _log.info("account %s placed on manual hold", account_id)
            return op.account(account_id)

        return self._run("place_hold", key, request, Account, body)

    def release_hold(self, key: str, account_id: str, reason: HoldReason = HoldReason.MANUAL) -> Account:
        """Release the account's holds of ``reason``."""
        request = {"account_id": account_id, "reason": reason}

        def body(op: Operation) -> Account:
            account = op.account(account_id)
            kept = tuple(hold for hold in account.holds if hold.reason is not reason)
            if kept != account.holds:
                op.update(attrs.evolve(account, holds=kept))
                op.emit("account.hold_released", account_id, reason=reason.value)
                _log.info("account %s released from %s hold", account_id, reason.value)
            return op.account(account_id)

        return self._run("release_hold", key, request, Account, body)

    def close_account(self, key: str, account_id: str) -> Account:
        """Close the account to new authorizations; open invoices keep collecting."""

        def body(op: Operation) -> Account:
            account = op.account(account_id)
            if account.status is not AccountStatus.CLOSED:
                op.update(attrs.evolve(account, status=AccountStatus.CLOSED))
                op.emit("account.closed", account_id)
                _log.info("account %s closed", account_id)
            return op.account(account_id)

        return self._run("close_account", key, {"account_id": account_id}, Account, body)

    # Authorizations ---------------------------------------------------------------------------

    def authorize(
        self,
        key: str,
        account_id: str,
        order_id: str,
        product: Product,
        amount: Money,
        *,
        expires_at: datetime | None = None,
    ) -> AuthorizationResult:
        """Check and reserve credit for an order in one transaction.

        The reservation is the order amount plus the product's buyer fee, converted at a
        rate locked now when the order is in another currency. A decline is a result with
        a reason code, not an exception.
        """
        require_credit_product(product)
        require_money(amount, "amount")
        require_positive(amount, "amount")
        require_text(order_id, "order_id")
        request = {
            "account_id": account_id,
            "order_id": order_id,
            "product": _product_request(product),
            "amount": amount,
            "expires_at": expires_at,
        }

        def body(op: Operation) -> AuthorizationResult:
            account = op.account(account_id)
            return self._reserve(op, account, order_id, product, amount, expires_at, existing=None)

        return self._run("authorize", key, request, AuthorizationResult, body)

    def _reserve(
        self,
        op: Operation,
        account: Account,
        order_id: str,
        product: Product,
        amount: Money,
        expires_at: datetime | None,
        existing: Authorization | None,
    ) -> AuthorizationResult:
        # A counter-offer's deposit is paid now, so only the rest of the order takes credit.
        order_amount = amount
        deposit = order_deposit(product, account.profile.deposit_share, order_amount)
        if deposit is not None:
            amount = order_amount - deposit

        # Lock the rate first: without one the order cannot be compared with the limit.
        probability = account.profile.probability_of_default
        fee = product.pricing.buyer_fee(amount, probability)
        lock: FxLock | None = None
        credit_needed: Money | None = amount + fee
        if amount.currency.code != account.currency:
            quote = self.fx.quote(amount.currency.code, account.currency, op.now)
            if quote is None:
                credit_needed = None
            else:
                lock = FxLock(
                    amount.currency.code,
                    account.currency,
                    quote.rate,
                    quote.source,
                    quote.as_of,
                    op.now,
                )
                credit_needed = lock.convert(amount) + lock.convert(fee)

        # One eligibility function for checkout and authorization, then the reservation.
        finding = assess(
            product,
            self._position(op, account),
            order_amount,
            credit_needed=credit_needed,
            rate=None if lock is None else lock.rate,
        )
        if finding is not None or credit_needed is None:
            reason = finding.reason if finding is not None else None
            op.emit(
                "authorization.declined",
                account.account_id,
                order_id=order_id,
                amount=str(order_amount),
                reason="" if reason is None else reason.value,
            )
            _log.info(
                "declined %s on account %s: %s",
                order_id,
                account.account_id,
                None if reason is None else reason.value,
            )
            return AuthorizationResult(
                False,
                existing,
                available_credit(account),
                reason,
                None if finding is None else finding.hint,
            )

        expiry = op.now + self.authorization_ttl if expires_at is None else expires_at
        if expiry <= op.now:
            raise InvalidInputError(
                "expires_at",
                expiry.isoformat(),
                "must be in the future",
                "Pass a later expiry, or none for the default.",
            )
        zero_order = Money.zero(amount.currency)
        authorization = Authorization(
            authorization_id=self.new_id("auth") if existing is None else existing.authorization_id,
            account_id=account.account_id,
            order_id=order_id,
            product=product,
            amount=amount,
            fee=fee,
            captured=zero_order,
            captured_fee=zero_order,
            fx=lock,
            reserved=credit_needed,
            status=AuthorizationStatus.AUTHORIZED,
            probability_of_default=probability,
            expires_at=expiry,
            created_at=op.now if existing is None else existing.created_at,
            deposit=deposit,
        )
        account = op.post(account, (Book.RESERVED, credit_needed), (Book.FACILITY, -credit_needed))
        op.tx.put_authorization(authorization)
        op.emit(
            "authorization.approved" if existing is None else "authorization.reopened",
            account.account_id,
            authorization_id=authorization.authorization_id,
            order_id=order_id,
            amount=str(amount),
            reserved=str(credit_needed),
            expires_at=expiry.isoformat(),
            **({} if lock is None else {"fx_rate": str(lock.rate), "fx_source": lock.source}),
            **({} if deposit is None else {"deposit": str(deposit)}),
        )
        _log.info(
            "authorized %s on account %s: reserved %s",
            authorization.authorization_id,
            account.account_id,
            credit_needed,
        )
        return AuthorizationResult(True, authorization, available_credit(account))

    def change_amount(self, key: str, authorization_id: str, amount: Money) -> AuthorizationResult:
        """Change the amount of an active authorization before (or between) captures.

        A decrease releases credit at once. An increase is checked like a new order and
        declined, leaving the authorization unchanged, when the extra does not fit.
        """
        require_money(amount, "amount")
        require_positive(amount, "amount")
        request = {"authorization_id": authorization_id, "amount": amount}

        def body(op: Operation) -> AuthorizationResult:
            authorization, account = op.authorization(authorization_id)
            require_active(authorization)
            require_currency(amount, authorization.amount.currency.code, "amount")
            if amount < authorization.captured:
                raise InvalidInputError(
                    "amount",
                    str(amount),
                    f"is below the {authorization.captured} already captured",
                    "Pass at least the captured amount; refund captured goods with a credit note.",
                )
            fee = authorization.product.pricing.buyer_fee(amount, authorization.probability_of_default)
            reserved = (
                authorization.to_account(amount)
                + authorization.to_account(fee)
                - authorization.to_account(authorization.captured)
                - authorization.to_account(authorization.captured_fee)
            )
            delta = reserved - authorization.reserved
            if delta.is_positive():
                finding = (
                    _deposit_finding(amount - authorization.amount)
                    if authorization.deposit is not None and amount > authorization.amount
                    else assess(
                        authorization.product,
                        self._position(op, account),
                        amount,
                        credit_needed=delta,
                        rate=None if authorization.fx is None else authorization.fx.rate,
                    )
                )
                if finding is not None:
                    op.emit(
                        "authorization.change_declined",
                        account.account_id,
                        authorization_id=authorization_id,
                        amount=str(amount),
                        reason=finding.reason.value,
                    )
                    _log.info("declined increase of %s: %s", authorization_id, finding.reason.value)
                    return AuthorizationResult(
                        False,
                        authorization,
                        available_credit(account),
                        finding.reason,
                        finding.hint,
                    )
            status = AuthorizationStatus.CAPTURED if amount == authorization.captured else authorization.status
            changed = attrs.evolve(authorization, amount=amount, fee=fee, reserved=reserved, status=status)
            account = op.post(account, (Book.RESERVED, delta), (Book.FACILITY, -delta))
            op.tx.put_authorization(changed)
            op.emit(
                "authorization.amount_changed",
                account.account_id,
                authorization_id=authorization_id,
                previous=str(authorization.amount),
                amount=str(amount),
                reserved=str(reserved),
            )
            _log.info("authorization %s amount changed to %s", authorization_id, amount)
            return AuthorizationResult(True, changed, available_credit(account))

        return self._run("change_amount", key, request, AuthorizationResult, body)

    def capture(
        self,
        key: str,
        authorization_id: str,
        amount: Money | None = None,
        *,
        shipped_on: date | None = None,
    ) -> CaptureResult:
        """Capture part or all of an authorization and issue its invoice.

        ``amount`` defaults to everything not yet captured; it never exceeds that. The
        invoice's due dates come from the product's terms anchored at ``shipped_on``
        (today by default), and its buyer fee is the fee on the captured total so far
        minus the fee already invoiced.
        """
        if amount is not None:
            require_money(amount, "amount")
            require_positive(amount, "amount")
        require_date(shipped_on, "shipped_on", optional=True)
        request = {"authorization_id": authorization_id, "amount": amount, "shipped_on": shipped_on}

        def body(op: Operation) -> CaptureResult:
            authorization, account = op.authorization(authorization_id)
            require_active(authorization)
            to_capture = authorization.remaining if amount is None else amount
            require_currency(to_capture, authorization.amount.currency.code, "amount")
            if to_capture > authorization.remaining:
                raise InvalidInputError(
                    "amount",
                    str(to_capture),
                    f"exceeds the {authorization.remaining} not yet captured",
                    "Capture at most the remaining amount, or increase it with change_amount first.",
                )

            # Convert cumulative totals so that the captured parts add up to the whole.
            captured = authorization.captured + to_capture
            captured_fee = authorization.product.pricing.buyer_fee(captured, authorization.probability_of_default)
            captured_fee = min(captured_fee, authorization.fee)
            convert = authorization.to_account
            principal = convert(captured) - convert(authorization.captured)
            fee = convert(captured_fee) - convert(authorization.captured_fee)
            released = principal + fee
            finished = captured == authorization.amount
            changed = attrs.evolve(
                authorization,
                captured=captured,
                captured_fee=captured_fee,
                reserved=authorization.reserved - released,
                status=AuthorizationStatus.CAPTURED if finished else AuthorizationStatus.PARTIALLY_CAPTURED,
            )
            invoice = self._issue_invoice(op, changed, to_capture, principal, fee, shipped_on or op.today)
            changed = attrs.evolve(changed, invoice_ids=(*changed.invoice_ids, invoice.invoice_id))

            interest = invoice.interest_charged
            account = op.post(
                account,
                (Book.RESERVED, -released),
                (Book.FACILITY, released),
                (Book.RECEIVABLE, principal + fee),
                (Book.SALES, -principal),
                (Book.FEE_INCOME, -fee),
                (Book.INTEREST_RECEIVABLE, interest),
                (Book.UNEARNED_INTEREST, -interest),
            )
            op.tx.put_authorization(changed)
            op.tx.put_invoice(invoice)
            op.emit(
                "authorization.captured",
                account.account_id,
                authorization_id=authorization_id,
                invoice_id=invoice.invoice_id,
                amount=str(to_capture),
                remaining=str(changed.remaining),
            )
            op.emit(
                "invoice.issued",
                account.account_id,
                invoice_id=invoice.invoice_id,
                total=str(principal + fee + interest),
                due_date=invoice.due_date.isoformat(),
                terms=invoice.terms_code,
                **({"interest": str(interest)} if interest.is_positive() else {}),
            )
            _log.info(
                "captured %s of %s into invoice %s",
                to_capture,
                authorization_id,
                invoice.invoice_id,
            )
            return CaptureResult(changed, invoice)

        return self._run("capture", key, request, CaptureResult, body)

    def _issue_invoice(
        self,
        op: Operation,
        authorization: Authorization,
        order_amount: Money,
        principal: Money,
        fee: Money,
        anchor: date,
    ) -> Invoice:
        product = authorization.product
        terms = self.terms_factory(product.terms)
        schedule = repayment_schedule(terms, product.terms, principal, fee, anchor)
        zero = Money.zero(principal.currency)
        interest = Money.sum((part.interest for part in schedule if part.interest is not None), principal.currency)
        total = principal + fee + interest
        return Invoice(
            invoice_id=self.new_id("inv"),
            account_id=authorization.account_id,
            authorization_id=authorization.authorization_id,
            order_id=authorization.order_id,
            product_id=product.product_id,
            terms_code=terms.code,
            order_amount=order_amount,
            principal=principal,
            fees_charged=fee,
            interest_charged=interest,
            principal_due=principal,
            fees_due=fee,
            interest_due=interest,
            paid=zero,
            discounted=zero,
            credited=zero,
            written_off=zero,
            refunded=zero,
            merchant_fee=product.pricing.merchant_fee(principal),
            issued_on=anchor,
            schedule=schedule,
            discount=terms.discount(anchor),
            late_fee=product.late_fee,
            late_fee_charged=False,
            dunning_level=0,
            overdue_notified=False,
            due_notified_on=None,
            status=InvoiceStatus.OPEN if total.is_positive() else InvoiceStatus.PAID,
        )

    def void(self, key: str, authorization_id: str) -> Authorization:
        """Release the uncaptured remainder of an authorization; its invoices stay."""
        return self._release(key, "void", authorization_id, AuthorizationStatus.VOIDED)

    def cancel(self, key: str, authorization_id: str) -> Authorization:
        """Cancel an order before any capture, releasing its whole reservation.

        A cancelled authorization can be reopened with :meth:`reopen`, which checks the
        limit again. An order with captures is voided instead.
        """
        return self._release(key, "cancel", authorization_id, AuthorizationStatus.CANCELLED)

    def _release(self, key: str, operation: str, authorization_id: str, status: AuthorizationStatus) -> Authorization:
        def body(op: Operation) -> Authorization:
            authorization, account = op.authorization(authorization_id)
            require_active(authorization)
            if status is AuthorizationStatus.CANCELLED and authorization.captured.is_positive():
                raise InvalidStateError(
                    f"authorization {authorization_id} has captures of {authorization.captured}; "
                    "void the remainder instead of cancelling"
                )
            released = authorization.reserved
            changed = attrs.evolve(authorization, reserved=Money.zero(account.currency), status=status)
            op.post(account, (Book.RESERVED, -released), (Book.FACILITY, released))
            op.tx.put_authorization(changed)
            op.emit(
                f"authorization.{status.value}",
                account.account_id,
                authorization_id=authorization_id,
                released=str(released),
            )
            _log.info("%s %s: released %s", status.value, authorization_id, released)
            return changed

        return self._run(operation, key, {"authorization_id": authorization_id}, Authorization, body)

    def reopen(self, key: str, authorization_id: str, *, expires_at: datetime | None = None) -> AuthorizationResult:
        """Reopen a cancelled (or expired, never captured) order: a new check against the limit.

        The rate is locked again and the buyer fee recomputed, as for a new order.
        """
        request = {"authorization_id": authorization_id, "expires_at": expires_at}

        def body(op: Operation) -> AuthorizationResult:
            authorization, account = op.authorization(authorization_id)
            reopenable = authorization.status is AuthorizationStatus.CANCELLED or (
                authorization.status in (AuthorizationStatus.EXPIRED, AuthorizationStatus.VOIDED)
                and authorization.captured.is_zero()
            )
            if not reopenable:
                raise InvalidStateError(
                    f"authorization {authorization_id} is {authorization.status.value}; only a cancelled "
                    "order, or an expired or voided one without captures, can be reopened"
                )
            # The deposit is recomputed from the whole order with the account's terms today.
            return self._reserve(
                op,
                account,
                authorization.order_id,
                authorization.product,
                authorization.order_amount,
                expires_at,
                existing=authorization,
            )

        return self._run("reopen", key, request, AuthorizationResult, body)

    def expire_authorizations(self, account_id: str) -> int:
        """Release the reservations of the account's expired authorizations and return how many.

        Every other call on the account does this first. Hosts can also run it on a
        schedule so that reads never have to. A second run finds nothing left to
        release, so it takes no idempotency key.
        """
        with self.store.transaction() as tx:
            op = Operation(tx, self._now(), self.timezone, self.new_id("op"), self.new_id)
            op.account(account_id)
            op.flush()
            return op.expired

    # Invoices -------------------------------------------------------------------------------

    def refund(self, key: str, invoice_id: str, amount: Money, reason: str = "refund") -> CreditNote:
        """Issue a credit note on an invoice, restoring exactly ``amount`` of credit while it is open.

        The note reduces the invoice's principal still due; any part above that (the
        invoice was already paid) becomes unapplied credit for the buyer. Refunds on an
        invoice never exceed its principal.

        On an interest-bearing instalment invoice the note also cancels interest of the
        instalments due after today, in the share by which it lowers the principal still
        due: refunding all of that principal cancels all their interest. Interest the
        buyer already paid and no longer owes becomes unapplied credit. Instalments
        already due keep their interest, because the buyer had the credit for them.
        """
        require_money(amount, "amount")
        require_positive(amount, "amount")
        request = {"invoice_id": invoice_id, "amount": amount, "reason": reason}

        def body(op: Operation) -> CreditNote:
            invoice, account = op.invoice(invoice_id)
            require_currency(amount, account.currency, "amount")
            if invoice.status is InvoiceStatus.WRITTEN_OFF:
                raise InvalidStateError(f"invoice {invoice_id} is written off; a refund cannot apply to it")
            refundable = invoice.principal - invoice.refunded
            if amount > refundable:
                raise InvalidInputError(
                    "amount",
                    str(amount),
                    f"exceeds the {refundable} of principal not yet refunded",
                    f"Refund at most {refundable} on invoice {invoice_id}.",
                )
            applied = min(amount, invoice.principal_due)
            to_unapplied = amount - applied
            schedule, cancelled = _cancel_interest(invoice, applied, op.today)
            interest_applied = min(cancelled, invoice.interest_due)
            interest_to_unapplied = cancelled - interest_applied
            changed = attrs.evolve(
                invoice,
                principal_due=invoice.principal_due - applied,
                interest_due=invoice.interest_due - interest_applied,
                credited=invoice.credited + applied + interest_applied,
                refunded=invoice.refunded + amount,
                schedule=schedule,
                interest_cancelled=invoice.cancelled_interest + cancelled
                if cancelled.is_positive()
                else invoice.interest_cancelled,
            )
            if changed.status is InvoiceStatus.OPEN and changed.outstanding.is_zero():
                changed = attrs.evolve(changed, status=InvoiceStatus.PAID)
            note = CreditNote(
                self.new_id("cn"),
                account.account_id,
                invoice_id,
                amount,
                applied + interest_applied,
                to_unapplied + interest_to_unapplied,
                reason,
                op.now,
                interest_cancelled=cancelled if cancelled.is_positive() else None,
                interest_returned=interest_to_unapplied if cancelled.is_positive() else None,
            )
            # Unpaid cancelled interest was never earned, while paid interest leaves income.
            op.post(
                account,
                (Book.SALES, amount),
                (Book.RECEIVABLE, -applied),
                (Book.UNAPPLIED, -(to_unapplied + interest_to_unapplied)),
                (Book.INTEREST_RECEIVABLE, -interest_applied),
                (Book.UNEARNED_INTEREST, interest_applied),
                (Book.INTEREST_INCOME, interest_to_unapplied),
            )
            op.tx.put_invoice(changed)
            op.tx.put_credit_note(note)
            op.emit(
                "credit_note.issued",
                account.account_id,
                credit_note_id=note.credit_note_id,
                invoice_id=invoice_id,
                amount=str(amount),
                applied=str(note.applied),
                to_unapplied=str(note.to_unapplied),
                **({"interest_cancelled": str(cancelled)} if cancelled.is_positive() else {}),
            )
            _log.info("credit note %s of %s on invoice %s", note.credit_note_id, amount, invoice_id)
            return note

        return self._run("refund", key, request, CreditNote, body)

    def record_payment(
        self,
        key: str,
        account_id: str,
        amount: Money,
        *,
        received_on: date | None = None,
        invoice_id: str | None = None,
    ) -> Payment:
        """Record money received and allocate it; what is left stays as unapplied credit.

        Without ``invoice_id`` the payment spreads over all open invoices in the ledger's
        allocation order; with it, only that invoice is settled. Principal paid inside an
        early-payment window earns the discount, in proportion for a partial payment.
        """
        require_money(amount, "amount")
        require_positive(amount, "amount")
        require_date(received_on, "received_on", optional=True)
        request = {
            "account_id": account_id,
            "amount": amount,
            "received_on": received_on,
            "invoice_id": invoice_id,
        }

        def body(op: Operation) -> Payment:
            account = op.account(account_id)
            require_currency(amount, account.currency, "amount")
            received = op.today if received_on is None else received_on
            if received > op.today:
                raise InvalidInputError(
                    "received_on",
                    received.isoformat(),
                    f"is after today ({op.today})",
                    "Record a payment on or after the day it arrives.",
                )
            if invoice_id is None:
                targets = op.tx.invoices(account_id, open_only=True)
            else:
                target, _ = op.invoice(invoice_id)
                if target.account_id != account_id or target.status is not InvoiceStatus.OPEN:
                    raise InvalidStateError(f"invoice {invoice_id} is not an open invoice of account {account_id}")
                targets = [target]
            return self._apply(op, account, PaymentSource.CASH, amount, received, targets)

        return self._run("record_payment", key, request, Payment, body)

    def apply_credit_balance(self, key: str, account_id: str) -> Payment:
        """Apply the account's unapplied credit to its open invoices, as a payment received today."""

        def body(op: Operation) -> Payment:
            account = op.account(account_id)
            if not account.unapplied.is_positive():
                raise InvalidStateError(f"account {account_id} has no unapplied credit to apply")
            targets = op.tx.invoices(account_id, open_only=True)
            return self._apply(op, account, PaymentSource.CREDIT_BALANCE, account.unapplied, op.today, targets)

        return self._run("apply_credit_balance", key, {"account_id": account_id}, Payment, body)

    def _apply(
        self,
        op: Operation,
        account: Account,
        source: PaymentSource,
        amount: Money,
        received_on: date,
        targets: list[Invoice],
    ) -> Payment:
        result = allocate_payment(amount, targets, received_on, self.allocation)
        zero = Money.zero(account.currency)
        cash = Money.sum((item.amount for item in result.allocations), account.currency)
        discount = Money.sum((item.discount for item in result.allocations), account.currency)
        interest = Money.sum(
            (item.amount for item in result.allocations if item.component is Component.INTEREST), account.currency
        )
        if source is PaymentSource.CASH:
            payment = Payment(
                self.new_id("pay"),
                account.account_id,
                source,
                amount,
                received_on,
                result.allocations,
                result.left_over,
                op.now,
            )
            postings = [(Book.CASH, amount), (Book.UNAPPLIED, -result.left_over)]
        else:
            # Only the credit actually used leaves the buyer's balance.
            payment = Payment(
                self.new_id("pay"),
                account.account_id,
                source,
                cash,
                received_on,
                result.allocations,
                zero,
                op.now,
            )
            postings = [(Book.UNAPPLIED, cash)]
        # Interest paid leaves the interest receivable and is earned.
        op.post(
            account,
            *postings,
            (Book.RECEIVABLE, -(cash + discount - interest)),
            (Book.DISCOUNT, discount),
            (Book.INTEREST_RECEIVABLE, -interest),
            (Book.UNEARNED_INTEREST, interest),
            (Book.INTEREST_INCOME, -interest),
        )
        for invoice in result.invoices:
            op.tx.put_invoice(invoice)
            if invoice.status is InvoiceStatus.PAID:
                op.emit("invoice.paid", account.account_id, invoice_id=invoice.invoice_id)
        op.tx.put_payment(payment)
        op.emit(
            "payment.applied",
            account.account_id,
            payment_id=payment.payment_id,
            amount=str(payment.amount),
            applied=str(cash),
            discount=str(discount),
            unapplied=str(payment.unapplied),
            source=source.value,
        )
        _log.info(
            "payment %s of %s on account %s: applied %s, discount %s, unapplied %s",
            payment.payment_id,
            payment.amount,
            account.account_id,
            cash,
            discount,
            payment.unapplied,
        )
        return payment

    def extend_due_date(self, key: str, invoice_id: str, new_due_date: date) -> Invoice:
        """Move the earliest unpaid part's due date to ``new_due_date``; later parts move with it.

        An invoice no longer late after the extension starts dunning afresh.
        """
        require_date(new_due_date, "new_due_date")
        request = {"invoice_id": invoice_id, "new_due_date": new_due_date}

        def body(op: Operation) -> Invoice:
            invoice, account = op.invoice(invoice_id)
            if invoice.status is not InvoiceStatus.OPEN:
                raise InvalidStateError(f"invoice {invoice_id} is {invoice.status.value}; only open invoices extend")
            oldest = invoice.oldest_unpaid_due_date()
            if oldest is None or new_due_date <= oldest:
                raise InvalidInputError(
                    "new_due_date",
                    new_due_date.isoformat(),
                    f"must be after the current due date {oldest}",
                    "Pass a later date.",
                )
            shift = new_due_date - oldest
            schedule = tuple(
                attrs.evolve(part, due_date=part.due_date + shift) if part.due_date >= oldest else part
                for part in invoice.schedule
            )
            changed = attrs.evolve(invoice, schedule=schedule)
            if changed.days_past_due(op.today) == 0:
                changed = attrs.evolve(changed, dunning_level=0, overdue_notified=False)
            op.tx.put_invoice(changed)
            op.emit(
                "invoice.due_date_extended",
                account.account_id,
                invoice_id=invoice_id,
                previous=oldest.isoformat(),
                due_date=new_due_date.isoformat(),
            )
            _log.info("invoice %s due date extended from %s to %s", invoice_id, oldest, new_due_date)
            return changed

        return self._run("extend_due_date", key, request, Invoice, body)

    def write_off(self, key: str, invoice_id: str, reason: str = "uncollectible") -> Invoice:
        """Write off an invoice's whole open balance and put the account on a write-off hold."""
        request = {"invoice_id": invoice_id, "reason": reason}

        def body(op: Operation) -> Invoice:
            invoice, account = op.invoice(invoice_id)
            if invoice.status is not InvoiceStatus.OPEN:
                raise InvalidStateError(
                    f"invoice {invoice_id} is {invoice.status.value}; only open invoices are written off"
                )
            amount = invoice.outstanding
            interest = invoice.interest_due
            zero = Money.zero(account.currency)
            changed = attrs.evolve(
                invoice,
                principal_due=zero,
                fees_due=zero,
                interest_due=zero,
                written_off=invoice.written_off + amount,
                status=InvoiceStatus.WRITTEN_OFF,
            )
            # Unpaid interest was never earned, so it is reversed rather than written off.
            account = op.post(
                account,
                (Book.RECEIVABLE, -(amount - interest)),
                (Book.WRITE_OFF, amount - interest),
                (Book.INTEREST_RECEIVABLE, -interest),
                (Book.UNEARNED_INTEREST, interest),
            )
            if not any(hold.reason is HoldReason.WRITE_OFF for hold in account.holds):
                op.update(attrs.evolve(account, holds=(*account.holds, Hold(HoldReason.WRITE_OFF, reason, op.now))))
                op.emit("account.hold_placed", account.account_id, reason=HoldReason.WRITE_OFF.value)
            op.tx.put_invoice(changed)
            op.emit("invoice.written_off", account.account_id, invoice_id=invoice_id, amount=str(amount))
            _log.info("invoice %s written off: %s", invoice_id, amount)
            return changed

        return self._run("write_off", key, request, Invoice, body)

    def run_collections(self, key: str, account_id: str, *, as_of: date | None = None) -> CollectionsResult:
        """Announce due and overdue invoices, raise dunning levels and charge late fees, as of ``as_of``.

        Each invoice is charged its product's late fee once, when it is more than the
        grace days late; each dunning level is reported once. Running again finds
        nothing new.
        """
        require_date(as_of, "as_of", optional=True)
        request = {"account_id": account_id, "as_of": as_of}

        def body(op: Operation) -> CollectionsResult:
            account = op.account(account_id)
            day = op.today if as_of is None else as_of
            fees: list[LateFeeCharge] = []
            notices: list[DunningNotice] = []
            newly_overdue: list[str] = []
            newly_due: list[str] = []
            for invoice in op.tx.invoices(account_id, open_only=True):
                days = invoice.days_past_due(day)
                changed = invoice

                # Each scheduled part is announced once, on or after the day it falls due.
                oldest = invoice.oldest_unpaid_due_date()
                if oldest is not None and oldest <= day and invoice.due_notified_on != oldest:
                    changed = attrs.evolve(changed, due_notified_on=oldest)
                    newly_due.append(invoice.invoice_id)
                    op.emit(
                        "invoice.due",
                        account_id,
                        invoice_id=invoice.invoice_id,
                        due_date=oldest.isoformat(),
                        amount_due=str(invoice.open_parts()[0].amount),
                    )
                if days <= 0:
                    if changed != invoice:
                        op.tx.put_invoice(changed)
                    continue
                if not invoice.overdue_notified:
                    changed = attrs.evolve(changed, overdue_notified=True)
                    newly_overdue.append(invoice.invoice_id)
                    op.emit(
                        "invoice.overdue",
                        account_id,
                        invoice_id=invoice.invoice_id,
                        days_past_due=str(days),
                    )
                level = _dunning_level(self.dunning, days)
                if level is not None and level.level > invoice.dunning_level:
                    changed = attrs.evolve(changed, dunning_level=level.level)
                    notices.append(DunningNotice(invoice.invoice_id, level.level, level.action, days))
                    op.emit(
                        "invoice.dunning_level_raised",
                        account_id,
                        invoice_id=invoice.invoice_id,
                        level=str(level.level),
                        action=level.action,
                    )
                policy = invoice.late_fee
                if policy is not None and not invoice.late_fee_charged and days > policy.grace_days:
                    fee = policy.fee(invoice.principal_due)
                    changed = attrs.evolve(
                        changed,
                        late_fee_charged=True,
                        fees_charged=changed.fees_charged + fee,
                        fees_due=changed.fees_due + fee,
                    )
                    if fee.is_positive():
                        account = op.post(account, (Book.RECEIVABLE, fee), (Book.FEE_INCOME, -fee))
                        fees.append(LateFeeCharge(invoice.invoice_id, fee, days))
                        op.emit(
                            "invoice.late_fee_charged",
                            account_id,
                            invoice_id=invoice.invoice_id,
                            amount=str(fee),
                        )
                if changed != invoice:
                    op.tx.put_invoice(changed)
            _log.info(
                "collections on account %s as of %s: %d overdue, %d notices, %d late fees",
                account_id,
                day,
                len(newly_overdue),
                len(notices),
                len(fees),
            )
            return CollectionsResult(
                account_id, day, tuple(fees), tuple(notices), tuple(newly_overdue), tuple(newly_due)
            )

        return self._run("run_collections", key, request, CollectionsResult, body)

    # Reads ----------------------------------------------------------------------------------

    def _fresh(self, account_id: str) -> None:
        # Reads never count an expired reservation: release them first when there are any.
        with self.store.snapshot() as tx:
            stale = bool(tx.expired_authorizations(account_id, self._now()))
        if stale:
            self.expire_authorizations(account_id)

    def account(self, account_id: str) -> Account:
        """Return the account, with expired reservations released."""
        self._fresh(account_id)
        with self.store.snapshot() as tx:
            return require_found(tx.get_account(account_id), "account_id", account_id)

    def find_account(self, buyer_id: str) -> Account | None:
        """Return the buyer's account, or None when the buyer has none."""
        with self.store.snapshot() as tx:
            account = tx.find_account(buyer_id)
        return None if account is None else self.account(account.account_id)

    def authorization(self, authorization_id: str) -> Authorization:
        """Return the authorization."""
        with self.store.snapshot() as tx:
            found = require_found(tx.get_authorization(authorization_id), "authorization_id", authorization_id)
        self._fresh(found.account_id)
        with self.store.snapshot() as tx:
            return require_found(tx.get_authorization(authorization_id), "authorization_id", authorization_id)

    def invoice(self, invoice_id: str) -> Invoice:
        """Return the invoice."""
        with self.store.snapshot() as tx:
            return require_found(tx.get_invoice(invoice_id), "invoice_id", invoice_id)

    def position(self, buyer_id: str) -> tuple[Account | None, BuyerPosition | None]:
        """Return the buyer's account and its eligibility view today; (None, None) without one.

        One read transaction, unless expired reservations must be released first.
        """
        now = self._now()
        today = now.astimezone(self.timezone).date()
        with self.store.snapshot() as tx:
            account = tx.find_account(buyer_id)
            if account is None:
                return None, None
            if not tx.expired_authorizations(account.account_id, now):
                open_invoices = tx.invoices(account.account_id, open_only=True)
                return account, buyer_position(account, open_invoices, today)
        self.expire_authorizations(account.account_id)
        return self.position(buyer_id)

    def snapshot(self, account_id: str) -> AccountSnapshot:
        """Return every record of the account, read in one transaction."""
        with self.store.snapshot() as tx:
            account = require_found(tx.get_account(account_id), "account_id", account_id)
            return AccountSnapshot(
                account,
                tuple(tx.authorizations(account_id)),
                tuple(tx.invoices(account_id)),
                tuple(tx.payments(account_id)),
                tuple(tx.credit_notes(account_id)),
                tuple(tx.entries(account_id)),
            )

    def statement(self, account_id: str, *, as_of: date | None = None) -> Statement:
        """Return the account statement on ``as_of`` (today by default)."""
        require_date(as_of, "as_of", optional=True)
        self._fresh(account_id)
        day = self._now().astimezone(self.timezone).date() if as_of is None else as_of
        with self.store.snapshot() as tx:
            account = require_found(tx.get_account(account_id), "account_id", account_id)
            invoices = tx.invoices(account_id)
            return Statement(
                account_id=account_id,
                buyer_id=account.buyer_id,
                as_of=day,
                limit=account.limit,
                exposure=exposure(account),
                available=available_credit(account),
                reserved=account.reserved,
                receivable=account.receivable,
                unapplied=account.unapplied,
                holds=account.holds,
                authorizations=tuple(tx.authorizations(account_id, active_only=True)),
                invoices=tuple(InvoiceLine.of(invoice, day) for invoice in invoices),
                payments=tuple(tx.payments(account_id)),
                credit_notes=tuple(tx.credit_notes(account_id)),
                aging=aging(account, invoices, day),
                interest_receivable=Money.sum((invoice.interest_due for invoice in invoices), account.currency),
            )

    def aging(self, account_id: str, *, as_of: date | None = None) -> AgingReport:
        """Return the account's open receivables by days past due on ``as_of``."""
        require_date(as_of, "as_of", optional=True)
        day = self._now().astimezone(self.timezone).date() if as_of is None else as_of
        with self.store.snapshot() as tx:
            account = require_found(tx.get_account(account_id), "account_id", account_id)
            return aging(account, tx.invoices(account_id, open_only=True), day)

    def _position(self, op: Operation, account: Account) -> BuyerPosition:
        return buyer_position(account, op.tx.invoices(account.account_id, open_only=True), op.today)


def _fingerprint(content: dict[str, Any]) -> str:
    """Return the SHA-256 of a request's JSON form with sorted keys."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _fingerprint_before_v5(content: dict[str, Any]) -> str:
    """Return the fingerprint stored before schema version 5, hashed from ``json.dumps`` text.

    A retry of a call made before the upgrade still matches its stored record.
    """
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _product_request(product: Product) -> dict[str, str]:
    """Return the product as an authorize request names it: its id and the tier's fee discount.

    The product's whole encoded form would change its fingerprint whenever the product
    model gains a field, so a retry after a library upgrade would conflict with its own
    first call.
    """
    # NOTE: authorize records stored before this form fingerprinted the encoded product,
    # which gained annual_rate since, so retrying one of them raises ConflictError.
    return {"product_id": product.product_id, "fee_discount": str(product.pricing.fee_discount)}


def _deposit_finding(extra: Money) -> Finding:
    return Finding(
        ReasonCode.DEPOSIT_REQUIRED,
        ResolutionHint(
            HintAction.AUTHORIZE_NEW_ORDER,
            f"The order's deposit was taken at authorization. Authorize the extra {extra} as a new order, "
            "which takes its own deposit.",
            extra,
        ),
    )


def _cancel_interest(
    invoice: Invoice, principal_applied: Money, today: date
) -> tuple[tuple[ScheduledPayment, ...], Money]:
    """Cancel interest of instalments due after ``today`` for a refund of ``principal_applied``.

    Each such instalment loses its interest times ``principal_applied / principal_due``,
    rounded half up in minor units, so a refund of the whole principal due cancels all of
    it. Returns the new schedule and the interest cancelled.
    """
    zero = Money.zero(invoice.principal.currency)
    if invoice.interest_charged.is_zero() or not invoice.principal_due.is_positive():
        return invoice.schedule, zero
    applied_units = principal_applied.minor_units
    due_units = invoice.principal_due.minor_units
    cancelled = zero
    parts = []
    for part in invoice.schedule:
        if part.interest is None or part.due_date <= today or not part.interest.is_positive():
            parts.append(part)
            continue
        units = round_fraction(part.interest.minor_units * applied_units, due_units, Rounding.HALF_UP)
        cut = Money.from_minor_units(units, zero.currency)
        cancelled = cancelled + cut
        parts.append(attrs.evolve(part, amount=part.amount - cut, interest=part.interest - cut))
    return tuple(parts), cancelled


def _resolve_products(data: Any, tx: StoreTransaction) -> Any:
    """Replace product digests in a stored result's JSON by the authorizations' products.

    An authorization never changes its product, so the digest names the product the
    authorization holds. The digest is not recomputed for a check: a library whose
    product model gained a field since the result was stored gives the same product
    another digest. Results stored before products were written by digest carry the
    whole product, which the decoder reads as it is.
    """
    if isinstance(data, list):
        return [_resolve_products(item, tx) for item in data]
    if not isinstance(data, dict):
        return data
    resolved = {name: _resolve_products(value, tx) for name, value in data.items()}
    digest = resolved.get("product")
    if isinstance(digest, str) and "authorization_id" in resolved:
        authorization = require_found(
            tx.get_authorization(resolved["authorization_id"]), "authorization_id", resolved["authorization_id"]
        )
        resolved["product"] = authorization.product
    return resolved


def _dunning_level(levels: tuple[DunningLevel, ...], days: int) -> DunningLevel | None:
    reached = None
    for level in levels:
        if days >= level.days_past_due:
            reached = level
    return reached
