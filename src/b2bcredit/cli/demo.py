"""``b2bcredit demo``: the library's main job on its embedded defaults.

It underwrites the built-in sample portfolio. Then it runs the first approved buyer
through the whole credit flow on the embedded SQLite store in a temporary file: the
account opened from the decision, checkout options, authorization, two shipments, a
partial payment, a refund and the account statement.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from b2bcredit.cli.ledger_demo import run_lifecycle_demo
from b2bcredit.cli.underwrite import describe_limit, summary
from b2bcredit.datasets.portfolio import sample_portfolio
from b2bcredit.decisions.decision import Decision
from b2bcredit.decisions.facade import Underwriter
from b2bcredit.decisions.policy import Outcome
from b2bcredit.engine import Engine


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo", help="underwrite a built-in sample and run one buyer through the credit flow"
    )
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    """Underwrite the sample portfolio, then run the first approved buyer through the credit flow."""
    underwriter = Underwriter.with_defaults()
    print("Underwriting the sample portfolio on the default models:\n")
    decisions = underwriter.underwrite_batch(sample_portfolio())
    for decision in decisions:
        _print_decision(decision)
    print()
    print(summary(decisions))

    approved = next((decision for decision in decisions if decision.outcome is Outcome.APPROVED), None)
    if approved is None:
        print("\nNo buyer was approved, so there is no credit flow to show.")
        return 0
    with tempfile.TemporaryDirectory(prefix="b2bcredit-demo-") as folder:
        engine = Engine.embedded(Path(folder) / "credit.sqlite3", underwriter=underwriter)
        try:
            _run_flow(engine, approved)
        finally:
            engine.close()
    return 0


def _print_decision(decision: Decision) -> None:
    name = decision.input_snapshot.firmographics.legal_name
    offer = " (counter-offer)" if decision.is_counter_offer else ""
    print(
        f"{name}: {decision.outcome.value}{offer}, score {decision.score:.0f}, "
        f"PD {decision.pd:.2%}, grade {decision.risk_grade}, "
        f"limit {describe_limit(decision.granted_limit)}, {decision.requested_limit} "
        f"requested [{decision.model_name}]"
    )
    for reason in decision.reasons:
        print(f"    {reason.code}: {reason.text}")


def _run_flow(engine: Engine, decision: Decision) -> None:
    name = decision.input_snapshot.firmographics.legal_name
    buyer_id = decision.application_id
    print(f"\nThe credit flow for {name} on the embedded SQLite store:\n")
    account = engine.apply_decision(f"{buyer_id}:open", buyer_id, decision, hold_after_days_overdue=30)
    record = account.profile.underwriting
    versions = "" if record is None else f", model {record.model_name} v{record.model_version}"
    policy = "" if record is None else f", policy {record.policy_version}"
    pd = account.profile.probability_of_default
    print(
        f"Opened account {account.account_id} from the decision: limit {account.limit}, "
        f"PD {'unknown' if pd is None else f'{pd:.2%}'}{versions}{policy}."
    )
    run_lifecycle_demo(engine, buyer_id=buyer_id)
