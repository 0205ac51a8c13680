"""Scorecard fit and apply: single vs batch, missing values, model file, reasons, selection."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.binning import FeatureKind, FeatureSpec, UnobservedTreatment
from b2bcredit.scoring.fit import (
    MissingTargetPolicy,
    MissingTargetWarning,
    NoFeatureSelectedError,
    ScorecardConfig,
    fit_scorecard,
)
from b2bcredit.scoring.metrics import auc
from b2bcredit.scoring.scorecard import Scorecard


def _table(rows: int = 3000, seed: int = 3) -> tuple[dict[str, np.ndarray], np.ndarray]:
    generator = np.random.default_rng(seed)
    a = generator.normal(size=rows)
    b = generator.normal(size=rows)
    c = generator.choice(["north", "south", "east", "west"], size=rows).astype(object)
    risk = -2.5 + 1.2 * a - 0.8 * b + (c == "south") * 0.7
    y = (generator.random(rows) < 1 / (1 + np.exp(-risk))).astype(float)
    a_with_missing = a.copy()
    a_with_missing[generator.random(rows) < 0.1] = np.nan
    return {"a": a_with_missing, "b": b, "c": c}, y


SPECS = [
    FeatureSpec("a", label="ratio a"),
    FeatureSpec("b", label="ratio b"),
    FeatureSpec("c", kind=FeatureKind.CATEGORICAL, label="region"),
]


@pytest.fixture(scope="module")
def model() -> Scorecard:
    columns, y = _table()
    return fit_scorecard(columns, y, specs=SPECS).scorecard


def test_fit_discriminates(model: Scorecard) -> None:
    """A fitted model separates goods and bads on fresh data (AUC well above 0.5)."""
    columns, y = _table(seed=9)
    scores = model.score_batch(columns).scores
    assert auc(scores, y) > 0.75


value_strategy = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True, width=64))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            value_strategy, value_strategy, st.sampled_from(["north", "south", "nowhere", None])
        ),
        min_size=1,
        max_size=20,
    )
)
def test_single_and_batch_identical(
    model: Scorecard, rows: list[tuple[float | None, float | None, str | None]]
) -> None:
    """score_one and score_batch give bit-identical scores and PDs, and the same reasons."""
    columns = {
        "a": np.array([r[0] for r in rows], dtype=object),
        "b": np.array([r[1] for r in rows], dtype=object),
        "c": np.array([r[2] for r in rows], dtype=object),
    }
    batch = model.score_batch(columns)
    for index, (a, b, c) in enumerate(rows):
        single = model.score_one({"a": a, "b": b, "c": c})
        assert single.score == batch.scores[index]
        assert single.pd == batch.pds[index]
        assert single.fallback_features == batch.fallback_features(index)
        assert single.reasons == model.reasons_for_row(batch, index, {"a": a, "b": b, "c": c})


def test_edge_counting_matches_binary_search(model: Scorecard, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of finding a number's interval agree, on the edges themselves too."""
    from b2bcredit.scoring import scorecard as scorecard_module

    edges = [edge for feature in model.features for edge in feature.binning.edges]
    values = np.array([*edges, *np.nextafter(edges, -np.inf), math.nan, -math.inf, math.inf, 0.0, -0.0])
    columns = {"a": values, "b": values[::-1].copy(), "c": np.array(["north"] * values.size, dtype=object)}
    counted = model.score_batch(columns)

    monkeypatch.setattr(scorecard_module, "_COMPARE_EDGES", -1)
    searched = model.score_batch(columns)

    assert np.array_equal(counted.bins, searched.bins)
    assert np.array_equal(counted.scores, searched.scores)


def test_batch_of_one_matches_larger_batch(model: Scorecard) -> None:
    """A row scores the same alone as inside a larger batch."""
    columns, _ = _table(rows=50, seed=5)
    whole = model.score_batch(columns).scores
    for index in range(50):
        alone = model.score_batch({k: v[index : index + 1] for k, v in columns.items()}).scores
        assert alone[0] == whole[index]


def test_missing_seen_in_training_uses_observed_woe(model: Scorecard) -> None:
    """A NaN where training had missing values scores the Missing bin's own points, unflagged."""
    result = model.score_one({"a": math.nan, "b": 0.0, "c": "north"})
    feature = model.features[model.feature_names.index("a")]
    assert result.points[model.feature_names.index("a")] == feature.points[-1]
    assert feature.binning.bins[-1].count > 0
    assert "a" not in result.fallback_features


def test_missing_never_seen_gets_worst_points_and_flag(model: Scorecard) -> None:
    """A NaN where training had no missing values gets the worst points (never 0) and a flag."""
    index = model.feature_names.index("b")
    feature = model.features[index]
    result = model.score_one({"a": 0.0, "b": math.nan, "c": "north"})
    assert result.points[index] == min(feature.points[:-1])
    assert result.points[index] != 0.0
    assert "b" in result.fallback_features
    batch = model.score_batch(
        {"a": np.array([0.0]), "b": np.array([np.nan]), "c": np.array(["north"], dtype=object)}
    )
    assert batch.fallback[0, index]
    assert batch.scores[0] == result.score


def test_unseen_category_worst_and_flagged(model: Scorecard) -> None:
    """A category unseen in training gets the worst points and a flag."""
    result = model.score_one({"a": 0.0, "b": 0.0, "c": "atlantis"})
    assert "c" in result.fallback_features


def test_raise_treatment_raises_in_both_paths() -> None:
    """With the RAISE treatment an unseen missing value raises in single and batch scoring."""
    columns, y = _table()
    specs = [FeatureSpec("b", unobserved=UnobservedTreatment.RAISE), FeatureSpec("a")]
    model = fit_scorecard(columns, y, specs=specs).scorecard
    with pytest.raises(InvalidInputError, match="never saw"):
        model.score_one({"a": 0.0, "b": None})
    with pytest.raises(InvalidInputError, match="row 1"):
        model.score_batch({"a": np.array([0.0, 0.0]), "b": np.array([0.0, np.nan])})


def test_reason_codes_name_factor_and_value(model: Scorecard) -> None:
    """Reasons are at most four, ranked by points lost, and name the factor and the value."""
    result = model.score_one({"a": 3.0, "b": -3.0, "c": "south"})
    assert 0 < len(result.reasons) <= 4
    lost = [r.points_lost for r in result.reasons]
    assert lost == sorted(lost, reverse=True)
    texts = " ".join(r.text for r in result.reasons)
    assert "ratio a: 3" in texts
    assert result.reasons[0].code.startswith("R_")


def test_model_file_round_trip(model: Scorecard) -> None:
    """A model file reloads to a model that scores identically and keeps its hash."""
    loaded = Scorecard.from_json(model.to_json())
    assert loaded.content_hash == model.content_hash
    row = {"a": 0.3, "b": None, "c": "east"}
    assert loaded.score_one(row).score == model.score_one(row).score


def test_tampered_model_file_rejected(model: Scorecard) -> None:
    """Editing a model file's points breaks the content hash check."""
    data = json.loads(model.to_json())
    data["features"][0]["points"][0] += 1
    with pytest.raises(InvalidInputError, match="content_hash"):
        Scorecard.from_dict(data)


def test_missing_target_dropped_with_warning() -> None:
    """Rows without a target are dropped with a MissingTargetWarning."""
    columns, y = _table()
    target = y.astype(object)
    target[:10] = None
    with pytest.warns(MissingTargetWarning):
        result = fit_scorecard(columns, target, specs=SPECS)
    assert result.dropped_rows == 10
    assert result.scorecard.metadata.rows == y.size - 10


def test_missing_target_raises_under_raise_policy() -> None:
    """With the RAISE policy a missing target raises."""
    columns, y = _table()
    target = y.copy()
    target[0] = np.nan
    with pytest.raises(InvalidInputError, match="target"):
        fit_scorecard(
            columns,
            target,
            specs=SPECS,
            config=ScorecardConfig(missing_target=MissingTargetPolicy.RAISE),
        )


def test_no_feature_passes_selection() -> None:
    """Pure noise features fail selection with an error that says so."""
    generator = np.random.default_rng(0)
    y = (generator.random(2000) < 0.2).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(NoFeatureSelectedError, match="no feature passed selection"):
            fit_scorecard(
                {"noise": generator.normal(size=2000)}, y, config=ScorecardConfig(min_iv=0.5)
            )


def test_selection_reports_reasons() -> None:
    """A duplicate feature is left out for correlation and a noise feature for low IV."""
    columns, y = _table()
    columns["a_copy"] = columns["a"].copy()
    columns["noise"] = np.random.default_rng(8).normal(size=y.size)
    specs = [*SPECS, FeatureSpec("a_copy"), FeatureSpec("noise")]
    result = fit_scorecard(columns, y, specs=specs, config=ScorecardConfig(min_iv=0.05))
    rows = {row.name: row for row in result.selection}
    assert rows["a"].selected != rows["a_copy"].selected
    dropped = rows["a_copy"] if rows["a"].selected else rows["a"]
    assert "correlation" in dropped.reason
    assert not rows["noise"].selected
    assert "noise" not in result.scorecard.feature_names


def test_reasons_never_point_to_missing() -> None:
    """A Missing bin that scores best is never the "best range" a reason points to."""
    generator = np.random.default_rng(5)
    rows = 4000
    a = generator.normal(size=rows)
    b = generator.normal(size=rows)
    y = (generator.random(rows) < 1 / (1 + np.exp(-(-1.5 + 1.2 * a - 0.8 * b)))).astype(float)
    # Missing values only among goods, so the Missing bin gets the best points.
    a[(y == 0) & (generator.random(rows) < 0.3)] = np.nan
    specs = [FeatureSpec("a", label="ratio a"), FeatureSpec("b", label="ratio b")]
    card = fit_scorecard({"a": a, "b": b}, y, specs=specs).scorecard
    feature = next(f for f in card.features if f.name == "a")
    missing_points = feature.points[feature.binning.missing_index]
    assert missing_points == max(feature.points)

    result = card.score_one({"a": 3.0, "b": -3.0})

    reason_a = next(r for r in result.reasons if "ratio a" in r.text)
    assert "best range Missing" not in reason_a.text
    assert feature.best_points < missing_points
    assert not any("ratio a" in r.text for r in card.score_one({"a": None, "b": -3.0}).reasons)
