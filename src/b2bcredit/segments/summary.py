"""The per-customer purchase summary that RFM and the CLV models read.

All purchases of one customer on one calendar day (in the tenant's time zone) count as one
purchase, as in the BG/NBD literature and the lifetimes package. For each customer with at
least one sale inside the window:

* ``frequency``: purchase days after the first one (repeat purchases);
* ``recency``: days from the first to the last purchase day;
* ``T``: days from the first purchase day to the last day of the window;
* ``monetary_value``: mean sales value of the repeat purchase days, 0 without repeats
  (a float statistic for the Gamma-Gamma model);
* ``revenue``: total sales value, exact, in units of 1 / PRICE_SCALE of the currency.

Only :attr:`LineStatus.SALE` lines count. Returns and cancellations are summed separately
per customer in ``returns`` (negative) and never reduce sales.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.segments.transactions import (
    PRICE_SCALE,
    LineStatus,
    TransactionTable,
    scaled_to_money,
)
from b2bcredit.segments.windows import EvaluationWindow

__all__ = ["CustomerSummary", "summarise_customers"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
# Above this many customer-day cells the summary groups by sorting instead of a dense grid.
_DENSE_CELLS: Final = 20_000_000
_EXACT_FLOAT_BOUND: Final = 2**53


@attrs.frozen(slots=True, eq=False)
class CustomerSummary:
    """Frequency, recency, age and spend per customer, in days and currency units."""

    currency: str
    customer_ids: tuple[str, ...]
    # Position of each summarised customer in the transaction table's customer_ids.
    table_index: npt.NDArray[np.int64]
    frequency: IntArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray
    revenue: IntArray
    returns: IntArray
    invoices: IntArray
    first_day: IntArray
    last_day: IntArray
    # Days since 1970-01-01 of the last day of the window.
    end_day: int
    # Customers in the table who have no sale inside the window.
    customers_without_sales: int

    def __len__(self) -> int:
        return len(self.customer_ids)

    def revenue_money(self, index: int) -> Money:
        """Return one customer's exact sales value, rounded half-even to the minor unit."""
        return scaled_to_money(int(self.revenue[index]), self.currency)

    def total_revenue(self, mask: npt.NDArray[np.bool_] | None = None) -> Money:
        """Return the exact sales value of all (or the masked) customers."""
        selected = self.revenue if mask is None else self.revenue[mask]
        return scaled_to_money(int(selected.sum(dtype=object)), self.currency)

    def days_since_last_purchase(self) -> IntArray:
        """Return the days from each customer's last purchase day to the window's last day."""
        return self.end_day - self.last_day


def _window_mask(
    table: TransactionTable, window: EvaluationWindow | None
) -> tuple[npt.NDArray[np.bool_], int]:
    if window is None:
        if len(table) == 0:
            raise InvalidInputError("table", 0, "no order lines", "Load a non-empty file.")
        return np.ones(len(table), dtype=bool), int(table.local_day[table.sales_mask()].max()
                                                   if table.sales_mask().any()
                                                   else table.local_day.max())
    if window.zone != table.zone:
        raise InvalidInputError(
            "window.zone", window.zone, f"differs from the table's zone {table.zone}",
            "Build the window in the tenant's zone the transactions were read in.",
        )
    start, end = window.bounds_in_seconds()
    mask = (table.instant >= start) & (table.instant < end)
    return mask, window.last_day().toordinal() - _EPOCH_ORDINAL


def summarise_customers(
    table: TransactionTable, window: EvaluationWindow | None = None
) -> CustomerSummary:
    """Summarise each customer's sales inside ``window`` (all lines when None).

    Without a window the period ends on the day of the last sale, as lifetimes'
    ``summary_data_from_transaction_data`` does by default.
    """
    in_window, end_day = _window_mask(table, window)
    sales = in_window & table.sales_mask()
    value = table.line_value()

    customer = table.customer[sales].astype(np.int64)
    day = table.local_day[sales]
    line_value = value[sales]
    n_table = len(table.customer_ids)
    if customer.size == 0:
        raise InvalidInputError(
            "window", str(window), "no sales inside the window",
            "Choose a window that contains sales or check the cleaning report.",
        )
    if int(day.max()) > end_day:
        raise InvalidInputError("window", str(window), "sales fall after the window's end",
                                "Pass a window that contains the sales.")

    pair_customer, pair_day, pair_value = _purchase_days(customer, day, line_value, n_table)

    # Per-customer figures from the (customer, day) pairs, which are sorted by both.
    counts = np.bincount(pair_customer, minlength=n_table)
    active = np.flatnonzero(counts)
    ends = np.cumsum(counts)[active]
    starts = ends - counts[active]
    first_day = pair_day[starts]
    last_day = pair_day[ends - 1]
    revenue = np.bincount(pair_customer, weights=pair_value.astype(np.float64),
                          minlength=n_table)
    exact_revenue = _exact_sums(customer, line_value, n_table)[active]
    frequency = counts[active] - 1
    repeat_value = revenue[active] - pair_value[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_value / np.maximum(frequency, 1), 0.0)

    # Returns and cancellations of the same customers in the same window, kept apart.
    returned = in_window & (
        (table.status == LineStatus.RETURN) | (table.status == LineStatus.CANCELLATION)
    ) & (table.customer >= 0)
    returns = _exact_sums(table.customer[returned].astype(np.int64), value[returned], n_table)
    invoice_counts = _distinct_invoices(customer, table.invoice[sales], n_table)

    return CustomerSummary(
        currency=table.currency,
        customer_ids=tuple(table.customer_ids[index] for index in active),
        table_index=active.astype(np.int64),
        frequency=frequency.astype(np.int64),
        recency=(last_day - first_day).astype(np.float64),
        T=(end_day - first_day).astype(np.float64),
        monetary_value=monetary / PRICE_SCALE,
        revenue=exact_revenue,
        returns=returns[active],
        invoices=invoice_counts[active],
        first_day=first_day.astype(np.int64),
        last_day=last_day.astype(np.int64),
        end_day=end_day,
        customers_without_sales=n_table - int(active.size),
    )


def _purchase_days(
    customer: IntArray, day: IntArray, value: IntArray, n_customers: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """Return the distinct (customer, day) pairs, sorted, with each pair's sales value."""
    first = int(day.min())
    span = int(day.max()) - first + 1
    key = customer * span + (day - first)
    if n_customers * span <= _DENSE_CELLS:
        # A dense customer × day grid: one bincount instead of a sort.
        cells = n_customers * span
        present = np.bincount(key, minlength=cells)
        sums = np.bincount(key, weights=value.astype(np.float64), minlength=cells)
        pairs = np.flatnonzero(present)
        pair_value = sums[pairs]
    else:
        pairs, inverse = np.unique(key, return_inverse=True)
        pair_value = np.bincount(inverse, weights=value.astype(np.float64))
    return pairs // span, pairs % span + first, pair_value


def _exact_sums(customer: IntArray, value: IntArray, n_customers: int) -> IntArray:
    """Sum integer values per customer exactly.

    A float64 sum of integers is exact while every partial sum stays below 2**53, which
    the bound on the absolute values guarantees; otherwise the sum runs on int64.
    """
    if value.size == 0 or int(np.abs(value).sum(dtype=np.float64)) < _EXACT_FLOAT_BOUND:
        sums = np.bincount(customer, weights=value.astype(np.float64), minlength=n_customers)
        return sums.astype(np.int64)
    totals = np.zeros(n_customers, dtype=np.int64)
    np.add.at(totals, customer, value)
    return totals


def _distinct_invoices(customer: IntArray, invoice: npt.NDArray[np.int32],
                       n_customers: int) -> IntArray:
    """Count the distinct invoices of each customer."""
    n_invoices = int(invoice.max()) + 1
    owner = np.full(n_invoices, -1, dtype=np.int64)
    owner[invoice] = customer
    if np.array_equal(owner[invoice], customer):
        # The usual case: each invoice belongs to one customer, so no sort is needed.
        return np.bincount(owner[owner >= 0], minlength=n_customers).astype(np.int64)
    pairs = np.unique(customer * n_invoices + invoice)
    return np.bincount(pairs // n_invoices, minlength=n_customers).astype(np.int64)


def zone_of(table: TransactionTable) -> ZoneInfo:
    """Return the tenant's zone that the table was read in."""
    return ZoneInfo(table.zone)
