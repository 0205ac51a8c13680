"""Payment allocation: allocations always sum to the payment, in the configured order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.ledger.allocation import AllocationMode, AllocationPolicy, allocate_payment
from b2bcredit.ledger.model import Component, Invoice, InvoiceStatus
from b2bcredit.products.terms import EarlyPaymentDiscount, ScheduledPayment

ZERO = Money("0.00", "EUR")


def invoice(invoice_id: str, principal: int, fees: int, due: date, discount: bool = False) -> Invoice:
    p = Money.from_minor_units(principal, "EUR")
    f = Money.from_minor_units(fees, "EUR")
    return Invoice(
        invoice_id=invoice_id,
        account_id="acct",
        authorization_id="auth",
        order_id="o",
        product_id="net30",
        terms_code="net30",
        order_amount=p,
        principal=p,
        fees_charged=f,
        interest_charged=ZERO,
        principal_due=p,
        fees_due=f,
        interest_due=ZERO,
        paid=ZERO,
        discounted=ZERO,
        credited=ZERO,
        written_off=ZERO,
        refunded=ZERO,
        merchant_fee=ZERO,
        issued_on=date(2026, 11, 1),
        schedule=(ScheduledPayment(due, p + f),),
        discount=EarlyPaymentDiscount(Decimal("0.02"), date(2026, 12, 10)) if discount else None,
        late_fee=None,
        late_fee_charged=False,
        dunning_level=0,
        overdue_notified=False,
        due_notified_on=None,
        status=InvoiceStatus.OPEN,
    )


invoices_strategy = st.lists(
    st.tuples(st.integers(1, 10**7), st.integers(0, 10**5), st.integers(0, 60), st.booleans()),
    min_size=0,
    max_size=6,
).map(
    lambda rows: [
        invoice(f"inv{index}", principal, fees, date.fromordinal(date(2026, 11, 1).toordinal() + days), discount)
        for index, (principal, fees, days, discount) in enumerate(rows)
    ]
)


@given(invoices=invoices_strategy, units=st.integers(1, 10**8), mode=st.sampled_from(list(AllocationMode)))
def test_allocations_sum_to_payment(invoices: list[Invoice], units: int, mode: AllocationMode) -> None:
    """Allocated cash plus the left-over equals the payment; no balance goes negative."""
    payment = Money.from_minor_units(units, "EUR")
    result = allocate_payment(payment, invoices, date(2026, 12, 5), AllocationPolicy(mode=mode))
    allocated = Money.sum((item.amount for item in result.allocations), "EUR")
    assert allocated + result.left_over == payment
    assert not result.left_over.is_negative()
    for changed in result.invoices:
        assert not changed.principal_due.is_negative()
        assert not changed.fees_due.is_negative()
    # Money is left over only when every invoice is settled.
    if result.left_over.is_positive():
        assert all(changed.status is InvoiceStatus.PAID for changed in result.invoices)
        assert len(result.invoices) == len(invoices)


def test_component_first_pays_all_fees_first() -> None:
    """Fees of every invoice are settled before any principal."""
    invoices = [invoice("old", 10_000, 500, date(2026, 11, 10)), invoice("new", 10_000, 500, date(2026, 11, 20))]
    result = allocate_payment(Money("12.00", "EUR"), invoices, date(2026, 12, 5), AllocationPolicy())
    assert [(a.invoice_id, a.component) for a in result.allocations] == [
        ("old", Component.FEES),
        ("new", Component.FEES),
        ("old", Component.PRINCIPAL),
    ]


def test_invoice_first_settles_oldest_fully() -> None:
    """Invoice by invoice: the oldest is settled in full before the next."""
    invoices = [invoice("new", 10_000, 500, date(2026, 11, 20)), invoice("old", 10_000, 500, date(2026, 11, 10))]
    policy = AllocationPolicy(mode=AllocationMode.INVOICE_FIRST)
    result = allocate_payment(Money("106.00", "EUR"), invoices, date(2026, 12, 5), policy)
    assert [(a.invoice_id, a.component, str(a.amount)) for a in result.allocations] == [
        ("old", Component.FEES, "5.00 EUR"),
        ("old", Component.PRINCIPAL, "100.00 EUR"),
        ("new", Component.FEES, "1.00 EUR"),
    ]


def test_principal_first_order() -> None:
    """A policy may settle principal before fees."""
    policy = AllocationPolicy(components=(Component.PRINCIPAL, Component.INTEREST, Component.FEES))
    result = allocate_payment(
        Money("50.00", "EUR"), [invoice("a", 10_000, 500, date(2026, 11, 10))], date(2026, 12, 5), policy
    )
    assert result.allocations[0].component is Component.PRINCIPAL


def test_policy_must_list_each_component() -> None:
    """A policy that drops a component is rejected."""
    with pytest.raises(InvalidInputError, match="components"):
        AllocationPolicy(components=(Component.FEES, Component.PRINCIPAL))
