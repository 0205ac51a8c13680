"""Fitting a scorecard: binning, feature selection, logistic regression, points.

Steps:

1. Bin every candidate feature (:func:`fit_binning`) and compute its information value.
2. Select features: IV at least ``min_iv``, a feasible trend, then by falling IV skip any
   feature whose WoE correlates above ``max_correlation`` with one already kept, up to
   ``max_features``.
3. Fit the log-odds (good:bad) by penalised maximum likelihood with scipy's L-BFGS-B, by
   one of two methods (:class:`FitMethod`). Both keep every feature's points rising with
   its bins' WoE, so a riskier bin never earns more points than a safer one and reason
   codes read the right way:

   * ``ORDERED_BINS`` (default): one log-odds value per bin, constrained to rise with the
     bin's WoE (:mod:`b2bcredit.scoring.ordered_bins`);
   * ``WOE_LOGISTIC``: ``a + sum(b_j * WoE_j)``. A feature whose coefficient comes out at
     or below zero (its effect reversed by collinearity) is dropped and the model
     refitted, unless ``require_positive_coefficients`` is off.
4. Points: ``factor`` times each bin's log-odds and ``offset + factor * a`` as base points,
   rounded to ``points_decimals`` so the model file is stable across platforms. A bin
   training never saw gets the points of the feature's unobserved treatment.
"""

from __future__ import annotations

import enum
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.binning import (
    BinningConfig,
    FeatureBinning,
    FeatureKind,
    FeatureSpec,
    UnobservedTreatment,
    fit_binning,
)
from b2bcredit.scoring.calibration import Calibration
from b2bcredit.scoring.metrics import auc, ks_statistic
from b2bcredit.scoring.ordered_bins import fit_ordered_bins
from b2bcredit.scoring.scaling import PointsScaling
from b2bcredit.scoring.scorecard import Scorecard, ScoredFeature, TrainingMetadata

__all__ = [
    "FitMethod",
    "FitResult",
    "MissingTargetPolicy",
    "MissingTargetWarning",
    "NoFeatureSelectedError",
    "ScorecardConfig",
    "SelectionRow",
    "fit_logistic",
    "fit_scorecard",
]

FloatArray = npt.NDArray[np.float64]


class MissingTargetPolicy(enum.Enum):
    """The treatment of training rows whose target is missing."""

    DROP = "drop"  # drop them and warn (MissingTargetWarning)
    RAISE = "raise"  # raise InvalidInputError


class MissingTargetWarning(UserWarning):
    """Training rows without a target were dropped."""


class NoFeatureSelectedError(InvalidInputError):
    """No candidate feature passed selection, so there is no model to fit."""


class FitMethod(enum.Enum):
    """The regression that turns the selected features' bins into points."""

    # One log-odds value per bin, non-decreasing in the bin's WoE.
    ORDERED_BINS = "ordered_bins"
    # One coefficient per feature times the bin's WoE.
    WOE_LOGISTIC = "woe_logistic"


@attrs.frozen
class ScorecardConfig:
    """Settings of :func:`fit_scorecard`; the defaults are the library's documented defaults.

    Attributes:
        binning: per-feature binning settings.
        scaling: points scaling.
        min_iv: the lowest information value a selected feature may have.
        max_correlation: the highest absolute WoE correlation with a feature already kept.
        max_features: the maximum number of selected features.
        method: the regression (:class:`FitMethod`).
        l2: ``WOE_LOGISTIC`` ridge penalty on the coefficients.
        require_positive_coefficients: ``WOE_LOGISTIC`` drops features with a coefficient
            at or below zero and refits. Switching it off lets a feature give more points
            to riskier bins, so its reason codes can read the wrong way.
        bin_l2: ``ORDERED_BINS`` ridge penalty on the steps between adjacent risk ranks.
        bin_l1: ``ORDERED_BINS`` lasso penalty on those steps (pools bins of similar risk).
        points_decimals: decimals of the points in the model file.
        missing_target: the treatment of training rows without a target.
    """

    binning: BinningConfig = attrs.field(factory=BinningConfig)
    scaling: PointsScaling = attrs.field(factory=PointsScaling)
    min_iv: float = 0.02
    max_correlation: float = 0.9
    # The lasso on bin steps (bin_l1) flattens the weak features itself: on Polish 5year
    # 50 to 55 of the 64 ratios pass the IV and correlation filters and about 25 keep any
    # points. A cap of 30 before the fit lowered the mean hold-out AUC by 0.001.
    max_features: int = 60
    method: FitMethod = FitMethod.ORDERED_BINS
    l2: float = 1.0
    require_positive_coefficients: bool = True
    # Chosen by the mean hold-out AUC over five stratified 70/30 splits of Polish 5year
    # (docs/benchmarks.md): a lasso of 2 beat ridge alone by about 0.003.
    bin_l2: float = 1.0
    bin_l1: float = 2.0
    points_decimals: int = 4
    missing_target: MissingTargetPolicy = MissingTargetPolicy.DROP


@attrs.frozen
class SelectionRow:
    """A candidate feature's selection result and its reason."""

    name: str
    iv: float
    selected: bool
    reason: str
    coefficient: float | None = None


@attrs.frozen
class FitResult:
    """A fitted scorecard with what fitting found on the way.

    Attributes:
        scorecard: the model.
        binnings: every candidate feature's bins, selected or not.
        selection: one row per candidate, in falling IV.
        dropped_rows: rows dropped for a missing target.
        warnings: findings for the analyst, such as infeasible trends.
    """

    scorecard: Scorecard
    binnings: Mapping[str, FeatureBinning]
    selection: tuple[SelectionRow, ...]
    dropped_rows: int
    warnings: tuple[str, ...]


def fit_logistic(features: FloatArray, targets: FloatArray, l2: float) -> tuple[float, FloatArray]:
    """Fit ``P(target = 1) = 1 / (1 + exp(-(a + features @ b)))`` with penalty ``l2 / 2 * |b|^2``.

    The intercept is not penalised. Returns ``(a, b)``.
    """
    _rows, columns = features.shape
    if l2 < 0 or not math.isfinite(l2):
        raise InvalidInputError("l2", l2, "must be a finite number of at least 0", "Pass 1.0.")

    def loss(theta: FloatArray) -> tuple[float, FloatArray]:
        linear = theta[0] + features @ theta[1:]
        value = float(np.sum(np.logaddexp(0.0, linear) - targets * linear)) + 0.5 * l2 * float(
            theta[1:] @ theta[1:]
        )
        residual = 1.0 / (1.0 + np.exp(-linear)) - targets
        gradient = np.empty(columns + 1)
        gradient[0] = residual.sum()
        gradient[1:] = features.T @ residual + l2 * theta[1:]
        return value, gradient

    rate = float(np.clip(targets.mean(), 1e-6, 1 - 1e-6))
    start = np.zeros(columns + 1)
    start[0] = math.log(rate / (1 - rate))
    result = minimize(
        loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000, "gtol": 1e-9}
    )
    return float(result.x[0]), np.asarray(result.x[1:], dtype=np.float64)


def _clean_target(
    target: npt.ArrayLike | Sequence[object], policy: MissingTargetPolicy
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    raw = np.asarray(target, dtype=object).ravel()
    values = np.array([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
    keep = ~np.isnan(values)
    if not np.isin(values[keep], (0.0, 1.0)).all():
        bad = values[keep][~np.isin(values[keep], (0.0, 1.0))][:3].tolist()
        raise InvalidInputError(
            "target",
            bad,
            "the target must be 0 (good) or 1 (bad)",
            "Recode the target column to 0 and 1.",
        )
    dropped = int((~keep).sum())
    if dropped and policy is MissingTargetPolicy.RAISE:
        raise InvalidInputError(
            "target",
            f"{dropped} missing values",
            "every training row needs a target",
            "Drop the rows without an outcome, or fit with missing_target=drop.",
        )
    return values, keep


def fit_scorecard(
    columns: Mapping[str, npt.ArrayLike | Sequence[object]],
    target: npt.ArrayLike | Sequence[object],
    *,
    specs: Sequence[FeatureSpec] | None = None,
    config: ScorecardConfig | None = None,
    name: str = "scorecard",
    version: str = "1",
    metadata: TrainingMetadata | None = None,
) -> FitResult:
    """Fit a scorecard on a labelled table (target 1 = bad, 0 = good).

    Args:
        columns: feature name -> values; numeric columns as floats with NaN for missing.
        target: one 0/1 value per row; missing targets follow ``config.missing_target``.
        specs: the candidate features; default every column, numeric unless its values
            are text.
        config: binning, selection, regularisation and scaling settings.
        name, version: recorded in the model file and on every decision.
        metadata: data set name and date; rows, bads and training metrics are filled in.

    Raises:
        InvalidInputError: bad targets, unequal column lengths, or a missing target under
            the RAISE policy.
        NoFeatureSelectedError: no candidate passed selection.
    """
    config = config or ScorecardConfig()
    values, keep = _clean_target(target, config.missing_target)
    fit_warnings: list[str] = []
    dropped = int((~keep).sum())
    if dropped:
        message = f"dropped {dropped} training rows without a target"
        warnings.warn(message, MissingTargetWarning, stacklevel=2)
        fit_warnings.append(message)
    y = values[keep]
    if specs is None:
        specs = [FeatureSpec(name=column, kind=_guess_kind(columns[column])) for column in columns]

    # 1. Bin every candidate.
    binnings: dict[str, FeatureBinning] = {}
    woe_columns: dict[str, FloatArray] = {}
    positions: dict[str, npt.NDArray[np.intp]] = {}
    for spec in specs:
        if spec.name not in columns:
            raise InvalidInputError(
                "specs",
                spec.name,
                "names a column that is not in the table",
                "Pass a spec for each existing column only.",
            )
        column = np.asarray(
            columns[spec.name], dtype=object if spec.kind is FeatureKind.CATEGORICAL else None
        )
        if column.shape[0] != keep.size:
            raise InvalidInputError(
                spec.name,
                column.shape[0],
                "column length differs from the target length",
                f"Pass {keep.size} values.",
            )
        kept_column = column[keep]
        binning = fit_binning(spec, kept_column, y, config.binning)
        binnings[spec.name] = binning
        fit_warnings.extend(binning.report.notes)
        woe = np.array([b.woe for b in binning.bins] + [0.0], dtype=np.float64)
        positions[spec.name] = binning.assign_batch(kept_column)
        woe_columns[spec.name] = woe[positions[spec.name]]

    # 2. Selection by IV, trend feasibility and correlation.
    selection: dict[str, SelectionRow] = {}
    kept_names: list[str] = []
    for binning in sorted(binnings.values(), key=lambda b: (-b.iv, b.name)):
        reason = ""
        if binning.report.trend_infeasible:
            reason = "monotonic trend infeasible"
        elif binning.iv < config.min_iv:
            reason = f"IV {binning.iv:.4f} below {config.min_iv}"
        elif len(kept_names) >= config.max_features:
            reason = f"beyond the {config.max_features} strongest features"
        else:
            for other in kept_names:
                correlation = _correlation(woe_columns[binning.name], woe_columns[other])
                if abs(correlation) > config.max_correlation:
                    reason = f"WoE correlation {correlation:.2f} with {other}"
                    break
        if not reason:
            kept_names.append(binning.name)
        selection[binning.name] = SelectionRow(
            binning.name, binning.iv, not reason, reason or "selected"
        )
    if not kept_names:
        best = sorted(binnings.values(), key=lambda b: -b.iv)[:3]
        raise NoFeatureSelectedError(
            "features",
            {b.name: round(b.iv, 4) for b in best},
            f"no feature passed selection (minimum IV {config.min_iv}, feasible trend)",
            "Lower min_iv, relax the monotonic trend, or add informative features.",
        )

    # 3. Regression, 4. points.
    scaling = config.scaling
    if config.method is FitMethod.ORDERED_BINS:
        intercept, scored = _fit_ordered(binnings, positions, y, kept_names, selection, config)
    else:
        intercept, scored = _fit_woe(binnings, woe_columns, y, kept_names, selection, config)
    kept_names = [feature.name for feature in scored]
    base_points = round(scaling.offset + scaling.factor * intercept, config.points_decimals)
    model = Scorecard(
        name=name,
        version=version,
        features=scored,
        base_points=base_points,
        scaling=scaling,
        calibration=Calibration.from_scaling(scaling),
    )
    train_scores = model.score_batch(
        {
            n: np.asarray(
                columns[n],
                dtype=object if binnings[n].spec.kind is FeatureKind.CATEGORICAL else None,
            )[keep]
            for n in kept_names
        },
        rows=int(keep.sum()),
    ).scores
    base = metadata or TrainingMetadata()
    metrics = {
        **base.metrics,
        "train_auc": auc(train_scores, y),
        "train_ks": ks_statistic(train_scores, y),
    }
    model = attrs.evolve(
        model, metadata=attrs.evolve(base, rows=int(y.size), bads=int(y.sum()), metrics=metrics)
    )
    ordered = tuple(sorted(selection.values(), key=lambda r: (-r.iv, r.name)))
    return FitResult(
        scorecard=model,
        binnings=binnings,
        selection=ordered,
        dropped_rows=dropped,
        warnings=tuple(fit_warnings),
    )


def _fit_woe(
    binnings: Mapping[str, FeatureBinning],
    woe_columns: Mapping[str, FloatArray],
    y: FloatArray,
    kept_names: list[str],
    selection: dict[str, SelectionRow],
    config: ScorecardConfig,
) -> tuple[float, tuple[ScoredFeature, ...]]:
    """Fit the logistic regression on WoE, dropping reversed coefficients until none is left."""
    good = 1.0 - y
    kept_names = list(kept_names)
    while True:
        matrix = np.column_stack([woe_columns[n] for n in kept_names])
        intercept, coefficients = fit_logistic(matrix, good, config.l2)
        reversed_names = [n for n, c in zip(kept_names, coefficients, strict=True) if c <= 0]
        if not reversed_names or not config.require_positive_coefficients:
            break
        worst = min(zip(coefficients, kept_names, strict=True))[1]
        selection[worst] = attrs.evolve(
            selection[worst], selected=False, reason="coefficient reversed by collinearity"
        )
        kept_names.remove(worst)
        if not kept_names:
            raise NoFeatureSelectedError(
                "features",
                reversed_names,
                "every selected feature had a reversed coefficient",
                "Lower max_correlation or review the candidates.",
            )
    scored = []
    for feature_name, coefficient in zip(kept_names, coefficients, strict=True):
        selection[feature_name] = attrs.evolve(
            selection[feature_name], coefficient=float(coefficient)
        )
        binning = binnings[feature_name]
        log_odds = [float(coefficient) * b.woe if b.observed else math.nan for b in binning.bins]
        scored.append(_scored_feature(binning, float(coefficient), log_odds, config))
    return intercept, tuple(scored)


def _fit_ordered(
    binnings: Mapping[str, FeatureBinning],
    positions: Mapping[str, npt.NDArray[np.intp]],
    y: FloatArray,
    kept_names: list[str],
    selection: dict[str, SelectionRow],
    config: ScorecardConfig,
) -> tuple[float, tuple[ScoredFeature, ...]]:
    """Fit one log-odds value per bin, rising with the bin's WoE, and drop flat features."""
    chosen = [binnings[n] for n in kept_names]
    fit = fit_ordered_bins(
        chosen, [positions[n] for n in kept_names], 1.0 - y, l2=config.bin_l2, l1=config.bin_l1
    )
    scored = []
    for binning, log_odds, slope in zip(chosen, fit.bin_log_odds, fit.slopes, strict=True):
        feature = _scored_feature(binning, slope, list(log_odds), config)
        observed = [p for p, b in zip(feature.points, binning.bins, strict=True) if b.observed]
        if max(observed) == min(observed):
            # Every bin scores the same, so the feature changes no score and explains nothing.
            selection[binning.name] = attrs.evolve(
                selection[binning.name],
                selected=False,
                reason=(
                    "the joint fit gave every bin the same points: beside the selected features "
                    "it adds no risk signal in the order its bins rank"
                ),
            )
            continue
        selection[binning.name] = attrs.evolve(selection[binning.name], coefficient=slope)
        scored.append(feature)
    if not scored:
        raise NoFeatureSelectedError(
            "features",
            kept_names,
            "every selected feature got the same points in all its bins",
            "Lower bin_l1, or add informative features.",
        )
    return fit.intercept, tuple(scored)


def _scored_feature(
    binning: FeatureBinning, coefficient: float, log_odds: list[float], config: ScorecardConfig
) -> ScoredFeature:
    """Turn per-bin log-odds into rounded points; ``nan`` marks a bin training never saw.

    An unobserved bin gets the points of the feature's unobserved treatment: the minimum
    observed points (``WORST_BIN``, and ``RAISE``, whose scoring raises first) or 0
    (``NEUTRAL``). Taking the minimum of the points, not the points of the minimum WoE,
    keeps it the worst whatever the sign of the coefficient.
    """
    factor = config.scaling.factor
    observed = [round(factor * value, config.points_decimals) for value in log_odds if value == value]
    unobserved = 0.0 if binning.spec.unobserved is UnobservedTreatment.NEUTRAL else min(observed)
    points = tuple(
        round(factor * value, config.points_decimals) if value == value else unobserved
        for value in log_odds
    )
    return ScoredFeature(binning=binning, coefficient=coefficient, points=points)


def _guess_kind(values: Any) -> FeatureKind:
    array = np.asarray(values)
    if array.dtype.kind in "fiub":
        return FeatureKind.NUMERIC
    for value in array.ravel()[:1000]:
        if isinstance(value, str) and value.strip():
            try:
                float(value)
            except ValueError:
                return FeatureKind.CATEGORICAL
    return FeatureKind.NUMERIC


def _correlation(left: FloatArray, right: FloatArray) -> float:
    if left.std() == 0 or right.std() == 0:
        return 0.0
    return float(np.corrcoef(left, right)[0, 1])
