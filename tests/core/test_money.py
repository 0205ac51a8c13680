"""Money: construction, exact arithmetic, rounding, allocation and serialisation."""

from __future__ import annotations

import decimal
import json
import pickle
from decimal import Decimal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import (
    CurrencyMismatchError,
    InvalidInputError,
    InvalidTypeError,
    PrecisionError,
    UnknownCurrencyError,
)
from b2bcredit.core.money import Money, RemainderPlacement, Rounding
from tests.strategies import currencies, money, weights


class TestConstruction:
    def test_float_rejected_with_fix(self) -> None:
        with pytest.raises(InvalidTypeError) as raised:
            Money(0.1, "EUR")  # type: ignore[arg-type]
        message = str(raised.value)
        assert "0.1" in message
        assert "string" in message
        assert "Decimal" in message

    def test_float_rejection_is_a_type_error(self) -> None:
        with pytest.raises(TypeError):
            Money(1.5, "USD")  # type: ignore[arg-type]

    def test_too_many_decimals_rejected(self) -> None:
        with pytest.raises(PrecisionError) as raised:
            Money("1.005", "EUR")
        assert "1.005" in str(raised.value)
        assert "rounding=" in str(raised.value)

    @pytest.mark.parametrize(
        ("rounding", "expected"),
        [
            (Rounding.HALF_UP, "1.01"),
            (Rounding.HALF_EVEN, "1.00"),
            (Rounding.HALF_DOWN, "1.00"),
            (Rounding.DOWN, "1.00"),
            (Rounding.UP, "1.01"),
            (Rounding.CEILING, "1.01"),
            (Rounding.FLOOR, "1.00"),
        ],
    )
    def test_rounding_on_request(self, rounding: Rounding, expected: str) -> None:
        assert Money("1.005", "EUR", rounding=rounding).amount == Decimal(expected)

    @pytest.mark.parametrize(
        ("rounding", "expected"),
        [
            (Rounding.HALF_UP, "-1.01"),
            (Rounding.DOWN, "-1.00"),
            (Rounding.UP, "-1.01"),
            (Rounding.CEILING, "-1.00"),
            (Rounding.FLOOR, "-1.01"),
        ],
    )
    def test_rounding_of_negative_amounts(self, rounding: Rounding, expected: str) -> None:
        assert Money("-1.005", "EUR", rounding=rounding).amount == Decimal(expected)

    @pytest.mark.parametrize(("code", "places"), [("JPY", 0), ("EUR", 2), ("BHD", 3), ("CLF", 4)])
    def test_minor_units_per_currency(self, code: str, places: int) -> None:
        value = Money(7, code)
        assert value.amount.as_tuple().exponent == -places
        assert value.currency.minor_units == places

    def test_yen_rejects_cents(self) -> None:
        with pytest.raises(PrecisionError):
            Money("100.5", "JPY")

    @pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "sNaN"])
    def test_non_finite_rejected(self, text: str) -> None:
        with pytest.raises(InvalidInputError):
            Money(text, "EUR")

    def test_non_finite_decimal_rejected(self) -> None:
        with pytest.raises(InvalidInputError):
            Money(Decimal("NaN"), "EUR")

    def test_unknown_currency_names_code(self) -> None:
        with pytest.raises(UnknownCurrencyError) as raised:
            Money("1", "EUX")
        assert "EUX" in str(raised.value)

    def test_not_a_number_rejected(self) -> None:
        with pytest.raises(InvalidInputError) as raised:
            Money("12,50", "EUR")
        assert "12,50" in str(raised.value)

    def test_bool_rejected(self) -> None:
        with pytest.raises(InvalidTypeError):
            Money(True, "EUR")  # type: ignore[arg-type]

    def test_lowercase_code_accepted(self) -> None:
        assert Money("1", "eur").currency.code == "EUR"

    def test_negative_zero_normalised(self) -> None:
        assert str(Money("-0.00", "EUR")) == "0.00 EUR"
        assert str(-Money.zero("EUR")) == "0.00 EUR"

    def test_ambient_context_ignored(self) -> None:
        with decimal.localcontext() as context:
            context.prec = 3
            context.rounding = decimal.ROUND_FLOOR
            total = Money("123456.78", "EUR") + Money("0.01", "EUR")
            rounded = Money("2.675", "EUR", rounding=Rounding.HALF_UP)
        assert total.amount == Decimal("123456.79")
        assert rounded.amount == Decimal("2.68")

    def test_immutable(self) -> None:
        value = Money("1", "EUR")
        with pytest.raises(AttributeError):
            value._amount = Decimal(2)  # type: ignore[misc]

    def test_minor_units_round_trip(self) -> None:
        assert Money.from_minor_units(1234, "EUR") == Money("12.34", "EUR")
        assert Money("12.34", "EUR").minor_units == 1234
        assert Money.from_minor_units(-5, "BHD").amount == Decimal("-0.005")


class TestArithmetic:
    def test_add_currency_mismatch_names_both(self) -> None:
        with pytest.raises(CurrencyMismatchError) as raised:
            Money("1.00", "EUR") + Money("1.00", "USD")
        assert "EUR" in str(raised.value)
        assert "USD" in str(raised.value)

    def test_compare_currency_mismatch(self) -> None:
        with pytest.raises(CurrencyMismatchError):
            _ = Money("1.00", "EUR") < Money("1.00", "USD")

    def test_equality_across_currencies_is_false(self) -> None:
        assert Money("1.00", "EUR") != Money("1.00", "USD")

    def test_add_number_rejected(self) -> None:
        with pytest.raises(InvalidTypeError):
            Money("1.00", "EUR") + 1  # type: ignore[operator]

    def test_multiply_by_decimal_needs_rounding(self) -> None:
        with pytest.raises(InvalidTypeError):
            Money("1.00", "EUR") * Decimal("0.5")  # type: ignore[operator]
        assert Money("10.00", "EUR").multiply("0.125", Rounding.HALF_EVEN) == Money("1.25", "EUR")
        assert Money("10.05", "EUR").multiply("0.5", Rounding.HALF_UP) == Money("5.03", "EUR")

    def test_divide(self) -> None:
        assert Money("10.00", "EUR").divide(3, Rounding.HALF_EVEN) == Money("3.33", "EUR")
        with pytest.raises(InvalidInputError):
            Money("10.00", "EUR").divide(0, Rounding.HALF_EVEN)

    def test_round_to_whole_units(self) -> None:
        assert Money("304.17", "EUR").round_to(1, Rounding.CEILING) == Money("305.00", "EUR")
        assert Money("304.17", "EUR").round_to("0.05", Rounding.HALF_UP) == Money("304.15", "EUR")

    def test_sum(self) -> None:
        values = [Money("0.10", "EUR")] * 10
        assert Money.sum(values, "EUR") == Money("1.00", "EUR")
        assert Money.sum([], "JPY") == Money.zero("JPY")

    @given(money(), money())
    def test_add_then_subtract_is_identity(self, first: Money, second: Money) -> None:
        second = Money.from_minor_units(second.minor_units, first.currency)
        assert (first + second) - second == first

    @given(money())
    def test_operations_keep_currency(self, value: Money) -> None:
        for result in (value + value, value - value, -value, abs(value), value * 3):
            assert result.currency == value.currency
        assert value.multiply("1.5", Rounding.HALF_EVEN).currency == value.currency


class TestAllocation:
    def test_three_equal_parts(self) -> None:
        parts = Money("30000.00", "EUR").allocate(3)
        assert parts == (Money("10000.00", "EUR"),) * 3

    @pytest.mark.parametrize(
        ("placement", "expected"),
        [
            (RemainderPlacement.FIRST, ["33.34", "33.33", "33.33"]),
            (RemainderPlacement.LAST, ["33.33", "33.33", "33.34"]),
            (RemainderPlacement.LARGEST_REMAINDER, ["33.34", "33.33", "33.33"]),
        ],
    )
    def test_remainder_placement(self, placement: RemainderPlacement, expected: list[str]) -> None:
        parts = Money("100.00", "EUR").allocate(3, placement)
        assert [str(part.amount) for part in parts] == expected

    def test_largest_remainder_by_weights(self) -> None:
        # Exact shares 1.666.., 3.333.., 5.0 cents: the first lost most, so it gets the cent.
        parts = Money("0.10", "EUR").allocate(["1", "2", "3"], RemainderPlacement.LARGEST_REMAINDER)
        assert [part.minor_units for part in parts] == [2, 3, 5]

    def test_zero_weight_gets_nothing(self) -> None:
        parts = Money("1.00", "EUR").allocate(["0", "1", "1", "0"], RemainderPlacement.FIRST)
        assert [part.minor_units for part in parts] == [0, 50, 50, 0]
        odd = Money("1.01", "EUR").allocate(["0", "1", "1"], RemainderPlacement.FIRST)
        assert [part.minor_units for part in odd] == [0, 51, 50]

    def test_negative_total(self) -> None:
        parts = Money("-10.00", "EUR").allocate(3)
        assert [str(part.amount) for part in parts] == ["-3.34", "-3.33", "-3.33"]

    @pytest.mark.parametrize("bad", [0, -1])
    def test_bad_part_count(self, bad: int) -> None:
        with pytest.raises(InvalidInputError):
            Money("1.00", "EUR").allocate(bad)

    def test_bad_weights(self) -> None:
        with pytest.raises(InvalidInputError):
            Money("1.00", "EUR").allocate(["-1", "2"])
        with pytest.raises(InvalidInputError):
            Money("1.00", "EUR").allocate(["0", "0"])
        with pytest.raises(InvalidInputError):
            Money("1.00", "EUR").allocate([])
        with pytest.raises(InvalidTypeError):
            Money("1.00", "EUR").allocate([0.5, 0.5])  # type: ignore[list-item]

    @given(money(), st.integers(min_value=1, max_value=500), st.sampled_from(list(RemainderPlacement)))
    def test_equal_parts_sum_to_total(self, total: Money, count: int, placement: RemainderPlacement) -> None:
        parts = total.allocate(count, placement)
        assert len(parts) == count
        assert Money.sum(parts, total.currency) == total
        units = [part.minor_units for part in parts]
        assert max(units) - min(units) <= 1

    @given(money(), weights, st.sampled_from(list(RemainderPlacement)))
    def test_weighted_parts_sum_to_total(
        self, total: Money, part_weights: list[Decimal], placement: RemainderPlacement
    ) -> None:
        parts = total.allocate(part_weights, placement)
        assert len(parts) == len(part_weights)
        assert Money.sum(parts, total.currency) == total
        assert all(part.currency == total.currency for part in parts)
        # No part strays more than one minor unit from its exact share.
        weight_sum = sum(part_weights)
        for part, weight in zip(parts, part_weights, strict=True):
            exact = Decimal(total.minor_units) * weight / weight_sum
            assert abs(Decimal(part.minor_units) - exact) < 1


class TestSerialisation:
    @given(money())
    def test_str_round_trip(self, value: Money) -> None:
        assert Money.parse(str(value)) == value

    @given(money())
    def test_json_round_trip(self, value: Money) -> None:
        assert Money.from_dict(json.loads(json.dumps(value.to_dict()))) == value

    @given(money())
    def test_pickle_round_trip(self, value: Money) -> None:
        assert pickle.loads(pickle.dumps(value)) == value

    def test_json_amount_is_text(self) -> None:
        assert json.dumps(Money("12.30", "EUR").to_dict()) == '{"amount": "12.30", "currency": "EUR"}'

    def test_parse_rejects_garbage(self) -> None:
        with pytest.raises(InvalidInputError):
            Money.parse("12.30")

    def test_pydantic_field(self) -> None:
        class Invoice(pydantic.BaseModel):
            total: Money

        invoice = Invoice.model_validate_json('{"total": {"amount": "99.95", "currency": "USD"}}')
        assert invoice.total == Money("99.95", "USD")
        assert json.loads(invoice.model_dump_json()) == {"total": {"amount": "99.95", "currency": "USD"}}
        assert Invoice(total="5 EUR").total == Money("5.00", "EUR")  # type: ignore[arg-type]

    def test_pydantic_rejects_float_amount(self) -> None:
        class Invoice(pydantic.BaseModel):
            total: Money

        with pytest.raises(pydantic.ValidationError, match="floats are not accepted"):
            Invoice.model_validate({"total": {"amount": 0.1, "currency": "EUR"}})

    @given(currencies)
    def test_every_currency_has_valid_minor_units(self, currency: object) -> None:
        assert Money.zero(currency).amount == 0  # type: ignore[arg-type]


@pytest.mark.parametrize("rounding", ["HALF_UP", decimal.ROUND_HALF_UP, None, ["HALF_UP"]])
def test_rounding_must_be_member(rounding: object) -> None:
    with pytest.raises(InvalidTypeError, match="Rounding"):
        Money("10.00", "EUR").multiply("0.333", rounding)  # type: ignore[arg-type]
