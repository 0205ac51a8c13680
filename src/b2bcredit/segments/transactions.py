"""Order lines: reading, classifying and the cleaning report.

Every line of a transaction file gets exactly one :class:`LineStatus`. Only
:attr:`LineStatus.SALE` lines (a known customer, a positive quantity, a positive price, an
ordinary invoice) feed the purchase models. Cancellations, returns, price adjustments,
free lines and sales without a customer stay in the table with their status. The
:class:`CleaningReport` counts them and sums their value, so nothing is dropped silently
and nothing but sales is summed as sales.

Amounts are exact: a unit price is stored as an integer number of ten-thousandths of the
currency unit (:data:`PRICE_SCALE`), so a line's value ``quantity × price`` is an exact
integer and sums never round. A price with more than four decimal places is rejected.

Times: a timestamp without an offset is read in the tenant's time zone; one with an offset
keeps it. ``local_day`` is the calendar day in the tenant's zone, so "end of day" is the
tenant's midnight. A naive time that a daylight-saving change makes ambiguous takes the
first occurrence (``fold=0``), and one that does not exist is read with the offset before
the change, as :mod:`zoneinfo` does.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import gzip
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Final, cast
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.currency import get_currency
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money, Rounding
from b2bcredit.segments.countries import Country, lookup_country

__all__ = [
    "PRICE_SCALE",
    "CleaningReport",
    "ColumnMap",
    "LineStatus",
    "TransactionTable",
    "parse_transactions",
    "read_transactions",
]

# Prices are held as integers in ten-thousandths of the currency unit.
PRICE_SCALE: Final = 10_000
_PRICE_DECIMALS: Final = 4
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()

IntArray = npt.NDArray[np.int64]


class LineStatus(enum.IntEnum):
    """The kind of an order line; the first member that matches, in listed order, applies."""

    SALE = 0  # a known customer buys a positive quantity at a positive price
    CANCELLATION = 1  # the invoice number starts with "C": the order was cancelled
    ADJUSTMENT = 2  # a negative unit price, such as a bad-debt adjustment
    RETURN = 3  # a negative quantity on an ordinary invoice: goods came back
    ZERO_QUANTITY = 4  # a line with quantity zero
    ZERO_PRICE = 5  # a positive quantity at price zero: a free item or a correction
    SALE_WITHOUT_CUSTOMER = 6  # a sale line whose customer is empty


@attrs.frozen(slots=True)
class ColumnMap:
    """The names of the columns in a transaction file (Online Retail's by default)."""

    invoice: str = "InvoiceNo"
    product: str = "StockCode"
    description: str | None = "Description"
    quantity: str = "Quantity"
    timestamp: str = "InvoiceDate"
    unit_price: str = "UnitPrice"
    customer: str = "CustomerID"
    country: str | None = "Country"
    payment_option: str | None = None

    def required(self) -> tuple[str, ...]:
        """Return the columns a file must have."""
        return (
            self.invoice,
            self.product,
            self.quantity,
            self.timestamp,
            self.unit_price,
            self.customer,
        )

    def optional(self) -> tuple[str, ...]:
        """Return the optional columns that are configured."""
        names = (self.description, self.country, self.payment_option)
        return tuple(name for name in names if name is not None)


@attrs.frozen(slots=True, eq=False)
class CleaningReport:
    """The outcome of cleaning a transaction file: lines per status and their value.

    ``amounts`` is the value ``quantity × unit price`` of the lines of each status. It is
    summed exactly and rounded once to the currency's minor unit (half-even). For returns
    and cancellations it is negative.
    """

    lines_read: int
    counts: Mapping[LineStatus, int]
    amounts: Mapping[LineStatus, Money]
    lines_without_customer: int
    customers: int
    invoices: int
    # Country texts that name no single country, with the number of lines carrying each.
    unknown_countries: Mapping[str, int]
    # Customers whose lines name more than one country; the first line's country is used.
    customers_with_several_countries: int

    def lines_excluded(self) -> int:
        """Return the number of lines that are not used as sales."""
        return self.lines_read - self.counts[LineStatus.SALE]

    def to_lines(self) -> list[str]:
        """Return the report as readable lines."""
        lines = [f"lines read: {self.lines_read}"]
        for status in LineStatus:
            lines.append(
                f"  {status.name.lower()}: {self.counts[status]} lines, {self.amounts[status]}"
            )
        lines.append(f"lines without a customer (any status): {self.lines_without_customer}")
        lines.append(f"customers: {self.customers}, invoices: {self.invoices}")
        if self.unknown_countries:
            unknown = ", ".join(
                f"{name!r} ({count} lines)"
                for name, count in sorted(self.unknown_countries.items())
            )
            lines.append(f"unknown countries (not guessed): {unknown}")
        if self.customers_with_several_countries:
            lines.append(
                "customers with several countries (first line's country used): "
                f"{self.customers_with_several_countries}"
            )
        return lines


@attrs.frozen(slots=True, eq=False)
class TransactionTable:
    """Order lines as columns, with the lookup tables their integer codes refer to.

    Index arrays hold -1 where a value is missing (a line without a customer). Customer
    ids are normalised: the text ``17850.0`` that spreadsheet exports write becomes
    ``17850``. Customers are numbered in sorted order of their ids.
    """

    currency: str
    zone: str
    customer_ids: tuple[str, ...]
    invoice_ids: tuple[str, ...]
    product_ids: tuple[str, ...]
    # The first description seen for each product ("" when the file has none).
    product_descriptions: tuple[str, ...]
    country_names: tuple[str, ...]
    # The country each name resolves to, or None where it names no single country.
    countries: tuple[Country | None, ...]
    payment_options: tuple[str, ...]
    customer: npt.NDArray[np.int32]
    invoice: npt.NDArray[np.int32]
    product: npt.NDArray[np.int32]
    country: npt.NDArray[np.int32]
    payment_option: npt.NDArray[np.int32]
    # Seconds since 1970-01-01 UTC.
    instant: IntArray
    # Calendar day in the tenant's zone, as days since 1970-01-01.
    local_day: IntArray
    quantity: IntArray
    # Unit price in units of 1 / PRICE_SCALE of the currency.
    price: IntArray
    status: npt.NDArray[np.int8]
    # The country of each customer (index into country_names; -1 if none).
    customer_country: npt.NDArray[np.int32]
    report: CleaningReport

    def __len__(self) -> int:
        return int(self.quantity.shape[0])

    def line_value(self) -> IntArray:
        """Return each line's value ``quantity × price`` in units of 1 / PRICE_SCALE."""
        return self.quantity * self.price

    def sales_mask(self) -> npt.NDArray[np.bool_]:
        """Return a mask of the lines used as sales."""
        mask: npt.NDArray[np.bool_] = self.status == LineStatus.SALE
        return mask

    def money(self, scaled: int) -> Money:
        """Convert an exact scaled amount to Money, rounding half-even to the minor unit."""
        return scaled_to_money(scaled, self.currency)


def scaled_to_money(scaled: int, currency: str) -> Money:
    """Convert an integer in units of 1 / PRICE_SCALE to Money, rounding half-even once."""
    return Money(Decimal(scaled).scaleb(-_PRICE_DECIMALS), currency, rounding=Rounding.HALF_EVEN)


def normalise_customer_id(text: str) -> str:
    """Return a customer id without the ``.0`` that a float export appends."""
    stripped = text.strip()
    if stripped.endswith(".0") and stripped[:-2].isdigit():
        return stripped[:-2]
    return stripped


class _Interner:
    """Numbers distinct strings in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def code(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = len(self.index)
            self.index[text] = found
        return found

    def values(self) -> tuple[str, ...]:
        return tuple(self.index)


class _RowParser:
    """Converts the text fields of one file to numbers, caching repeated values."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.times: dict[str, tuple[int, int]] = {}
        self.prices: dict[str, int] = {}

    def parse_time(self, text: str, line_number: int, column: str) -> tuple[int, int]:
        cached = self.times.get(text)
        if cached is not None:
            return cached
        try:
            moment = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            raise InvalidInputError(
                f"line {line_number}, column {column}",
                text,
                "invalid timestamp",
                "Write timestamps as ISO 8601, such as 2011-12-09 12:50:00 or "
                "2011-12-09T12:50:00+00:00.",
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        local = moment.astimezone(self.zone)
        instant = int(moment.timestamp())
        day = local.date().toordinal() - _EPOCH_ORDINAL
        self.times[text] = (instant, day)
        return instant, day

    def parse_price(self, text: str, line_number: int, column: str) -> int:
        cached = self.prices.get(text)
        if cached is not None:
            return cached
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise InvalidInputError(
                f"line {line_number}, column {column}",
                text,
                "invalid unit price",
                "Write the unit price as a decimal number such as 2.55.",
            )
        scaled = value.scaleb(_PRICE_DECIMALS)
        if scaled != scaled.to_integral_value():
            raise InvalidInputError(
                f"line {line_number}, column {column}",
                text,
                f"unit price has more than {_PRICE_DECIMALS} decimal places",
                "Round prices to at most four decimal places before loading.",
            )
        result = int(scaled)
        self.prices[text] = result
        return result


def _classify(invoice: str, quantity: int, price: int, has_customer: bool) -> LineStatus:
    if invoice.startswith(("C", "c")):
        return LineStatus.CANCELLATION
    if price < 0:
        return LineStatus.ADJUSTMENT
    if quantity < 0:
        return LineStatus.RETURN
    if quantity == 0:
        return LineStatus.ZERO_QUANTITY
    if price == 0:
        return LineStatus.ZERO_PRICE
    if not has_customer:
        return LineStatus.SALE_WITHOUT_CUSTOMER
    return LineStatus.SALE


def _column_positions(header: Sequence[str], columns: ColumnMap) -> dict[str, int]:
    positions = {name.strip(): index for index, name in enumerate(header)}
    missing = [name for name in columns.required() if name not in positions]
    if missing:
        raise InvalidInputError(
            "columns",
            list(header),
            f"missing required column {', '.join(repr(name) for name in missing)}",
            "Add the column to the file or map it with ColumnMap (the command's --column "
            "option).",
        )
    return {name: positions[name] for name in (*columns.required(), *columns.optional())
            if name in positions}


def parse_transactions(
    rows: Iterable[Sequence[str]],
    *,
    currency: str,
    zone: str,
    columns: ColumnMap | None = None,
) -> TransactionTable:
    """Build a :class:`TransactionTable` from CSV rows, the first of which is the header.

    Args:
        rows: the header row, then one row per order line.
        currency: ISO 4217 code of the prices.
        zone: the tenant's IANA time zone, used for timestamps without an offset and for
            calendar days.
        columns: the column names; Online Retail's by default.

    Raises:
        InvalidInputError: a required column is missing (the message names it), or a
            quantity, price or timestamp cannot be read (the message names the line).
    """
    columns = columns or ColumnMap()
    get_currency(currency)
    tenant_zone = _zone(zone)
    iterator: Iterator[Sequence[str]] = iter(rows)
    try:
        header = next(iterator)
    except StopIteration:
        raise InvalidInputError(
            "rows", "", "the file is empty", "Pass a CSV file with a header row."
        ) from None
    position = _column_positions(header, columns)
    invoice_at = position[columns.invoice]
    product_at = position[columns.product]
    quantity_at = position[columns.quantity]
    time_at = position[columns.timestamp]
    price_at = position[columns.unit_price]
    customer_at = position[columns.customer]
    description_at = position.get(columns.description or "", -1)
    country_at = position.get(columns.country or "", -1)
    payment_at = position.get(columns.payment_option or "", -1)

    parser = _RowParser(tenant_zone)
    customers, invoices, products, countries, payments = (_Interner() for _ in range(5))
    descriptions: dict[int, str] = {}
    raw_customer_ids: dict[str, int] = {}
    customer_col: list[int] = []
    invoice_col: list[int] = []
    product_col: list[int] = []
    country_col: list[int] = []
    payment_col: list[int] = []
    instant_col: list[int] = []
    day_col: list[int] = []
    quantity_col: list[int] = []
    price_col: list[int] = []
    status_col: list[int] = []
    width = len(header)

    for line_number, row in enumerate(iterator, start=2):
        if len(row) != width:
            if not row:
                continue
            raise InvalidInputError(
                f"line {line_number}",
                list(row),
                f"the line has {len(row)} fields but the header has {width}",
                "Quote fields that contain commas.",
            )

        # Customer: empty means unknown; ids are normalised once per distinct text.
        raw_customer = row[customer_at]
        customer_code = raw_customer_ids.get(raw_customer)
        if customer_code is None:
            normalised = normalise_customer_id(raw_customer)
            customer_code = customers.code(normalised) if normalised else -1
            raw_customer_ids[raw_customer] = customer_code

        invoice_text = row[invoice_at].strip()
        quantity_text = row[quantity_at]
        try:
            quantity = int(quantity_text)
        except ValueError:
            raise InvalidInputError(
                f"line {line_number}, column {columns.quantity}",
                quantity_text,
                "invalid quantity",
                "Write quantities as whole numbers; returns as negative numbers.",
            ) from None
        price = parser.parse_price(row[price_at], line_number, columns.unit_price)
        instant, day = parser.parse_time(row[time_at], line_number, columns.timestamp)

        product_code = products.code(row[product_at].strip())
        if description_at >= 0 and product_code not in descriptions:
            descriptions[product_code] = row[description_at].strip()

        customer_col.append(customer_code)
        invoice_col.append(invoices.code(invoice_text))
        product_col.append(product_code)
        country_col.append(countries.code(row[country_at].strip()) if country_at >= 0 else -1)
        payment_col.append(payments.code(row[payment_at].strip()) if payment_at >= 0 else -1)
        instant_col.append(instant)
        day_col.append(day)
        quantity_col.append(quantity)
        price_col.append(price)
        status_col.append(_classify(invoice_text, quantity, price, customer_code >= 0))

    return _assemble(
        currency=currency,
        zone=zone,
        customers=customers.values(),
        invoices=invoices.values(),
        products=products.values(),
        descriptions=descriptions,
        country_names=countries.values(),
        payment_options=payments.values(),
        customer=np.asarray(customer_col, dtype=np.int32),
        invoice=np.asarray(invoice_col, dtype=np.int32),
        product=np.asarray(product_col, dtype=np.int32),
        country=np.asarray(country_col, dtype=np.int32),
        payment_option=np.asarray(payment_col, dtype=np.int32),
        instant=np.asarray(instant_col, dtype=np.int64),
        local_day=np.asarray(day_col, dtype=np.int64),
        quantity=np.asarray(quantity_col, dtype=np.int64),
        price=np.asarray(price_col, dtype=np.int64),
        status=np.asarray(status_col, dtype=np.int8),
    )


def _zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        raise InvalidInputError(
            "zone", zone, "unknown time zone", "Pass an IANA zone name such as Europe/London."
        ) from None


def _assemble(
    *,
    currency: str,
    zone: str,
    customers: tuple[str, ...],
    invoices: tuple[str, ...],
    products: tuple[str, ...],
    descriptions: Mapping[int, str],
    country_names: tuple[str, ...],
    payment_options: tuple[str, ...],
    customer: npt.NDArray[np.int32],
    invoice: npt.NDArray[np.int32],
    product: npt.NDArray[np.int32],
    country: npt.NDArray[np.int32],
    payment_option: npt.NDArray[np.int32],
    instant: IntArray,
    local_day: IntArray,
    quantity: IntArray,
    price: IntArray,
    status: npt.NDArray[np.int8],
) -> TransactionTable:
    # Renumber customers in sorted id order, so results do not depend on line order.
    order = sorted(range(len(customers)), key=lambda code: _customer_sort_key(customers[code]))
    renumber = np.empty(len(customers) + 1, dtype=np.int32)
    renumber[-1] = -1
    for new_code, old_code in enumerate(order):
        renumber[old_code] = new_code
    customer = renumber[customer]
    customer_ids = tuple(customers[code] for code in order)

    resolved = tuple(lookup_country(name) if name else None for name in country_names)
    customer_country = _first_country(customer, country, len(customer_ids))
    report = _report(
        currency=currency,
        customer=customer,
        invoice=invoice,
        country=country,
        country_names=country_names,
        resolved=resolved,
        quantity=quantity,
        price=price,
        status=status,
        customers=len(customer_ids),
        several_countries=_customers_with_several_countries(customer, country, len(customer_ids)),
    )
    return TransactionTable(
        currency=currency,
        zone=zone,
        customer_ids=customer_ids,
        invoice_ids=invoices,
        product_ids=products,
        product_descriptions=tuple(descriptions.get(code, "") for code in range(len(products))),
        country_names=country_names,
        countries=resolved,
        payment_options=payment_options,
        customer=customer,
        invoice=invoice,
        product=product,
        country=country,
        payment_option=payment_option,
        instant=instant,
        local_day=local_day,
        quantity=quantity,
        price=price,
        status=status,
        customer_country=customer_country,
        report=report,
    )


def _customer_sort_key(customer_id: str) -> tuple[int, int, str]:
    # Numeric ids sort as numbers, so 9 comes before 10; other ids follow in text order.
    if customer_id.isdigit():
        return (0, int(customer_id), customer_id)
    return (1, 0, customer_id)


def _first_country(
    customer: npt.NDArray[np.int32], country: npt.NDArray[np.int32], n_customers: int
) -> npt.NDArray[np.int32]:
    result = np.full(n_customers, -1, dtype=np.int32)
    known = customer >= 0
    lines = np.flatnonzero(known)
    # Write in reverse line order so the first line of each customer is written last.
    result[customer[lines[::-1]]] = country[lines[::-1]]
    return result


def _customers_with_several_countries(
    customer: npt.NDArray[np.int32], country: npt.NDArray[np.int32], n_customers: int
) -> int:
    known = customer >= 0
    if not np.any(known):
        return 0
    # Country codes start at -1 (no country column), so shift them to start at 0.
    width = int(country.max()) + 2
    pairs = np.unique(customer[known].astype(np.int64) * width + (country[known] + 1))
    per_customer = np.bincount(pairs // width, minlength=n_customers)
    return int(np.count_nonzero(per_customer > 1))


def _report(
    *,
    currency: str,
    customer: npt.NDArray[np.int32],
    invoice: npt.NDArray[np.int32],
    country: npt.NDArray[np.int32],
    country_names: tuple[str, ...],
    resolved: tuple[Country | None, ...],
    quantity: IntArray,
    price: IntArray,
    status: npt.NDArray[np.int8],
    customers: int,
    several_countries: int,
) -> CleaningReport:
    value = quantity * price
    counts: dict[LineStatus, int] = {}
    amounts: dict[LineStatus, Money] = {}
    for line_status in LineStatus:
        mask = status == line_status
        counts[line_status] = int(np.count_nonzero(mask))
        # Python integers: the exact sum cannot overflow.
        amounts[line_status] = scaled_to_money(int(value[mask].sum(dtype=object)), currency)

    unknown: dict[str, int] = {}
    if country.size and country.max() >= 0:
        per_country = np.bincount(country[country >= 0], minlength=len(country_names))
        for code, name in enumerate(country_names):
            if resolved[code] is None and per_country[code]:
                unknown[name or "(empty)"] = int(per_country[code])

    return CleaningReport(
        lines_read=int(status.shape[0]),
        counts=counts,
        amounts=amounts,
        lines_without_customer=int(np.count_nonzero(customer < 0)),
        customers=customers,
        invoices=int(np.unique(invoice).shape[0]),
        unknown_countries=unknown,
        customers_with_several_countries=several_countries,
    )


class _ProgressReader(io.RawIOBase):
    """A byte stream that reports how many bytes each read returned."""

    def __init__(self, raw: IO[bytes], report: Callable[[int], None]) -> None:
        self._raw = raw
        self._report = report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._report(size)
        return size


def read_transactions(
    path: str | Path,
    *,
    currency: str,
    zone: str,
    columns: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> TransactionTable:
    """Read a CSV file of order lines (gzip-compressed when the name ends in ``.gz``).

    Args:
        path: the file.
        currency, zone, columns: as for :func:`parse_transactions`.
        progress: called with the number of bytes of the file read so far in each step,
            for a progress bar.

    Raises:
        FileNotFoundError: the file does not exist.
        InvalidInputError: as for :func:`parse_transactions`.
    """
    file_path = Path(path)
    with file_path.open("rb") as raw:
        stream: IO[bytes] = raw
        if progress is not None:
            stream = cast(IO[bytes], io.BufferedReader(_ProgressReader(raw, progress)))
        binary = cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb")) if file_path.suffix == ".gz" else stream
        text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        return parse_transactions(csv.reader(text), currency=currency, zone=zone,
                                  columns=columns)
