"""Weight of evidence and information value.

WoE of a bin is ``ln(share of all goods in the bin / share of all bads in the bin)``, so
a positive WoE marks a bin safer than average (the good:bad direction of the whole
library). A pure bin (no goods or no bads) would give an infinite WoE, so each count gets
a pseudo-count ``smoothing`` (additive, Laplace-style) before the shares are taken:

    share_good(i) = (goods(i) + smoothing) / (total_goods + smoothing * bins)

Information value is ``sum((share_good - share_bad) * WoE)`` over the bins (Siddiqi,
"Credit Risk Scorecards", 2006). Common reading: below 0.02 useless, 0.02 to 0.1 weak,
0.1 to 0.3 medium, above 0.3 strong.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError

__all__ = ["DEFAULT_SMOOTHING", "information_value", "woe_iv", "woe_values"]

# Half a case per bin: enough to keep a pure bin finite, small enough not to move a
# well-populated bin's WoE past the second decimal.
DEFAULT_SMOOTHING = 0.5

FloatArray = npt.NDArray[np.float64]


def _shares(goods: FloatArray, bads: FloatArray, smoothing: float) -> tuple[FloatArray, FloatArray]:
    if smoothing < 0 or not np.isfinite(smoothing):
        raise InvalidInputError(
            "smoothing",
            smoothing,
            "must be a finite number of at least 0",
            "Pass 0 for raw WoE or a pseudo-count such as 0.5.",
        )
    if goods.shape != bads.shape or goods.ndim != 1 or goods.size == 0:
        raise InvalidInputError(
            "goods",
            goods.tolist(),
            "goods and bads need the same non-zero length",
            "Pass one good and one bad count per bin.",
        )
    if (goods < 0).any() or (bads < 0).any():
        raise InvalidInputError(
            "goods", goods.tolist(), "counts cannot be negative", "Pass counts of at least 0."
        )
    bins = goods.size
    good_total = goods.sum() + smoothing * bins
    bad_total = bads.sum() + smoothing * bins
    if good_total <= 0 or bad_total <= 0:
        raise InvalidInputError(
            "goods",
            goods.tolist(),
            "WoE needs at least one good and one bad",
            "Pass counts with both classes, or a positive smoothing.",
        )
    return (goods + smoothing) / good_total, (bads + smoothing) / bad_total


def woe_values(
    goods: npt.ArrayLike, bads: npt.ArrayLike, smoothing: float = DEFAULT_SMOOTHING
) -> FloatArray:
    """Return each bin's WoE, ln(good share / bad share), with the pseudo-count ``smoothing``.

    Raises:
        InvalidInputError: with ``smoothing`` 0, a bin without goods or without bads.
    """
    woe, _ = woe_iv(goods, bads, smoothing)
    return woe


def woe_iv(
    goods: npt.ArrayLike, bads: npt.ArrayLike, smoothing: float = DEFAULT_SMOOTHING
) -> tuple[FloatArray, float]:
    """Return each bin's WoE and the information value of the whole binning."""
    good_array = np.asarray(goods, dtype=np.float64)
    bad_array = np.asarray(bads, dtype=np.float64)
    good_share, bad_share = _shares(good_array, bad_array, smoothing)
    if (good_share == 0).any() or (bad_share == 0).any():
        raise InvalidInputError(
            "smoothing",
            smoothing,
            "a bin without goods or bads has an infinite WoE",
            "Pass a positive smoothing such as 0.5.",
        )
    woe = np.log(good_share / bad_share)
    iv = float(np.sum((good_share - bad_share) * woe))
    return woe, iv


def information_value(
    goods: npt.ArrayLike, bads: npt.ArrayLike, smoothing: float = DEFAULT_SMOOTHING
) -> float:
    """Return the information value of a binning from its per-bin counts."""
    return woe_iv(goods, bads, smoothing)[1]
