"""A process killed mid-run leaves every committed operation and nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from b2bcredit.core.money import Money
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.model import AuthorizationStatus
from b2bcredit.ledger.service import Ledger
from b2bcredit.storage.sqlite import SqliteStore
from tests.ledger import workers
from tests.ledger.support import ManualClock

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("committed_before_kill", "pause"), [(40, 0.0), (120, 0.003), (250, 0.011)])
def test_sigkill_keeps_committed_operations(tmp_path: Path, committed_before_kill: int, pause: float) -> None:
    """After SIGKILL, every acknowledged operation is present and the ledger is consistent."""
    path = str(tmp_path / "ledger.sqlite3")
    store = SqliteStore(path)
    account_id = (
        Ledger(store, ManualClock(workers.START)).open_account("open", "buyer", Money("1000000.00", "EUR")).account_id
    )
    store.close()

    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ledger.workers", path, account_id],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acknowledged = []
    for line in child.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) >= committed_before_kill:
            break
    time.sleep(pause)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    # Lines written before the kill may still sit in the pipe.
    acknowledged.extend(int(line) for line in child.stdout.read().split())

    reopened = SqliteStore(path)
    ledger = Ledger(reopened, ManualClock(workers.START))
    snapshot = ledger.snapshot(account_id)
    check_invariants(snapshot)
    with reopened.snapshot() as tx:
        for index in acknowledged:
            for step in ("auth", "capture", "pay"):
                assert tx.get_idempotency(f"{step}-{index}") is not None, f"{step}-{index} lost"
        # Each stored operation left its idempotency record in the same transaction.
        for authorization in snapshot.authorizations:
            index = authorization.order_id.removeprefix("order-")
            assert tx.get_idempotency(f"auth-{index}") is not None
            if authorization.status is AuthorizationStatus.CAPTURED:
                assert tx.get_idempotency(f"capture-{index}") is not None
    # At most the one operation in flight when the kill came committed without acknowledgement.
    assert len(acknowledged) <= len(snapshot.authorizations) <= len(acknowledged) + 1
    assert len(snapshot.payments) in (len(acknowledged), len(acknowledged) + 1)
    reopened.close()
