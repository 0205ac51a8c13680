"""``b2bcredit terms``: due date, discount deadline, discounted amount and implied cost."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding
from b2bcredit.terms.trade import TermsDates, TermsQuote, TradeTerms


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: write it as YYYY-MM-DD") from None


def register(subparsers: Any) -> None:
    """Add the ``terms`` subcommand."""
    parser = subparsers.add_parser(
        "terms", help="show the due date and early-payment discount of trade terms",
        description="Apply trade terms such as '2/10 net 30' to an invoice and print the dates and amounts.",
    )
    parser.add_argument("notation", help="the terms, such as '2/10 net 30', 'net 30 EOM', '10th prox' or '30/60/90'")
    parser.add_argument("--invoice-date", required=True, type=_date, help="invoice date YYYY-MM-DD")
    parser.add_argument("--amount", required=True, help="invoice amount, such as 1000.00")
    parser.add_argument("--currency", default="EUR", help="ISO 4217 currency code (default EUR)")
    parser.add_argument("--shipment-date", type=_date, default=None, help="shipment date, for terms counted from it")
    parser.add_argument("--order-date", type=_date, default=None, help="order date, for cash-in-advance terms")
    parser.add_argument("--year-days", type=int, default=365, choices=(365, 360), help="days in a year for the cost")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def _percent(rate: Any) -> str:
    return str(DECIMAL_CONTEXT.multiply(rate, 100).quantize(_HUNDREDTH, rounding=Rounding.HALF_UP.value))


def run(arguments: argparse.Namespace) -> int:
    """Quote the terms for the invoice and print the result."""
    terms = TradeTerms.parse(arguments.notation)
    dates = TermsDates(
        invoice_date=arguments.invoice_date, shipment_date=arguments.shipment_date, order_date=arguments.order_date
    )
    quote = terms.quote(Money(arguments.amount, arguments.currency.upper()), dates, year_days=arguments.year_days)
    if arguments.json:
        print(json.dumps(_to_dict(terms, quote), indent=2))
        return 0
    print(f"terms: {terms}")
    print(f"due date: {quote.due_date.isoformat()}")
    if len(quote.parts) > 1:
        for part in quote.parts:
            print(f"  {part.due_date.isoformat()}: {part.amount}")
    if quote.discount_deadline is not None and quote.discounted_amount is not None:
        print(f"discount deadline: {quote.discount_deadline.isoformat()}")
        print(f"discounted amount: {quote.discounted_amount}")
        print(f"implied annual cost of forgoing the discount: {_percent(quote.cost_simple)} % simple "
              f"({arguments.year_days}-day year), {_percent(quote.cost_compounded)} % compounded")
    return 0


def _to_dict(terms: TradeTerms, quote: TermsQuote) -> dict[str, object]:
    return {
        "terms": str(terms),
        "due_date": quote.due_date.isoformat(),
        "parts": [{"due_date": part.due_date.isoformat(), **part.amount.to_dict()} for part in quote.parts],
        "discount_deadline": quote.discount_deadline.isoformat() if quote.discount_deadline else None,
        "discounted_amount": quote.discounted_amount.to_dict() if quote.discounted_amount else None,
        "discount_amount": quote.discount_amount.to_dict() if quote.discount_amount else None,
        "cost_simple": str(quote.cost_simple) if quote.cost_simple is not None else None,
        "cost_compounded": str(quote.cost_compounded) if quote.cost_compounded is not None else None,
    }


_HUNDREDTH = DECIMAL_CONTEXT.create_decimal("0.01")
