"""Entry point of the ``b2bcredit`` command.

Each subcommand lives in its own module under ``b2bcredit.cli`` and exposes
``register(subparsers)``, which adds its parser and sets ``handler`` to a function that
takes the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from b2bcredit import __version__
from b2bcredit.core.errors import B2BCreditError

# One module per subcommand, in the order they appear in --help.
_COMMAND_MODULES: tuple[str, ...] = (
    "b2bcredit.cli.demo",
    "b2bcredit.cli.fit_scorecard",
    "b2bcredit.cli.underwrite",
    "b2bcredit.cli.schedule",
    "b2bcredit.cli.terms",
    "b2bcredit.cli.segment",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="b2bcredit",
        description="Embedded finance for B2B commerce: tiers, trade credit and loyalty.",
    )
    parser.add_argument("--version", action="version", version=f"b2bcredit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 bad usage)."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    handler = getattr(arguments, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        status: int = handler(arguments)
    except (B2BCreditError, FileNotFoundError) as error:
        print(f"b2bcredit {arguments.command}: error: {error}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
