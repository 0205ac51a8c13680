"""Logistic regression on bin indicators with each feature's points ordered by bin risk.

The model is ``ln(good/bad odds) = a + sum_j beta_j[bin_j]``: one free log-odds value per
bin instead of one coefficient per feature times the bin's WoE. The constraint that keeps
reason codes truthful is that a riskier bin never earns more than a safer bin of the same
feature, where "riskier" means a lower training WoE (a higher smoothed bad rate).

The constraint is built into the parameters. Per feature, the observed bins are ranked by
WoE from riskiest (rank 0) to safest, and ``beta`` of the bin at rank ``r`` is the sum of
the first ``r`` increments ``d_1 .. d_r``. Bounding every increment at zero from below
(scipy L-BFGS-B) makes ``beta`` non-decreasing in WoE exactly, for any data. The penalty
``l2 / 2 * |d|^2 + l1 * sum(d)`` shrinks the steps between adjacent ranks: the L1 part
sets small steps to exactly zero, which pools bins of similar risk. An order constraint
is always feasible (all increments zero), so this fit never rejects a feature: a feature
whose increments all come out zero gets no points spread and fitting leaves it out.

After the fit each feature's values are centred on their training mean, the mean moves
into the intercept, and so a value of 0 is the average buyer's. That keeps the
``NEUTRAL`` treatment of unobserved bins (0 points) meaning "the population average", as
it does for WoE 0 in a WoE model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.binning import FeatureBinning

__all__ = ["OrderedBinsFit", "fit_ordered_bins", "risk_order"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def risk_order(binning: FeatureBinning) -> tuple[int, ...]:
    """Return the positions of the observed bins from riskiest (lowest WoE) to safest.

    Ties in WoE keep bin order, so the ranking is deterministic.
    """
    observed = [index for index, bin_ in enumerate(binning.bins) if bin_.observed]
    return tuple(sorted(observed, key=lambda index: (binning.bins[index].woe, index)))


@attrs.frozen
class OrderedBinsFit:
    """The fitted log-odds of every bin of every feature.

    Attributes:
        intercept: ``a`` in log-odds (good:bad), after centring.
        bin_log_odds: per feature, per bin position, the bin's log-odds contribution,
            centred so its training-row mean is 0. Bins training never saw hold ``nan``;
            the caller fills them from the feature's unobserved treatment.
        slopes: per feature, the least-squares slope of the contribution on the WoE over
            the training rows, at least 0 because the contributions rise with WoE. A
            summary for the analyst; scoring never reads it.
    """

    intercept: float
    bin_log_odds: tuple[tuple[float, ...], ...]
    slopes: tuple[float, ...]


def fit_ordered_bins(
    binnings: Sequence[FeatureBinning],
    positions: Sequence[IntArray],
    goods: FloatArray,
    *,
    l2: float,
    l1: float,
) -> OrderedBinsFit:
    """Fit the order-constrained bin model on training bin positions and 1 = good targets.

    Args:
        binnings: the features' fitted bins.
        positions: per feature, each training row's bin position (from ``assign_batch``).
        goods: 1 for a good row, 0 for a bad row.
        l2: ridge penalty on the increments between adjacent risk ranks.
        l1: lasso penalty on those increments; larger values pool more bins.

    Raises:
        InvalidInputError: a negative or non-finite penalty, or a training row in a bin
            that the binning records as unobserved.
    """
    for field, value in (("l2", l2), ("l1", l1)):
        if value < 0 or not math.isfinite(value):
            raise InvalidInputError(
                field, value, "must be a finite number of at least 0", "Pass 1.0 or 2.0."
            )

    # Per feature: each row's risk rank, and the number of increments (ranks - 1).
    ranks: list[IntArray] = []
    steps: list[int] = []
    for binning, feature_positions in zip(binnings, positions, strict=True):
        order = risk_order(binning)
        rank_of_position = np.full(len(binning.bins) + 1, -1, dtype=np.intp)
        rank_of_position[list(order)] = np.arange(len(order), dtype=np.intp)
        feature_ranks = rank_of_position[feature_positions]
        if (feature_ranks < 0).any():
            raise InvalidInputError(
                binning.name,
                "a training row in an unobserved bin",
                "the positions do not come from the data the bins were fitted on",
                "Pass the positions of the training rows the binning was fitted on.",
            )
        ranks.append(feature_ranks)
        steps.append(len(order) - 1)
    starts = np.concatenate([[0], np.cumsum(steps)]).astype(np.intp)
    size = int(starts[-1])

    def loss(theta: FloatArray) -> tuple[float, FloatArray]:
        increments = theta[1:]
        linear = np.full(goods.size, theta[0])
        for index, feature_ranks in enumerate(ranks):
            levels = np.concatenate([[0.0], np.cumsum(increments[starts[index] : starts[index + 1]])])
            linear += levels[feature_ranks]
        value = float(np.sum(np.logaddexp(0.0, linear) - goods * linear))
        value += 0.5 * l2 * float(increments @ increments) + l1 * float(increments.sum())
        residual = 1.0 / (1.0 + np.exp(-linear)) - goods
        gradient = np.empty(size + 1)
        gradient[0] = residual.sum()
        for index, feature_ranks in enumerate(ranks):
            # d loss / d increment k = the residual summed over rows of rank k or above.
            per_rank = np.bincount(feature_ranks, weights=residual, minlength=steps[index] + 1)
            at_or_above = np.cumsum(per_rank[::-1])[::-1]
            gradient[1 + starts[index] : 1 + starts[index + 1]] = at_or_above[1:]
        gradient[1:] += l2 * increments + l1
        return value, gradient

    rate = float(np.clip(goods.mean(), 1e-6, 1 - 1e-6))
    start = np.zeros(size + 1)
    start[0] = math.log(rate / (1 - rate))
    bounds = [(None, None)] + [(0.0, None)] * size
    result = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 5000, "gtol": 1e-9},
    )
    # Increments at the bound stay exactly 0; clip the optimiser's round-off below it.
    increments = np.maximum(np.asarray(result.x[1:], dtype=np.float64), 0.0)

    intercept = float(result.x[0])
    all_log_odds: list[tuple[float, ...]] = []
    slopes: list[float] = []
    for index, (binning, feature_ranks) in enumerate(zip(binnings, ranks, strict=True)):
        levels = np.concatenate([[0.0], np.cumsum(increments[starts[index] : starts[index + 1]])])
        mean = float(levels[feature_ranks].mean())
        intercept += mean
        order = risk_order(binning)
        log_odds = [math.nan] * len(binning.bins)
        for rank, position in enumerate(order):
            log_odds[position] = float(levels[rank]) - mean
        all_log_odds.append(tuple(log_odds))
        slopes.append(_slope(binning, order, levels, feature_ranks))
    return OrderedBinsFit(
        intercept=intercept, bin_log_odds=tuple(all_log_odds), slopes=tuple(slopes)
    )


def _slope(
    binning: FeatureBinning, order: tuple[int, ...], levels: FloatArray, ranks: IntArray
) -> float:
    woe_by_rank = np.array([binning.bins[position].woe for position in order], dtype=np.float64)
    woe = woe_by_rank[ranks]
    contribution = levels[ranks]
    spread = float(np.var(woe))
    if spread == 0.0:
        return 0.0
    covariance = float(np.mean((woe - woe.mean()) * (contribution - contribution.mean())))
    return max(covariance / spread, 0.0)
