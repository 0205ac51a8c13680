"""Library upgrades: schema versions 4 and 5, stored terms of older models, retries across a product-model change."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from b2bcredit.core.errors import InvalidStateError
from b2bcredit.core.money import Money
from b2bcredit.ledger.model import CreditProfile
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.products.terms import TermsSpec
from b2bcredit.storage.codec import decode, from_json
from b2bcredit.storage.sqlite import SCHEMA_VERSION, SqliteStore
from b2bcredit.terms.periods import Frequency
from tests.ledger.support import ManualClock

CATALOGUE = default_catalogue()


def test_version_3_accounts_read_without_counter_offer_terms(tmp_path: Path) -> None:
    """A version-3 account, whose profile lacks the counter-offer fields, upgrades and reads with none."""
    # The file was written by the library at schema version 3, before the two fields existed.
    path = tmp_path / "version3.sqlite3"
    shutil.copyfile(Path(__file__).parent / "data" / "schema_v3.db", path)
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT account_id, data FROM accounts ORDER BY account_id").fetchall()
    connection.close()
    profiles = [from_json(data)["profile"] for _, data in rows]
    assert len(profiles) == 2
    assert all("max_terms_days" not in profile for profile in profiles)
    assert all("deposit_share" not in profile for profile in profiles)

    upgraded = SqliteStore(path)
    ledger = Ledger(upgraded, ManualClock())

    assert upgraded.schema_version == SCHEMA_VERSION == 5
    for account_id, _ in rows:
        profile = ledger.account(account_id).profile
        assert profile.max_terms_days is None
        assert profile.deposit_share == Decimal(0)
    upgraded.close()


def test_counter_offer_terms_persist(tmp_path: Path) -> None:
    """An account's counter-offer terms survive closing and reopening the file."""
    path = tmp_path / "terms.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    profile = CreditProfile(max_terms_days=15, deposit_share=Decimal("0.2"))
    account = ledger.open_account("open", "buyer", Money("5000.00", "EUR"), profile=profile)
    store.close()

    reopened = SqliteStore(path)

    assert Ledger(reopened, ManualClock()).account(account.account_id).profile == profile
    reopened.close()


def _as_previous_product_model(path: Path) -> None:
    """Rewrite the stored products as a library whose TermsSpec had no annual_rate wrote them.

    Each product gets that model's JSON and digest, and the authorizations and stored
    results name the old digest, as that library left them.
    """
    with sqlite3.connect(path) as connection:
        for digest, text in connection.execute("SELECT digest, data FROM products").fetchall():
            data = json.loads(text)
            del data["terms"]["annual_rate"]
            old = hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()
            connection.execute("INSERT INTO products (digest, data) VALUES (?, ?)", (old, json.dumps(data)))
            connection.execute("UPDATE authorizations SET data = replace(data, ?, ?)", (digest, old))
            connection.execute("UPDATE idempotency SET result = replace(result, ?, ?)", (digest, old))
    connection.close()


def test_retry_after_product_model_upgrade_replays(tmp_path: Path) -> None:
    """Authorize and capture retried after the product model gained a field return their first results."""
    path = tmp_path / "upgrade.sqlite3"
    store = SqliteStore(path)
    ledger = Ledger(store, ManualClock())
    account = ledger.open_account("open", "buyer", Money("5000.00", "EUR"))
    product = CATALOGUE.get("net30")
    first = ledger.authorize("a1", account.account_id, "o1", product, Money("1200.00", "EUR"))
    assert first.authorization is not None
    captured = ledger.capture("c1", first.authorization.authorization_id)
    store.close()
    _as_previous_product_model(path)

    upgraded = SqliteStore(path)
    ledger = Ledger(upgraded, ManualClock())

    assert ledger.authorize("a1", account.account_id, "o1", product, Money("1200.00", "EUR")) == first
    assert ledger.capture("c1", first.authorization.authorization_id) == captured
    assert ledger.account(account.account_id).reserved.is_zero()
    upgraded.close()


def _stored_before_frequency(interval_months: int | None) -> dict[str, object]:
    """Return stored plan terms as the TermsSpec before ``frequency`` existed wrote them."""
    data: dict[str, object] = {
        "kind": "installments",
        "days": 0,
        "discount_rate": None,
        "discount_days": None,
        "installments": 4,
    }
    if interval_months is not None:
        data["interval_months"] = interval_months
    return data


@pytest.mark.parametrize(
    ("interval_months", "frequency"),
    [(None, Frequency.MONTHLY), (1, Frequency.MONTHLY), (3, Frequency.QUARTERLY), (12, Frequency.ANNUAL)],
)
def test_terms_before_frequency_keep_interval(interval_months: int | None, frequency: Frequency) -> None:
    """Stored terms with interval_months read with that frequency, not as monthly."""
    terms = decode(TermsSpec, _stored_before_frequency(interval_months))

    assert terms.frequency is frequency
    assert terms.installments == 4


def test_terms_with_unknown_interval_raise() -> None:
    """An interval that no frequency has raises instead of reading as monthly."""
    with pytest.raises(InvalidStateError, match="every 2 months"):
        decode(TermsSpec, _stored_before_frequency(2))
