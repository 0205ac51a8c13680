"""Evaluation windows: half-open days in the tenant's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.summary import summarise_customers
from b2bcredit.segments.windows import EvaluationWindow
from tests.segments.conftest import line, table_from_rows

JANUARY = EvaluationWindow(dt.date(2024, 1, 1), dt.date(2024, 2, 1), "America/New_York")


def test_purchase_at_2359_on_last_day_counts() -> None:
    table = table_from_rows([
        line(invoice="1", timestamp="2024-01-15 10:00:00"),
        line(invoice="2", timestamp="2024-01-31 23:59:00", price="5.00"),
    ], zone="America/New_York")
    summary = summarise_customers(table, JANUARY)
    assert summary.invoices.tolist() == [2]
    assert summary.frequency.tolist() == [1]


def test_purchase_at_midnight_next_day_does_not_count() -> None:
    table = table_from_rows([
        line(invoice="1", timestamp="2024-01-15 10:00:00"),
        line(invoice="2", timestamp="2024-02-01 00:00:00", price="5.00"),
    ], zone="America/New_York")
    summary = summarise_customers(table, JANUARY)
    assert summary.invoices.tolist() == [1]
    assert summary.frequency.tolist() == [0]


def test_purchase_at_midnight_on_first_day_counts() -> None:
    table = table_from_rows([line(timestamp="2024-01-01 00:00:00")], zone="America/New_York")
    assert summarise_customers(table, JANUARY).invoices.tolist() == [1]


def test_edge_is_the_tenants_midnight_not_utc() -> None:
    # 2024-02-01 03:00 UTC is still 31 January, 22:00, in New York.
    table = table_from_rows([line(timestamp="2024-02-01T03:00:00+00:00")],
                            zone="America/New_York")
    assert summarise_customers(table, JANUARY).invoices.tolist() == [1]


def test_t_ends_on_last_window_day() -> None:
    table = table_from_rows([line(timestamp="2024-01-21 10:00:00")], zone="America/New_York")
    assert summarise_customers(table, JANUARY).T.tolist() == [10.0]


def test_contains_edges() -> None:
    zone = ZoneInfo("America/New_York")
    assert JANUARY.contains(dt.datetime(2024, 1, 31, 23, 59, 59, tzinfo=zone))
    assert not JANUARY.contains(dt.datetime(2024, 2, 1, 0, 0, tzinfo=zone))
    assert JANUARY.contains(dt.datetime(2024, 1, 1, 0, 0, tzinfo=zone))


def test_window_across_daylight_saving_change() -> None:
    march = EvaluationWindow(dt.date(2024, 3, 1), dt.date(2024, 4, 1), "Europe/London")
    start, end = march.bounds_in_seconds()
    # March 2024 in London lost an hour on the 31st: 31 days less one hour.
    assert end - start == 31 * 86_400 - 3_600


def test_naive_instant_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="instant"):
        JANUARY.contains(dt.datetime(2024, 1, 2))


def test_empty_window_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="end"):
        EvaluationWindow(dt.date(2024, 1, 1), dt.date(2024, 1, 1), "UTC")


def test_unknown_zone_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="zone"):
        EvaluationWindow(dt.date(2024, 1, 1), dt.date(2024, 2, 1), "Nowhere/City")


def test_window_in_other_zone_than_table_is_rejected() -> None:
    table = table_from_rows([line()], zone="Europe/London")
    with pytest.raises(InvalidInputError, match="zone"):
        summarise_customers(table, JANUARY)


def test_window_without_sales_is_rejected() -> None:
    table = table_from_rows([line(timestamp="2023-06-01 10:00:00")], zone="America/New_York")
    with pytest.raises(InvalidInputError, match="no sales"):
        summarise_customers(table, JANUARY)
