"""Pydantic request and response models for schedules and trade terms.

Amounts travel as ``{"amount": "12.30", "currency": "EUR"}`` objects or ``"12.30 EUR"``
strings, rates as decimal strings (``"0.0824"``), dates in ISO 8601. ``to_spec()`` and
``from_schedule()`` convert to and from the domain types.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from b2bcredit.core.calendar import BusinessDayConvention
from b2bcredit.core.daycount import DayCount
from b2bcredit.core.money import Money, Rounding
from b2bcredit.terms.amortization import AmortizationMethod, GraceInterest
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy
from b2bcredit.terms.schedule import InterestBasis, OddFirstPeriod, Schedule, ScheduleSpec
from b2bcredit.terms.trade import TermsDates, TermsQuote, TradeTerms

__all__ = [
    "InstalmentModel",
    "RoundingModel",
    "ScheduleRequest",
    "ScheduleResponse",
    "TermsQuoteRequest",
    "TermsQuoteResponse",
]


class RoundingModel(BaseModel):
    """The rounding policy of a schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["HALF_EVEN", "HALF_UP", "HALF_DOWN", "DOWN", "UP", "CEILING", "FLOOR"] = Field(
        default="HALF_EVEN", description="the rounding mode of every rounded amount"
    )
    instalment_multiple: Decimal | None = Field(default=None, description="such as 1 for whole units")
    residual: ResidualPlacement = ResidualPlacement.LAST

    def to_policy(self) -> RoundingPolicy:
        """Return the domain rounding policy."""
        return RoundingPolicy(mode=Rounding[self.mode], instalment_multiple=self.instalment_multiple,
                              residual=self.residual)


class ScheduleRequest(BaseModel):
    """A request for a repayment schedule. The annual rate is a fraction: 0.12 is 12 %."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Money
    annual_rate: Decimal = Field(ge=0)
    instalments: int = Field(ge=1, le=1200)
    start_date: date
    frequency: Frequency = Frequency.MONTHLY
    method: AmortizationMethod = AmortizationMethod.ANNUITY
    interest_basis: InterestBasis = InterestBasis.PERIODIC
    day_count: DayCount = DayCount.ACT_365_FIXED
    first_due_date: date | None = None
    odd_first_period: OddFirstPeriod = OddFirstPeriod.SPREAD
    interest_grace: int = Field(default=0, ge=0)
    principal_grace: int = Field(default=0, ge=0)
    grace_interest: GraceInterest = GraceInterest.DEFERRED
    down_payment: Money | None = None
    upfront_fee: Money | None = None
    instalment_fee: Money | None = None
    rounding: RoundingModel = RoundingModel()
    business_day_convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED

    def to_spec(self) -> ScheduleSpec:
        """Return the domain spec; a business-day roll needs a calendar passed in code."""
        return ScheduleSpec(
            amount=self.amount, annual_rate=self.annual_rate, instalments=self.instalments,
            start_date=self.start_date, frequency=self.frequency, method=self.method,
            interest_basis=self.interest_basis, day_count=self.day_count, first_due_date=self.first_due_date,
            odd_first_period=self.odd_first_period, interest_grace=self.interest_grace,
            principal_grace=self.principal_grace, grace_interest=self.grace_interest,
            down_payment=self.down_payment, upfront_fee=self.upfront_fee, instalment_fee=self.instalment_fee,
            rounding=self.rounding.to_policy(), business_day_convention=self.business_day_convention,
        )


class InstalmentModel(BaseModel):
    """One schedule row."""

    model_config = ConfigDict(frozen=True)

    number: int
    due_date: date
    payment: Money
    principal: Money
    interest: Money
    fees: Money
    balance: Money


class ScheduleResponse(BaseModel):
    """A schedule with its totals and APR (a fraction, 0.0824 is 8.24 %)."""

    model_config = ConfigDict(frozen=True)

    amount_financed: Money
    down_payment: Money
    upfront_fee: Money
    instalments: list[InstalmentModel]
    total_payments: Money
    total_principal: Money
    total_interest: Money
    total_fees: Money
    finance_charge: Money
    apr: Decimal | None

    @classmethod
    def from_schedule(cls, schedule: Schedule) -> ScheduleResponse:
        """Build the response from a domain schedule."""
        return cls(
            amount_financed=schedule.amount_financed, down_payment=schedule.down_payment,
            upfront_fee=schedule.upfront_fee,
            instalments=[
                InstalmentModel(number=row.number, due_date=row.due_date, payment=row.payment,
                                principal=row.principal, interest=row.interest, fees=row.fees, balance=row.balance)
                for row in schedule.instalments
            ],
            total_payments=schedule.totals.payments, total_principal=schedule.totals.principal,
            total_interest=schedule.totals.interest, total_fees=schedule.totals.fees,
            finance_charge=schedule.finance_charge, apr=schedule.apr.rate if schedule.apr is not None else None,
        )


class TermsQuoteRequest(BaseModel):
    """Trade terms in the usual notation applied to one invoice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: str = Field(description="such as '2/10 net 30', 'net 30 EOM', '10th prox' or '30/60/90'")
    amount: Money
    invoice_date: date
    shipment_date: date | None = None
    order_date: date | None = None
    year_days: int = Field(default=365, description="365 or 360")

    def quote(self) -> TermsQuote:
        """Return the domain quote."""
        dates = TermsDates(invoice_date=self.invoice_date, shipment_date=self.shipment_date,
                           order_date=self.order_date)
        return TradeTerms.parse(self.terms).quote(self.amount, dates, year_days=self.year_days)


class TermsQuoteResponse(BaseModel):
    """Due dates, discount and implied cost for one invoice (costs are fractions)."""

    model_config = ConfigDict(frozen=True)

    due_date: date
    parts: list[tuple[date, Money]]
    discount_deadline: date | None
    discounted_amount: Money | None
    discount_amount: Money | None
    cost_simple: Decimal | None
    cost_compounded: Decimal | None

    @classmethod
    def from_quote(cls, quote: TermsQuote) -> TermsQuoteResponse:
        """Build the response from a domain quote."""
        return cls(
            due_date=quote.due_date, parts=[(part.due_date, part.amount) for part in quote.parts],
            discount_deadline=quote.discount_deadline, discounted_amount=quote.discounted_amount,
            discount_amount=quote.discount_amount, cost_simple=quote.cost_simple,
            cost_compounded=quote.cost_compounded,
        )
