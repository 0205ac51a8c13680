"""Fixtures for the segments tests: Online Retail loaded once, and small CSV builders."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from b2bcredit.segments.summary import CustomerSummary, summarise_customers
from b2bcredit.segments.transactions import (
    ColumnMap,
    TransactionTable,
    parse_transactions,
    read_transactions,
)

ONLINE_RETAIL = "online_retail/online_retail.csv.gz"
HEADER = ("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
          "CustomerID", "Country")


@pytest.fixture(scope="session")
def online_retail_path(data_file: Callable[[str], Path]) -> Path:
    """The Online Retail file (skips when absent, fails under CI)."""
    return data_file(ONLINE_RETAIL)


@pytest.fixture(scope="session")
def online_retail(online_retail_path: Path) -> TransactionTable:
    """Online Retail read in the seller's zone, prices in GBP."""
    return read_transactions(online_retail_path, currency="GBP", zone="Europe/London")


@pytest.fixture(scope="session")
def online_retail_summary(online_retail: TransactionTable) -> CustomerSummary:
    """The customer summary of all of Online Retail."""
    return summarise_customers(online_retail)


def table_from_rows(
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    zone: str = "Europe/London",
    currency: str = "GBP",
    columns: ColumnMap | None = None,
) -> TransactionTable:
    """Parse rows written through the csv module, as a file would be read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    buffer.seek(0)
    return parse_transactions(csv.reader(buffer), currency=currency, zone=zone, columns=columns)


def line(
    invoice: str = "1000",
    product: str = "P1",
    quantity: str = "1",
    timestamp: str = "2024-01-10 10:00:00",
    price: str = "1.00",
    customer: str = "100.0",
    country: str = "United Kingdom",
    description: str = "WHITE MUG",
) -> tuple[str, ...]:
    """One order line in Online Retail's column order."""
    return (invoice, product, description, quantity, timestamp, price, customer, country)
