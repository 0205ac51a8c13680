"""The underwriting policy as versioned data: knock-outs, cut-offs, counter-offers, grades."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from b2bcredit.api.underwriting import BusinessStatus
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import to_decimal
from b2bcredit.decisions.pricing import PricingPolicy

__all__ = ["DEFAULT_GRADES", "Outcome", "UnderwritingPolicy"]


class Outcome(enum.Enum):
    """The decision on an application."""

    APPROVED = "approved"  # credit granted (possibly as a counter-offer)
    REFERRED = "referred"  # an analyst decides; no credit until then
    DECLINED = "declined"  # no credit; an adverse-action notice is due


# Upper PD bound of each risk grade, best first; a PD above the last bound is grade F.
DEFAULT_GRADES: tuple[tuple[str, float], ...] = (
    ("A", 0.005),
    ("B", 0.015),
    ("C", 0.03),
    ("D", 0.06),
    ("E", 0.15),
)


@attrs.frozen
class UnderwritingPolicy:
    """Knock-outs, PD cut-offs and counter-offers, with a version recorded on each decision.

    PD cut-offs, in ascending order of risk: PD up to ``approve_max_pd`` approves; up to
    ``counter_offer_max_pd`` approves a counter-offer (a lower limit, shorter terms and a
    deposit) when ``counter_offers`` is on, and refers otherwise; up to ``refer_max_pd``
    refers to an analyst; above that declines. A riskier buyer never gets credit
    automatically where a safer one waits for an analyst.

    Attributes:
        version: the policy's version, such as "2024-06".
        allowed_statuses: business statuses that pass the knock-out.
        min_years_in_business: fewer years knocks out (unknown years do not).
        lgd: loss given default for EL and pricing.
        credit_conversion: share of the granted limit expected drawn at default (EAD).
        counter_limit_share: the counter-offer's limit as a share of the limit sized.
        counter_terms_days: the counter-offer's payment terms (30 by default: net 30 is the
            shortest trade-credit product of the default catalogue, so the offer stays usable).
        counter_deposit_share: the deposit asked with a counter-offer, as a share of the limit.
        small_business_revenue: revenue at or below this is a small business for the notice.
        notice_days: days from a completed application to the adverse-action notice deadline.
        grades: (grade, max PD) pairs in ascending PD.
    """

    version: str = "default-2"
    allowed_statuses: frozenset[BusinessStatus] = frozenset({BusinessStatus.ACTIVE})
    min_years_in_business: float = 1.0
    approve_max_pd: float = 0.05
    counter_offer_max_pd: float = 0.10
    refer_max_pd: float = 0.20
    counter_offers: bool = True
    counter_limit_share: Decimal = Decimal("0.5")
    counter_terms_days: int = 30
    counter_deposit_share: Decimal = Decimal("0.2")
    lgd: float = 0.45
    credit_conversion: Decimal = Decimal("1")
    small_business_revenue: Decimal = Decimal("1000000")
    notice_days: int = 30
    grades: tuple[tuple[str, float], ...] = DEFAULT_GRADES
    pricing: PricingPolicy = attrs.field(factory=PricingPolicy)

    def __attrs_post_init__(self) -> None:
        cutoffs = (self.approve_max_pd, self.counter_offer_max_pd, self.refer_max_pd)
        if not all(0 <= c <= 1 for c in cutoffs) or list(cutoffs) != sorted(cutoffs):
            raise InvalidInputError(
                "approve_max_pd",
                cutoffs,
                "cut-offs must be in [0, 1] and ascending",
                "Pass approve <= counter-offer <= refer PD, such as 0.05, 0.10, 0.20.",
            )
        if not 0 <= self.lgd <= 1:
            raise InvalidInputError(
                "lgd", self.lgd, "must be in [0, 1]", "Pass 0.45 for senior unsecured."
            )
        if self.min_years_in_business < 0:
            raise InvalidInputError(
                "min_years_in_business",
                self.min_years_in_business,
                "cannot be negative",
                "Pass 0 to switch the knock-out off.",
            )
        bounds = [bound for _, bound in self.grades]
        if bounds != sorted(bounds):
            raise InvalidInputError(
                "grades", self.grades, "grade bounds must ascend", "List grades best first."
            )

    def grade(self, pd: float) -> str:
        """Return the risk grade of a PD."""
        for name, bound in self.grades:
            if pd <= bound:
                return name
        return "F"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "allowed_statuses": sorted(s.value for s in self.allowed_statuses),
            "min_years_in_business": self.min_years_in_business,
            "approve_max_pd": self.approve_max_pd,
            "refer_max_pd": self.refer_max_pd,
            "counter_offer_max_pd": self.counter_offer_max_pd,
            "counter_offers": self.counter_offers,
            "counter_limit_share": str(self.counter_limit_share),
            "counter_terms_days": self.counter_terms_days,
            "counter_deposit_share": str(self.counter_deposit_share),
            "lgd": self.lgd,
            "credit_conversion": str(self.credit_conversion),
            "small_business_revenue": str(self.small_business_revenue),
            "notice_days": self.notice_days,
            "grades": [list(g) for g in self.grades],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnderwritingPolicy:
        """Build a policy from its dictionary (JSON) form; absent keys take the defaults."""
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInputError(
                "policy", unknown, "unknown policy keys", f"Use only: {', '.join(sorted(known))}."
            )
        values: dict[str, Any] = dict(data)
        if "allowed_statuses" in values:
            values["allowed_statuses"] = frozenset(
                BusinessStatus(s) for s in values["allowed_statuses"]
            )
        for key in (
            "counter_limit_share",
            "counter_deposit_share",
            "credit_conversion",
            "small_business_revenue",
        ):
            if key in values:
                values[key] = to_decimal(str(values[key]), key)
        if "grades" in values:
            values["grades"] = tuple((str(g), float(b)) for g, b in values["grades"])
        if "pricing" in values and isinstance(values["pricing"], Mapping):
            pricing = dict(values["pricing"])
            for key in ("cost_of_funds", "capital_ratio", "hurdle_rate", "operating_cost"):
                if key in pricing:
                    pricing[key] = to_decimal(str(pricing[key]), key)
            values["pricing"] = PricingPolicy(**pricing)
        return cls(**values)
