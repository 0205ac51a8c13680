"""The JSON codec round-trips every ledger record exactly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.money import Money
from b2bcredit.ledger.model import CreditProfile, FxLock
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.products.terms import EarlyPaymentDiscount, ScheduledPayment
from b2bcredit.storage.codec import dumps, loads


def test_catalogue_round_trip() -> None:
    """Every product of the default catalogue comes back equal."""
    for product in default_catalogue().products:
        assert loads(type(product), dumps(product)) == product


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_money_round_trip(units: int, currency: str) -> None:
    """Money keeps its exact amount and currency."""
    value = ScheduledPayment(date(2027, 2, 28), Money.from_minor_units(units, currency))
    assert loads(ScheduledPayment, dumps(value)) == value


def test_optional_and_decimal_fields() -> None:
    """Decimals keep their digits and aware datetimes their offset."""
    moment = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)
    lock = FxLock("USD", "EUR", Decimal("0.913700"), "ecb", moment, moment)
    assert loads(FxLock, dumps(lock)) == lock
    assert str(loads(FxLock, dumps(lock)).rate) == "0.913700"
    discount = EarlyPaymentDiscount(Decimal("0.02"), date(2026, 12, 11))
    assert loads(EarlyPaymentDiscount, dumps(discount)) == discount


def test_missing_defaulted_field_takes_default() -> None:
    """A record stored before a field with a default existed decodes with that default."""
    data = json.loads(dumps(CreditProfile(country="PL")))
    del data["underwriting"]

    assert loads(CreditProfile, json.dumps(data)) == CreditProfile(country="PL")


def test_missing_required_field_raises() -> None:
    """A record that lacks a field without a default is not silently completed."""
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    data = json.loads(dumps(FxLock("USD", "EUR", Decimal("0.92"), "static", moment, moment)))
    del data["rate"]

    with pytest.raises(KeyError, match="rate"):
        loads(FxLock, json.dumps(data))
