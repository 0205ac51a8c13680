"""Firmographic segments: size class, NAICS sector, region, business status, revenue band.

Size classes follow the EU definition of micro, small and medium-sized enterprises
(Commission Recommendation 2003/361/EC, Annex, Article 2): the staff headcount, in annual
work units, is required, and a firm must meet either the turnover or the balance-sheet
ceiling of its class.

| class  | staff | turnover   | or balance sheet |
|--------|-------|------------|------------------|
| micro  | < 10  | ≤ €2 m     | ≤ €2 m           |
| small  | < 50  | ≤ €10 m    | ≤ €10 m          |
| medium | < 250 | ≤ €50 m    | ≤ €43 m          |
| large  | otherwise                             |

A firm under a staff ceiling that exceeds both financial ceilings moves up a class. When
neither financial figure is known the class follows the staff count alone, and the result
says so; without a staff count the class is unknown. Financial figures must be in EUR:
convert other currencies first with an explicit rate.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

import attrs

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.segments.countries import Country, lookup_country

__all__ = [
    "BusinessStatus",
    "FirmographicSegment",
    "Firmographics",
    "NaicsSector",
    "RevenueBands",
    "SizeBasis",
    "SizeClass",
    "classify_size",
    "naics_sector",
    "segment_firm",
]


class SizeClass(enum.Enum):
    """Enterprise size class by the EU SME definition."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"
    UNKNOWN = "unknown"  # no staff headcount given


class SizeBasis(enum.Enum):
    """The figures a size class was decided on."""

    STAFF_AND_FINANCIALS = "staff_and_financials"  # staff and turnover or balance sheet
    STAFF_ONLY = "staff_only"  # no financial figure was given
    NONE = "none"  # no staff headcount, so no class


class BusinessStatus(enum.Enum):
    """The legal and trading state of a firm, as a registry or the seller records it."""

    ACTIVE = "active"  # trading normally
    DORMANT = "dormant"  # registered but not trading
    IN_INSOLVENCY = "in_insolvency"  # in administration, liquidation or bankruptcy
    DISSOLVED = "dissolved"  # struck off the register
    UNKNOWN = "unknown"  # not recorded


# (class, staff ceiling (exclusive), turnover ceiling, balance-sheet ceiling), in EUR.
_EU_CEILINGS: Final = (
    (SizeClass.MICRO, 10, Decimal("2000000"), Decimal("2000000")),
    (SizeClass.SMALL, 50, Decimal("10000000"), Decimal("10000000")),
    (SizeClass.MEDIUM, 250, Decimal("50000000"), Decimal("43000000")),
)


def _eur_amount(value: Money | None, field: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Money):
        raise InvalidInputError(field, value, "expected Money in EUR",
                                "Pass Money(amount, 'EUR').")
    if value.currency.code != "EUR":
        raise InvalidInputError(
            field, str(value), "the EU size ceilings are in EUR",
            "Convert the amount to EUR with an explicit exchange rate first.",
        )
    if value.amount < 0:
        raise InvalidInputError(field, str(value), "must not be negative",
                                "Pass the annual figure as a positive amount.")
    return value.amount


def classify_size(
    staff: int | None,
    turnover: Money | None = None,
    balance_sheet: Money | None = None,
) -> tuple[SizeClass, SizeBasis]:
    """Return the EU size class of a firm and what it was decided on.

    Args:
        staff: headcount in annual work units (whole number, at least 0), or None.
        turnover: annual turnover in EUR, or None.
        balance_sheet: annual balance-sheet total in EUR, or None.
    """
    turnover_eur = _eur_amount(turnover, "turnover")
    balance_eur = _eur_amount(balance_sheet, "balance_sheet")
    if staff is None:
        return SizeClass.UNKNOWN, SizeBasis.NONE
    if isinstance(staff, bool) or not isinstance(staff, int) or staff < 0:
        raise InvalidInputError("staff", staff, "expected a whole number of staff ≥ 0",
                                "Pass the headcount in annual work units.")
    has_financials = turnover_eur is not None or balance_eur is not None
    for size_class, staff_ceiling, turnover_ceiling, balance_ceiling in _EU_CEILINGS:
        if staff >= staff_ceiling:
            continue
        if not has_financials:
            return size_class, SizeBasis.STAFF_ONLY
        within_turnover = turnover_eur is not None and turnover_eur <= turnover_ceiling
        within_balance = balance_eur is not None and balance_eur <= balance_ceiling
        if within_turnover or within_balance:
            return size_class, SizeBasis.STAFF_AND_FINANCIALS
    basis = SizeBasis.STAFF_AND_FINANCIALS if has_financials else SizeBasis.STAFF_ONLY
    return SizeClass.LARGE, basis


@attrs.frozen(slots=True)
class NaicsSector:
    """A NAICS 2022 sector: its two-digit code or range and its title."""

    code: str
    title: str


_NAICS_SECTORS: Final[dict[str, NaicsSector]] = {}
for _codes, _title in (
    (("11",), "Agriculture, Forestry, Fishing and Hunting"),
    (("21",), "Mining, Quarrying, and Oil and Gas Extraction"),
    (("22",), "Utilities"),
    (("23",), "Construction"),
    (("31", "32", "33"), "Manufacturing"),
    (("42",), "Wholesale Trade"),
    (("44", "45"), "Retail Trade"),
    (("48", "49"), "Transportation and Warehousing"),
    (("51",), "Information"),
    (("52",), "Finance and Insurance"),
    (("53",), "Real Estate and Rental and Leasing"),
    (("54",), "Professional, Scientific, and Technical Services"),
    (("55",), "Management of Companies and Enterprises"),
    (("56",), "Administrative and Support and Waste Management and Remediation Services"),
    (("61",), "Educational Services"),
    (("62",), "Health Care and Social Assistance"),
    (("71",), "Arts, Entertainment, and Recreation"),
    (("72",), "Accommodation and Food Services"),
    (("81",), "Other Services (except Public Administration)"),
    (("92",), "Public Administration"),
):
    _sector = NaicsSector("-".join((_codes[0], _codes[-1])) if len(_codes) > 1 else _codes[0],
                          _title)
    for _code in _codes:
        _NAICS_SECTORS[_code] = _sector


def naics_sector(code: str | int | None) -> NaicsSector | None:
    """Return the sector of a NAICS code of 2 to 6 digits, or None when no code is given.

    Raises:
        InvalidInputError: the code is not 2 to 6 digits or starts with no sector's digits.
    """
    if code is None:
        return None
    text = str(code).strip()
    if text == "":
        return None
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not (text.isdigit() and 2 <= len(text) <= 6):
        raise InvalidInputError("naics", code, "a NAICS code has 2 to 6 digits",
                                "Pass the code as digits, such as 423220.")
    sector = _NAICS_SECTORS.get(text[:2])
    if sector is None:
        raise InvalidInputError(
            "naics", code, f"no NAICS sector starts with {text[:2]}",
            "Check the code against the NAICS 2022 manual; sectors are 11 to 92.",
        )
    return sector


@attrs.frozen(slots=True)
class RevenueBands:
    """Half-open revenue bands ``[boundary[i-1], boundary[i])`` with one label per band.

    ``labels`` has one more entry than ``boundaries``: the first band is below the first
    boundary, the last is at or above the last boundary.
    """

    boundaries: tuple[Money, ...]
    labels: tuple[str, ...]

    def __attrs_post_init__(self) -> None:
        if len(self.labels) != len(self.boundaries) + 1:
            raise InvalidInputError("labels", self.labels,
                                    "expected one more label than boundaries",
                                    "Name each band, including the two open ends.")
        if not self.boundaries:
            return
        currency = self.boundaries[0].currency
        for lower, upper in zip(self.boundaries, self.boundaries[1:], strict=False):
            if upper.currency != currency or not lower < upper:
                raise InvalidInputError("boundaries", [str(b) for b in self.boundaries],
                                        "boundaries must increase, in one currency",
                                        "Sort the boundaries in ascending order.")

    def band_of(self, amount: Money) -> str:
        """Return the label of the band holding ``amount``."""
        index = 0
        for boundary in self.boundaries:
            if amount >= boundary:
                index += 1
        return self.labels[index]

    @classmethod
    def default(cls, currency: str) -> RevenueBands:
        """Return bands for annual purchases from one seller: below 1,000 to 100,000 up."""
        amounts = ("1000", "5000", "20000", "100000")
        return cls(
            tuple(Money(amount, currency) for amount in amounts),
            ("under_1k", "1k_to_5k", "5k_to_20k", "20k_to_100k", "100k_and_over"),
        )


@attrs.frozen(slots=True)
class Firmographics:
    """The known facts about a business customer. Every field but the id may be missing."""

    customer_id: str
    staff: int | None = None
    turnover: Money | None = None  # annual, EUR
    balance_sheet: Money | None = None  # annual balance-sheet total, EUR
    naics: str | None = None
    country: str | None = None  # alpha-2 code or name
    status: BusinessStatus = BusinessStatus.UNKNOWN
    founded: dt.date | None = None


@attrs.frozen(slots=True)
class FirmographicSegment:
    """The firmographic segment of one customer."""

    customer_id: str
    size_class: SizeClass
    size_basis: SizeBasis
    sector: NaicsSector | None
    country: Country | None
    # The country text as given when it names no single country; None otherwise.
    unknown_country: str | None
    status: BusinessStatus
    revenue_band: str | None

    @property
    def region(self) -> str:
        """The M49 region, or ``unknown``."""
        return self.country.region if self.country is not None else "unknown"


def segment_firm(
    firm: Firmographics,
    *,
    revenue: Money | None = None,
    bands: RevenueBands | None = None,
) -> FirmographicSegment:
    """Segment one firm; ``revenue`` (its purchases in the window) sets the revenue band."""
    size_class, basis = classify_size(firm.staff, firm.turnover, firm.balance_sheet)
    country = lookup_country(firm.country) if firm.country else None
    unknown = firm.country if firm.country and country is None else None
    band = None
    if revenue is not None:
        band = (bands or RevenueBands.default(revenue.currency.code)).band_of(revenue)
    return FirmographicSegment(
        customer_id=firm.customer_id,
        size_class=size_class,
        size_basis=basis,
        sector=naics_sector(firm.naics),
        country=country,
        unknown_country=unknown,
        status=firm.status,
        revenue_band=band,
    )


def sizes_in_order() -> Sequence[SizeClass]:
    """Return the known size classes from smallest to largest."""
    return (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE)
