"""Loaders: ARFF parsing, the Polish and SBA layouts, flat rows and column mappings."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from b2bcredit.api.underwriting import parse_application
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.datasets.polish import load_polish_arff, parse_arff
from b2bcredit.datasets.portfolio import polish_applications, sample_portfolio
from b2bcredit.datasets.records import flat_to_nested, load_column_mapping, rename_columns
from b2bcredit.datasets.sba import load_sba_csv
from b2bcredit.decisions.features import application_features
from b2bcredit.scoring.defaults import POLISH_FEATURE_MAP


def test_parse_arff_reads_missing_marker() -> None:
    """Attributes and rows come back as text, '?' kept for the caller."""
    names, rows = parse_arff(
        "@relation r\n@attribute a numeric\n@attribute class {0,1}\n@data\n1.5,0\n?,1\n"
    )
    assert names == ["a", "class"]
    assert rows == [["1.5", "0"], ["?", "1"]]


def test_parse_arff_rejects_short_row() -> None:
    """A row with too few fields raises naming the line."""
    with pytest.raises(InvalidInputError, match="line 5"):
        parse_arff("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1\n")


def test_polish_loader_rejects_other_layout(tmp_path: Path) -> None:
    """An ARFF file with other attributes is not taken for the Polish data."""
    path = tmp_path / "other.arff"
    path.write_text("@relation r\n@attribute a numeric\n@data\n1\n")
    with pytest.raises(InvalidInputError, match="Polish"):
        load_polish_arff(path)


@pytest.mark.realdata
def test_polish_loader_and_rebuilt_statements(data_file: Callable[[str], Path]) -> None:
    """5year has 5,910 firms, 410 bankrupt; statements rebuilt from ratios give the ratios back."""
    data = load_polish_arff(data_file("polish_bankruptcy/5year.arff"))
    assert data.rows == 5910
    assert int(data.target.sum()) == 410
    assert np.isnan(data.columns["Attr37"]).any()
    applications = polish_applications(data, "2024-01-01")
    features = application_features(parse_application(applications[0]))
    for name in (
        "net_profit_to_total_assets",
        "total_liabilities_to_total_assets",
        "sales_to_total_assets",
    ):
        expected = data.columns[POLISH_FEATURE_MAP[name]][0]
        assert features[name] == pytest.approx(expected, rel=1e-4)


@pytest.mark.realdata
def test_sba_loader(data_file: Callable[[str], Path]) -> None:
    """The SBA case has 2,102 loans, 686 defaults and a 1,051/1,051 split."""
    data = load_sba_csv(data_file("sba_loans_case/SBAcase.11.13.17.csv"))
    assert data.rows == 2102
    assert int(data.target.sum()) == 686
    assert int(data.selected.sum()) == 1051
    assert set(data.columns["naics_subsector"]) <= {
        f"53{d}{e}" for d in "0123456789" for e in "0123456789"
    }


def test_flat_row_to_application() -> None:
    """A flat row with one currency column becomes a valid nested application."""
    row = {
        "application_id": "x1",
        "legal_name": "Flat AG",
        "country": "AT",
        "currency": "EUR",
        "total_assets": "1000.00",
        "equity": 400.5,
        "requested_limit": "500",
        "bureau_score": "70",
        "sanctions_hit": "no",
        "naics_code": "423830.0",
    }
    nested = flat_to_nested(row, default_date=__import__("datetime").date(2024, 1, 2))
    application = parse_application(nested)
    assert application.financials is not None
    assert str(application.financials.equity) == "400.50 EUR"
    assert application.firmographics.naics_code == "423830"
    assert application.bureau_scores[0].normalised() == pytest.approx(0.7)
    assert application.sanctions_hit is False


def test_flat_row_needs_currency() -> None:
    """An amount without a currency column raises."""
    with pytest.raises(InvalidInputError, match="currency"):
        flat_to_nested({"legal_name": "x", "total_assets": "1"})


def test_flat_row_rejects_unknown_column() -> None:
    """An unknown column raises and points to the mapping file."""
    with pytest.raises(InvalidInputError, match="mapping"):
        flat_to_nested({"Firma": "x"})


def test_column_mapping(tmp_path: Path) -> None:
    """A mapping file renames a user's export onto application fields."""
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"legal_name": "Firma", "country": "Land"}))
    mapping = load_column_mapping(path)
    assert rename_columns({"Firma": "Huber", "Land": "DE", "extra": 1}, mapping) == {
        "legal_name": "Huber",
        "country": "DE",
    }
    path.write_text(json.dumps({"not_a_field": "x"}))
    with pytest.raises(InvalidInputError, match="not application fields"):
        load_column_mapping(path)


def test_sample_portfolio_is_valid() -> None:
    """Every demo buyer is a valid application."""
    for record in sample_portfolio():
        assert parse_application(record).requested_limit.currency.code == "EUR"


def test_missing_ratio_when_denominator_zero() -> None:
    """A zero denominator gives a missing ratio, not an infinity."""
    record = sample_portfolio()[0]
    record["financials"] = {"total_assets": "0.00 EUR", "net_profit": "10.00 EUR"}
    features = application_features(parse_application(record))
    assert features["net_profit_to_total_assets"] is None
    assert not any(isinstance(v, float) and math.isinf(v) for v in features.values())
