"""Exact money: a Decimal amount in an ISO 4217 currency.

Every amount has at most as many decimal places as its currency's minor unit, so a
``Money`` is always a whole number of cents (or yen, or fils). Arithmetic never depends
on the ambient decimal context: additions run in a private context that traps any
inexact result, and rounding happens only where a caller names the rounding mode.
Floats are rejected, because ``0.1`` has no exact binary representation.

Example:
    >>> from b2bcredit.core.money import Money, Rounding
    >>> Money("10.00", "EUR").allocate(3)
    (Money('3.34', 'EUR'), Money('3.33', 'EUR'), Money('3.33', 'EUR'))
    >>> Money("1.005", "EUR", rounding=Rounding.HALF_UP)
    Money('1.01', 'EUR')
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

from b2bcredit.core.currency import Currency, get_currency
from b2bcredit.core.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    InvalidTypeError,
    PrecisionError,
)

__all__ = [
    "DECIMAL_CONTEXT",
    "Money",
    "RemainderPlacement",
    "Rounding",
    "to_decimal",
]

# Fifty significant digits hold any realistic amount with room for intermediate products;
# Inexact is trapped so that an addition which would lose a digit raises instead.
_EXACT: Final = decimal.Context(
    prec=50,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)

# The context for computations that round on purpose (rates, interest, allocation weights).
# It is passed explicitly everywhere, so the caller's ambient context never matters.
DECIMAL_CONTEXT: Final = decimal.Context(
    prec=50,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class Rounding(enum.Enum):
    """A rounding mode, named as in the ``decimal`` module and in loan contracts."""

    HALF_EVEN = decimal.ROUND_HALF_EVEN  # to nearest, ties to the even digit (banker's rounding)
    HALF_UP = decimal.ROUND_HALF_UP  # to nearest, ties away from zero (commercial rounding)
    HALF_DOWN = decimal.ROUND_HALF_DOWN  # to nearest, ties towards zero
    DOWN = decimal.ROUND_DOWN  # towards zero (truncation)
    UP = decimal.ROUND_UP  # away from zero
    CEILING = decimal.ROUND_CEILING  # towards positive infinity
    FLOOR = decimal.ROUND_FLOOR  # towards negative infinity


class RemainderPlacement(enum.Enum):
    """The rule that places the minor units left over after an even split."""

    FIRST = "first"  # one extra minor unit to each of the first parts
    LAST = "last"  # one extra minor unit to each of the last parts
    LARGEST_REMAINDER = "largest_remainder"  # to the parts whose exact share lost the most


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """Convert ``str``, ``int`` or ``Decimal`` to a finite Decimal; reject everything else.

    Raises:
        InvalidTypeError: a float, bool or other type.
        InvalidInputError: text that is not a number, NaN or an infinity.
    """
    value_type = type(value)
    if value_type is str:
        # The common case first: amounts arrive as text from JSON, CSV and forms.
        try:
            number = Decimal(value)  # type: ignore[arg-type]
        except decimal.InvalidOperation:
            number = None
        if number is not None and number.is_finite():
            return number
    if value_type is Decimal and value.is_finite():  # type: ignore[attr-defined]
        return value  # type: ignore[return-value]
    if isinstance(value, (bool, float)):
        raise InvalidTypeError(
            field, value, "floats are not accepted in money or rates",
            "Pass a string such as '0.10' or a Decimal instead.",
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace("_", ""))
        except decimal.InvalidOperation:
            raise InvalidInputError(
                field, value, "not a decimal number",
                "Pass digits with an optional sign and decimal point, such as '1250.00'.",
            ) from None
    else:
        raise InvalidTypeError(
            field, value, "expected str, int or Decimal",
            "Pass a string such as '10.00' or a Decimal.",
        )
    if not number.is_finite():
        raise InvalidInputError(
            field, value, "NaN and infinities are not amounts", "Pass a finite number."
        )
    return number


class Money:
    """An exact amount of one ISO 4217 currency.

    Args:
        amount: ``str``, ``int`` or ``Decimal``; never ``float``.
        currency: an ISO 4217 code or a :class:`Currency`.
        rounding: when given, an amount with more decimals than the currency allows is
            rounded with this mode; when omitted such an amount raises
            :class:`PrecisionError`.

    Money values are immutable and hashable. ``+``, ``-`` and comparisons work within
    one currency. Everything that can round (multiplying by a rate, dividing) is a named
    method that takes a rounding mode.
    """

    __slots__ = ("_amount", "_currency")

    _amount: Decimal
    _currency: Currency

    def __init__(
        self,
        amount: str | int | Decimal,
        currency: str | Currency,
        *,
        rounding: Rounding | None = None,
    ) -> None:
        resolved = currency if type(currency) is Currency else get_currency(currency)
        number = to_decimal(amount)
        exponent = _quantum(resolved)
        if rounding is None:
            try:
                quantized = number.quantize(exponent, context=_EXACT)
            except decimal.Inexact:
                raise PrecisionError(
                    "amount", amount,
                    f"{resolved.code} allows {resolved.minor_units} decimal places",
                    "Round it first, or pass rounding=Rounding.HALF_EVEN (or another mode).",
                ) from None
        else:
            mode = _DECIMAL_MODES[rounding] if isinstance(rounding, Rounding) else None
            if mode is None:
                raise InvalidTypeError(
                    "rounding", rounding, "expected a Rounding member",
                    "Pass Rounding.HALF_EVEN, Rounding.HALF_UP or another member.",
                )
            quantized = number.quantize(exponent, rounding=mode, context=DECIMAL_CONTEXT)
        _set_slot(self, "_amount", _without_negative_zero(quantized))
        _set_slot(self, "_currency", resolved)

    # Construction helpers -------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str | Currency) -> Money:
        """Return zero in ``currency``."""
        return cls(0, currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: str | Currency) -> Money:
        """Build from an integer count of minor units (cents): ``1234`` EUR is 12.34."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise InvalidTypeError(
                "units", units, "minor units must be an int", "Pass a whole number of cents."
            )
        resolved = get_currency(currency)
        return cls(Decimal(units).scaleb(-resolved.minor_units, context=_EXACT), resolved)

    @classmethod
    def parse(cls, text: str) -> Money:
        """Parse the ``str()`` form, ``"12.30 EUR"``; the code may also come first."""
        parts = text.split() if isinstance(text, str) else []
        if len(parts) != 2:
            raise InvalidInputError(
                "money", text, "expected an amount and a currency code",
                "Write it as '12.30 EUR'.",
            )
        first, second = parts
        if first[:1].isalpha():
            return cls(second, first)
        return cls(first, second)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Money:
        """Build from the JSON form ``{"amount": "12.30", "currency": "EUR"}``."""
        if not isinstance(data, dict) or "amount" not in data or "currency" not in data:
            raise InvalidInputError(
                "money", data, "expected an object with 'amount' and 'currency'",
                "Pass {'amount': '12.30', 'currency': 'EUR'}.",
            )
        return cls(data["amount"], data["currency"])

    @classmethod
    def sum(cls, values: Iterable[Money], currency: str | Currency) -> Money:
        """Add up ``values``, all in ``currency``; an empty iterable gives zero."""
        total = cls.zero(currency)
        amount = total._amount
        for value in values:
            amount = _EXACT.add(amount, total._check_same_currency(value, "add")._amount)
        return total._with_amount(amount)

    # Accessors ------------------------------------------------------------------------

    @property
    def amount(self) -> Decimal:
        """The amount, with exactly the currency's number of decimal places."""
        return self._amount

    @property
    def currency(self) -> Currency:
        """The ISO 4217 currency."""
        return self._currency

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units (cents for EUR)."""
        return int(self._amount.scaleb(self._currency.minor_units, context=_EXACT))

    def is_zero(self) -> bool:
        """Return whether the amount is zero."""
        return self._amount == 0

    def is_positive(self) -> bool:
        """Return whether the amount is above zero."""
        return self._amount > 0

    def is_negative(self) -> bool:
        """Return whether the amount is below zero."""
        return self._amount < 0

    def to_dict(self) -> dict[str, str]:
        """Return the JSON form, the amount as a string so no parser turns it into a float."""
        return {"amount": str(self._amount), "currency": self._currency.code}

    # Arithmetic -----------------------------------------------------------------------

    def _check_same_currency(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidTypeError(
                "other", other, f"can only {operation} Money and Money",
                "Wrap the number as Money(value, currency) first.",
            )
        # Currencies come from one table, so identity is the fast path of equality.
        if other._currency is not self._currency and other._currency != self._currency:
            raise CurrencyMismatchError(operation, self._currency.code, other._currency.code)
        return other

    def _with_amount(self, amount: Decimal) -> Money:
        # The amount is already on the currency's grid, so skip the checks of __init__.
        result = object.__new__(Money)
        _set_slot(result, "_amount", _without_negative_zero(amount))
        _set_slot(result, "_currency", self._currency)
        return result

    def __add__(self, other: Money) -> Money:
        checked = self._check_same_currency(other, "add")
        return self._with_amount(_EXACT.add(self._amount, checked._amount))

    def __sub__(self, other: Money) -> Money:
        checked = self._check_same_currency(other, "subtract")
        return self._with_amount(_EXACT.subtract(self._amount, checked._amount))

    def __neg__(self) -> Money:
        return self._with_amount(_EXACT.minus(self._amount))

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return self._with_amount(_EXACT.abs(self._amount))

    def __mul__(self, factor: int) -> Money:
        # Only integers multiply exactly; a Decimal factor needs a rounding mode.
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise InvalidTypeError(
                "factor", factor, "only an int multiplies Money without rounding",
                "Use money.multiply(factor, rounding) for a Decimal factor.",
            )
        return self._with_amount(_EXACT.multiply(self._amount, Decimal(factor)))

    __rmul__ = __mul__

    def multiply(self, factor: str | int | Decimal, rounding: Rounding) -> Money:
        """Multiply by ``factor`` (a rate, a share) and round to the currency's minor unit."""
        number = to_decimal(factor, "factor")
        product = DECIMAL_CONTEXT.multiply(self._amount, number)
        mode = _DECIMAL_MODES[rounding] if isinstance(rounding, Rounding) else None
        if mode is None:
            raise InvalidTypeError(
                "rounding", rounding, "expected a Rounding member",
                "Pass Rounding.HALF_EVEN, Rounding.HALF_UP or another member.",
            )
        return self._with_amount(product.quantize(_quantum(self._currency), rounding=mode, context=DECIMAL_CONTEXT))

    def divide(self, divisor: str | int | Decimal, rounding: Rounding) -> Money:
        """Divide by ``divisor`` and round to the currency's minor unit.

        To split an amount into parts that must add up, use :meth:`allocate` instead.
        """
        number = to_decimal(divisor, "divisor")
        if number == 0:
            raise InvalidInputError("divisor", divisor, "cannot divide by zero", "Pass a non-zero divisor.")
        return Money(DECIMAL_CONTEXT.divide(self._amount, number), self._currency, rounding=rounding)

    def round_to(self, step: str | int | Decimal | Money, rounding: Rounding) -> Money:
        """Round to a multiple of ``step`` (``Decimal('1')`` for whole units, ``'0.05'``)."""
        step_amount = step.amount if isinstance(step, Money) else to_decimal(step, "step")
        if step_amount <= 0:
            raise InvalidInputError("step", step, "the step must be positive", "Pass a step such as '1' or '0.05'.")
        multiples = DECIMAL_CONTEXT.divide(self._amount, step_amount).quantize(
            Decimal(1), rounding=rounding.value, context=DECIMAL_CONTEXT
        )
        return Money(DECIMAL_CONTEXT.multiply(multiples, step_amount), self._currency, rounding=rounding)

    def allocate(
        self,
        parts: int | Sequence[str | int | Decimal],
        remainder: RemainderPlacement = RemainderPlacement.FIRST,
    ) -> tuple[Money, ...]:
        """Split into ``parts`` equal shares, or into shares proportional to weights.

        The split is done in whole minor units: each part first gets the floor of its
        exact share, then the minor units left over (fewer than the number of parts) go
        one each to the parts that ``remainder`` names. Parts with a zero weight get
        nothing. The parts always add up to ``self`` exactly; a negative amount is split
        as its absolute value and every part negated.

        Example: 100.00 by weights 1, 1, 1 with the remainder last is 33.33, 33.33, 33.34.
        """
        weights = _integer_weights(parts)
        units = self.minor_units
        sign = -1 if units < 0 else 1
        units = abs(units)

        # Integer arithmetic throughout: part i's exact share is units * w_i / W, so its
        # floor and the fraction it lost are the quotient and remainder of one divmod.
        total_weight = sum(weights)
        floors = []
        lost = []
        for weight in weights:
            share, fraction_lost = divmod(units * weight, total_weight)
            floors.append(share)
            lost.append(fraction_lost)
        left_over = units - sum(floors)

        eligible = [index for index, weight in enumerate(weights) if weight > 0]
        if remainder is RemainderPlacement.FIRST:
            receivers = eligible[:left_over]
        elif remainder is RemainderPlacement.LAST:
            receivers = eligible[len(eligible) - left_over :]
        elif remainder is RemainderPlacement.LARGEST_REMAINDER:
            # Ties go to the earlier part, so the result is deterministic.
            by_loss = sorted(eligible, key=lambda index: (-lost[index], index))
            receivers = by_loss[:left_over]
        else:
            raise InvalidTypeError(
                "remainder", remainder, "expected a RemainderPlacement member",
                "Pass RemainderPlacement.FIRST, LAST or LARGEST_REMAINDER.",
            )
        for index in receivers:
            floors[index] += 1

        # Equal splits have at most two distinct shares, so build each distinct value once.
        exponent = -self._currency.minor_units
        built: dict[int, Money] = {}
        result = []
        for share in floors:
            part = built.get(share)
            if part is None:
                part = built[share] = self._with_amount(Decimal(sign * share).scaleb(exponent, context=_EXACT))
            result.append(part)
        return tuple(result)

    # Comparison -----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self._currency == other._currency and self._amount == other._amount

    def __hash__(self) -> int:
        return hash((self._amount, self._currency.code))

    def __lt__(self, other: Money) -> bool:
        return self._amount < self._check_same_currency(other, "compare")._amount

    def __le__(self, other: Money) -> bool:
        return self._amount <= self._check_same_currency(other, "compare")._amount

    def __gt__(self, other: Money) -> bool:
        return self._amount > self._check_same_currency(other, "compare")._amount

    def __ge__(self, other: Money) -> bool:
        return self._amount >= self._check_same_currency(other, "compare")._amount

    # Immutability and text ------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Money is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Money is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Money, (str(self._amount), self._currency.code))

    def __repr__(self) -> str:
        return f"Money({str(self._amount)!r}, {self._currency.code!r})"

    def __str__(self) -> str:
        return f"{self._amount} {self._currency.code}"

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        return f"{format(self._amount, spec)} {self._currency.code}"

    # pydantic integration: Money fields in boundary models accept the JSON form or
    # "12.30 EUR" and serialise to the JSON form.
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: Any) -> Money:
            if isinstance(value, Money):
                return value
            try:
                return cls.parse(value) if isinstance(value, str) else cls.from_dict(value)
            except InvalidTypeError as error:
                # pydantic reports ValueError as a validation error; a TypeError would escape.
                raise ValueError(str(error)) from None

        return core_schema.no_info_plain_validator_function(
            validate,
            json_schema_input_schema=core_schema.typed_dict_schema(
                {
                    "amount": core_schema.typed_dict_field(core_schema.str_schema()),
                    "currency": core_schema.typed_dict_field(core_schema.str_schema()),
                }
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda m: m.to_dict()),
        )


_set_slot = object.__setattr__

# Lookups on the hot path: an enum member's .value goes through a descriptor, and the
# quantum of a currency never changes.
_DECIMAL_MODES: Final[dict[Rounding, str]] = {member: member.value for member in Rounding}
_QUANTA: dict[str, Decimal] = {}


def _quantum(currency: Currency) -> Decimal:
    # The smallest amount of the currency: Decimal("0.01") for EUR, Decimal("1") for JPY.
    quantum = _QUANTA.get(currency.code)
    if quantum is None:
        quantum = _QUANTA[currency.code] = Decimal(1).scaleb(-currency.minor_units)
    return quantum


def _without_negative_zero(amount: Decimal) -> Decimal:
    # Decimal keeps the sign of zero ("-0.00"); an amount of money has none.
    return amount.copy_abs() if amount.is_zero() else amount


def _integer_weights(parts: int | Sequence[str | int | Decimal]) -> list[int]:
    # Weights become integers on a common decimal scale, so the split needs no fractions.
    if isinstance(parts, bool):
        raise InvalidTypeError("parts", parts, "expected a count or a list of weights", "Pass 3 or ['1', '2'].")
    if isinstance(parts, int):
        if parts < 1:
            raise InvalidInputError("parts", parts, "need at least one part", "Pass a count of 1 or more.")
        return [1] * parts
    decimals = [to_decimal(weight, "weights") for weight in parts]
    if not decimals:
        raise InvalidInputError("weights", list(parts), "need at least one weight", "Pass one weight per part.")
    if any(weight < 0 for weight in decimals):
        raise InvalidInputError(
            "weights", [str(w) for w in parts], "weights must not be negative", "Pass weights of 0 or more."
        )
    places = max(0, *(-int(weight.as_tuple().exponent) for weight in decimals))
    weights = [int(weight.scaleb(places, context=_EXACT)) for weight in decimals]
    if sum(weights) == 0:
        raise InvalidInputError(
            "weights", [str(w) for w in parts], "at least one weight must be positive",
            "Give the parts that should receive money a positive weight.",
        )
    return weights
