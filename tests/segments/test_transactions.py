"""Reading order lines: classification, the cleaning report and bad input."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.segments.summary import summarise_customers
from b2bcredit.segments.transactions import (
    ColumnMap,
    LineStatus,
    TransactionTable,
    normalise_customer_id,
    read_transactions,
)
from tests.segments.conftest import HEADER, line, table_from_rows


def test_missing_column_is_named() -> None:
    header = tuple(name for name in HEADER if name != "UnitPrice")
    with pytest.raises(InvalidInputError, match="missing required column 'UnitPrice'"):
        table_from_rows([], header=header)


def test_several_missing_columns_are_all_named() -> None:
    header = ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate")
    with pytest.raises(InvalidInputError) as caught:
        table_from_rows([], header=header)
    assert "'UnitPrice'" in str(caught.value)
    assert "'CustomerID'" in str(caught.value)


def test_negative_quantity_is_a_return() -> None:
    table = table_from_rows([line(quantity="6"), line(invoice="1001", quantity="-2")])
    assert table.status.tolist() == [LineStatus.SALE, LineStatus.RETURN]
    assert table.report.counts[LineStatus.RETURN] == 1
    assert table.report.amounts[LineStatus.RETURN] == Money("-2.00", "GBP")


def test_return_is_not_summed_as_sales() -> None:
    table = table_from_rows([line(quantity="6"), line(invoice="1001", quantity="-2")])
    assert table.report.amounts[LineStatus.SALE] == Money("6.00", "GBP")


def test_cancellation_wins_over_return() -> None:
    table = table_from_rows([line(invoice="C1000", quantity="-1")])
    assert table.status.tolist() == [LineStatus.CANCELLATION]


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"price": "-11062.06", "invoice": "A563186", "customer": ""}, LineStatus.ADJUSTMENT),
        ({"price": "0"}, LineStatus.ZERO_PRICE),
        ({"quantity": "0"}, LineStatus.ZERO_QUANTITY),
        ({"customer": ""}, LineStatus.SALE_WITHOUT_CUSTOMER),
        ({}, LineStatus.SALE),
    ],
)
def test_line_status(overrides: dict[str, str], status: LineStatus) -> None:
    table = table_from_rows([line(**overrides)])
    assert table.status.tolist() == [status]


def test_report_accounts_for_every_line() -> None:
    rows = [line(), line(quantity="-1"), line(price="0"), line(customer=""),
            line(invoice="C9", quantity="-1")]
    report = table_from_rows(rows).report
    assert sum(report.counts.values()) == report.lines_read == 5
    assert report.lines_excluded() == 4
    assert report.lines_without_customer == 1


def test_unknown_country_is_reported_not_guessed() -> None:
    table = table_from_rows([line(country="Channel Islands"), line(country="Atlantis"),
                             line(country="EIRE")])
    assert dict(table.report.unknown_countries) == {"Channel Islands": 1, "Atlantis": 1}
    resolved = dict(zip(table.country_names, table.countries, strict=True))
    assert resolved["Channel Islands"] is None
    assert resolved["EIRE"] is not None
    assert resolved["EIRE"].code == "IE"


def test_customer_ids_are_normalised_and_sorted() -> None:
    table = table_from_rows([line(customer="17850.0"), line(customer="9.0"),
                             line(customer="ABC")])
    assert table.customer_ids == ("9", "17850", "ABC")
    assert table.customer.tolist() == [1, 0, 2]


def test_normalise_customer_id_keeps_other_text() -> None:
    assert normalise_customer_id(" 12346.0 ") == "12346"
    assert normalise_customer_id("12346.5") == "12346.5"
    assert normalise_customer_id("A.0") == "A.0"


def test_three_decimal_price_is_exact() -> None:
    table = table_from_rows([line(price="0.001", quantity="1000")])
    assert table.line_value().tolist() == [10_000]
    assert table.report.amounts[LineStatus.SALE] == Money("1.00", "GBP")


def test_price_with_five_decimals_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="line 2, column UnitPrice"):
        table_from_rows([line(price="0.00001")])


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"quantity": "1.5"}, "Quantity"),
        ({"price": "abc"}, "UnitPrice"),
        ({"timestamp": "yesterday"}, "InvoiceDate"),
    ],
)
def test_unreadable_field_names_line_and_column(overrides: dict[str, str], column: str) -> None:
    with pytest.raises(InvalidInputError, match=f"line 3, column {column}"):
        table_from_rows([line(), line(**overrides)])


def test_short_row_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="line 2"):
        table_from_rows([("1000", "P1")])


def test_unknown_zone_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="zone"):
        table_from_rows([line()], zone="Mars/Olympus")


def test_naive_time_is_read_in_tenant_zone() -> None:
    table = table_from_rows([line(timestamp="2024-07-01 00:30:00")], zone="America/New_York")
    # 00:30 in New York in July is 04:30 UTC.
    assert table.instant.tolist() == [1719808200]
    assert table.local_day.tolist() == [19905]


def test_aware_time_keeps_its_offset() -> None:
    table = table_from_rows([line(timestamp="2024-07-01T03:30:00+00:00")],
                            zone="America/New_York")
    # 03:30 UTC is 23:30 on 30 June in New York: the tenant's day, not UTC's.
    assert table.local_day.tolist() == [19904]


def test_column_map_renames_columns() -> None:
    header = ("inv", "sku", "qty", "at", "price", "buyer")
    columns = ColumnMap(invoice="inv", product="sku", quantity="qty", timestamp="at",
                        unit_price="price", customer="buyer", description=None, country=None)
    table = table_from_rows([("1", "A", "2", "2024-01-01 09:00:00", "3.50", "7")],
                            header=header, currency="EUR", columns=columns)
    assert table.customer_ids == ("7",)
    assert table.report.amounts[LineStatus.SALE] == Money("7.00", "EUR")


def test_read_plain_and_gzip_files_agree(tmp_path: Path) -> None:
    text = ",".join(HEADER) + "\n" + ",".join(line()) + "\n" + ",".join(line(quantity="-1"))
    plain = tmp_path / "lines.csv"
    plain.write_text(text + "\n", encoding="utf-8")
    packed = tmp_path / "lines.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    seen: list[int] = []
    first = read_transactions(plain, currency="GBP", zone="Europe/London")
    second = read_transactions(packed, currency="GBP", zone="Europe/London",
                               progress=seen.append)
    assert first.status.tolist() == second.status.tolist()
    assert sum(seen) == packed.stat().st_size


@pytest.mark.realdata
def test_online_retail_report_matches_published_counts(online_retail: TransactionTable) -> None:
    # Published with the data set (UCI id 352): 541,909 lines, 25,900 invoices, 4,372
    # customers, 135,080 lines without CustomerID, 9,288 cancellation lines.
    report = online_retail.report
    assert report.lines_read == 541_909
    assert report.invoices == 25_900
    assert report.customers == 4_372
    assert report.lines_without_customer == 135_080
    assert report.counts[LineStatus.CANCELLATION] == 9_288
    assert sum(report.counts.values()) == report.lines_read


@pytest.mark.realdata
def test_online_retail_unknown_countries(online_retail: TransactionTable) -> None:
    assert set(online_retail.report.unknown_countries) == {
        "Channel Islands", "European Community", "Unspecified"}


@pytest.mark.realdata
def test_online_retail_sales_are_positive(online_retail: TransactionTable) -> None:
    sales = online_retail.sales_mask()
    assert np.all(online_retail.quantity[sales] > 0)
    assert np.all(online_retail.price[sales] > 0)
    assert np.all(online_retail.customer[sales] >= 0)


_line_strategy = st.tuples(
    st.sampled_from(["1000", "1001", "C1002", "A1003"]),
    st.integers(-5, 12),
    st.sampled_from(["0", "0.001", "1.25", "2.55", "-3.00", "10"]),
    st.sampled_from(["", "100.0", "200.0", "300"]),
    st.integers(1, 28),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_line_strategy, min_size=1, max_size=40))
def test_every_line_and_penny_is_accounted_for(
    drawn: list[tuple[str, int, str, str, int]],
) -> None:
    rows = [line(invoice=invoice, quantity=str(quantity), price=price, customer=customer,
                 timestamp=f"2024-02-{day:02d} 10:00:00")
            for invoice, quantity, price, customer, day in drawn]
    table = table_from_rows(rows)
    report = table.report
    assert sum(report.counts.values()) == report.lines_read == len(rows)
    exact_total = sum(Decimal(quantity) * Decimal(price) for _, quantity, price, _, _ in drawn)
    assert int(table.line_value().sum()) == int(exact_total.scaleb(4))
    # Each status's amount is rounded once, so their sum is within half a penny per status.
    rounded_total = Money(exact_total, "GBP", rounding=Rounding.HALF_EVEN)
    difference = Money.sum(report.amounts.values(), "GBP") - rounded_total
    assert abs(difference.amount) <= Decimal("0.005") * len(LineStatus)
    if report.counts[LineStatus.SALE]:
        summary = summarise_customers(table)
        assert summary.total_revenue() == report.amounts[LineStatus.SALE]


def test_blank_lines_keep_line_numbers_right(tmp_path: Path) -> None:
    text = "\n".join([",".join(HEADER), ",".join(line()), "", ",".join(line(quantity="x"))])
    path = tmp_path / "lines.csv"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="line 4, column Quantity"):
        read_transactions(path, currency="GBP", zone="Europe/London")


def test_header_only_file_gives_empty_table() -> None:
    table = table_from_rows([])
    assert len(table) == 0
    assert table.report.lines_read == 0
    assert table.customer_ids == ()
