"""The Polish companies bankruptcy data (Zieba, Tomczak and Tomczak, 2016; CC BY 4.0).

Each ``<n>year.arff`` file holds 64 financial ratios per company (``Attr1`` to
``Attr64``, ``?`` for missing) and ``class``, 1 when the company went bankrupt within
the forecasting period (one year for ``5year.arff``). Missing values and extreme ratios
(near-zero denominators) are kept as they are: binning handles both.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.core.errors import InvalidInputError

__all__ = ["POLISH_RATIOS", "PolishData", "load_polish_arff", "parse_arff"]

FloatArray = npt.NDArray[np.float64]

# The ratio each attribute holds, as described by the data set's authors.
POLISH_RATIOS: Final[dict[str, str]] = {
    "Attr1": "net profit / total assets",
    "Attr2": "total liabilities / total assets",
    "Attr3": "working capital / total assets",
    "Attr4": "current assets / short-term liabilities",
    "Attr5": "(cash + short-term securities + receivables - short-term liabilities) "
    "/ (operating expenses - depreciation) * 365",
    "Attr6": "retained earnings / total assets",
    "Attr7": "EBIT / total assets",
    "Attr8": "book value of equity / total liabilities",
    "Attr9": "sales / total assets",
    "Attr10": "equity / total assets",
    "Attr11": "(gross profit + extraordinary items + financial expenses) / total assets",
    "Attr12": "gross profit / short-term liabilities",
    "Attr13": "(gross profit + depreciation) / sales",
    "Attr14": "(gross profit + interest) / total assets",
    "Attr15": "(total liabilities * 365) / (gross profit + depreciation)",
    "Attr16": "(gross profit + depreciation) / total liabilities",
    "Attr17": "total assets / total liabilities",
    "Attr18": "gross profit / total assets",
    "Attr19": "gross profit / sales",
    "Attr20": "(inventory * 365) / sales",
    "Attr21": "sales (n) / sales (n-1)",
    "Attr22": "profit on operating activities / total assets",
    "Attr23": "net profit / sales",
    "Attr24": "gross profit (in 3 years) / total assets",
    "Attr25": "(equity - share capital) / total assets",
    "Attr26": "(net profit + depreciation) / total liabilities",
    "Attr27": "profit on operating activities / financial expenses",
    "Attr28": "working capital / fixed assets",
    "Attr29": "logarithm of total assets",
    "Attr30": "(total liabilities - cash) / sales",
    "Attr31": "(gross profit + interest) / sales",
    "Attr32": "(current liabilities * 365) / cost of products sold",
    "Attr33": "operating expenses / short-term liabilities",
    "Attr34": "operating expenses / total liabilities",
    "Attr35": "profit on sales / total assets",
    "Attr36": "total sales / total assets",
    "Attr37": "(current assets - inventories) / long-term liabilities",
    "Attr38": "constant capital / total assets",
    "Attr39": "profit on sales / sales",
    "Attr40": "(current assets - inventory - receivables) / short-term liabilities",
    "Attr41": "total liabilities / ((profit on operating activities + depreciation) * (12/365))",
    "Attr42": "profit on operating activities / sales",
    "Attr43": "rotation receivables + inventory turnover in days",
    "Attr44": "(receivables * 365) / sales",
    "Attr45": "net profit / inventory",
    "Attr46": "(current assets - inventory) / short-term liabilities",
    "Attr47": "(inventory * 365) / cost of products sold",
    "Attr48": "EBITDA (profit on operating activities - depreciation) / total assets",
    "Attr49": "EBITDA (profit on operating activities - depreciation) / sales",
    "Attr50": "current assets / total liabilities",
    "Attr51": "short-term liabilities / total assets",
    "Attr52": "(short-term liabilities * 365) / cost of products sold",
    "Attr53": "equity / fixed assets",
    "Attr54": "constant capital / fixed assets",
    "Attr55": "working capital",
    "Attr56": "(sales - cost of products sold) / sales",
    "Attr57": "(current assets - inventory - short-term liabilities) "
    "/ (sales - gross profit - depreciation)",
    "Attr58": "total costs / total sales",
    "Attr59": "long-term liabilities / equity",
    "Attr60": "sales / inventory",
    "Attr61": "sales / receivables",
    "Attr62": "(short-term liabilities * 365) / sales",
    "Attr63": "sales / short-term liabilities",
    "Attr64": "sales / fixed assets",
}


@attrs.frozen
class PolishData:
    """The ratios as float columns (NaN for missing) and the bankruptcy flag (1 = bankrupt)."""

    columns: dict[str, FloatArray]
    target: FloatArray
    source: str

    @property
    def rows(self) -> int:
        return int(self.target.size)

    def matrix(self) -> FloatArray:
        """Return the ratios as one rows x 64 array in Attr1..Attr64 order."""
        return np.column_stack([self.columns[name] for name in POLISH_RATIOS])


def parse_arff(text: str, source: str = "ARFF") -> tuple[list[str], list[list[str]]]:
    """Split an ARFF file into attribute names and data rows of text fields."""
    names: list[str] = []
    rows: list[list[str]] = []
    in_data = False
    for line_number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("%"):
            continue
        lowered = line.lower()
        if not in_data:
            if lowered.startswith("@attribute"):
                parts = line.split(None, 2)
                if len(parts) < 3:
                    raise InvalidInputError(
                        source,
                        line,
                        f"line {line_number}: an @attribute needs a name and a type",
                        "Check that the file is a valid ARFF file.",
                    )
                names.append(parts[1].strip("'\""))
            elif lowered.startswith("@data"):
                in_data = True
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != len(names):
            raise InvalidInputError(
                source,
                line[:60],
                f"line {line_number} has {len(fields)} fields, not {len(names)}",
                "Check that the file is not truncated.",
            )
        rows.append(fields)
    if not in_data:
        raise InvalidInputError(source, text[:40], "no @data section", "Pass an ARFF file.")
    return names, rows


def _number(text: str) -> float:
    return math.nan if text == "?" else float(text)


def load_polish_arff(path: str | Path) -> PolishData:
    """Read one of the Polish bankruptcy ARFF files.

    Raises:
        FileNotFoundError: the file is absent.
        InvalidInputError: the file is not an ARFF file with the expected attributes.
    """
    file_path = Path(path)
    names, rows = parse_arff(file_path.read_text(encoding="utf-8"), source=str(file_path))
    expected = [*POLISH_RATIOS, "class"]
    if names != expected:
        raise InvalidInputError(
            str(file_path),
            names[:3],
            "not the Polish bankruptcy layout (Attr1..Attr64, class)",
            "Pass one of the <n>year.arff files of the Polish companies bankruptcy data.",
        )
    table = np.array([[_number(field) for field in row] for row in rows], dtype=np.float64)
    columns = {name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(POLISH_RATIOS)}
    return PolishData(
        columns=columns, target=np.ascontiguousarray(table[:, -1]), source=file_path.name
    )
