"""Boundary models and the facade functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from b2bcredit.api.terms import ScheduleRequest, ScheduleResponse, TermsQuoteRequest, TermsQuoteResponse
from b2bcredit.core.calendar import add_months
from b2bcredit.core.money import Money
from b2bcredit.terms.facade import (
    apr_of_cash_flows,
    aprc_of_cash_flows,
    due_dates_for_terms,
    instalment_schedule,
    quote_terms,
)
from b2bcredit.terms.schedule import build_schedule


def test_schedule_request_round_trip() -> None:
    """A JSON request builds the schedule; the response serialises amounts as strings."""
    request = ScheduleRequest.model_validate_json(
        '{"amount": "2500.00 EUR", "annual_rate": "0.0824", "instalments": 12, "start_date": "2024-01-15"}'
    )
    response = ScheduleResponse.from_schedule(build_schedule(request.to_spec()))
    data = response.model_dump(mode="json")
    assert data["instalments"][-1]["payment"] == {"amount": "217.72", "currency": "EUR"}
    assert data["total_interest"] == {"amount": "112.97", "currency": "EUR"}


def test_schedule_request_rejects_bad_count() -> None:
    """Zero instalments fail validation at the boundary."""
    with pytest.raises(ValidationError):
        ScheduleRequest(amount=Money("1.00", "EUR"), annual_rate=Decimal("0.1"), instalments=0,
                        start_date=date(2024, 1, 1))


def test_json_schema_exports() -> None:
    """The request models export a JSON Schema."""
    schema = ScheduleRequest.model_json_schema()
    assert "annual_rate" in schema["properties"]
    assert "terms" in TermsQuoteRequest.model_json_schema()["properties"]


def test_terms_quote_models() -> None:
    """A terms request yields the due date and the discounted amount."""
    quote = TermsQuoteRequest(terms="2/10 net 30", amount=Money("1000.00", "EUR"), invoice_date=date(2024, 3, 1))
    response = TermsQuoteResponse.from_quote(quote.quote())
    assert response.due_date == date(2024, 3, 31)
    assert response.discounted_amount == Money("980.00", "EUR")


def test_facade_functions() -> None:
    """The facade builds schedules, quotes terms and computes APR and APRC."""
    schedule = instalment_schedule(Money("2500.00", "EUR"), "0.0824", 12, date(2024, 1, 15))
    assert schedule.instalments[-1].payment == Money("217.72", "EUR")
    assert quote_terms("net 30", Money("10.00", "EUR"), date(2024, 1, 1)).due_date == date(2024, 1, 31)
    payments = [(add_months(date(1978, 2, 10), k), "230") for k in range(24)]
    assert apr_of_cash_flows([(date(1978, 1, 10), "5000")], payments).percent() == Decimal("9.69")
    rate = aprc_of_cash_flows([(date(1994, 1, 1), "1000")], [(date(1995, 7, 1), "1200")])
    assert (rate * 100).quantize(Decimal("0.01")) == Decimal("12.96")


def test_facade_due_dates() -> None:
    """Due dates for notation or a TradeTerms value."""
    assert due_dates_for_terms("30/60", date(2024, 1, 1)) == [date(2024, 1, 31), date(2024, 3, 1)]


def test_rounding_mode_validated() -> None:
    """An unknown rounding mode fails validation at the boundary."""
    with pytest.raises(ValidationError):
        ScheduleRequest.model_validate({
            "amount": "1.00 EUR", "annual_rate": "0.1", "instalments": 1, "start_date": "2024-01-01",
            "rounding": {"mode": "SIDEWAYS"},
        })
