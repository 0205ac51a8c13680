"""Exchange rates from the host, locked at authorization."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Protocol

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding, to_decimal

__all__ = ["FxProvider", "FxQuote", "NoFxProvider", "StaticFxProvider", "convert"]


@attrs.frozen
class FxQuote:
    """One unit of ``base`` is worth ``rate`` units of ``quote``, per ``source`` at ``as_of``."""

    base: str
    quote: str
    rate: Decimal
    source: str
    as_of: datetime


class FxProvider(Protocol):
    """The host's source of exchange rates."""

    def quote(self, base: str, quote: str, at: datetime) -> FxQuote | None:
        """Return the rate from ``base`` to ``quote`` at ``at``, or None when there is none."""
        ...


class NoFxProvider:
    """A provider with no rates: every order in a foreign currency is declined."""

    def quote(self, base: str, quote: str, at: datetime) -> FxQuote | None:
        """Return None."""
        return None


class StaticFxProvider:
    """Fixed rates keyed by ``(base, quote)``; the inverse pair is not derived.

    Example: ``StaticFxProvider({("USD", "EUR"): "0.92"})``.
    """

    def __init__(self, rates: Mapping[tuple[str, str], str | Decimal], source: str = "static") -> None:
        self._rates: dict[tuple[str, str], Decimal] = {}
        for pair, value in rates.items():
            rate = to_decimal(value, "rate")
            if rate <= 0:
                raise InvalidInputError("rate", value, "an exchange rate must be positive", "Pass a rate above 0.")
            self._rates[pair] = rate
        self._source = source

    def quote(self, base: str, quote: str, at: datetime) -> FxQuote | None:
        """Return the fixed rate for the pair, or None."""
        rate = self._rates.get((base, quote))
        return None if rate is None else FxQuote(base, quote, rate, self._source, at)


def convert(amount: Money, rate: Decimal, currency: str) -> Money:
    """Convert ``amount`` at ``rate`` into ``currency``, rounding half to even to its minor unit.

    Checkout and authorization both convert with this function, so the credit an option
    shows is the credit authorization reserves.
    """
    return Money(DECIMAL_CONTEXT.multiply(amount.amount, rate), currency, rounding=Rounding.HALF_EVEN)
