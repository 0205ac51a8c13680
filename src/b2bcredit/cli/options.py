"""Argument parsing shared by the subcommands, and library errors restated in option names.

The library's messages name API fields (``annual_rate``, ``order_date``) and give API
advice; a command-line user needs the option (``--rate``, ``--order-date``) and what to
type. :func:`restate_for_options` rewrites an :class:`InvalidInputError` in those terms.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date

import attrs

from b2bcredit.core.errors import InvalidInputError

__all__ = ["Option", "iso_date", "restate_for_options"]


def iso_date(text: str) -> date:
    """Parse a YYYY-MM-DD option value; argparse reports the error in one line."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: write it as YYYY-MM-DD") from None


@attrs.frozen
class Option:
    """The command-line option behind a library field.

    Attributes:
        flag: the option as typed, such as ``--rate``.
        fix: what to type instead, such as "Pass the annual rate in percent, such as 8.24."
        dest: the parsed argument whose text is shown as the value received; None keeps
            the library's value.
    """

    flag: str
    fix: str
    dest: str | None = None


def restate_for_options(
    error: InvalidInputError, options: Mapping[str, Option], arguments: argparse.Namespace
) -> InvalidInputError:
    """Return ``error`` with its field, value and fix in option terms, or ``error`` unchanged.

    Only the fields in ``options`` are restated; the problem text is kept as the library
    wrote it, so the API and the command line describe one failure the same way.
    """
    option = options.get(error.field)
    if option is None:
        return error
    value = error.value if option.dest is None else getattr(arguments, option.dest)
    if isinstance(value, date):
        # Show a date as it was typed, not as its Python repr.
        value = value.isoformat()
    return InvalidInputError(option.flag, value, error.problem, option.fix)
