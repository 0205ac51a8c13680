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


class _Codes:
    """A column as integer codes into its distinct raw texts, in order of first appearance."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes: list[int] = []

    def array(self) -> npt.NDArray[np.int32]:
        return np.asarray(self.codes, dtype=np.int32)

    def texts(self) -> tuple[str, ...]:
        return tuple(self.index)

    def mapped(self, transform: Callable[[str], str]) -> tuple[npt.NDArray[np.int32],
                                                               tuple[str, ...]]:
        """Return codes and values after transforming each distinct text, merging equals."""
        merged: dict[str, int] = {}
        remap = np.empty(len(self.index), dtype=np.int32)
        for code, text in enumerate(self.index):
            remap[code] = merged.setdefault(transform(text), len(merged))
        return remap[self.array()], tuple(merged)


class _FieldParser:
    """Converts each distinct text of a column once, naming the first line of a bad value."""

    def __init__(self, zone: ZoneInfo, blank_lines: list[int]) -> None:
        self.zone = zone
        self.blank_lines = blank_lines

    def _where(self, column: _Codes, code: int, name: str) -> str:
        row = int(np.flatnonzero(column.array() == code)[0])
        # Blank lines were skipped, so count those before the row back in.
        line = row + 2
        for blank in self.blank_lines:
            if blank <= line:
                line += 1
        return f"line {line}, column {name}"

    def quantities(self, column: _Codes, name: str) -> IntArray:
        parsed = np.empty(len(column.index), dtype=np.int64)
        for code, text in enumerate(column.index):
            try:
                parsed[code] = int(text)
            except ValueError:
                raise InvalidInputError(
                    self._where(column, code, name), text, "invalid quantity",
                    "Write quantities as whole numbers; returns as negative numbers.",
                ) from None
        return parsed[column.array()]

    def prices(self, column: _Codes, name: str) -> IntArray:
        parsed = np.empty(len(column.index), dtype=np.int64)
        for code, text in enumerate(column.index):
            try:
                value = Decimal(text.strip())
            except InvalidOperation:
                value = Decimal("NaN")
            if not value.is_finite():
                raise InvalidInputError(
                    self._where(column, code, name), text, "invalid unit price",
                    "Write the unit price as a decimal number such as 2.55.",
                )
            scaled = value.scaleb(_PRICE_DECIMALS)
            if scaled != scaled.to_integral_value():
                raise InvalidInputError(
                    self._where(column, code, name), text,
                    f"unit price has more than {_PRICE_DECIMALS} decimal places",
                    "Round prices to at most four decimal places before loading.",
                )
            parsed[code] = int(scaled)
        return parsed[column.array()]

    def times(self, column: _Codes, name: str) -> tuple[IntArray, IntArray]:
        instants = np.empty(len(column.index), dtype=np.int64)
        days = np.empty(len(column.index), dtype=np.int64)
        for code, text in enumerate(column.index):
            try:
                moment = dt.datetime.fromisoformat(text.strip())
            except ValueError:
                raise InvalidInputError(
                    self._where(column, code, name), text, "invalid timestamp",
                    "Write timestamps as ISO 8601, such as 2011-12-09 12:50:00 or "
                    "2011-12-09T12:50:00+00:00.",
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
            instants[code] = int(moment.timestamp())
            days[code] = moment.astimezone(self.zone).date().toordinal() - _EPOCH_ORDINAL
        codes = column.array()
        return instants[codes], days[codes]


def _classify(
    cancelled: npt.NDArray[np.bool_], quantity: IntArray, price: IntArray,
    customer: npt.NDArray[np.int32],
) -> npt.NDArray[np.int8]:
    """Return each line's LineStatus; the earliest listed member that applies wins."""
    status = np.where(customer >= 0, LineStatus.SALE, LineStatus.SALE_WITHOUT_CUSTOMER)
    status = status.astype(np.int8)
    # Apply the rules from the last listed to the first, so earlier ones overwrite.
    status[price == 0] = LineStatus.ZERO_PRICE
    status[quantity == 0] = LineStatus.ZERO_QUANTITY
    status[quantity < 0] = LineStatus.RETURN
    status[price < 0] = LineStatus.ADJUSTMENT
    status[cancelled] = LineStatus.CANCELLATION
    return status


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

    # The loop only numbers raw texts per column; each distinct text is parsed once after.
    names = ("customer", "invoice", "product", "quantity", "price", "time", "country",
             "payment")
    column = {name: _Codes() for name in names}
    positions = (customer_at, invoice_at, product_at, quantity_at, price_at, time_at,
                 country_at, payment_at)
    used = [(column[name], at) for name, at in zip(names, positions, strict=True) if at >= 0]
    products = column["product"]
    descriptions: list[str] = []
    blank_lines: list[int] = []
    width = len(header)

    for line_number, row in enumerate(iterator, start=2):
        if len(row) != width:
            if not row:
                blank_lines.append(line_number)
                continue
            raise InvalidInputError(
                f"line {line_number}",
                list(row),
                f"the line has {len(row)} fields but the header has {width}",
                "Quote fields that contain commas.",
            )
        for codes, at in used:
            index = codes.index
            codes.codes.append(index.setdefault(row[at], len(index)))
        if description_at >= 0 and len(descriptions) < len(products.index):
            # The product is new on this line: keep its first description.
            descriptions.append(row[description_at].strip())

    parser = _FieldParser(tenant_zone, blank_lines)
    n = len(products.codes)
    customer, customer_values = column["customer"].mapped(normalise_customer_id)
    customer_list = list(customer_values)
    if "" in customer_list:
        # An empty id means no customer: code -1, and the codes above it close the gap.
        empty = customer_list.index("")
        customer[customer == empty] = -1
        customer[customer > empty] -= 1
        customer_list.pop(empty)
    invoice, invoice_values = column["invoice"].mapped(str.strip)
    product, product_values = products.mapped(str.strip)
    quantity = parser.quantities(column["quantity"], columns.quantity)
    price = parser.prices(column["price"], columns.unit_price)
    instant, local_day = parser.times(column["time"], columns.timestamp)
    no_codes = np.full(n, -1, dtype=np.int32)
    country, country_values = (column["country"].mapped(str.strip) if country_at >= 0
                               else (no_codes, ()))
    payment, payment_values = (column["payment"].mapped(str.strip) if payment_at >= 0
                               else (no_codes, ()))

    # Descriptions follow the raw product texts; keep the first for each stripped id.
    first_description: dict[int, str] = {}
    if descriptions:
        raw_to_product = product[np.unique(products.array(), return_index=True)[1]]
        for raw_code, product_code in enumerate(raw_to_product.tolist()):
            first_description.setdefault(product_code, descriptions[raw_code])
    cancelled = np.array([text.startswith(("C", "c")) for text in invoice_values], dtype=bool)

    return _assemble(
        currency=currency,
        zone=zone,
        customers=tuple(customer_list),
        invoices=invoice_values,
        products=product_values,
        descriptions=first_description,
        country_names=country_values,
        payment_options=payment_values,
        customer=customer,
        invoice=invoice,
        product=product,
        country=country,
        payment_option=payment,
        instant=instant,
        local_day=local_day,
        quantity=quantity,
        price=price,
        status=_classify(cancelled[invoice] if n else np.zeros(0, dtype=bool), quantity,
                         price, customer),
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
