"""Binning: Missing and Special bins, trends, unseen values, single and batch assignment."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.binning import (
    BinKind,
    BinningConfig,
    FeatureKind,
    FeatureSpec,
    Trend,
    fit_binning,
)


def _sample(seed: int = 0, rows: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    generator = np.random.default_rng(seed)
    x = generator.normal(size=rows)
    y = (generator.random(rows) < 1 / (1 + np.exp(2 + 1.5 * x))).astype(float)
    return x, y


def test_nan_goes_to_missing_bin_not_first() -> None:
    """A NaN lands in the Missing bin, never in the first interval."""
    x, y = _sample()
    x[:100] = np.nan
    binning = fit_binning(FeatureSpec("x"), x, y)
    assert binning.bins[binning.assign(math.nan)].kind is BinKind.MISSING
    assert binning.assign(math.nan) != 0
    assert binning.bins[-1].count == 100
    batch = binning.assign_batch(np.array([math.nan, -1e9]))
    assert batch[0] == binning.missing_index
    assert batch[1] == 0


def test_special_value_matched_before_intervals() -> None:
    """A special value (0) goes to its own bin even though it lies inside an interval."""
    x, y = _sample()
    x[:150] = 0.0
    binning = fit_binning(FeatureSpec("x", special_values=(0.0,)), x, y)
    position = binning.assign(0.0)
    assert binning.bins[position].kind is BinKind.SPECIAL
    assert binning.bins[position].count == 150
    assert binning.assign_batch(np.array([0.0]))[0] == position


def test_binning_does_not_crash_on_nan_only() -> None:
    """A column of NaN bins into the Missing bin alone."""
    _, y = _sample()
    binning = fit_binning(FeatureSpec("x"), np.full(y.size, np.nan), y)
    assert binning.bins[-1].count == y.size


def test_infeasible_trend_is_reported() -> None:
    """An ascending trend on a falling bad rate collapses to one bin and is reported."""
    x, y = _sample()
    binning = fit_binning(FeatureSpec("x", trend=Trend.ASCENDING), x, y)
    assert binning.report.trend_infeasible
    assert binning.interval_count == 1
    assert any("no ascending" in note for note in binning.report.notes)


def test_auto_trend_is_monotonic() -> None:
    """With the AUTO trend the interval WoE is monotonic."""
    x, y = _sample()
    binning = fit_binning(FeatureSpec("x"), x, y, BinningConfig(trend=Trend.AUTO))
    woe = [b.woe for b in binning.bins if b.kind is BinKind.INTERVAL]
    assert len(woe) > 1
    assert all(b > a for a, b in itertools.pairwise(woe)) or all(
        b < a for a, b in itertools.pairwise(woe)
    )


def test_min_bin_share_holds() -> None:
    """Every interval bin contains at least the minimum share of rows."""
    x, y = _sample()
    binning = fit_binning(FeatureSpec("x"), x, y, BinningConfig(min_bin_share=0.1))
    for bin_ in binning.bins:
        if bin_.kind is BinKind.INTERVAL:
            assert bin_.count >= 0.1 * x.size


def test_categorical_unseen_returns_minus_one() -> None:
    """A category unseen in training maps to -1 in both paths."""
    _, y = _sample()
    values = np.array(["a", "b", "c", "d"] * (y.size // 4), dtype=object)
    binning = fit_binning(FeatureSpec("c", kind=FeatureKind.CATEGORICAL), values, y)
    assert binning.assign("zzz") == -1
    assert binning.assign_batch(["zzz", None])[0] == -1
    assert binning.assign(None) == binning.missing_index


def test_bad_targets_raise() -> None:
    """Targets other than 0 and 1 raise."""
    with pytest.raises(InvalidInputError, match="targets"):
        fit_binning(FeatureSpec("x"), [1.0, 2.0], [0, 2])


@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0])),
        min_size=1,
        max_size=50,
    )
)
def test_single_and_batch_assignment_agree(values: list[float]) -> None:
    """assign and assign_batch give the same bin for every value, NaN and infinities included."""
    x, y = _sample(1, 500)
    x[:20] = np.nan
    x[20:60] = 0.0
    binning = fit_binning(FeatureSpec("x", special_values=(0.0,)), x, y)
    batch = binning.assign_batch(np.array(values, dtype=float))
    assert [binning.assign(v) for v in values] == batch.tolist()


def test_minus_one_is_a_value_not_missing() -> None:
    """-1 is scored as a number, and a NaN never falls into the bin of -1."""
    x, y = _sample()
    binning = fit_binning(FeatureSpec("x"), x, y)
    assert binning.bins[binning.assign(-1.0)].kind is BinKind.INTERVAL
    assert binning.assign(math.nan) != binning.assign(-1.0)


def test_chimerge_merges_indistinct_bins() -> None:
    """Without a signal ChiMerge leaves few intervals, and without ChiMerge more remain."""
    generator = np.random.default_rng(4)
    x = generator.normal(size=4000)
    y = (generator.random(4000) < 0.2).astype(float)
    merged = fit_binning(FeatureSpec("x"), x, y, BinningConfig(significance=0.05))
    unmerged = fit_binning(FeatureSpec("x"), x, y, BinningConfig(significance=None))
    assert merged.interval_count < unmerged.interval_count
    assert merged.interval_count <= 3
