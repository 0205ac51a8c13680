"""Tier benefits as data: what a tier gives a customer.

The limit policy reads ``credit_limit_multiplier``, checkout reads ``payment_terms``, the
fee engine reads ``fee_discount`` and the loyalty program reads ``loyalty_multiplier``.
Multipliers and discounts are Decimals (floats are rejected); term names are strings such
as ``NET30`` or ``2/10NET30`` that the terms catalogue resolves.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import Final

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import to_decimal

__all__ = ["ServiceModel", "TierBenefits"]

_TERM_NAME: Final = re.compile(r"^[A-Z0-9][A-Z0-9/_.-]*$")


class ServiceModel(enum.Enum):
    """The service model of a tier: how the seller serves the customer."""

    DEDICATED_ACCOUNT_MANAGER = "dedicated_account_manager"  # a named manager owns the account
    SELF_SERVICE = "self_service"  # online ordering and shared support


def _to_decimal_field(value: object) -> Decimal:
    # Floats raise here: a multiplier of 1.1 would carry binary noise into limits and fees.
    return to_decimal(value, "tier benefit")


def _to_terms(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (tuple, list)):
        raise InvalidInputError("payment_terms", value, "expected a sequence of term names",
                                "Pass a tuple such as ('NET30', 'NET60').")
    return tuple(value)


@attrs.frozen(slots=True)
class TierBenefits:
    """The benefits of one tier.

    Attributes:
        tier: the tier's name.
        service_model: dedicated account manager or self-service.
        credit_limit_multiplier: factor on the customer's base credit limit (> 0).
        payment_terms: names of the payment terms offered, best first, such as ``NET30``.
        fee_discount: fraction taken off fees, in [0, 1).
        loyalty_multiplier: factor on loyalty points earned (> 0).
    """

    tier: str
    service_model: ServiceModel
    credit_limit_multiplier: Decimal = attrs.field(converter=_to_decimal_field)
    payment_terms: tuple[str, ...] = attrs.field(converter=_to_terms)
    fee_discount: Decimal = attrs.field(converter=_to_decimal_field)
    loyalty_multiplier: Decimal = attrs.field(converter=_to_decimal_field)

    def __attrs_post_init__(self) -> None:
        if not self.tier:
            raise InvalidInputError("tier", self.tier, "a tier needs a name", "Name the tier.")
        if self.credit_limit_multiplier <= 0:
            raise InvalidInputError("credit_limit_multiplier", self.credit_limit_multiplier,
                                    "must be greater than 0", "Pass a factor such as 1.25.")
        if not Decimal(0) <= self.fee_discount < Decimal(1):
            raise InvalidInputError("fee_discount", self.fee_discount,
                                    "must be at least 0 and below 1",
                                    "Pass a fraction such as 0.10 for 10%.")
        if self.loyalty_multiplier <= 0:
            raise InvalidInputError("loyalty_multiplier", self.loyalty_multiplier,
                                    "must be greater than 0", "Pass a factor such as 1.5.")
        if not self.payment_terms:
            raise InvalidInputError("payment_terms", self.payment_terms,
                                    "a tier offers at least one payment term",
                                    "Pass term names such as ('NET30',).")
        for term in self.payment_terms:
            if not isinstance(term, str) or not _TERM_NAME.match(term):
                raise InvalidInputError(
                    "payment_terms", term, "invalid term name",
                    "Use upper-case names such as NET30, EOM or 2/10NET30.",
                )

    def offers(self, term: str) -> bool:
        """Return whether the tier offers the named payment term."""
        return term in self.payment_terms
