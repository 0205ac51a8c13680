"""The library leaves logging output to its host."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from b2bcredit.core.errors import ConflictError
from b2bcredit.core.money import Money
from b2bcredit.products.catalogue import Catalogue
from tests.ledger.support import CheckedLedger


def test_bare_script_prints_no_log_lines() -> None:
    script = (
        "import logging, b2bcredit\n"
        "logging.getLogger('b2bcredit.ledger').warning('should reach no handler')\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stderr == ""


def test_reused_key_logs_at_info(ledger: CheckedLedger, catalogue: Catalogue,
                                 caplog: pytest.LogCaptureFixture) -> None:
    account_id = str(ledger.open_account("open-b1", "b1", Money("10000.00", "EUR")).account_id)
    ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), Money("400.00", "EUR"))
    with caplog.at_level(logging.DEBUG, logger="b2bcredit"), pytest.raises(ConflictError):
        ledger.authorize("a1", account_id, "o1", catalogue.get("net30"), Money("401.00", "EUR"))
    reused = [record for record in caplog.records if "reused" in record.getMessage()]
    assert len(reused) == 1
    assert reused[0].levelno == logging.INFO
