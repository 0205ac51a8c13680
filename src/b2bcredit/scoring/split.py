"""Stratified hold-out splits, reproducible from a seed."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError

__all__ = ["stratified_split"]

IntArray = npt.NDArray[np.intp]


def stratified_split(
    target: npt.ArrayLike, test_share: float = 0.3, seed: int = 42
) -> tuple[IntArray, IntArray]:
    """Return sorted train and test row indices with each class split at ``test_share``.

    Each class contributes ``round(test_share * class size)`` rows to the test set, drawn
    with numpy's PCG64 generator seeded by ``seed``, so the same seed gives the same split
    on every platform.
    """
    labels = np.asarray(target)
    if not 0 < test_share < 1:
        raise InvalidInputError(
            "test_share", test_share, "must be between 0 and 1", "Pass 0.3 for a 70/30 split."
        )
    generator = np.random.Generator(np.random.PCG64(seed))
    test_parts = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        size = round(test_share * members.size)
        test_parts.append(generator.permutation(members)[:size])
    test = np.sort(np.concatenate(test_parts)).astype(np.intp)
    mask = np.ones(labels.size, dtype=bool)
    mask[test] = False
    return np.flatnonzero(mask).astype(np.intp), test
