"""Pydantic models for checkout: the request a storefront sends and the options it gets back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from b2bcredit.checkout.options import Cart, CheckoutOption, CheckoutOptions
from b2bcredit.core.money import Money

__all__ = ["CheckoutOptionView", "CheckoutRequest", "CheckoutResponse", "HintView", "ScheduledPaymentView"]


class CheckoutRequest(BaseModel):
    """The buyer and cart of a storefront's request for payment options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    buyer_id: str = Field(min_length=1, description="The host's buyer id.")
    amount: Money = Field(description="The cart total, such as {'amount': '1250.00', 'currency': 'EUR'}.")
    country: str | None = Field(default=None, min_length=2, max_length=2, description="ISO 3166 alpha-2 code.")

    def cart(self) -> Cart:
        """Return the domain cart."""
        return Cart(self.amount, self.country)


class ScheduledPaymentView(BaseModel):
    """One dated payment of an option's schedule; an interest-bearing plan also states its principal and interest."""

    due_date: date
    amount: Money
    principal: Money | None = None
    interest: Money | None = None


class HintView(BaseModel):
    """How to make an unavailable option available."""

    action: str
    message: str
    amount: Money | None = None
    invoice_ids: list[str] = []
    currencies: list[str] = []


class CheckoutOptionView(BaseModel):
    """One payment option as JSON; rates are decimal strings."""

    product_id: str
    name: str
    kind: str
    available: bool
    reason: str | None
    hint: HintView | None
    terms: str
    schedule: list[ScheduledPaymentView]
    discount_rate: Decimal | None
    discount_until: date | None
    buyer_fee: Money
    merchant_fee: Money
    interest: Money
    total_cost: Money
    apr: Decimal | None
    deposit: Money | None = None

    @classmethod
    def of(cls, option: CheckoutOption) -> CheckoutOptionView:
        """Build the view of a domain option."""
        hint = option.hint
        return cls(
            product_id=option.product_id,
            name=option.name,
            kind=option.kind.value,
            available=option.available,
            reason=None if option.reason is None else option.reason.value,
            hint=None
            if hint is None
            else HintView(
                action=hint.action.value,
                message=hint.message,
                amount=hint.amount,
                invoice_ids=list(hint.invoice_ids),
                currencies=list(hint.currencies),
            ),
            terms=option.terms_code,
            schedule=[
                ScheduledPaymentView(due_date=p.due_date, amount=p.amount, principal=p.principal, interest=p.interest)
                for p in option.schedule
            ],
            discount_rate=None if option.discount is None else option.discount.rate,
            discount_until=None if option.discount is None else option.discount.last_day,
            buyer_fee=option.buyer_fee,
            merchant_fee=option.merchant_fee,
            interest=option.interest,
            total_cost=option.total_cost,
            apr=option.apr,
            deposit=option.deposit,
        )


class CheckoutResponse(BaseModel):
    """Every option for the cart, in catalogue order."""

    buyer_id: str
    catalogue_version: str
    as_of: date
    available_credit: Money | None
    options: list[CheckoutOptionView]

    @classmethod
    def of(cls, result: CheckoutOptions) -> CheckoutResponse:
        """Build the view of a domain result."""
        return cls(
            buyer_id=result.buyer_id,
            catalogue_version=result.catalogue_version,
            as_of=result.as_of,
            available_credit=result.available_credit,
            options=[CheckoutOptionView.of(option) for option in result.options],
        )
