"""Request and response models for tier placement at the facade.

Hosts send a :class:`TierPlacementRequest` (JSON or keyword arguments) and get a
:class:`TierPlacementResponse`. A tier policy is kept as a JSON document read by
:class:`TierPolicyModel`. All of them export JSON Schema with ``model_json_schema()``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from b2bcredit.core.money import Money
from b2bcredit.segments.benefits import ServiceModel, TierBenefits
from b2bcredit.segments.firmographics import SizeClass
from b2bcredit.segments.tiers import TierDecision, TierInputs, TierLevel, TierPolicy, TierState
from b2bcredit.segments.windows import EvaluationWindow

__all__ = [
    "TierBenefitsModel",
    "TierLevelModel",
    "TierPlacementRequest",
    "TierPlacementResponse",
    "TierPolicyModel",
]


class TierPlacementRequest(BaseModel):
    """One customer's figures for an evaluation window ``[window_start, window_end)``."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    customer_id: str = Field(min_length=1)
    window_start: dt.date
    window_end: dt.date = Field(description="first day after the window (exclusive)")
    zone: str = Field(description="the tenant's IANA time zone, such as Europe/London")
    revenue: Money = Field(description="net sales in the window")
    clv: Money | None = None
    previous_revenue: Money | None = Field(
        default=None, description="net sales in the window before, for growth")
    size_class: SizeClass = SizeClass.UNKNOWN
    on_time_share: float | None = Field(default=None, ge=0.0, le=1.0)
    days_overdue: int = Field(default=0, ge=0)
    probability_of_default: float | None = Field(default=None, ge=0.0, le=1.0)
    current_tier: str | None = None
    tier_since: dt.date | None = None

    @model_validator(mode="after")
    def _current_tier_complete(self) -> TierPlacementRequest:
        if (self.current_tier is None) != (self.tier_since is None):
            raise ValueError("current_tier and tier_since go together: give both or neither")
        return self

    def to_inputs(self) -> TierInputs:
        """Return the domain inputs of the request."""
        return TierInputs(
            customer_id=self.customer_id,
            window=EvaluationWindow(self.window_start, self.window_end, self.zone),
            revenue=self.revenue,
            clv=self.clv,
            previous_revenue=self.previous_revenue,
            size_class=self.size_class,
            on_time_share=self.on_time_share,
            days_overdue=self.days_overdue,
            probability_of_default=self.probability_of_default,
        )

    def current_state(self) -> TierState | None:
        """Return the customer's tier before the window ends, if any."""
        if self.current_tier is None or self.tier_since is None:
            return None
        return TierState(self.current_tier, self.tier_since)


class TierBenefitsModel(BaseModel):
    """The benefits of a tier, as the limit policy and checkout read them."""

    model_config = ConfigDict(frozen=True)

    tier: str
    service_model: ServiceModel
    credit_limit_multiplier: Decimal
    payment_terms: list[str]
    fee_discount: Decimal
    loyalty_multiplier: Decimal

    @classmethod
    def from_benefits(cls, benefits: TierBenefits) -> TierBenefitsModel:
        """Build the model from the domain value."""
        return cls(
            tier=benefits.tier,
            service_model=benefits.service_model,
            credit_limit_multiplier=benefits.credit_limit_multiplier,
            payment_terms=list(benefits.payment_terms),
            fee_discount=benefits.fee_discount,
            loyalty_multiplier=benefits.loyalty_multiplier,
        )


class TierPlacementResponse(BaseModel):
    """The tier a customer holds from ``effective`` on, why, and what it gives."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    tier: str
    previous_tier: str | None
    changed: bool
    reason: str = Field(description="stable reason code, such as upgrade_blocked_overdue")
    indicated_tier: str
    effective: dt.date
    value_score: float
    potential_score: float | None
    performance_score: float | None
    combined_score: float
    explanation: str
    benefits: TierBenefitsModel
    policy_version: str

    @classmethod
    def from_decision(cls, decision: TierDecision, benefits: TierBenefits,
                      policy_version: str) -> TierPlacementResponse:
        """Build the response from a placement decision."""
        return cls(
            customer_id=decision.customer_id,
            tier=decision.tier,
            previous_tier=decision.previous_tier,
            changed=decision.changed,
            reason=decision.reason.value,
            indicated_tier=decision.indicated_tier,
            effective=decision.effective,
            value_score=decision.score.value,
            potential_score=decision.score.potential,
            performance_score=decision.score.performance,
            combined_score=decision.score.combined,
            explanation=decision.explanation,
            benefits=TierBenefitsModel.from_benefits(benefits),
            policy_version=policy_version,
        )


class TierLevelModel(BaseModel):
    """One tier of a policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    enter_at: float = Field(ge=0.0, le=1.0, description="score that moves a customer up into it")
    stay_at: float = Field(ge=0.0, le=1.0, description="score below which a member moves down")
    benefits: TierBenefitsModel


class TierPolicyModel(BaseModel):
    """A tier policy as a JSON document; ``to_policy()`` checks it and builds the value."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    version: str = Field(min_length=1)
    levels: list[TierLevelModel] = Field(min_length=1, description="lowest tier first")
    value_weight: float = Field(ge=0.0)
    potential_weight: float = Field(ge=0.0)
    performance_weight: float = Field(ge=0.0)
    value_full_score_at: Money
    historical_share: float = Field(ge=0.0, le=1.0)
    wallet_by_size: dict[SizeClass, Money] = Field(default_factory=dict)
    minimum_days_in_tier: int = Field(ge=0)
    max_overdue_days_for_upgrade: int = Field(ge=0)
    max_probability_of_default: float | None = Field(default=None, ge=0.0, le=1.0)

    def to_policy(self) -> TierPolicy:
        """Return the domain policy.

        Raises:
            InvalidInputError: the policy breaks a rule the model cannot express, such as a
                stay_at at or above its enter_at.
        """
        levels = tuple(
            TierLevel(
                level.name, level.enter_at, level.stay_at,
                TierBenefits(
                    tier=level.benefits.tier,
                    service_model=level.benefits.service_model,
                    credit_limit_multiplier=level.benefits.credit_limit_multiplier,
                    payment_terms=tuple(level.benefits.payment_terms),
                    fee_discount=level.benefits.fee_discount,
                    loyalty_multiplier=level.benefits.loyalty_multiplier,
                ),
            )
            for level in self.levels
        )
        return TierPolicy(
            version=self.version,
            levels=levels,
            value_weight=self.value_weight,
            potential_weight=self.potential_weight,
            performance_weight=self.performance_weight,
            value_full_score_at=self.value_full_score_at,
            historical_share=self.historical_share,
            wallet_by_size=dict(self.wallet_by_size),
            minimum_days_in_tier=self.minimum_days_in_tier,
            max_overdue_days_for_upgrade=self.max_overdue_days_for_upgrade,
            max_probability_of_default=self.max_probability_of_default,
        )

    @classmethod
    def from_policy(cls, policy: TierPolicy) -> TierPolicyModel:
        """Build the document of a policy, for saving it as JSON."""
        return cls(
            version=policy.version,
            levels=[
                TierLevelModel(name=level.name, enter_at=level.enter_at, stay_at=level.stay_at,
                               benefits=TierBenefitsModel.from_benefits(level.benefits))
                for level in policy.levels
            ],
            value_weight=policy.value_weight,
            potential_weight=policy.potential_weight,
            performance_weight=policy.performance_weight,
            value_full_score_at=policy.value_full_score_at,
            historical_share=policy.historical_share,
            wallet_by_size=dict(policy.wallet_by_size),
            minimum_days_in_tier=policy.minimum_days_in_tier,
            max_overdue_days_for_upgrade=policy.max_overdue_days_for_upgrade,
            max_probability_of_default=policy.max_probability_of_default,
        )
