"""Interest-rate conversions in exact Decimal arithmetic.

Rates are plain Decimals in fractions of one (``Decimal("0.12")`` is 12 %). A nominal
annual rate compounded ``m`` times a year has the periodic rate ``r / m`` and the
effective annual rate ``(1 + r / m) ** m - 1``. Every operation runs in the library's
explicit decimal context, so the caller's ambient context never changes a result.

Example: 12 % nominal compounded monthly is 1 % a month and 12.6825... % effective.
"""

from __future__ import annotations

from decimal import Decimal

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import DECIMAL_CONTEXT, to_decimal

__all__ = [
    "basis_points",
    "effective_annual_rate",
    "from_percent",
    "nominal_from_effective",
    "nominal_from_periodic",
    "periodic_rate",
    "to_basis_points",
    "to_percent",
]

_ONE = Decimal(1)


def _periods(periods_per_year: int) -> Decimal:
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int) or periods_per_year < 1:
        raise InvalidInputError(
            "periods_per_year", periods_per_year, "expected a whole number of at least 1",
            "Pass 12 for monthly, 4 for quarterly, 52 for weekly.",
        )
    return Decimal(periods_per_year)


def _rate(value: str | int | Decimal, field: str) -> Decimal:
    rate = to_decimal(value, field)
    if rate <= -1:
        raise InvalidInputError(
            field, value, "a rate of -100 % or less has no meaning",
            "Pass the rate as a fraction of one, such as '0.12' for 12 %.",
        )
    return rate


def periodic_rate(annual_nominal: str | int | Decimal, periods_per_year: int) -> Decimal:
    """Return the rate per period of a nominal annual rate: ``r / m``."""
    return DECIMAL_CONTEXT.divide(_rate(annual_nominal, "annual_nominal"), _periods(periods_per_year))


def nominal_from_periodic(periodic: str | int | Decimal, periods_per_year: int) -> Decimal:
    """Return the nominal annual rate of a periodic rate: ``i * m``."""
    return DECIMAL_CONTEXT.multiply(_rate(periodic, "periodic"), _periods(periods_per_year))


def effective_annual_rate(annual_nominal: str | int | Decimal, periods_per_year: int) -> Decimal:
    """Return the effective annual rate ``(1 + r/m) ** m - 1`` of a nominal rate."""
    growth = DECIMAL_CONTEXT.add(_ONE, periodic_rate(annual_nominal, periods_per_year))
    return DECIMAL_CONTEXT.subtract(DECIMAL_CONTEXT.power(growth, periods_per_year), _ONE)


def nominal_from_effective(effective: str | int | Decimal, periods_per_year: int) -> Decimal:
    """Return the nominal rate ``m * ((1 + e) ** (1/m) - 1)`` with effective rate ``e``.

    The m-th root is computed to the context's 50 significant digits, so the round trip
    through :func:`effective_annual_rate` agrees to about 48 decimal places.
    """
    periods = _periods(periods_per_year)
    growth = DECIMAL_CONTEXT.add(_ONE, _rate(effective, "effective"))
    root = DECIMAL_CONTEXT.power(growth, DECIMAL_CONTEXT.divide(_ONE, periods))
    return DECIMAL_CONTEXT.multiply(periods, DECIMAL_CONTEXT.subtract(root, _ONE))


def from_percent(percent: str | int | Decimal) -> Decimal:
    """Convert a percentage to a rate: ``"12.5"`` becomes ``Decimal("0.125")``."""
    return DECIMAL_CONTEXT.divide(to_decimal(percent, "percent"), Decimal(100))


def to_percent(rate: str | int | Decimal) -> Decimal:
    """Convert a rate to a percentage: ``Decimal("0.125")`` becomes ``Decimal("12.5")``."""
    return DECIMAL_CONTEXT.multiply(to_decimal(rate, "rate"), Decimal(100))


def basis_points(points: str | int | Decimal) -> Decimal:
    """Convert basis points to a rate: 25 bp is ``Decimal("0.0025")``."""
    return DECIMAL_CONTEXT.divide(to_decimal(points, "basis_points"), Decimal(10_000))


def to_basis_points(rate: str | int | Decimal) -> Decimal:
    """Convert a rate to basis points: ``Decimal("0.0025")`` is 25 bp."""
    return DECIMAL_CONTEXT.multiply(to_decimal(rate, "rate"), Decimal(10_000))
