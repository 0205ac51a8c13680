"""The SBA 7(a) loan case study (Li, Mickel and Taylor, 2018; US government FOIA data).

2,102 loans to California real-estate and rental businesses (NAICS 53). ``Default`` is 1
for a charged-off loan, ``Selected`` is the authors' split (1 training, 0 validation).
The loader maps the firmographic columns onto the library's feature names:

* ``employees`` from ``NoEmp``;
* ``new_business`` from ``NewExist`` (2 new = 1.0, 1 existing = 0.0, other values missing);
* ``naics_subsector`` from the first four digits of ``NAICS``;
* ``urban_rural`` from ``UrbanRural`` (1 urban, 2 rural, 0 ``undefined``: loans from
  before the field was coded, kept as their own category so that a model does not learn
  a blank field as the old loans' low default rate);
* ``requested_amount`` from ``GrAppv`` (gross amount approved, in US dollars).

Besides the features it keeps ``LoanNr_ChkDgt`` as each loan's id, so decisions join back
to the file, and ``GrAppv`` as the limit basis (``approved_amounts``): the gross amount
the lending bank approved after its own underwriting is the credit another lender
extended to the borrower, which is what a trade reference reports. ``SBA_Appv`` is not
used for it because it is only the SBA-guaranteed part of that amount, a measure of the
SBA's exposure rather than of the borrower's capacity.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.datasets.records import iter_csv_records

__all__ = ["SBA_FEATURES", "SbaData", "load_sba_csv"]

# NOTE: requested_amount stays a candidate because the validation AUC falls from 0.79 to
# 0.71 without it, yet the applicant chooses it, so decisions never give it as a reason.
SBA_FEATURES: Final = (
    "employees",
    "new_business",
    "naics_subsector",
    "urban_rural",
    "requested_amount",
)
_REQUIRED: Final = (
    "Selected",
    "NAICS",
    "NoEmp",
    "NewExist",
    "UrbanRural",
    "GrAppv",
    "Default",
    "Name",
    "LoanNr_ChkDgt",
)


@attrs.frozen
class SbaData:
    """Feature columns, the default flag (1 = charged off), the authors' split, ids and limit basis."""

    columns: dict[str, npt.NDArray[np.generic]]
    target: npt.NDArray[np.float64]
    selected: npt.NDArray[np.bool_]
    names: tuple[str, ...]
    loan_ids: tuple[str, ...] = ()
    approved_amounts: npt.NDArray[np.float64] = attrs.field(factory=lambda: np.empty(0))

    @property
    def rows(self) -> int:
        return int(self.target.size)


# The new_business feature by NewExist code: 2 is a new business, 1 an existing one.
_NEW_BUSINESS: dict[float, float] = {2.0: 1.0, 1.0: 0.0}


def _number(text: str) -> float:
    cleaned = text.replace("$", "").replace(",", "").strip()
    return float(cleaned) if cleaned else math.nan


def load_sba_csv(path: str | Path) -> SbaData:
    """Read the SBA case-study CSV.

    Raises:
        FileNotFoundError: the file is absent.
        InvalidInputError: a required column is missing.
    """
    rows = list(iter_csv_records(path))
    if not rows or any(column not in rows[0] for column in _REQUIRED):
        found = sorted(rows[0])[:6] if rows else []
        raise InvalidInputError(
            str(path),
            found,
            f"not the SBA case layout (needs {', '.join(_REQUIRED)})",
            "Pass SBAcase.11.13.17.csv from the SBA loan case study.",
        )
    new_exist = [_number(r["NewExist"]) for r in rows]
    urban = {"1": "urban", "2": "rural", "0": "undefined"}
    columns: dict[str, npt.NDArray[np.generic]] = {
        "employees": np.array([_number(r["NoEmp"]) for r in rows], dtype=np.float64),
        "new_business": np.array([_NEW_BUSINESS.get(v, math.nan) for v in new_exist]),
        "naics_subsector": np.array([r["NAICS"].strip()[:4] or None for r in rows], dtype=object),
        "urban_rural": np.array([urban.get(r["UrbanRural"].strip()) for r in rows], dtype=object),
        "requested_amount": np.array([_number(r["GrAppv"]) for r in rows], dtype=np.float64),
    }
    return SbaData(
        columns=columns,
        target=np.array([_number(r["Default"]) for r in rows], dtype=np.float64),
        selected=np.array([r["Selected"].strip() == "1" for r in rows]),
        names=tuple(r["Name"] for r in rows),
        loan_ids=tuple(r["LoanNr_ChkDgt"].strip() for r in rows),
        approved_amounts=np.array([_number(r["GrAppv"]) for r in rows], dtype=np.float64),
    )
