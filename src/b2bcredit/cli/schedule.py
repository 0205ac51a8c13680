"""``b2bcredit schedule``: print a repayment schedule as a table or as JSON."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from b2bcredit.core.daycount import DayCount, parse_day_count
from b2bcredit.core.money import Money, Rounding, to_decimal
from b2bcredit.terms.amortization import AmortizationMethod
from b2bcredit.terms.periods import parse_frequency
from b2bcredit.terms.rounding import ResidualPlacement, RoundingPolicy
from b2bcredit.terms.schedule import InterestBasis, Schedule, ScheduleSpec, build_schedule


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: write it as YYYY-MM-DD") from None


def register(subparsers: Any) -> None:
    """Add the ``schedule`` subcommand."""
    parser = subparsers.add_parser(
        "schedule", help="print the repayment schedule of an instalment loan",
        description="Build an exact repayment schedule and print it as a table, or as JSON with --json.",
    )
    parser.add_argument("--amount", required=True, help="amount financed, such as 2500.00")
    parser.add_argument("--currency", default="EUR", help="ISO 4217 currency code (default EUR)")
    parser.add_argument("--rate", required=True, help="nominal annual interest rate in percent, such as 8.24")
    parser.add_argument("--periods", required=True, type=int, help="number of instalments")
    parser.add_argument(
        "--frequency", default="monthly", help="weekly, biweekly, semimonthly, monthly, quarterly, semiannual or annual"
    )
    parser.add_argument("--start", type=_date, default=None, help="start date YYYY-MM-DD (default: today)")
    parser.add_argument("--first-due", type=_date, default=None, help="an odd first due date YYYY-MM-DD")
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
        "--rounding", default="HALF_EVEN", choices=[mode.name for mode in Rounding], help="rounding mode"
    )
    parser.add_argument(
        "--multiple", default=None, help="round instalments to this multiple, such as 1 for whole units"
    )
    parser.add_argument(
        "--residual", default="last", choices=[place.value for place in ResidualPlacement],
        help="which instalment settles the rounding residual (default last)",
    )
    parser.add_argument("--json", action="store_true", help="print the schedule and its totals as JSON")
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    """Build the schedule from the arguments and print it."""
    if arguments.start is None:
        # The command line is the edge of the library, where reading today's date is fine.
        arguments.start = date.today()
    annual_rate = to_decimal(arguments.rate.strip().rstrip("%"), "rate") / 100
    basis = InterestBasis.PERIODIC if arguments.day_count is None else InterestBasis.DAILY
    day_count = parse_day_count(arguments.day_count) if arguments.day_count else DayCount.ACT_365_FIXED
    spec = ScheduleSpec(
        amount=Money(arguments.amount, arguments.currency.upper()),
        annual_rate=annual_rate,
        instalments=arguments.periods,
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
    )
    schedule = build_schedule(spec)
    if arguments.json:
        print(json.dumps(schedule.to_dict(), indent=2))
    else:
        print(format_table(schedule))
    return 0


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

