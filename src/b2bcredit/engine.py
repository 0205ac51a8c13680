"""The typed facade a host platform calls: checkout options and the whole credit lifecycle.

An :class:`Engine` wires a Store, a clock, a product catalogue and an FX provider
together. Every state-changing method takes an idempotency key first; reads take none.
Buyers are addressed by the host's buyer id.

Example:
    >>> from b2bcredit.engine import Engine
    >>> from b2bcredit.core.money import Money
    >>> engine = Engine.embedded()
    >>> account = engine.open_account("open-b1", "b1", Money("5000.00", "EUR"))
    >>> result = engine.authorize("auth-o1", "b1", "o1", "net30", Money("1200.00", "EUR"))
    >>> result.approved, str(result.available)
    (True, '3800.00 EUR')
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from b2bcredit.checkout.options import (
    Cart,
    CheckoutOptions,
    OfferCache,
    checkout_options,
    guest_position,
)
from b2bcredit.core.clock import Clock, SystemClock
from b2bcredit.core.errors import NotFoundError
from b2bcredit.core.money import Money
from b2bcredit.ledger.allocation import AllocationPolicy
from b2bcredit.ledger.exposure import available_credit
from b2bcredit.ledger.fx import FxProvider, FxQuote, NoFxProvider
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.model import (
    Account,
    Authorization,
    CreditNote,
    CreditProfile,
    HoldReason,
    Invoice,
    OverLimitTolerance,
    Payment,
)
from b2bcredit.ledger.reports import AgingReport, Statement
from b2bcredit.ledger.results import AuthorizationResult, CaptureResult, CollectionsResult
from b2bcredit.ledger.service import DEFAULT_AUTHORIZATION_TTL, Ledger
from b2bcredit.products.catalogue import Catalogue, default_catalogue
from b2bcredit.products.terms import PaymentTerms, TermsSpec
from b2bcredit.products.terms_adapter import build_terms
from b2bcredit.storage.base import OutboxMessage, Store
from b2bcredit.storage.sqlite import SqliteStore

__all__ = ["Engine"]

_log = logging.getLogger("b2bcredit.engine")


class Engine:
    """Checkout options and the credit lifecycle on one store.

    Args:
        store: where state lives (:class:`SqliteStore` or :class:`MemoryStore`).
        clock: the source of ``now``; the system clock in UTC by default.
        catalogue: the credit products; the built-in catalogue by default.
        fx: exchange rates for carts in another currency than the account's; without
            one, such orders are declined with ``fx_rate_unavailable``.
        allocation: the order in which payments settle invoices.
        authorization_ttl: how long a reservation lasts when no expiry is given.
        timezone: the tenant's time zone (an IANA name or tzinfo), which decides today's date.
        terms_factory: turns a product's terms into payment terms.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        catalogue: Catalogue | None = None,
        fx: FxProvider | None = None,
        *,
        allocation: AllocationPolicy | None = None,
        authorization_ttl: timedelta = DEFAULT_AUTHORIZATION_TTL,
        timezone: str | tzinfo = UTC,
        terms_factory: Callable[[TermsSpec], PaymentTerms] = build_terms,
    ) -> None:
        self.catalogue = default_catalogue() if catalogue is None else catalogue
        self.fx: FxProvider = NoFxProvider() if fx is None else fx
        self.clock: Clock = SystemClock() if clock is None else clock
        self.terms_factory = terms_factory
        self.offers = OfferCache()
        self.ledger = Ledger(
            store,
            self.clock,
            fx=self.fx,
            terms_factory=terms_factory,
            dunning=self.catalogue.dunning,
            allocation=allocation,
            authorization_ttl=authorization_ttl,
            timezone=timezone,
        )

    @classmethod
    def embedded(
        cls,
        path: str | Path = ":memory:",
        *,
        clock: Clock | None = None,
        catalogue: Catalogue | None = None,
        fx: FxProvider | None = None,
    ) -> Engine:
        """Return an engine on the embedded SQLite store at ``path`` (in memory by default)."""
        return cls(SqliteStore(path), clock, catalogue, fx)

    @property
    def store(self) -> Store:
        """The engine's store."""
        return self.ledger.store

    def close(self) -> None:
        """Close the store."""
        self.ledger.store.close()

    def _account_id(self, buyer_id: str) -> str:
        # Only the id is needed: the call that follows releases expired reservations itself.
        with self.ledger.store.snapshot() as tx:
            account = tx.find_account(buyer_id)
        if account is None:
            raise NotFoundError(f"buyer_id: buyer {buyer_id!r} has no credit account. Call open_account first.")
        return account.account_id

    def _today(self) -> date:
        return self.clock.now().astimezone(self.ledger.timezone).date()

    # Checkout ---------------------------------------------------------------------------------

    def checkout_options(self, buyer_id: str, cart: Cart) -> CheckoutOptions:
        """Return every product for the buyer's cart, available or not, with reasons and hints."""
        account, position = self.ledger.position(buyer_id)
        today = self._today()
        if account is None or position is None:
            return checkout_options(
                self.catalogue,
                buyer_id,
                guest_position(cart.country),
                cart,
                today,
                terms_factory=self.terms_factory,
                offers=self.offers,
            )
        quote = None
        if cart.amount.currency.code != account.currency:
            quote = self._quote(cart.amount.currency.code, account.currency, account.account_id)
        return checkout_options(
            self.catalogue,
            buyer_id,
            position,
            cart,
            today,
            available_credit=available_credit(account),
            fx=quote,
            probability_of_default=account.profile.probability_of_default,
            terms_factory=self.terms_factory,
            offers=self.offers,
        )

    def _quote(self, base: str, quote: str, account_id: str) -> FxQuote | None:
        try:
            return self.fx.quote(base, quote, self.clock.now())
        except Exception:
            # A failing rate source must not break checkout: credit options in that
            # currency show fx_rate_unavailable, and pay-now options stay open.
            _log.exception("FX provider failed for %s/%s at checkout of account %s", base, quote, account_id)
            return None

    # Accounts ---------------------------------------------------------------------------------

    def open_account(
        self,
        key: str,
        buyer_id: str,
        limit: Money,
        *,
        profile: CreditProfile | None = None,
        tolerance: OverLimitTolerance | None = None,
        hold_after_days_overdue: int | None = None,
    ) -> Account:
        """Open the buyer's credit account with ``limit`` (its currency is the account's)."""
        return self.ledger.open_account(
            key,
            buyer_id,
            limit,
            profile=profile,
            tolerance=tolerance,
            hold_after_days_overdue=hold_after_days_overdue,
        )

    def set_limit(
        self,
        key: str,
        buyer_id: str,
        limit: Money,
        *,
        profile: CreditProfile | None = None,
        tolerance: OverLimitTolerance | None = None,
    ) -> Account:
        """Change the buyer's credit limit; zero means prepay only."""
        return self.ledger.set_limit(key, self._account_id(buyer_id), limit, profile=profile, tolerance=tolerance)

    def place_hold(self, key: str, buyer_id: str, note: str = "") -> Account:
        """Put the buyer's account on a manual hold."""
        return self.ledger.place_hold(key, self._account_id(buyer_id), note)

    def release_hold(self, key: str, buyer_id: str, reason: HoldReason = HoldReason.MANUAL) -> Account:
        """Release the account's holds of ``reason``."""
        return self.ledger.release_hold(key, self._account_id(buyer_id), reason)

    def close_account(self, key: str, buyer_id: str) -> Account:
        """Close the buyer's account to new orders; its invoices keep collecting."""
        return self.ledger.close_account(key, self._account_id(buyer_id))

    def account(self, buyer_id: str) -> Account:
        """Return the buyer's account."""
        return self.ledger.account(self._account_id(buyer_id))

    # Lifecycle --------------------------------------------------------------------------------

    def authorize(
        self,
        key: str,
        buyer_id: str,
        order_id: str,
        product_id: str,
        amount: Money,
        *,
        expires_at: datetime | None = None,
    ) -> AuthorizationResult:
        """Check and reserve credit for an order with a catalogue product."""
        product = self.catalogue.get(product_id)
        return self.ledger.authorize(key, self._account_id(buyer_id), order_id, product, amount, expires_at=expires_at)

    def change_amount(self, key: str, authorization_id: str, amount: Money) -> AuthorizationResult:
        """Change an authorization's amount; an increase is checked again."""
        return self.ledger.change_amount(key, authorization_id, amount)

    def capture(
        self,
        key: str,
        authorization_id: str,
        amount: Money | None = None,
        *,
        shipped_on: date | None = None,
    ) -> CaptureResult:
        """Capture a shipment and issue its invoice."""
        return self.ledger.capture(key, authorization_id, amount, shipped_on=shipped_on)

    def void(self, key: str, authorization_id: str) -> Authorization:
        """Release an authorization's uncaptured remainder."""
        return self.ledger.void(key, authorization_id)

    def cancel(self, key: str, authorization_id: str) -> Authorization:
        """Cancel an order before any capture."""
        return self.ledger.cancel(key, authorization_id)

    def reopen(self, key: str, authorization_id: str) -> AuthorizationResult:
        """Reopen a cancelled order, checking the limit again."""
        return self.ledger.reopen(key, authorization_id)

    def refund(self, key: str, invoice_id: str, amount: Money, reason: str = "refund") -> CreditNote:
        """Issue a credit note on an invoice."""
        return self.ledger.refund(key, invoice_id, amount, reason)

    def record_payment(
        self,
        key: str,
        buyer_id: str,
        amount: Money,
        *,
        received_on: date | None = None,
        invoice_id: str | None = None,
    ) -> Payment:
        """Record a payment from the buyer and allocate it."""
        return self.ledger.record_payment(
            key, self._account_id(buyer_id), amount, received_on=received_on, invoice_id=invoice_id
        )

    def apply_credit_balance(self, key: str, buyer_id: str) -> Payment:
        """Apply the buyer's unapplied credit to open invoices."""
        return self.ledger.apply_credit_balance(key, self._account_id(buyer_id))

    def extend_due_date(self, key: str, invoice_id: str, new_due_date: date) -> Invoice:
        """Extend an invoice's due date."""
        return self.ledger.extend_due_date(key, invoice_id, new_due_date)

    def write_off(self, key: str, invoice_id: str, reason: str = "uncollectible") -> Invoice:
        """Write off an invoice's open balance."""
        return self.ledger.write_off(key, invoice_id, reason)

    def run_collections(self, key: str, buyer_id: str, *, as_of: date | None = None) -> CollectionsResult:
        """Mark overdue invoices, raise dunning levels and charge late fees."""
        return self.ledger.run_collections(key, self._account_id(buyer_id), as_of=as_of)

    # Reports ----------------------------------------------------------------------------------

    def statement(self, buyer_id: str, *, as_of: date | None = None) -> Statement:
        """Return the buyer's account statement."""
        return self.ledger.statement(self._account_id(buyer_id), as_of=as_of)

    def aging(self, buyer_id: str, *, as_of: date | None = None) -> AgingReport:
        """Return the buyer's open receivables by days past due."""
        return self.ledger.aging(self._account_id(buyer_id), as_of=as_of)

    def outbox(self, after: int = 0, limit: int = 100) -> list[OutboxMessage]:
        """Return undelivered domain events for the host's webhooks, oldest first."""
        return self.ledger.store.outbox(after, limit)

    def mark_published(self, sequences: list[int]) -> None:
        """Record that the host delivered these outbox messages."""
        self.ledger.store.mark_published(sequences, self.clock.now())

    def check_invariants(self, buyer_id: str) -> None:
        """Raise InvariantError when the buyer's ledger breaks an invariant."""
        check_invariants(self.ledger.snapshot(self._account_id(buyer_id)))
