"""Calibration and hold-out check of the BG/NBD model, split by date.

The model is fitted on the calibration window; for each of its customers the expected
number of purchase days in the hold-out window is set beside the number that happened.
Customers whose first purchase falls in the hold-out window are not part of the check.
"""

from __future__ import annotations

from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.clv import BetaGeoFit, expected_purchases, fit_bgnbd
from b2bcredit.segments.summary import summarise_customers
from b2bcredit.segments.transactions import TransactionTable
from b2bcredit.segments.windows import EvaluationWindow

__all__ = ["FrequencyGroup", "HoldoutReport", "calibration_holdout"]

# Calibration frequencies from 0 to this value get a group each; higher ones share one.
_LAST_SINGLE_GROUP: Final = 6


@attrs.frozen(slots=True)
class FrequencyGroup:
    """Customers with one calibration frequency (the last group: that many or more)."""

    frequency: int
    or_more: bool
    customers: int
    mean_predicted: float
    mean_actual: float


@attrs.frozen(slots=True, eq=False)
class HoldoutReport:
    """Predicted against actual purchase days in the hold-out window."""

    calibration: EvaluationWindow
    holdout: EvaluationWindow
    fit: BetaGeoFit
    customers: int
    predicted: npt.NDArray[np.float64]
    actual: npt.NDArray[np.int64]
    groups: tuple[FrequencyGroup, ...]

    @property
    def total_predicted(self) -> float:
        """The expected purchase days of all customers in the hold-out window."""
        return float(self.predicted.sum())

    @property
    def total_actual(self) -> int:
        """The purchase days that happened in the hold-out window."""
        return int(self.actual.sum())

    @property
    def mean_absolute_error(self) -> float:
        """The mean absolute difference per customer."""
        return float(np.mean(np.abs(self.predicted - self.actual)))


def calibration_holdout(
    table: TransactionTable, calibration: EvaluationWindow, holdout: EvaluationWindow
) -> HoldoutReport:
    """Fit on ``calibration`` and compare predictions with ``holdout``.

    Raises:
        InvalidInputError: the hold-out window does not start where calibration ends.
    """
    if holdout.start != calibration.end or holdout.zone != calibration.zone:
        raise InvalidInputError(
            "holdout", str(holdout), f"must start where calibration ends ({calibration.end}), "
            f"in zone {calibration.zone}", "Split one period at a date into two windows.",
        )
    summary = summarise_customers(table, calibration)
    fit = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    predicted = expected_purchases(fit.params, float(holdout.days()), summary.frequency,
                                   summary.recency, summary.T)

    # Purchase days per calibration customer inside the hold-out window.
    start, end = holdout.bounds_in_seconds()
    lines = np.flatnonzero(table.sales_mask() & (table.instant >= start) & (table.instant < end))
    row_of_customer = np.full(len(table.customer_ids), -1, dtype=np.int64)
    row_of_customer[summary.table_index] = np.arange(len(summary))
    rows = row_of_customer[table.customer[lines]]
    known = rows >= 0
    days = table.local_day[lines][known]
    first = int(days.min()) if days.size else 0
    span = (int(days.max()) - first + 1) if days.size else 1
    pairs = np.unique(rows[known] * span + (days - first))
    actual = np.bincount(pairs // span, minlength=len(summary)).astype(np.int64)

    groups = []
    capped = np.minimum(summary.frequency, _LAST_SINGLE_GROUP)
    for frequency in range(_LAST_SINGLE_GROUP + 1):
        members = capped == frequency
        if not np.any(members):
            continue
        groups.append(FrequencyGroup(
            frequency=frequency,
            or_more=frequency == _LAST_SINGLE_GROUP,
            customers=int(members.sum()),
            mean_predicted=float(predicted[members].mean()),
            mean_actual=float(actual[members].mean()),
        ))
    return HoldoutReport(calibration, holdout, fit, len(summary), predicted, actual,
                         tuple(groups))
