"""Stability monitoring of a scorecard: PSI of the score and of each feature's bins.

Feature PSI uses the model's own bins (Missing and Special bins included, plus one slot
for categories unseen in training), so a shift is read in the units the model scores.
Score PSI uses the reference sample's score deciles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from b2bcredit.scoring.metrics import (
    DEFAULT_PSI_PSEUDO_COUNT,
    PsiResult,
    population_stability_index,
    psi_of_values,
)
from b2bcredit.scoring.scorecard import Scorecard

__all__ = ["feature_stability", "score_stability"]

Columns = Mapping[str, npt.ArrayLike | Sequence[object]]


def _bin_counts(model: Scorecard, columns: Columns, rows: int | None) -> npt.NDArray[np.float64]:
    batch = model.score_batch(columns, rows=rows)
    counts = np.zeros((len(model.features), max(len(f.binning.bins) for f in model.features) + 1))
    for index, feature in enumerate(model.features):
        positions = batch.bins[:, index].copy()
        # Position -1 (an unseen category) is counted in the slot after the feature's bins.
        positions[positions == -1] = len(feature.binning.bins)
        counts[index, : len(feature.binning.bins) + 1] = np.bincount(
            positions, minlength=len(feature.binning.bins) + 1
        )
    return counts


def feature_stability(
    model: Scorecard,
    expected: Columns,
    actual: Columns,
    *,
    pseudo_count: float = DEFAULT_PSI_PSEUDO_COUNT,
    expected_rows: int | None = None,
    actual_rows: int | None = None,
) -> dict[str, PsiResult]:
    """Return each feature's PSI between a reference sample and a recent one, over the model's bins.

    The unseen-category slot appears only when either sample has such values, so a
    numeric feature is compared over exactly its bins.
    """
    expected_counts = _bin_counts(model, expected, expected_rows)
    actual_counts = _bin_counts(model, actual, actual_rows)
    results: dict[str, PsiResult] = {}
    for index, feature in enumerate(model.features):
        size = len(feature.binning.bins)
        labels = tuple(b.label for b in feature.binning.bins)
        if expected_counts[index, size] or actual_counts[index, size]:
            size += 1
            labels += ("unseen category",)
        results[feature.name] = population_stability_index(
            expected_counts[index, :size],
            actual_counts[index, :size],
            pseudo_count=pseudo_count,
            labels=labels,
        )
    return results


def score_stability(
    model: Scorecard,
    expected: Columns,
    actual: Columns,
    *,
    bins: int = 10,
    pseudo_count: float = DEFAULT_PSI_PSEUDO_COUNT,
) -> PsiResult:
    """Return the PSI of the score between a reference sample and a recent one (deciles)."""
    return psi_of_values(
        model.score_batch(expected).scores,
        model.score_batch(actual).scores,
        bins=bins,
        pseudo_count=pseudo_count,
    )
