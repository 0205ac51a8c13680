"""Trade terms reject nonsense input and flag absurd costs; the command line rounds costs."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from b2bcredit.api.terms import TermsQuoteResponse
from b2bcredit.cli import main as cli_main
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money
from b2bcredit.terms.facade import due_dates_for_terms, quote_terms
from b2bcredit.terms.trade import TermsFindingCode, TradeTerms

EUR = "EUR"
INVOICED = date(2024, 3, 1)


@pytest.mark.parametrize("amount", ["-1000.00", "0.00"])
def test_quote_rejects_non_positive_amount(amount: str) -> None:
    with pytest.raises(InvalidInputError, match=rf"^amount: must be positive, got '{amount}'"):
        quote_terms("2/10 net 30", Money(amount, EUR), INVOICED)


def test_cli_rejects_negative_amount(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli_main.main(["terms", "2/10 net 30", "--invoice-date", "2024-03-01", "--amount", "-1000.00"])
    assert status == 1
    captured = capsys.readouterr()
    assert "--amount: must be positive, got '-1000.00'" in captured.err
    assert "-980.00" not in captured.out


@pytest.mark.parametrize("notation", ["100/10 net 30", "150/10 net 30", "0/10 net 30"])
def test_discount_outside_zero_to_hundred(notation: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        TradeTerms.parse(notation)
    assert caught.value.field == "terms"
    assert "must be above 0 % and below 100 %" in str(caught.value)
    assert "fraction" not in str(caught.value)


def test_discount_window_beyond_net() -> None:
    with pytest.raises(InvalidInputError, match="the discount period must end before the net 30 days"):
        TradeTerms.parse("2/40 net 30")


def test_absurd_cost_is_a_finding() -> None:
    quote = quote_terms("50/10 net 30", Money("1000.00", EUR), INVOICED)
    assert quote.discounted_amount == Money("500.00", EUR)
    assert len(quote.findings) == 1
    assert quote.findings[0].code is TermsFindingCode.DISCOUNT_COST_ABOVE_LIMIT
    assert "31,174,251 % a year compounded, above 1,000 %" in quote.findings[0].message
    response = TermsQuoteResponse.from_quote(quote)
    assert response.findings[0][0] == "discount_cost_above_limit"


def test_usual_terms_have_no_finding() -> None:
    for notation in ("2/10 net 30", "5/10 net 30", "net 30"):
        assert quote_terms(notation, Money("1000.00", EUR), INVOICED).findings == ()


def test_cli_prints_finding(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["terms", "50/10 net 30", "--invoice-date", "2024-03-01", "--amount", "1000.00"]) == 0
    assert "warning: forgoing the 50/10 discount costs 31,174,251 % a year" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("invoice_date", lambda: quote_terms("2/10 net 30", Money("1000.00", EUR), "2024-03-01")),
        ("shipment_date", lambda: quote_terms("net 30", Money("1000.00", EUR), INVOICED, shipment_date="2024-03-02")),
        ("order_date", lambda: quote_terms("CIA", Money("1000.00", EUR), INVOICED, order_date=20240301)),
        ("invoice_date", lambda: due_dates_for_terms("net 30", "2024-03-01")),
        ("invoice_date", lambda: quote_terms("net 30", Money("1000.00", EUR), datetime(2024, 3, 1, 12))),
        ("invoice_date", lambda: TradeTerms.parse("net 30").due_date("2024-03-01")),
    ],
)
def test_dates_are_checked(field: str, call: object) -> None:
    with pytest.raises(InvalidTypeError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.field == field
    assert "expected a datetime.date" in str(caught.value)
    assert "date.fromisoformat('2024-03-01')" in str(caught.value)


def test_json_costs_are_rounded(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["terms", "2/10 net 30", "--invoice-date", "2024-03-01", "--amount", "1000.00", "--json"]
    assert cli_main.main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["cost_simple"] == "0.372449"
    assert document["cost_compounded"] == "0.445853"
    assert document["findings"] == []


def test_api_costs_stay_exact() -> None:
    quote = quote_terms("2/10 net 30", Money("1000.00", EUR), INVOICED)
    assert quote.cost_simple is not None
    assert quote.cost_simple.quantize(Decimal("0.000001")) == Decimal("0.372449")
    exponent = quote.cost_simple.as_tuple().exponent
    assert isinstance(exponent, int)
    assert exponent < -40
