"""Published reference values, one table row per source."""

from __future__ import annotations

import pytest

from b2bcredit.scoring.metrics import population_stability_index
from b2bcredit.scoring.scaling import PointsScaling
from b2bcredit.scoring.woe import woe_iv

# Siddiqi, "Credit Risk Scorecards", 2006, chapter 6:
# factor = pdo / ln 2, offset = base - factor * ln(odds).
SCALING_ROWS = [
    # (pdo, base odds, base points, odds, expected score)
    (20.0, 50.0, 600.0, 50.0, 600.0),
    (20.0, 50.0, 600.0, 100.0, 620.0),
    (20.0, 50.0, 600.0, 25.0, 580.0),
]


def test_scaling_factor_and_offset() -> None:
    """PDO 20 with 50:1 at 600 points gives factor 28.8539 and offset 487.1229 (Siddiqi 2006)."""
    scaling = PointsScaling(pdo=20, base_odds=50, base_points=600)
    assert scaling.factor == pytest.approx(28.8539, abs=1e-4)
    assert scaling.offset == pytest.approx(487.1229, abs=1e-4)


@pytest.mark.parametrize(("pdo", "odds", "points", "query", "expected"), SCALING_ROWS)
def test_scaling_scores(
    pdo: float, odds: float, points: float, query: float, expected: float
) -> None:
    """Doubling the odds adds PDO points and halving them removes PDO points (Siddiqi 2006)."""
    scaling = PointsScaling(pdo=pdo, base_odds=odds, base_points=points)
    assert scaling.score_from_odds(query) == pytest.approx(expected, abs=1e-9)
    assert scaling.odds_from_score(expected) == pytest.approx(query, rel=1e-12)


def test_woe_and_iv_reference() -> None:
    """Goods (500, 300, 100) and bads (20, 40, 40): WoE 1.022, -0.182, -1.281 and IV 0.7455
    (raw WoE = ln(good share / bad share), as defined by Siddiqi 2006)."""
    woe, iv = woe_iv([500, 300, 100], [20, 40, 40], smoothing=0.0)
    assert woe[0] == pytest.approx(1.022, abs=5e-4)
    assert woe[1] == pytest.approx(-0.182, abs=5e-4)
    assert woe[2] == pytest.approx(-1.281, abs=5e-4)
    assert iv == pytest.approx(0.7455, abs=5e-5)


def test_psi_reference() -> None:
    """Expected (0.2, 0.3, 0.3, 0.2) against actual (0.1, 0.3, 0.3, 0.3) gives PSI 0.1099
    (sum of (a - e) * ln(a / e), the usual definition, e.g. Siddiqi 2006 chapter 8)."""
    result = population_stability_index(
        [0.2, 0.3, 0.3, 0.2], [0.1, 0.3, 0.3, 0.3], pseudo_count=0.0
    )
    assert result.psi == pytest.approx(0.1099, abs=5e-5)
    assert result.band.value == "moderate_shift"
