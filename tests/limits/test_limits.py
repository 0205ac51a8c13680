"""Limit methods, the limit policy and explicit limit states."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.limits import (
    Combination,
    CreditLimit,
    LimitInputs,
    LimitPolicy,
    LimitState,
    NeedsBased,
    NetWorthShare,
    RiskClassMatrix,
    TradeReference,
    WorkingCapitalShare,
)


def eur(text: str) -> Money:
    return Money(text, "EUR")


def test_needs_based_formula() -> None:
    """10,000 a month on net 30 with a 15-day buffer needs 15,000."""
    estimate = NeedsBased().estimate(LimitInputs("EUR", average_monthly_purchases=eur("10000")))
    assert estimate.amount == eur("15000")


def test_negative_net_worth_gives_zero() -> None:
    """A negative tangible net worth sizes the method at zero, not a negative limit."""
    estimate = NetWorthShare().estimate(LimitInputs("EUR", tangible_net_worth=eur("-5")))
    assert estimate.amount == eur("0")


def test_zero_reason_names_method_and_input() -> None:
    """A negative net worth that sizes the limit at zero is named with its method and amount."""
    policy = LimitPolicy("USD", (NeedsBased(), NetWorthShare()))
    decision = policy.decide(
        LimitInputs(
            "USD",
            average_monthly_purchases=Money("10000", "USD"),
            tangible_net_worth=Money("-120000", "USD"),
        )
    )
    assert decision.limit.state is LimitState.PREPAY_ONLY
    assert decision.zero_reason == "tangible net worth is -120000.00 USD, so the net-worth method gives 0"
    assert decision.zero_basis == Money("-120000", "USD")


def test_zero_reason_names_rounding_step() -> None:
    """A positive figure below the rounding step is explained by the step."""
    policy = LimitPolicy("EUR", (NeedsBased(),), step=Decimal("100"))
    decision = policy.decide(LimitInputs("EUR", average_monthly_purchases=eur("40")))
    assert decision.limit.state is LimitState.PREPAY_ONLY
    assert decision.zero_reason == (
        "the limit methods size the credit line at 60.00 EUR, which rounds to 0 at the step of 100"
    )


def test_zero_reason_names_cap() -> None:
    """A policy maximum of zero is named as the cap that took the limit to zero."""
    policy = LimitPolicy("EUR", (NeedsBased(),), maximum=eur("0"))
    decision = policy.decide(LimitInputs("EUR", average_monthly_purchases=eur("10000")))
    assert decision.zero_reason == "the policy maximum 0.00 EUR caps the credit line at 0"


def test_zero_share_of_small_base_named() -> None:
    """A share that rounds down to zero says so and names the method."""
    estimate = NetWorthShare().estimate(LimitInputs("EUR", tangible_net_worth=eur("0.05")))
    assert estimate.amount == eur("0")
    assert estimate.note == "0.10 of tangible net worth 0.05 EUR rounds down to 0, so the net-worth method gives 0"


def test_positive_limit_has_no_zero_reason() -> None:
    policy = LimitPolicy("EUR", (NeedsBased(),))
    decision = policy.decide(LimitInputs("EUR", average_monthly_purchases=eur("10000")))
    assert decision.zero_reason is None


def test_policy_minimum_cap_and_step() -> None:
    """The minimum of the methods, capped by the maximum, rounded down to the step."""
    policy = LimitPolicy("EUR", (NeedsBased(), NetWorthShare()), maximum=eur("12345"))
    decision = policy.decide(
        LimitInputs("EUR", average_monthly_purchases=eur("10000"), tangible_net_worth=eur("200000"))
    )
    assert decision.limit == CreditLimit(LimitState.LIMITED, eur("12300"))
    assert decision.caps_applied


def test_policy_average_and_weighted() -> None:
    """AVERAGE takes the mean and WEIGHTED renormalises over the available methods."""
    inputs = LimitInputs(
        "EUR", average_monthly_purchases=eur("10000"), tangible_net_worth=eur("100000")
    )
    methods = (NeedsBased(), NetWorthShare(), WorkingCapitalShare())
    average = LimitPolicy("EUR", methods, combination=Combination.AVERAGE).decide(inputs)
    assert average.limit.amount == eur("12500")
    weights = {
        "needs_based": Decimal(3),
        "net_worth_share": Decimal(1),
        "working_capital_share": Decimal(5),
    }
    weighted = LimitPolicy(
        "EUR", methods, combination=Combination.WEIGHTED, weights=weights
    ).decide(inputs)
    assert weighted.limit.amount == eur("13700")  # (3 * 15000 + 10000) / 4 = 13750, down to 100


def test_concentration_cap() -> None:
    """No buyer exceeds the seller's concentration share of its own sales."""
    policy = LimitPolicy(
        "EUR",
        (NeedsBased(),),
        seller_annual_sales=eur("1000000"),
        concentration_share=Decimal("0.01"),
    )
    decision = policy.decide(LimitInputs("EUR", average_monthly_purchases=eur("100000")))
    assert decision.limit.amount == eur("10000")


def test_no_method_applies_is_not_underwritten() -> None:
    """Without any input the state is NOT_UNDERWRITTEN, not zero and not unlimited."""
    decision = LimitPolicy("EUR", (NeedsBased(),)).decide(LimitInputs("EUR"))
    assert decision.limit.state is LimitState.NOT_UNDERWRITTEN
    assert decision.limit.amount is None


def test_zero_is_prepay_only_never_unlimited() -> None:
    """A zero limit is PREPAY_ONLY and allows no exposure; UNLIMITED needs its own state."""
    zero = CreditLimit.of(eur("0"))
    assert zero.state is LimitState.PREPAY_ONLY
    assert not zero.allows(eur("0.01"))
    assert CreditLimit(LimitState.UNLIMITED).allows(eur("1000000000"))
    with pytest.raises(InvalidInputError):
        CreditLimit(LimitState.LIMITED, eur("0"))
    with pytest.raises(InvalidInputError):
        CreditLimit(LimitState.UNLIMITED, eur("0"))


def test_risk_class_matrix() -> None:
    """The matrix reads the grade row and the revenue band column."""
    matrix = RiskClassMatrix.from_strings(
        ["0", "1000000"], {"A": ["20000", "100000"], "B": ["10000", "50000"]}
    )
    inputs = LimitInputs("EUR", risk_grade="B", annual_revenue=eur("2500000"))
    assert matrix.estimate(inputs).amount == eur("50000")
    assert (
        matrix.estimate(LimitInputs("EUR", risk_grade="E", annual_revenue=eur("1"))).amount is None
    )


def test_currency_mismatch_raises() -> None:
    """A policy in EUR rejects USD inputs."""
    with pytest.raises(InvalidInputError, match="currency"):
        LimitPolicy("EUR", (NeedsBased(),)).decide(LimitInputs("USD"))


@given(st.integers(0, 10**10), st.integers(0, 10**10))
def test_limit_never_above_any_method(purchases: int, net_worth: int) -> None:
    """Under MINIMUM the limit never exceeds any available method's figure."""
    inputs = LimitInputs(
        "EUR",
        average_monthly_purchases=Money.from_minor_units(purchases, "EUR"),
        tangible_net_worth=Money.from_minor_units(net_worth, "EUR"),
    )
    decision = LimitPolicy("EUR", (NeedsBased(), NetWorthShare())).decide(inputs)
    amount = decision.limit.amount
    assert amount is not None
    for estimate in decision.estimates:
        assert estimate.amount is not None
        assert amount <= estimate.amount


def test_zero_trade_reference_named() -> None:
    """A trade reference of zero gives 0 with a note naming the method and the reference."""
    estimate = TradeReference().estimate(LimitInputs("EUR", trade_reference=eur("0")))
    assert estimate.amount == eur("0")
    assert estimate.note == "0.5 of the trade reference 0.00 EUR is 0, so the trade-reference method gives 0"
    assert estimate.basis == eur("0")


def test_zero_basis_absent_after_rounding() -> None:
    """A zero from the rounding step names no method input, though one method gave 0."""
    policy = LimitPolicy("EUR", (NeedsBased(), NetWorthShare()), combination=Combination.AVERAGE)
    decision = policy.decide(
        LimitInputs("EUR", average_monthly_purchases=eur("40"), tangible_net_worth=eur("-5"))
    )
    assert decision.limit.state is LimitState.PREPAY_ONLY
    assert decision.zero_basis is None
    assert decision.zero_reason == (
        "the limit methods size the credit line at 30.00 EUR, which rounds to 0 at the step of 100"
    )
