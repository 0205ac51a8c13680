"""Price 2/10 net 30 on real receivables and turn one invoice into an instalment plan.

Reads the IBM accounts-receivable sample, where every invoice is net 30, and offers
2/10 net 30 on each invoice. It reports how many buyers paid early enough for the
discount, what the discounts would have cost the seller, and the annual rate a buyer
forgoes by paying late. Then it spreads the largest invoice over six monthly
instalments with a fee.

Run: B2BCREDIT_DATA=../shared/data python examples/discount_cost_on_receivables.py
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal

from b2bcredit.core.money import Money
from b2bcredit.datasets.paths import find_data_file
from b2bcredit.terms.discount import EarlyPaymentDiscount
from b2bcredit.terms.schedule import ScheduleSpec, build_schedule
from b2bcredit.terms.trade import TermsKind, TradeTerms


def _us_date(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def main() -> None:
    """Print the discount take-up, its cost and a schedule for the largest invoice."""
    path = find_data_file("ibm_accounts_receivable/WA_Fn-UseC_-Accounts-Receivable.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        invoices = list(csv.DictReader(handle))

    discount = EarlyPaymentDiscount("0.02", 10)
    terms = TradeTerms(kind=TermsKind.NET, days=30, discount=discount)
    early, discounts = 0, Money.zero("USD")
    for row in invoices:
        amount = Money(row["InvoiceAmount"], "USD")
        deadline = terms.discount_deadline(_us_date(row["InvoiceDate"]))
        if deadline is not None and _us_date(row["SettledDate"]) <= deadline:
            early += 1
            discounts = discounts + discount.discount_amount(amount)
    cost = discount.cost_simple(30)
    print(f"{len(invoices)} invoices; {early} settled within 10 days")
    print(f"2/10 net 30 would have cost {discounts} in discounts on those")
    print(f"a buyer who pays on day 30 instead forgoes {(cost * 100).quantize(Decimal('0.01'))} % a year")

    largest = max(invoices, key=lambda row: Decimal(row["InvoiceAmount"]))
    schedule = build_schedule(ScheduleSpec(
        amount=Money(largest["InvoiceAmount"], "USD"), annual_rate="0.12", instalments=6,
        start_date=_us_date(largest["InvoiceDate"]), instalment_fee=Money("2.00", "USD"),
    ))
    print(f"\n{schedule.amount_financed} over 6 months at 12 % with a 2.00 fee per instalment:")
    for row in schedule.instalments:
        parts = f"interest {row.interest.amount}, balance {row.balance.amount}"
        print(f"  {row.number}  {row.due_date}  {row.payment}  ({parts})")
    apr = schedule.apr.percent() if schedule.apr is not None else "n/a"
    print(f"  total interest {schedule.totals.interest}, fees {schedule.totals.fees}, APR {apr} %")


if __name__ == "__main__":
    main()
