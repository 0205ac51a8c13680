"""Customer-tier benefits: the limit multiplier, the payment terms offered and the fee discount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.checkout.options import Cart
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.decisions.facade import Underwriter
from b2bcredit.engine import Engine
from b2bcredit.limits.methods import BureauRecommendation, LimitInputs
from b2bcredit.limits.policy import LimitPolicy
from b2bcredit.products.eligibility import ReasonCode
from b2bcredit.segments.benefits import ServiceModel, TierBenefits
from b2bcredit.segments.tiers import default_tier_policy

TIERS = default_tier_policy("EUR")
STANDARD = TIERS.benefits_of("standard")
GOLD = TIERS.benefits_of("gold")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def capped_policy() -> LimitPolicy:
    # Policy maximum 50,000; concentration cap 2 % of 2,000,000 sales = 40,000.
    return LimitPolicy(
        currency="EUR",
        methods=(BureauRecommendation(),),
        maximum=eur("50000.00"),
        seller_annual_sales=eur("2000000.00"),
        concentration_share=Decimal("0.02"),
    )


def test_multiplier_raises_limit() -> None:
    """A 1.5 multiplier turns a 20,000 figure into 30,000."""
    inputs = LimitInputs(currency="EUR", bureau_recommended=eur("20000.00"))

    plain = capped_policy().decide(inputs)
    raised = capped_policy().decide(inputs, multiplier=Decimal("1.5"))

    assert plain.limit.amount == eur("20000.00")
    assert raised.limit.amount == eur("30000.00")
    assert raised.multiplier == Decimal("1.5")
    assert raised.caps_applied == ()


def test_multiplier_stops_at_concentration_cap() -> None:
    """A multiplied limit stops at the concentration cap, below the policy maximum."""
    inputs = LimitInputs(currency="EUR", bureau_recommended=eur("20000.00"))

    raised = capped_policy().decide(inputs, multiplier=Decimal("2.2"))

    assert raised.limit.amount == eur("40000.00")
    assert len(raised.caps_applied) == 1
    assert raised.caps_applied[0].startswith("concentration cap")


def test_multiplier_stops_at_policy_maximum() -> None:
    """Without a concentration cap, a multiplied limit stops at the policy maximum."""
    policy = LimitPolicy(currency="EUR", methods=(BureauRecommendation(),), maximum=eur("50000.00"))
    inputs = LimitInputs(currency="EUR", bureau_recommended=eur("20000.00"))

    raised = policy.decide(inputs, multiplier=Decimal("4"))

    assert raised.limit.amount == eur("50000.00")
    assert raised.caps_applied == ("policy maximum 50000.00 EUR",)


@given(
    recommended=st.integers(min_value=0, max_value=10**10),
    multiplier=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10"), places=2),
)
def test_multiplier_never_passes_caps(recommended: int, multiplier: Decimal) -> None:
    """Any multiplier keeps the limit within both caps; one of at least 1 never lowers it."""
    inputs = LimitInputs(currency="EUR", bureau_recommended=Money.from_minor_units(recommended, "EUR"))
    policy = capped_policy()

    plain = policy.decide(inputs).limit.amount
    raised = policy.decide(inputs, multiplier=multiplier).limit.amount

    assert plain is not None
    assert raised is not None
    assert raised <= eur("40000.00")
    if multiplier >= 1:
        assert raised >= plain
    else:
        assert raised <= plain


@pytest.mark.parametrize("multiplier", [Decimal(0), Decimal("-1")])
def test_non_positive_multiplier_rejected(multiplier: Decimal) -> None:
    """A multiplier of zero or less raises, naming the field."""
    inputs = LimitInputs(currency="EUR", bureau_recommended=eur("20000.00"))
    with pytest.raises(InvalidInputError, match="multiplier"):
        capped_policy().decide(inputs, multiplier=multiplier)


def test_tier_raises_granted_limit(engine: Engine) -> None:
    """A gold buyer is granted more than the same buyer without a tier, never above the request."""
    application = Underwriter.sample_application()

    plain = engine.underwrite(application)
    gold = engine.underwrite(application, tier=GOLD)
    (gold_batch,) = engine.underwrite_batch([application], tier=GOLD)

    assert plain.granted_limit.amount is not None
    assert gold.granted_limit.amount is not None
    assert gold.granted_limit.amount > plain.granted_limit.amount
    assert gold.granted_limit.amount <= application.requested_limit
    assert gold_batch.granted_limit == gold.granted_limit
    assert gold.limit_detail.multiplier == GOLD.credit_limit_multiplier


def test_checkout_offers_only_tier_terms(engine: Engine) -> None:
    """A standard buyer is offered net 30 but not net 60 or 2/10 net 30; other kinds stay open."""
    engine.open_account("open", "b1", eur("50000.00"))

    options = engine.checkout_options("b1", Cart(eur("1000.00")), tier=STANDARD)

    assert options.option("net30").available
    for product_id in ("net30_discount", "net60", "net90", "eom30"):
        option = options.option(product_id)
        assert option.reason is ReasonCode.TERMS_NOT_OFFERED_TO_TIER
        assert option.hint is not None
        assert "NET30" in option.hint.message
    assert options.option("installments_3").available
    assert options.option("card").available


def test_authorize_declines_terms_outside_tier(engine: Engine) -> None:
    """Authorizing terms the tier lacks declines with the checkout reason and stores nothing."""
    engine.open_account("open", "b1", eur("50000.00"))

    declined = engine.authorize("auth", "b1", "o1", "net60", eur("1000.00"), tier=STANDARD)
    assert not declined.approved
    assert declined.reason is ReasonCode.TERMS_NOT_OFFERED_TO_TIER
    assert declined.available == eur("50000.00")

    # Nothing was stored under the key, so it can serve the corrected request.
    approved = engine.authorize("auth", "b1", "o1", "net30", eur("1000.00"), tier=STANDARD)
    assert approved.approved


def test_fee_discount_in_checkout_and_authorization(engine: Engine) -> None:
    """Gold's 25 % fee discount lowers the fee checkout shows and authorization reserves."""
    engine.open_account("open", "b1", eur("50000.00"))
    cart = Cart(eur("2000.00"))
    fee = engine.catalogue.get("installments_6").pricing.buyer_fee(cart.amount)

    option = engine.checkout_options("b1", cart, tier=GOLD).option("installments_6")
    result = engine.authorize("auth", "b1", "o1", "installments_6", cart.amount, tier=GOLD)

    assert fee == eur("40.00")
    assert option.buyer_fee == eur("30.00")
    assert option.credit_needed == eur("2030.00")
    assert result.authorization is not None
    assert result.authorization.fee == option.buyer_fee
    assert result.authorization.reserved == option.credit_needed
    capture = engine.capture("ship", result.authorization.authorization_id)
    assert capture.invoice.fees_charged == eur("30.00")
    engine.check_invariants("b1")


def test_fee_discount_applies_after_cap() -> None:
    """The tier's discount comes off the capped fee, so a capped fee is discounted too."""
    tier = TierBenefits("vip", ServiceModel.DEDICATED_ACCOUNT_MANAGER, "1", ("NET30",), "0.5", "1")
    from b2bcredit.products.catalogue import default_catalogue
    from b2bcredit.products.tiers import for_tier

    product = default_catalogue().get("installments_3")
    assert product.pricing.buyer_fee(eur("90000.00")) == eur("250.00")
    assert for_tier(product, tier).pricing.buyer_fee(eur("90000.00")) == eur("125.00")
