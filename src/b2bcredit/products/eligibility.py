"""Whether a product is available to a buyer for an order, as a typed finding.

One function, :func:`assess`, decides for both checkout and authorization. Checkout shows
every product with the reason it is unavailable, and authorization declines with the same
reason. A buyer is therefore never offered an option that authorization then declines for
a rule the offer did not check.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs

from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding
from b2bcredit.products.catalogue import BuyerStatus, Product, ProductKind, UnderwritingOutcome

__all__ = [
    "BuyerPosition",
    "Finding",
    "HintAction",
    "OverdueInvoice",
    "ReasonCode",
    "ResolutionHint",
    "assess",
    "order_deposit",
]


class ReasonCode(enum.Enum):
    """The reason an option is unavailable or an authorization declined; values are stable."""

    CURRENCY_NOT_SUPPORTED = "currency_not_supported"  # the product does not take this currency
    AMOUNT_BELOW_MINIMUM = "amount_below_minimum"
    AMOUNT_ABOVE_MAXIMUM = "amount_above_maximum"
    COUNTRY_NOT_SUPPORTED = "country_not_supported"
    BUYER_STATUS_NOT_ELIGIBLE = "buyer_status_not_eligible"
    NO_CREDIT_ACCOUNT = "no_credit_account"  # the buyer has not been given credit yet
    ACCOUNT_CLOSED = "account_closed"
    ACCOUNT_ON_HOLD = "account_on_hold"  # a manual or write-off hold
    UNDERWRITING_OUTCOME_NOT_ELIGIBLE = "underwriting_outcome_not_eligible"
    NO_CREDIT_LIMIT = "no_credit_limit"  # a limit of zero: prepay only
    INVOICE_OVERDUE = "invoice_overdue"  # an invoice is later than the product or account allows
    FX_RATE_UNAVAILABLE = "fx_rate_unavailable"  # no exchange rate into the account's currency
    INSUFFICIENT_CREDIT = "insufficient_credit"  # the order does not fit the available credit
    TERMS_NOT_OFFERED_TO_TIER = "terms_not_offered_to_tier"  # the buyer's customer tier lacks these terms
    TERMS_LONGER_THAN_OFFERED = "terms_longer_than_offered"  # beyond the counter-offer's maximum terms days
    DEPOSIT_REQUIRED = "deposit_required"  # an increase of an order whose deposit was taken at authorization


class HintAction(enum.Enum):
    """The action that makes an unavailable option available."""

    REDUCE_ORDER = "reduce_order"  # by ``amount``
    INCREASE_ORDER = "increase_order"  # by ``amount``
    PAY_OVERDUE_INVOICES = "pay_overdue_invoices"  # ``invoice_ids``, ``amount`` in total
    APPLY_FOR_CREDIT = "apply_for_credit"
    APPLY_FOR_HIGHER_LIMIT = "apply_for_higher_limit"  # by at least ``amount``
    CHOOSE_ANOTHER_CURRENCY = "choose_another_currency"  # one of ``currencies``
    CHOOSE_ANOTHER_OPTION = "choose_another_option"
    CONTACT_MERCHANT = "contact_merchant"
    AUTHORIZE_NEW_ORDER = "authorize_new_order"  # for the extra ``amount``, which takes its own deposit


@attrs.frozen
class ResolutionHint:
    """A concrete way to make an unavailable option available."""

    action: HintAction
    message: str
    amount: Money | None = None
    invoice_ids: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()


@attrs.frozen
class Finding:
    """The first rule a product fails, with the hint that resolves it."""

    reason: ReasonCode
    hint: ResolutionHint


@attrs.frozen
class OverdueInvoice:
    """An open invoice past its due date, with the figures eligibility uses."""

    invoice_id: str
    days_past_due: int
    outstanding: Money


@attrs.frozen
class BuyerPosition:
    """The state of a buyer's account at one moment, as eligibility rules use it.

    ``has_account`` False means the buyer has no credit account; the credit fields are
    then ignored. ``headroom`` is what a new reservation may add: limit plus over-limit
    tolerance minus exposure, and zero when the limit is zero. ``max_terms_days`` and
    ``deposit_share`` are the account's counter-offer terms, and ``as_of`` is the order
    date that terms days count from; terms days are not checked without it.
    """

    has_account: bool
    country: str | None
    buyer_status: BuyerStatus
    outcome: UnderwritingOutcome
    account_currency: str | None = None
    closed: bool = False
    on_hold: bool = False
    limit_is_zero: bool = False
    headroom: Money | None = None
    overdue: tuple[OverdueInvoice, ...] = ()
    hold_after_days_overdue: int | None = None
    max_terms_days: int | None = None
    deposit_share: Decimal = Decimal(0)
    as_of: date | None = None

    def overdue_beyond(self, days: int) -> tuple[OverdueInvoice, ...]:
        """Return the overdue invoices more than ``days`` days late."""
        return tuple(item for item in self.overdue if item.days_past_due > days)


# Deposits secure credit that runs for a term; cash on delivery and cheques settle within days.
_DEPOSIT_KINDS = (ProductKind.TRADE_CREDIT, ProductKind.INSTALLMENTS)


def order_deposit(product: Product, deposit_share: Decimal, amount: Money) -> Money | None:
    """Return the part of an order of ``amount`` paid now under ``deposit_share``, or None.

    Only trade-credit and instalment products take a deposit. It is rounded up to the
    minor unit, so the buyer never pays less than the share.
    """
    if not deposit_share or product.kind not in _DEPOSIT_KINDS:
        return None
    return amount.multiply(deposit_share, Rounding.UP)


def assess(
    product: Product,
    position: BuyerPosition,
    amount: Money,
    *,
    credit_needed: Money | None = None,
    rate: Decimal | None = None,
) -> Finding | None:
    """Return the first rule ``product`` fails for an order of ``amount``, or None.

    Args:
        product: the catalogue product.
        position: the buyer's account position.
        amount: the order amount in the order's currency.
        credit_needed: the credit the order would reserve, in the account's currency
            (order plus buyer fee, converted). None when the rate is unknown.
        rate: the account-currency value of one unit of the order currency, used to turn
            a shortfall back into an order amount; None for the same currency.
    """
    eligibility = product.eligibility
    currency = amount.currency.code

    # Rules for every product: currency, amount range, country, buyer status.
    amount_range = eligibility.amount_range(currency)
    if amount_range is None:
        return Finding(
            ReasonCode.CURRENCY_NOT_SUPPORTED,
            ResolutionHint(
                HintAction.CHOOSE_ANOTHER_CURRENCY,
                f"{product.name} takes {', '.join(eligibility.currencies)}, not {currency}.",
                currencies=eligibility.currencies,
            ),
        )
    # Same currency by the lookup above, so compare the Decimal amounts directly (cheaper).
    if amount.amount < amount_range.minimum.amount:
        short = amount_range.minimum - amount
        return Finding(
            ReasonCode.AMOUNT_BELOW_MINIMUM,
            ResolutionHint(
                HintAction.INCREASE_ORDER,
                f"Add {short} to reach the minimum of {amount_range.minimum}.",
                short,
            ),
        )
    if amount_range.maximum is not None and amount.amount > amount_range.maximum.amount:
        excess = amount - amount_range.maximum
        return Finding(
            ReasonCode.AMOUNT_ABOVE_MAXIMUM,
            ResolutionHint(
                HintAction.REDUCE_ORDER,
                f"Reduce the order by {excess} to the maximum of {amount_range.maximum}.",
                excess,
            ),
        )
    if eligibility.countries and position.country not in eligibility.countries:
        return Finding(
            ReasonCode.COUNTRY_NOT_SUPPORTED,
            ResolutionHint(
                HintAction.CHOOSE_ANOTHER_OPTION,
                f"{product.name} is offered in {', '.join(eligibility.countries)}.",
            ),
        )
    if position.buyer_status not in eligibility.buyer_statuses:
        return Finding(
            ReasonCode.BUYER_STATUS_NOT_ELIGIBLE,
            ResolutionHint(
                HintAction.CONTACT_MERCHANT,
                f"{product.name} needs buyer status {', '.join(s.value for s in eligibility.buyer_statuses)}.",
            ),
        )
    if not product.uses_credit:
        return None

    # Rules for credit products: account, holds, underwriting, overdue, rate, credit.
    return _assess_credit(product, position, amount, credit_needed, rate)


def _assess_credit(
    product: Product,
    position: BuyerPosition,
    amount: Money,
    credit_needed: Money | None,
    rate: Decimal | None,
) -> Finding | None:
    eligibility = product.eligibility
    if not position.has_account:
        return Finding(
            ReasonCode.NO_CREDIT_ACCOUNT,
            ResolutionHint(
                HintAction.APPLY_FOR_CREDIT,
                "Apply for a credit account to pay later.",
            ),
        )
    if position.closed:
        return Finding(
            ReasonCode.ACCOUNT_CLOSED,
            ResolutionHint(
                HintAction.CONTACT_MERCHANT,
                "The credit account is closed.",
            ),
        )
    if position.on_hold:
        return Finding(
            ReasonCode.ACCOUNT_ON_HOLD,
            ResolutionHint(
                HintAction.CONTACT_MERCHANT,
                "The credit account is on hold.",
            ),
        )
    if eligibility.underwriting_outcomes and position.outcome not in eligibility.underwriting_outcomes:
        return Finding(
            ReasonCode.UNDERWRITING_OUTCOME_NOT_ELIGIBLE,
            ResolutionHint(
                HintAction.APPLY_FOR_CREDIT,
                f"The underwriting outcome is {position.outcome.value}.",
            ),
        )
    if position.limit_is_zero:
        return Finding(
            ReasonCode.NO_CREDIT_LIMIT,
            ResolutionHint(
                HintAction.APPLY_FOR_HIGHER_LIMIT,
                "The credit limit is zero, so only pay-now options are open.",
            ),
        )
    if position.max_terms_days is not None and position.as_of is not None:
        days = product.terms.tenor_days(position.as_of)
        if days > position.max_terms_days:
            return Finding(
                ReasonCode.TERMS_LONGER_THAN_OFFERED,
                ResolutionHint(
                    HintAction.CHOOSE_ANOTHER_OPTION,
                    f"The credit account allows terms of up to {position.max_terms_days} days, "
                    f"and {product.terms.code} runs {days} days. Choose shorter terms.",
                ),
            )
    allowed = [days for days in (eligibility.max_days_overdue, position.hold_after_days_overdue) if days is not None]
    if allowed:
        late = position.overdue_beyond(min(allowed))
        if late:
            total = Money.sum((item.outstanding for item in late), late[0].outstanding.currency)
            return Finding(
                ReasonCode.INVOICE_OVERDUE,
                ResolutionHint(
                    HintAction.PAY_OVERDUE_INVOICES,
                    f"Pay the overdue invoices ({total}) first.",
                    total,
                    invoice_ids=tuple(item.invoice_id for item in late),
                ),
            )
    if credit_needed is None or position.headroom is None:
        return Finding(
            ReasonCode.FX_RATE_UNAVAILABLE,
            ResolutionHint(
                HintAction.CHOOSE_ANOTHER_CURRENCY,
                f"No exchange rate from {amount.currency.code} to {position.account_currency}; "
                f"order in {position.account_currency}.",
                currencies=() if position.account_currency is None else (position.account_currency,),
            ),
        )
    if credit_needed > position.headroom:
        shortfall = credit_needed - position.headroom
        # Under a deposit only the rest of the order takes credit, so the order must
        # shrink by the shortfall divided by that rest's share.
        factor = Decimal(1) if rate is None else rate
        if order_deposit(product, position.deposit_share, amount) is not None:
            factor = factor * (1 - position.deposit_share)
        reduce_by = (
            shortfall
            if rate is None and factor == 1
            else Money(
                DECIMAL_CONTEXT.divide(shortfall.amount, factor),
                amount.currency,
                rounding=Rounding.UP,
            )
        )
        if reduce_by >= amount:
            return Finding(
                ReasonCode.INSUFFICIENT_CREDIT,
                ResolutionHint(
                    HintAction.APPLY_FOR_HIGHER_LIMIT,
                    f"The order needs {shortfall} more credit than is available.",
                    shortfall,
                ),
            )
        return Finding(
            ReasonCode.INSUFFICIENT_CREDIT,
            ResolutionHint(
                HintAction.REDUCE_ORDER,
                f"Reduce the order by {reduce_by}, or apply for {shortfall} more credit.",
                reduce_by,
            ),
        )
    return None
