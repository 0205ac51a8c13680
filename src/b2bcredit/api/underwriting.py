"""Boundary models of underwriting: the buyer application, validated at the facade.

Every amount is :class:`~b2bcredit.core.money.Money` and must be in the currency of the
requested limit, because two currencies never mix without an explicit exchange rate.
:func:`parse_application` turns a mapping (a JSON body, a CSV row) into a
:class:`BuyerApplication` and raises :class:`InvalidApplicationError` whose message names
the field, the value and the fix.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money

__all__ = [
    "ISO_3166_ALPHA2",
    "BureauScore",
    "BusinessStatus",
    "BuyerApplication",
    "FinancialStatements",
    "Firmographics",
    "InvalidApplicationError",
    "TradeHistory",
    "parse_application",
]

# ISO 3166-1 alpha-2 codes of current countries and territories.
ISO_3166_ALPHA2: Final[frozenset[str]] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
    EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
    HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
    LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
    NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()  # noqa: SIM905
)

_NAICS = re.compile(r"^[0-9]{2,6}$")


class InvalidApplicationError(InvalidInputError):
    """A buyer application with a missing or invalid field."""


class BusinessStatus(enum.Enum):
    """The buyer's legal standing."""

    ACTIVE = "active"  # trading normally
    DORMANT = "dormant"  # registered but not trading
    IN_INSOLVENCY = "in_insolvency"  # insolvency or bankruptcy proceedings opened
    CLOSED = "closed"  # dissolved or struck off


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Firmographics(_Model):
    """Who the buyer is."""

    legal_name: str = Field(min_length=1, max_length=300)
    registration_id: str | None = Field(default=None, description="company register number")
    tax_id: str | None = Field(default=None, description="VAT or tax identification number")
    country: str = Field(description="ISO 3166-1 alpha-2 code, such as DE")
    naics_code: str | None = Field(default=None, description="NAICS code, 2 to 6 digits")
    founding_date: date | None = None
    years_in_business: float | None = Field(default=None, ge=0, le=1000)
    employees: int | None = Field(default=None, ge=0)
    annual_revenue: Money | None = None
    legal_form: str | None = Field(
        default=None, description="such as GmbH, LLC, sole proprietorship"
    )
    status: BusinessStatus = BusinessStatus.ACTIVE
    urban_rural: Literal["urban", "rural"] | None = None

    @field_validator("country")
    @classmethod
    def _check_country(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in ISO_3166_ALPHA2:
            raise ValueError(
                "not an ISO 3166-1 alpha-2 country code. Pass two letters such as DE, PL or US"
            )
        return code

    @field_validator("naics_code")
    @classmethod
    def _check_naics(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip()
        if not _NAICS.match(code):
            raise ValueError("a NAICS code has 2 to 6 digits. Pass a code such as 4238 or 423830")
        return code

    @field_validator("annual_revenue")
    @classmethod
    def _check_revenue(cls, value: Money | None) -> Money | None:
        if value is not None and value.is_negative():
            raise ValueError(
                "annual revenue cannot be negative. Pass the revenue of the last financial year"
            )
        return value


class FinancialStatements(_Model):
    """The latest balance sheet and income statement; every field is optional."""

    total_assets: Money | None = None
    total_liabilities: Money | None = None
    current_assets: Money | None = None
    current_liabilities: Money | None = None
    equity: Money | None = None
    tangible_net_worth: Money | None = None
    working_capital: Money | None = None
    sales: Money | None = None
    net_profit: Money | None = None
    ebit: Money | None = None

    @field_validator(
        "total_assets", "current_assets", "current_liabilities", "total_liabilities", "sales"
    )
    @classmethod
    def _check_not_negative(cls, value: Money | None) -> Money | None:
        if value is not None and value.is_negative():
            raise ValueError(
                "this balance cannot be negative. Pass the amount as reported, at least 0"
            )
        return value

    def amounts(self) -> dict[str, Money]:
        """Return the reported amounts by field name, derived working capital included."""
        return dict(self.reported_amounts)

    @functools.cached_property
    def reported_amounts(self) -> dict[str, Money]:
        """The reported amounts, computed once per instance (use :meth:`amounts` for a copy)."""
        reported = {name: value for name, value in self if isinstance(value, Money)}
        current_assets, current_liabilities = self.current_assets, self.current_liabilities
        if "working_capital" not in reported and current_assets and current_liabilities:
            reported["working_capital"] = current_assets - current_liabilities
        return reported


class TradeHistory(_Model):
    """The buyer's payment record with this seller."""

    months_of_history: int = Field(ge=0)
    average_monthly_purchases: Money | None = None
    days_beyond_terms: float | None = Field(
        default=None, ge=0, description="amount-weighted average days late"
    )
    late_invoice_share: float | None = Field(default=None, ge=0, le=1)
    worst_days_beyond_terms_12m: int | None = Field(default=None, ge=0)
    current_overdue: Money | None = None

    @field_validator("average_monthly_purchases", "current_overdue")
    @classmethod
    def _check_not_negative(cls, value: Money | None) -> Money | None:
        if value is not None and value.is_negative():
            raise ValueError("cannot be negative. Pass an amount of at least 0")
        return value


class BureauScore(_Model):
    """A score from a credit bureau, with the scale it is on."""

    provider: str = Field(min_length=1)
    value: float
    minimum: float
    maximum: float
    higher_is_better: bool = True
    recommended_limit: Money | None = None

    @model_validator(mode="after")
    def _check_range(self) -> BureauScore:
        if (
            not (math.isfinite(self.minimum) and math.isfinite(self.maximum))
            or self.minimum >= self.maximum
        ):
            raise ValueError(
                "minimum must be below maximum. Pass the bureau's score range, such as 0 and 100"
            )
        if not self.minimum <= self.value <= self.maximum:
            raise ValueError(
                f"value {self.value} is outside {self.minimum}..{self.maximum}. "
                "Pass the score on the stated range"
            )
        return self

    def normalised(self) -> float:
        """Return the score on 0..1 with 1 the best."""
        share = (self.value - self.minimum) / (self.maximum - self.minimum)
        return share if self.higher_is_better else 1.0 - share


class BuyerApplication(_Model):
    """A business buyer's request for trade credit.

    ``application_date`` is the day the application was complete: the adverse-action
    notice deadline runs from it, and a founding date after it is rejected.
    """

    application_id: str = Field(min_length=1, max_length=200)
    application_date: date
    firmographics: Firmographics
    financials: FinancialStatements | None = None
    trade_history: TradeHistory | None = None
    bureau_scores: tuple[BureauScore, ...] = ()
    trade_reference_limit: Money | None = Field(
        default=None, description="highest credit granted by other suppliers"
    )
    sanctions_hit: bool = False
    fraud_suspected: bool = False
    requested_limit: Money
    requested_terms_days: int = Field(default=30, ge=0, le=365)

    @model_validator(mode="after")
    def _check_consistency(self) -> BuyerApplication:
        if self.requested_limit.is_negative():
            raise InvalidInputError(
                "requested_limit",
                str(self.requested_limit),
                "cannot be negative",
                "Pass 0 for a prepay-only account or a positive amount.",
            )
        founded = self.firmographics.founding_date
        if founded is not None and founded > self.application_date:
            raise InvalidInputError(
                "firmographics.founding_date",
                founded.isoformat(),
                f"is after the application date {self.application_date}",
                "Pass the date the business was founded.",
            )
        currency = self.requested_limit.currency.code
        for field, amount in self._amounts():
            if amount.currency.code != currency:
                raise InvalidInputError(
                    field,
                    str(amount),
                    f"the requested limit is in {currency}",
                    "Convert every amount to one currency with an explicit exchange rate first.",
                )
        return self

    def _amounts(self) -> list[tuple[str, Money]]:
        amounts: list[tuple[str, Money]] = []
        if self.firmographics.annual_revenue is not None:
            amounts.append(("firmographics.annual_revenue", self.firmographics.annual_revenue))
        if self.financials is not None:
            amounts.extend(
                (f"financials.{name}", value)
                for name, value in self.financials
                if isinstance(value, Money)
            )
        if self.trade_history is not None:
            amounts.extend(
                (f"trade_history.{name}", value)
                for name, value in self.trade_history
                if isinstance(value, Money)
            )
        if self.trade_reference_limit is not None:
            amounts.append(("trade_reference_limit", self.trade_reference_limit))
        amounts.extend(
            (f"bureau_scores.{i}.recommended_limit", b.recommended_limit)
            for i, b in enumerate(self.bureau_scores)
            if b.recommended_limit is not None
        )
        return amounts

    @property
    def years_in_business(self) -> float | None:
        """Years since founding at the application date, or the stated years in business."""
        founded = self.firmographics.founding_date
        if founded is not None:
            return (self.application_date - founded).days / 365.25
        return self.firmographics.years_in_business


def parse_application(data: Mapping[str, Any] | BuyerApplication) -> BuyerApplication:
    """Validate a mapping into a :class:`BuyerApplication`.

    The mapping is nested like the model (``firmographics``, ``financials``, ...), or flat
    with the columns of the ``underwrite`` command's CSV (``legal_name``, ``country``,
    ``requested_limit``, ``currency``, ...), which is recognised by a top-level
    ``legal_name`` and converted first.

    Raises:
        InvalidApplicationError: the first invalid field, with its value and the fix.
    """
    if isinstance(data, BuyerApplication):
        return data
    try:
        if isinstance(data, Mapping) and "firmographics" not in data and "legal_name" in data:
            # Imported here: the flat form is defined on top of this module's models.
            from b2bcredit.datasets.records import flat_to_nested

            data = flat_to_nested(data)
        return BuyerApplication.model_validate(data)
    except ValidationError as error:
        raise _to_library_error(error) from None
    except InvalidInputError as error:
        raise InvalidApplicationError(error.field, error.value, error.problem, error.fix) from None


def _to_library_error(error: ValidationError) -> InvalidApplicationError:
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "application"
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, InvalidInputError):
        # A library check inside a validator: keep its field, value and fix.
        full_field = cause.field if field == "application" else field
        return InvalidApplicationError(full_field, cause.value, cause.problem, cause.fix)
    message = str(first["msg"]).removeprefix("Value error, ")
    problem, _, fix = message.partition(". ")
    if not fix:
        fix = _FIXES.get(str(first["type"]), "Correct the value and submit the application again.")
    more = error.error_count() - 1
    if more:
        fix += f" ({more} more invalid field{'s' if more > 1 else ''})"
    return InvalidApplicationError(field, first.get("input"), problem, fix)


_FIXES: Final[dict[str, str]] = {
    "missing": "Add the field; it is required.",
    "greater_than_equal": "Pass a value that is not negative.",
    "less_than_equal": "Pass a smaller value within the documented range.",
    "int_parsing": "Pass a whole number.",
    "float_parsing": "Pass a number.",
    "date_from_datetime_parsing": "Pass an ISO date such as 2024-05-31.",
    "date_parsing": "Pass an ISO date such as 2024-05-31.",
    "extra_forbidden": "Remove the field or check its spelling.",
    "string_too_short": "Pass a non-empty text.",
    "literal_error": "Pass one of the listed values.",
    "enum": "Pass one of the listed values.",
}
