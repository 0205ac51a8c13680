"""PSI monitoring of the score and of each feature's bins."""

from __future__ import annotations

import numpy as np
import pytest

from b2bcredit.scoring.binning import FeatureKind, FeatureSpec
from b2bcredit.scoring.fit import fit_scorecard
from b2bcredit.scoring.metrics import PsiBand
from b2bcredit.scoring.monitoring import feature_stability, score_stability
from b2bcredit.scoring.scorecard import Scorecard


def _sample(rows: int, shift: float, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    generator = np.random.default_rng(seed)
    a = generator.normal(loc=shift, size=rows)
    region = generator.choice(["n", "s"], size=rows).astype(object)
    risk = 2 + 1.5 * a - 1.0 * (region == "s")
    y = (generator.random(rows) < 1 / (1 + np.exp(risk))).astype(float)
    return {"a": a, "region": region}, y


@pytest.fixture(scope="module")
def model() -> Scorecard:
    columns, y = _sample(4000, 0.0, 0)
    specs = [FeatureSpec("a"), FeatureSpec("region", kind=FeatureKind.CATEGORICAL)]
    return fit_scorecard(columns, y, specs=specs).scorecard


def test_same_population_is_stable(model: Scorecard) -> None:
    """Two draws of one population read as stable for the score and the features."""
    reference, _ = _sample(4000, 0.0, 1)
    recent, _ = _sample(4000, 0.0, 2)
    assert score_stability(model, reference, recent).band is PsiBand.STABLE
    for result in feature_stability(model, reference, recent).values():
        assert result.band is PsiBand.STABLE


def test_shifted_feature_flags_shift(model: Scorecard) -> None:
    """A shifted feature reads as a significant shift, and the empty Missing bin is reported."""
    reference, _ = _sample(4000, 0.0, 1)
    recent, _ = _sample(4000, 1.5, 2)
    results = feature_stability(model, reference, recent)
    assert results["a"].band is PsiBand.SIGNIFICANT_SHIFT
    missing = len(results["a"].contributions) - 1
    assert missing in results["a"].empty_expected_bins
    assert score_stability(model, reference, recent).band is not PsiBand.STABLE


def test_unseen_category_gets_its_own_slot(model: Scorecard) -> None:
    """Categories unseen in training are counted in an extra 'unseen category' bin."""
    assert "region" in model.feature_names
    reference, _ = _sample(1000, 0.0, 1)
    recent, _ = _sample(1000, 0.0, 2)
    recent["region"][:300] = "w"
    result = feature_stability(model, reference, recent)["region"]
    assert result.labels[-1] == "unseen category"
    assert result.empty_expected_bins[-1] == len(result.labels) - 1
