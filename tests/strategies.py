"""Hypothesis strategies shared by the property-based tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from b2bcredit.core.currency import Currency, all_currencies
from b2bcredit.core.money import Money

currencies: st.SearchStrategy[Currency] = st.sampled_from(list(all_currencies()))


@st.composite
def money(draw: st.DrawFn, currency: Currency | None = None, max_units: int = 10**15) -> Money:
    """Any amount, positive, zero or negative, on the currency's minor-unit grid."""
    chosen = currency if currency is not None else draw(currencies)
    units = draw(st.integers(min_value=-max_units, max_value=max_units))
    return Money.from_minor_units(units, chosen)


weights = st.lists(
    st.decimals(min_value=Decimal(0), max_value=Decimal(10**6), places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=40,
).filter(lambda values: sum(values) > 0)
