"""RFM: recency, frequency and monetary value with quintile scores and named segments.

Scores run from 1 (worst) to 5 (best). Customers are ranked by the value, and equal
values share the score of their mean rank, so two customers with the same value always
get the same score. With distinct values every quintile holds n/5 customers (±1); ties
make some quintiles larger (a one-day window gives every customer the middle recency
score, where ranking ties by position would call some of them hibernating). Recency is
the number of days from the last purchase day to the last day of the window, so fewer
days score higher. Frequency counts invoices. Monetary value is net sales, the exact
sales value less returns and cancellations, so a customer who cancelled everything
scores lowest, not by the size of the orders it took back.

The named segments follow the widely used grid over the recency and frequency scores
(champions, loyal customers, at risk, ...), kept as data in :data:`RFM_SEGMENT_RULES`.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.summary import CustomerSummary

__all__ = ["RFM_SEGMENT_RULES", "RfmSegment", "RfmTable", "quintile_scores", "score_rfm"]

IntArray = npt.NDArray[np.int64]


class RfmSegment(enum.Enum):
    """A named group of customers on the recency × frequency score grid."""

    CHAMPIONS = "champions"  # bought recently and often
    LOYAL_CUSTOMERS = "loyal_customers"  # buy often, fairly recently
    POTENTIAL_LOYALISTS = "potential_loyalists"  # recent, with a few purchases
    NEW_CUSTOMERS = "new_customers"  # very recent first purchases
    PROMISING = "promising"  # recent, one or two purchases
    NEED_ATTENTION = "need_attention"  # middling recency and frequency
    ABOUT_TO_SLEEP = "about_to_sleep"  # middling recency, few purchases
    AT_RISK = "at_risk"  # bought often, but not for a while
    CANNOT_LOSE_THEM = "cannot_lose_them"  # the most frequent buyers, long silent
    HIBERNATING = "hibernating"  # long silent, few purchases


# (recency scores, frequency scores, segment): the first row that matches wins.
RFM_SEGMENT_RULES: Final[tuple[tuple[frozenset[int], frozenset[int], RfmSegment], ...]] = (
    (frozenset({5}), frozenset({4, 5}), RfmSegment.CHAMPIONS),
    (frozenset({3, 4}), frozenset({4, 5}), RfmSegment.LOYAL_CUSTOMERS),
    (frozenset({4, 5}), frozenset({2, 3}), RfmSegment.POTENTIAL_LOYALISTS),
    (frozenset({5}), frozenset({1}), RfmSegment.NEW_CUSTOMERS),
    (frozenset({4}), frozenset({1}), RfmSegment.PROMISING),
    (frozenset({3}), frozenset({3}), RfmSegment.NEED_ATTENTION),
    (frozenset({3}), frozenset({1, 2}), RfmSegment.ABOUT_TO_SLEEP),
    (frozenset({1, 2}), frozenset({5}), RfmSegment.CANNOT_LOSE_THEM),
    (frozenset({1, 2}), frozenset({3, 4}), RfmSegment.AT_RISK),
    (frozenset({1, 2}), frozenset({1, 2}), RfmSegment.HIBERNATING),
)


def _segment_grid() -> tuple[tuple[RfmSegment, ...], ...]:
    grid: list[tuple[RfmSegment, ...]] = []
    for recency_score in range(1, 6):
        row: list[RfmSegment] = []
        for frequency_score in range(1, 6):
            for recencies, frequencies, segment in RFM_SEGMENT_RULES:
                if recency_score in recencies and frequency_score in frequencies:
                    row.append(segment)
                    break
            else:  # pragma: no cover - the rules cover the whole grid, as a test checks
                raise AssertionError(f"no RFM segment for R={recency_score}, F={frequency_score}")
        grid.append(tuple(row))
    return tuple(grid)


_GRID: Final = _segment_grid()


def segment_of(recency_score: int, frequency_score: int) -> RfmSegment:
    """Return the named segment of a recency and frequency score (each 1 to 5)."""
    for name, score in (("recency_score", recency_score), ("frequency_score", frequency_score)):
        if not 1 <= score <= 5:
            raise InvalidInputError(name, score, "scores run from 1 to 5", "Pass 1 to 5.")
    return _GRID[recency_score - 1][frequency_score - 1]


def quintile_scores(values: npt.ArrayLike, *, higher_is_better: bool = True) -> IntArray:
    """Score values 1 to 5 by quintile of rank; equal values share their mean rank's score.

    With ``n`` values, a value at rank ``i`` (0-based, worst first) scores ``1 + 5 i // n``,
    where ``i`` is the mean of the ranks its equal values span.
    """
    array = np.asarray(values)
    if array.ndim != 1 or array.size == 0:
        raise InvalidInputError("values", array.shape, "expected a non-empty 1-D array",
                                "Pass one value per customer.")
    keyed = array if higher_is_better else -array.astype(np.float64)
    order = np.argsort(keyed, kind="stable")
    ordered = keyed[order]

    # A run of equal values spans ranks first..last; its mean rank is (first + last) / 2.
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], array.size] - 1
    run = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    twice_mean_rank = (starts + ends)[run]

    scores = np.empty(array.size, dtype=np.int64)
    scores[order] = 1 + (5 * twice_mean_rank) // (2 * array.size)
    return scores


@attrs.frozen(slots=True, eq=False)
class RfmTable:
    """RFM values, scores and segments, one entry per summarised customer."""

    recency_days: IntArray
    frequency: IntArray
    # Net sales (sales less returns and cancellations) in units of 1 / PRICE_SCALE of the currency.
    monetary: IntArray
    recency_score: IntArray
    frequency_score: IntArray
    monetary_score: IntArray
    segments: tuple[RfmSegment, ...]

    def score_code(self, index: int) -> str:
        """Return the customer's scores as the usual three-digit code, such as ``545``."""
        return (f"{self.recency_score[index]}{self.frequency_score[index]}"
                f"{self.monetary_score[index]}")


def score_rfm(summary: CustomerSummary) -> RfmTable:
    """Score every customer of a summary."""
    recency_days = summary.days_since_last_purchase()
    recency_score = quintile_scores(recency_days, higher_is_better=False)
    frequency_score = quintile_scores(summary.invoices)
    net_sales = summary.revenue + summary.returns
    monetary_score = quintile_scores(net_sales)
    segments = tuple(
        _GRID[r - 1][f - 1] for r, f in zip(recency_score.tolist(), frequency_score.tolist(),
                                            strict=True)
    )
    return RfmTable(
        recency_days=recency_days,
        frequency=summary.invoices,
        monetary=net_sales,
        recency_score=recency_score,
        frequency_score=frequency_score,
        monetary_score=monetary_score,
        segments=segments,
    )
