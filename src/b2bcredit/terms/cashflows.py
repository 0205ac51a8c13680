"""Net present value and internal rate of return: NPV, IRR, XNPV and XIRR.

Rates are annual effective rates (XIRR, XNPV) or per-period rates (IRR, NPV) in
fractions of one. Present values are exact Decimals computed in the library's decimal
context. Rates of return are float64 solutions of the NPV equation, accurate to about
1e-12 relative in ``ln(1 + r)``, because they are measures and never amounts of money.

The time of each amount is the year fraction, under a named day count, from the earliest
date of its series: ``DayCount.ACT_365_FIXED`` (the default) gives the convention of
Excel's XIRR and of pyxirr.

Which root is returned, and when none exists, is documented in
:mod:`b2bcredit.terms.rootfind`: without a guess the smallest root at or above zero
(else the largest negative one); with a guess the root closest to it.

Example:
    >>> from datetime import date
    >>> dates = [date(2020, 1, 1), date(2020, 3, 1), date(2020, 10, 30), date(2021, 2, 15)]
    >>> round(xirr(dates, [-10000, 5750, 4250, 3250]), 10)
    0.6342972615
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt

from b2bcredit.core.daycount import DayCount, year_fraction
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import DECIMAL_CONTEXT, Money, to_decimal
from b2bcredit.terms.rootfind import FloatArray, NoRateError, solve_rate, solve_rates

__all__ = ["NoRateError", "irr", "npv", "xirr", "xirr_many", "xnpv"]

AmountLike = Money | Decimal | int | str


def _amount(value: object, field: str) -> Decimal:
    if isinstance(value, Money):
        return value.amount
    return to_decimal(value, field)


def _amounts_as_float(amounts: Sequence[AmountLike]) -> FloatArray:
    if isinstance(amounts, (str, bytes)) or not isinstance(amounts, Sequence):
        raise InvalidTypeError("amounts", amounts, "expected a sequence of amounts", "Pass a list.")
    # A list of plain ints becomes an int64 array in one C call. Anything else, a float
    # included, goes through Decimal, which rejects floats.
    fast = np.array(amounts) if amounts and type(amounts[0]) is int else None
    if fast is not None and fast.dtype == np.int64:
        return fast.astype(np.float64)
    currencies = {value.currency.code for value in amounts if isinstance(value, Money)}
    if len(currencies) > 1:
        raise InvalidInputError(
            "amounts", sorted(currencies), "the amounts are in more than one currency",
            "Convert them to one currency first.",
        )
    return np.array([float(_amount(value, "amounts")) for value in amounts], dtype=np.float64)


def _check_guess(guess: float | None) -> float | None:
    if guess is None:
        return None
    if isinstance(guess, bool) or not isinstance(guess, (int, float, Decimal)) or not float(guess) > -1:
        raise InvalidInputError("guess", guess, "the guess must be a rate above -1", "Pass a rate such as 0.1.")
    return float(guess)


def _times_from_days(days: npt.NDArray[np.int64], origin: npt.NDArray[np.datetime64],
                     dates: npt.NDArray[np.datetime64], day_count: DayCount) -> FloatArray:
    if day_count is DayCount.ACT_365_FIXED:
        return days / 365.0
    if day_count is DayCount.ACT_360:
        return days / 360.0
    if not isinstance(day_count, DayCount):
        raise InvalidTypeError(
            "day_count", day_count, "expected a DayCount member", "Pass DayCount.ACT_365_FIXED or another member."
        )
    # The other conventions depend on the calendar dates, so each distinct pair is
    # computed once with the exact day count and reused.
    starts = np.broadcast_to(origin, dates.shape).ravel()
    ends = dates.ravel()
    pairs = np.stack([starts.astype(np.int64), ends.astype(np.int64)], axis=1)
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    values = np.array([
        float(year_fraction(_to_date(start), _to_date(end), day_count)) for start, end in unique
    ])
    return values[inverse.ravel()].reshape(dates.shape)


def _to_date(days_since_epoch: np.int64) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + int(days_since_epoch))


def _times(dates: npt.NDArray[np.datetime64], day_count: DayCount) -> FloatArray:
    origin = dates.min(axis=1, keepdims=True)
    days = (dates - origin).astype(np.int64)
    return _times_from_days(days, origin, dates, day_count)


def _sorted_rows(amounts: FloatArray, times: FloatArray) -> tuple[FloatArray, FloatArray]:
    if times.shape[1] < 2 or bool((times[:, 1:] >= times[:, :-1]).all()):
        return amounts, times
    order = np.argsort(times, axis=1, kind="stable")
    return np.take_along_axis(amounts, order, axis=1), np.take_along_axis(times, order, axis=1)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _ordinals(dates: Sequence[date], field: str = "dates") -> list[int]:
    # A datetime is a date too, but a time of day has no place in a day count, so the
    # exact type is checked.
    ordinals = [value.toordinal() if type(value) is date else -1 for value in dates]
    if -1 not in ordinals:
        return ordinals
    for value in dates:
        if not isinstance(value, date) or hasattr(value, "hour"):
            raise InvalidTypeError(field, value, "expected datetime.date values", "Pass dates, not datetimes.")
    return [value.toordinal() for value in dates]


def _dates_array(dates: Sequence[date], field: str = "dates") -> npt.NDArray[np.datetime64]:
    # Ordinals convert much faster than date objects do.
    ordinals = np.array(_ordinals(dates, field), dtype=np.int64) - _EPOCH_ORDINAL
    return ordinals.astype("datetime64[D]")


def xirr(
    dates: Sequence[date],
    amounts: Sequence[AmountLike],
    *,
    day_count: DayCount = DayCount.ACT_365_FIXED,
    guess: float | None = None,
) -> float:
    """Return the annual rate at which the dated amounts have a net present value of zero.

    Solves ``sum_i a_i / (1 + r) ** t_i = 0`` with ``t_i`` the year fraction from the
    earliest date. Same dates may repeat; the order of the pairs does not matter.

    Raises:
        NoRateError: the amounts do not change sign, or no rate makes the NPV zero.
        InvalidInputError: the two sequences differ in length or hold fewer than two.
    """
    if len(dates) != len(amounts) or len(dates) < 2:
        raise InvalidInputError(
            "dates", len(dates), f"need two or more dates, one per amount ({len(amounts)} amounts)",
            "Pass as many dates as amounts.",
        )
    values = _amounts_as_float(amounts)
    ordinals = _ordinals(dates)
    if day_count is DayCount.ACT_365_FIXED:
        # The batch path's arithmetic on the same integers: days, then one division.
        times = (np.array(ordinals, dtype=np.int64) - min(ordinals)) / 365.0
    else:
        epoch_days = np.array(ordinals, dtype=np.int64) - _EPOCH_ORDINAL
        times = _times(epoch_days.astype("datetime64[D]")[None, :], day_count)[0]
    return _solve_one(values, times, _check_guess(guess), "amounts")


def _solve_one(values: FloatArray, times: FloatArray, guess: float | None, field: str) -> float:
    # One series, 1-D, sorted by time the way the batch path sorts a row.
    if times.size > 1 and not bool((times[1:] >= times[:-1]).all()):
        order = np.argsort(times, kind="stable")
        values, times = values[order], times[order]
    result = solve_rate(values, times, guess)
    if isinstance(result, str):
        raise NoRateError(field, result, "Check the signs and dates of the cash flows.")
    return result


def xirr_many(
    dates: npt.ArrayLike,
    amounts: npt.ArrayLike,
    *,
    day_count: DayCount = DayCount.ACT_365_FIXED,
    guess: float | None = None,
    on_no_rate: Literal["nan", "raise"] = "nan",
) -> FloatArray:
    """Return the XIRR of every row: one loan per row, vectorised with numpy.

    Args:
        dates: ``datetime64[D]`` values of shape (loans, flows), or one row of shape
            (flows,) shared by every loan.
        amounts: integer amounts (minor units, such as cents) of shape (loans, flows).
            A zero amount is a placeholder that pads a shorter loan.
        on_no_rate: ``"nan"`` puts NaN in the rows without a rate; ``"raise"`` raises
            :class:`NoRateError` naming the first such row.

    A row gives bit for bit the rate :func:`xirr` gives for the same dates and amounts.
    """
    values = np.asarray(amounts)
    if values.ndim != 2:
        raise InvalidInputError("amounts", values.shape, "expected a 2-D array (loans, flows)", "Reshape it.")
    if not np.issubdtype(values.dtype, np.integer):
        raise InvalidTypeError(
            "amounts", values.dtype, "amounts must be integers in minor units, never floats",
            "Convert to cents, for example with Money.minor_units, and pass an int64 array.",
        )
    when = np.asarray(dates).astype("datetime64[D]")
    if when.ndim == 1:
        when = np.broadcast_to(when, values.shape)
    if when.shape != values.shape:
        raise InvalidInputError(
            "dates", when.shape, f"the shape differs from the amounts' {values.shape}", "Pass one date per amount."
        )
    floats, times = _sorted_rows(values.astype(np.float64), _times(when, day_count))
    rates, reasons = solve_rates(floats, times, _check_guess(guess))
    if on_no_rate == "raise":
        failed = np.flatnonzero(reasons != "")
        if failed.size:
            row = int(failed[0])
            raise NoRateError(f"amounts[{row}]", str(reasons[row]), "Check the signs and dates of the cash flows.")
    elif on_no_rate != "nan":
        raise InvalidInputError("on_no_rate", on_no_rate, "unknown choice", "Pass 'nan' or 'raise'.")
    return rates


def irr(amounts: Sequence[AmountLike], *, guess: float | None = None) -> float:
    """Return the per-period rate at which amounts one period apart have an NPV of zero.

    The first amount is at time 0. Example: ``irr([-100, 39, 59, 55, 20])`` is about
    0.28095.
    """
    values = _amounts_as_float(amounts)
    if values.size < 2:
        raise InvalidInputError("amounts", len(values), "need two or more amounts", "Pass the whole series.")
    times = np.arange(values.size, dtype=np.float64)
    return _solve_one(values, times, _check_guess(guess), "amounts")


def npv(rate: Decimal | int | str, amounts: Sequence[AmountLike]) -> Decimal:
    """Return ``sum_k a_k / (1 + rate) ** k`` with the first amount at time 0, exactly.

    Uses integer powers in the library's 50-digit decimal context.
    """
    growth = _growth(rate)
    total = Decimal(0)
    for period, value in enumerate(amounts):
        discount = DECIMAL_CONTEXT.power(growth, -period)
        total = DECIMAL_CONTEXT.add(total, DECIMAL_CONTEXT.multiply(_amount(value, "amounts"), discount))
    return total


def xnpv(
    rate: Decimal | int | str,
    dates: Sequence[date],
    amounts: Sequence[AmountLike],
    *,
    day_count: DayCount = DayCount.ACT_365_FIXED,
) -> Decimal:
    """Return ``sum_i a_i / (1 + rate) ** t_i`` with ``t_i`` in years from the first date.

    The year fractions are exact (``fractions.Fraction``); the powers are computed to
    the library's 50 significant digits.
    """
    if len(dates) != len(amounts) or not dates:
        raise InvalidInputError(
            "dates", len(dates), f"need one date per amount ({len(amounts)} amounts)", "Pass as many dates as amounts."
        )
    _dates_array(dates)
    growth = _growth(rate)
    origin = min(dates)
    total = Decimal(0)
    for when, value in zip(dates, amounts, strict=True):
        fraction = year_fraction(origin, when, day_count)
        exponent = _fraction_to_decimal(-fraction)
        discount = DECIMAL_CONTEXT.power(growth, exponent)
        total = DECIMAL_CONTEXT.add(total, DECIMAL_CONTEXT.multiply(_amount(value, "amounts"), discount))
    return total


def _growth(rate: Decimal | int | str) -> Decimal:
    value = to_decimal(rate, "rate")
    if value <= -1:
        raise InvalidInputError("rate", rate, "a rate of -100 % or less has no present value", "Pass a rate above -1.")
    return DECIMAL_CONTEXT.add(Decimal(1), value)


def _fraction_to_decimal(value: Fraction) -> Decimal:
    return DECIMAL_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
