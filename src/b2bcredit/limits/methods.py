"""Limit sizing methods. Each returns an estimate in exact Money, or the reason it has none.

A method that lacks its input (no financial statements, no trade history) returns a
:class:`LimitEstimate` with ``amount`` None and a reason, so the policy combines only
the methods that apply. Intermediate products round down to the minor unit: a limit
is never larger than its formula.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding, to_decimal

__all__ = [
    "BureauRecommendation",
    "LimitEstimate",
    "LimitInputs",
    "LimitMethod",
    "NeedsBased",
    "NetWorthShare",
    "RiskClassMatrix",
    "TradeReference",
    "WorkingCapitalShare",
]


# Every decision builds these. A frozen attrs class without slots sets its fields by dict
# stores, which took 40 % less time than the slot setter of frozen slots (timeit, attrs 26.1).
@attrs.frozen(slots=False)
class LimitInputs:
    """The inputs of the limit methods, taken from an application and its score.

    Attributes:
        currency: the limit's currency; every amount here is in it.
        tangible_net_worth, working_capital: from the financial statements.
        average_monthly_purchases: from the trade history with this seller.
        payment_terms_days: the terms the limit must cover, such as 30 for net 30.
        bureau_recommended: a bureau's recommended credit limit.
        trade_reference: the highest credit other suppliers extend.
        risk_grade: the grade from the PD, such as "B".
        annual_revenue: the buyer's revenue (the capacity axis of the matrix).
    """

    currency: str
    tangible_net_worth: Money | None = None
    working_capital: Money | None = None
    average_monthly_purchases: Money | None = None
    payment_terms_days: int = 30
    bureau_recommended: Money | None = None
    trade_reference: Money | None = None
    risk_grade: str | None = None
    annual_revenue: Money | None = None


@attrs.frozen(slots=False)
class LimitEstimate:
    """One method's figure, or the reason it has none.

    Attributes:
        method: the method's name, such as ``net_worth_share``.
        amount: the figure, or None when the method lacks its input.
        note: how the figure came about. A figure of zero has a note that names the
            method and the input that sized it at zero.
        basis: the input amount the figure derives from, such as the tangible net worth;
            None when the method lacks it or has none.
    """

    method: str
    amount: Money | None
    note: str
    basis: Money | None = None

    @property
    def available(self) -> bool:
        return self.amount is not None

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "amount": None if self.amount is None else self.amount.to_dict(),
            "note": self.note,
            "basis": None if self.basis is None else self.basis.to_dict(),
        }


class LimitMethod(Protocol):
    """A way to size a limit."""

    @property
    def name(self) -> str: ...

    def estimate(self, inputs: LimitInputs) -> LimitEstimate: ...


def _share(value: str | int | Decimal, field: str) -> Decimal:
    number = to_decimal(value, field)
    if number < 0:
        raise InvalidInputError(
            field, value, "a share cannot be negative", "Pass a share such as '0.10'."
        )
    return number


def _to_share(value: str | int | Decimal) -> Decimal:
    return _share(value, "share")


def _to_multiplier(value: str | int | Decimal) -> Decimal:
    return _share(value, "multiplier")


def _non_negative_base(method: str, label: str, base: Money | None, what: str, share: Decimal) -> LimitEstimate:
    if base is None:
        return _unavailable(method, f"no {what} reported")
    if base.amount <= 0:
        return LimitEstimate(
            method, Money.zero(base.currency), f"{what} is {base}, so the {label} gives 0", base
        )
    amount = base.multiply(share, Rounding.DOWN)
    if amount.is_zero():
        return LimitEstimate(
            method, amount, f"{share} of {what} {base} rounds down to 0, so the {label} gives 0", base
        )
    return LimitEstimate(method, amount, f"{share!s} of {what} {base!s}", base)


@attrs.frozen
class NetWorthShare:
    """A share of tangible net worth, such as 10 %."""

    share: Decimal = attrs.field(default=Decimal("0.10"), converter=_to_share)
    name: str = "net_worth_share"

    def estimate(self, inputs: LimitInputs) -> LimitEstimate:
        return _non_negative_base(
            self.name, "net-worth method", inputs.tangible_net_worth, "tangible net worth", self.share
        )


@attrs.frozen
class WorkingCapitalShare:
    """A share of working capital (current assets minus current liabilities), such as 20 %."""

    share: Decimal = attrs.field(default=Decimal("0.20"), converter=_to_share)
    name: str = "working_capital_share"

    def estimate(self, inputs: LimitInputs) -> LimitEstimate:
        return _non_negative_base(
            self.name, "working-capital method", inputs.working_capital, "working capital", self.share
        )


@attrs.frozen
class NeedsBased:
    """The buyer's need: average monthly purchases times the months its terms span.

    ``limit = purchases per month * (terms days + buffer days) / 30 * multiplier``: on
    net 30 with a 15-day buffer a buyer buying 10,000 a month carries about 15,000 of
    open invoices.
    """

    buffer_days: int = 15
    multiplier: Decimal = attrs.field(
        default=Decimal("1"), converter=_to_multiplier
    )
    name: str = "needs_based"

    def estimate(self, inputs: LimitInputs) -> LimitEstimate:
        purchases = inputs.average_monthly_purchases
        if purchases is None:
            return _unavailable(self.name, "no purchase history with this seller")
        days = inputs.payment_terms_days + self.buffer_days
        amount = purchases.multiply(_needs_factor(days, self.multiplier), Rounding.DOWN)
        if amount.is_zero():
            return LimitEstimate(
                self.name,
                amount,
                f"average monthly purchases of {purchases} over {days} days of terms and buffer "
                "round down to 0, so the needs-based method gives 0",
                purchases,
            )
        return LimitEstimate(
            self.name, amount, f"{purchases!s} a month over {days} days of terms and buffer", purchases
        )


@functools.lru_cache(maxsize=256)
def _unavailable(method: str, note: str) -> LimitEstimate:
    # Most decisions lack some inputs, and the estimate saying so is the same every time.
    return LimitEstimate(method, None, note)


def _scaled(method: str, label: str, base: Money, share: Decimal, note: str) -> LimitEstimate:
    """Return ``share`` of ``base``; a figure of zero gets a note that names the method."""
    amount = base.multiply(share, Rounding.DOWN)
    if amount.is_zero():
        note = f"{note} is 0, so the {label} gives 0"
    return LimitEstimate(method, amount, note, base)


@functools.lru_cache(maxsize=512)
def _needs_factor(days: int, multiplier: Decimal) -> Decimal:
    # The months of purchases the terms span. A checkout uses a few terms, so each is computed once.
    return DECIMAL_CONTEXT.multiply(DECIMAL_CONTEXT.divide(Decimal(days), Decimal(30)), multiplier)


@attrs.frozen
class BureauRecommendation:
    """The credit bureau's recommended limit, times a share (1 takes it as it is)."""

    share: Decimal = attrs.field(default=Decimal("1"), converter=_to_share)
    name: str = "bureau"

    def estimate(self, inputs: LimitInputs) -> LimitEstimate:
        recommended = inputs.bureau_recommended
        if recommended is None:
            return _unavailable(self.name, "no bureau recommendation")
        note = f"{self.share} of the bureau's {recommended}"
        return _scaled(self.name, "bureau method", recommended, self.share, note)


@attrs.frozen
class TradeReference:
    """A share of the highest credit other suppliers extend."""

    share: Decimal = attrs.field(default=Decimal("0.5"), converter=_to_share)
    name: str = "trade_reference"

    def estimate(self, inputs: LimitInputs) -> LimitEstimate:
        reference = inputs.trade_reference
        if reference is None:
            return _unavailable(self.name, "no trade reference")
        note = f"{self.share} of the trade reference {reference}"
        return _scaled(self.name, "trade-reference method", reference, self.share, note)


@attrs.frozen
class RiskClassMatrix:
    """A limit table by risk grade (rows) and capacity band (columns, by annual revenue).

    ``revenue_bands`` are the lower bounds of each capacity column in ascending order,
    the first being 0. ``limits[grade][band]`` is the limit as a decimal string in the
    policy currency; a grade absent from the table gets no figure from this method.
    """

    revenue_bands: tuple[Decimal, ...]
    limits: dict[str, tuple[Decimal, ...]]
    name: str = "risk_class_matrix"

    def __attrs_post_init__(self) -> None:
        if (
            not self.revenue_bands
            or self.revenue_bands[0] != 0
            or list(self.revenue_bands) != sorted(self.revenue_bands)
        ):
            raise InvalidInputError(
                "revenue_bands",
                self.revenue_bands,
                "must start at 0 and ascend",
                "Pass lower bounds such as (0, 1000000, 10000000).",
            )
        for grade, row in self.limits.items():
            if len(row) != len(self.revenue_bands):
                raise InvalidInputError(
                    f"limits.{grade}",
                    row,
                    "needs one limit per revenue band",
                    f"Pass {len(self.revenue_bands)} amounts.",
                )

    @classmethod
    def from_strings(
        cls, revenue_bands: Sequence[str], limits: dict[str, Sequence[str]]
    ) -> RiskClassMatrix:
        return cls(
            revenue_bands=tuple(to_decimal(b, "revenue_bands") for b in revenue_bands),
            limits={
                g: tuple(to_decimal(v, f"limits.{g}") for v in row) for g, row in limits.items()
            },
        )

    def estimate(self, inputs: LimitInputs) -> LimitEstimate:
        if inputs.risk_grade is None or inputs.risk_grade not in self.limits:
            return LimitEstimate(
                self.name, None, f"risk grade {inputs.risk_grade} is not in the matrix"
            )
        if inputs.annual_revenue is None:
            return LimitEstimate(self.name, None, "no annual revenue for the capacity band")
        band = (
            max(
                i for i, low in enumerate(self.revenue_bands) if inputs.annual_revenue.amount >= low
            )
            if inputs.annual_revenue.amount >= 0
            else 0
        )
        amount = Money(
            self.limits[inputs.risk_grade][band], inputs.currency, rounding=Rounding.DOWN
        )
        note = f"grade {inputs.risk_grade}, revenue band {band + 1}"
        if amount.is_zero():
            note = (
                f"annual revenue {inputs.annual_revenue} is in revenue band {band + 1}, where the "
                f"risk-class matrix gives 0 for grade {inputs.risk_grade}"
            )
        return LimitEstimate(self.name, amount, note, inputs.annual_revenue)
