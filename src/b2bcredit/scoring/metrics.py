"""Discrimination and stability: AUC, Gini, KS and the population stability index.

Scores follow the library's direction (higher is safer) and targets mark a bad with 1,
so AUC is the probability that a random good outscores a random bad, ties counting half.
"""

from __future__ import annotations

import enum
import itertools
import math

import attrs
import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from b2bcredit.core.errors import InvalidInputError

__all__ = [
    "DEFAULT_PSI_PSEUDO_COUNT",
    "PsiBand",
    "PsiResult",
    "auc",
    "gini",
    "ks_statistic",
    "population_stability_index",
    "psi_of_values",
]

FloatArray = npt.NDArray[np.float64]

# A tenth of a case in an empty bin keeps ln(actual/expected) finite without letting
# the empty bin dominate the index.
DEFAULT_PSI_PSEUDO_COUNT = 0.1


def _scores_and_targets(
    scores: npt.ArrayLike, targets: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    score_array = np.asarray(scores, dtype=np.float64)
    target_array = np.asarray(targets, dtype=np.float64)
    if score_array.shape != target_array.shape or score_array.ndim != 1:
        raise InvalidInputError(
            "targets",
            target_array.shape,
            "needs the same one-dimensional shape as scores",
            f"Pass one target per score ({score_array.shape[0]} scores).",
        )
    if not np.isfinite(score_array).all():
        raise InvalidInputError(
            "scores", "NaN or infinity", "scores must be finite", "Score every row first."
        )
    if not np.isin(target_array, (0.0, 1.0)).all():
        raise InvalidInputError(
            "targets",
            np.unique(target_array)[:5].tolist(),
            "targets must be 0 or 1",
            "Mark a bad with 1 and a good with 0.",
        )
    bads = int(target_array.sum())
    if bads == 0 or bads == target_array.size:
        raise InvalidInputError(
            "targets",
            f"{bads} bads of {target_array.size}",
            "AUC and KS need both goods and bads",
            "Pass a sample with both classes.",
        )
    return score_array, target_array


def auc(scores: npt.ArrayLike, targets: npt.ArrayLike) -> float:
    """Return the area under the ROC curve: P(score of a good > score of a bad), ties half."""
    score_array, target_array = _scores_and_targets(scores, targets)
    ranks = rankdata(score_array)  # average ranks, so ties count half
    goods = target_array == 0
    good_count = float(goods.sum())
    bad_count = float(target_array.size - good_count)
    rank_sum = float(ranks[goods].sum())
    return (rank_sum - good_count * (good_count + 1) / 2) / (good_count * bad_count)


def gini(scores: npt.ArrayLike, targets: npt.ArrayLike) -> float:
    """Return the Gini coefficient (accuracy ratio), 2 * AUC - 1."""
    return 2.0 * auc(scores, targets) - 1.0


def ks_statistic(scores: npt.ArrayLike, targets: npt.ArrayLike) -> float:
    """Return the Kolmogorov-Smirnov statistic: the widest gap between the cumulative
    score distributions of bads and goods, evaluated at every distinct score."""
    score_array, target_array = _scores_and_targets(scores, targets)
    order = np.argsort(score_array, kind="stable")
    sorted_scores = score_array[order]
    sorted_bads = target_array[order]
    cumulative_bads = np.cumsum(sorted_bads) / sorted_bads.sum()
    cumulative_goods = np.cumsum(1.0 - sorted_bads) / (1.0 - sorted_bads).sum()
    # Evaluate only where the score changes, so tied scores never split into two steps.
    last_of_each_value = np.append(sorted_scores[1:] != sorted_scores[:-1], True)
    gaps = np.abs(cumulative_bads - cumulative_goods)[last_of_each_value]
    return float(gaps.max())


class PsiBand(enum.Enum):
    """The usual reading of a population stability index."""

    STABLE = "stable"  # below 0.10: no action
    MODERATE_SHIFT = "moderate_shift"  # 0.10 to below 0.25: investigate
    SIGNIFICANT_SHIFT = "significant_shift"  # 0.25 or more: the model may need a refit

    @classmethod
    def of(cls, psi: float) -> PsiBand:
        if psi < 0.10:
            return cls.STABLE
        if psi < 0.25:
            return cls.MODERATE_SHIFT
        return cls.SIGNIFICANT_SHIFT


@attrs.frozen
class PsiResult:
    """A population stability index with its per-bin terms.

    Attributes:
        psi: sum over bins of (actual share - expected share) * ln(actual / expected).
        band: the reading of ``psi`` (0.10 and 0.25 thresholds).
        contributions: each bin's term of the sum.
        empty_expected_bins: indices of bins with no expected rows (pseudo-count used).
        empty_actual_bins: indices of bins with no actual rows (pseudo-count used).
        labels: the bins' labels, when the caller named them.
    """

    psi: float
    band: PsiBand
    contributions: tuple[float, ...]
    empty_expected_bins: tuple[int, ...]
    empty_actual_bins: tuple[int, ...]
    labels: tuple[str, ...] = ()


def population_stability_index(
    expected: npt.ArrayLike,
    actual: npt.ArrayLike,
    *,
    pseudo_count: float = DEFAULT_PSI_PSEUDO_COUNT,
    labels: tuple[str, ...] = (),
) -> PsiResult:
    """Return the PSI of two distributions given as per-bin counts or shares.

    Counts of zero get ``pseudo_count`` added before the shares are taken, so an empty
    bin adds a large but finite term, and the result lists which bins were empty. Pass
    shares that already sum to 1 with ``pseudo_count=0`` to reproduce a published example.
    """
    expected_array = np.asarray(expected, dtype=np.float64)
    actual_array = np.asarray(actual, dtype=np.float64)
    if (
        expected_array.shape != actual_array.shape
        or expected_array.ndim != 1
        or expected_array.size < 1
    ):
        raise InvalidInputError(
            "actual",
            actual_array.shape,
            "needs the same number of bins as expected",
            f"Pass {expected_array.size} actual counts.",
        )
    if (
        (expected_array < 0).any()
        or (actual_array < 0).any()
        or not (np.isfinite(expected_array).all() and np.isfinite(actual_array).all())
    ):
        raise InvalidInputError(
            "expected",
            expected_array.tolist(),
            "counts must be finite and at least 0",
            "Pass per-bin counts or shares.",
        )
    if pseudo_count < 0 or not math.isfinite(pseudo_count):
        raise InvalidInputError(
            "pseudo_count",
            pseudo_count,
            "must be a finite number of at least 0",
            "Pass 0.1 or another small positive count.",
        )
    empty_expected = tuple(int(i) for i in np.flatnonzero(expected_array == 0))
    empty_actual = tuple(int(i) for i in np.flatnonzero(actual_array == 0))
    expected_filled = np.where(expected_array == 0, pseudo_count, expected_array)
    actual_filled = np.where(actual_array == 0, pseudo_count, actual_array)
    if (expected_filled == 0).any() or (actual_filled == 0).any():
        raise InvalidInputError(
            "pseudo_count",
            pseudo_count,
            "an empty bin needs a positive pseudo-count",
            "Pass pseudo_count=0.1.",
        )
    expected_share = expected_filled / expected_filled.sum()
    actual_share = actual_filled / actual_filled.sum()
    contributions = (actual_share - expected_share) * np.log(actual_share / expected_share)
    psi = float(contributions.sum())
    return PsiResult(
        psi=psi,
        band=PsiBand.of(psi),
        contributions=tuple(float(c) for c in contributions),
        empty_expected_bins=empty_expected,
        empty_actual_bins=empty_actual,
        labels=labels,
    )


def psi_of_values(
    expected_values: npt.ArrayLike,
    actual_values: npt.ArrayLike,
    *,
    bins: int = 10,
    pseudo_count: float = DEFAULT_PSI_PSEUDO_COUNT,
) -> PsiResult:
    """Return the PSI of a continuous value (a score) between two samples.

    Bin edges are the expected sample's deciles (or ``bins`` quantiles); NaN values form
    their own last bin, so a rise in missing values shows up as a shift.
    """
    expected_array = np.asarray(expected_values, dtype=np.float64)
    actual_array = np.asarray(actual_values, dtype=np.float64)
    if bins < 2:
        raise InvalidInputError("bins", bins, "needs at least 2 bins", "Pass bins=10 for deciles.")
    finite = expected_array[~np.isnan(expected_array)]
    if finite.size == 0:
        raise InvalidInputError(
            "expected_values", "all NaN", "needs at least one value", "Pass the reference sample."
        )
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
    edges_with_nan = np.append(edges, np.nan)

    def counts(values: FloatArray) -> FloatArray:
        index = np.searchsorted(edges_with_nan, values, side="right")
        return np.bincount(index, minlength=edges.size + 2).astype(np.float64)

    labels = (
        tuple([f"< {edges[0]:.6g}"] if edges.size else [])
        + tuple(f"[{low:.6g}, {high:.6g})" for low, high in itertools.pairwise(edges))
        + ((f">= {edges[-1]:.6g}",) if edges.size else ("all",))
        + ("Missing",)
    )
    return population_stability_index(
        counts(expected_array), counts(actual_array), pseudo_count=pseudo_count, labels=labels
    )
