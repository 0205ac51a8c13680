"""Interest-bearing instalment plans: schedule, checkout, capture, payments, refunds and books."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2bcredit.checkout.options import Cart, checkout_options
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.ledger.exposure import buyer_position, exposure
from b2bcredit.ledger.invariants import check_invariants
from b2bcredit.ledger.model import Book, Component, InvoiceStatus
from b2bcredit.ledger.service import Ledger
from b2bcredit.products.catalogue import Catalogue, Pricing, Product, default_catalogue
from b2bcredit.products.terms import TermsKind, TermsSpec
from b2bcredit.storage.memory import MemoryStore
from b2bcredit.storage.sqlite import SqliteStore
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy
from tests.ledger.support import CheckedLedger, ManualClock

TODAY = date(2026, 12, 1)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def plan(
    rate: str,
    instalments: int = 12,
    *,
    method: AmortizationMethod = AmortizationMethod.ANNUITY,
    residual: ResidualPlacement = ResidualPlacement.LAST,
    pricing: Pricing | None = None,
) -> Product:
    """Return the catalogue's interest-bearing plan with other terms and pricing."""
    product = default_catalogue().get("installments_12_interest")
    terms = TermsSpec(
        TermsKind.INSTALLMENTS,
        installments=instalments,
        method=method,
        rounding=RoundingPolicy(mode=Rounding.HALF_UP, residual=residual),
        annual_rate=Decimal(rate),
    )
    return attrs.evolve(product, terms=terms, pricing=Pricing() if pricing is None else pricing)


def book_total(ledger: CheckedLedger | Ledger, account_id: str, book: Book) -> Money:
    entries = ledger.snapshot(account_id).entries
    return Money.sum((entry.amount for entry in entries if entry.book is book), "EUR")


# Source: numpy-financial's documentation of ipmt, "What is the amortization schedule for
# a 1 year loan of $2500 at 8.24% interest per year compounded monthly?": payment 217.75,
# 217.72 last, 112.97 of interest. Each interest figure is the balance times 0.0824 / 12
# rounded half up to the cent (2,500.00 * 0.0824 / 12 = 17.1667 for the first).
REFERENCE_INTEREST = [
    "17.17", "15.79", "14.40", "13.01", "11.60", "10.18", "8.76", "7.32", "5.88", "4.42", "2.96", "1.48",
]  # fmt: skip
REFERENCE_PRINCIPAL = [
    "200.58", "201.96", "203.35", "204.74", "206.15", "207.57", "208.99", "210.43", "211.87", "213.33",
    "214.79", "216.24",
]  # fmt: skip


class TestReferenceSchedule:
    def test_invoice_carries_reference_schedule(self, ledger: CheckedLedger) -> None:
        """2,500.00 at 8.24 % over 12 months invoices 217.75 eleven times, 217.72 last, 112.97 interest."""
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice

        assert [str(part.amount.amount) for part in invoice.schedule] == ["217.75"] * 11 + ["217.72"]
        assert [str(part.interest.amount) for part in invoice.schedule if part.interest] == REFERENCE_INTEREST
        assert [str(part.principal.amount) for part in invoice.schedule if part.principal] == REFERENCE_PRINCIPAL
        assert invoice.interest_charged == eur("112.97")
        assert invoice.interest_due == eur("112.97")
        assert invoice.principal == eur("2500.00")
        assert invoice.terms_code == "12 monthly instalments at 8.24% a year"

    def test_checkout_shows_interest_cost_and_apr(self) -> None:
        """The option's schedule, interest, total cost and APR match the reference loan."""
        catalogue = Catalogue("test", (plan("0.0824"),))
        ledger = Ledger(MemoryStore(), ManualClock())
        account = ledger.open_account("open", "b1", eur("10000.00"))
        position = buyer_position(account, [], TODAY)

        option = checkout_options(catalogue, "b1", position, Cart(eur("2500.00")), TODAY).options[0]

        assert option.available
        assert option.interest == eur("112.97")
        assert option.total_cost == eur("2612.97")
        assert Money.sum((part.amount for part in option.schedule), "EUR") == option.total_cost
        assert option.schedule[0].due_date == date(2027, 1, 1)
        # The buyer pays no fee, so the APR is the nominal rate.
        assert option.apr == Decimal("0.0824")
        # Interest is the price of the credit, not credit: only the principal is reserved.
        assert option.credit_needed == eur("2500.00")

    def test_exposure_counts_principal_only(self, ledger: CheckedLedger) -> None:
        """After capture, exposure is the principal; interest sits in its own books."""
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        ledger.capture("c1", authorized.authorization.authorization_id)

        account = ledger.account(account_id)
        assert exposure(account) == eur("2500.00")
        assert account.receivable == eur("2500.00")
        assert book_total(ledger, account_id, Book.INTEREST_RECEIVABLE) == eur("112.97")
        assert book_total(ledger, account_id, Book.UNEARNED_INTEREST) == eur("-112.97")
        assert book_total(ledger, account_id, Book.INTEREST_INCOME) == eur("0.00")
        statement = ledger.statement(account_id)
        assert statement.interest_receivable == eur("112.97")
        assert "open invoices 2500.00 EUR   unapplied credit 0.00 EUR   open interest 112.97 EUR" in statement.render()


class TestPayments:
    def setup_invoice(self, ledger: CheckedLedger) -> tuple[str, str]:
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice
        return account_id, invoice.invoice_id

    def test_first_instalment_pays_its_interest_then_principal(self, ledger: CheckedLedger) -> None:
        """Paying the first instalment settles its interest and its principal, not later interest."""
        account_id, _ = self.setup_invoice(ledger)

        payment = ledger.record_payment("p1", account_id, eur("217.75"))

        assert [(item.component, item.amount) for item in payment.allocations] == [
            (Component.INTEREST, eur("17.17")),
            (Component.PRINCIPAL, eur("200.58")),
        ]
        assert exposure(ledger.account(account_id)) == eur("2299.42")
        assert book_total(ledger, account_id, Book.INTEREST_INCOME) == eur("-17.17")

    def test_payoff_settles_future_interest_last(self, ledger: CheckedLedger) -> None:
        """A payment of the whole balance pays due interest, then principal, then later interest."""
        account_id, invoice_id = self.setup_invoice(ledger)

        payment = ledger.record_payment("p1", account_id, eur("2612.97"))

        assert [(item.component, item.amount) for item in payment.allocations] == [
            (Component.INTEREST, eur("17.17")),
            (Component.PRINCIPAL, eur("2500.00")),
            (Component.INTEREST, eur("95.80")),
        ]
        assert payment.unapplied == eur("0.00")
        assert ledger.invoice(invoice_id).status is InvoiceStatus.PAID
        assert book_total(ledger, account_id, Book.INTEREST_INCOME) == eur("-112.97")

    def test_late_instalments_bring_their_interest_forward(self, ledger: CheckedLedger, clock: ManualClock) -> None:
        """Three months on, a payment reaches the interest of every instalment due by then first."""
        account_id, _ = self.setup_invoice(ledger)
        clock.advance(days=90)  # 2027-03-01, the third due date

        payment = ledger.record_payment("p1", account_id, eur("100.00"))

        assert [(item.component, item.amount) for item in payment.allocations] == [
            (Component.INTEREST, eur("47.36")),  # 17.17 + 15.79 + 14.40
            (Component.PRINCIPAL, eur("52.64")),
        ]


class TestRefunds:
    def test_full_refund_cancels_all_future_interest(self, ledger: CheckedLedger, clock: ManualClock) -> None:
        """Refunding everything a month in keeps the first instalment's interest and cancels the rest."""
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice
        clock.advance(days=31)  # 2027-01-01, the first due date

        note = ledger.refund("r1", invoice.invoice_id, eur("2500.00"))

        changed = ledger.invoice(invoice.invoice_id)
        assert note.interest_cancelled == eur("95.80")  # 112.97 - 17.17
        assert changed.interest_due == eur("17.17")
        assert changed.principal_due == eur("0.00")
        assert [part.interest for part in changed.schedule[1:]] == [eur("0.00")] * 11
        assert changed.status is InvoiceStatus.OPEN
        assert exposure(ledger.account(account_id)) == eur("0.00")

    def test_partial_refund_restores_exactly_its_principal(self, ledger: CheckedLedger) -> None:
        """A refund of 1,000.00 restores 1,000.00 of credit and cuts later interest by 1000/2500."""
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice
        before = exposure(ledger.account(account_id))

        note = ledger.refund("r1", invoice.invoice_id, eur("1000.00"))

        assert before - exposure(ledger.account(account_id)) == eur("1000.00")
        # Every instalment is still ahead, so each loses 40 % of its interest, rounded half up.
        expected = Money.sum(
            (Money(value, "EUR").multiply(Decimal("0.4"), Rounding.HALF_UP) for value in REFERENCE_INTEREST), "EUR"
        )
        assert note.interest_cancelled == expected
        assert note.applied == eur("1000.00") + expected
        assert note.to_unapplied == eur("0.00")

    def test_refund_returns_interest_paid_ahead(self, ledger: CheckedLedger) -> None:
        """Interest the buyer paid on instalments the refund cancels becomes unapplied credit."""
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice
        ledger.record_payment("p1", account_id, eur("2612.97"))

        note = ledger.refund("r1", invoice.invoice_id, eur("500.00"))

        # Nothing was due, so nothing is cancelled, and the principal goes to the buyer's credit.
        assert note.interest_cancelled is None
        assert note.to_unapplied == eur("500.00")
        assert ledger.account(account_id).unapplied == eur("500.00")


class TestWriteOff:
    def test_unpaid_interest_is_reversed_not_written_off(self, ledger: CheckedLedger) -> None:
        """A write-off expenses principal and fees; the unearned interest is reversed."""
        account_id = ledger.open_account("open", "b1", eur("10000.00")).account_id
        authorized = ledger.authorize("a1", account_id, "o1", plan("0.0824"), eur("2500.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice

        written = ledger.write_off("w1", invoice.invoice_id)

        assert written.written_off == eur("2612.97")
        assert book_total(ledger, account_id, Book.WRITE_OFF) == eur("2500.00")
        assert book_total(ledger, account_id, Book.INTEREST_RECEIVABLE) == eur("0.00")
        assert book_total(ledger, account_id, Book.UNEARNED_INTEREST) == eur("0.00")


class TestTermsSpec:
    def test_rate_on_trade_terms_rejected(self) -> None:
        """Only instalment plans carry interest."""
        with pytest.raises(InvalidInputError, match="annual_rate"):
            TermsSpec(TermsKind.NET, days=30, annual_rate=Decimal("0.05"))

    def test_rate_above_one_rejected(self) -> None:
        """A rate is a fraction of one; 9.9 would be 990 %."""
        with pytest.raises(InvalidInputError, match="between 0 and 1"):
            TermsSpec(TermsKind.INSTALLMENTS, installments=3, annual_rate=Decimal("9.9"))

    def test_float_rate_rejected(self) -> None:
        """A float rate is rejected: money rates are Decimals."""
        with pytest.raises(InvalidTypeError, match="annual_rate"):
            TermsSpec(TermsKind.INSTALLMENTS, installments=3, annual_rate=0.099)  # type: ignore[arg-type]

    def test_catalogue_reads_rate(self) -> None:
        """The default catalogue's interest-bearing plan has its rate and shows it in its code."""
        product = default_catalogue().get("installments_12_interest")
        assert product.terms.annual_rate == Decimal("0.099")
        assert product.terms.code == "12 monthly instalments at 9.9% a year"

    def test_fee_spreads_over_instalments(self) -> None:
        """A buyer fee on an interest-bearing plan is allocated over the instalments, remainder last."""
        ledger = Ledger(MemoryStore(), ManualClock())
        account = ledger.open_account("open", "b1", eur("10000.00"))
        fee_plan = plan("0.12", 3, pricing=Pricing(buyer_fixed=(eur("10.00"),)))
        authorized = ledger.authorize("a1", account.account_id, "o1", fee_plan, eur("1000.00"))
        invoice = ledger.capture("c1", authorized.authorization.authorization_id).invoice

        fees = [
            part.amount - part.principal - part.interest
            for part in invoice.schedule
            if part.principal is not None and part.interest is not None
        ]
        assert fees == [eur("3.33"), eur("3.33"), eur("3.34")]
        assert invoice.fees_charged == eur("10.00")
        check_invariants(ledger.snapshot(account.account_id))


# Conservation under random plans, payments and refunds ---------------------------------------

methods = st.sampled_from(list(AmortizationMethod))
residuals = st.sampled_from(list(ResidualPlacement))
rates = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.60"), places=4)
# The plan takes orders from 250.00; a first capture of any part reaches tiny principals.
amounts = st.integers(min_value=25_000, max_value=5_000_000)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=rates,
    instalments=st.integers(1, 24),
    method=methods,
    residual=residuals,
    order=amounts,
    captured_share=st.floats(min_value=0.0, max_value=1.0),
    fee=st.integers(0, 5_000),
    steps=st.lists(
        st.tuples(st.sampled_from(["pay", "refund", "advance"]), st.integers(1, 3_000_000)), max_size=8
    ),
)
def test_interest_plan_conserves_money(
    rate: Decimal,
    instalments: int,
    method: AmortizationMethod,
    residual: ResidualPlacement,
    order: int,
    captured_share: float,
    fee: int,
    steps: list[tuple[str, int]],
) -> None:
    """Principal sums to the amount, allocations to each payment, no balance goes negative, books balance."""
    clock = ManualClock()
    ledger = Ledger(SqliteStore(":memory:"), clock)
    account = ledger.open_account("open", "b1", eur("100000.00"))
    pricing = Pricing(buyer_fixed=(Money.from_minor_units(fee, "EUR"),))
    product = plan(str(rate), instalments, method=method, residual=residual, pricing=pricing)
    authorized = ledger.authorize("a1", account.account_id, "o1", product, Money.from_minor_units(order, "EUR"))
    assert authorized.approved
    captured = Money.from_minor_units(max(1, int(order * captured_share)), "EUR")
    invoice = ledger.capture("c1", authorized.authorization.authorization_id, captured).invoice

    parts = invoice.schedule
    assert len(parts) == instalments
    assert Money.sum((part.principal for part in parts if part.principal is not None), "EUR") == invoice.principal
    assert Money.sum((part.interest for part in parts if part.interest is not None), "EUR") == invoice.interest_charged
    assert Money.sum((part.amount for part in parts), "EUR") == invoice.outstanding
    assert invoice.principal == captured
    assert exposure(ledger.account(account.account_id)) == authorized.authorization.reserved

    for index, (action, units) in enumerate(steps):
        current = ledger.invoice(invoice.invoice_id)
        if action == "advance":
            clock.advance(days=units % 400)
        elif action == "pay":
            payment = ledger.record_payment(f"p{index}", account.account_id, Money.from_minor_units(units, "EUR"))
            allocated = Money.sum((item.amount for item in payment.allocations), "EUR")
            assert allocated + payment.unapplied == payment.amount
        else:
            refundable = current.principal - current.refunded
            if refundable.is_positive():
                amount = Money.from_minor_units(1 + units % refundable.minor_units, "EUR")
                before = exposure(ledger.account(account.account_id))
                ledger.refund(f"r{index}", invoice.invoice_id, amount)
                restored = before - exposure(ledger.account(account.account_id))
                assert restored == min(amount, current.principal_due)
        check_invariants(ledger.snapshot(account.account_id))
        after = ledger.invoice(invoice.invoice_id)
        assert not after.interest_due.is_negative()
        assert not after.principal_due.is_negative()
        assert all(not part.amount.is_negative() for part in after.schedule)


def test_interest_plan_in_checkout_agrees_with_authorization() -> None:
    """An available interest-bearing option authorizes and reserves the credit checkout showed."""
    clock = ManualClock()
    ledger = Ledger(MemoryStore(), clock)
    account = ledger.open_account("open", "b1", eur("3000.00"))
    catalogue = default_catalogue()
    position = buyer_position(account, [], clock.now().date())

    options = checkout_options(catalogue, "b1", position, Cart(eur("2500.00")), clock.now().date())
    option = options.option("installments_12_interest")
    result = ledger.authorize("a1", account.account_id, "o1", catalogue.get("installments_12_interest"), eur("2500.00"))

    assert option.available
    assert result.approved
    assert result.authorization.reserved == option.credit_needed
    invoice = ledger.capture("c1", result.authorization.authorization_id).invoice
    assert invoice.schedule == option.schedule
    assert clock.now().date() + timedelta(days=31) == invoice.schedule[0].due_date
