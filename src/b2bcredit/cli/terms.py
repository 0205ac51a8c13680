"""``b2bcredit terms``: due date, discount deadline, discounted amount and implied cost."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from b2bcredit.cli.options import Option, add_calendar_options, calendar_from_options, iso_date, restate_for_options
from b2bcredit.core.calendar import BusinessDayConvention
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, Rounding
from b2bcredit.terms.trade import TermsDates, TermsQuote, TradeTerms

# The library fields behind the options, so errors name what the user typed.
_OPTIONS = {
    "amount": Option("--amount", "Pass a positive amount in the currency's decimal places, such as 1000.00.",
                     "amount"),
    "currency": Option("--currency", "Pass a three-letter ISO 4217 code such as EUR.", "currency"),
    "order_date": Option("--order-date", "Pass --order-date YYYY-MM-DD.", "order_date"),
    "shipment_date": Option("--shipment-date", "Pass --shipment-date YYYY-MM-DD.", "shipment_date"),
}


def register(subparsers: Any) -> None:
    """Add the ``terms`` subcommand."""
    parser = subparsers.add_parser(
        "terms", help="show the due date and early-payment discount of trade terms",
        description="Apply trade terms such as '2/10 net 30' to an invoice and print the dates and amounts.",
    )
    parser.add_argument("notation", help="the terms, such as '2/10 net 30', 'net 30 EOM', '10th prox' or '30/60/90'")
    parser.add_argument("--invoice-date", required=True, type=iso_date, help="invoice date YYYY-MM-DD")
    parser.add_argument("--amount", required=True, help="invoice amount, such as 1000.00")
    parser.add_argument("--currency", default="EUR", help="ISO 4217 currency code (default EUR)")
    parser.add_argument(
        "--shipment-date", type=iso_date, default=None, help="shipment date YYYY-MM-DD, for terms counted from it"
    )
    parser.add_argument(
        "--order-date", type=iso_date, default=None, help="order date YYYY-MM-DD, needed by cash-in-advance terms"
    )
    parser.add_argument(
        "--year-days", type=int, default=365, choices=(365, 360),
        help="days in the year used to annualise the cost of skipping the discount (default 365)",
    )
    add_calendar_options(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def _percent(rate: Any) -> str:
    return str(DECIMAL_CONTEXT.multiply(rate, 100).quantize(_HUNDREDTH, rounding=Rounding.HALF_UP.value))


def run(arguments: argparse.Namespace) -> int:
    """Quote the terms for the invoice and print the result."""
    try:
        calendar, roll = calendar_from_options(arguments)
        terms = TradeTerms.parse(arguments.notation, calendar=calendar, business_day_convention=roll)
        dates = TermsDates(
            invoice_date=arguments.invoice_date, shipment_date=arguments.shipment_date, order_date=arguments.order_date
        )
        amount = Money(arguments.amount, arguments.currency.upper())
        quote = terms.quote(amount, dates, year_days=arguments.year_days)
        # The same terms without a calendar give the dates before rolling, to say which moved.
        unrolled = TradeTerms.parse(arguments.notation).quote(amount, dates, year_days=arguments.year_days)
    except InvalidInputError as error:
        raise restate_for_options(error, _OPTIONS, arguments) from None
    if arguments.json:
        print(json.dumps(_to_dict(terms, quote), indent=2))
        return 0
    moved = _moved_note(arguments, roll)
    print(f"terms: {terms}")
    print(f"due date: {quote.due_date.isoformat()}{moved(unrolled.due_date, quote.due_date)}")
    if len(quote.parts) > 1:
        for part, plain in zip(quote.parts, unrolled.parts, strict=True):
            print(f"  {part.due_date.isoformat()}: {part.amount}{moved(plain.due_date, part.due_date)}")
    if quote.discount_deadline is not None and quote.discounted_amount is not None:
        deadline = quote.discount_deadline
        print(f"discount deadline: {deadline.isoformat()}{moved(unrolled.discount_deadline, deadline)}")
        print(f"discounted amount: {quote.discounted_amount}")
        print(f"implied annual cost of forgoing the discount: {_percent(quote.cost_simple)} % simple "
              f"({arguments.year_days}-day year), {_percent(quote.cost_compounded)} % compounded")
    for finding in quote.findings:
        print(f"warning: {finding.message}")
    return 0


def _moved_note(arguments: argparse.Namespace, roll: BusinessDayConvention) -> Callable[[date | None, date], str]:
    """Return a function that reports when the calendar moved a date, and from where."""

    def note(unrolled: date | None, rolled: date) -> str:
        if unrolled is None or unrolled == rolled:
            return ""
        return f" (moved from {unrolled.isoformat()}, not a business day in {arguments.calendar}; roll {roll.value})"

    return note


def _cost_text(cost: Decimal | None) -> str | None:
    # JSON carries the cost as a fraction of one rounded half up to COST_PLACES places;
    # the API keeps the exact value.
    if cost is None:
        return None
    return str(cost.quantize(_COST_STEP, rounding=Rounding.HALF_UP.value, context=DECIMAL_CONTEXT))


def _to_dict(terms: TradeTerms, quote: TermsQuote) -> dict[str, object]:
    return {
        "terms": str(terms),
        "due_date": quote.due_date.isoformat(),
        "parts": [{"due_date": part.due_date.isoformat(), **part.amount.to_dict()} for part in quote.parts],
        "discount_deadline": quote.discount_deadline.isoformat() if quote.discount_deadline else None,
        "discounted_amount": quote.discounted_amount.to_dict() if quote.discounted_amount else None,
        "discount_amount": quote.discount_amount.to_dict() if quote.discount_amount else None,
        "cost_simple": _cost_text(quote.cost_simple),
        "cost_compounded": _cost_text(quote.cost_compounded),
        "findings": [{"code": finding.code.value, "message": finding.message} for finding in quote.findings],
    }


_HUNDREDTH = DECIMAL_CONTEXT.create_decimal("0.01")
# Decimal places of the costs in --json output: a ten-thousandth of a percent.
COST_PLACES = 6
_COST_STEP = Decimal(1).scaleb(-COST_PLACES)
