"""``b2bcredit demo``: the library's main job on its embedded defaults."""

from __future__ import annotations

import argparse
from typing import Any

from b2bcredit.core.money import Money, RemainderPlacement


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo", help="run the main job on a built-in sample and print the results"
    )
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    """Print the core at work: exact allocation of an invoice into split terms."""
    total = Money("30000.00", "EUR")
    parts = total.allocate(3, RemainderPlacement.LAST)
    print(f"{total} in three equal parts: {', '.join(str(part) for part in parts)}")
    return 0
