"""Firmographic segments: EU size classes, NAICS sectors, regions and revenue bands."""

from __future__ import annotations

import pytest

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.segments.countries import lookup_country, region_of
from b2bcredit.segments.firmographics import (
    BusinessStatus,
    Firmographics,
    RevenueBands,
    SizeBasis,
    SizeClass,
    classify_size,
    naics_sector,
    segment_firm,
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


# Ceilings from Commission Recommendation 2003/361/EC, Annex, Article 2: micro < 10 staff
# and turnover or balance sheet ≤ €2 m; small < 50 and ≤ €10 m; medium < 250 and turnover
# ≤ €50 m or balance sheet ≤ €43 m.
@pytest.mark.parametrize(
    ("staff", "turnover", "balance", "expected"),
    [
        (9, "2000000", None, SizeClass.MICRO),  # at the micro turnover ceiling
        (9, "2000000.01", None, SizeClass.SMALL),  # just above it
        (9, "5000000", "1500000", SizeClass.MICRO),  # either ceiling suffices
        (10, "100000", None, SizeClass.SMALL),  # staff of 10 is no longer micro
        (49, "10000000", "10000000", SizeClass.SMALL),
        (49, "10000001", "10000001", SizeClass.MEDIUM),  # both over: one class up
        (50, "1000000", None, SizeClass.MEDIUM),
        (249, "60000000", "43000000", SizeClass.MEDIUM),  # balance sheet at €43 m
        (249, "50000000.01", "43000000.01", SizeClass.LARGE),
        (250, "1000000", "1000000", SizeClass.LARGE),  # staff alone makes it large
    ],
)
def test_eu_size_classes(staff: int, turnover: str | None, balance: str | None,
                         expected: SizeClass) -> None:
    size, basis = classify_size(staff, eur(turnover) if turnover else None,
                                eur(balance) if balance else None)
    assert size is expected
    assert basis is SizeBasis.STAFF_AND_FINANCIALS


def test_staff_only_is_flagged() -> None:
    assert classify_size(12) == (SizeClass.SMALL, SizeBasis.STAFF_ONLY)


def test_no_staff_is_unknown() -> None:
    assert classify_size(None, eur("1000")) == (SizeClass.UNKNOWN, SizeBasis.NONE)


def test_financials_in_other_currency_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="EUR"):
        classify_size(5, Money("1000", "GBP"))


def test_negative_staff_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="staff"):
        classify_size(-1)


@pytest.mark.parametrize(
    ("code", "sector_code", "title"),
    [
        ("423220", "42", "Wholesale Trade"),
        ("31", "31-33", "Manufacturing"),
        (332710, "31-33", "Manufacturing"),
        ("454110", "44-45", "Retail Trade"),
        ("4931", "48-49", "Transportation and Warehousing"),
        ("921110", "92", "Public Administration"),
        ("531110.0", "53", "Real Estate and Rental and Leasing"),
    ],
)
def test_naics_sectors(code: str | int, sector_code: str, title: str) -> None:
    sector = naics_sector(code)
    assert sector is not None
    assert sector.code == sector_code
    assert sector.title == title


@pytest.mark.parametrize("code", ["1", "1234567", "4a2", "99", "10"])
def test_invalid_naics_codes(code: str) -> None:
    with pytest.raises(InvalidInputError, match="naics"):
        naics_sector(code)


def test_missing_naics_is_none() -> None:
    assert naics_sector(None) is None
    assert naics_sector("") is None


@pytest.mark.parametrize(
    ("text", "code", "region"),
    [
        ("United Kingdom", "GB", "Europe"),
        ("EIRE", "IE", "Europe"),
        ("RSA", "ZA", "Africa"),
        ("USA", "US", "Americas"),
        ("de", "DE", "Europe"),
        ("Hong Kong", "HK", "Asia"),
        ("Australia", "AU", "Oceania"),
    ],
)
def test_countries_and_regions(text: str, code: str, region: str) -> None:
    country = lookup_country(text)
    assert country is not None
    assert country.code == code
    assert region_of(text) == region


@pytest.mark.parametrize("text", ["Channel Islands", "European Community", "Unspecified", "XX"])
def test_ambiguous_countries_are_not_guessed(text: str) -> None:
    assert lookup_country(text) is None


def test_revenue_bands_are_half_open() -> None:
    bands = RevenueBands.default("GBP")
    assert bands.band_of(Money("999.99", "GBP")) == "under_1k"
    assert bands.band_of(Money("1000.00", "GBP")) == "1k_to_5k"
    assert bands.band_of(Money("100000", "GBP")) == "100k_and_over"


def test_revenue_bands_must_increase() -> None:
    with pytest.raises(InvalidInputError, match="boundaries"):
        RevenueBands((Money("10", "GBP"), Money("5", "GBP")), ("a", "b", "c"))


def test_segment_firm_reports_unknown_country() -> None:
    firm = Firmographics("c1", staff=20, naics="423220", country="Channel Islands",
                         status=BusinessStatus.ACTIVE)
    segment = segment_firm(firm, revenue=Money("2500", "GBP"))
    assert segment.size_class is SizeClass.SMALL
    assert segment.sector is not None
    assert segment.sector.title == "Wholesale Trade"
    assert segment.country is None
    assert segment.unknown_country == "Channel Islands"
    assert segment.region == "unknown"
    assert segment.revenue_band == "1k_to_5k"
