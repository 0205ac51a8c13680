"""Demand segments: behavioural features per customer and k-means clusters.

Features, from sale lines only:

* ``share_<category>``: share of the customer's sales value in each product category;
* ``purchase_days_per_month``: purchase days per 30 days of the customer's tenure, a
  tenure under 30 days counting as 30 (a customer first seen yesterday with one purchase
  day buys once a month so far, not 15 times);
* ``log_basket_value``: log of the mean invoice value;
* ``log_lines_per_invoice``: log of the mean number of lines per invoice;
* ``q4_share``: share of sales value in October to December (seasonal buying);
* ``peak_month_share``: the largest share of sales value in one calendar month;
* ``share_payment_<option>``: share of invoices paid with each option, when the file
  has a payment column.

Features are standardised to zero mean and unit variance, and constant features are
dropped. k-means (:func:`scipy.cluster.vq.kmeans2`) then runs from several k-means++ starts
drawn with a fixed seed and keeps the run with the lowest inertia. Clusters are numbered by decreasing size, ties
by centroid, so labels are stable across runs on the same data. When k is not given, it is
chosen by the mean silhouette over k = 2 … 8, computed on a fixed, evenly spaced sample of
at most 2,000 customers to keep the cost of the pairwise distances bounded.

Products carry a category from a caller's mapping; without one, a keyword table for gift
and homeware wholesale (:data:`GIFTWARE_CATEGORIES`) classifies descriptions. That table
is a heuristic for the Online Retail data, not a product taxonomy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt
from scipy.cluster.vq import kmeans2
from scipy.spatial.distance import cdist

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.summary import CustomerSummary
from b2bcredit.segments.transactions import TransactionTable

__all__ = [
    "GIFTWARE_CATEGORIES",
    "ClusterProfile",
    "DemandClusters",
    "DemandFeatures",
    "categorise_products",
    "cluster_customers",
    "demand_features",
    "silhouette_score",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# (category, words): the first category with a word in the description wins.
GIFTWARE_CATEGORIES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("christmas", ("CHRISTMAS", "XMAS", "ADVENT", "SNOWFLAKE", "REINDEER", "SANTA")),
    ("candles_and_lights", ("CANDLE", "T-LIGHT", "TLIGHT", "LANTERN", "LIGHT", "NIGHTLIGHT")),
    ("bags", ("BAG", "TOTE", "PURSE", "SHOPPER")),
    ("kitchen_and_dining", ("MUG", "CUP", "PLATE", "BOWL", "TEA", "CAKE", "JAR", "SPOON",
                            "NAPKIN", "LUNCH", "BAKING", "TRAY", "BOTTLE", "CUTLERY", "KITCHEN",
                            "GLASS", "JUG", "TIN")),
    ("stationery_and_cards", ("CARD", "PAPER", "WRAP", "NOTEBOOK", "PENCIL", "PEN ", "STICKER",
                              "ENVELOPE", "TAPE", "CALENDAR", "BOOK")),
    ("home_decor", ("FRAME", "SIGN", "CUSHION", "CLOCK", "MIRROR", "HOOK", "HANGER",
                    "HEART", "DOORMAT", "VASE", "WREATH", "GARLAND", "BUNTING", "ORNAMENT",
                    "DECORATION", "HOLDER", "BOX", "STORAGE", "DRAWER")),
    ("toys_and_games", ("TOY", "GAME", "DOLL", "PUZZLE", "SKITTLES", "DOMINOES", "PLAY",
                        "SPACEBOY", "CHILDRENS", "CHILDS")),
    ("garden", ("GARDEN", "PLANT", "BIRD", "WATERING", "FLOWER POT")),
    ("jewellery_and_accessories", ("NECKLACE", "BRACELET", "EARRINGS", "RING", "HAIR",
                                   "UMBRELLA", "SCARF", "WALLET")),
)
_OTHER: Final = "other"
_SILHOUETTE_SAMPLE: Final = 2000
_K_RANGE: Final = range(2, 9)
_STARTS: Final = 5


def categorise_products(
    descriptions: Sequence[str],
    table: Sequence[tuple[str, tuple[str, ...]]] = GIFTWARE_CATEGORIES,
) -> tuple[str, ...]:
    """Return the category of each product description by the keyword table."""
    categories: list[str] = []
    for description in descriptions:
        text = f" {description.upper()} "
        for category, words in table:
            if any(word in text for word in words):
                categories.append(category)
                break
        else:
            categories.append(_OTHER)
    return tuple(categories)


@attrs.frozen(slots=True, eq=False)
class DemandFeatures:
    """The raw behavioural features, one row per summarised customer."""

    names: tuple[str, ...]
    values: FloatArray


def demand_features(
    table: TransactionTable,
    summary: CustomerSummary,
    *,
    product_categories: Mapping[str, str] | None = None,
) -> DemandFeatures:
    """Compute the behavioural features of each customer in ``summary``.

    Args:
        table: the order lines the summary was built from.
        summary: the customers to describe.
        product_categories: category per product id; products not in it fall back to
            the keyword table on their description.
    """
    keyword_categories = categorise_products(table.product_descriptions)
    if product_categories is not None:
        categories = tuple(
            product_categories.get(product, keyword_categories[index])
            for index, product in enumerate(table.product_ids)
        )
    else:
        categories = keyword_categories
    category_names = tuple(sorted(set(categories)))
    category_code = np.array([category_names.index(name) for name in categories],
                             dtype=np.int64)

    # Map table customers to summary rows; lines of other customers are ignored.
    row_of_customer = np.full(len(table.customer_ids) + 1, -1, dtype=np.int64)
    row_of_customer[summary.table_index] = np.arange(len(summary))
    # The summary's window, as tenant-zone days: its edges are local midnights.
    sales = (table.sales_mask() & (table.local_day >= summary.start_day)
             & (table.local_day <= summary.end_day))
    lines = np.flatnonzero(sales)
    row = row_of_customer[table.customer[lines]]
    keep = row >= 0
    lines, row = lines[keep], row[keep]
    value = (table.quantity[lines] * table.price[lines]).astype(np.float64)
    n = len(summary)
    total = np.bincount(row, weights=value, minlength=n)
    safe_total = np.where(total > 0, total, 1.0)

    columns: list[FloatArray] = []
    names: list[str] = []

    # Category mix.
    n_categories = len(category_names)
    mix = np.bincount(row * n_categories + category_code[table.product[lines]],
                      weights=value, minlength=n * n_categories).reshape(n, n_categories)
    for index, name in enumerate(category_names):
        names.append(f"share_{name}")
        columns.append(mix[:, index] / safe_total)

    # Cadence, basket and lines per invoice.
    tenure_months = np.maximum(summary.T + 1.0, 30.0) / 30.0
    names.append("purchase_days_per_month")
    columns.append((summary.frequency + 1.0) / tenure_months)
    invoices = np.maximum(summary.invoices, 1).astype(np.float64)
    names.append("log_basket_value")
    columns.append(np.log1p(total / invoices / 10_000.0))
    line_counts = np.bincount(row, minlength=n).astype(np.float64)
    names.append("log_lines_per_invoice")
    columns.append(np.log(np.maximum(line_counts, 1.0) / invoices))

    # Seasonality from the calendar month of each line.
    month = _month_of_day(table.local_day[lines])
    by_month = np.bincount(row * 12 + (month - 1), weights=value,
                           minlength=n * 12).reshape(n, 12)
    names.append("q4_share")
    columns.append(by_month[:, 9:12].sum(axis=1) / safe_total)
    names.append("peak_month_share")
    columns.append(by_month.max(axis=1) / safe_total)

    # Preferred payment option, when the file records it.
    if table.payment_options:
        option = table.payment_option[lines]
        known = option >= 0
        n_options = len(table.payment_options)
        counts = np.bincount(row[known] * n_options + option[known],
                             minlength=n * n_options).reshape(n, n_options).astype(np.float64)
        per_customer = np.maximum(counts.sum(axis=1), 1.0)
        for index, name in enumerate(table.payment_options):
            names.append(f"share_payment_{name}")
            columns.append(counts[:, index] / per_customer)

    return DemandFeatures(tuple(names), np.column_stack(columns))


def _month_of_day(days: IntArray) -> IntArray:
    """Return the calendar month (1-12) of days counted from 1970-01-01."""
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return np.asarray(months, dtype=np.int64)


def silhouette_score(points: FloatArray, labels: IntArray) -> float:
    """Return the mean silhouette of a clustering (Rousseeuw 1987), Euclidean distance.

    A point alone in its cluster has silhouette 0.
    """
    n = points.shape[0]
    k = int(labels.max()) + 1
    if k < 2 or n < 3:
        return 0.0
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    scores = np.empty(n)
    for start in range(0, n, 512):
        chunk = slice(start, min(start + 512, n))
        distances = cdist(points[chunk], points)
        sums = np.zeros((distances.shape[0], k))
        for cluster in range(k):
            sums[:, cluster] = distances[:, labels == cluster].sum(axis=1)
        own = labels[chunk]
        own_size = sizes[own]
        rows = np.arange(distances.shape[0])
        a = np.where(own_size > 1, sums[rows, own] / np.maximum(own_size - 1, 1), 0.0)
        means = sums / np.maximum(sizes, 1)
        means[rows, own] = np.inf
        means[:, sizes == 0] = np.inf
        b = means.min(axis=1)
        s = np.where(own_size > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
        scores[chunk] = s
    return float(scores.mean())


@attrs.frozen(slots=True)
class ClusterProfile:
    """One demand cluster: its size and the mean raw value of each feature."""

    label: int
    customers: int
    feature_means: tuple[tuple[str, float], ...]

    def describe(self, top: int = 3) -> str:
        """Return the cluster's largest category shares and its cadence, as text."""
        shares = sorted(
            ((value, name) for name, value in self.feature_means if name.startswith("share_")
             and not name.startswith("share_payment_")),
            reverse=True,
        )[:top]
        parts = [f"{name[6:]} {value:.0%}" for value, name in shares]
        cadence = dict(self.feature_means).get("purchase_days_per_month", math.nan)
        return f"{', '.join(parts)}; {cadence:.2f} purchase days per month"


@attrs.frozen(slots=True, eq=False)
class DemandClusters:
    """Cluster labels per customer, the chosen k, and the profile of each cluster."""

    labels: IntArray
    k: int
    # Mean silhouette for each k tried (only the given k when k was fixed).
    silhouettes: tuple[tuple[int, float], ...]
    profiles: tuple[ClusterProfile, ...]
    feature_names: tuple[str, ...]
    seed: int


def _standardise(values: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    varying = std > 1e-12
    return (values[:, varying] - mean[varying]) / std[varying], varying


def _kmeans(points: FloatArray, k: int, seed: int) -> IntArray:
    """Return the labels of the best of several k-means++ runs, relabelled canonically."""
    best_labels: IntArray | None = None
    best_inertia = math.inf
    rng = np.random.default_rng(seed)
    for _ in range(_STARTS):
        centroids, labels = kmeans2(points, k, iter=100, minit="++", rng=rng)
        inertia = float(((points - centroids[labels]) ** 2).sum())
        if inertia < best_inertia - 1e-9:
            best_inertia = inertia
            best_labels = np.asarray(labels, dtype=np.int64)
    assert best_labels is not None  # _STARTS ≥ 1
    return _canonical_labels(points, best_labels, k)


def _canonical_labels(points: FloatArray, labels: IntArray, k: int) -> IntArray:
    """Number clusters by decreasing size, then by centroid, dropping empty clusters."""
    sizes = np.bincount(labels, minlength=k)
    keys = []
    for cluster in range(k):
        if sizes[cluster] == 0:
            continue
        centroid = points[labels == cluster].mean(axis=0)
        keys.append((-int(sizes[cluster]), tuple(np.round(centroid, 9).tolist()), cluster))
    keys.sort()
    mapping = np.full(k, -1, dtype=np.int64)
    for new_label, (_, _, cluster) in enumerate(keys):
        mapping[cluster] = new_label
    return mapping[labels]


def cluster_customers(
    features: DemandFeatures, *, k: int | None = None, seed: int = 20_111_209
) -> DemandClusters:
    """Cluster customers by their standardised features.

    Args:
        features: from :func:`demand_features`.
        k: the number of clusters, or None to choose it by silhouette over 2 to 8.
        seed: seeds k-means++; the same data and seed give the same labels.

    Raises:
        InvalidInputError: k is below 1 or above the number of customers, or there are too
            few customers to cluster.
    """
    n = features.values.shape[0]
    if k is not None and not 1 <= k <= n:
        raise InvalidInputError("k", k, f"must be between 1 and the {n} customers",
                                "Pass a smaller k or omit it to choose by silhouette.")
    if n < 3 and k is None:
        raise InvalidInputError("customers", n, "too few customers to choose k",
                                "Pass k explicitly.")
    points, _varying = _standardise(features.values)
    if points.shape[1] == 0:
        points = np.zeros((n, 1))
    sample = np.unique(np.linspace(0, n - 1, min(n, _SILHOUETTE_SAMPLE)).astype(np.int64))

    silhouettes: list[tuple[int, float]] = []
    if k is None:
        best: tuple[float, int, IntArray] | None = None
        for candidate in _K_RANGE:
            if candidate >= n:
                break
            labels = _kmeans(points, candidate, seed)
            score = silhouette_score(points[sample], _dense(labels[sample]))
            silhouettes.append((candidate, score))
            if best is None or score > best[0] + 1e-12:
                best = (score, candidate, labels)
        assert best is not None
        _, k, labels = best
    else:
        labels = _kmeans(points, k, seed) if k > 1 else np.zeros(n, dtype=np.int64)
        if k > 1:
            silhouettes.append((k, silhouette_score(points[sample], _dense(labels[sample]))))

    profiles = []
    for label in range(int(labels.max()) + 1):
        members = labels == label
        means = features.values[members].mean(axis=0)
        profiles.append(ClusterProfile(
            label, int(members.sum()),
            tuple((name, float(value)) for name, value in zip(features.names, means,
                                                              strict=True)),
        ))
    return DemandClusters(labels, int(labels.max()) + 1, tuple(silhouettes), tuple(profiles),
                          features.names, seed)


def _dense(labels: IntArray) -> IntArray:
    """Renumber labels 0..m-1 so that clusters missing from a sample leave no gap."""
    _, dense = np.unique(labels, return_inverse=True)
    return np.asarray(dense.reshape(-1), dtype=np.int64)
