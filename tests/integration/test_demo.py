"""``b2bcredit demo`` runs the whole flow and exits 0."""

from __future__ import annotations

import pytest

from b2bcredit.cli import main as cli_main


def test_demo_runs_whole_flow(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo underwrites, opens the account from the decision and prints the statement."""
    assert cli_main.main(["demo"]) == 0

    output = capsys.readouterr().out
    assert "6 applications: 2 approved" in output
    assert "from the decision: limit 45000.00 EUR" in output
    assert "model polish-5year v1, policy default-2" in output
    assert "[available]   3 monthly instalments" in output
    assert "[unavailable] Cash on delivery" in output
    assert "amount_above_maximum" in output
    assert "Shipment 2:" in output
    assert "earned 60.00 EUR of discount" in output
    assert "Refund of 500.00 EUR" in output
    assert "exposure 4000.00 EUR   available 41000.00 EUR" in output
