"""Calibration and hold-out split by date."""

from __future__ import annotations

import datetime as dt

import pytest

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.holdout import calibration_holdout
from b2bcredit.segments.transactions import TransactionTable
from b2bcredit.segments.windows import EvaluationWindow
from tests.segments.conftest import line, table_from_rows

ZONE = "Europe/London"
CALIBRATION = EvaluationWindow(dt.date(2010, 12, 1), dt.date(2011, 9, 1), ZONE)
HOLDOUT = EvaluationWindow(dt.date(2011, 9, 1), dt.date(2011, 12, 10), ZONE)


@pytest.mark.realdata
def test_online_retail_holdout(online_retail: TransactionTable) -> None:
    report = calibration_holdout(online_retail, CALIBRATION, HOLDOUT)
    assert report.customers == 3_317
    assert sum(group.customers for group in report.groups) == report.customers
    # Autumn is this wholesaler's peak season, which a stationary model cannot know:
    # it predicts fewer purchases than happen, but within 35% in total.
    assert report.total_actual > report.total_predicted > 0.65 * report.total_actual
    means = [group.mean_predicted for group in report.groups]
    assert means == sorted(means)


def test_holdout_must_follow_calibration() -> None:
    table = table_from_rows([line(timestamp="2011-01-05 10:00:00")])
    gap = EvaluationWindow(dt.date(2011, 9, 2), dt.date(2011, 12, 10), ZONE)
    with pytest.raises(InvalidInputError, match="holdout"):
        calibration_holdout(table, CALIBRATION, gap)
