"""Schedules and XIRR: b2bcredit beside numpy-financial and pyxirr, on SBA loan amounts.

Three jobs:
- 100,000 twelve-month annuity schedules: b2bcredit's exact batch builder (integer
  minor units, every row rounded to the cent, principal summing to the amount) beside
  numpy-financial's vectorised float ``pmt``/``ipmt``/``ppmt`` (unrounded floats).
- one XIRR over a 100-flow series: ``xirr`` beside ``pyxirr.xirr``.
- XIRR of 100,000 twelve-flow loans: ``xirr_many`` (vectorised) beside pyxirr in a loop.

Loan amounts are the gross approved amounts of the SBA 7(a) case-study loans, resampled
to 100,000 loans; the XIRR loans are those amounts with eleven monthly payments from
their b2bcredit schedules and a random upfront fee, with payment dates jittered by up
to three days.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from _timing import format_seconds, median_time, report
from b2bcredit.core.money import Money
from b2bcredit.datasets.paths import find_data_file
from b2bcredit.terms.cashflows import xirr, xirr_many
from b2bcredit.terms.schedule import ScheduleSpec, build_schedule, build_schedules

LOANS = 100_000
RATE = "0.0824"
START = date(2024, 1, 15)


def _sba_amounts_in_cents(count: int) -> np.ndarray:
    path = find_data_file("sba_loans_case/SBAcase.11.13.17.csv")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        approved = [int(Decimal(row["GrAppv"]) * 100) for row in csv.DictReader(handle)]
    generator = np.random.default_rng(20261204)
    return generator.choice(np.array(approved, dtype=np.int64), size=count)


def _schedules(amounts: np.ndarray) -> None:
    import numpy_financial as npf

    spec = ScheduleSpec(amount=Money("1.00", "EUR"), annual_rate=RATE, instalments=12, start_date=START)
    ours = median_time(lambda: build_schedules(spec, amounts), repeat=3)

    present_values = amounts / 100.0
    periods = np.arange(1, 13)[None, :]
    rate = float(RATE) / 12

    def numpy_financial() -> None:
        npf.pmt(rate, 12, -present_values)
        npf.ipmt(rate, periods, 12, -present_values[:, None])
        npf.ppmt(rate, periods, 12, -present_values[:, None])

    theirs = median_time(numpy_financial, repeat=3)
    report(f"{LOANS:,} twelve-month schedules", ours, theirs, "numpy-financial")

    # What the float schedule does to the cents of the 2,500.00 reference loan.
    principal = -npf.ppmt(rate, np.arange(1, 13), 12, 2500.00)
    exact = build_schedule(ScheduleSpec(amount=Money("2500.00", "EUR"), annual_rate=RATE, instalments=12,
                                        start_date=START))
    print(f"   2,500.00 at 8.24 %: numpy-financial's principal rounded to cents sums to "
          f"{np.round(principal, 2).sum():.2f}; b2bcredit's to {exact.totals.principal.amount}")


def _single_xirr() -> None:
    import pyxirr

    generator = random.Random(7)
    dates = [date(2020, 1, 1)]
    for _ in range(99):
        dates.append(dates[-1] + timedelta(days=generator.randint(25, 35)))
    amounts = [-1_000_000] + [generator.randint(8_000, 20_000) for _ in range(99)]
    ours = median_time(lambda: xirr(dates, amounts), repeat=7, number=200)
    theirs = median_time(lambda: pyxirr.xirr(dates, amounts), repeat=7, number=2000)
    report("one XIRR, 100 flows", ours, theirs, "pyxirr")


def _many_xirr(amounts: np.ndarray) -> None:
    import pyxirr

    spec = ScheduleSpec(amount=Money("1.00", "EUR"), annual_rate=RATE, instalments=11, start_date=START)
    payments = build_schedules(spec, amounts).payment
    generator = np.random.default_rng(11)
    fees = (amounts * generator.uniform(0.0, 0.03, amounts.size)).astype(np.int64)
    flows = np.concatenate([-(amounts - fees)[:, None], payments], axis=1)
    offsets = np.concatenate(
        [np.zeros((amounts.size, 1), dtype=np.int64),
         30 * np.arange(1, 12)[None, :] + generator.integers(-3, 4, (amounts.size, 11))],
        axis=1,
    )
    dates = np.datetime64(START) + offsets.astype("timedelta64[D]")
    ours = median_time(lambda: xirr_many(dates, flows), repeat=3)

    date_rows = [list(row.astype(object)) for row in dates]
    float_rows = [row.astype(float).tolist() for row in flows]

    def pyxirr_loop() -> None:
        for row_dates, row_amounts in zip(date_rows, float_rows, strict=True):
            pyxirr.xirr(row_dates, row_amounts)

    theirs = median_time(pyxirr_loop, repeat=3)
    report(f"XIRR of {LOANS:,} twelve-flow loans", ours, theirs, "pyxirr loop")

    ours_rates = xirr_many(dates, flows)
    sample = range(0, amounts.size, amounts.size // 1000)
    gap = max(abs(ours_rates[i] - pyxirr.xirr(date_rows[i], float_rows[i])) for i in sample)
    print(f"   largest difference from pyxirr over 1,000 loans: {gap:.1e}")


def main() -> None:
    """Print medians and ratios for schedules and XIRR."""
    try:
        import numpy_financial  # noqa: F401
        import pyxirr  # noqa: F401
    except ImportError:
        print("numpy-financial or pyxirr is not installed (pip install -e '.[bench]'); skipping")
        return
    amounts = _sba_amounts_in_cents(LOANS)
    _schedules(amounts)
    _single_xirr()
    _many_xirr(amounts)
    single = ScheduleSpec(amount=Money("2500.00", "EUR"), annual_rate=RATE, instalments=12, start_date=START)
    elapsed = median_time(lambda: build_schedule(single), repeat=5, number=20)
    print(f"   one twelve-month schedule with its APR, for reference: {format_seconds(elapsed)}")
