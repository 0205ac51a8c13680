"""Demand features, k-means clusters and the silhouette."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.demand import (
    DemandFeatures,
    categorise_products,
    cluster_customers,
    demand_features,
    silhouette_score,
)
from b2bcredit.segments.summary import CustomerSummary, summarise_customers
from b2bcredit.segments.transactions import TransactionTable
from b2bcredit.segments.windows import EvaluationWindow
from tests.segments.conftest import HEADER, line, table_from_rows


def _blobs(seed: int = 3) -> DemandFeatures:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    sizes = [60, 40, 20]
    points = np.vstack([rng.normal(centre, 0.5, (size, 2))
                        for centre, size in zip(centres, sizes, strict=True)])
    return DemandFeatures(("f1", "f2"), points)


def test_categories_from_descriptions() -> None:
    assert categorise_products(["WHITE HANGING HEART T-LIGHT HOLDER", "JUMBO BAG RED",
                                "POSTAGE"]) == ("candles_and_lights", "bags", "other")


def test_k_chosen_by_silhouette_finds_three_blobs() -> None:
    clusters = cluster_customers(_blobs())
    assert clusters.k == 3
    assert [profile.customers for profile in clusters.profiles] == [60, 40, 20]
    assert dict(clusters.silhouettes)[3] == max(score for _, score in clusters.silhouettes)


def test_labels_are_stable_across_runs() -> None:
    first = cluster_customers(_blobs(), k=4, seed=5)
    second = cluster_customers(_blobs(), k=4, seed=5)
    assert np.array_equal(first.labels, second.labels)


def test_labels_numbered_by_size() -> None:
    clusters = cluster_customers(_blobs(), k=3)
    sizes = np.bincount(clusters.labels)
    assert sizes.tolist() == sorted(sizes.tolist(), reverse=True)


def test_silhouette_matches_brute_force() -> None:
    features = _blobs(9)
    labels = cluster_customers(features, k=3).labels
    points = features.values
    expected = []
    for i in range(len(points)):
        distances = np.linalg.norm(points - points[i], axis=1)
        own = labels == labels[i]
        a = distances[own].sum() / (own.sum() - 1)
        b = min(distances[labels == other].mean() for other in set(labels.tolist())
                if other != labels[i])
        expected.append((b - a) / max(a, b))
    assert silhouette_score(points, labels) == pytest.approx(float(np.mean(expected)), rel=1e-12)


def test_invalid_k_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="k"):
        cluster_customers(_blobs(), k=0)


def test_features_on_small_table() -> None:
    table = table_from_rows([
        line(invoice="1", description="JUMBO BAG RED", price="10.00",
             timestamp="2024-11-05 10:00:00"),
        line(invoice="1", product="P2", description="WHITE MUG", price="30.00",
             timestamp="2024-11-05 10:00:00"),
        line(invoice="2", description="JUMBO BAG RED", price="20.00",
             timestamp="2024-03-05 10:00:00", customer="200"),
    ])
    summary = summarise_customers(table)
    features = demand_features(table, summary)
    values = dict(zip(features.names, features.values[0], strict=True))
    assert values["share_bags"] == pytest.approx(0.25)
    assert values["share_kitchen_and_dining"] == pytest.approx(0.75)
    assert values["q4_share"] == pytest.approx(1.0)
    assert values["log_lines_per_invoice"] == pytest.approx(np.log(2.0))
    other = dict(zip(features.names, features.values[1], strict=True))
    assert other["q4_share"] == 0.0
    assert other["peak_month_share"] == 1.0


def test_payment_option_shares_when_column_present() -> None:
    header = (*HEADER, "Payment")
    rows = [(*line(invoice="1"), "card"), (*line(invoice="2"), "NET30"),
            (*line(invoice="3", customer="200"), "card")]
    from b2bcredit.segments.transactions import ColumnMap

    table = table_from_rows(rows, header=header, columns=ColumnMap(payment_option="Payment"))
    features = demand_features(table, summarise_customers(table))
    values = dict(zip(features.names, features.values[0], strict=True))
    assert values["share_payment_card"] == pytest.approx(0.5)
    assert values["share_payment_NET30"] == pytest.approx(0.5)


@pytest.mark.realdata
def test_online_retail_clusters_are_reproducible(
    online_retail: TransactionTable, online_retail_summary: CustomerSummary
) -> None:
    features = demand_features(online_retail, online_retail_summary)
    first = cluster_customers(features, k=5)
    second = cluster_customers(features, k=5)
    assert np.array_equal(first.labels, second.labels)
    assert sum(profile.customers for profile in first.profiles) == len(online_retail_summary)


def test_features_use_only_the_window() -> None:
    table = table_from_rows([
        line(invoice="1", description="JUMBO BAG RED", timestamp="2024-01-05 10:00:00"),
        line(invoice="2", product="P2", description="WHITE MUG",
             timestamp="2024-03-05 10:00:00"),
    ])
    window = EvaluationWindow(dt.date(2024, 2, 1), dt.date(2024, 4, 1), "Europe/London")
    features = demand_features(table, summarise_customers(table, window))
    values = dict(zip(features.names, features.values[0], strict=True))
    assert values["share_kitchen_and_dining"] == 1.0
    assert values["share_bags"] == 0.0


def test_cadence_counts_a_short_tenure_as_a_month() -> None:
    # Customer 100 buys on two days ten days apart; customer 200 once, on the window's last day.
    table = table_from_rows([
        line(invoice="1", timestamp="2024-03-01 10:00:00"),
        line(invoice="2", timestamp="2024-03-11 10:00:00"),
        line(invoice="3", timestamp="2024-03-11 12:00:00", customer="200"),
    ])
    features = demand_features(table, summarise_customers(table))
    cadence = features.values[:, features.names.index("purchase_days_per_month")]
    assert cadence.tolist() == pytest.approx([2.0, 1.0])
