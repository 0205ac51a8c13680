"""The Operation helpers that copy accounts without attrs.evolve."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from b2bcredit.core.money import Money
from b2bcredit.ledger.model import (
    Account,
    AccountStatus,
    CreditProfile,
    Hold,
    HoldReason,
    OverLimitTolerance,
)
from b2bcredit.ledger.operation import _with_balances

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_balance_copy_keeps_other_fields() -> None:
    """Only the balances and the revision change, and every other field is carried over."""
    account = Account(
        account_id="acct_1",
        buyer_id="buyer",
        currency="EUR",
        limit=Money("500.00", "EUR"),
        tolerance=OverLimitTolerance(share=Decimal("0.1")),
        hold_after_days_overdue=30,
        profile=CreditProfile(country="DE", probability_of_default=Decimal("0.02")),
        status=AccountStatus.CLOSED,
        holds=(Hold(HoldReason.MANUAL, "review", NOW),),
        reserved=Money("1.00", "EUR"),
        receivable=Money("2.00", "EUR"),
        unapplied=Money("3.00", "EUR"),
        opened_at=NOW,
        revision=7,
    )
    reserved, receivable, unapplied = Money("4.00", "EUR"), Money("5.00", "EUR"), Money("6.00", "EUR")

    copied = _with_balances(account, reserved, receivable, unapplied, 8)

    expected = attrs.evolve(account, reserved=reserved, receivable=receivable, unapplied=unapplied, revision=8)
    assert copied == expected


def test_balance_copy_lists_every_field() -> None:
    """A new Account field must be added to _with_balances, which lists them by position."""
    names = tuple(field.name for field in attrs.fields(Account))
    assert names == (
        "account_id",
        "buyer_id",
        "currency",
        "limit",
        "tolerance",
        "hold_after_days_overdue",
        "profile",
        "status",
        "holds",
        "reserved",
        "receivable",
        "unapplied",
        "opened_at",
        "revision",
    )
