"""The credit lifecycle on the embedded SQLite store, printed step by step.

``run_lifecycle_demo(engine)`` opens an account (or uses the buyer's existing one), shows
the checkout options for a cart, authorizes, captures in two shipments, takes a partial
payment inside the early-payment window and a refund, and prints the account statement.
``b2bcredit demo`` calls it after opening the account from an underwriting decision.
"""

from __future__ import annotations

from b2bcredit.checkout.options import Cart
from b2bcredit.core.money import Money
from b2bcredit.engine import Engine
from b2bcredit.ledger.model import CreditProfile

__all__ = ["run_lifecycle_demo"]


def run_lifecycle_demo(engine: Engine, *, buyer_id: str = "demo-buyer", limit: Money | None = None) -> None:
    """Print the whole credit flow for one buyer on ``engine``.

    A buyer without an account gets one with ``limit`` (20,000.00 EUR by default). A buyer
    with one, such as an account opened from a decision, keeps it, and ``limit`` is unused.
    """
    account = engine.ledger.find_account(buyer_id)
    if account is None:
        limit = Money("20000.00", "EUR") if limit is None else limit
        account = engine.open_account(
            f"{buyer_id}:open",
            buyer_id,
            limit,
            profile=CreditProfile(country="DE"),
            hold_after_days_overdue=30,
        )
        print(f"Opened account {account.account_id} for {buyer_id} with a limit of {account.limit}.")
    currency = account.currency

    cart = Cart(Money("7500.00", currency))
    print(f"\nCheckout options for a cart of {cart.amount}:")
    options = engine.checkout_options(buyer_id, cart).options
    width = max(len(option.name) for option in options)
    terms_width = max(len(option.terms_code) for option in options)
    for option in options:
        if option.available:
            apr = "" if option.apr is None else f", APR {option.apr * 100:.2f}%"
            interest = f", interest {option.interest}" if option.interest.is_positive() else ""
            first_due = option.schedule[0].due_date
            payments = len(option.schedule)
            print(
                f"  [available]   {option.name:<{width}} {option.terms_code:<{terms_width}} "
                f"fee {option.buyer_fee}{interest}, total {option.total_cost}, "
                f"{payments} payment{'' if payments == 1 else 's'} from {first_due}{apr}"
            )
        else:
            reason = "" if option.reason is None else option.reason.value
            hint = "" if option.hint is None else option.hint.message
            print(f"  [unavailable] {option.name:<{width}} {reason}: {hint}")

    authorized = engine.authorize(f"{buyer_id}:auth", buyer_id, "order-1001", "net30_discount", cart.amount)
    if not authorized.approved or authorized.authorization is None:
        declined = "unknown" if authorized.reason is None else authorized.reason.value
        print(f"\nAuthorization declined: {declined}")
        return
    authorization = authorized.authorization
    print(
        f"\nAuthorized {authorization.amount} as {authorization.authorization_id}; "
        f"available credit now {authorized.available}."
    )

    first = engine.capture(f"{buyer_id}:ship-1", authorization.authorization_id, Money("4500.00", currency))
    second = engine.capture(f"{buyer_id}:ship-2", authorization.authorization_id)
    for number, capture in enumerate((first, second), start=1):
        invoice = capture.invoice
        discount = invoice.discount
        offer = "" if discount is None else f", {discount.rate:.0%} off if paid by {discount.last_day}"
        print(
            f"Shipment {number}: invoice {invoice.invoice_id} for {invoice.principal}, due {invoice.due_date}{offer}"
        )

    payment = engine.record_payment(f"{buyer_id}:pay-1", buyer_id, Money("2940.00", currency))
    earned = Money.sum((item.discount for item in payment.allocations), currency)
    print(f"\nPartial payment of {payment.amount} inside the discount window earned {earned} of discount.")

    note = engine.refund(f"{buyer_id}:refund-1", second.invoice.invoice_id, Money("500.00", currency), "damaged goods")
    print(f"Refund of {note.amount} on {note.invoice_id} restored {note.applied} of credit.")

    print()
    print(engine.statement(buyer_id).render())
    engine.check_invariants(buyer_id)
