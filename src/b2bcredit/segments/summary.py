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
    # Days since 1970-01-01 of the first and last day of the window (first sale's day and
    # last sale's day without a window).
    start_day: int
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
) -> tuple[npt.NDArray[np.bool_], int | None]:
    """Return the sales inside the window and the window's last day (None: last sale's)."""
    if window is None:
        return table.sales_mask(), None
    if window.zone != table.zone:
        raise InvalidInputError(
            "window.zone", window.zone, f"differs from the table's zone {table.zone}",
            "Build the window in the tenant's zone the transactions were read in.",
        )
    start, end = window.bounds_in_seconds()
    mask = (table.instant >= start) & (table.instant < end) & table.sales_mask()
    return mask, window.last_day().toordinal() - _EPOCH_ORDINAL


def summarise_customers(
    table: TransactionTable, window: EvaluationWindow | None = None
) -> CustomerSummary:
    """Summarise each customer's sales inside ``window`` (all lines when None).

    Without a window the period ends on the day of the last sale, as lifetimes'
    ``summary_data_from_transaction_data`` does by default.
    """
    in_window, window_end_day = _window_mask(table, window)
    n_table = len(table.customer_ids)
    if not np.any(in_window):
        raise InvalidInputError(
            "window", str(window), "no sales inside the window",
            "Choose a window that contains sales or check the cleaning report.",
        )

    # Collapse consecutive lines of one invoice into one run: far fewer rows to group.
    runs = _invoice_runs(table, in_window)
    end_day = int(runs.day.max()) if window_end_day is None else window_end_day
    if int(runs.day.max()) > end_day:
        raise InvalidInputError("window", str(window), "sales fall after the window's end",
                                "Pass a window that contains the sales.")
    pair_customer, pair_day, pair_value = _purchase_days(runs, n_table)

    # Per-customer figures from the (customer, day) pairs, which are sorted by both.
    counts = np.bincount(pair_customer, minlength=n_table)
    active = np.flatnonzero(counts)
    ends = np.cumsum(counts)[active]
    starts = ends - counts[active]
    first_day = pair_day[starts]
    last_day = pair_day[ends - 1]
    exact_revenue = np.zeros(n_table, dtype=np.int64)
    np.add.at(exact_revenue, pair_customer, pair_value)
    exact_revenue = exact_revenue[active]
    frequency = counts[active] - 1
    repeat_value = (exact_revenue - pair_value[starts]).astype(np.float64)
    monetary = np.where(frequency > 0, repeat_value / np.maximum(frequency, 1), 0.0)

    # Returns and cancellations of the same customers in the same window, kept apart.
    returned_mask = (
        (table.status == LineStatus.RETURN) | (table.status == LineStatus.CANCELLATION)
    ) & (table.customer >= 0)
    if window is not None:
        start, end = window.bounds_in_seconds()
        returned_mask &= (table.instant >= start) & (table.instant < end)
    returned = np.flatnonzero(returned_mask)
    returns = np.zeros(n_table, dtype=np.int64)
    np.add.at(returns, table.customer[returned],
              table.quantity[returned] * table.price[returned])
    invoice_counts = _distinct_invoices(runs, n_table)

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
        start_day=(int(runs.day.min()) if window is None
                   else window.start.toordinal() - _EPOCH_ORDINAL),
        end_day=end_day,
        customers_without_sales=n_table - int(active.size),
    )


@attrs.frozen(slots=True, eq=False)
class _Runs:
    """Maximal runs of consecutive sale lines with one invoice, customer and day."""

    customer: IntArray
    day: IntArray
    invoice: IntArray
    value: IntArray


def _invoice_runs(table: TransactionTable, sales: npt.NDArray[np.bool_]) -> _Runs:
    """Group the sale lines into runs, comparing neighbours over the whole table.

    Working on the full columns avoids gathering every sale line first: only the run
    starts are gathered, and each run's value is a difference of one cumulative sum.
    """
    n = sales.size
    start = sales.copy()
    if n > 1:
        # A sale line continues a run only if the line before is a sale of the same
        # invoice, customer and day.
        same = sales[:-1].copy()
        same &= table.invoice[1:] == table.invoice[:-1]
        same &= table.customer[1:] == table.customer[:-1]
        same &= table.local_day[1:] == table.local_day[:-1]
        start[1:] &= ~same
    starts = np.flatnonzero(start)

    value = table.quantity * table.price
    value[~sales] = 0
    cumulative = np.cumsum(value)
    before = np.zeros(starts.size + 1, dtype=np.int64)
    before[1:-1] = cumulative[starts[1:] - 1]
    before[-1] = cumulative[-1]
    # Lines between runs are not sales and add zero, so each difference is one run's value.
    first_before = cumulative[starts[0] - 1] if starts[0] > 0 else 0
    before[0] = first_before
    return _Runs(table.customer[starts].astype(np.int64), table.local_day[starts].astype(np.int64),
                 table.invoice[starts].astype(np.int64), np.diff(before))


def _purchase_days(runs: _Runs, n_customers: int) -> tuple[IntArray, IntArray, IntArray]:
    """Return the distinct (customer, day) pairs, sorted, with each pair's exact value."""
    first = int(runs.day.min())
    span = int(runs.day.max()) - first + 1
    key = runs.customer * span + (runs.day - first)
    pairs, inverse = np.unique(key, return_inverse=True)
    pair_value = np.zeros(pairs.size, dtype=np.int64)
    np.add.at(pair_value, inverse, runs.value)
    return pairs // span, pairs % span + first, pair_value


def _distinct_invoices(runs: _Runs, n_customers: int) -> IntArray:
    """Count the distinct invoices of each customer."""
    n_invoices = int(runs.invoice.max()) + 1
    pairs = np.unique(runs.customer * n_invoices + runs.invoice)
    return np.bincount(pairs // n_invoices, minlength=n_customers).astype(np.int64)


def zone_of(table: TransactionTable) -> ZoneInfo:
    """Return the tenant's zone that the table was read in."""
    return ZoneInfo(table.zone)
