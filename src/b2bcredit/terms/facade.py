"""The typed functions a host calls for terms, schedules and the cost of credit.

These are thin, validated entry points over the domain modules; the top-level
``Engine`` exposes them. They read no clock and keep no state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from b2bcredit.core.calendar import BusinessCalendar, BusinessDayConvention
from b2bcredit.core.daycount import DayCount
from b2bcredit.core.money import Money, Rounding
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.apr import AprcTimeBasis, AprResult, CashFlow, eu_aprc, regulation_z_apr
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rounding import RoundingPolicy
from b2bcredit.terms.schedule import InterestBasis, Schedule, ScheduleSpec, build_schedule
from b2bcredit.terms.trade import TermsDates, TermsQuote, TradeTerms

__all__ = [
    "apr_of_cash_flows",
    "aprc_of_cash_flows",
    "due_dates_for_terms",
    "instalment_schedule",
    "quote_terms",
    "schedule_from_spec",
]


def instalment_schedule(
    amount: Money,
    annual_rate: Decimal | str,
    instalments: int,
    start_date: date,
    *,
    frequency: Frequency = Frequency.MONTHLY,
    method: AmortizationMethod = AmortizationMethod.ANNUITY,
    interest_basis: InterestBasis = InterestBasis.PERIODIC,
    day_count: DayCount = DayCount.ACT_365_FIXED,
    rounding: RoundingPolicy | None = None,
    first_due_date: date | None = None,
    down_payment: Money | None = None,
    upfront_fee: Money | None = None,
    instalment_fee: Money | None = None,
    calendar: BusinessCalendar | None = None,
    business_day_convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED,
) -> Schedule:
    """Build a repayment schedule; see :class:`~b2bcredit.terms.schedule.ScheduleSpec`.

    Example: ``instalment_schedule(Money("2500.00", "EUR"), "0.0824", 12,
    date(2024, 1, 15))`` has 11 instalments of 217.75 and a last one of 217.72.
    """
    spec = ScheduleSpec(
        amount=amount,
        annual_rate=annual_rate,
        instalments=instalments,
        start_date=start_date,
        frequency=frequency,
        method=method,
        interest_basis=interest_basis,
        day_count=day_count,
        rounding=rounding if rounding is not None else RoundingPolicy(),
        first_due_date=first_due_date,
        down_payment=down_payment,
        upfront_fee=upfront_fee,
        instalment_fee=instalment_fee,
        calendar=calendar,
        business_day_convention=business_day_convention,
    )
    return build_schedule(spec)


def schedule_from_spec(spec: ScheduleSpec) -> Schedule:
    """Build the schedule of a full :class:`ScheduleSpec` (grace, odd first period, ...)."""
    return build_schedule(spec)


def quote_terms(
    terms: TradeTerms | str,
    amount: Money,
    invoice_date: date,
    *,
    shipment_date: date | None = None,
    order_date: date | None = None,
    rounding: Rounding = Rounding.HALF_EVEN,
    year_days: int = 365,
) -> TermsQuote:
    """Return due dates, parts, discount deadline, discounted amount and implied cost.

    ``terms`` is a :class:`TradeTerms` or its notation, such as ``"2/10 net 30"``.
    """
    parsed = TradeTerms.parse(terms) if isinstance(terms, str) else terms
    dates = TermsDates(invoice_date=invoice_date, shipment_date=shipment_date, order_date=order_date)
    return parsed.quote(amount, dates, rounding=rounding, year_days=year_days)


def due_dates_for_terms(
    terms: TradeTerms | str,
    invoice_date: date,
    *,
    shipment_date: date | None = None,
    order_date: date | None = None,
) -> list[date]:
    """Return the due date of each part of ``terms`` (one date unless they are split)."""
    parsed = TradeTerms.parse(terms) if isinstance(terms, str) else terms
    return parsed.due_dates(TermsDates(invoice_date=invoice_date, shipment_date=shipment_date, order_date=order_date))


def apr_of_cash_flows(
    advances: Sequence[CashFlow | tuple[date, object]],
    payments: Sequence[CashFlow | tuple[date, object]],
    *,
    unit_period: Frequency = Frequency.MONTHLY,
) -> AprResult:
    """Return the Regulation Z (Appendix J) APR of the advances and payments."""
    return regulation_z_apr(advances, payments, unit_period=unit_period)


def aprc_of_cash_flows(
    drawdowns: Sequence[CashFlow | tuple[date, object]],
    repayments: Sequence[CashFlow | tuple[date, object]],
    *,
    basis: AprcTimeBasis = AprcTimeBasis.CALENDAR_YEARS,
) -> Decimal:
    """Return the EU annual percentage rate of charge (Directive 2008/48/EC, Annex I)."""
    return eu_aprc(drawdowns, repayments, basis=basis)
