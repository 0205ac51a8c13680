"""``b2bcredit schedule``: print a repayment schedule as a table or as JSON."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from b2bcredit.cli.options import Option, add_calendar_options, calendar_from_options, iso_date, restate_for_options
from b2bcredit.core.daycount import DayCount, parse_day_count
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money, Rounding, to_decimal
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.periods import parse_frequency
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy
from b2bcredit.terms.schedule import (
    InterestBasis,
    RateAboveMaximumError,
    Schedule,
    ScheduleSpec,
    build_schedule,
)

# The library fields behind the options, so errors name what the user typed.
_OPTIONS = {
    "amount": Option("--amount", "Pass a positive amount in the currency's decimal places, such as 2500.00.",
                     "amount"),
    "currency": Option("--currency", "Pass a three-letter ISO 4217 code such as EUR.", "currency"),
    "rate": Option("--rate", "Pass the nominal annual rate in percent, such as 8.24.", "rate"),
    "instalments": Option("--periods", "Pass a whole number of instalments, 1 or more, such as 12.", "periods"),
    "instalment_multiple": Option("--multiple", "Pass a positive amount such as 1 for whole units.", "multiple"),
    "day_count": Option("--day-count", "Pass ACT/365F, ACT/360, ACT/ACT ISDA, 30/360 US, 30/360 BOND, 30E/360 "
                        "or 30E/360 ISDA.", "day_count"),
    "frequency": Option("--frequency", "Pass weekly, biweekly, semimonthly, monthly, quarterly, semiannual or "
                        "annual.", "frequency"),
    "first_due_date": Option("--first-due", "Pass a date after --start, YYYY-MM-DD.", "first_due"),
    "start_date": Option("--start", "Pass the date the credit is advanced, YYYY-MM-DD.", "start"),
    # Restated with the text typed (percent), not the library's fraction.
    "annual_rate": Option("--rate", "Pass the nominal annual rate in percent, such as 8.24.", "rate"),
}
_HIGH_RATE_OPTION = Option(
    "--rate", "Rates are percent on the command line (--rate 8.24 for 8.24 %). Pass --allow-high-rate if the "
    "rate is meant.", "rate",
)


def register(subparsers: Any) -> None:
    """Add the ``schedule`` subcommand."""
    parser = subparsers.add_parser(
        "schedule", help="print the repayment schedule of an instalment loan",
        description="Build an exact repayment schedule and print it as a table, or as JSON with --json.",
    )
    parser.add_argument("--amount", required=True, help="amount financed, such as 2500.00")
    parser.add_argument("--currency", default="EUR", help="ISO 4217 currency code (default EUR)")
    parser.add_argument(
        "--rate", required=True, help="nominal annual interest rate in percent, such as 8.24; at most 100 "
        "unless --allow-high-rate",
    )
    parser.add_argument("--allow-high-rate", action="store_true", help="accept a --rate above 100 percent a year")
    parser.add_argument("--periods", required=True, help="number of instalments, 1 or more")
    parser.add_argument(
        "--frequency", default="monthly",
        help="weekly, biweekly, semimonthly, monthly, quarterly, semiannual or annual (default monthly)",
    )
    parser.add_argument("--start", type=iso_date, default=None, help="start date YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--first-due", type=iso_date, default=None,
        help="an odd first due date YYYY-MM-DD (default: one period after --start)",
    )
    parser.add_argument(
        "--method", default="annuity", choices=[method.value for method in AmortizationMethod],
        help="amortisation method (default annuity)",
    )
    parser.add_argument(
        "--day-count", default=None,
        help="accrue interest daily with this day count (ACT/365F, ACT/360, 30/360 US, ...); "
        "by default each period earns the annual rate divided by the periods per year",
    )
    parser.add_argument(
        "--rounding", default="HALF_EVEN", choices=[mode.name for mode in Rounding],
        help="rounding mode of every rounded amount (default HALF_EVEN)",
    )
    parser.add_argument(
        "--multiple", default=None,
        help="round instalments to this multiple, such as 1 for whole units (default: the minor unit)",
    )
    parser.add_argument(
        "--residual", default="last", choices=[place.value for place in ResidualPlacement],
        help="which instalment settles the rounding residual (default last)",
    )
    add_calendar_options(parser)
    parser.add_argument("--json", action="store_true", help="print the schedule and its totals as JSON")
    parser.set_defaults(handler=run)


def _periods(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError("instalments", text, "expected a whole number of at least 1",
                                "Pass a whole number, 1 or more.") from None


def run(arguments: argparse.Namespace) -> int:
    """Build the schedule from the arguments and print it."""
    try:
        schedule = build_schedule(_spec(arguments))
    except InvalidInputError as error:
        options = _OPTIONS
        if isinstance(error, RateAboveMaximumError):
            options = {**_OPTIONS, "annual_rate": _HIGH_RATE_OPTION}
        raise restate_for_options(error, options, arguments) from None
    if arguments.json:
        print(json.dumps(schedule.to_dict(), indent=2))
    else:
        print(format_table(schedule))
    return 0


def _spec(arguments: argparse.Namespace) -> ScheduleSpec:
    if arguments.start is None:
        # The command line is the edge of the library, where reading today's date is fine.
        arguments.start = date.today()
    annual_rate = to_decimal(arguments.rate.strip().rstrip("%"), "rate") / 100
    basis = InterestBasis.PERIODIC if arguments.day_count is None else InterestBasis.DAILY
    day_count = parse_day_count(arguments.day_count) if arguments.day_count else DayCount.ACT_365_FIXED
    calendar, roll = calendar_from_options(arguments)
    return ScheduleSpec(
        amount=Money(arguments.amount, arguments.currency.upper()),
        annual_rate=annual_rate,
        instalments=_periods(arguments.periods),
        start_date=arguments.start,
        first_due_date=arguments.first_due,
        frequency=parse_frequency(arguments.frequency),
        method=AmortizationMethod(arguments.method),
        interest_basis=basis,
        day_count=day_count,
        rounding=RoundingPolicy(
            mode=Rounding[arguments.rounding],
            instalment_multiple=arguments.multiple,
            residual=ResidualPlacement(arguments.residual),
        ),
        allow_high_rate=arguments.allow_high_rate,
        calendar=calendar,
        business_day_convention=roll,
    )


def format_table(schedule: Schedule) -> str:
    """Return the schedule as an aligned text table with a totals line and the APR."""
    header = ("#", "due date", "payment", "principal", "interest", "fees", "balance")
    rows = [
        (str(row.number), row.due_date.isoformat(), str(row.payment.amount), str(row.principal.amount),
         str(row.interest.amount), str(row.fees.amount), str(row.balance.amount))
        for row in schedule.instalments
    ]
    totals = schedule.totals
    rows.append(("", "total", str(totals.payments.amount), str(totals.principal.amount),
                 str(totals.interest.amount), str(totals.fees.amount), ""))
    widths = [max(len(line[column]) for line in [header, *rows]) for column in range(len(header))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True)) for line in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.insert(len(lines) - 1, "  ".join("-" * width for width in widths))
    currency = schedule.spec.currency.code
    apr = f"{schedule.apr.percent()} %" if schedule.apr is not None else "none in range"
    lines.append(f"amount financed {schedule.amount_financed.amount} {currency}, APR {apr}")
    return "\n".join(lines)

