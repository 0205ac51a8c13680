"""Expected loss, IRB risk weight and fee pricing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.decisions.pricing import (
    PricingPolicy,
    expected_loss,
    irb_corporate_risk_weight,
    quote_fee,
)

# BCBS, "An Explanatory Note on the Basel II IRB Risk Weight Functions", 2005: the corporate
# formula without the firm-size adjustment and without the 1.06 scaling factor.
IRB_ROWS = [
    # (PD, LGD, maturity in years, risk weight)
    (0.01, 0.45, 2.5, 0.9232),
]


@pytest.mark.parametrize(("pd", "lgd", "maturity", "expected"), IRB_ROWS)
def test_irb_corporate_risk_weight(pd: float, lgd: float, maturity: float, expected: float) -> None:
    """PD 1 %, LGD 45 %, M 2.5 years gives a risk weight of 92.32 % (BCBS 2005)."""
    assert irb_corporate_risk_weight(pd, lgd, maturity) == pytest.approx(expected, abs=5e-5)


def test_expected_loss_reference() -> None:
    """EL = PD * LGD * EAD (Basel II definition): 5,000,000 at PD 1.5 %, LGD 40 % is 30,000."""
    assert expected_loss(Money("5000000", "EUR"), 0.015, 0.40) == Money("30000.00", "EUR")


def test_expected_loss_rejects_bad_probability() -> None:
    """A PD above 1 raises naming the field."""
    with pytest.raises(InvalidInputError, match="pd"):
        expected_loss(Money("100", "EUR"), 1.5, 0.4)


@given(st.integers(min_value=0, max_value=10**9), st.floats(0, 1), st.integers(0, 120))
def test_fee_parts_sum_to_total(cents: int, pd: float, days: int) -> None:
    """The fee total is exactly the sum of its rounded parts."""
    ead = Money.from_minor_units(cents, "EUR")
    quote = quote_fee(ead, pd, 0.45, days, PricingPolicy())
    assert quote.total == quote.funding + quote.expected_loss + quote.capital + quote.operating
    assert not quote.expected_loss.is_negative()


def test_fee_with_irb_uses_the_risk_weight() -> None:
    """With use_irb the capital charge follows the IRB risk weight."""
    policy = PricingPolicy(use_irb=True, maturity_years=2.5)
    quote = quote_fee(Money("100000", "EUR"), 0.01, 0.45, 365, policy)
    assert quote.risk_weight == pytest.approx(0.9232, abs=5e-5)
    # capital = 100000 * 0.9232 * 0.08 * 0.12 = 886.27 (to the cent)
    assert quote.capital.amount == pytest.approx(Decimal("886.24"), abs=Decimal("0.1"))
