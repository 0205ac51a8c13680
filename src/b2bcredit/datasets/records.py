"""Flat table rows (CSV, DataFrame, records) to buyer applications.

A flat row has one column per application field, named as the field itself (``country``,
``total_assets``, ``days_beyond_terms``) plus ``currency`` for every amount in the row and
``bureau_provider``/``bureau_score``/``bureau_min``/``bureau_max`` for one bureau score.
A column-mapping file (JSON, ``{"field": "their column"}``) renames a user's export.
Amounts are read from text; a float amount (from a DataFrame) is read through its
shortest round-trip text, ``repr``, which is the value the frame displays.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Final

from b2bcredit.api.underwriting import FinancialStatements, Firmographics, TradeHistory
from b2bcredit.core.errors import InvalidInputError

__all__ = [
    "FLAT_FIELDS",
    "flat_error",
    "flat_to_nested",
    "iter_csv_records",
    "load_column_mapping",
    "rename_columns",
]

_FIRMOGRAPHIC: Final = tuple(Firmographics.model_fields)
_FINANCIAL: Final = tuple(FinancialStatements.model_fields)
_TRADE: Final = tuple(TradeHistory.model_fields)
_AMOUNTS: Final = frozenset(
    {
        "annual_revenue",
        *_FINANCIAL,
        "average_monthly_purchases",
        "current_overdue",
        "requested_limit",
        "trade_reference_limit",
        "bureau_recommended_limit",
    }
)
_TOP: Final = (
    "application_id",
    "application_date",
    "sanctions_hit",
    "fraud_suspected",
    "requested_limit",
    "requested_terms_days",
    "trade_reference_limit",
)
FLAT_FIELDS: Final = (
    *_TOP,
    *_FIRMOGRAPHIC,
    *_FINANCIAL,
    *_TRADE,
    "currency",
    "bureau_provider",
    "bureau_score",
    "bureau_min",
    "bureau_max",
    "bureau_recommended_limit",
)


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def _amount(value: Any, currency: str) -> str:
    text = repr(float(value)) if isinstance(value, float) else str(value).strip()
    return f"{text} {currency}"


_TRUE: Final = frozenset({"1", "true", "yes", "y"})
_FALSE: Final = frozenset({"0", "false", "no", "n"})


def _flag(value: Any, column: str) -> bool:
    # A screening flag read wrongly as "no hit" would let a sanctioned buyer through, so
    # anything but a plain yes or no is an error.
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInputError(column, value, "not a yes/no value", "Write true or false (1/0 and yes/no also work).")


def flat_to_nested(row: Mapping[str, Any], *, default_date: date | None = None) -> dict[str, Any]:
    """Return the nested application mapping of one flat row (validation happens later)."""
    values = {k: v for k, v in row.items() if not _blank(v)}
    unknown = sorted(set(values) - set(FLAT_FIELDS))
    if unknown:
        separator = next((mark for mark in (";", "\t", "|") if any(mark in name for name in unknown)), None)
        fix = "Rename them with a column-mapping file, or drop them."
        if separator is not None:
            fix = f"The header looks separated by {separator!r}, not commas: save the file as comma-separated CSV."
        raise InvalidInputError("columns", unknown[:5], "columns that are not application fields", fix)
    currency = str(values.pop("currency", "")).strip().upper()
    for key in list(values):
        if key in _AMOUNTS:
            if not currency:
                raise InvalidInputError(
                    "currency",
                    None,
                    f"{key} needs a currency column",
                    "Add a currency column with an ISO 4217 code such as EUR.",
                )
            values[key] = _amount(values[key], currency)
    nested: dict[str, Any] = {key: values[key] for key in _TOP if key in values}
    if "application_date" not in nested and default_date is not None:
        nested["application_date"] = default_date.isoformat()
    for key in ("sanctions_hit", "fraud_suspected"):
        if key in nested:
            nested[key] = _flag(nested[key], key)
    firm = {key: values[key] for key in _FIRMOGRAPHIC if key in values}
    if "naics_code" in firm:
        firm["naics_code"] = str(firm["naics_code"]).split(".")[0]
    nested["firmographics"] = firm
    financial = {key: values[key] for key in _FINANCIAL if key in values}
    if financial:
        nested["financials"] = financial
    trade = {key: values[key] for key in _TRADE if key in values}
    if trade:
        nested["trade_history"] = trade
    if "bureau_score" in values:
        bureau = {
            "provider": values.get("bureau_provider", "bureau"),
            "value": values["bureau_score"],
            "minimum": values.get("bureau_min", 0),
            "maximum": values.get("bureau_max", 100),
        }
        if "bureau_recommended_limit" in values:
            bureau["recommended_limit"] = values["bureau_recommended_limit"]
        nested["bureau_scores"] = [bureau]
    return nested


_BUREAU_COLUMNS: Final = {
    "provider": "bureau_provider",
    "value": "bureau_score",
    "minimum": "bureau_min",
    "maximum": "bureau_max",
    "recommended_limit": "bureau_recommended_limit",
}


def flat_column(field: str) -> str:
    """Return the flat column behind a nested application field (``firmographics.country`` is ``country``)."""
    parts = field.split(".")
    if parts[0] in ("firmographics", "financials", "trade_history") and len(parts) > 1:
        return parts[1]
    if parts[0] == "bureau_scores":
        return _BUREAU_COLUMNS.get(parts[-1], "bureau_score")
    return field


def flat_error(error: InvalidInputError) -> InvalidInputError:
    """Restate an error about a nested field in terms of the flat row's columns.

    A flat row's user wrote columns, not ``firmographics.country``: a missing field becomes a
    missing column, a currency problem in an amount points at the ``currency`` column, and a
    fix written for Python callers becomes one for the file.
    """
    column = flat_column(error.field)
    if error.problem == "Field required":
        return InvalidInputError(column, None, "missing", f"Add the column {column}, or fill it in this row.")
    if column in _AMOUNTS and "currency" in error.problem:
        return InvalidInputError(
            "currency", error.value, error.problem, f"Write a three-letter ISO 4217 code such as EUR; {column} uses it."
        )
    if "rounding=" in error.fix:
        return InvalidInputError(column, error.value, error.problem, "Write the amount with fewer decimal places.")
    return InvalidInputError(column, error.value, error.problem, error.fix)


def load_column_mapping(path: str | Path) -> dict[str, str]:
    """Read a JSON column mapping ``{"application field": "column in the file"}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InvalidInputError(
            str(path),
            type(data).__name__,
            "a column mapping is a JSON object of strings",
            'Write {"legal_name": "Company", "country": "Country"}.',
        )
    unknown = sorted(set(data) - set(FLAT_FIELDS))
    if unknown:
        raise InvalidInputError(
            str(path),
            unknown[:5],
            "mapping keys that are not application fields",
            f"Use field names such as {', '.join(FLAT_FIELDS[:6])}.",
        )
    return data


def rename_columns(row: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Return ``row`` with the user's columns renamed to application fields, others dropped."""
    return {field: row.get(column) for field, column in mapping.items()}


def iter_csv_records(path: str | Path) -> Iterator[dict[str, str]]:
    """Yield the rows of a CSV file (UTF-8, with or without a byte-order mark) as text."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)
