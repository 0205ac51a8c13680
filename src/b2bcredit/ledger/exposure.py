"""Exposure and available credit, computed one way for every operation and report.

Exposure is credit reserved by authorizations not yet captured plus the open principal and
fees of invoices. Interest of instalment plans is not exposure: it is the price of the
credit, not credit extended. Both parts are balances of the account's books (RESERVED and
RECEIVABLE; interest sits in INTEREST_RECEIVABLE), which every operation changes only by
posting entries; :func:`~b2bcredit.ledger.invariants.check_invariants`
checks them against the authorizations and invoices themselves.
"""

from __future__ import annotations

from datetime import date

from b2bcredit.core.money import Money
from b2bcredit.ledger.model import Account, AccountStatus, Invoice
from b2bcredit.products.eligibility import BuyerPosition, OverdueInvoice

__all__ = ["available_credit", "buyer_position", "exposure", "headroom"]


def exposure(account: Account) -> Money:
    """Return authorized-but-not-captured credit plus the open principal and fees of invoices."""
    return account.reserved + account.receivable


def available_credit(account: Account) -> Money:
    """Return the limit minus exposure; negative when exposure is over the limit."""
    return account.limit - exposure(account)


def headroom(account: Account) -> Money:
    """Return what a new reservation may add: limit plus tolerance minus exposure, never below zero.

    A limit of zero means no credit, so the headroom is zero whatever the tolerance.
    """
    if account.limit.is_zero():
        return Money.zero(account.currency)
    tolerance = account.tolerance
    if tolerance.amount is None and not tolerance.share:
        room = account.limit - exposure(account)
    else:
        room = account.limit + tolerance.allowance(account.limit) - exposure(account)
    return room if not room.is_negative() else Money.zero(account.currency)


def buyer_position(account: Account, open_invoices: list[Invoice], today: date) -> BuyerPosition:
    """Return the eligibility view of ``account`` on ``today``."""
    late = ((invoice, invoice.days_past_due(today)) for invoice in open_invoices)
    overdue = tuple(OverdueInvoice(invoice.invoice_id, days, invoice.outstanding) for invoice, days in late if days > 0)
    return BuyerPosition(
        has_account=True,
        country=account.profile.country,
        buyer_status=account.profile.buyer_status,
        outcome=account.profile.outcome,
        account_currency=account.currency,
        closed=account.status is AccountStatus.CLOSED,
        on_hold=bool(account.holds),
        limit_is_zero=account.limit.is_zero(),
        headroom=headroom(account),
        overdue=overdue,
        hold_after_days_overdue=account.hold_after_days_overdue,
        max_terms_days=account.profile.max_terms_days,
        deposit_share=account.profile.deposit_share,
        as_of=today,
    )
