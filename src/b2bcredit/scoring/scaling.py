"""Points scaling: from log-odds to scorecard points.

The odds direction is good:bad throughout the library: odds of 50 mean fifty good
accounts for each bad one, and a higher score always means a lower risk. With
points-to-double-odds ``pdo``, a score of ``base_points`` at odds ``base_odds`` and
``ln`` the natural logarithm (Siddiqi, "Credit Risk Scorecards", 2006, chapter 6):

    factor = pdo / ln(2)
    offset = base_points - factor * ln(base_odds)
    score  = offset + factor * ln(odds)

Example: pdo 20, 50:1 at 600 points gives factor 28.8539 and offset 487.1229, so odds
of 100:1 score 620 and odds of 25:1 score 580.
"""

from __future__ import annotations

import math

import attrs

from b2bcredit.core.errors import InvalidInputError

__all__ = ["PointsScaling"]


@attrs.frozen
class PointsScaling:
    """The map from log-odds (good:bad) to points.

    Attributes:
        pdo: points that double the odds, such as 20.
        base_odds: good:bad odds at the anchor score, such as 50.0 for 50:1.
        base_points: the score at ``base_odds``, such as 600.
    """

    pdo: float = 20.0
    base_odds: float = 50.0
    base_points: float = 600.0

    def __attrs_post_init__(self) -> None:
        for field, value in (("pdo", self.pdo), ("base_odds", self.base_odds)):
            if not math.isfinite(value) or value <= 0:
                raise InvalidInputError(
                    field,
                    value,
                    "must be a positive finite number",
                    "Pass a value above 0, such as pdo=20 or base_odds=50.",
                )
        if not math.isfinite(self.base_points):
            raise InvalidInputError(
                "base_points",
                self.base_points,
                "must be finite",
                "Pass the score at the base odds, such as 600.",
            )

    @property
    def factor(self) -> float:
        """Points per unit of natural log-odds."""
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        """The score at even odds (1:1)."""
        return self.base_points - self.factor * math.log(self.base_odds)

    def score_from_odds(self, odds: float) -> float:
        """Return the score for good:bad ``odds``."""
        if not odds > 0:
            raise InvalidInputError(
                "odds", odds, "odds must be positive", "Pass good:bad odds above 0."
            )
        return self.offset + self.factor * math.log(odds)

    def score_from_log_odds(self, log_odds: float) -> float:
        """Return the score for natural log-odds ln(good/bad)."""
        return self.offset + self.factor * log_odds

    def odds_from_score(self, score: float) -> float:
        """Return the good:bad odds that ``score`` stands for."""
        return math.exp((score - self.offset) / self.factor)

    def to_dict(self) -> dict[str, float]:
        return {"pdo": self.pdo, "base_odds": self.base_odds, "base_points": self.base_points}

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> PointsScaling:
        return cls(
            pdo=float(data["pdo"]),
            base_odds=float(data["base_odds"]),
            base_points=float(data["base_points"]),
        )
