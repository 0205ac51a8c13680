"""Argument parsing shared by the subcommands, and library errors restated in option names.

The library's messages name API fields (``annual_rate``, ``order_date``) and give API
advice; a command-line user needs the option (``--rate``, ``--order-date``) and what to
type. :func:`restate_for_options` rewrites an :class:`InvalidInputError` in those terms.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from b2bcredit.core.calendar import WEEKDAYS_ONLY, BusinessCalendar, BusinessDayConvention
from b2bcredit.core.errors import InvalidInputError

__all__ = ["Option", "add_calendar_options", "calendar_from_options", "iso_date", "restate_for_options"]

_ROLLS = (
    BusinessDayConvention.FOLLOWING, BusinessDayConvention.MODIFIED_FOLLOWING, BusinessDayConvention.PRECEDING,
)


def iso_date(text: str) -> date:
    """Parse a YYYY-MM-DD option value; argparse reports the error in one line."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise argparse.ArgumentTypeError(f"invalid date {text!r}: no such day in the calendar") from None
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


def add_calendar_options(parser: Any) -> None:
    """Add ``--calendar`` and ``--roll``, which move due dates off weekends and holidays."""
    parser.add_argument(
        "--calendar", default=None, metavar="CODE",
        help="business calendar for rolling due dates: an ISO 3166 country code of the holidays package "
        "(DE, GB, US, or US-NY for a subdivision), or 'weekdays' for Saturday and Sunday only "
        "(default: dates are not rolled)",
    )
    parser.add_argument(
        "--roll", default=None, choices=[roll.value for roll in _ROLLS],
        help="how a due date on a non-business day moves (default following when --calendar is given)",
    )


def calendar_from_options(arguments: argparse.Namespace) -> tuple[BusinessCalendar | None, BusinessDayConvention]:
    """Return the calendar and roll that ``--calendar`` and ``--roll`` name."""
    code: str | None = arguments.calendar
    if code is None:
        if arguments.roll is not None:
            raise InvalidInputError("--roll", arguments.roll, "a roll needs a business calendar",
                                    "Pass --calendar CODE as well, such as --calendar DE or --calendar weekdays.")
        return None, BusinessDayConvention.UNADJUSTED
    roll = BusinessDayConvention(arguments.roll or BusinessDayConvention.FOLLOWING.value)
    if code.strip().lower() == "weekdays":
        return WEEKDAYS_ONLY, roll
    country, _, subdivision = code.strip().upper().partition("-")
    try:
        calendar = BusinessCalendar.for_country(country, subdivision or None)
    except InvalidInputError:
        raise InvalidInputError(
            "--calendar", code, "the holidays package has no calendar for this code",
            "Pass an ISO 3166 country code such as DE or US (US-NY for a subdivision), or 'weekdays'.",
        ) from None
    return calendar, roll
