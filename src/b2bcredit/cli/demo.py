"""``b2bcredit demo``: the library's main job on its embedded defaults."""

from __future__ import annotations

import argparse
from typing import Any

from b2bcredit.cli.underwrite import summary
from b2bcredit.datasets.portfolio import sample_portfolio
from b2bcredit.decisions.facade import Underwriter


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo", help="run the main job on a built-in sample and print the results"
    )
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    """Underwrite the built-in sample portfolio on the default models and print each decision."""
    underwriter = Underwriter.with_defaults()
    decisions = underwriter.underwrite_batch(sample_portfolio())
    for decision in decisions:
        name = decision.input_snapshot.firmographics.legal_name
        offer = " (counter-offer)" if decision.is_counter_offer else ""
        print(
            f"{name}: {decision.outcome.value}{offer}, score {decision.score:.0f}, "
            f"PD {decision.pd:.2%}, grade {decision.risk_grade}, "
            f"limit {decision.granted_limit} of {decision.requested_limit} "
            f"requested [{decision.model_name}]"
        )
        for reason in decision.reasons:
            print(f"    {reason.code}: {reason.text}")
    print()
    print(summary(decisions))
    return 0
