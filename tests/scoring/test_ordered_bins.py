"""The default fit: per-bin points ordered by bin risk, so reason codes read the right way."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.binning import FeatureSpec, UnobservedTreatment, fit_binning
from b2bcredit.scoring.fit import (
    FitMethod,
    NoFeatureSelectedError,
    ScorecardConfig,
    _scored_feature,
    fit_scorecard,
)
from b2bcredit.scoring.ordered_bins import fit_ordered_bins, risk_order
from b2bcredit.scoring.scorecard import Scorecard, ScoredFeature


def _collinear_table(seed: int, rows: int = 3000) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Two near-copies of one ratio and a third ratio, so one copy's effect reverses given the other."""
    generator = np.random.default_rng(seed)
    a = generator.normal(size=rows)
    a_twin = a + 0.3 * generator.normal(size=rows)
    b = generator.normal(size=rows)
    risk = -2.0 - 1.5 * a + 0.6 * a_twin + 0.8 * b
    y = (generator.random(rows) < 1 / (1 + np.exp(-risk))).astype(float)
    b[generator.random(rows) < 0.05] = np.nan
    b[generator.random(rows) < 0.05] = 0.0
    return {"a": a, "a_twin": a_twin, "b": b}, y


def _assert_points_follow_risk(feature: ScoredFeature) -> None:
    """Points never fall as the bin's WoE rises, and unobserved bins score the worst observed."""
    order = risk_order(feature.binning)
    ranked_points = [feature.points[position] for position in order]
    assert ranked_points == sorted(ranked_points), feature.name
    worst = min(ranked_points)
    for bin_, points in zip(feature.binning.bins, feature.points, strict=True):
        if not bin_.observed:
            assert points == worst, feature.name


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_points_rise_with_bin_woe(seed: int) -> None:
    """Whatever the collinearity, a riskier bin never earns more points than a safer one."""
    columns, y = _collinear_table(seed)
    specs = [FeatureSpec("a"), FeatureSpec("a_twin"), FeatureSpec("b", special_values=(0.0, -99.0))]
    config = ScorecardConfig(max_correlation=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_scorecard(columns, y, specs=specs, config=config).scorecard
    for feature in model.features:
        _assert_points_follow_risk(feature)


def test_special_value_ranked_and_matched_first() -> None:
    """A special value gets its own ranked bin; one never seen in training scores the worst."""
    columns, y = _collinear_table(1)
    specs = [FeatureSpec("a"), FeatureSpec("b", special_values=(0.0, -99.0))]
    model = fit_scorecard(columns, y, specs=specs).scorecard
    feature = model.features[model.feature_names.index("b")]
    special_zero = feature.binning.interval_count
    assert model.score_one({"a": 0.0, "b": 0.0}).bins[model.feature_names.index("b")] == special_zero
    assert feature.binning.bins[special_zero].observed
    assert special_zero in risk_order(feature.binning)
    unseen = model.score_one({"a": 0.0, "b": -99.0})
    assert "b" in unseen.fallback_features
    assert unseen.points[model.feature_names.index("b")] == min(feature.points)


def test_nan_scores_missing_bin_points() -> None:
    """A NaN scores the Missing bin's own fitted points, not the first interval's."""
    columns, y = _collinear_table(2)
    model = fit_scorecard(columns, y, specs=[FeatureSpec("a"), FeatureSpec("b")]).scorecard
    index = model.feature_names.index("b")
    feature = model.features[index]
    result = model.score_one({"a": 0.0, "b": math.nan})
    assert result.bins[index] == feature.binning.missing_index
    assert result.points[index] == feature.points[feature.binning.missing_index]
    assert "b" not in result.fallback_features


def test_points_centred_on_training_mean() -> None:
    """Each feature's points average 0 over the training rows, so NEUTRAL 0 is the average buyer."""
    columns, y = _collinear_table(3)
    model = fit_scorecard(columns, y).scorecard
    batch = model.score_batch(columns)
    for index, feature in enumerate(model.features):
        points = np.asarray(feature.points)[batch.bins[:, index]]
        assert abs(points.mean()) < 1e-3, feature.name


def test_neutral_treatment_scores_zero() -> None:
    """An unobserved Missing bin under NEUTRAL scores 0 points and flags the row."""
    columns, y = _collinear_table(4)
    columns["a"][0] = 0.0  # no missing a in training
    specs = [FeatureSpec("a", unobserved=UnobservedTreatment.NEUTRAL), FeatureSpec("b")]
    model = fit_scorecard(columns, y, specs=specs).scorecard
    index = model.feature_names.index("a")
    result = model.score_one({"a": None, "b": 0.5})
    assert result.points[index] == 0.0
    assert "a" in result.fallback_features


def test_single_feature_unpenalised_matches_bin_odds() -> None:
    """Without penalties one feature's fitted steps equal the bins' observed log-odds steps."""
    generator = np.random.default_rng(6)
    x = generator.normal(size=4000)
    y = (generator.random(4000) < 1 / (1 + np.exp(2 + 1.2 * x))).astype(float)
    binning = fit_binning(FeatureSpec("x"), x, y)
    positions = binning.assign_batch(x)
    fit = fit_ordered_bins([binning], [positions], 1.0 - y, l2=0.0, l1=0.0)
    observed = [b for b in binning.bins if b.observed]
    log_odds = [math.log(b.goods / b.bads) for b in observed]
    fitted = [value for value in fit.bin_log_odds[0] if not math.isnan(value)]
    for position in range(1, len(observed)):
        expected_step = log_odds[position] - log_odds[0]
        assert fitted[position] - fitted[0] == pytest.approx(expected_step, abs=1e-4)
    assert fit.slopes[0] > 0


def test_negative_penalty_rejected() -> None:
    """A negative penalty raises, naming the penalty."""
    x = np.linspace(-1, 1, 200)
    y = (np.arange(200) % 4 == 0).astype(float)
    binning = fit_binning(FeatureSpec("x"), x, y)
    with pytest.raises(InvalidInputError, match="l1"):
        fit_ordered_bins([binning], [binning.assign_batch(x)], 1.0 - y, l2=1.0, l1=-1.0)


def test_every_feature_flat_is_error() -> None:
    """When the penalty flattens every feature, the error states that no feature is left."""
    columns, y = _collinear_table(5)
    config = ScorecardConfig(bin_l1=1e6)
    with pytest.raises(NoFeatureSelectedError, match="same points in all its bins"):
        fit_scorecard(columns, y, config=config)


def test_flat_feature_left_out_with_reason() -> None:
    """A feature whose bins all get the same points is left out with its reason."""
    generator = np.random.default_rng(70)
    columns, y = _collinear_table(7)
    # Noise (IV about 0.01) passes a zero IV floor. A lasso of 20 flattens it but not the
    # real ratios (IV 0.4 to 0.6).
    columns["noise"] = generator.normal(size=y.size)
    result = fit_scorecard(columns, y, config=ScorecardConfig(min_iv=0.0, bin_l1=20.0))
    rows = {row.name: row for row in result.selection}
    assert "noise" not in result.scorecard.feature_names
    assert {"a", "b"} <= set(result.scorecard.feature_names)
    assert not rows["noise"].selected
    assert rows["noise"].reason.startswith("the joint fit gave every bin the same points")


def test_reversed_coefficient_unobserved_bin_worst() -> None:
    """With a negative coefficient, an unobserved bin scores the worst points, not the best."""
    columns, y = _collinear_table(8)
    x = columns["a"]
    binning = fit_binning(FeatureSpec("a"), x, y)
    missing = binning.missing_index
    assert not binning.bins[missing].observed
    coefficient = -0.5
    log_odds = [coefficient * b.woe if b.observed else math.nan for b in binning.bins]
    feature = _scored_feature(binning, coefficient, log_odds, ScorecardConfig())
    observed = [p for p, b in zip(feature.points, binning.bins, strict=True) if b.observed]
    riskiest = risk_order(binning)[0]
    assert feature.points[missing] == min(observed)
    assert feature.points[missing] != feature.points[riskiest]


def test_woe_method_without_sign_rule_fits() -> None:
    """The classic WoE fit with the sign rule off still gives unobserved bins the worst points."""
    columns, y = _collinear_table(8)
    config = ScorecardConfig(method=FitMethod.WOE_LOGISTIC, require_positive_coefficients=False)
    model = fit_scorecard(columns, y, config=config).scorecard
    for feature in model.features:
        observed = [p for p, b in zip(feature.points, feature.binning.bins, strict=True) if b.observed]
        for bin_, points in zip(feature.binning.bins, feature.points, strict=True):
            if not bin_.observed:
                assert points == min(observed), feature.name


def test_ordered_model_file_round_trip() -> None:
    """An ordered-bins model keeps the model file format: it reloads and scores the same."""
    columns, y = _collinear_table(9)
    model = fit_scorecard(columns, y).scorecard
    loaded = Scorecard.from_json(model.to_json())
    assert loaded.content_hash == model.content_hash
    row = {"a": 0.2, "a_twin": -0.4, "b": None}
    assert loaded.score_one(row).score == model.score_one(row).score
