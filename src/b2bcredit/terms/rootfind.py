"""Deterministic root finding for internal rates of return, one series or many at once.

The unknown is the rate ``r`` in ``sum_i c_i (1 + r) ** -t_i = 0`` over ``r > -1``. The
solver works in ``x = ln(1 + r)``, where the rate's whole domain is the real line.

Which root is returned
    Without a guess: the smallest root at or above zero, or, when every root is
    negative, the largest (the one closest to zero). numpy-financial's irr prefers the
    lowest positive rate in the same way since its rework after version 1.0.0. The rule
    returns 1.00427, not -0.9998, for -1678.87, 771.96, 1814.05, 3520.30, 3552.95,
    3584.99, 4789.91, -1. With a guess: the root closest to the guess, a tie going to
    the higher rate.

    When the time-ordered amounts change sign once, there is exactly one root in
    (-1, inf), because Descartes' rule of signs holds for sums of exponentials. The
    solver finds it with a safeguarded Newton iteration started at the guess (0.1
    without one). It iterates on ``g(x) = sum_i c_i exp(-x (t_i - T))``, with ``T`` the
    time of the first amount after the sign change. That function is monotone in ``x``
    and has the same root, so a Newton step that leaves the bracket is replaced by a
    bisection step. When the
    amounts change sign several times, the solver scans a fixed grid of 2,001 points
    over the searchable range for sign changes, refines each with Brent's method, adds
    the point Newton reaches from the start (to catch a root where the NPV touches zero
    without changing sign), and applies the rule above to the candidates. Two roots
    closer together than one grid step (about 0.007 in ``x`` for short series) can be
    missed by the scan.

When there is no root
    Amounts that are all of one sign, or all zero, have no rate; a series with sign
    changes whose NPV never crosses zero inside the range has none either. Both raise
    :class:`NoRateError`, which names the series and what to check.

Searchable range
    ``|x| * (t_max - t_min) <= 700`` (so no ``exp`` overflows) and ``|x| <= 30``: for a
    series spanning ten periods that is rates from about -0.99909 to 1095.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

from b2bcredit.core.errors import B2BCreditError

__all__ = ["NoRateError", "select_root", "solve_rate", "solve_rates"]

FloatArray = npt.NDArray[np.float64]

_MAX_ABS_X: Final = 30.0
_MAX_EXPONENT: Final = 700.0
_TOLERANCE: Final = 1e-12
_MAX_ITERATIONS: Final = 200
_GRID_POINTS: Final = 2001
_DEFAULT_START: Final = 0.1


class NoRateError(B2BCreditError, ValueError):
    """A cash-flow series has no rate of return in the searchable range."""

    def __init__(self, field: str, reason: str, fix: str) -> None:
        self.field = field
        self.reason = reason
        self.fix = fix
        super().__init__(f"{field}: {reason}. {fix}")


def _limits(times: FloatArray) -> tuple[FloatArray, FloatArray]:
    span = times.max(axis=1) - times.min(axis=1)
    limit = np.minimum(_MAX_ABS_X, _MAX_EXPONENT / np.maximum(span, 1e-300))
    return -limit, limit


def _sign_changes(amounts: FloatArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Count sign changes per row (zeros skipped) and the column of the first change."""
    signs = np.sign(amounts)
    rows = np.arange(amounts.shape[0])[:, None]
    # Carry the last non-zero sign forward over zeros.
    last_nonzero = np.maximum.accumulate(np.where(signs != 0, np.arange(amounts.shape[1]), 0), axis=1)
    filled = signs[rows, last_nonzero]
    flips = (filled[:, 1:] != filled[:, :-1]) & (filled[:, :-1] != 0)
    changes = flips.sum(axis=1)
    first_change = np.where(changes > 0, np.argmax(flips, axis=1) + 1, -1)
    return changes.astype(np.int64), first_change.astype(np.int64)


def _sign_changes_row(amounts: FloatArray) -> tuple[int, int, bool]:
    """Count the sign changes of one row (zeros skipped), find the column of the first,
    and tell whether the first non-zero amount is positive."""
    columns = np.flatnonzero(amounts)
    positive = amounts[columns] > 0
    flips = np.flatnonzero(positive[1:] != positive[:-1])
    if flips.size == 0:
        return 0, -1, bool(positive[0]) if positive.size else False
    return int(flips.size), int(columns[flips[0] + 1]), bool(positive[0])


def select_root(rates: list[float], guess: float | None) -> float:
    """Pick one rate among several roots by the documented rule (see the module docs)."""
    if guess is not None:
        return min(rates, key=lambda rate: (abs(rate - guess), -rate))
    non_negative = [rate for rate in rates if rate >= 0]
    return min(non_negative) if non_negative else max(rates)


def solve_rates(
    amounts: FloatArray, times: FloatArray, guess: float | None = None
) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    """Solve every row of ``amounts`` at ``times`` for its rate; rows sorted by time.

    Returns the rates (NaN where a row has none) and, per row, an empty string or the
    reason it has no rate. :func:`solve_rate` runs the same floating-point operations in
    the same order for one row as this function does for that row inside a batch (a
    converged row stops moving while the others go on), so both give the same rate.
    """
    rows = amounts.shape[0]
    _check_guess(guess)
    rates = np.full(rows, np.nan)
    reasons = np.full(rows, "", dtype=object)
    changes, first_change = _sign_changes(amounts)
    reasons[changes == 0] = _ONE_SIGN

    single = np.flatnonzero(changes == 1)
    if single.size:
        start = np.full(single.size, math.log1p(_DEFAULT_START if guess is None else guess))
        solved, ok = _newton_monotone(amounts[single], times[single], first_change[single], start)
        rates[single] = np.where(ok, solved, np.nan)
        reasons[single[~ok]] = _NO_ZERO

    for row in np.flatnonzero(changes > 1):
        rate = _solve_by_scan(amounts[row], times[row], guess)
        if rate is None:
            reasons[row] = _NO_ZERO
        else:
            rates[row] = rate
    return rates, reasons.astype(str)


def solve_rate(amounts: FloatArray, times: FloatArray, guess: float | None = None) -> float | str:
    """Solve one series (1-D, sorted by time); return its rate or the reason it has none."""
    _check_guess(guess)
    changes, first_change, first_positive = _sign_changes_row(amounts)
    if changes == 0:
        return _ONE_SIGN
    if changes == 1:
        start = math.log1p(_DEFAULT_START if guess is None else guess)
        rate = _newton_monotone_row(amounts, times, first_change, first_positive, start)
    else:
        rate = _solve_by_scan(amounts, times, guess)
    return _NO_ZERO if rate is None else rate


def _check_guess(guess: float | None) -> None:
    if guess is not None and not -1.0 < guess < math.inf:
        raise NoRateError("guess", f"the guess must be above -1, got {guess!r}", "Pass a rate such as 0.1.")


_NO_ZERO: Final = "the NPV has no zero in the searchable range of rates"
_ONE_SIGN: Final = "the amounts need at least one positive and one negative value"


def _newton_monotone(
    amounts: FloatArray, times: FloatArray, first_change: npt.NDArray[np.int64], start: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    # Shift times so the sign change sits at 0: g(x) = sum c exp(x s) with s = T - t is
    # then monotone in x, increasing when the amounts before the change are positive.
    rows = np.arange(amounts.shape[0])
    shift = times[rows, first_change][:, None] - times
    # Amounts and slope weights side by side, so one product and one sum give g and g'.
    weights = np.stack([amounts, amounts * shift], axis=1)
    increasing = amounts[rows, np.argmax(amounts != 0, axis=1)] > 0
    edge_low, edge_high = _limits(times)
    low, high = edge_low.copy(), edge_high.copy()

    x = np.minimum(np.maximum(start, low), high)
    done = np.zeros(amounts.shape[0], dtype=bool)
    active = np.arange(amounts.shape[0])
    # The rows still iterating, compacted only when some settle: indexing the full arrays
    # on every iteration copied them whole. Each row's arithmetic is the same whatever
    # the other rows do.
    xs, lo, hi = x.copy(), low, high
    row_shift, row_weights, row_increasing = shift, weights, increasing
    row_edge_low, row_edge_high = edge_low, edge_high
    # Scratch space reused by every iteration; fresh arrays of this size each time cost
    # more in page faults than the arithmetic.
    factor_buffer = np.empty_like(shift)
    product_buffer = np.empty_like(weights)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(_MAX_ITERATIONS):
            rows = xs.shape[0]
            factors = np.multiply(xs[:, None], row_shift, out=factor_buffer[:rows])
            np.exp(factors, out=factors)
            products = np.multiply(row_weights, factors[:, None, :], out=product_buffer[:rows])
            value, slope = products.sum(axis=2).T

            # Keep the bracket: the root lies where g changes sign.
            root_above = (value < 0) == row_increasing
            lo = np.where(root_above, xs, lo)
            hi = np.where(root_above, hi, xs)

            candidate = xs - value / slope
            inside = (candidate >= lo) & (candidate <= hi)  # False for NaN and inf
            candidate = np.where(inside, candidate, _fallback(xs, lo, hi, row_edge_low, row_edge_high))
            settled = (value == 0) | (np.abs(candidate - xs) <= _TOLERANCE * (1.0 + np.abs(xs)))
            xs = np.where(value == 0, xs, candidate)
            x[active] = xs
            done[active[settled]] = True
            if settled.all():
                break
            if settled.any():
                keep = ~settled
                active, xs, lo, hi = active[keep], xs[keep], lo[keep], hi[keep]
                row_shift, row_weights, row_increasing = row_shift[keep], row_weights[keep], row_increasing[keep]
                row_edge_low, row_edge_high = row_edge_low[keep], row_edge_high[keep]

    # A row that converged onto the edge of the range has no root inside it.
    ok = done & (x > edge_low + 1e-9) & (x < edge_high - 1e-9)
    return np.expm1(x), ok


def _fallback(x: FloatArray, low: FloatArray, high: FloatArray, edge_low: FloatArray,
              edge_high: FloatArray) -> FloatArray:
    # Bisection, except that the step is at most 1 in x (a factor e in 1 + r) while one
    # side of the bracket is still the edge of the range. The root is usually far from
    # the edge, so halving a bracket of width 60 would waste iterations.
    middle = 0.5 * (low + high)
    middle = np.where(high == edge_high, np.minimum(middle, x + 1.0), middle)
    return np.where(low == edge_low, np.maximum(middle, x - 1.0), middle)


def _fallback_row(x: float, low: float, high: float, edge_low: float, edge_high: float) -> float:
    middle = 0.5 * (low + high)
    if high == edge_high:
        middle = min(middle, x + 1.0)
    if low == edge_low:
        middle = max(middle, x - 1.0)
    return middle


def _newton_monotone_row(
    amounts: FloatArray, times: FloatArray, first_change: int, increasing: bool, start: float
) -> float | None:
    # The one-row form of _newton_monotone: the same operations on floats, in the same
    # order, with numpy only for the vector parts.
    # ``start`` is ln(1 + r) of the first rate tried; ``increasing`` is whether the first
    # non-zero amount is positive.
    # TODO: one 100-flow XIRR takes 9 to 12 times pyxirr's time (bench/bench_terms.py).
    # Nearly all of it is numpy call overhead, so a compiled kernel sharing this arithmetic
    # would fix it.
    shift = times[first_change] - times
    weights = np.stack([amounts, amounts * shift])
    span = float(times[-1] - times[0])
    edge_high = float(min(_MAX_ABS_X, _MAX_EXPONENT / max(span, 1e-300)))
    edge_low = -edge_high
    low, high = edge_low, edge_high

    x = min(max(start, low), high)
    done = False
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(_MAX_ITERATIONS):
            value, slope = (weights * np.exp(x * shift)).sum(axis=1).tolist()

            if (value < 0) == increasing:
                low = x
            else:
                high = x

            candidate = x - value / slope if slope != 0 else math.nan
            if not low <= candidate <= high:
                candidate = _fallback_row(x, low, high, edge_low, edge_high)
            settled = value == 0 or abs(candidate - x) <= _TOLERANCE * (1.0 + abs(x))
            if value != 0:
                x = candidate
            if settled:
                done = True
                break
    if not (done and edge_low + 1e-9 < x < edge_high - 1e-9):
        return None
    return float(np.expm1(x))


def _scaled_npv(amounts: FloatArray, times: FloatArray) -> Callable[[float], float]:
    # NPV times a positive factor that keeps every exponent at or below zero; the
    # factor does not move the roots.
    t_min, t_max = float(times.min()), float(times.max())

    def value(x: float) -> float:
        reference = t_max if x < 0 else t_min
        return float(np.dot(amounts, np.exp(-x * (times - reference))))

    return value


def _solve_by_scan(amounts: FloatArray, times: FloatArray, guess: float | None) -> float | None:
    low, high = (float(v[0]) for v in _limits(times[None, :]))
    function = _scaled_npv(amounts, times)
    grid = np.linspace(low, high, _GRID_POINTS)
    negative_side = grid < 0
    exponents = np.where(
        negative_side[:, None],
        -grid[:, None] * (times[None, :] - times.max()),
        -grid[:, None] * (times[None, :] - times.min()),
    )
    values = np.exp(exponents) @ amounts

    candidates: list[float] = [float(grid[i]) for i in np.flatnonzero(values == 0)]
    for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
        candidates.append(float(brentq(function, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15, maxiter=200)))
    start = _DEFAULT_START if guess is None else guess
    newton = _plain_newton(amounts, times, math.log1p(start), low, high)
    if newton is not None:
        candidates.append(newton)
    if not candidates:
        return None
    return select_root([math.expm1(x) for x in candidates], guess)


def _plain_newton(amounts: FloatArray, times: FloatArray, x: float, low: float, high: float) -> float | None:
    # Undamped Newton from the start; accepted only if it converges inside the range
    # onto a point where the NPV is zero to rounding.
    scale = float(np.abs(amounts).sum())
    for _ in range(100):
        factors = np.exp(-x * (times - times.min()))
        value = float(np.dot(amounts, factors))
        slope = -float(np.dot(amounts * (times - times.min()), factors))
        if slope == 0 or not math.isfinite(value):
            return None
        step = value / slope
        x -= step
        if not low < x < high:
            return None
        if abs(step) <= _TOLERANCE * (1.0 + abs(x)):
            factors = np.exp(-x * (times - times.min()))
            residual = abs(float(np.dot(amounts, factors)))
            magnitude = float(np.dot(np.abs(amounts), factors))
            return x if residual <= 1e-9 * max(magnitude, scale * 1e-300) else None
    return None
