"""Typed functions a host calls for customer tiers; the top-level Engine delegates here.

These are the only functions in the segments package that read files or log. Logs carry
counts, tier names and customer ids, never names, addresses or amounts per customer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from b2bcredit.api.segments import TierPlacementRequest, TierPlacementResponse
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.segments.benefits import TierBenefits
from b2bcredit.segments.firmographics import Firmographics
from b2bcredit.segments.pipeline import SegmentationResult, segment_customers
from b2bcredit.segments.summary import CustomerSummary, summarise_customers
from b2bcredit.segments.tiers import (
    TierDecision,
    TierInputs,
    TierPolicy,
    TierState,
    place_in_tier,
)
from b2bcredit.segments.transactions import (
    CleaningReport,
    ColumnMap,
    TransactionTable,
    read_transactions,
)
from b2bcredit.segments.windows import EvaluationWindow

__all__ = [
    "TransactionSummary",
    "load_transactions",
    "place_customer",
    "place_customer_request",
    "segment_transactions",
    "summarise_transactions",
    "tier_benefits",
]

logger = logging.getLogger("b2bcredit.segments")


@attrs.frozen(slots=True, eq=False)
class TransactionSummary:
    """The loaded lines, what became of each, and the per-customer summary."""

    table: TransactionTable
    report: CleaningReport
    summary: CustomerSummary


def load_transactions(
    path: str | Path,
    *,
    currency: str,
    zone: str,
    columns: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> TransactionTable:
    """Read a CSV (or gzip CSV) of order lines and log the cleaning report's counts."""
    table = read_transactions(path, currency=currency, zone=zone, columns=columns,
                              progress=progress)
    report = table.report
    logger.info(
        "loaded %d order lines: %d sales, %d excluded, %d without customer, "
        "%d unknown country names",
        report.lines_read, report.lines_read - report.lines_excluded(), report.lines_excluded(),
        report.lines_without_customer, len(report.unknown_countries),
    )
    return table


def summarise_transactions(
    source: str | Path | TransactionTable,
    *,
    currency: str | None = None,
    zone: str | None = None,
    window: EvaluationWindow | None = None,
    columns: ColumnMap | None = None,
) -> TransactionSummary:
    """Summarise each customer's purchases (frequency, recency, T, spend) from a file or table.

    ``currency`` and ``zone`` are required when ``source`` is a path.
    """
    if isinstance(source, TransactionTable):
        table = source
    else:
        if currency is None or zone is None:
            raise InvalidInputError("currency, zone", (currency, zone),
                                    "required when reading a file",
                                    "Pass the prices' currency and the tenant's time zone.")
        table = load_transactions(source, currency=currency, zone=zone, columns=columns)
    summary = summarise_customers(table, window)
    return TransactionSummary(table, table.report, summary)


def place_customer(
    policy: TierPolicy, inputs: TierInputs, current: TierState | None = None
) -> TierDecision:
    """Place one customer in a tier at the end of a window; log moves and blocked moves."""
    decision = place_in_tier(policy, inputs, current)
    if decision.changed or decision.tier != decision.indicated_tier:
        logger.info(
            "tier decision for customer %s: %s -> %s (%s, policy %s)",
            decision.customer_id, decision.previous_tier, decision.tier,
            decision.reason.value, policy.version,
        )
    return decision


def place_customer_request(
    policy: TierPolicy, request: TierPlacementRequest
) -> TierPlacementResponse:
    """Place a customer from a validated request and return the response with benefits."""
    decision = place_customer(policy, request.to_inputs(), request.current_state())
    return TierPlacementResponse.from_decision(decision, policy.benefits_of(decision.tier),
                                               policy.version)


def tier_benefits(policy: TierPolicy, tier: str) -> TierBenefits:
    """Return the benefits of a tier: limit multiplier, payment terms, fees, loyalty."""
    return policy.benefits_of(tier)


def segment_transactions(
    table: TransactionTable,
    policy: TierPolicy,
    *,
    window: EvaluationWindow | None = None,
    firmographics: Mapping[str, Firmographics] | None = None,
    clusters: int | None = None,
    seed: int = 20_111_209,
    current_tiers: Mapping[str, TierState] | None = None,
) -> SegmentationResult:
    """Segment every customer and place each in a tier; log the tier counts."""
    result = segment_customers(table, policy, window=window, firmographics=firmographics,
                               clusters=clusters, seed=seed, current_tiers=current_tiers)
    logger.info("segmented %d customers with policy %s: %s", len(result.customers),
                policy.version,
                ", ".join(f"{tier.tier} {tier.customers}" for tier in result.tiers))
    if result.clv_problem:
        logger.warning("CLV not predicted: %s", result.clv_problem)
    return result
