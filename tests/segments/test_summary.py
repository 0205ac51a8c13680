"""The customer summary: frequency, recency, T and spend, against independent counts."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from b2bcredit.core.money import Money, Rounding
from b2bcredit.segments.summary import CustomerSummary, summarise_customers
from tests.segments.conftest import line, table_from_rows


def test_same_day_purchases_count_once() -> None:
    table = table_from_rows([
        line(invoice="1", timestamp="2024-01-01 09:00:00", price="10.00"),
        line(invoice="2", timestamp="2024-01-01 17:00:00", price="5.00"),
        line(invoice="3", timestamp="2024-01-04 09:00:00", price="7.00"),
        line(invoice="4", timestamp="2024-01-11 09:00:00", price="3.00", customer="200"),
    ])
    summary = summarise_customers(table)
    assert summary.customer_ids == ("100", "200")
    assert summary.frequency.tolist() == [1, 0]
    assert summary.recency.tolist() == [3.0, 0.0]
    assert summary.T.tolist() == [10.0, 0.0]
    assert summary.monetary_value.tolist() == [7.0, 0.0]
    assert summary.invoices.tolist() == [3, 1]
    assert summary.revenue_money(0) == Money("22.00", "GBP")


def test_returns_are_kept_apart_from_revenue() -> None:
    table = table_from_rows([
        line(invoice="1", quantity="10", price="2.00"),
        line(invoice="C2", quantity="-3", price="2.00", timestamp="2024-01-12 10:00:00"),
        line(invoice="3", quantity="-1", price="2.00", timestamp="2024-01-13 10:00:00"),
    ])
    summary = summarise_customers(table)
    assert summary.revenue_money(0) == Money("20.00", "GBP")
    assert summary.returns.tolist() == [-80_000]
    assert summary.frequency.tolist() == [0]


def test_customer_without_sales_is_counted() -> None:
    table = table_from_rows([line(), line(customer="300", quantity="-1")])
    summary = summarise_customers(table)
    assert summary.customer_ids == ("100",)
    assert summary.customers_without_sales == 1


def test_total_revenue_is_exact() -> None:
    rows = [line(invoice=str(index), price="0.10", quantity="3") for index in range(10)]
    summary = summarise_customers(table_from_rows(rows))
    assert summary.total_revenue() == Money("3.00", "GBP")


def _independent_summary(path: Path) -> dict[str, tuple[int, int, int, Decimal, Decimal]]:
    """Compute the summary with csv and Decimal only, from the raw file."""
    days: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    last = dt.date.min
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            customer = row["CustomerID"].strip()
            quantity = int(row["Quantity"])
            price = Decimal(row["UnitPrice"])
            if not customer or row["InvoiceNo"].startswith("C") or quantity <= 0 or price <= 0:
                continue
            day = dt.date.fromisoformat(row["InvoiceDate"][:10])
            days[customer.removesuffix(".0")][day] += quantity * price
            last = max(last, day)
    result = {}
    for customer, spend in days.items():
        ordered = sorted(spend)
        repeat = [spend[day] for day in ordered[1:]]
        mean = sum(repeat, Decimal(0)) / len(repeat) if repeat else Decimal(0)
        result[customer] = (len(ordered) - 1, (ordered[-1] - ordered[0]).days,
                            (last - ordered[0]).days, mean, sum(spend.values(), Decimal(0)))
    return result


@pytest.mark.realdata
def test_online_retail_summary_matches_independent_computation(
    online_retail_path: Path, online_retail_summary: CustomerSummary
) -> None:
    expected = _independent_summary(online_retail_path)
    summary = online_retail_summary
    assert set(summary.customer_ids) == set(expected)
    for index, customer in enumerate(summary.customer_ids):
        frequency, recency, age, mean, revenue = expected[customer]
        assert summary.frequency[index] == frequency, customer
        assert summary.recency[index] == recency, customer
        assert summary.T[index] == age, customer
        assert summary.monetary_value[index] == pytest.approx(float(mean), rel=1e-12), customer
        assert summary.revenue[index] == int(revenue.scaleb(4)), customer
        assert summary.revenue_money(index) == Money(revenue, "GBP",
                                                     rounding=Rounding.HALF_EVEN), customer


@pytest.mark.realdata
def test_online_retail_summary_shape(online_retail_summary: CustomerSummary) -> None:
    # 4,372 customer ids; 34 of them have no sale (only cancellations or returns).
    assert len(online_retail_summary) == 4_338
    assert online_retail_summary.customers_without_sales == 34
    assert np.all(online_retail_summary.recency <= online_retail_summary.T)
