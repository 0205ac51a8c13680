"""The library's exception hierarchy.

Findings (a declined application, an unavailable checkout option, a limit breach) are
returned as typed results. Exceptions are for misuse: invalid input, a currency mismatch,
a state change that the current state does not allow. Each exception subclasses the
nearest builtin, so callers can catch ``ValueError`` or ``TypeError`` as usual, and each
message names the field, the value received and the fix.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "B2BCreditError",
    "ConflictError",
    "CurrencyMismatchError",
    "InvalidInputError",
    "InvalidStateError",
    "InvalidTypeError",
    "NotFoundError",
    "PrecisionError",
    "UnknownCurrencyError",
]


class B2BCreditError(Exception):
    """Base class of every exception the library raises on purpose."""


class InvalidInputError(B2BCreditError, ValueError):
    """An argument or field has a value the library cannot accept.

    The message reads ``<field>: <problem>, got <value!r>. <fix>`` so that a caller
    can fix the input without reading the library's source.
    """

    def __init__(self, field: str, value: Any, problem: str, fix: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}, got {value!r}. {fix}")


class InvalidTypeError(B2BCreditError, TypeError):
    """An argument has a type the library rejects on purpose, such as a float amount."""

    def __init__(self, field: str, value: Any, problem: str, fix: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}, got {value!r} ({type(value).__name__}). {fix}")


class UnknownCurrencyError(InvalidInputError):
    """A currency code that is not an active ISO 4217 code."""


class PrecisionError(InvalidInputError):
    """An amount with more decimal places than its currency's minor unit allows."""


class CurrencyMismatchError(B2BCreditError, ValueError):
    """Two amounts in different currencies met without an explicit exchange rate."""

    def __init__(self, operation: str, left: str, right: str) -> None:
        self.operation = operation
        self.left = left
        self.right = right
        super().__init__(
            f"cannot {operation} {left} and {right}: the currencies differ. "
            f"Convert one amount with an explicit exchange rate first."
        )


class NotFoundError(B2BCreditError, KeyError):
    """A referenced entity (account, authorization, invoice) does not exist."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a message should read as a sentence.
        return str(self.args[0]) if self.args else ""


class InvalidStateError(B2BCreditError, RuntimeError):
    """An operation that the entity's current state does not allow."""


class ConflictError(B2BCreditError, ValueError):
    """An idempotency key reused with a different request."""
