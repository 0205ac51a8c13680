"""The credit product catalogue: products as versioned data with eligibility and pricing.

A catalogue is plain data (a JSON file or Python objects) with a version string. Each
product states its eligibility: amount range per currency, countries, buyer status,
underwriting outcome and overdue invoices. It states its pricing: the merchant's fee, a
buyer fee with a cap and a risk-based add-on from the probability of default. It also
states its effect on the buyer's credit exposure, its payment terms and its late fee.
The catalogue also lists the dunning levels that collections apply to overdue invoices.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from b2bcredit.core.errors import InvalidInputError, NotFoundError
from b2bcredit.core.money import Money, Rounding, to_decimal
from b2bcredit.products.terms import MONTHS_TO_FREQUENCY, TermsKind, TermsSpec
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy

__all__ = [
    "AmountRange",
    "BuyerStatus",
    "Catalogue",
    "DunningLevel",
    "Eligibility",
    "ExposureEffect",
    "LateFeePolicy",
    "Pricing",
    "Product",
    "ProductKind",
    "UnderwritingOutcome",
    "default_catalogue",
    "load_catalogue",
]


class ProductKind(enum.Enum):
    """The family a payment option belongs to."""

    CARD = "card"  # paid now by card; no credit
    BANK_TRANSFER = "bank_transfer"  # paid now by transfer before shipment; no credit
    TRADE_CREDIT = "trade_credit"  # invoice due after Net N or end of month
    INSTALLMENTS = "installments"  # invoice paid in dated equal parts
    CASH_ON_DELIVERY = "cash_on_delivery"  # paid to the carrier on delivery
    CHEQUE = "cheque"  # paid by cheque, which takes days to clear


class ExposureEffect(enum.Enum):
    """The effect of choosing the product on the buyer's credit exposure."""

    NONE = "none"  # paid up front; no credit reserved
    RESERVE_UNTIL_PAID = "reserve_until_paid"  # reserved at authorization, invoiced at capture
    RESERVE_UNTIL_DELIVERY_PAID = "reserve_until_delivery_paid"  # released when the carrier is paid
    HOLD_UNTIL_CLEARED = "hold_until_cleared"  # held until the cheque clears


class BuyerStatus(enum.Enum):
    """The host's status of a buyer, as eligibility rules see it."""

    NEW = "new"  # no order history with the merchant yet
    ACTIVE = "active"  # trading normally
    RESTRICTED = "restricted"  # the host restricts this buyer to pay-now options


class UnderwritingOutcome(enum.Enum):
    """The underwriting decision recorded on the buyer's account."""

    APPROVED = "approved"
    REFERRED = "referred"  # waiting for a manual review
    DECLINED = "declined"
    NOT_ASSESSED = "not_assessed"  # no application yet


@attrs.frozen
class AmountRange:
    """The order amounts a product accepts in one currency; ``maximum`` None means no cap."""

    minimum: Money
    maximum: Money | None = None

    def __attrs_post_init__(self) -> None:
        if self.minimum.is_negative():
            raise InvalidInputError("minimum", str(self.minimum), "must not be negative", "Pass 0 or more.")
        if self.maximum is not None and self.maximum < self.minimum:
            raise InvalidInputError(
                "maximum",
                str(self.maximum),
                f"is below the minimum {self.minimum}",
                "Pass a maximum at or above the minimum.",
            )


@attrs.frozen
class Eligibility:
    """The rules on who may use a product. Empty ``countries`` or ``underwriting_outcomes`` mean any."""

    amount_ranges: tuple[AmountRange, ...]
    countries: tuple[str, ...] = ()
    buyer_statuses: tuple[BuyerStatus, ...] = (BuyerStatus.NEW, BuyerStatus.ACTIVE)
    underwriting_outcomes: tuple[UnderwritingOutcome, ...] = ()
    max_days_overdue: int | None = None

    def amount_range(self, currency: str) -> AmountRange | None:
        """Return the accepted range in ``currency``, or None when the currency is not accepted."""
        for amount_range in self.amount_ranges:
            if amount_range.minimum.currency.code == currency:
                return amount_range
        return None

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currency codes the product accepts."""
        return tuple(amount_range.minimum.currency.code for amount_range in self.amount_ranges)


@attrs.frozen
class Pricing:
    """What a product costs the merchant and the buyer.

    The buyer fee is ``fixed + (rate + pd × risk_rate) × amount``, rounded with
    ``rounding`` and capped at ``cap``. The fixed part and the cap are given per currency.
    In a currency they do not list, the fixed part is zero and there is no cap. A
    ``fee_discount`` (a customer tier's benefit) then takes its share off the capped fee,
    the discount rounded with ``rounding``. The merchant's fee is ``merchant_rate × amount``.
    """

    merchant_rate: Decimal = Decimal(0)
    buyer_fixed: tuple[Money, ...] = ()
    buyer_rate: Decimal = Decimal(0)
    buyer_cap: tuple[Money, ...] = ()
    risk_rate: Decimal = Decimal(0)
    rounding: Rounding = Rounding.HALF_UP
    fee_discount: Decimal = Decimal(0)

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) <= self.fee_discount < Decimal(1):
            raise InvalidInputError(
                "fee_discount", str(self.fee_discount), "must be at least 0 and below 1", "Pass 0.10 for 10%."
            )

    def buyer_fee(self, amount: Money, probability_of_default: Decimal | None = None) -> Money:
        """Return the buyer's fee on an order of ``amount``."""
        rate = self.buyer_rate
        if probability_of_default is not None:
            rate += probability_of_default * self.risk_rate
        fee = amount.multiply(rate, self.rounding) + _in_currency(self.buyer_fixed, amount)
        cap = _find_currency(self.buyer_cap, amount.currency.code)
        if cap is not None and fee > cap:
            fee = cap
        if self.fee_discount:
            fee = fee - fee.multiply(self.fee_discount, self.rounding)
        return fee

    def merchant_fee(self, amount: Money) -> Money:
        """Return the merchant's fee on an order of ``amount``."""
        return amount.multiply(self.merchant_rate, self.rounding)


@attrs.frozen
class LateFeePolicy:
    """A one-off fee charged on an invoice once it is more than ``grace_days`` past due.

    The fee is ``fixed + rate × principal outstanding``, rounded half up.
    """

    grace_days: int = 0
    fixed: tuple[Money, ...] = ()
    rate: Decimal = Decimal(0)

    def fee(self, outstanding: Money) -> Money:
        """Return the late fee on ``outstanding`` principal."""
        return outstanding.multiply(self.rate, Rounding.HALF_UP) + _in_currency(self.fixed, outstanding)


@attrs.frozen
class DunningLevel:
    """A collections step reached when an invoice is ``days_past_due`` days late."""

    level: int
    days_past_due: int
    action: str  # what the host does at this level, such as "reminder" or "collections"


# The hash is cached because stores and caches key on products on every authorization.
@attrs.frozen(cache_hash=True)
class Product:
    """One payment option of the catalogue."""

    product_id: str
    name: str
    kind: ProductKind
    terms: TermsSpec
    eligibility: Eligibility
    pricing: Pricing = Pricing()
    exposure: ExposureEffect = ExposureEffect.RESERVE_UNTIL_PAID
    late_fee: LateFeePolicy | None = None

    @property
    def uses_credit(self) -> bool:
        """Whether the product reserves credit, so it needs an account with available credit."""
        return self.exposure is not ExposureEffect.NONE


@attrs.frozen
class Catalogue:
    """A versioned list of products and the dunning levels of collections."""

    version: str
    products: tuple[Product, ...]
    dunning: tuple[DunningLevel, ...] = ()

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for product in self.products:
            if product.product_id in seen:
                raise InvalidInputError(
                    "product_id",
                    product.product_id,
                    "appears twice in the catalogue",
                    "Give each product its own id.",
                )
            seen.add(product.product_id)
        levels = [level.days_past_due for level in self.dunning]
        if levels != sorted(levels):
            raise InvalidInputError(
                "dunning",
                levels,
                "levels must be ordered by days past due",
                "List the dunning levels from the earliest to the latest.",
            )

    def get(self, product_id: str) -> Product:
        """Return the product with ``product_id``.

        Raises:
            NotFoundError: no such product in this catalogue version.
        """
        for product in self.products:
            if product.product_id == product_id:
                return product
        known = ", ".join(product.product_id for product in self.products)
        raise NotFoundError(f"product_id: no product {product_id!r} in catalogue {self.version}. Use one of: {known}.")

    def dunning_level(self, days_past_due: int) -> DunningLevel | None:
        """Return the highest dunning level reached at ``days_past_due``, if any."""
        reached = None
        for level in self.dunning:
            if days_past_due >= level.days_past_due:
                reached = level
        return reached

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalogue:
        """Build a catalogue from its JSON form (see ``default_catalogue.json``)."""
        try:
            return cls(
                version=str(data["version"]),
                products=tuple(_product_from_dict(item) for item in data["products"]),
                dunning=tuple(
                    DunningLevel(int(item["level"]), int(item["days_past_due"]), str(item["action"]))
                    for item in data.get("dunning", ())
                ),
            )
        except KeyError as error:
            raise InvalidInputError(
                "catalogue",
                error.args[0],
                "a required field is missing",
                "Add the field; default_catalogue.json shows every field.",
            ) from None


def load_catalogue(path: str | Path) -> Catalogue:
    """Read a catalogue from a JSON file."""
    with Path(path).open(encoding="utf-8") as handle:
        return Catalogue.from_dict(json.load(handle))


def default_catalogue() -> Catalogue:
    """Return the built-in catalogue: pay now, Net 30/60/90, EOM, instalments (one with interest), COD, cheque."""
    text = resources.files("b2bcredit.products").joinpath("default_catalogue.json").read_text("utf-8")
    return Catalogue.from_dict(json.loads(text))


def _product_from_dict(data: Mapping[str, Any]) -> Product:
    terms = data["terms"]
    eligibility = data["eligibility"]
    pricing = data.get("pricing", {})
    late_fee = data.get("late_fee")
    return Product(
        product_id=str(data["product_id"]),
        name=str(data["name"]),
        kind=ProductKind(data["kind"]),
        terms=_terms_from_json(terms),
        eligibility=Eligibility(
            amount_ranges=tuple(
                AmountRange(
                    Money.parse(item["minimum"]),
                    None if item.get("maximum") is None else Money.parse(item["maximum"]),
                )
                for item in eligibility["amount_ranges"]
            ),
            countries=tuple(eligibility.get("countries", ())),
            buyer_statuses=tuple(BuyerStatus(value) for value in eligibility.get("buyer_statuses", ("new", "active"))),
            underwriting_outcomes=tuple(
                UnderwritingOutcome(value) for value in eligibility.get("underwriting_outcomes", ())
            ),
            max_days_overdue=eligibility.get("max_days_overdue"),
        ),
        pricing=Pricing(
            merchant_rate=to_decimal(pricing.get("merchant_rate", "0"), "merchant_rate"),
            buyer_fixed=_money_list(pricing.get("buyer_fixed", ())),
            buyer_rate=to_decimal(pricing.get("buyer_rate", "0"), "buyer_rate"),
            buyer_cap=_money_list(pricing.get("buyer_cap", ())),
            risk_rate=to_decimal(pricing.get("risk_rate", "0"), "risk_rate"),
            rounding=Rounding[pricing.get("rounding", "HALF_UP")],
            fee_discount=to_decimal(pricing.get("fee_discount", "0"), "fee_discount"),
        ),
        exposure=ExposureEffect(data.get("exposure", "reserve_until_paid")),
        late_fee=None
        if late_fee is None
        else LateFeePolicy(
            grace_days=int(late_fee.get("grace_days", 0)),
            fixed=_money_list(late_fee.get("fixed", ())),
            rate=to_decimal(late_fee.get("rate", "0"), "late_fee.rate"),
        ),
    )


def _terms_from_json(terms: str | Mapping[str, Any]) -> TermsSpec:
    # Trade terms are written in the usual notation; an instalment plan is an object.
    if isinstance(terms, str):
        return TermsSpec.parse(terms)
    if "kind" in terms:
        return _structured_terms(terms)
    plan = terms["instalment_plan"]
    rounding = plan.get("rounding", {})
    return TermsSpec(
        kind=TermsKind.INSTALLMENTS,
        installments=int(plan["instalments"]),
        frequency=Frequency(plan.get("frequency", "monthly")),
        method=AmortizationMethod(plan.get("method", "annuity")),
        rounding=RoundingPolicy(
            mode=Rounding[rounding.get("mode", "HALF_EVEN")],
            instalment_multiple=rounding.get("instalment_multiple"),
            residual=ResidualPlacement(rounding.get("residual", "last")),
        ),
        annual_rate=to_decimal(plan.get("annual_rate", "0"), "instalment_plan.annual_rate"),
    )


def _structured_terms(terms: Mapping[str, Any]) -> TermsSpec:
    # The field-by-field form of catalogue version 2026-12-01, still read for existing files.
    months = int(terms.get("interval_months", 1))
    if months not in MONTHS_TO_FREQUENCY:
        raise InvalidInputError(
            "interval_months", months, "no instalment frequency has this many months", "Pass 1, 3, 6 or 12."
        )
    return TermsSpec(
        kind=TermsKind(terms["kind"]),
        days=int(terms.get("days", 0)),
        discount_rate=_optional_decimal(terms.get("discount_rate"), "discount_rate"),
        discount_days=None if terms.get("discount_days") is None else int(terms["discount_days"]),
        installments=int(terms.get("installments", 1)),
        frequency=MONTHS_TO_FREQUENCY[months],
    )


def _optional_decimal(value: object, field: str) -> Decimal | None:
    return None if value is None else to_decimal(value, field)


def _money_list(values: Sequence[str]) -> tuple[Money, ...]:
    return tuple(Money.parse(value) for value in values)


def _find_currency(values: tuple[Money, ...], currency: str) -> Money | None:
    for value in values:
        if value.currency.code == currency:
            return value
    return None


def _in_currency(values: tuple[Money, ...], like: Money) -> Money:
    found = _find_currency(values, like.currency.code)
    return Money.zero(like.currency) if found is None else found
