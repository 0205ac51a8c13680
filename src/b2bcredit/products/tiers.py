"""Customer-tier benefits applied to products: the payment terms offered and the fee discount.

A tier's :class:`~b2bcredit.segments.benefits.TierBenefits` names the trade terms it
offers in compact capitals (``NET30``, ``2/10NET30``, ``NET30EOM``). A trade-credit
product is offered to the tier when its terms, written that way, are in the list. Other
product kinds (pay now, instalment plans, cash on delivery, cheque) are not trade terms
and are offered to every tier. The fee discount takes its share off the buyer fee.
"""

from __future__ import annotations

import attrs

from b2bcredit.products.catalogue import Product, ProductKind
from b2bcredit.products.eligibility import Finding, HintAction, ReasonCode, ResolutionHint
from b2bcredit.segments.benefits import TierBenefits

__all__ = ["compact_terms_name", "for_tier", "offered_to_tier", "tier_finding"]


def compact_terms_name(product: Product) -> str:
    """Return the product's terms as tiers name them: ``"2/10 net 30"`` becomes ``"2/10NET30"``."""
    return "".join(product.terms.code.upper().split())


def offered_to_tier(product: Product, benefits: TierBenefits) -> bool:
    """Return whether the tier may choose ``product``."""
    if product.kind is not ProductKind.TRADE_CREDIT:
        return True
    return benefits.offers(compact_terms_name(product))


def tier_finding(product: Product, benefits: TierBenefits) -> Finding | None:
    """Return the finding that keeps ``product`` from the tier, or None when it is offered."""
    if offered_to_tier(product, benefits):
        return None
    return Finding(
        ReasonCode.TERMS_NOT_OFFERED_TO_TIER,
        ResolutionHint(
            HintAction.CHOOSE_ANOTHER_OPTION,
            f"The {benefits.tier} tier is offered {', '.join(benefits.payment_terms)}, "
            f"not {product.terms.code}.",
        ),
    )


def for_tier(product: Product, benefits: TierBenefits) -> Product:
    """Return ``product`` with the tier's fee discount in its pricing (unchanged without one)."""
    if not benefits.fee_discount:
        return product
    return attrs.evolve(product, pricing=attrs.evolve(product.pricing, fee_discount=benefits.fee_discount))
