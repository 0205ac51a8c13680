"""Applications built from the public data sets, and the demo's sample portfolio.

Polish 5year has ratios only. Statements are rebuilt from them with total assets
``10 ** Attr29`` (the data's logarithm of total assets is base 10: for the first firm,
working capital ``Attr55`` divided by ``Attr3`` matches ``10 ** Attr29``), so the ratios
the library derives equal the file's. Amounts are in PLN, rounded to the grosz.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from b2bcredit.core.money import DECIMAL_CONTEXT, Rounding
from b2bcredit.datasets.polish import PolishData
from b2bcredit.datasets.sba import SbaData

__all__ = ["polish_applications", "sample_portfolio", "sba_applications"]


def _pln(value: float) -> str | None:
    if not math.isfinite(value):
        return None
    amount = Decimal(repr(float(value))).quantize(
        Decimal("0.01"), rounding=Rounding.HALF_EVEN.value, context=DECIMAL_CONTEXT
    )
    return f"{amount} PLN"


def polish_applications(data: PolishData, application_date: str) -> list[dict[str, Any]]:
    """Return one application mapping per Polish firm (statements rebuilt from ratios)."""
    applications = []
    c = data.columns
    for i in range(data.rows):
        assets = 10 ** c["Attr29"][i] if math.isfinite(c["Attr29"][i]) else math.nan
        short_term = c["Attr51"][i] * assets
        statements = {
            "total_assets": _pln(assets),
            "total_liabilities": _pln(c["Attr2"][i] * assets),
            "working_capital": _pln(c["Attr3"][i] * assets),
            "current_liabilities": _pln(short_term),
            "current_assets": _pln(c["Attr4"][i] * short_term),
            "equity": _pln(c["Attr10"][i] * assets),
            "sales": _pln(c["Attr9"][i] * assets),
            "net_profit": _pln(c["Attr1"][i] * assets),
            "ebit": _pln(c["Attr7"][i] * assets),
        }
        statements = {
            k: v
            for k, v in statements.items()
            if (v is not None
            and not v.startswith("-"))
            or (k in {"working_capital", "equity", "net_profit", "ebit"}
            and v is not None)
        }
        sales = c["Attr9"][i] * assets
        requested = max(1000, int(sales / 24 / 100) * 100) if math.isfinite(sales) else 10000
        applications.append(
            {
                "application_id": f"polish-{i + 1}",
                "application_date": application_date,
                "firmographics": {"legal_name": f"Polish firm {i + 1}", "country": "PL"},
                "financials": statements,
                "requested_limit": f"{requested}.00 PLN",
            }
        )
    return applications


def sba_applications(data: SbaData, application_date: str) -> list[dict[str, Any]]:
    """Return one application mapping per SBA loan (firmographics and the approved amount).

    The application id is the loan number ``LoanNr_ChkDgt`` (``sba-<row>`` when blank), and
    the bank's approved amount ``GrAppv`` is the trade reference the limit is sized on.
    """
    applications = []
    c = data.columns
    for i in range(data.rows):
        firm: dict[str, Any] = {
            "legal_name": data.names[i] or f"SBA borrower {i + 1}",
            "country": "US",
        }
        if math.isfinite(c["employees"][i]):
            firm["employees"] = int(c["employees"][i])
        if math.isfinite(c["new_business"][i]):
            firm["years_in_business"] = 1.0 if c["new_business"][i] == 1 else 5.0
        if c["naics_subsector"][i]:
            firm["naics_code"] = str(c["naics_subsector"][i])
        # An application states urban or rural, or nothing; "undefined" is the file's code
        # for loans from before the field existed, which no application can send.
        if c["urban_rural"][i] in ("urban", "rural"):
            firm["urban_rural"] = c["urban_rural"][i]
        amount = c["requested_amount"][i]
        application: dict[str, Any] = {
            "application_id": (data.loan_ids[i] if data.loan_ids else "") or f"sba-{i + 1}",
            "application_date": application_date,
            "firmographics": firm,
            "requested_limit": f"{int(amount) if math.isfinite(amount) else 0}.00 USD",
        }
        approved = data.approved_amounts[i] if data.approved_amounts.size else math.nan
        if math.isfinite(approved) and approved > 0:
            application["trade_reference_limit"] = f"{int(approved)}.00 USD"
        applications.append(application)
    return applications


def sample_portfolio() -> list[dict[str, Any]]:
    """Return the demo's six buyers: strong, average, thin-file, new, insolvent and sanctioned."""
    statements = {
        "strong": ("900000", "300000", "600000", "200000", "600000", "2700000", "180000", "240000"),
        "average": ("1000000", "650000", "420000", "330000", "350000", "1800000", "30000", "55000"),
        "weak": ("800000", "780000", "250000", "400000", "20000", "600000", "-60000", "-40000"),
    }

    def financials(kind: str) -> dict[str, str]:
        names = (
            "total_assets",
            "total_liabilities",
            "current_assets",
            "current_liabilities",
            "equity",
            "sales",
            "net_profit",
            "ebit",
        )
        return {n: f"{v}.00 EUR" for n, v in zip(names, statements[kind], strict=True)}

    def buyer(number: int, name: str, **fields: Any) -> dict[str, Any]:
        firm = {
            "legal_name": name,
            "country": "DE",
            "naics_code": "423830",
            "years_in_business": 9,
            "employees": 40,
            "annual_revenue": "2400000.00 EUR",
            **fields.pop("firm", {}),
        }
        return {
            "application_id": f"demo-{number}",
            "application_date": "2024-06-03",
            "firmographics": firm,
            "requested_limit": "50000.00 EUR",
            **fields,
        }

    history = {
        "months_of_history": 24,
        "average_monthly_purchases": "30000.00 EUR",
        "days_beyond_terms": 2.0,
    }
    return [
        buyer(1, "Nordwerk Maschinen GmbH", financials=financials("strong"), trade_history=history),
        buyer(2, "Rhein Handel KG", financials=financials("average"), trade_history=history),
        buyer(3, "Brandt Bau GmbH", financials=financials("weak"), trade_history=history),
        buyer(
            4,
            "Kleinhaus Design UG",
            firm={"employees": 3, "years_in_business": 0.5, "annual_revenue": "180000.00 EUR"},
            trade_history={"months_of_history": 2, "average_monthly_purchases": "4000.00 EUR"},
        ),
        buyer(
            5,
            "Altmark Logistik GmbH",
            financials=financials("average"),
            firm={"status": "in_insolvency"},
            trade_history=history,
        ),
        buyer(
            6,
            "Oder Trading Sp. z o.o.",
            financials=financials("strong"),
            sanctions_hit=True,
            firm={"country": "PL"},
            trade_history=history,
        ),
    ]
