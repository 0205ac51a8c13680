"""AUC, Gini, KS and PSI."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.calibration import Calibration, fit_calibration
from b2bcredit.scoring.metrics import (
    PsiBand,
    auc,
    gini,
    ks_statistic,
    population_stability_index,
    psi_of_values,
)


def test_auc_perfect_and_ties() -> None:
    """Perfect separation gives 1; all-tied scores give 0.5."""
    assert auc([3, 4, 1, 2], [0, 0, 1, 1]) == 1.0
    assert auc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5
    assert gini([3, 4, 1, 2], [0, 0, 1, 1]) == 1.0


def test_ks_perfect_separation() -> None:
    """KS is 1 when every bad scores below every good."""
    assert ks_statistic([3, 4, 1, 2], [0, 0, 1, 1]) == 1.0


def test_metrics_need_both_classes() -> None:
    """AUC on one class raises."""
    with pytest.raises(InvalidInputError, match="both goods and bads"):
        auc([1, 2], [0, 0])


def test_psi_empty_bins_reported() -> None:
    """Empty bins get the pseudo-count and are listed."""
    result = population_stability_index([10, 0, 5], [10, 5, 0])
    assert result.empty_expected_bins == (1,)
    assert result.empty_actual_bins == (2,)
    assert np.isfinite(result.psi)
    assert result.band is PsiBand.SIGNIFICANT_SHIFT


def test_psi_bands() -> None:
    """The 0.10 and 0.25 thresholds split the bands."""
    assert PsiBand.of(0.099) is PsiBand.STABLE
    assert PsiBand.of(0.10) is PsiBand.MODERATE_SHIFT
    assert PsiBand.of(0.25) is PsiBand.SIGNIFICANT_SHIFT


def test_psi_of_identical_samples_is_zero() -> None:
    """The same sample has PSI 0."""
    values = np.random.default_rng(0).normal(size=1000)
    assert psi_of_values(values, values).psi == pytest.approx(0.0, abs=1e-12)


def test_calibration_recovers_logistic() -> None:
    """Platt calibration recovers a known logistic score-to-PD map."""
    generator = np.random.default_rng(1)
    scores = generator.normal(600, 50, size=20000)
    pd = 1 / (1 + np.exp(-(8.0 - 0.02 * scores)))
    y = (generator.random(scores.size) < pd).astype(float)
    calibration = fit_calibration(scores, y)
    assert calibration.slope == pytest.approx(-0.02, rel=0.1)
    assert calibration.pd(600.0) == pytest.approx(1 / (1 + np.exp(-(8.0 - 12.0))), rel=0.1)


@given(st.lists(st.floats(min_value=-1e4, max_value=1e4), min_size=1, max_size=30))
def test_calibration_single_equals_batch(scores: list[float]) -> None:
    """Calibration.pd and pd_batch agree to the last bit for every score."""
    calibration = Calibration(intercept=16.88, slope=-0.0347)
    batch = calibration.pd_batch(scores)
    assert [calibration.pd(s) for s in scores] == batch.tolist()
