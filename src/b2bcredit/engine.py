"""The typed facade a host platform calls: underwriting, checkout options and the credit lifecycle.

An :class:`Engine` wires a Store, a clock, a product catalogue, an FX provider and an
:class:`~b2bcredit.decisions.facade.Underwriter` together. Every state-changing method
takes an idempotency key first; reads take none. Buyers are addressed by the host's
buyer id. A customer tier's benefits (:class:`~b2bcredit.segments.benefits.TierBenefits`)
are passed in by the host where they apply: to underwriting (the limit multiplier) and to
checkout and authorization (the trade terms offered and the fee discount).

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
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2bcredit.checkout.options import (
    Cart,
    CheckoutOptions,
    OfferCache,
    checkout_options,
    guest_position,
)
from b2bcredit.core.clock import Clock, SystemClock
from b2bcredit.core.errors import InvalidInputError, NotFoundError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding
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
    UnderwritingRecord,
)
from b2bcredit.ledger.reports import AgingReport, Statement
from b2bcredit.ledger.results import AuthorizationResult, CaptureResult, CollectionsResult
from b2bcredit.ledger.service import DEFAULT_AUTHORIZATION_TTL, Ledger
from b2bcredit.products.catalogue import BuyerStatus, Catalogue, UnderwritingOutcome, default_catalogue
from b2bcredit.products.terms import PaymentTerms, TermsSpec
from b2bcredit.products.terms_adapter import build_terms
from b2bcredit.products.tiers import for_tier, tier_finding
from b2bcredit.segments.benefits import TierBenefits
from b2bcredit.storage.base import OutboxMessage, Store
from b2bcredit.storage.sqlite import SqliteStore

if TYPE_CHECKING:
    from b2bcredit.api.underwriting import BuyerApplication
    from b2bcredit.decisions.decision import Decision
    from b2bcredit.decisions.facade import Underwriter

__all__ = ["Engine", "deposit_share", "profile_from_decision"]

_log = logging.getLogger("b2bcredit.engine")

# PDs are floats; the credit profile keeps them as Decimals to a ten-thousandth of a percent.
_PD_QUANTUM = Decimal("0.000001")


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
        terms_factory: turns a product's terms into payment terms; pass
            ``TermsFactory(calendar=BusinessCalendar(...))`` to roll due dates to business days.
        underwriter: makes credit decisions; ``Underwriter.with_defaults()`` (the shipped
            models, loaded on first use) by default.
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
        underwriter: Underwriter | None = None,
    ) -> None:
        self._underwriter = underwriter
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
        underwriter: Underwriter | None = None,
    ) -> Engine:
        """Return an engine on the embedded SQLite store at ``path`` (in memory by default)."""
        return cls(SqliteStore(path), clock, catalogue, fx, underwriter=underwriter)

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

    # Underwriting -----------------------------------------------------------------------------

    @property
    def underwriter(self) -> Underwriter:
        """The underwriter; the default models load on first use."""
        if self._underwriter is None:
            from b2bcredit.decisions.facade import Underwriter

            self._underwriter = Underwriter.with_defaults()
        return self._underwriter

    def underwrite(
        self, application: BuyerApplication | Mapping[str, Any], *, tier: TierBenefits | None = None
    ) -> Decision:
        """Decide one application; a tier's credit-limit multiplier scales the limit before the caps."""
        multiplier = None if tier is None else tier.credit_limit_multiplier
        return self.underwriter.underwrite(application, limit_multiplier=multiplier)

    def underwrite_batch(self, table: Any, *, tier: TierBenefits | None = None) -> list[Decision]:
        """Decide many applications (records, a CSV path or a DataFrame), as :meth:`underwrite` would."""
        multiplier = None if tier is None else tier.credit_limit_multiplier
        return self.underwriter.underwrite_batch(table, limit_multiplier=multiplier)

    def apply_decision(
        self,
        key: str,
        buyer_id: str,
        decision: Decision,
        *,
        tolerance: OverLimitTolerance | None = None,
        hold_after_days_overdue: int | None = None,
    ) -> Account:
        """Open the buyer's account from ``decision``, or update its limit and profile.

        The limit is the decision's granted limit. A declined or referred decision, and a
        prepay-only or not-underwritten limit, give a limit of zero: no credit, never
        unlimited. The PD goes into the credit profile that risk-based fees read, and the
        decision's model and policy versions into the account's record. A counter-offer's
        terms days and deposit go into the profile too, where checkout and authorization
        enforce them. A later decision without a counter-offer lifts them.
        """
        limit, profile = profile_from_decision(decision)
        with self.ledger.store.snapshot() as tx:
            existing = tx.find_account(buyer_id)
            first_use = tx.get_idempotency(key)
        # A retry of the call that opened the account goes back to open_account, which
        # returns the stored first result. set_limit would reject the key as a conflict.
        if existing is None or (first_use is not None and first_use.operation == "open_account"):
            return self.open_account(
                key,
                buyer_id,
                limit,
                profile=profile,
                tolerance=tolerance,
                hold_after_days_overdue=hold_after_days_overdue,
            )
        return self.ledger.set_limit(key, existing.account_id, limit, profile=profile, tolerance=tolerance)

    # Checkout ---------------------------------------------------------------------------------

    def checkout_options(self, buyer_id: str, cart: Cart, *, tier: TierBenefits | None = None) -> CheckoutOptions:
        """Return every product for the buyer's cart, available or not, with reasons and hints.

        With ``tier``, trade terms the tier lacks are unavailable and buyer fees carry its
        fee discount; authorize with the same tier.
        """
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
                tier=tier,
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
            tier=tier,
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
        tier: TierBenefits | None = None,
    ) -> AuthorizationResult:
        """Check and reserve credit for an order with a catalogue product.

        With ``tier``, terms the tier lacks decline with ``terms_not_offered_to_tier``
        before the ledger is called (nothing is stored for the key), and the reserved
        fee carries the tier's fee discount, as checkout showed it.
        """
        product = self.catalogue.get(product_id)
        account_id = self._account_id(buyer_id)
        if tier is not None:
            finding = tier_finding(product, tier)
            if finding is not None:
                _log.info("declined %s on account %s: %s", order_id, account_id, finding.reason.value)
                return AuthorizationResult(
                    False, None, available_credit(self.ledger.account(account_id)), finding.reason, finding.hint
                )
            product = for_tier(product, tier)
        return self.ledger.authorize(key, account_id, order_id, product, amount, expires_at=expires_at)

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


def profile_from_decision(decision: Decision) -> tuple[Money, CreditProfile]:
    """Return the account limit and credit profile a decision gives.

    Raises:
        InvalidInputError: the decision grants an unlimited line, which an account,
            whose limit is an amount, cannot hold.
    """
    from b2bcredit.decisions.policy import Outcome
    from b2bcredit.limits.policy import LimitState

    granted = decision.granted_limit
    if granted.state is LimitState.UNLIMITED:
        raise InvalidInputError(
            "decision.granted_limit",
            granted.state.value,
            "an account's limit is an amount, so an unlimited line cannot be opened",
            "Size the limit with a policy maximum, or open the account with an explicit limit.",
        )
    currency = decision.requested_limit.currency
    approved = decision.outcome is Outcome.APPROVED and granted.state is LimitState.LIMITED
    limit = granted.amount if approved and granted.amount is not None else Money.zero(currency)
    outcome = {
        Outcome.APPROVED: UnderwritingOutcome.APPROVED,
        Outcome.REFERRED: UnderwritingOutcome.REFERRED,
        Outcome.DECLINED: UnderwritingOutcome.DECLINED,
    }[decision.outcome]
    application = decision.input_snapshot
    history = application.trade_history
    trading = history is not None and history.months_of_history > 0
    probability = Decimal(repr(decision.pd)).quantize(
        _PD_QUANTUM, rounding=Rounding.HALF_UP.value, context=DECIMAL_CONTEXT
    )
    record = UnderwritingRecord(
        application_id=decision.application_id,
        outcome=decision.outcome.value,
        limit_state=granted.state.value,
        model_name=decision.model_name,
        model_version=decision.model_version,
        model_hash=decision.model_hash,
        policy_version=decision.policy_version,
    )
    # A PD-band counter-offer binds the account to its terms and deposit. One that only
    # lowers the limit keeps the requested terms, which, as for any approval, restrict no
    # product.
    counter = decision.counter_offer if approved else None
    binds = counter is not None and counter.binds_terms
    profile = CreditProfile(
        country=application.firmographics.country,
        buyer_status=BuyerStatus.ACTIVE if trading else BuyerStatus.NEW,
        outcome=outcome,
        probability_of_default=probability,
        underwriting=record,
        max_terms_days=counter.terms_days if counter is not None and binds else None,
        deposit_share=Decimal(0) if counter is None else deposit_share(counter.deposit, counter.limit),
    )
    return limit, profile


# Deposit shares are kept to a ten-thousandth of a percent, rounded up so no order pays less.
_SHARE_QUANTUM = Decimal("0.000001")
# A deposit of the whole order would leave nothing on credit, so the profile takes shares below one.
_MAX_SHARE = Decimal(1) - _SHARE_QUANTUM


def deposit_share(deposit: Money, limit: Money) -> Decimal:
    """Return a counter-offer's deposit as a share of its limit, the share each order pays now.

    The decision states the deposit as an amount on the limit (the policy's deposit
    share times the limit, rounded to the cent). The account applies the same share to
    every order, so the share is recovered here, rounded up to six decimals.
    """
    if not limit.is_positive() or not deposit.is_positive():
        return Decimal(0)
    share = DECIMAL_CONTEXT.divide(deposit.amount, limit.amount)
    return min(share.quantize(_SHARE_QUANTUM, rounding=Rounding.UP.value, context=DECIMAL_CONTEXT), _MAX_SHARE)

