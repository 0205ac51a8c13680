"""Allocation of a payment over open invoices, configurable and pure.

The default order settles fees first, then interest, then principal, each across the
invoices from the oldest unpaid due date to the newest. The alternative settles invoice
by invoice, each one fully (fees, interest, principal) before the next. An early-payment
discount applies to principal paid inside the invoice's window, in proportion for a
partial payment.

Interest of an instalment plan falls due instalment by instalment. In the policy's order
a payment reaches only the interest of the instalments up to the later of the payment
date and the earliest instalment not yet settled. Interest of later instalments comes
last, after every other component of every invoice, so a payment never pays future
interest before principal, and a payment of the whole balance settles all of it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.ledger.model import Allocation, Component, Invoice, InvoiceStatus

__all__ = ["AllocationMode", "AllocationPolicy", "AllocationResult", "allocate_payment"]


class AllocationMode(enum.Enum):
    """The outer loop when a payment covers several invoices."""

    COMPONENT_FIRST = "component_first"  # all fees, then all interest, then all principal
    INVOICE_FIRST = "invoice_first"  # the oldest invoice in full, then the next


@attrs.frozen
class AllocationPolicy:
    """The order in which payments settle invoice components."""

    components: tuple[Component, ...] = (Component.FEES, Component.INTEREST, Component.PRINCIPAL)
    mode: AllocationMode = AllocationMode.COMPONENT_FIRST

    def __attrs_post_init__(self) -> None:
        if sorted(c.value for c in self.components) != sorted(c.value for c in Component):
            raise InvalidInputError(
                "components",
                [c.value for c in self.components],
                "must list each component once",
                "Pass an ordering of FEES, INTEREST and PRINCIPAL.",
            )


@attrs.frozen
class AllocationResult:
    """The allocations made, the invoices after them and the cash left over."""

    allocations: tuple[Allocation, ...]
    invoices: tuple[Invoice, ...]
    left_over: Money


def allocate_payment(
    amount: Money, invoices: Sequence[Invoice], received_on: date, policy: AllocationPolicy
) -> AllocationResult:
    """Spread ``amount`` over ``invoices`` in the order ``policy`` sets.

    Returns the allocations (cash per invoice component, with any discount), the changed
    invoices and the cash left over. Allocated cash plus the left-over equals ``amount``.
    """
    ordered = sorted(
        (invoice for invoice in invoices if invoice.status is InvoiceStatus.OPEN),
        # Ties go to the lower id; the ledger's default ids start with the creation time.
        key=lambda invoice: (
            invoice.oldest_unpaid_due_date() or invoice.due_date,
            invoice.issued_on,
            invoice.invoice_id,
        ),
    )
    current = {invoice.invoice_id: invoice for invoice in ordered}
    if policy.mode is AllocationMode.COMPONENT_FIRST:
        steps = [(component, invoice.invoice_id) for component in policy.components for invoice in ordered]
    else:
        steps = [(component, invoice.invoice_id) for invoice in ordered for component in policy.components]
    # The last steps take the interest of instalments not yet due.
    steps += [(Component.INTEREST, invoice.invoice_id) for invoice in ordered if _has_instalment_interest(invoice)]
    final = len(steps) - sum(1 for invoice in ordered if _has_instalment_interest(invoice))

    allocations: list[Allocation] = []
    left = amount
    for index, (component, invoice_id) in enumerate(steps):
        if not left.is_positive():
            break
        invoice = current[invoice_id]
        due = invoice.component_due(component)
        if component is Component.INTEREST and index < final and _has_instalment_interest(invoice):
            due = min(due, _interest_payable(invoice, received_on))
        if not due.is_positive():
            continue
        if (
            component is Component.PRINCIPAL
            and invoice.discount is not None
            and invoice.discount.applies_on(received_on)
        ):
            cash, discount = invoice.discount.split_payment(due, left)
        else:
            cash, discount = min(due, left), Money.zero(amount.currency)
        current[invoice_id] = _settle(invoice, component, cash, discount)
        allocations.append(Allocation(invoice_id, component, cash, discount))
        left = left - cash

    changed = tuple(current[a.invoice_id] for a in _unique_by_invoice(allocations))
    return AllocationResult(tuple(allocations), changed, left)


def _has_instalment_interest(invoice: Invoice) -> bool:
    return any(part.interest is not None for part in invoice.schedule)


def _interest_payable(invoice: Invoice, received_on: date) -> Money:
    """Return the interest of the instalments due up to the cut-off that is still unpaid.

    The cut-off is the later of ``received_on`` and the earliest unsettled instalment's
    due date. Interest is settled in instalment order, so what the instalments carry
    beyond ``interest_due`` is the interest already settled.
    """
    currency = invoice.principal.currency
    zero = Money.zero(currency)
    carried = Money.sum((part.interest for part in invoice.schedule if part.interest is not None), currency)
    settled = carried - invoice.interest_due
    oldest = invoice.oldest_unpaid_due_date()
    cutoff = received_on if oldest is None else max(received_on, oldest)
    reached = Money.sum(
        (part.interest for part in invoice.schedule if part.interest is not None and part.due_date <= cutoff),
        currency,
    )
    return max(zero, reached - settled)


def _settle(invoice: Invoice, component: Component, cash: Money, discount: Money) -> Invoice:
    settled = cash + discount
    if component is Component.FEES:
        invoice = attrs.evolve(invoice, fees_due=invoice.fees_due - settled)
    elif component is Component.INTEREST:
        invoice = attrs.evolve(invoice, interest_due=invoice.interest_due - settled)
    else:
        invoice = attrs.evolve(invoice, principal_due=invoice.principal_due - settled)
    invoice = attrs.evolve(invoice, paid=invoice.paid + cash, discounted=invoice.discounted + discount)
    if invoice.outstanding.is_zero():
        invoice = attrs.evolve(invoice, status=InvoiceStatus.PAID)
    return invoice


def _unique_by_invoice(allocations: list[Allocation]) -> list[Allocation]:
    seen: dict[str, Allocation] = {}
    for allocation in allocations:
        seen.setdefault(allocation.invoice_id, allocation)
    return list(seen.values())
