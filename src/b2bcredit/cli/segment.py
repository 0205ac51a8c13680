"""``b2bcredit segment``: tiers, RFM, demand clusters and CLV for every customer.

Reads a CSV of order lines (gzip-compressed when the name ends in ``.gz``; Online Retail's
columns by default), writes one row per customer and prints the cleaning report and a
summary per tier and per demand cluster.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pydantic import ValidationError
from tqdm import tqdm

from b2bcredit.api.segments import TierPolicyModel
from b2bcredit.cli.options import Option, iso_date, restate_for_options
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.segments.firmographics import BusinessStatus, Firmographics
from b2bcredit.segments.tiers import (
    CreditStanding,
    TierPolicy,
    TierState,
    default_tier_policy,
)
from b2bcredit.segments.transactions import ColumnMap, TransactionTable, read_transactions
from b2bcredit.segments.windows import EvaluationWindow

_EPOCH = dt.date(1970, 1, 1)
if TYPE_CHECKING:
    from b2bcredit.segments.pipeline import SegmentationResult

# Files above this size show a progress bar while they are read.
_PROGRESS_FROM_BYTES = 1_000_000
_STEPS = ("summary", "rfm", "demand clusters", "bg/nbd fit", "gamma-gamma fit", "clv", "tiers")

OUTPUT_COLUMNS: tuple[str, ...] = (
    "customer_id", "country_code", "country", "region", "size_class", "sector",
    "business_status", "revenue_band", "revenue", "returns", "currency", "recency_days",
    "invoices", "rfm_code", "rfm_segment", "cluster", "expected_purchases",
    "probability_alive", "clv", "tier", "tier_since", "tier_reason", "tier_explanation",
)


def register(subparsers: Any) -> None:
    """Add the ``segment`` subcommand."""
    parser = subparsers.add_parser(
        "segment",
        help="segment customers from order lines: RFM, demand clusters, CLV and tiers",
        description=(
            "Read order lines (CSV, optionally gzip) and write one row per customer with "
            "firmographic segment, RFM scores, demand cluster, CLV, tier and tier reason."
        ),
    )

    # Input and output.
    parser.add_argument("transactions", type=Path, metavar="TRANSACTIONS",
                        help="CSV of order lines; .gz files are decompressed")
    parser.add_argument("--out", type=Path, required=True, metavar="CUSTOMERS.csv",
                        help="where to write one row per customer")
    parser.add_argument("--currency", default="GBP",
                        help="ISO 4217 code of the prices (default: GBP)")
    parser.add_argument("--zone", default="Europe/London",
                        help="the tenant's IANA time zone for timestamps without an offset "
                             "and for day boundaries (default: Europe/London)")

    # The evaluation window.
    parser.add_argument("--window-start", type=iso_date, metavar="DATE",
                        help="first day of the evaluation window, YYYY-MM-DD (default: the day of the first sale)")
    parser.add_argument("--window-end", type=iso_date, metavar="DATE",
                        help="first day after the evaluation window, exclusive, YYYY-MM-DD "
                             "(default: the day after the last sale)")

    # Models.
    parser.add_argument("--clusters", type=int, metavar="K",
                        help="number of demand clusters (default: chosen by silhouette)")
    parser.add_argument("--seed", type=int, default=20_111_209,
                        help="k-means seed; the same data and seed give the same clusters "
                             "(default: 20111209)")
    parser.add_argument("--clv-months", type=int, default=12,
                        help="CLV horizon in 30-day months (default: 12)")
    parser.add_argument("--discount-rate", type=float, default=0.01,
                        help="monthly discount rate of CLV (default: 0.01)")
    parser.add_argument("--no-clv", action="store_true",
                        help="skip the BG/NBD and Gamma-Gamma fits; the CLV, expected purchases "
                             "and probability alive columns stay empty")

    parser.add_argument("--policy", type=Path, metavar="POLICY.json",
                        help="tier policy as JSON (the TierPolicyModel schema); default: the "
                             "built-in four-tier policy in --currency")
    parser.add_argument("--holdout-from", type=iso_date, metavar="DATE",
                        help="also fit BG/NBD on the days before DATE and report predicted "
                             "against actual purchase days from DATE to the end of the data")

    # Extra data and the file's layout.
    parser.add_argument("--previous", type=Path, metavar="CUSTOMERS.csv",
                        help="an earlier output of this command: its tier and tier_since "
                             "columns are the customers' current tiers, so hysteresis and "
                             "the minimum time in a tier apply")
    parser.add_argument("--credit", type=Path, metavar="FILE",
                        help="CSV with customer_id and any of on_time_share (0 to 1), "
                             "days_overdue, probability_of_default (0 to 1)")
    parser.add_argument("--firmographics", type=Path, metavar="FILE",
                        help="CSV with customer_id and any of staff, turnover_eur, "
                             "balance_sheet_eur, naics, country, status")
    parser.add_argument("--column", action="append", default=[], metavar="FIELD=NAME",
                        help="map a field to the file's column name, such as "
                             "customer=Customer ID; fields: " + ", ".join(
                                 field.name for field in ColumnMap.__attrs_attrs__))
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.set_defaults(handler=run)


def _column_map(pairs: Sequence[str]) -> ColumnMap:
    fields = {field.name for field in ColumnMap.__attrs_attrs__}
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, separator, name = pair.partition("=")
        if not separator or field not in fields:
            raise InvalidInputError("--column", pair, "expected FIELD=NAME with a known field",
                                    f"Use one of {', '.join(sorted(fields))}.")
        mapping[field] = name
    return ColumnMap(**mapping)


_WINDOW_OPTIONS = {
    "start": Option("--window-start", "Pass a first day before --window-end, YYYY-MM-DD.", "window_start"),
    "end": Option("--window-end", "Pass the first day after the window, later than --window-start, YYYY-MM-DD.",
                  "window_end"),
    "zone": Option("--zone", "Pass an IANA zone name such as Europe/London.", "zone"),
}


def _window(arguments: argparse.Namespace, table: TransactionTable) -> EvaluationWindow | None:
    """Return the window the options give; a missing end defaults to the first or last sale."""
    if arguments.window_start is None and arguments.window_end is None:
        return None
    sale_days = table.local_day[table.sales_mask()]
    if sale_days.size == 0:
        raise InvalidInputError("TRANSACTIONS", str(arguments.transactions), "contains no sale lines",
                                "Check the cleaning report for what the lines were.")
    start = arguments.window_start or _EPOCH + dt.timedelta(days=int(sale_days.min()))
    end = arguments.window_end or _EPOCH + dt.timedelta(days=int(sale_days.max()) + 1)
    try:
        return EvaluationWindow(start, end, arguments.zone)
    except InvalidInputError as error:
        raise restate_for_options(error, _WINDOW_OPTIONS, arguments) from None


def read_firmographics(path: Path) -> dict[str, Firmographics]:
    """Read a firmographics CSV keyed by ``customer_id``."""
    firms: dict[str, Firmographics] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "customer_id" not in reader.fieldnames:
            raise InvalidInputError("columns", reader.fieldnames,
                                    "missing required column 'customer_id'",
                                    "Add a customer_id column to the firmographics file.")
        for line_number, row in enumerate(reader, start=2):
            firms[row["customer_id"].strip()] = _firm(row, line_number)
    return firms


def _firm(row: dict[str, str], line_number: int) -> Firmographics:
    def text(name: str) -> str | None:
        value = (row.get(name) or "").strip()
        return value or None

    staff_text = text("staff")
    try:
        staff = int(staff_text) if staff_text is not None else None
    except ValueError:
        raise InvalidInputError(f"line {line_number}, column staff", staff_text,
                                "invalid staff count", "Write a whole number.") from None
    status_text = text("status")
    try:
        status = BusinessStatus(status_text) if status_text else BusinessStatus.UNKNOWN
    except ValueError:
        raise InvalidInputError(
            f"line {line_number}, column status", status_text, "unknown business status",
            f"Use one of {', '.join(member.value for member in BusinessStatus)}.",
        ) from None
    turnover = text("turnover_eur")
    balance = text("balance_sheet_eur")
    return Firmographics(
        customer_id=row["customer_id"].strip(),
        staff=staff,
        turnover=Money(turnover, "EUR") if turnover else None,
        balance_sheet=Money(balance, "EUR") if balance else None,
        naics=text("naics"),
        country=text("country"),
        status=status,
    )


def read_policy(path: Path) -> TierPolicy:
    """Read a tier policy from a JSON file.

    Raises:
        InvalidInputError: the document does not match the policy schema or breaks a rule.
    """
    try:
        model = TierPolicyModel.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise InvalidInputError(
            f"{path}: {location or 'document'}", first.get("input"), first["msg"],
            "Fix the policy file; TierPolicyModel.model_json_schema() gives its schema.",
        ) from None
    return model.to_policy()


def holdout_lines(table: TransactionTable, window: EvaluationWindow | None,
                  holdout_from: dt.date) -> list[str]:
    """Return the calibration and hold-out report as text lines."""
    sale_days = table.local_day[table.sales_mask()]
    first = window.start if window else _EPOCH + dt.timedelta(days=int(sale_days.min()))
    end = window.end if window else _EPOCH + dt.timedelta(days=int(sale_days.max()) + 1)
    if not first < holdout_from < end:
        raise InvalidInputError("--holdout-from", holdout_from,
                                f"must fall inside the data, after {first} and before {end}",
                                "Pick a date that leaves days on both sides.")
    from b2bcredit.segments.holdout import calibration_holdout

    report = calibration_holdout(table, EvaluationWindow(first, holdout_from, table.zone),
                                 EvaluationWindow(holdout_from, end, table.zone))
    lines = [
        f"hold-out [{holdout_from}, {end}): {report.customers} customers from calibration "
        f"[{first}, {holdout_from}), predicted {report.total_predicted:.1f} purchase days, "
        f"actual {report.total_actual}, mean absolute error {report.mean_absolute_error:.3f}",
        f"  {'frequency':>10} {'customers':>9} {'predicted':>10} {'actual':>8}",
    ]
    for group in report.groups:
        label = f"{group.frequency}+" if group.or_more else str(group.frequency)
        lines.append(f"  {label:>10} {group.customers:>9} {group.mean_predicted:>10.3f} "
                     f"{group.mean_actual:>8.3f}")
    return lines


def _read_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInputError(
                f"{path}: columns", reader.fieldnames,
                f"missing required column {', '.join(repr(name) for name in missing)}",
                "Add the column to the file.",
            )
        return list(reader)


def read_previous_tiers(path: Path) -> dict[str, TierState]:
    """Read the customers' current tiers from an earlier output file."""
    states: dict[str, TierState] = {}
    for line_number, row in enumerate(_read_rows(path, ("customer_id", "tier", "tier_since")),
                                      start=2):
        try:
            since = dt.date.fromisoformat(row["tier_since"])
        except ValueError:
            raise InvalidInputError(f"{path}: line {line_number}, column tier_since",
                                    row["tier_since"], "invalid date",
                                    "Write dates as YYYY-MM-DD.") from None
        states[row["customer_id"].strip()] = TierState(row["tier"].strip(), since)
    return states


def read_credit(path: Path) -> dict[str, CreditStanding]:
    """Read payment behaviour and credit risk per customer."""
    standings: dict[str, CreditStanding] = {}
    for line_number, row in enumerate(_read_rows(path, ("customer_id",)), start=2):
        where = f"{path}: line {line_number}"
        days = _number(row, "days_overdue", int, where)
        standings[row["customer_id"].strip()] = CreditStanding(
            on_time_share=_number(row, "on_time_share", float, where),
            days_overdue=0 if days is None else days,
            probability_of_default=_number(row, "probability_of_default", float, where),
        )
    return standings


def _number(row: dict[str, str], name: str, kind: type[float] | type[int], where: str) -> Any:
    text = (row.get(name) or "").strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InvalidInputError(f"{where}, column {name}", text, "invalid number",
                                "Write a plain number.") from None


def write_customers(result: SegmentationResult, handle: IO[str]) -> None:
    """Write one CSV row per customer."""
    writer = csv.writer(handle)
    writer.writerow(OUTPUT_COLUMNS)
    for row in result.customers:
        writer.writerow((
            row.customer_id, row.country_code or "", row.country, row.region,
            row.size_class.value, row.sector or "", row.business_status.value,
            row.revenue_band, row.revenue.amount, row.returns.amount,
            row.revenue.currency.code, row.recency_days, row.invoices, row.rfm_code,
            row.rfm_segment, row.cluster, _float_text(row.expected_purchases),
            _float_text(row.probability_alive), "" if row.clv is None else row.clv.amount,
            row.tier, row.tier_since.isoformat(), row.tier_reason.value, row.tier_explanation,
        ))


def _float_text(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def summary_lines(result: SegmentationResult) -> list[str]:
    """Return the closing summary: cleaning report, fits, tiers and clusters."""
    lines = ["cleaning report:"]
    lines.extend(f"  {line}" for line in result.report.to_lines())
    lines.append(f"evaluation window: {result.window}")
    lines.append(f"customers with a row: {len(result.customers)}")
    lines.extend(f"  {line}" for line in result.left_out_lines())
    if result.bgnbd is not None:
        params = result.bgnbd.params
        lines.append(
            f"BG/NBD: r={params.r:.4f} alpha={params.alpha:.4f} a={params.a:.6f} "
            f"b={params.b:.4f}, log-likelihood {result.bgnbd.log_likelihood:.3f}"
            + ("" if result.bgnbd.converged else " (did not converge)")
        )
    gg = result.gamma_gamma
    if gg is not None:
        lines.append(
            f"Gamma-Gamma: p={gg.params.p:.4f} q={gg.params.q:.4f} v={gg.params.v:.4f} on "
            f"{_count(gg.n_used, 'customer')} with repeat purchases"
        )
    if result.clv_problem:
        lines.append(f"CLV skipped, the clv column is empty: {result.clv_problem}")
    # Placement and bands go by net sales. The table sums gross sales, as the cleaning
    # report above does, and the customers file gives each row's returns.
    lines.append(f"tiers (policy {result.policy_version}; placed by net sales, table in gross sales):")
    lines.append(f"  {'tier':<10} {'customers':>9} {'gross sales':>18} {'share':>7} {'CLV':>18}")
    for tier in result.tiers:
        clv = "n/a" if tier.clv is None else str(tier.clv)
        lines.append(f"  {tier.tier:<10} {tier.customers:>9} {tier.revenue!s:>18} "
                     f"{tier.revenue_share:>7.2%} {clv:>18}")
    lines.append(f"demand clusters (k={result.demand.k}, seed {result.demand.seed}):")
    for cluster in result.clusters:
        lines.append(f"  {cluster.cluster}: {_count(cluster.customers, 'customer')}, {cluster.revenue}; "
                     f"{cluster.description}")
    return lines


def run(arguments: argparse.Namespace) -> int:
    """Segment the customers of a transaction file and write the rows."""
    # scipy loads here, not when the command line starts, so other commands stay quick.
    from b2bcredit.segments.pipeline import segment_customers

    path: Path = arguments.transactions
    if path.is_dir():
        raise InvalidInputError("TRANSACTIONS", str(path), "is a directory", "Pass the CSV file of order lines.")
    if not path.is_file():
        raise FileNotFoundError(f"transaction file {path} not found")
    show = not arguments.no_progress and path.stat().st_size >= _PROGRESS_FROM_BYTES
    columns = _column_map(arguments.column)
    firmographics = read_firmographics(arguments.firmographics) if arguments.firmographics else None
    current_tiers = read_previous_tiers(arguments.previous) if arguments.previous else None
    credit = read_credit(arguments.credit) if arguments.credit else None
    policy = (read_policy(arguments.policy) if arguments.policy
              else default_tier_policy(arguments.currency))

    with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc="reading",
              disable=not show, file=sys.stderr) as bar:
        table = read_transactions(
            path, currency=arguments.currency, zone=arguments.zone, columns=columns,
            progress=bar.update,
        )
    window = _window(arguments, table)
    with tqdm(total=len(_STEPS), desc="segmenting", disable=not show,
              file=sys.stderr) as bar:
        def on_step(name: str) -> None:
            # The bar counts finished steps; the label names the one now running.
            bar.set_postfix_str(name)
            bar.update(_STEPS.index(name) - bar.n)

        result = segment_customers(
            table, policy, window=window,
            firmographics=firmographics, clusters=arguments.clusters, seed=arguments.seed,
            clv_months=arguments.clv_months, monthly_discount_rate=arguments.discount_rate,
            current_tiers=current_tiers, credit=credit, on_step=on_step,
            predict_clv=not arguments.no_clv,
        )
        bar.update(len(_STEPS) - bar.n)

    with arguments.out.open("w", newline="", encoding="utf-8") as handle:
        write_customers(result, handle)
    lines = summary_lines(result)
    if arguments.holdout_from is not None:
        lines.extend(holdout_lines(table, window, arguments.holdout_from))
    for line in lines:
        print(line)
    print(f"wrote {_count(len(result.customers), 'customer')} to {arguments.out}")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
