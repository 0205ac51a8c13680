"""Credit limits: sizing methods, the limit policy and explicit limit states."""

from b2bcredit.limits.methods import (
    BureauRecommendation,
    LimitEstimate,
    LimitInputs,
    LimitMethod,
    NeedsBased,
    NetWorthShare,
    RiskClassMatrix,
    TradeReference,
    WorkingCapitalShare,
)
from b2bcredit.limits.policy import Combination, CreditLimit, LimitDecision, LimitPolicy, LimitState

__all__ = [
    "BureauRecommendation",
    "Combination",
    "CreditLimit",
    "LimitDecision",
    "LimitEstimate",
    "LimitInputs",
    "LimitMethod",
    "LimitPolicy",
    "LimitState",
    "NeedsBased",
    "NetWorthShare",
    "RiskClassMatrix",
    "TradeReference",
    "WorkingCapitalShare",
]
