"""Checks of the arguments of ledger calls; each raises with the field, the value and the fix."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from b2bcredit.core.errors import InvalidInputError, InvalidStateError, InvalidTypeError, NotFoundError
from b2bcredit.core.money import Money
from b2bcredit.ledger.model import Authorization, AuthorizationStatus
from b2bcredit.products.catalogue import Product

__all__ = [
    "require_active",
    "require_credit_product",
    "require_currency",
    "require_date",
    "require_days",
    "require_found",
    "require_money",
    "require_positive",
    "require_text",
]

T = TypeVar("T")


def require_found(value: T | None, field: str, identifier: str) -> T:
    """Return ``value``, or raise NotFoundError naming ``field`` and ``identifier`` when it is None."""
    if value is None:
        raise NotFoundError(f"{field}: no record {identifier!r}. Check the id returned when it was created.")
    return value


def require_money(value: object, field: str) -> None:
    """Raise InvalidTypeError unless ``value`` is Money."""
    if not isinstance(value, Money):
        raise InvalidTypeError(field, value, "expected Money", "Pass Money('100.00', 'EUR').")


def require_date(value: object, field: str, *, optional: bool = False) -> None:
    """Raise InvalidTypeError unless ``value`` is a date (not a datetime), or None when ``optional``."""
    if value is None and optional:
        return
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidTypeError(
            field, value, "expected a datetime.date", "Pass a date, such as date.fromisoformat('2026-05-01')."
        )


def require_positive(amount: Money, field: str) -> None:
    """Raise InvalidInputError unless ``amount`` is above zero."""
    if not amount.is_positive():
        raise InvalidInputError(field, str(amount), "must be above zero", "Pass a positive amount.")


def require_currency(amount: Money, currency: str, field: str) -> None:
    """Raise InvalidInputError unless ``amount`` is in ``currency``."""
    if amount.currency.code != currency:
        raise InvalidInputError(
            field,
            str(amount),
            f"must be in {currency}",
            f"Pass the amount in {currency}.",
        )


def require_text(value: object, field: str) -> None:
    """Raise InvalidInputError unless ``value`` is a non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, value, "must be a non-empty string", f"Pass the host's {field}.")


def require_days(value: object, field: str) -> None:
    """Raise InvalidInputError unless ``value`` is None or a whole number of days, 0 or more."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise InvalidInputError(field, value, "must be a whole number of days, 0 or more", "Pass 30, say, or None.")


def require_active(authorization: Authorization) -> None:
    """Raise InvalidStateError unless the authorization still reserves credit."""
    if not authorization.status.is_active:
        fix = ""
        if authorization.status in (AuthorizationStatus.EXPIRED, AuthorizationStatus.CANCELLED):
            fix = ". Reopen it, which checks the credit limit again, then retry"
        raise InvalidStateError(
            f"authorization {authorization.authorization_id} is {authorization.status.value}; "
            f"only an authorized or partially captured one can change{fix}"
        )


def require_credit_product(product: Product) -> None:
    """Raise unless ``product`` is a catalogue product that reserves credit."""
    if not isinstance(product, Product):
        raise InvalidTypeError("product", product, "expected a catalogue Product", "Pass catalogue.get(product_id).")
    if not product.uses_credit:
        raise InvalidInputError(
            "product",
            product.product_id,
            "is paid up front and reserves no credit",
            "Authorize only products that use credit; take pay-now options through the payment provider.",
        )
