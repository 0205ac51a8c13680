"""Typed results of ledger operations: findings are data, misuse raises."""

from __future__ import annotations

from datetime import date

import attrs

from b2bcredit.core.money import Money
from b2bcredit.ledger.model import Authorization, Invoice
from b2bcredit.products.eligibility import ReasonCode, ResolutionHint

__all__ = [
    "AuthorizationResult",
    "CaptureResult",
    "CollectionsResult",
    "DunningNotice",
    "LateFeeCharge",
]


@attrs.frozen
class AuthorizationResult:
    """The outcome of authorize, change_amount or reopen.

    ``approved`` False is a decline. ``reason`` gives the cause, ``hint`` the remedy, and
    ``authorization`` is the unchanged authorization (None for a new one). ``available``
    is the account's available credit after the call.
    """

    approved: bool
    authorization: Authorization | None
    available: Money
    reason: ReasonCode | None = None
    hint: ResolutionHint | None = None


@attrs.frozen
class CaptureResult:
    """A capture: the authorization after it and the invoice it created."""

    authorization: Authorization
    invoice: Invoice


@attrs.frozen
class LateFeeCharge:
    """A late fee charged on an invoice."""

    invoice_id: str
    amount: Money
    days_past_due: int


@attrs.frozen
class DunningNotice:
    """An invoice that reached a new dunning level; the host carries out ``action``."""

    invoice_id: str
    level: int
    action: str
    days_past_due: int


@attrs.frozen
class CollectionsResult:
    """The changes a collections run made to one account."""

    account_id: str
    as_of: date
    late_fees: tuple[LateFeeCharge, ...]
    notices: tuple[DunningNotice, ...]
    newly_overdue: tuple[str, ...]
    newly_due: tuple[str, ...] = ()
