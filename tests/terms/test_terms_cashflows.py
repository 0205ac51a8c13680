"""XIRR, IRR, NPV and XNPV: root selection, errors, day counts and batch agreement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from b2bcredit.core.daycount import DayCount
from b2bcredit.core.errors import InvalidInputError, InvalidTypeError
from b2bcredit.core.money import Money
from b2bcredit.terms.cashflows import NoRateError, irr, npv, xirr, xirr_many, xnpv

DATES = [date(2020, 1, 1), date(2020, 3, 1), date(2020, 10, 30), date(2021, 2, 15)]
AMOUNTS = [-10000, 5750, 4250, 3250]


class TestXirr:
    def test_npv_at_xirr_is_zero(self) -> None:
        """The XNPV at the XIRR is zero to a fraction of a cent."""
        rate = xirr(DATES, AMOUNTS)
        assert abs(xnpv(Decimal(repr(rate)), DATES, AMOUNTS)) < Decimal("1e-6")

    def test_order_does_not_matter(self) -> None:
        """Shuffled pairs give the same rate."""
        order = [2, 0, 3, 1]
        shuffled = xirr([DATES[i] for i in order], [AMOUNTS[i] for i in order])
        assert shuffled == pytest.approx(xirr(DATES, AMOUNTS), abs=1e-13)

    def test_money_and_decimal_amounts(self) -> None:
        """Money, Decimal and str amounts are accepted alike."""
        as_money = [Money(str(value), "EUR") for value in AMOUNTS]
        assert xirr(DATES, as_money) == xirr(DATES, [Decimal(value) for value in AMOUNTS])

    def test_day_counts_differ(self) -> None:
        """ACT/360 gives a different rate than ACT/365F for the same flows."""
        assert xirr(DATES, AMOUNTS, day_count=DayCount.ACT_360) != xirr(DATES, AMOUNTS)
        assert xirr(DATES, AMOUNTS, day_count=DayCount.ACT_ACT_ISDA) > 0

    def test_negative_rate(self) -> None:
        """A loss gives a negative rate."""
        assert xirr([date(2021, 1, 1), date(2022, 1, 1)], [-100, 90]) == pytest.approx(-0.1, abs=1e-12)

    def test_floats_rejected(self) -> None:
        """Float amounts are rejected."""
        with pytest.raises(InvalidTypeError):
            xirr(DATES, [-10000.0, 5750.0, 4250.0, 3250.0])  # type: ignore[list-item]

    def test_one_sign_has_no_rate(self) -> None:
        """All-positive flows have no rate: a clear error."""
        with pytest.raises(NoRateError, match="positive and one negative"):
            xirr(DATES, [1, 2, 3, 4])

    def test_length_mismatch(self) -> None:
        """Dates and amounts must pair up."""
        with pytest.raises(InvalidInputError, match="dates"):
            xirr(DATES[:3], AMOUNTS)

    def test_multiple_sign_changes_without_root(self) -> None:
        """Flows that change sign twice but never cross zero raise NoRateError."""
        with pytest.raises(NoRateError, match="no zero"):
            irr([-100, 300, -300])  # NPV = -100 + 300 v - 300 v^2 < 0 for every v

    def test_datetime_rejected(self) -> None:
        """A datetime is not a date for a day count."""
        from datetime import datetime

        with pytest.raises(InvalidTypeError):
            xirr([datetime(2020, 1, 1), datetime(2021, 1, 1)], [-100, 110])


class TestIrr:
    @pytest.mark.parametrize(
        ("flows", "guess", "expected"),
        [
            # Roots -0.7689 and 1.8544; Excel's IRR with its default guess returns 1.8544
            # (numpy-financial GitHub issue "Wrong IRR calculated (discrepency from Excel)").
            pytest.param([-50, -100, 600, 300, -100], None, 1.854417828, id="issue-28-default"),
            pytest.param([-50, -100, 600, 300, -100], -0.75, -0.768895471, id="issue-28-guess"),
            # Roots -0.018 and 0.12, and the expected IRR is 12 % (numpy-financial GitHub
            # issue "IRR chooses solution closest to zero not always correct choice").
            pytest.param(
                [-217500.0, -217500.0, 108466.80462450592, 101129.96439328062, 93793.12416205535,
                 86456.28393083003, 79119.44369960476, 71782.60346837944, 64445.76323715414,
                 57108.92300592884, 49772.08277470355, 42435.24254347826, 35098.40231225296,
                 27761.56208102766, 20424.721849802358, 13087.88161857707, 5751.041387351768,
                 -1585.7988438735192, -8922.639075098821, -16259.479306324123, -23596.31953754941,
                 -30933.159768774713, -38270.0, -45606.8402312253, -52943.680462450604,
                 -60280.520693675906, -67617.36092490121],
                None, 0.12, id="issue-39",
            ),
            # The numpy-financial docstring example.
            pytest.param([-100, 39, 59, 55, 20], None, 0.28094842116, id="npf-docstring"),
        ],
    )
    def test_root_selection(self, flows: list[float], guess: float | None, expected: float) -> None:
        """The documented rule picks the expected root among several."""
        values = [Decimal(repr(value)) for value in flows]
        assert irr(values, guess=guess) == pytest.approx(expected, abs=1e-8)

    def test_bad_guess(self) -> None:
        """A guess at or below -1 is rejected."""
        with pytest.raises(InvalidInputError, match="guess"):
            irr([-100, 110], guess=-1.5)


class TestNpv:
    def test_npv_exact(self) -> None:
        """NPV at 10 % of -100, 110 is exactly zero."""
        assert npv("0.1", [-100, 110]) == 0

    def test_xnpv_one_year(self) -> None:
        """110 one 365-day year later is worth 100 at 10 %."""
        value = xnpv("0.1", [date(2021, 1, 1), date(2022, 1, 1)], [0, 110])
        assert value.quantize(Decimal("0.000001")) == Decimal("100.000000")

    def test_rate_at_minus_one(self) -> None:
        """A rate of -100 % has no present value."""
        with pytest.raises(InvalidInputError, match="rate"):
            npv("-1", [1, 2])


class TestBatch:
    def test_batch_equals_single_bit_for_bit(self) -> None:
        """Each row of xirr_many is exactly xirr of that row."""
        rng = np.random.default_rng(7)
        count = 200
        offsets = np.concatenate(
            [np.zeros((count, 1), dtype=np.int64), np.cumsum(rng.integers(20, 40, (count, 11)), axis=1)], axis=1
        )
        dates = np.datetime64("2021-03-01") + offsets.astype("timedelta64[D]")
        amounts = np.concatenate(
            [-rng.integers(10_000, 1_000_000, (count, 1)), rng.integers(1_000, 120_000, (count, 11))], axis=1
        )
        rates = xirr_many(dates, amounts)
        for row in range(count):
            single = xirr([day.astype(object) for day in dates[row]], [int(value) for value in amounts[row]])
            assert single == rates[row]

    def test_batch_nan_or_raise(self) -> None:
        """Rows without a rate are NaN, or raise when asked to."""
        dates = np.array(["2021-01-01", "2022-01-01"], dtype="datetime64[D]")
        amounts = np.array([[-100, 110], [100, 110]])
        rates = xirr_many(dates, amounts)
        assert rates[0] == pytest.approx(0.1, abs=1e-12)
        assert np.isnan(rates[1])
        with pytest.raises(NoRateError, match=r"amounts\[1\]"):
            xirr_many(dates, amounts, on_no_rate="raise")

    def test_batch_rejects_float_amounts(self) -> None:
        """Batch amounts must be integer minor units."""
        with pytest.raises(InvalidTypeError):
            xirr_many(np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[D]"), np.array([[-1.0, 2.0]]))

    def test_batch_mixed_sign_changes(self) -> None:
        """A batch mixing conventional and multi-root rows solves each by its rule."""
        dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + 5 * 365, 365)
        amounts = np.array([[-50, -100, 600, 300, -100], [-100, 30, 40, 50, 10]])
        rates = xirr_many(dates, amounts)
        assert rates[0] == pytest.approx(1.8544, abs=1e-3)
        assert rates[1] == pytest.approx(xirr(list(dates.astype(object)), [-100, 30, 40, 50, 10]), abs=0)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=10_000, max_value=10**9),
    st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=24),
    st.lists(st.integers(min_value=60, max_value=400), min_size=24, max_size=24),
)
def test_conventional_loan_xirr_zeroes_npv(advance: int, percents: list[int], gaps: list[int]) -> None:
    """One advance then payments (1 % to 100 % of it each, 60+ days apart): XIRR zeroes the NPV.

    Payments of at most 24 times the advance over at least 60 days keep the rate inside
    the searchable range, so a rate always exists.
    """
    start = date(2020, 1, 1)
    dates = [start]
    for gap in gaps[: len(percents)]:
        dates.append(dates[-1] + timedelta(days=gap))
    amounts = [-advance, *(advance * percent // 100 for percent in percents)]
    rate = xirr(dates, amounts)
    # Near -100 % the float 1 + rate has too few digits to recheck the NPV.
    assume(rate > -0.9)
    years = [(day - start).days / 365 for day in dates]
    present = sum(amount / (1 + rate) ** year for year, amount in zip(years, amounts, strict=True))
    scale = sum(abs(amount) / (1 + rate) ** year for year, amount in zip(years, amounts, strict=True))
    assert abs(present) <= 1e-9 * scale
