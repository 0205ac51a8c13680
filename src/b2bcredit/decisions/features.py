"""Scorecard features derived from a buyer application.

Ratios are floats (statistics, not money) computed from the exact amounts. A ratio whose
denominator is missing or zero is missing (None), and the scorecard sends it to its
Missing bin. The names match the columns the dataset loaders produce, so a model fitted
on a loaded data set scores applications directly.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final

import attrs

from b2bcredit.api.underwriting import BuyerApplication, FinancialStatements
from b2bcredit.core.money import Money

__all__ = [
    "APPLICANT_CHOSEN_FEATURES",
    "FINANCIAL_RATIOS",
    "application_features",
    "informative_features",
    "working_capital",
]

# Features the applicant sets by asking: a model may use them, but they are never an
# adverse-action reason (a decline must not suggest asking for another amount) and
# never count as information about the buyer when choosing a model.
APPLICANT_CHOSEN_FEATURES: Final = frozenset({"requested_amount"})

# Feature name -> (numerator, denominator) over FinancialStatements.amounts().
FINANCIAL_RATIOS: Final[dict[str, tuple[str, str]]] = {
    "net_profit_to_total_assets": ("net_profit", "total_assets"),
    "total_liabilities_to_total_assets": ("total_liabilities", "total_assets"),
    "working_capital_to_total_assets": ("working_capital", "total_assets"),
    "current_ratio": ("current_assets", "current_liabilities"),
    "ebit_to_total_assets": ("ebit", "total_assets"),
    "equity_to_total_liabilities": ("equity", "total_liabilities"),
    "sales_to_total_assets": ("sales", "total_assets"),
    "equity_to_total_assets": ("equity", "total_assets"),
    "total_assets_to_total_liabilities": ("total_assets", "total_liabilities"),
    "net_profit_to_sales": ("net_profit", "sales"),
    "current_assets_to_total_liabilities": ("current_assets", "total_liabilities"),
    "current_liabilities_to_total_assets": ("current_liabilities", "total_assets"),
}


def informative_features(names: Iterable[str]) -> tuple[str, ...]:
    """Return the feature names that describe the buyer (all but the applicant-chosen ones)."""
    if isinstance(names, tuple):
        return _informative_of_tuple(names)
    return tuple(name for name in names if name not in APPLICANT_CHOSEN_FEATURES)


@functools.lru_cache(maxsize=256)
def _informative_of_tuple(names: tuple[str, ...]) -> tuple[str, ...]:
    # Every decision reads a model's feature names, so the filtered tuple is computed
    # once per model.
    return tuple(name for name in names if name not in APPLICANT_CHOSEN_FEATURES)


def working_capital(financials: FinancialStatements) -> Money | None:
    """Return the reported working capital, else current assets minus current liabilities.

    It is the rule of :attr:`FinancialStatements.reported_amounts`, without building the
    other amounts.
    """
    reported = financials.working_capital
    if reported is not None:
        return reported
    # Each field is read once, because a pydantic attribute read costs more than a local one.
    assets, liabilities = financials.current_assets, financials.current_liabilities
    if assets is None or liabilities is None:
        return None
    return assets - liabilities


@attrs.frozen
class _RatioPlan:
    """The ratios to compute and the statement amounts they read."""

    ratios: tuple[tuple[str, str, str], ...]  # (feature, numerator, denominator)
    reported: tuple[str, ...]  # reported amounts to read, working capital aside
    working_capital: bool  # whether a ratio reads working capital


@functools.lru_cache(maxsize=64)
def _ratio_plan(names: frozenset[str] | None) -> _RatioPlan:
    # Underwriters pass the same set of model features on every call, so each plan is built once.
    ratios = tuple(
        (name, numerator, denominator)
        for name, (numerator, denominator) in FINANCIAL_RATIOS.items()
        if names is None or name in names
    )
    inputs = dict.fromkeys(amount for _, *pair in ratios for amount in pair)
    reads_working_capital = "working_capital" in inputs
    inputs.pop("working_capital", None)
    return _RatioPlan(ratios, tuple(inputs), reads_working_capital)


def _float_amounts(financials: FinancialStatements, plan: _RatioPlan) -> dict[str, float]:
    # The amounts the ratios read, each converted to float once though most enter several ratios.
    amounts = {}
    for name in plan.reported:
        value = getattr(financials, name)
        if value is not None:
            amounts[name] = float(value.amount)
    if plan.working_capital:
        derived = working_capital(financials)
        if derived is not None:
            amounts["working_capital"] = float(derived.amount)
    return amounts


def application_features(
    application: BuyerApplication, names: frozenset[str] | None = None
) -> dict[str, object]:
    """Return the features the library derives from ``application`` (None when unknown).

    ``names`` limits the financial ratios to those it contains, so a caller that scores a
    few ratios does not compute the others; None derives every ratio. The features that
    are not ratios are always derived.
    """
    plan = _ratio_plan(names)
    features: dict[str, object] = {}
    amounts = {} if application.financials is None else _float_amounts(application.financials, plan)
    for name, numerator, denominator in plan.ratios:
        top = amounts.get(numerator)
        bottom = amounts.get(denominator)
        # A ratio with a missing or zero denominator is missing. The float of a Money amount
        # is 0.0 exactly when the amount is zero, because an amount has a few decimals at most.
        # Ratios are statistics, so float division is exact enough and needs no decimal context.
        features[name] = None if top is None or not bottom else top / bottom

    firm = application.firmographics
    years = application.years_in_business
    features["employees"] = None if firm.employees is None else float(firm.employees)
    features["years_in_business"] = years
    # Under two years counts as a new business, as in the SBA's NewExist flag.
    if years is None:
        features["new_business"] = None
    else:
        features["new_business"] = 1.0 if years < 2 else 0.0
    naics = firm.naics_code
    features["naics_sector"] = None if naics is None else naics[:2]
    features["naics_subsector"] = None if naics is None or len(naics) < 4 else naics[:4]
    features["urban_rural"] = firm.urban_rural
    features["requested_amount"] = float(application.requested_limit.amount)

    history = application.trade_history
    features["months_of_history"] = None if history is None else float(history.months_of_history)
    features["days_beyond_terms"] = None if history is None else history.days_beyond_terms
    features["late_invoice_share"] = None if history is None else history.late_invoice_share
    features["bureau_score"] = (
        application.bureau_scores[0].normalised() if application.bureau_scores else None
    )
    return features
