"""Exact rounding of rational amounts to whole minor units, one value or a whole array.

Schedules are computed in integer minor units (cents). Every rounded quantity is a
product ``amount * factor`` with an exact rational factor (a periodic rate, an annuity
factor), rounded once with a named :class:`~b2bcredit.core.money.Rounding` mode. The
scalar functions use Python integers; the array functions give the same integers for
every element. They compute exactly in ``int64`` where the products fit, and elsewhere
trust a float64 estimate only where it is provably on the right side of the rounding
boundary, falling back to exact Python integers for the rest.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.currency import Currency
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Rounding, to_decimal

__all__ = [
    "IntArray",
    "ResidualPlacement",
    "RoundingPolicy",
    "round_fraction",
    "round_product_array",
]

IntArray = npt.NDArray[np.int64]

# Products below this bound fit in int64 with room to spare.
_INT64_SAFE: Final = 2**62
# A float64 product carries a relative error below 2**-51, because the factor and the
# product each round once. A margin of 2**-48 of the magnitude leaves a safety factor of 8.
_FLOAT_MARGIN: Final = 2.0**-48
_HALF_MODES: Final = (Rounding.HALF_EVEN, Rounding.HALF_UP, Rounding.HALF_DOWN)


class ResidualPlacement(enum.Enum):
    """The instalment that settles the difference left by rounding the others."""

    FIRST = "first"  # the first amortising instalment absorbs the residual
    LAST = "last"  # the last instalment absorbs the residual (the usual contract wording)


def _check_mode(mode: object) -> Rounding:
    if not isinstance(mode, Rounding):
        raise InvalidTypeError(
            "rounding", mode, "expected a Rounding member", "Pass Rounding.HALF_EVEN or another member."
        )
    return mode


def _optional_decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    return to_decimal(value, "instalment_multiple")


@attrs.frozen
class RoundingPolicy:
    """A schedule's rounding rules: the mode, the instalment multiple and the residual's place.

    Attributes:
        mode: the rounding mode for every rounded amount (interest, instalments, fees).
        instalment_multiple: instalments (annuity) or principal parts (equal principal,
            flat) are multiples of this amount in currency units: ``Decimal("0.01")``
            for cents, ``Decimal("1")`` for whole units. Interest is always rounded to
            the currency's minor unit.
        residual: the instalment that settles what rounding leaves over.
    """

    mode: Rounding = Rounding.HALF_EVEN
    instalment_multiple: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    residual: ResidualPlacement = ResidualPlacement.LAST

    def __attrs_post_init__(self) -> None:
        _check_mode(self.mode)
        if not isinstance(self.residual, ResidualPlacement):
            raise InvalidTypeError(
                "residual", self.residual, "expected a ResidualPlacement member",
                "Pass ResidualPlacement.LAST or ResidualPlacement.FIRST.",
            )
        if self.instalment_multiple is not None and self.instalment_multiple <= 0:
            raise InvalidInputError(
                "instalment_multiple", str(self.instalment_multiple), "the multiple must be positive",
                "Pass Decimal('0.01') for cents or Decimal('1') for whole units.",
            )

    def multiple_in_minor_units(self, currency: Currency) -> int:
        """Return the instalment multiple as a whole number of the currency's minor units."""
        if self.instalment_multiple is None:
            return 1
        scaled = self.instalment_multiple.scaleb(currency.minor_units)
        if scaled != scaled.to_integral_value():
            raise InvalidInputError(
                "instalment_multiple", str(self.instalment_multiple),
                f"not a whole number of {currency.code} minor units",
                f"Pass a multiple of {Decimal(1).scaleb(-currency.minor_units)}.",
            )
        return int(scaled)


def round_fraction(numerator: int, denominator: int, mode: Rounding) -> int:
    """Round ``numerator / denominator`` to an integer with ``mode``, exactly.

    ``denominator`` must be positive. Ties (exact halves) follow the mode's tie rule.
    """
    if denominator <= 0:
        raise InvalidInputError("denominator", denominator, "must be positive", "Pass a positive divisor.")
    quotient, remainder = divmod(numerator, denominator)  # floor division
    if remainder == 0:
        return quotient
    negative = numerator < 0
    if mode is Rounding.FLOOR:
        return quotient
    if mode is Rounding.CEILING:
        return quotient + 1
    if mode is Rounding.DOWN:
        return quotient + 1 if negative else quotient
    if mode is Rounding.UP:
        return quotient if negative else quotient + 1
    twice = 2 * remainder
    if twice > denominator:
        return quotient + 1
    if twice < denominator:
        return quotient
    if mode is Rounding.HALF_UP:
        return quotient if negative else quotient + 1
    if mode is Rounding.HALF_DOWN:
        return quotient + 1 if negative else quotient
    if mode is Rounding.HALF_EVEN:
        return quotient if quotient % 2 == 0 else quotient + 1
    raise InvalidTypeError("rounding", mode, "expected a Rounding member", "Pass Rounding.HALF_EVEN.")


def _round_int64_division(numerators: IntArray, denominator: int, mode: Rounding) -> IntArray:
    # The vector form of round_fraction for int64 numerators and a positive denominator.
    quotient, remainder = np.divmod(numerators, np.int64(denominator))
    exact = remainder == 0
    negative = numerators < 0
    if mode is Rounding.FLOOR:
        bump = np.zeros_like(exact)
    elif mode is Rounding.CEILING:
        bump = ~exact
    elif mode is Rounding.DOWN:
        bump = ~exact & negative
    elif mode is Rounding.UP:
        bump = ~exact & ~negative
    else:
        twice = 2 * remainder
        above = twice > denominator
        tie = twice == denominator
        if mode is Rounding.HALF_UP:
            tie_bump = ~negative
        elif mode is Rounding.HALF_DOWN:
            tie_bump = negative
        else:
            tie_bump = quotient % 2 != 0
        bump = above | (tie & tie_bump)
    result: IntArray = (quotient + bump.astype(np.int64)).astype(np.int64)
    return result


def round_product_array(values: IntArray, factor: Fraction, mode: Rounding) -> IntArray:
    """Round ``values * factor`` element by element to integers with ``mode``, exactly.

    Gives, for each element, exactly ``round_fraction(value * p, q, mode)`` where
    ``factor == p / q``.
    """
    numerator, denominator = factor.numerator, factor.denominator
    values = np.asarray(values, dtype=np.int64)
    if values.size == 0:
        return np.array(values, dtype=np.int64)
    largest = int(np.abs(values).max())

    # Exact int64 arithmetic when the products cannot overflow.
    if largest * abs(numerator) < _INT64_SAFE and denominator < _INT64_SAFE:
        return _round_int64_division(values * np.int64(numerator), denominator, mode)

    # Otherwise a float64 estimate, trusted only away from the rounding boundary.
    estimate = values.astype(np.float64) * float(factor)
    floor = np.floor(estimate)
    fractional = estimate - floor
    if mode in _HALF_MODES:
        distance = np.abs(fractional - 0.5)
        rounded = floor + (fractional > 0.5)
    else:
        distance = np.minimum(fractional, 1.0 - fractional)
        if mode is Rounding.FLOOR:
            rounded = floor
        elif mode is Rounding.CEILING:
            rounded = floor + 1.0
        elif mode is Rounding.DOWN:
            rounded = np.where(estimate < 0, floor + 1.0, floor)
        else:
            rounded = np.where(estimate < 0, floor, floor + 1.0)
    safe = (distance > np.abs(estimate) * _FLOAT_MARGIN + 1e-300) & (np.abs(estimate) < 2.0**52)
    result = rounded.astype(np.int64)
    for index in np.flatnonzero(~safe):
        result[index] = round_fraction(int(values[index]) * numerator, denominator, mode)
    return result
