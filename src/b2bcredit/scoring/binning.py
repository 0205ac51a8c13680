"""Per-feature binning: intervals or category groups, plus explicit Special and Missing bins.

A numeric feature is cut into right-open intervals ``[lower, upper)`` by its ``edges``;
the first interval starts at minus infinity and the last one ends at plus infinity (and
contains it). Each configured special value (such as 0 for "not reported") has its own
bin that is matched before the intervals, and NaN always goes to the Missing bin, never
to an interval. A categorical feature maps groups of categories to bins.

Fitting runs in four steps: pre-binning at quantiles, merging bins below the minimum
share of rows, enforcing the monotonic trend of the bad rate (pool-adjacent-violators),
and merging down to the maximum number of bins with the smallest loss of information
value.

A bin that training never saw (a Missing bin when training had no missing values, an
unseen special value, a category unseen in training) gets its WoE from the feature's
:class:`UnobservedTreatment`: by default the WoE of the worst observed bin, and scoring
flags every row that used it.
"""

from __future__ import annotations

import bisect
import enum
import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
from scipy.stats import chi2

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.scoring.woe import DEFAULT_SMOOTHING, woe_iv

__all__ = [
    "Bin",
    "BinKind",
    "BinningConfig",
    "BinningReport",
    "FeatureBinning",
    "FeatureKind",
    "FeatureSpec",
    "Trend",
    "UnobservedTreatment",
    "fit_binning",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


class FeatureKind(enum.Enum):
    """The comparison a feature's values support."""

    NUMERIC = "numeric"  # ordered values cut into intervals
    CATEGORICAL = "categorical"  # text labels grouped into bins


class Trend(enum.Enum):
    """The required shape of the bad rate across a numeric feature's intervals."""

    NONE = "none"  # any shape
    ASCENDING = "ascending"  # the bad rate rises with the value
    DESCENDING = "descending"  # the bad rate falls as the value rises
    AUTO = "auto"  # ascending or descending, whichever keeps more information value


class BinKind(enum.Enum):
    """The kind of values a bin contains."""

    INTERVAL = "interval"  # a numeric range [lower, upper)
    CATEGORIES = "categories"  # a group of category labels
    SPECIAL = "special"  # one special numeric value, matched before the intervals
    MISSING = "missing"  # NaN, None or an empty value


class UnobservedTreatment(enum.Enum):
    """The treatment of a value that lands in a bin training never saw."""

    WORST_BIN = "worst_bin"  # the WoE of the worst observed bin (conservative); the row is flagged
    NEUTRAL = "neutral"  # WoE 0, the population average; the row is flagged
    RAISE = "raise"  # scoring raises InvalidInputError


@attrs.frozen
class BinningConfig:
    """Defaults for fitting every feature's bins.

    Attributes:
        max_prebins: quantile bins before merging.
        min_bin_share: the smallest share of all training rows an interval or category bin
            may hold (Missing and Special bins are exempt, so they stay explicit).
        max_bins: the maximum number of interval or category bins kept.
        trend: the default monotonic trend for numeric features.
        smoothing: the WoE pseudo-count per bin.
        significance: ChiMerge level: adjacent bins whose bad rates do not differ at this
            level (Pearson chi-square, one degree of freedom) are merged; None skips it.
    """

    max_prebins: int = 20
    min_bin_share: float = 0.05
    # Four intervals (plus Missing and Special bins): with per-bin points, more intervals
    # fitted noise. On Polish 5year the mean hold-out AUC over five splits was 0.926 with
    # 4 or 5 intervals and 0.924 with 6.
    max_bins: int = 4
    # No trend by default: on Polish 5year an enforced monotonic trend cost about 0.005
    # hold-out AUC; pass Trend.AUTO or a direction where regulators expect monotonic bins.
    trend: Trend = Trend.NONE
    smoothing: float = DEFAULT_SMOOTHING
    significance: float | None = 0.05

    def __attrs_post_init__(self) -> None:
        if self.max_prebins < 2:
            raise InvalidInputError("max_prebins", self.max_prebins, "needs at least 2", "Pass 20.")
        if not 0 <= self.min_bin_share < 0.5:
            raise InvalidInputError(
                "min_bin_share",
                self.min_bin_share,
                "must be in [0, 0.5)",
                "Pass a share such as 0.05.",
            )
        if self.max_bins < 1:
            raise InvalidInputError("max_bins", self.max_bins, "needs at least 1", "Pass 6.")


@attrs.frozen
class FeatureSpec:
    """The reading, binning and explanation settings of one feature.

    Attributes:
        name: the column name.
        kind: numeric or categorical.
        label: the factor's name in reason texts, such as "current ratio".
        reason_code: the stable adverse-action code; defaults to ``R_<NAME>``.
        trend: overrides the configured trend for this feature.
        special_values: numeric values with their own bins.
        unobserved: treatment of bins that training never saw.
    """

    name: str
    kind: FeatureKind = FeatureKind.NUMERIC
    label: str | None = None
    reason_code: str | None = None
    trend: Trend | None = None
    special_values: tuple[float, ...] = ()
    unobserved: UnobservedTreatment = UnobservedTreatment.WORST_BIN

    @property
    def display_label(self) -> str:
        return self.label or self.name

    @property
    def code(self) -> str:
        if self.reason_code:
            return self.reason_code
        return "R_" + "".join(c if c.isalnum() else "_" for c in self.name.upper())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "label": self.label,
            "reason_code": self.code,
            "trend": self.trend.value if self.trend else None,
            "special_values": list(self.special_values),
            "unobserved": self.unobserved.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            name=str(data["name"]),
            kind=FeatureKind(data.get("kind", "numeric")),
            label=data.get("label"),
            reason_code=data.get("reason_code"),
            trend=Trend(data["trend"]) if data.get("trend") else None,
            special_values=tuple(float(v) for v in data.get("special_values", ())),
            unobserved=UnobservedTreatment(data.get("unobserved", "worst_bin")),
        )


@attrs.frozen
class Bin:
    """One bin of a feature with its training counts and WoE.

    ``observed`` is false for a bin no training row fell into; its ``woe`` then comes from
    the feature's :class:`UnobservedTreatment`.
    """

    kind: BinKind
    label: str
    goods: int
    bads: int
    woe: float
    lower: float | None = None
    upper: float | None = None
    categories: tuple[str, ...] = ()
    special_value: float | None = None

    @property
    def observed(self) -> bool:
        return self.goods + self.bads > 0

    @property
    def count(self) -> int:
        return self.goods + self.bads

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "label": self.label,
            "goods": self.goods,
            "bads": self.bads,
            "woe": self.woe,
        }
        if self.kind is BinKind.INTERVAL:
            data["lower"] = _float_to_json(self.lower)
            data["upper"] = _float_to_json(self.upper)
        if self.kind is BinKind.CATEGORIES:
            data["categories"] = list(self.categories)
        if self.kind is BinKind.SPECIAL:
            data["special_value"] = self.special_value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bin:
        return cls(
            kind=BinKind(data["kind"]),
            label=str(data["label"]),
            goods=int(data["goods"]),
            bads=int(data["bads"]),
            woe=float(data["woe"]),
            lower=_float_from_json(data.get("lower")),
            upper=_float_from_json(data.get("upper")),
            categories=tuple(str(c) for c in data.get("categories", ())),
            special_value=None
            if data.get("special_value") is None
            else float(data["special_value"]),
        )


def _float_to_json(value: float | None) -> float | str | None:
    # JSON has no infinities; the open ends of the first and last interval are spelled out.
    if value is None:
        return None
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return value


def _float_from_json(value: float | str | None) -> float | None:
    return None if value is None else float(value)


@attrs.frozen
class BinningReport:
    """The findings of fitting one feature, for the analyst.

    Attributes:
        trend_requested: the trend asked for.
        trend_applied: the trend the bins follow (AUTO resolves to a direction).
        trend_infeasible: the requested monotonic trend left a single interval bin, so the
            feature carries no information in its values (only in Missing and Special bins).
        notes: further findings in plain sentences.
    """

    trend_requested: Trend
    trend_applied: Trend
    trend_infeasible: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "trend_requested": self.trend_requested.value,
            "trend_applied": self.trend_applied.value,
            "trend_infeasible": self.trend_infeasible,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BinningReport:
        return cls(
            trend_requested=Trend(data["trend_requested"]),
            trend_applied=Trend(data["trend_applied"]),
            trend_infeasible=bool(data["trend_infeasible"]),
            notes=tuple(data.get("notes", ())),
        )


@attrs.frozen
class FeatureBinning:
    """The fitted bins of one feature and the rules that assign a value to them.

    Bin order is fixed: interval (or category) bins first, then one bin per special
    value, then the Missing bin last. :meth:`assign` and :meth:`assign_batch` return
    positions in :attr:`bins` and agree for every input.
    """

    spec: FeatureSpec
    bins: tuple[Bin, ...]
    edges: tuple[float, ...]
    iv: float
    report: BinningReport

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def missing_index(self) -> int:
        return len(self.bins) - 1

    @property
    def special_values(self) -> tuple[float, ...]:
        return self.spec.special_values

    @property
    def interval_count(self) -> int:
        return len(self.bins) - len(self.spec.special_values) - 1

    def category_index(self) -> dict[str, int]:
        """Map each training category to its bin position."""
        return {
            category: position
            for position, bin_ in enumerate(self.bins)
            if bin_.kind is BinKind.CATEGORIES
            for category in bin_.categories
        }

    # Assignment of a single value. The batch twin below must give the same position.
    def assign(self, value: object, category_index: dict[str, int] | None = None) -> int:
        """Return the bin position of one value, or -1 for a category unseen in training."""
        if self.spec.kind is FeatureKind.CATEGORICAL:
            if _is_missing_category(value):
                return self.missing_index
            lookup = category_index if category_index is not None else self.category_index()
            return lookup.get(str(value), -1)
        number = _to_float(self.spec.name, value)
        if number != number:  # NaN
            return self.missing_index
        for offset, special in enumerate(self.spec.special_values):
            if number == special:
                return self.interval_count + offset
        return bisect.bisect_right(self.edges, number)

    def assign_batch(self, values: npt.ArrayLike | Sequence[object]) -> IntArray:
        """Return the bin position of each value (-1 for unseen categories)."""
        if self.spec.kind is FeatureKind.CATEGORICAL:
            lookup = self.category_index()
            missing = self.missing_index
            return np.fromiter(
                (missing if _is_missing_category(v) else lookup.get(str(v), -1) for v in values),  # type: ignore[union-attr]
                dtype=np.intp,
            )
        numbers = _to_float_array(self.spec.name, values)
        # NaN sorts after every number, so with NaN as the last edge a NaN lands one position
        # past the last interval. That position is then moved to the Missing bin.
        edges_with_nan = np.append(np.asarray(self.edges, dtype=np.float64), np.nan)
        positions = np.searchsorted(edges_with_nan, numbers, side="right").astype(np.intp)
        missing = positions == self.interval_count
        for offset, special in enumerate(self.spec.special_values):
            positions[numbers == special] = self.interval_count + offset
        positions[missing] = self.missing_index
        return positions

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "edges": list(self.edges),
            "iv": self.iv,
            "report": self.report.to_dict(),
            "bins": [b.to_dict() for b in self.bins],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureBinning:
        return cls(
            spec=FeatureSpec.from_dict(data["spec"]),
            bins=tuple(Bin.from_dict(b) for b in data["bins"]),
            edges=tuple(float(e) for e in data["edges"]),
            iv=float(data["iv"]),
            report=BinningReport.from_dict(data["report"]),
        )


def _is_missing_category(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip() == ""


def _to_float(field: str, value: object) -> float:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InvalidInputError(
            field,
            value,
            "a numeric feature needs a number or None",
            "Pass a float, an int, None or NaN for a missing value.",
        )
    return float(value)


def _to_float_array(field: str, values: npt.ArrayLike | Sequence[object]) -> FloatArray:
    array = np.asarray(values)
    if array.dtype == object:
        return np.array([_to_float(field, v) for v in array.ravel()], dtype=np.float64)
    if array.dtype.kind not in "fiu":
        raise InvalidInputError(
            field,
            str(array.dtype),
            "a numeric feature needs numbers",
            "Pass a float array with NaN for missing values.",
        )
    return np.ascontiguousarray(array, dtype=np.float64).ravel()


# ----------------------------------------------------------------------------------------
# Fitting


@attrs.define
class _Block:
    """A run of adjacent pre-bins being merged (mutable only inside fitting)."""

    goods: int
    bads: int
    categories: list[str] = attrs.Factory(list)

    @property
    def count(self) -> int:
        return self.goods + self.bads

    def bad_rate(self) -> float:
        return self.bads / self.count if self.count else 0.0


def fit_binning(
    spec: FeatureSpec,
    values: npt.ArrayLike | Sequence[object],
    targets: npt.ArrayLike,
    config: BinningConfig | None = None,
) -> FeatureBinning:
    """Fit the bins of one feature on training values and 0/1 targets (1 = bad).

    Raises:
        InvalidInputError: values and targets differ in length, or targets are not 0/1.
    """
    config = config or BinningConfig()
    target_array = np.asarray(targets, dtype=np.float64)
    if target_array.ndim != 1 or not np.isin(target_array, (0.0, 1.0)).all():
        raise InvalidInputError(
            "targets",
            "non-binary values",
            "targets must be 0 or 1",
            "Drop rows with a missing target and mark a bad with 1.",
        )
    if spec.kind is FeatureKind.CATEGORICAL:
        return _fit_categorical(spec, values, target_array, config)
    return _fit_numeric(spec, _to_float_array(spec.name, values), target_array, config)


def _fit_numeric(
    spec: FeatureSpec, x: FloatArray, y: FloatArray, config: BinningConfig
) -> FeatureBinning:
    if x.size != y.size:
        raise InvalidInputError(
            spec.name, x.size, "needs one value per target", f"Pass {y.size} values."
        )
    total = x.size
    missing = np.isnan(x)
    special = np.isin(x, np.asarray(spec.special_values, dtype=np.float64)) & ~missing
    clean = ~missing & ~special
    clean_x, clean_y = x[clean], y[clean]

    # Pre-binning at quantiles of the clean values; the edges are data values. Finer
    # starts lost hold-out AUC with the ordered per-bin fit (ridge only, 6 bins): on
    # Polish 5year, mean over five splits, these steps from 50 quantiles gave 0.906 and
    # 100 quantiles chi-merged until every bin holds 5 % of rows 0.918, against 0.922
    # from 20 quantiles.
    edges: list[float] = []
    if clean_x.size:
        quantiles = np.quantile(
            clean_x, np.linspace(0, 1, config.max_prebins + 1)[1:-1], method="higher"
        )
        low = float(clean_x.min())
        edges = sorted({float(q) for q in quantiles if math.isfinite(q) and q > low})
    positions = np.searchsorted(np.asarray(edges, dtype=np.float64), clean_x, side="right")
    bad_counts = np.bincount(positions, weights=clean_y, minlength=len(edges) + 1)
    all_counts = np.bincount(positions, minlength=len(edges) + 1)
    blocks = [_Block(int(n - b), int(b)) for n, b in zip(all_counts, bad_counts, strict=True)]

    # Merge away bins below the minimum share, then enforce the trend, then the bin cap.
    min_count = math.ceil(config.min_bin_share * total)
    blocks, edges = _merge_small(blocks, edges, min_count)
    requested = spec.trend or config.trend
    applied = requested
    infeasible = False
    notes: list[str] = []
    if requested is not Trend.NONE and len(blocks) > 1:
        candidates = (
            [requested] if requested is not Trend.AUTO else [Trend.ASCENDING, Trend.DESCENDING]
        )
        best: tuple[float, Trend, list[_Block], list[float]] | None = None
        for trend in candidates:
            merged, merged_edges = _enforce_trend(blocks, edges, trend)
            iv = _blocks_iv(merged, config.smoothing)
            if best is None or iv > best[0]:
                best = (iv, trend, merged, merged_edges)
        assert best is not None  # at least one candidate ran
        _, applied, blocks, edges = best
        if len(blocks) == 1:
            infeasible = True
            notes.append(
                f"no {requested.value} bad-rate trend fits {spec.name}: every interval "
                "merged into one "
                "bin, so its values carry no information; try trend 'none' or drop the feature"
            )
    elif requested is Trend.AUTO:
        applied = Trend.NONE
    if config.significance is not None:
        blocks, edges = _merge_insignificant(blocks, edges, config.significance)
    blocks, edges = _merge_to_max(blocks, edges, config.max_bins, config.smoothing)

    # Interval bins, then special bins, then the Missing bin.
    raw: list[tuple[BinKind, str, int, int, dict[str, Any]]] = []
    bounds = [-math.inf, *edges, math.inf]
    for i, block in enumerate(blocks):
        label = _interval_label(bounds[i], bounds[i + 1])
        raw.append(
            (
                BinKind.INTERVAL,
                label,
                block.goods,
                block.bads,
                {"lower": bounds[i], "upper": bounds[i + 1]},
            )
        )
    for value in spec.special_values:
        hits = x == value
        bads = int(y[hits].sum())
        raw.append(
            (
                BinKind.SPECIAL,
                f"special {value:g}",
                int(hits.sum()) - bads,
                bads,
                {"special_value": value},
            )
        )
    missing_bads = int(y[missing].sum())
    raw.append((BinKind.MISSING, "Missing", int(missing.sum()) - missing_bads, missing_bads, {}))
    bins, iv = _bins_with_woe(spec, raw, config.smoothing)
    if bins[-1].count == 0:
        notes.append(
            f"training had no missing {spec.name}; a missing value at scoring time gets the "
            f"{spec.unobserved.value} treatment and is flagged"
        )
    report = BinningReport(
        trend_requested=requested,
        trend_applied=applied,
        trend_infeasible=infeasible,
        notes=tuple(notes),
    )
    return FeatureBinning(spec=spec, bins=bins, edges=tuple(edges), iv=iv, report=report)


def _fit_categorical(
    spec: FeatureSpec,
    values: npt.ArrayLike | Sequence[object],
    y: FloatArray,
    config: BinningConfig,
) -> FeatureBinning:
    items = list(np.asarray(values, dtype=object).ravel())
    if len(items) != y.size:
        raise InvalidInputError(
            spec.name, len(items), "needs one value per target", f"Pass {y.size} values."
        )
    counts: dict[str, list[int]] = {}
    missing_goods = missing_bads = 0
    for value, target in zip(items, y, strict=True):
        if _is_missing_category(value):
            if target:
                missing_bads += 1
            else:
                missing_goods += 1
            continue
        entry = counts.setdefault(str(value), [0, 0])
        entry[int(target)] += 1

    # Categories ordered by smoothed bad rate, so merges pool categories of similar risk.
    def rate(item: tuple[str, list[int]]) -> tuple[float, str]:
        goods, bads = item[1]
        return ((bads + config.smoothing) / (goods + bads + 2 * config.smoothing), item[0])

    ordered = sorted(counts.items(), key=rate)
    blocks = [_Block(goods, bads, [name]) for name, (goods, bads) in ordered]
    placeholder_edges = [float(i) for i in range(len(blocks) - 1)]
    blocks, _ = _merge_small(
        blocks, placeholder_edges, math.ceil(config.min_bin_share * len(items))
    )
    if config.significance is not None:
        blocks, _ = _merge_insignificant(
            blocks, [float(i) for i in range(len(blocks) - 1)], config.significance
        )
    blocks, _ = _merge_to_max(
        blocks, [float(i) for i in range(len(blocks) - 1)], config.max_bins, config.smoothing
    )

    raw: list[tuple[BinKind, str, int, int, dict[str, Any]]] = []
    for block in blocks:
        categories = tuple(sorted(block.categories))
        label = (
            ", ".join(categories)
            if len(categories) <= 4
            else f"{', '.join(categories[:4])} and others"
        )
        raw.append((BinKind.CATEGORIES, label, block.goods, block.bads, {"categories": categories}))
    raw.append((BinKind.MISSING, "Missing", missing_goods, missing_bads, {}))
    bins, iv = _bins_with_woe(spec, raw, config.smoothing)
    notes = []
    if bins[-1].count == 0:
        notes.append(
            f"training had no missing {spec.name}; a missing value at scoring time gets the "
            f"{spec.unobserved.value} treatment and is flagged"
        )
    report = BinningReport(trend_requested=Trend.NONE, trend_applied=Trend.NONE, notes=tuple(notes))
    return FeatureBinning(spec=spec, bins=bins, edges=(), iv=iv, report=report)


def _bins_with_woe(
    spec: FeatureSpec, raw: list[tuple[BinKind, str, int, int, dict[str, Any]]], smoothing: float
) -> tuple[tuple[Bin, ...], float]:
    observed = [i for i, entry in enumerate(raw) if entry[2] + entry[3] > 0]
    goods = np.array([raw[i][2] for i in observed], dtype=np.float64)
    bads = np.array([raw[i][3] for i in observed], dtype=np.float64)
    if goods.sum() == 0 or bads.sum() == 0:
        raise InvalidInputError(
            "targets",
            f"{int(goods.sum())} goods, {int(bads.sum())} bads",
            "binning needs both goods and bads",
            "Pass a training sample with both classes.",
        )
    woe, iv = woe_iv(goods, bads, smoothing)
    woe_by_position = dict(zip(observed, (float(w) for w in woe), strict=True))
    unobserved_woe = float(woe.min()) if spec.unobserved is UnobservedTreatment.WORST_BIN else 0.0
    bins = tuple(
        Bin(
            kind=kind,
            label=label,
            goods=good_count,
            bads=bad_count,
            woe=woe_by_position.get(position, unobserved_woe),
            **extra,
        )
        for position, (kind, label, good_count, bad_count, extra) in enumerate(raw)
    )
    return bins, iv


def _interval_label(lower: float, upper: float) -> str:
    if math.isinf(lower):
        return f"< {upper:.6g}" if not math.isinf(upper) else "all values"
    if math.isinf(upper):
        return f">= {lower:.6g}"
    return f"[{lower:.6g}, {upper:.6g})"


def _merge(blocks: list[_Block], edges: list[float], left: int) -> None:
    """Merge block ``left`` with block ``left + 1`` in place and drop the edge between them."""
    right = blocks.pop(left + 1)
    blocks[left] = _Block(
        blocks[left].goods + right.goods,
        blocks[left].bads + right.bads,
        blocks[left].categories + right.categories,
    )
    del edges[left]


def _merge_small(
    blocks: list[_Block], edges: list[float], min_count: int
) -> tuple[list[_Block], list[float]]:
    blocks, edges = list(blocks), list(edges)
    while len(blocks) > 1:
        smallest = min(range(len(blocks)), key=lambda i: (blocks[i].count, i))
        if blocks[smallest].count >= min_count and blocks[smallest].count > 0:
            break
        # Merge into the neighbour whose bad rate is closer, so the merge loses least.
        if smallest == 0:
            left = 0
        elif smallest == len(blocks) - 1:
            left = smallest - 1
        else:
            rate = blocks[smallest].bad_rate()
            gap_left = abs(blocks[smallest - 1].bad_rate() - rate)
            gap_right = abs(blocks[smallest + 1].bad_rate() - rate)
            left = smallest - 1 if gap_left <= gap_right else smallest
        _merge(blocks, edges, left)
    return blocks, edges


def _enforce_trend(
    blocks: list[_Block], edges: list[float], trend: Trend
) -> tuple[list[_Block], list[float]]:
    """Pool adjacent violators until the bad rate is strictly monotonic in ``trend``'s direction."""
    blocks, edges = list(blocks), list(edges)
    sign = 1.0 if trend is Trend.ASCENDING else -1.0
    position = 1
    while position < len(blocks):
        if sign * (blocks[position].bad_rate() - blocks[position - 1].bad_rate()) <= 0:
            _merge(blocks, edges, position - 1)
            position = max(position - 1, 1)
        else:
            position += 1
    return blocks, edges


def _blocks_iv(blocks: list[_Block], smoothing: float) -> float:
    goods = np.array([b.goods for b in blocks], dtype=np.float64)
    bads = np.array([b.bads for b in blocks], dtype=np.float64)
    if goods.sum() == 0 or bads.sum() == 0:
        return 0.0
    return woe_iv(goods, bads, smoothing)[1]


def _chi_square(left: _Block, right: _Block) -> float:
    """Return Pearson's chi-square statistic of the 2x2 table goods/bads by two adjacent bins."""
    total = left.count + right.count
    goods = left.goods + right.goods
    bads = left.bads + right.bads
    if goods == 0 or bads == 0:
        return 0.0
    statistic = 0.0
    for block in (left, right):
        for observed, column in ((block.goods, goods), (block.bads, bads)):
            expected = block.count * column / total
            if expected > 0:
                statistic += (observed - expected) ** 2 / expected
    return statistic


def _merge_insignificant(
    blocks: list[_Block], edges: list[float], significance: float
) -> tuple[list[_Block], list[float]]:
    """ChiMerge: merge the least different adjacent pair while the difference is not significant."""
    blocks, edges = list(blocks), list(edges)
    threshold = float(chi2.ppf(1.0 - significance, df=1))
    while len(blocks) > 1:
        statistics = [_chi_square(blocks[i], blocks[i + 1]) for i in range(len(blocks) - 1)]
        weakest = min(range(len(statistics)), key=lambda i: (statistics[i], i))
        if statistics[weakest] >= threshold:
            break
        _merge(blocks, edges, weakest)
    return blocks, edges


def _merge_to_max(
    blocks: list[_Block], edges: list[float], max_bins: int, smoothing: float
) -> tuple[list[_Block], list[float]]:
    blocks, edges = list(blocks), list(edges)
    while len(blocks) > max_bins:
        best_left, best_iv = 0, -math.inf
        for left in range(len(blocks) - 1):
            trial_blocks, trial_edges = list(blocks), list(edges)
            _merge(trial_blocks, trial_edges, left)
            iv = _blocks_iv(trial_blocks, smoothing)
            if iv > best_iv:
                best_left, best_iv = left, iv
        _merge(blocks, edges, best_left)
    return blocks, edges
