"""Request and response models for tier placement at the facade.

Hosts send a :class:`TierPlacementRequest` (JSON or keyword arguments) and get a
:class:`TierPlacementResponse`; both export JSON Schema with ``model_json_schema()``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from b2bcredit.core.money import Money
from b2bcredit.segments.benefits import ServiceModel, TierBenefits
from b2bcredit.segments.firmographics import SizeClass
from b2bcredit.segments.tiers import TierDecision, TierInputs, TierState
from b2bcredit.segments.windows import EvaluationWindow

__all__ = ["TierBenefitsModel", "TierPlacementRequest", "TierPlacementResponse"]


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
