"""``b2bcredit underwrite DATA --out DECISIONS.csv``: decide a whole portfolio."""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Final

from b2bcredit.api.underwriting import BuyerApplication
from b2bcredit.cli.options import iso_date
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.datasets.polish import load_polish_arff
from b2bcredit.datasets.portfolio import polish_applications, sba_applications
from b2bcredit.datasets.records import FLAT_FIELDS, iter_csv_records, load_column_mapping, rename_columns
from b2bcredit.datasets.sba import load_sba_csv
from b2bcredit.decisions.decision import INSUFFICIENT_DATA, Decision
from b2bcredit.decisions.facade import InvalidRowError, Underwriter, missing_features_message, supplied_features
from b2bcredit.decisions.features import application_features
from b2bcredit.decisions.policy import Outcome
from b2bcredit.limits.policy import CreditLimit, LimitState
from b2bcredit.scoring.defaults import load_default_models, load_model
from b2bcredit.scoring.scorecard import Scorecard

# Batches of this many rows keep memory flat and move the progress bar.
_CHUNK = 500
# The summary prints this many invalid rows; the sidecar file lists them all.
_INVALID_SHOWN = 10
_FIELDS: Final = (
    "application_id",
    "decision",
    "score",
    "pd",
    "risk_grade",
    "requested_limit",
    "limit_state",
    "limit",
    "counter_offer",
    "counter_offer_terms_days",
    "counter_offer_deposit",
    "counter_offer_basis",
    "expected_loss",
    "reason_codes",
    "reasons",
    "model",
    "policy",
    "fallback_features",
)


def register(subparsers: Any) -> None:
    """Add the ``underwrite`` subcommand."""
    parser = subparsers.add_parser(
        "underwrite",
        help="decide every buyer in a file and write one row each",
        epilog="A flat CSV has one column per application field, all optional except legal_name, "
        f"country, requested_limit and currency: {', '.join(FLAT_FIELDS)}. docs/underwriting.md, "
        "section 'Flat CSV columns', says what each column holds, and examples/buyers.csv is a "
        "complete file.",
    )
    parser.add_argument(
        "data", help="CSV of flat application rows, or a public data set with --dataset"
    )
    parser.add_argument("--out", required=True, help="CSV file for the decisions")
    parser.add_argument(
        "--model",
        action="append",
        help="a fitted model file (repeat for several; default: shipped)",
    )
    parser.add_argument(
        "--dataset", choices=("polish", "sba"), help="read DATA as the Polish ARFF or SBA CSV"
    )
    parser.add_argument(
        "--mapping", help="JSON file mapping application fields to the CSV's columns"
    )
    parser.add_argument(
        "--application-date",
        type=iso_date,
        default=datetime.date(2024, 1, 1),
        help="application date (YYYY-MM-DD) for rows without an application_date column; default 2024-01-01",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="decide the valid rows and list the invalid ones in the summary and in OUT.invalid.csv "
        "(default: the first invalid row stops the run)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=run)




def _records(arguments: argparse.Namespace) -> list[Any]:
    """Return the input rows: nested applications for --dataset, else flat rows."""
    date_text = arguments.application_date.isoformat()
    if arguments.dataset == "polish":
        return polish_applications(load_polish_arff(arguments.data), date_text)
    if arguments.dataset == "sba":
        return sba_applications(load_sba_csv(arguments.data), date_text)
    mapping = load_column_mapping(arguments.mapping) if arguments.mapping else None
    return [rename_columns(row, mapping) if mapping else row for row in iter_csv_records(arguments.data)]


def _row(decision: Decision) -> dict[str, str]:
    counter = decision.counter_offer
    return {
        "application_id": decision.application_id,
        "decision": decision.outcome.value,
        "score": f"{decision.score:.2f}",
        "pd": f"{decision.pd:.6f}",
        "risk_grade": decision.risk_grade,
        "requested_limit": str(decision.requested_limit),
        "limit_state": decision.granted_limit.state.value,
        "limit": ""
        if decision.granted_limit.amount is None
        else str(decision.granted_limit.amount),
        "counter_offer": str(decision.is_counter_offer).lower(),
        "counter_offer_terms_days": "" if counter is None else str(counter.terms_days),
        "counter_offer_deposit": "" if counter is None else str(counter.deposit),
        "counter_offer_basis": "" if counter is None else counter.basis,
        "expected_loss": str(decision.expected_loss),
        "reason_codes": ";".join(r.code for r in decision.reasons),
        "reasons": " | ".join(r.text for r in decision.reasons),
        "model": f"{decision.model_name}/{decision.model_version}",
        "policy": decision.policy_version,
        "fallback_features": ";".join(decision.fallback_features),
    }


def run(arguments: argparse.Namespace) -> int:
    """Decide every row, write the CSV, print the summary."""
    from tqdm import tqdm

    models = tuple(load_model(p) for p in arguments.model) if arguments.model else load_default_models()
    underwriter = Underwriter(models, application_date=arguments.application_date)
    records = _records(arguments)
    if not records:
        raise InvalidInputError(
            "DATA",
            arguments.data,
            "the file has no data rows",
            "Pass a CSV with a header row and at least one application row.",
        )
    applications, invalid = underwriter.parse_batch(records, skip_invalid=arguments.skip_invalid)
    underwriter.check_features_supplied(applications)
    if arguments.model:
        _warn_unsupplied_models(models, applications)

    decisions: list[Decision] = []
    hide = arguments.no_progress or len(applications) < 2 * _CHUNK
    with tqdm(total=len(applications), unit="buyer", disable=hide) as bar:
        for start in range(0, len(applications), _CHUNK):
            chunk = applications[start : start + _CHUNK]
            decisions.extend(underwriter.decide_applications(chunk))
            bar.update(len(chunk))

    with Path(arguments.out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=_FIELDS)
        writer.writeheader()
        for decision in decisions:
            writer.writerow(_row(decision))
    print(summary(decisions))
    if invalid:
        print(_write_invalid(invalid, arguments.out))
    print(f"decisions written to {arguments.out}")
    return 0


def _warn_unsupplied_models(models: tuple[Scorecard, ...], applications: list[BuyerApplication]) -> None:
    """Warn on stderr about each --model that no application supplies a feature for."""
    features = [application_features(application) for application in applications]
    for model in models:
        if not any(supplied_features(model, row) for row in features):
            print(f"warning: {missing_features_message(model)}", file=sys.stderr)


def _write_invalid(invalid: list[InvalidRowError], out: str) -> str:
    """Write the skipped rows to ``OUT.invalid.csv`` and return the summary lines about them."""
    sidecar = f"{out}.invalid.csv"
    with Path(sidecar).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "application_id", "error"])
        for error in invalid:
            writer.writerow([error.row, error.application_id or "", str(error)])
    lines = [f"{_count(len(invalid), 'invalid row')} skipped, listed in {sidecar}:"]
    lines.extend(f"  {error}" for error in invalid[:_INVALID_SHOWN])
    if len(invalid) > _INVALID_SHOWN:
        lines.append(f"  and {len(invalid) - _INVALID_SHOWN} more")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def describe_limit(limit: CreditLimit) -> str:
    """Return a credit limit in words: its amount, "prepay only", "unlimited" or "none (not underwritten)"."""
    if limit.state is LimitState.LIMITED:
        return str(limit.amount)
    return _LIMIT_WORDS[limit.state]


_LIMIT_WORDS: Final = {
    LimitState.NOT_UNDERWRITTEN: "none (not underwritten)",
    LimitState.PREPAY_ONLY: "prepay only",
    LimitState.UNLIMITED: "unlimited",
}


def _ranked(counts: Counter[str]) -> str:
    return ", ".join(f"{code} ({n})" for code, n in counts.most_common(5))


def summary(decisions: list[Decision]) -> str:
    """Return the portfolio summary: approval rate, limits, expected loss, top decline reasons.

    Limits count the buyers granted a positive limit. The first reasons line counts each
    decline once, under its principal reason: the knock-out, the zero limit or the score
    factor costing the most points, which is the reason an adverse-action notice leads with.
    The second counts every reason a decline cites, at any rank, so a factor that is often
    second to a knock-out still shows.
    """
    if not decisions:
        return "no applications"
    outcomes = Counter(d.outcome for d in decisions)
    lines = [
        f"{_count(len(decisions), 'application')}: " + ", ".join(f"{outcomes[o]} {o.value}" for o in Outcome)
    ]
    lines.append(f"approval rate {outcomes[Outcome.APPROVED] / len(decisions):.1%}")
    counters = sum(d.outcome is Outcome.APPROVED and d.is_counter_offer for d in decisions)
    if counters:
        lines.append(f"of the approved, {counters} as counter-offers (a lower limit, shorter terms or a deposit)")
    granted: dict[str, list[Money]] = {}
    losses: dict[str, list[Money]] = {}
    for d in decisions:
        code = d.requested_limit.currency.code
        amount = d.granted_limit.amount
        if amount is not None and amount.is_positive():
            granted.setdefault(code, []).append(amount)
        losses.setdefault(code, []).append(d.expected_loss)
    for code in sorted(losses):
        limits = granted.get(code, [])
        lines.append(
            f"limits granted {Money.sum(limits, code)} to {_count(len(limits), 'buyer')}; "
            f"expected loss {Money.sum(losses[code], code)}"
        )
    declined = [d for d in decisions if d.outcome is Outcome.DECLINED and d.reasons]
    principal = Counter(d.reasons[0].code for d in declined)
    cited = Counter(code for d in declined for code in dict.fromkeys(r.code for r in d.reasons))
    if declined:
        lines.append("most frequent decline reasons: " + _ranked(principal))
        lines.append("reasons cited by declines at any rank: " + _ranked(cited))
    # A buyer referred for insufficient data has only a Missing-bin PD, which says nothing.
    scored = [d for d in decisions if not (d.reasons and d.reasons[0].code == INSUFFICIENT_DATA)]
    if len(scored) < len(decisions):
        lines.append(
            f"{_count(len(decisions) - len(scored), 'buyer')} referred for insufficient data "
            f"({INSUFFICIENT_DATA}: no feature of any model supplied)"
        )
    mean_pd = sum(d.pd for d in scored) / len(scored) if scored else math.nan
    lines.append(f"mean PD {mean_pd:.2%}" if math.isfinite(mean_pd) else "mean PD n/a")
    return "\n".join(lines)
