"""The Engine facade, the JSON boundary, the demo and what the ledger logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from b2bcredit.api.ledger import (
    AccountView,
    AuthorizationView,
    InvoiceView,
    LedgerRequest,
    PaymentView,
    StatementView,
    dispatch,
)
from b2bcredit.cli.ledger_demo import run_lifecycle_demo
from b2bcredit.core.errors import NotFoundError
from b2bcredit.core.money import Money
from b2bcredit.engine import Engine
from tests.ledger.support import ManualClock

REQUESTS: TypeAdapter[LedgerRequest] = TypeAdapter(LedgerRequest)


def test_json_requests_drive_lifecycle(tmp_path: Path) -> None:
    """Validated JSON requests open, authorize, capture and pay, with views as results."""
    engine = Engine.embedded(tmp_path / "engine.sqlite3", clock=ManualClock())
    opened = dispatch(
        engine,
        REQUESTS.validate_json(
            '{"operation": "open_account", "idempotency_key": "k1", "buyer_id": "b1", "limit": "5000.00 EUR"}'
        ),
    )
    assert isinstance(opened, AccountView)
    authorized = dispatch(
        engine,
        REQUESTS.validate_python(
            {
                "operation": "authorize",
                "idempotency_key": "k2",
                "buyer_id": "b1",
                "order_id": "o1",
                "product_id": "net30",
                "amount": {"amount": "1200.00", "currency": "EUR"},
            }
        ),
    )
    assert isinstance(authorized, AuthorizationView)
    assert authorized.approved
    invoice = dispatch(
        engine,
        REQUESTS.validate_python(
            {
                "operation": "capture",
                "idempotency_key": "k3",
                "authorization_id": authorized.authorization_id,
            }
        ),
    )
    assert isinstance(invoice, InvoiceView)
    paid = dispatch(
        engine,
        REQUESTS.validate_python(
            {
                "operation": "record_payment",
                "idempotency_key": "k4",
                "buyer_id": "b1",
                "amount": "200.00 EUR",
            }
        ),
    )
    assert isinstance(paid, PaymentView)
    view = StatementView.of(engine.statement("b1"))
    assert view.model_dump(mode="json")["available"] == {"amount": "4000.00", "currency": "EUR"}
    engine.check_invariants("b1")
    engine.close()


def test_request_validation_names_field() -> None:
    """A request without its idempotency key fails validation on that field."""
    with pytest.raises(ValidationError, match="idempotency_key"):
        REQUESTS.validate_python({"operation": "void", "authorization_id": "auth_1"})


def test_unknown_buyer(tmp_path: Path) -> None:
    """Calls for a buyer without an account raise NotFoundError with the fix."""
    engine = Engine.embedded(clock=ManualClock())
    with pytest.raises(NotFoundError, match="open_account"):
        engine.authorize("k", "nobody", "o1", "net30", Money("100.00", "EUR"))


def test_demo_runs_whole_flow(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo prints the options, the two shipments, the payment, the refund and the statement."""
    engine = Engine.embedded(clock=ManualClock())
    run_lifecycle_demo(engine)
    output = capsys.readouterr().out
    assert "Checkout options for a cart of 7500.00 EUR" in output
    assert "Shipment 2" in output
    assert "earned 60.00 EUR of discount" in output
    assert "exposure 4000.00 EUR" in output
    engine.check_invariants("demo-buyer")


def test_logs_ids_not_personal_data(caplog: pytest.LogCaptureFixture) -> None:
    """State changes are logged with record ids; the buyer id and hold notes never appear."""
    engine = Engine.embedded(clock=ManualClock())
    with caplog.at_level(logging.DEBUG, logger="b2bcredit"):
        account = engine.open_account("k1", "jane.doe@example.com", Money("5000.00", "EUR"))
        result = engine.authorize("k2", "jane.doe@example.com", "o1", "net30", Money("100.00", "EUR"))
        engine.place_hold("k3", "jane.doe@example.com", "called Jane Doe on +49 170 000")
    assert account.account_id in caplog.text
    assert result.authorization.authorization_id in caplog.text
    assert "jane" not in caplog.text.lower()
    assert "+49" not in caplog.text


@pytest.mark.parametrize("bad", ["2026-05-01", "2026-13-01", 20260501])
def test_dates_must_be_dates(bad: object) -> None:
    """A date passed as text or a number raises naming the field, and writes nothing."""
    from b2bcredit.core.errors import InvalidTypeError
    from b2bcredit.storage.memory import MemoryStore

    store = MemoryStore()
    engine = Engine(store, ManualClock())
    engine.open_account("open", "b1", Money("5000.00", "EUR"))
    result = engine.authorize("auth", "b1", "o1", "net30", Money("1000.00", "EUR"))
    assert result.authorization is not None
    captured = engine.capture("ship", result.authorization.authorization_id)
    invoice_id = captured.invoice.invoice_id
    before = engine.statement("b1").render()

    calls = {
        "new_due_date": lambda: engine.extend_due_date("extend", invoice_id, bad),  # type: ignore[arg-type]
        "received_on": lambda: engine.record_payment("pay", "b1", Money("10.00", "EUR"), received_on=bad),  # type: ignore[arg-type]
        "as_of": lambda: engine.statement("b1", as_of=bad),  # type: ignore[arg-type]
    }
    for field, call in calls.items():
        with pytest.raises(InvalidTypeError, match=f"^{field}: expected a datetime.date"):
            call()
    assert engine.statement("b1").render() == before


def test_statement_shows_written_off_amount() -> None:
    """A written-off invoice's statement line states the amount written off, not only 'open 0.00'."""
    from b2bcredit.storage.memory import MemoryStore

    engine = Engine(MemoryStore(), ManualClock())
    engine.open_account("open", "b1", Money("5000.00", "EUR"))
    result = engine.authorize("auth", "b1", "o1", "net30", Money("3500.00", "EUR"))
    assert result.authorization is not None
    invoice_id = engine.capture("ship", result.authorization.authorization_id).invoice.invoice_id
    engine.write_off("loss", invoice_id)

    line = next(line for line in engine.statement("b1").render().splitlines() if invoice_id in line)
    assert "open 0.00 EUR" in line
    assert "written off 3500.00 EUR" in line
