"""Fixtures for ledger tests: each test runs on the in-memory and the SQLite store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from b2bcredit.ledger.fx import StaticFxProvider
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import Catalogue, default_catalogue
from b2bcredit.storage.base import Store
from b2bcredit.storage.memory import MemoryStore
from b2bcredit.storage.sqlite import SqliteStore
from tests.ledger.support import CheckedLedger, ManualClock


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    backend: Store = MemoryStore() if request.param == "memory" else SqliteStore(":memory:")
    yield backend
    backend.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture
def ledger(store: Store, clock: ManualClock, catalogue: Catalogue) -> CheckedLedger:
    fx = StaticFxProvider({("USD", "EUR"): "0.9", ("GBP", "EUR"): "1.15"})
    return CheckedLedger(Ledger(store, clock, fx=fx, dunning=catalogue.dunning))
