"""Rate conversions in Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.rates import (
    basis_points,
    effective_annual_rate,
    from_percent,
    nominal_from_effective,
    nominal_from_periodic,
    periodic_rate,
    to_basis_points,
    to_percent,
)


def test_periodic_and_back() -> None:
    assert periodic_rate("0.12", 12) == Decimal("0.01")
    assert nominal_from_periodic("0.01", 12) == Decimal("0.12")


# Worked values: (1 + 0.12/12) ** 12 - 1 and (1 + 0.10/4) ** 4 - 1, computed exactly.
@pytest.mark.parametrize(
    ("nominal", "periods", "expected"),
    [
        ("0.12", 12, "0.126825030131969720661201"),
        ("0.10", 4, "0.10381289062500"),
        ("0.05", 1, "0.05"),
    ],
)
def test_effective_annual_rate(nominal: str, periods: int, expected: str) -> None:
    assert effective_annual_rate(nominal, periods) == Decimal(expected)


def test_nominal_from_effective_round_trip() -> None:
    nominal = nominal_from_effective(effective_annual_rate("0.12", 12), 12)
    assert abs(nominal - Decimal("0.12")) < Decimal("1e-40")


def test_percent_and_basis_points() -> None:
    assert from_percent("12.5") == Decimal("0.125")
    assert to_percent(Decimal("0.125")) == Decimal("12.500")
    assert basis_points(25) == Decimal("0.0025")
    assert to_basis_points("0.0025") == Decimal("25.0000")


def test_bad_rates_rejected() -> None:
    with pytest.raises(InvalidTypeError):
        periodic_rate(0.12, 12)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="periods_per_year"):
        periodic_rate("0.12", 0)
    with pytest.raises(InvalidInputError, match="-100"):
        effective_annual_rate("-1", 12)
