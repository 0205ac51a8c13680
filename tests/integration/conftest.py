"""Fixtures for the wiring tests: an engine on each store, with one shared underwriter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from b2bcredit.decisions.facade import Underwriter
from b2bcredit.engine import Engine
from b2bcredit.storage.base import Store
from b2bcredit.storage.memory import MemoryStore
from b2bcredit.storage.sqlite import SqliteStore
from tests.ledger.support import ManualClock


@pytest.fixture(scope="session")
def underwriter() -> Underwriter:
    # Loading the shipped models once keeps the suite fast; decisions are pure.
    return Underwriter.with_defaults()


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "credit.sqlite3")
    yield backend
    backend.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine(store: Store, clock: ManualClock, underwriter: Underwriter) -> Engine:
    return Engine(store, clock, underwriter=underwriter)
