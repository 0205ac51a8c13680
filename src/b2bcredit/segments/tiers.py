"""Customer tiers: a policy as data, scores, placement with hysteresis, and a history.

A customer's tier follows a combined score in [0, 1] from three components:

* value: ``historical_share × revenue in the window + (1 − historical_share) × CLV``,
  divided by the policy's ``value_full_score_at`` and capped at 1;
* potential: the headroom between the wallet expected for the firm's EU size class and
  what it spends now, ``1 − revenue / wallet``, within [0, 1];
* performance: the mean of the on-time payment share and a growth score
  ``0.5 + growth / 2`` within [0, 1], where growth is the revenue change against the
  previous window.

A component without data (no size class, no payment history) is left out and the weights
of the others are renormalised. With no component at all the score is 0.

Placement moves at most one decision per evaluation window and has three guards:

* hysteresis: a customer enters a tier at its ``enter_at`` score and leaves it only below
  its lower ``stay_at`` score, so a score that wobbles around one threshold does not flip
  the tier;
* minimum time: no move, up or down, before ``minimum_days_in_tier`` days in the tier;
* vetoes: no upgrade (and no initial placement above the lowest tier) while an invoice is
  more than ``max_overdue_days_for_upgrade`` days past due, or while the probability of
  default exceeds ``max_probability_of_default``.

The window's end date is the effective date of each decision: the window is ``[start,
end)`` in the tenant's zone, so a decision takes effect on the first day after it.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

import attrs

from b2bcredit.core.errors import InvalidInputError, NotFoundError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money
from b2bcredit.segments.benefits import ServiceModel, TierBenefits
from b2bcredit.segments.firmographics import SizeClass
from b2bcredit.segments.windows import EvaluationWindow

__all__ = [
    "CreditStanding",
    "TierDecision",
    "TierInputs",
    "TierLevel",
    "TierPolicy",
    "TierReason",
    "TierScore",
    "TierState",
    "default_tier_policy",
    "place_in_tier",
    "replay_tier_history",
    "score_tier_inputs",
]


class TierReason(enum.Enum):
    """The reason for a placement decision, as a stable code."""

    INITIAL_PLACEMENT = "initial_placement"  # first placement of a customer
    INITIAL_PLACEMENT_VETOED = "initial_placement_vetoed"  # placed in the lowest tier by a veto
    UPGRADE = "upgrade"  # the score reached a higher tier's enter_at
    DOWNGRADE = "downgrade"  # the score fell below the tier's stay_at
    NO_CHANGE = "no_change"  # the score is within the tier's band
    HELD_MINIMUM_TIME = "held_minimum_time"  # a move is due, but the minimum time is not over
    UPGRADE_BLOCKED_OVERDUE = "upgrade_blocked_overdue"  # an invoice is too far past due
    UPGRADE_BLOCKED_CREDIT_RISK = "upgrade_blocked_credit_risk"  # default probability too high


@attrs.frozen(slots=True)
class TierLevel:
    """One tier: its thresholds on the combined score and its benefits."""

    name: str
    enter_at: float  # score at or above which a customer below moves up into this tier
    stay_at: float  # score below which a customer in this tier moves down
    benefits: TierBenefits


def _check_unit(field: str, value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidInputError(field, value, "must be between 0 and 1", "Pass a fraction.")


@attrs.frozen(slots=True)
class TierPolicy:
    """Tiers from lowest to highest, score weights and the placement guards."""

    version: str
    levels: tuple[TierLevel, ...]
    value_weight: float
    potential_weight: float
    performance_weight: float
    value_full_score_at: Money
    historical_share: float
    # Annual purchases from this seller expected of a firm of each size class.
    wallet_by_size: Mapping[SizeClass, Money]
    minimum_days_in_tier: int
    max_overdue_days_for_upgrade: int
    max_probability_of_default: float | None

    def __attrs_post_init__(self) -> None:
        if not self.levels:
            raise InvalidInputError("levels", (), "a policy needs at least one tier",
                                    "Define the tiers from lowest to highest.")
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise InvalidInputError("levels", names, "tier names must be unique",
                                    "Rename the duplicate tier.")
        lowest = self.levels[0]
        if lowest.enter_at != 0.0 or lowest.stay_at != 0.0:
            raise InvalidInputError("levels[0]", lowest.name,
                                    "the lowest tier must have enter_at = stay_at = 0",
                                    "Every customer qualifies for the lowest tier.")
        for below, above in zip(self.levels, self.levels[1:], strict=False):
            _check_unit(f"{above.name}.enter_at", above.enter_at)
            _check_unit(f"{above.name}.stay_at", above.stay_at)
            if not above.stay_at < above.enter_at:
                raise InvalidInputError(
                    f"{above.name}.stay_at", above.stay_at,
                    f"must be below enter_at {above.enter_at} for hysteresis",
                    "Set the downgrade threshold below the upgrade threshold.",
                )
            if not above.enter_at > below.enter_at:
                raise InvalidInputError(f"{above.name}.enter_at", above.enter_at,
                                        "tiers must have increasing enter_at",
                                        "List the tiers from lowest to highest.")
        for field in ("value_weight", "potential_weight", "performance_weight"):
            weight = getattr(self, field)
            if not (math.isfinite(weight) and weight >= 0):
                raise InvalidInputError(field, weight, "must be ≥ 0", "Pass a weight ≥ 0.")
        _check_unit("historical_share", self.historical_share)
        if self.value_full_score_at.amount <= 0:
            raise InvalidInputError("value_full_score_at", str(self.value_full_score_at),
                                    "must be positive", "Pass the value that scores 1.")
        if self.minimum_days_in_tier < 0 or self.max_overdue_days_for_upgrade < 0:
            raise InvalidInputError(
                "minimum_days_in_tier, max_overdue_days_for_upgrade",
                (self.minimum_days_in_tier, self.max_overdue_days_for_upgrade),
                "must be ≥ 0", "Pass whole days.",
            )
        if self.max_probability_of_default is not None:
            _check_unit("max_probability_of_default", self.max_probability_of_default)

    @property
    def currency(self) -> str:
        """The currency of the policy's amounts."""
        return self.value_full_score_at.currency.code

    def index_of(self, name: str) -> int:
        """Return the position of a tier, lowest first.

        Raises:
            NotFoundError: no tier has that name.
        """
        for index, level in enumerate(self.levels):
            if level.name == name:
                return index
        raise NotFoundError(f"tier {name!r} not found in policy {self.version}; tiers: "
                            f"{', '.join(level.name for level in self.levels)}")

    def benefits_of(self, name: str) -> TierBenefits:
        """Return the benefits of the named tier."""
        return self.levels[self.index_of(name)].benefits


def _check_credit_fields(
    on_time_share: float | None, days_overdue: int, probability_of_default: float | None
) -> None:
    if days_overdue < 0:
        raise InvalidInputError("days_overdue", days_overdue, "must be ≥ 0",
                                "Pass 0 when no invoice is past due.")
    if on_time_share is not None:
        _check_unit("on_time_share", on_time_share)
    if probability_of_default is not None:
        _check_unit("probability_of_default", probability_of_default)


@attrs.frozen(slots=True)
class CreditStanding:
    """A customer's payment behaviour and credit risk, from the ledger or a bureau."""

    on_time_share: float | None = None  # share of invoices paid by their due date
    days_overdue: int = 0  # the largest days past due among open invoices
    probability_of_default: float | None = None

    def __attrs_post_init__(self) -> None:
        _check_credit_fields(self.on_time_share, self.days_overdue, self.probability_of_default)


@attrs.frozen(slots=True)
class TierInputs:
    """The inputs one evaluation window gives for one customer."""

    customer_id: str
    window: EvaluationWindow
    revenue: Money  # net sales in the window: sales less returns and cancellations
    clv: Money | None = None  # predicted value over the policy's horizon
    previous_revenue: Money | None = None  # sales in the window before, for growth
    size_class: SizeClass = SizeClass.UNKNOWN
    on_time_share: float | None = None  # share of invoices paid by their due date
    days_overdue: int = 0  # the largest days past due among open invoices
    probability_of_default: float | None = None

    def __attrs_post_init__(self) -> None:
        _check_credit_fields(self.on_time_share, self.days_overdue, self.probability_of_default)


@attrs.frozen(slots=True)
class TierScore:
    """The component scores (None without data) and the combined score, all in [0, 1]."""

    value: float
    potential: float | None
    performance: float | None
    combined: float


@attrs.frozen(slots=True)
class TierState:
    """A customer's current tier and the first day it applied."""

    tier: str
    since: dt.date


@attrs.frozen(slots=True)
class TierDecision:
    """The outcome of one placement: the tier from ``effective`` on, and why."""

    customer_id: str
    tier: str
    previous_tier: str | None
    reason: TierReason
    score: TierScore
    effective: dt.date
    # The tier the score alone points to, before guards and vetoes.
    indicated_tier: str
    explanation: str

    @property
    def changed(self) -> bool:
        """Whether the customer's tier changed."""
        return self.tier != self.previous_tier

    def state(self, previous: TierState | None) -> TierState:
        """Return the customer's state after this decision."""
        if previous is not None and not self.changed:
            return previous
        return TierState(self.tier, self.effective)


def _ratio(numerator: Money, denominator: Money) -> float:
    return float(DECIMAL_CONTEXT.divide(numerator.amount, denominator.amount))


def _same_currency(policy: TierPolicy, field: str, amount: Money) -> None:
    if amount.currency.code != policy.currency:
        raise InvalidInputError(field, str(amount), f"must be in the policy's {policy.currency}",
                                "Convert the amount with an explicit exchange rate first.")


def score_tier_inputs(policy: TierPolicy, inputs: TierInputs) -> TierScore:
    """Score one customer's window under the policy."""
    _same_currency(policy, "revenue", inputs.revenue)

    # Value: historical and predicted, in money, then a share of the full-score value.
    value_amount = inputs.revenue.amount
    if inputs.clv is not None:
        _same_currency(policy, "clv", inputs.clv)
        share = Decimal(repr(policy.historical_share))
        value_amount = DECIMAL_CONTEXT.add(
            DECIMAL_CONTEXT.multiply(share, inputs.revenue.amount),
            DECIMAL_CONTEXT.multiply(1 - share, inputs.clv.amount),
        )
    value = min(1.0, max(0.0, float(DECIMAL_CONTEXT.divide(
        value_amount, policy.value_full_score_at.amount))))

    # Potential: headroom in the wallet expected for the firm's size.
    potential = None
    wallet = policy.wallet_by_size.get(inputs.size_class)
    if wallet is not None and wallet.amount > 0:
        potential = min(1.0, max(0.0, 1.0 - _ratio(inputs.revenue, wallet)))

    # Performance: paying on time and growing.
    parts: list[float] = []
    if inputs.on_time_share is not None:
        parts.append(inputs.on_time_share)
    if inputs.previous_revenue is not None:
        _same_currency(policy, "previous_revenue", inputs.previous_revenue)
        if inputs.previous_revenue.amount > 0:
            growth = _ratio(inputs.revenue - inputs.previous_revenue, inputs.previous_revenue)
            parts.append(min(1.0, max(0.0, 0.5 + growth / 2.0)))
        elif inputs.revenue.amount > 0:
            parts.append(1.0)
    performance = sum(parts) / len(parts) if parts else None

    weighted = [(policy.value_weight, value)]
    if potential is not None:
        weighted.append((policy.potential_weight, potential))
    if performance is not None:
        weighted.append((policy.performance_weight, performance))
    total_weight = sum(weight for weight, _ in weighted)
    combined = (sum(weight * score for weight, score in weighted) / total_weight
                if total_weight > 0 else 0.0)
    return TierScore(value, potential, performance, combined)


def _indicated_for_new(policy: TierPolicy, score: float) -> int:
    index = 0
    for position, level in enumerate(policy.levels):
        if score >= level.enter_at:
            index = position
    return index


def _indicated_for_member(policy: TierPolicy, score: float, current: int) -> int:
    """Return the tier the score points to for a customer now in ``current``."""
    # Up: the highest tier above whose enter_at the score reaches.
    for position in range(len(policy.levels) - 1, current, -1):
        if score >= policy.levels[position].enter_at:
            return position
    # Down: stay while the score is at or above the tier's stay_at, else fall to the
    # highest lower tier whose stay_at the score still meets.
    if score >= policy.levels[current].stay_at:
        return current
    for position in range(current - 1, -1, -1):
        if score >= policy.levels[position].stay_at:
            return position
    return 0


def _veto(policy: TierPolicy, inputs: TierInputs) -> TierReason | None:
    if inputs.days_overdue > policy.max_overdue_days_for_upgrade:
        return TierReason.UPGRADE_BLOCKED_OVERDUE
    limit = policy.max_probability_of_default
    if (limit is not None and inputs.probability_of_default is not None
            and inputs.probability_of_default > limit):
        return TierReason.UPGRADE_BLOCKED_CREDIT_RISK
    return None


def place_in_tier(
    policy: TierPolicy, inputs: TierInputs, current: TierState | None = None
) -> TierDecision:
    """Decide a customer's tier at the end of an evaluation window.

    Args:
        policy: the tier policy.
        inputs: the customer's figures for the window.
        current: the customer's tier before the window ends, or None for a new customer.

    Raises:
        NotFoundError: the current tier is not in the policy.
        InvalidInputError: amounts in another currency than the policy's, or a current
            state that starts after the window ends.
    """
    score = score_tier_inputs(policy, inputs)
    effective = inputs.window.end
    veto = _veto(policy, inputs)
    levels = policy.levels

    if current is None:
        indicated = _indicated_for_new(policy, score.combined)
        if indicated > 0 and veto is not None:
            return _decision(inputs, policy, 0, None, TierReason.INITIAL_PLACEMENT_VETOED,
                             score, indicated, f"placed in {levels[0].name}: {_veto_text(veto)}")
        return _decision(inputs, policy, indicated, None, TierReason.INITIAL_PLACEMENT, score,
                         indicated, f"score {score.combined:.3f} places the customer in "
                                    f"{levels[indicated].name}")

    position = policy.index_of(current.tier)
    if current.since > effective:
        raise InvalidInputError("current.since", current.since,
                                f"is after the window's end {effective}",
                                "Evaluate windows in date order.")
    indicated = _indicated_for_member(policy, score.combined, position)
    days_in_tier = (effective - current.since).days
    level = levels[position]

    if indicated == position:
        return _decision(inputs, policy, position, current.tier, TierReason.NO_CHANGE, score,
                         indicated, f"score {score.combined:.3f} is within {level.name}'s band "
                                    f"[{level.stay_at}, next tier's entry)")
    if indicated > position and veto is not None:
        return _decision(inputs, policy, position, current.tier, veto, score, indicated,
                         f"{levels[indicated].name} indicated, but {_veto_text(veto)}")
    if days_in_tier < policy.minimum_days_in_tier:
        return _decision(
            inputs, policy, position, current.tier, TierReason.HELD_MINIMUM_TIME, score,
            indicated, f"{levels[indicated].name} indicated, but the customer has been in "
                       f"{level.name} for {days_in_tier} of {policy.minimum_days_in_tier} days",
        )
    if indicated > position:
        return _decision(inputs, policy, indicated, current.tier, TierReason.UPGRADE, score,
                         indicated, f"score {score.combined:.3f} reached "
                                    f"{levels[indicated].name}'s entry "
                                    f"{levels[indicated].enter_at}")
    return _decision(inputs, policy, indicated, current.tier, TierReason.DOWNGRADE, score,
                     indicated, f"score {score.combined:.3f} fell below {level.name}'s "
                                f"{level.stay_at}")


def _veto_text(reason: TierReason) -> str:
    if reason is TierReason.UPGRADE_BLOCKED_OVERDUE:
        return "an invoice is past due beyond the policy's limit"
    return "the probability of default is above the policy's limit"


def _decision(
    inputs: TierInputs,
    policy: TierPolicy,
    position: int,
    previous: str | None,
    reason: TierReason,
    score: TierScore,
    indicated: int,
    explanation: str,
) -> TierDecision:
    return TierDecision(
        customer_id=inputs.customer_id,
        tier=policy.levels[position].name,
        previous_tier=previous,
        reason=reason,
        score=score,
        effective=inputs.window.end,
        indicated_tier=policy.levels[indicated].name,
        explanation=explanation,
    )


def replay_tier_history(
    policy: TierPolicy,
    windows: Iterable[TierInputs],
    initial: TierState | None = None,
) -> tuple[TierState | None, tuple[TierDecision, ...]]:
    """Place one customer window after window; return the final state and every decision.

    Raises:
        InvalidInputError: the windows are not in date order or name several customers.
    """
    state = initial
    decisions: list[TierDecision] = []
    previous_end: dt.date | None = None
    customer: str | None = None
    for inputs in windows:
        if previous_end is not None and inputs.window.end <= previous_end:
            raise InvalidInputError("windows", str(inputs.window), "windows must end in order",
                                    "Sort the windows by end date.")
        if customer is not None and inputs.customer_id != customer:
            raise InvalidInputError("windows", inputs.customer_id,
                                    f"a history is for one customer, {customer}",
                                    "Replay each customer separately.")
        customer = inputs.customer_id
        previous_end = inputs.window.end
        decision = place_in_tier(policy, inputs, state)
        decisions.append(decision)
        state = decision.state(state)
    return state, tuple(decisions)


_DEFAULT_TERMS: Final = {
    "standard": ("NET30",),
    "silver": ("NET30", "NET45", "2/10NET30"),
    "gold": ("NET30", "NET45", "NET60", "2/10NET30"),
    "platinum": ("NET30", "NET45", "NET60", "NET90", "2/10NET30"),
}


def default_tier_policy(currency: str) -> TierPolicy:
    """Return a four-tier policy (standard, silver, gold, platinum) in ``currency``.

    The amounts are a starting point for a wholesale seller, not calibrated values:
    a full value score at 20,000 a year, wallets of 10,000 (micro) to 1,000,000 (large),
    90 days minimum in a tier, no upgrade with an invoice over 30 days past due or a
    probability of default over 10%.
    """
    def benefits(name: str, service: ServiceModel, limit: str, fee: str,
                 loyalty: str) -> TierBenefits:
        return TierBenefits(name, service, Decimal(limit), _DEFAULT_TERMS[name],
                            Decimal(fee), Decimal(loyalty))

    levels = (
        TierLevel("standard", 0.0, 0.0,
                  benefits("standard", ServiceModel.SELF_SERVICE, "1.00", "0", "1.00")),
        TierLevel("silver", 0.30, 0.24,
                  benefits("silver", ServiceModel.SELF_SERVICE, "1.25", "0.10", "1.25")),
        TierLevel("gold", 0.50, 0.42,
                  benefits("gold", ServiceModel.DEDICATED_ACCOUNT_MANAGER, "1.50", "0.25",
                           "1.50")),
        TierLevel("platinum", 0.75, 0.65,
                  benefits("platinum", ServiceModel.DEDICATED_ACCOUNT_MANAGER, "2.00", "0.50",
                           "2.00")),
    )
    return TierPolicy(
        version="default-1",
        levels=levels,
        value_weight=0.6,
        potential_weight=0.2,
        performance_weight=0.2,
        value_full_score_at=Money("20000", currency),
        historical_share=0.5,
        wallet_by_size={
            SizeClass.MICRO: Money("10000", currency),
            SizeClass.SMALL: Money("50000", currency),
            SizeClass.MEDIUM: Money("250000", currency),
            SizeClass.LARGE: Money("1000000", currency),
        },
        minimum_days_in_tier=90,
        max_overdue_days_for_upgrade=30,
        max_probability_of_default=0.10,
    )
