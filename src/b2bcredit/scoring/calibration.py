"""Calibration: from a score to a probability of default.

A scorecard's score is linear in the log-odds it was fitted on, so PD follows from a
logistic curve ``PD = 1 / (1 + exp(-(intercept + slope * score)))``. Straight from the
fit, ``intercept = offset / factor`` and ``slope = -1 / factor``; :func:`fit_calibration`
refits both on a hold-out sample (Platt scaling), which corrects the base rate and any
shrinkage from regularisation.
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.scaling import PointsScaling

__all__ = ["Calibration", "fit_calibration"]

FloatArray = npt.NDArray[np.float64]


@attrs.frozen
class Calibration:
    """The logistic map from score to PD: ``PD = 1 / (1 + exp(-(intercept + slope * score)))``.

    ``slope`` is negative, because a higher score is safer.
    """

    intercept: float
    slope: float
    method: str = "scaling"

    @classmethod
    def from_scaling(cls, scaling: PointsScaling) -> Calibration:
        """Return the calibration implied by the scaling alone: PD = 1 / (1 + good:bad odds)."""
        return cls(
            intercept=scaling.offset / scaling.factor, slope=-1.0 / scaling.factor, method="scaling"
        )

    def pd_batch(self, scores: npt.ArrayLike) -> FloatArray:
        """Return the PD of each score."""
        linear = self.intercept + self.slope * np.asarray(scores, dtype=np.float64)
        result: FloatArray = 1.0 / (1.0 + np.exp(-linear))
        return result

    def pd(self, score: float) -> float:
        """Return the PD of one score, with the same arithmetic as :meth:`pd_batch`."""
        # numpy's exp on a float64 scalar runs the same loop as on an array, so single and
        # batch agree to the last bit (a property test checks it). math.exp may differ by an ulp.
        linear = np.float64(self.intercept) + np.float64(self.slope) * np.float64(score)
        return float(1.0 / (1.0 + np.exp(-linear)))

    def to_dict(self) -> dict[str, float | str]:
        return {"intercept": self.intercept, "slope": self.slope, "method": self.method}

    @classmethod
    def from_dict(cls, data: dict[str, float | str]) -> Calibration:
        return cls(
            intercept=float(data["intercept"]),
            slope=float(data["slope"]),
            method=str(data["method"]),
        )


def fit_calibration(scores: npt.ArrayLike, targets: npt.ArrayLike) -> Calibration:
    """Fit the logistic map from score to PD on a labelled sample (1 = bad), by maximum likelihood.

    Raises:
        InvalidInputError: lengths differ, targets are not 0/1, or one class is absent.
    """
    score_array = np.asarray(scores, dtype=np.float64)
    target_array = np.asarray(targets, dtype=np.float64)
    if score_array.shape != target_array.shape or not np.isin(target_array, (0.0, 1.0)).all():
        raise InvalidInputError(
            "targets",
            target_array.shape,
            "needs one 0/1 target per score",
            "Pass the hold-out targets aligned with the scores.",
        )
    bads = target_array.sum()
    if bads == 0 or bads == target_array.size:
        raise InvalidInputError(
            "targets",
            f"{int(bads)} bads",
            "calibration needs goods and bads",
            "Pass a sample with both classes.",
        )
    # Standardise the score so the optimiser works on a well-conditioned problem.
    center = float(score_array.mean())
    spread = float(score_array.std()) or 1.0
    standard = (score_array - center) / spread

    def loss(theta: FloatArray) -> tuple[float, FloatArray]:
        linear = theta[0] + theta[1] * standard
        probability = 1.0 / (1.0 + np.exp(-linear))
        log_loss = float(np.sum(np.logaddexp(0.0, linear) - target_array * linear))
        residual = probability - target_array
        return log_loss, np.array([residual.sum(), (residual * standard).sum()])

    start = np.array([math.log(bads / (target_array.size - bads)), -1.0])
    result = minimize(loss, start, jac=True, method="L-BFGS-B")
    a, b = float(result.x[0]), float(result.x[1])
    return Calibration(intercept=a - b * center / spread, slope=b / spread, method="platt")
