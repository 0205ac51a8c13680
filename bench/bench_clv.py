"""CLV on Online Retail: b2bcredit beside lifetimes, the usual Python CLV package.

Four steps are timed, each on its own and all together. They are the per-customer summary
from the cleaned order lines, the BG/NBD fit, the Gamma-Gamma fit, and the 12-month
discounted CLV of every customer (30-day months, 1% a month, as lifetimes computes it). Both start from
the same loaded lines: lifetimes from a pandas DataFrame of the sale lines, b2bcredit from
its TransactionTable. Both log-likelihoods are evaluated by the same function on the same
summary, so they compare directly.
"""

from __future__ import annotations

from typing import Any

from _timing import format_seconds, median_time, report
from b2bcredit.datasets.paths import DataFileNotFoundError, find_data_file
from b2bcredit.segments.clv import (
    BetaGeoParams,
    GammaGammaParams,
    bgnbd_log_likelihood,
    customer_lifetime_value,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from b2bcredit.segments.summary import summarise_customers
from b2bcredit.segments.transactions import TransactionTable, read_transactions

_REPEAT_OURS = 15
_REPEAT_THEIRS = 5


def _sales_frame(table: TransactionTable) -> Any:
    import numpy as np
    import pandas as pd

    lines = np.flatnonzero(table.sales_mask())
    local = pd.to_datetime(table.instant[lines], unit="s", utc=True).tz_convert(table.zone)
    return pd.DataFrame({
        "CustomerID": np.asarray(table.customer_ids, dtype=object)[table.customer[lines]],
        "InvoiceDate": local.tz_localize(None),
        "Revenue": table.quantity[lines] * table.price[lines] / 10_000.0,
    })


def main() -> None:
    """Print medians per step, in total, the ratio, and both fits' log-likelihoods."""
    try:
        path = find_data_file("online_retail/online_retail.csv.gz")
    except DataFileNotFoundError as error:
        print(f"skipping: {error}")
        return
    table = read_transactions(path, currency="GBP", zone="Europe/London")

    def ours_all() -> Any:
        summary = summarise_customers(table)
        bgnbd = fit_bgnbd(summary.frequency, summary.recency, summary.T)
        gamma_gamma = fit_gamma_gamma(summary.frequency, summary.monetary_value)
        return customer_lifetime_value(
            bgnbd.params, gamma_gamma.params, summary.frequency, summary.recency, summary.T,
            summary.monetary_value, months=12, monthly_discount_rate=0.01,
        )

    summary = summarise_customers(table)
    bgnbd = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    gamma_gamma = fit_gamma_gamma(summary.frequency, summary.monetary_value)
    x, t_x, age, m = summary.frequency, summary.recency, summary.T, summary.monetary_value
    ours = {
        "summary": median_time(lambda: summarise_customers(table), _REPEAT_OURS),
        "BG/NBD fit": median_time(lambda: fit_bgnbd(x, t_x, age), _REPEAT_OURS),
        "Gamma-Gamma fit": median_time(lambda: fit_gamma_gamma(x, m), _REPEAT_OURS),
        "12-month CLV, every customer": median_time(
            lambda: customer_lifetime_value(bgnbd.params, gamma_gamma.params, x, t_x, age, m),
            _REPEAT_OURS),
        "all four steps": median_time(ours_all, _REPEAT_OURS),
    }

    try:
        import lifetimes
        from lifetimes import BetaGeoFitter, GammaGammaFitter
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError:
        print("lifetimes is not installed (pip install -e '.[bench]'); b2bcredit alone:")
        for label, seconds in ours.items():
            print(f"{label:<44} b2bcredit {format_seconds(seconds):>10}")
        return

    frame = _sales_frame(table)

    def their_summary() -> Any:
        return summary_data_from_transaction_data(
            frame, "CustomerID", "InvoiceDate", monetary_value_col="Revenue", freq="D")

    their = their_summary()
    bg = BetaGeoFitter().fit(their["frequency"], their["recency"], their["T"])
    repeaters = their[their["frequency"] > 0]
    gg = GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])

    def their_clv() -> Any:
        return gg.customer_lifetime_value(
            bg, their["frequency"], their["recency"], their["T"], their["monetary_value"],
            time=12, discount_rate=0.01, freq="D")

    def theirs_all() -> Any:
        data = their_summary()
        fitted_bg = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
        rows = data[data["frequency"] > 0]
        fitted_gg = GammaGammaFitter().fit(rows["frequency"], rows["monetary_value"])
        return fitted_gg.customer_lifetime_value(
            fitted_bg, data["frequency"], data["recency"], data["T"], data["monetary_value"],
            time=12, discount_rate=0.01, freq="D")

    theirs = {
        "summary": median_time(their_summary, _REPEAT_THEIRS),
        "BG/NBD fit": median_time(
            lambda: BetaGeoFitter().fit(their["frequency"], their["recency"], their["T"]),
            _REPEAT_THEIRS),
        "Gamma-Gamma fit": median_time(
            lambda: GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"]),
            _REPEAT_THEIRS),
        "12-month CLV, every customer": median_time(their_clv, _REPEAT_THEIRS),
        "all four steps": median_time(theirs_all, _REPEAT_THEIRS),
    }
    print(f"Online Retail: {len(summary)} customers, lifetimes {lifetimes.__version__}")
    for label in ours:
        report(label, ours[label], theirs[label], "lifetimes")

    # Both fits scored by one log-likelihood function on b2bcredit's summary.
    their_bg = BetaGeoParams(*(float(bg.params_[name]) for name in ("r", "alpha", "a", "b")))
    their_gg = GammaGammaParams(*(float(gg.params_[name]) for name in ("p", "q", "v")))
    print(f"BG/NBD log-likelihood      b2bcredit {bgnbd.log_likelihood:.6f}   lifetimes "
          f"{bgnbd_log_likelihood(their_bg, x, t_x, age):.6f}")
    print(f"Gamma-Gamma log-likelihood b2bcredit {gamma_gamma.log_likelihood:.6f}   lifetimes "
          f"{gamma_gamma_log_likelihood(their_gg, x, m):.6f}")
    ours_clv = ours_all()
    print(f"total 12-month CLV         b2bcredit {ours_clv.sum():.2f}   lifetimes "
          f"{float(their_clv().sum()):.2f}")


if __name__ == "__main__":
    main()
