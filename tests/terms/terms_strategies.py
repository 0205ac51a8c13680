"""Hypothesis strategies shared by the terms tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from b2bcredit.core.daycount import DayCount
from b2bcredit.core.money import Money, Rounding
from b2bcredit.terms.amortization import AmortizationMethod, GraceInterest
from b2bcredit.terms.periods import Frequency
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy
from b2bcredit.terms.schedule import InterestBasis, OddFirstPeriod, ScheduleSpec

amounts = st.integers(min_value=1, max_value=10**11).map(lambda cents: Money.from_minor_units(cents, "EUR"))
rates = st.one_of(
    st.just(Decimal(0)),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("0.60"), places=6, allow_nan=False),
    st.sampled_from([Decimal("1e-12"), Decimal("0.000001"), Decimal("1.5")]),
)
counts = st.integers(min_value=1, max_value=60)
start_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
policies = st.builds(
    RoundingPolicy,
    mode=st.sampled_from(list(Rounding)),
    instalment_multiple=st.sampled_from([None, Decimal("0.01"), Decimal("0.05"), Decimal("1"), Decimal("10")]),
    residual=st.sampled_from(list(ResidualPlacement)),
)


@st.composite
def schedule_specs(draw: st.DrawFn) -> ScheduleSpec:
    """Any loan: amount, rate, count, frequency, method, grace and rounding policy."""
    count = draw(counts)
    grace = draw(st.integers(min_value=0, max_value=max(0, min(3, count - 1))))
    interest_grace = draw(st.integers(min_value=0, max_value=grace))
    start = draw(start_dates)
    first_due = None
    if draw(st.booleans()):
        first_due = start + timedelta(days=draw(st.integers(min_value=1, max_value=60)))
    daily = draw(st.booleans())
    return ScheduleSpec(
        interest_basis=InterestBasis.DAILY if daily else InterestBasis.PERIODIC,
        day_count=draw(st.sampled_from(list(DayCount))),
        odd_first_period=draw(st.sampled_from(list(OddFirstPeriod))),
        grace_interest=draw(st.sampled_from(list(GraceInterest))),
        instalment_fee=draw(st.sampled_from([None, Money("0.50", "EUR")])),
        amount=draw(amounts),
        annual_rate=draw(rates),
        instalments=count,
        start_date=start,
        first_due_date=first_due,
        frequency=draw(st.sampled_from(list(Frequency))),
        method=draw(st.sampled_from(list(AmortizationMethod))),
        interest_grace=interest_grace,
        principal_grace=grace - interest_grace,
        rounding=draw(policies),
    )
