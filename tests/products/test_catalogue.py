"""The product catalogue: loading, validation and pricing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from b2bcredit.core.errors import InvalidInputError, NotFoundError
from b2bcredit.core.money import Money
from b2bcredit.products.catalogue import (
    Catalogue,
    ExposureEffect,
    Pricing,
    ProductKind,
    default_catalogue,
    load_catalogue,
)


def test_default_catalogue_covers_every_kind() -> None:
    """The built-in catalogue has pay now, trade credit, instalments, COD and cheque."""
    catalogue = default_catalogue()
    assert {product.kind for product in catalogue.products} == set(ProductKind)
    assert catalogue.get("card").exposure is ExposureEffect.NONE
    assert catalogue.get("cheque").exposure is ExposureEffect.HOLD_UNTIL_CLEARED
    assert catalogue.dunning_level(20).level == 2
    assert catalogue.dunning_level(0) is None


def test_unknown_product_names_choices() -> None:
    """Asking for a missing product lists the ones that exist."""
    with pytest.raises(NotFoundError, match="net30"):
        default_catalogue().get("net45")


def test_load_from_file(tmp_path: Path) -> None:
    """A catalogue file with a new version loads as data."""
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps(
            {
                "version": "2027-01",
                "products": [
                    {
                        "product_id": "net45",
                        "name": "Net 45",
                        "kind": "trade_credit",
                        "terms": {"kind": "net", "days": 45},
                        "eligibility": {"amount_ranges": [{"minimum": "100.00 EUR"}]},
                    }
                ],
            }
        )
    )
    catalogue = load_catalogue(path)
    assert catalogue.version == "2027-01"
    assert catalogue.get("net45").terms.days == 45


def test_missing_field_reported() -> None:
    """A product without terms raises InvalidInputError naming the field."""
    with pytest.raises(InvalidInputError, match="terms"):
        Catalogue.from_dict(
            {
                "version": "1",
                "products": [
                    {
                        "product_id": "x",
                        "name": "x",
                        "kind": "card",
                        "eligibility": {"amount_ranges": []},
                    }
                ],
            }
        )


def test_duplicate_product_rejected() -> None:
    """Two products with one id are rejected."""
    product = default_catalogue().get("net30")
    with pytest.raises(InvalidInputError, match="twice"):
        Catalogue("1", (product, product))


@pytest.mark.parametrize(
    ("amount", "probability", "fee"),
    [
        ("1000.00", None, "20.00"),  # 2% of the amount
        ("1000.00", "0.04", "40.00"),  # plus 0.5 × 4% for risk
        ("30000.00", None, "500.00"),  # 600.00 capped at 500.00
        ("0.10", None, "0.00"),  # 0.002 rounds half up to 0.00
    ],
)
def test_buyer_fee(amount: str, probability: str | None, fee: str) -> None:
    """The buyer fee is a share plus a risk component, rounded half up and capped."""
    pricing = Pricing(buyer_rate=Decimal("0.02"), risk_rate=Decimal("0.5"), buyer_cap=(Money("500.00", "EUR"),))
    pd = None if probability is None else Decimal(probability)
    assert pricing.buyer_fee(Money(amount, "EUR"), pd) == Money(fee, "EUR")


def test_fixed_fee_only_in_its_currency() -> None:
    """A fixed fee given in EUR does not apply to a USD order."""
    pricing = Pricing(buyer_fixed=(Money("5.00", "EUR"),))
    assert pricing.buyer_fee(Money("10.00", "EUR")) == Money("5.00", "EUR")
    assert pricing.buyer_fee(Money("10.00", "USD")) == Money("0.00", "USD")
