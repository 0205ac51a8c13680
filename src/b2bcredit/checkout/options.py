"""Payment options for a buyer and a cart: every product, available or not.

:func:`checkout_options` is pure: the caller passes the buyer's position (read from the
ledger), the exchange rate and today's date. An available option carries its terms, its
dated repayment schedule, the buyer's and the merchant's fee, the total cost and the APR.
An unavailable one carries the stable reason code and the hint that resolves it. Both come
from the eligibility function that authorization applies.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs

from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money
from b2bcredit.ledger.fx import FxQuote, convert
from b2bcredit.products.catalogue import BuyerStatus, Catalogue, Product, ProductKind, UnderwritingOutcome
from b2bcredit.products.eligibility import BuyerPosition, ReasonCode, ResolutionHint, assess, order_deposit
from b2bcredit.products.terms import EarlyPaymentDiscount, PaymentTerms, ScheduledPayment, TermsSpec
from b2bcredit.products.terms_adapter import build_terms, offer_apr, repayment_schedule
from b2bcredit.products.tiers import for_tier, tier_finding
from b2bcredit.segments.benefits import TierBenefits

__all__ = [
    "Cart",
    "CheckoutOption",
    "CheckoutOptions",
    "Offer",
    "OfferCache",
    "checkout_options",
    "guest_position",
    "price_offer",
]


@attrs.frozen
class Cart:
    """The order at checkout: its total and, for a buyer without an account, the country."""

    amount: Money
    country: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.amount, Money):
            raise InvalidTypeError("amount", self.amount, "expected Money", "Pass Money('1250.00', 'EUR').")
        if not self.amount.is_positive():
            raise InvalidInputError(
                "amount", str(self.amount), "a cart total must be above zero", "Pass a positive total."
            )


@attrs.frozen
class CheckoutOption:
    """One product at checkout.

    For an available option, ``schedule`` lists the dated payments (their sum is
    ``total_cost``: the amount on credit, the buyer fee and ``interest``), ``apr`` is the
    Regulation Z APR of the fee and interest (None when undefined) and ``credit_needed``
    is what authorization will reserve in the account's currency: principal and fee,
    not interest. ``deposit`` is the part of the cart the buyer pays now under the
    account's counter-offer (None when none is asked), and the schedule covers the rest.
    For an unavailable one, ``reason`` and ``hint`` explain why.
    """

    product_id: str
    name: str
    kind: ProductKind
    available: bool
    reason: ReasonCode | None
    hint: ResolutionHint | None
    terms_code: str
    schedule: tuple[ScheduledPayment, ...]
    discount: EarlyPaymentDiscount | None
    buyer_fee: Money
    merchant_fee: Money
    total_cost: Money
    apr: Decimal | None
    credit_needed: Money | None
    interest: Money
    deposit: Money | None = None


@attrs.frozen
class CheckoutOptions:
    """Every option of the catalogue for one buyer and cart, in catalogue order."""

    buyer_id: str
    catalogue_version: str
    as_of: date
    cart: Cart
    available_credit: Money | None
    options: tuple[CheckoutOption, ...]

    @property
    def available(self) -> tuple[CheckoutOption, ...]:
        """The options the buyer can choose."""
        return tuple(option for option in self.options if option.available)

    def option(self, product_id: str) -> CheckoutOption:
        """Return the option for ``product_id``."""
        for option in self.options:
            if option.product_id == product_id:
                return option
        raise KeyError(product_id)


@attrs.frozen
class Offer:
    """The buyer-independent part of an option: terms, schedule, fees, interest, total and APR.

    ``credit`` is the amount on credit plus the buyer fee, what authorization reserves in
    the order's currency; it is kept so that checkout adds no Money per option.
    """

    terms_code: str
    schedule: tuple[ScheduledPayment, ...]
    discount: EarlyPaymentDiscount | None
    buyer_fee: Money
    merchant_fee: Money
    total_cost: Money
    apr: Decimal | None
    interest: Money
    credit: Money


def price_offer(
    product: Product,
    amount: Money,
    today: date,
    probability_of_default: Decimal | None,
    terms_factory: Callable[[TermsSpec], PaymentTerms] = build_terms,
) -> Offer:
    """Price ``product`` for ``amount`` on credit anchored at ``today``."""
    terms = terms_factory(product.terms)
    buyer_fee = product.pricing.buyer_fee(amount, probability_of_default)
    schedule = repayment_schedule(terms, product.terms, amount, buyer_fee, today)
    interest = Money.sum((part.interest for part in schedule if part.interest is not None), amount.currency)
    total = amount + buyer_fee + interest
    free = buyer_fee.is_zero() and interest.is_zero()
    apr = Decimal(0) if free else offer_apr(product.terms, amount, schedule, today)
    return Offer(
        terms.code,
        schedule,
        terms.discount(today),
        buyer_fee,
        product.pricing.merchant_fee(amount),
        total,
        apr,
        interest,
        amount + buyer_fee,
    )


class OfferCache:
    """Priced offers kept by product, amount, date and PD, least recently used dropped first.

    Pricing depends on nothing else, so a cached offer equals a fresh one. The cache
    saves recomputing schedules and APRs when a storefront requests the same cart again.
    """

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._offers: OrderedDict[tuple[object, ...], Offer] = OrderedDict()

    def get(
        self,
        product: Product,
        amount: Money,
        today: date,
        probability_of_default: Decimal | None,
        terms_factory: Callable[[TermsSpec], PaymentTerms],
    ) -> Offer:
        """Return the cached offer, pricing it first when absent."""
        key = (product, amount, today, probability_of_default, terms_factory)
        offer = self._offers.get(key)
        if offer is None:
            offer = price_offer(product, amount, today, probability_of_default, terms_factory)
            self._offers[key] = offer
            if len(self._offers) > self.maxsize:
                self._offers.popitem(last=False)
        else:
            self._offers.move_to_end(key)
        return offer


def guest_position(country: str | None) -> BuyerPosition:
    """Return the position of a buyer with no credit account: pay-now options only."""
    return BuyerPosition(
        has_account=False,
        country=country,
        buyer_status=BuyerStatus.NEW,
        outcome=UnderwritingOutcome.NOT_ASSESSED,
    )


def checkout_options(
    catalogue: Catalogue,
    buyer_id: str,
    position: BuyerPosition,
    cart: Cart,
    today: date,
    *,
    available_credit: Money | None = None,
    fx: FxQuote | None = None,
    probability_of_default: Decimal | None = None,
    terms_factory: Callable[[TermsSpec], PaymentTerms] = build_terms,
    offers: OfferCache | None = None,
    tier: TierBenefits | None = None,
) -> CheckoutOptions:
    """Return every product of ``catalogue`` for ``cart``, available or not.

    Args:
        catalogue: the products.
        buyer_id: the host's buyer id, echoed in the result.
        position: the buyer's account position (:func:`guest_position` without one).
        cart: the order.
        today: the anchor of due dates.
        available_credit: shown with the options; None without an account.
        fx: the rate from the cart's currency to the account's, when they differ.
        probability_of_default: for the risk-based part of buyer fees.
        terms_factory: turns a product's terms into :class:`PaymentTerms`.
        offers: a cache of priced offers; without one every offer is priced afresh.
        tier: the buyer's customer-tier benefits: trade terms the tier lacks are
            unavailable with ``terms_not_offered_to_tier``, and buyer fees carry the
            tier's fee discount (authorize with the same tier to reserve the same fee).
    """
    if position.country is None and cart.country is not None:
        position = attrs.evolve(position, country=cart.country)
    options = []
    share = position.deposit_share if position.has_account else Decimal(0)
    for catalogue_product in catalogue.products:
        product = catalogue_product if tier is None else for_tier(catalogue_product, tier)
        # Authorization takes the same deposit and prices the rest of the order.
        deposit = order_deposit(product, share, cart.amount) if share else None
        financed = cart.amount if deposit is None else cart.amount - deposit
        offer = (
            price_offer(product, financed, today, probability_of_default, terms_factory)
            if offers is None
            else offers.get(product, financed, today, probability_of_default, terms_factory)
        )
        options.append(_option(product, position, cart, fx, offer, tier, deposit))
    return CheckoutOptions(buyer_id, catalogue.version, today, cart, available_credit, tuple(options))


def _option(
    product: Product,
    position: BuyerPosition,
    cart: Cart,
    fx: FxQuote | None,
    offer: Offer,
    tier: TierBenefits | None,
    deposit: Money | None,
) -> CheckoutOption:
    amount = cart.amount
    financed = amount if deposit is None else amount - deposit

    # Credit needed in the account's currency, converted as authorization will.
    credit_needed: Money | None = None
    rate: Decimal | None = None
    if product.uses_credit and position.account_currency is not None:
        if amount.currency.code == position.account_currency:
            credit_needed = offer.credit
        elif fx is not None:
            rate = fx.rate
            credit_needed = convert(financed, rate, position.account_currency) + convert(
                offer.buyer_fee, rate, position.account_currency
            )

    finding = None if tier is None else tier_finding(product, tier)
    if finding is None:
        finding = assess(product, position, amount, credit_needed=credit_needed, rate=rate)
    return CheckoutOption(
        product_id=product.product_id,
        name=product.name,
        kind=product.kind,
        available=finding is None,
        reason=None if finding is None else finding.reason,
        hint=None if finding is None else finding.hint,
        terms_code=offer.terms_code,
        schedule=offer.schedule,
        discount=offer.discount,
        buyer_fee=offer.buyer_fee,
        merchant_fee=offer.merchant_fee,
        total_cost=offer.total_cost,
        apr=offer.apr,
        credit_needed=credit_needed,
        interest=offer.interest,
        deposit=deposit,
    )
