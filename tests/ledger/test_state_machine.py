"""Random sequences of every ledger operation, retries, key reuse and expiries.

After each step the invariants must hold, and a retried call must return exactly the
first result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from b2bcredit.core.errors import ConflictError, InvalidInputError, InvalidStateError
from b2bcredit.core.money import Money
from b2bcredit.ledger.exposure import exposure, headroom
from b2bcredit.ledger.fx import StaticFxProvider
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.model import HoldReason, OverLimitTolerance
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import default_catalogue
from b2bcredit.storage.base import Store
from b2bcredit.storage.memory import MemoryStore
from b2bcredit.storage.sqlite import SqliteStore
from tests.ledger.support import ManualClock

CATALOGUE = default_catalogue()
PRODUCTS = ["net30", "net30_discount", "installments_3", "installments_12_interest", "net60", "cash_on_delivery"]
cents = st.integers(min_value=1, max_value=400_000)
# Order amounts start at the products' minimum of 50.00, so most orders are judged on credit.
order_cents = st.integers(min_value=5_000, max_value=400_000)


def eur(units: int) -> Money:
    return Money.from_minor_units(units, "EUR")


class LedgerMachine(RuleBasedStateMachine):
    """Drives one ledger with two accounts through random operations."""

    make_store: Callable[[], Store] = MemoryStore

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.store = type(self).make_store()
        self.ledger = Ledger(
            self.store, self.clock, fx=StaticFxProvider({("USD", "EUR"): "0.9137"}), dunning=CATALOGUE.dunning
        )
        self.keys = 0
        self.accounts: list[str] = []
        self.authorization_ids: list[str] = []
        self.invoice_ids: list[str] = []
        # Every successful call: key -> (method name, args, kwargs, result).
        self.history: dict[str, tuple[str, tuple[Any, ...], dict[str, Any], Any]] = {}

    def teardown(self) -> None:
        self.store.close()

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.keys += 1
        key = f"key-{self.keys}"
        try:
            result = getattr(self.ledger, name)(key, *args, **kwargs)
        except (InvalidInputError, InvalidStateError):
            return None
        self.history[key] = (name, args, kwargs, result)
        return result

    @initialize()
    def open_accounts(self) -> None:
        for index, limit in enumerate([3_000_000, 0]):
            tolerance = OverLimitTolerance(amount=eur(5_000)) if index == 0 else OverLimitTolerance()
            account = self.ledger.open_account(f"open-{index}", f"buyer-{index}", eur(limit), tolerance=tolerance)
            self.accounts.append(account.account_id)

    @rule(
        account=st.sampled_from([0, 0, 0, 1]),
        product=st.sampled_from(PRODUCTS),
        units=order_cents,
        usd=st.booleans(),
        hours=st.integers(1, 400),
    )
    def authorize(self, account: int, product: str, units: int, usd: bool, hours: int) -> None:
        account_id = self.accounts[account]
        before = self.ledger.account(account_id)
        amount = Money.from_minor_units(units, "USD" if usd else "EUR")
        result = self.call(
            "authorize",
            account_id,
            f"order-{self.keys}",
            CATALOGUE.get(product),
            amount,
            expires_at=self.clock.now() + timedelta(hours=hours),
        )
        if result is not None and result.approved:
            # An approval never takes exposure beyond limit plus tolerance.
            assert result.authorization.reserved <= headroom(before)
            self.authorization_ids.append(result.authorization.authorization_id)

    @precondition(lambda self: self.authorization_ids)
    @rule(data=st.data(), units=cents)
    def change_amount(self, data: st.DataObject, units: int) -> None:
        authorization = data.draw(st.sampled_from(self.authorization_ids))
        current = self.ledger.authorization(authorization)
        self.call("change_amount", authorization, Money.from_minor_units(units, current.amount.currency))

    @precondition(lambda self: self.authorization_ids)
    @rule(data=st.data(), part=st.integers(1, 3), whole=st.booleans())
    def capture(self, data: st.DataObject, part: int, whole: bool) -> None:
        authorization = data.draw(st.sampled_from(self.authorization_ids))
        current = self.ledger.authorization(authorization)
        amount = (
            None
            if whole
            else Money.from_minor_units(max(1, current.remaining.minor_units // part), current.amount.currency)
        )
        result = self.call("capture", authorization, amount)
        if result is not None:
            self.invoice_ids.append(result.invoice.invoice_id)

    @precondition(lambda self: self.authorization_ids)
    @rule(data=st.data(), action=st.sampled_from(["void", "cancel", "reopen"]))
    def release(self, data: st.DataObject, action: str) -> None:
        self.call(action, data.draw(st.sampled_from(self.authorization_ids)))

    @precondition(lambda self: self.invoice_ids)
    @rule(data=st.data(), units=cents)
    def refund(self, data: st.DataObject, units: int) -> None:
        self.call("refund", data.draw(st.sampled_from(self.invoice_ids)), eur(units))

    @rule(account=st.integers(0, 1), units=cents)
    def pay(self, account: int, units: int) -> None:
        self.call("record_payment", self.accounts[account], eur(units))

    @rule(account=st.integers(0, 1))
    def apply_credit(self, account: int) -> None:
        self.call("apply_credit_balance", self.accounts[account])

    @precondition(lambda self: self.invoice_ids)
    @rule(data=st.data(), days=st.integers(1, 60))
    def extend(self, data: st.DataObject, days: int) -> None:
        invoice = data.draw(st.sampled_from(self.invoice_ids))
        due = self.ledger.invoice(invoice).oldest_unpaid_due_date()
        if due is not None:
            self.call("extend_due_date", invoice, due + timedelta(days=days))

    @precondition(lambda self: self.invoice_ids)
    @rule(data=st.data())
    def write_off(self, data: st.DataObject) -> None:
        self.call("write_off", data.draw(st.sampled_from(self.invoice_ids)))

    @rule(account=st.integers(0, 1))
    def collections(self, account: int) -> None:
        self.call("run_collections", self.accounts[account])

    @rule(account=st.integers(0, 1), hold=st.sampled_from([True, False, False, False]))
    def hold(self, account: int, hold: bool) -> None:
        if hold:
            self.call("place_hold", self.accounts[account], "review")
        else:
            self.call("release_hold", self.accounts[account], HoldReason.WRITE_OFF)
            self.call("release_hold", self.accounts[account], HoldReason.MANUAL)

    @rule(units=st.integers(0, 5_000_000))
    def set_limit(self, units: int) -> None:
        self.call("set_limit", self.accounts[0], eur(units))

    @rule(hours=st.integers(1, 24 * 12))
    def advance_clock(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        if not self.history:
            return
        key = data.draw(st.sampled_from(sorted(self.history)))
        name, args, kwargs, first = self.history[key]
        assert getattr(self.ledger, name)(key, *args, **kwargs) == first

    @rule(data=st.data())
    def reuse_key(self, data: st.DataObject) -> None:
        if not self.history:
            return
        key = data.draw(st.sampled_from(sorted(self.history)))
        with pytest.raises(ConflictError):
            self.ledger.record_payment(key, self.accounts[0], eur(123_456_789))

    @invariant()
    def invariants_hold(self) -> None:
        for account_id in self.accounts:
            check_invariants(self.ledger.snapshot(account_id))

    @invariant()
    def zero_limit_never_lends(self) -> None:
        if len(self.accounts) == 2:
            assert self.ledger.snapshot(self.accounts[1]).account.reserved.is_zero()
            assert exposure(self.ledger.snapshot(self.accounts[1]).account).is_zero()


class SqliteLedgerMachine(LedgerMachine):
    """The same machine on the SQLite store."""

    make_store = staticmethod(lambda: SqliteStore(":memory:"))  # type: ignore[assignment]


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(
    max_examples=100, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestSqliteLedgerMachine = SqliteLedgerMachine.TestCase
TestSqliteLedgerMachine.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
