"""RFM quintile scores and named segments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.rfm import RfmSegment, quintile_scores, score_rfm, segment_of
from b2bcredit.segments.summary import CustomerSummary, summarise_customers
from tests.segments.conftest import line, table_from_rows


def test_quintiles_of_ten_distinct_values() -> None:
    scores = quintile_scores(np.arange(10))
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_ties_share_mean_rank_score() -> None:
    assert quintile_scores(np.array([7, 7, 7, 7, 7])).tolist() == [3, 3, 3, 3, 3]
    # The six 1s span ranks 0 to 5, mean 2.5, and score 1 + (5 * 2.5) // 10 = 2.
    scores = quintile_scores(np.array([1, 1, 1, 1, 1, 1, 2, 3, 4, 5]))
    assert scores.tolist() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]


def test_lower_is_better_reverses_scores() -> None:
    scores = quintile_scores(np.array([1, 50, 100, 200, 400]), higher_is_better=False)
    assert scores.tolist() == [5, 4, 3, 2, 1]


def test_empty_values_are_rejected() -> None:
    with pytest.raises(InvalidInputError):
        quintile_scores(np.array([]))


@given(st.lists(st.integers(0, 20), min_size=5, max_size=300))
def test_quintiles_are_balanced_and_ordered(values: list[int]) -> None:
    array = np.array(values)
    scores = quintile_scores(array)
    # A higher value never scores lower, and equal values score the same.
    order = np.argsort(array, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    for value in np.unique(array):
        assert len(set(scores[array == value].tolist())) == 1
    assert np.array_equal(quintile_scores(array), scores)


@given(st.lists(st.integers(0, 10_000), min_size=5, max_size=300, unique=True))
def test_distinct_values_fill_balanced_quintiles(values: list[int]) -> None:
    counts = np.bincount(quintile_scores(np.array(values)), minlength=6)[1:]
    assert counts.max() - counts.min() <= 1


def test_segment_grid_covers_every_score_pair() -> None:
    for recency in range(1, 6):
        for frequency in range(1, 6):
            assert isinstance(segment_of(recency, frequency), RfmSegment)


@pytest.mark.parametrize(
    ("recency", "frequency", "segment"),
    [
        (5, 5, RfmSegment.CHAMPIONS),
        (5, 1, RfmSegment.NEW_CUSTOMERS),
        (1, 5, RfmSegment.CANNOT_LOSE_THEM),
        (1, 1, RfmSegment.HIBERNATING),
        (2, 3, RfmSegment.AT_RISK),
        (3, 3, RfmSegment.NEED_ATTENTION),
    ],
)
def test_named_segments(recency: int, frequency: int, segment: RfmSegment) -> None:
    assert segment_of(recency, frequency) is segment


def test_score_out_of_range_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="recency_score"):
        segment_of(0, 3)


def test_score_rfm_on_small_table() -> None:
    rows = []
    for customer in range(5):
        for purchase in range(customer + 1):
            rows.append(line(invoice=f"{customer}-{purchase}", customer=str(customer),
                             timestamp=f"2024-01-{10 + purchase + customer:02d} 10:00:00",
                             price=f"{customer + 1}.00"))
    rfm = score_rfm(summarise_customers(table_from_rows(rows)))
    assert rfm.frequency_score.tolist() == [1, 2, 3, 4, 5]
    assert rfm.monetary_score.tolist() == [1, 2, 3, 4, 5]
    assert rfm.recency_score.tolist() == [1, 2, 3, 4, 5]
    assert rfm.segments[-1] is RfmSegment.CHAMPIONS
    assert rfm.score_code(4) == "555"


def test_cancelled_orders_score_lowest_monetary() -> None:
    """Monetary value is net of cancellations: a big order cancelled in full scores 1."""
    rows = [line(invoice=f"{c}", customer=str(c), price=f"{10 * (c + 1)}.00") for c in range(1, 5)]
    rows.append(line(invoice="9", customer="0", quantity="100", price="500.00"))
    rows.append(line(invoice="C9", customer="0", quantity="-100", price="500.00", timestamp="2024-01-11 10:00:00"))
    rfm = score_rfm(summarise_customers(table_from_rows(rows)))
    assert rfm.monetary.tolist()[0] == 0
    assert rfm.monetary_score.tolist() == [1, 2, 3, 4, 5]


@pytest.mark.realdata
def test_online_retail_rfm_is_balanced(online_retail_summary: CustomerSummary) -> None:
    rfm = score_rfm(online_retail_summary)
    n = len(rfm.segments)
    # Revenue totals are nearly all distinct and last-purchase days tie in small groups, so
    # both fill their quintiles almost evenly (measured: 867-868 and 858-880 of 4,338).
    for scores, slack in ((rfm.monetary_score, 2), (rfm.recency_score, n // 100)):
        counts = np.bincount(scores, minlength=6)[1:]
        assert np.all(np.abs(counts - n / 5) <= slack)
    # About a third of the customers bought once: they share one frequency score, the lowest.
    once = rfm.frequency == rfm.frequency.min()
    assert set(rfm.frequency_score[once].tolist()) == {1}
    assert rfm.segments.count(RfmSegment.CHAMPIONS) > 0
