"""Leakage and id guards for fitting a scorecard on a user's table.

A column that identifies rows (a loan number, a company name) or that is recorded only
after the outcome (a charge-off date, a loan status) gives a scorecard that looks perfect
on the hold-out and fails on new applications. These checks are findings for the analyst,
not errors: near-unique columns and near-certain leaks are excluded by default, the others
are warnings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from b2bcredit.scoring.binning import FeatureBinning, FeatureKind
from b2bcredit.scoring.metrics import auc

__all__ = [
    "HIGH_CARDINALITY",
    "LEAK_IV",
    "NEAR_UNIQUE_SHARE",
    "SUSPICIOUS_AUC",
    "SUSPICIOUS_IV",
    "FitFinding",
    "high_iv_findings",
    "holdout_auc_finding",
    "id_column_findings",
    "leak_findings",
    "split_flag_findings",
]

# Information value above this is usually "suspicious" in scorecard practice: a single
# feature that separates goods and bads so well tends to be recorded after the outcome.
SUSPICIOUS_IV: Final = 0.5
# A hold-out AUC this close to 1 means perfect separation, which real credit data never gives.
# A single feature whose training AUC reaches it is a near-certain leak.
SUSPICIOUS_AUC: Final = 0.9999
# Information value above this is a near-certain leak: it takes bins that are almost pure
# goods or pure bads, such as a loan status that is the target under another name. The
# strongest genuine predictor measured 2.2 on Polish 5year (64 ratios) and 1.0 on the SBA
# case's firmographic features.
LEAK_IV: Final = 5.0
# A column whose non-missing values are at least this share distinct identifies rows.
NEAR_UNIQUE_SHARE: Final = 0.9
# A text column with more distinct values than this gets bins of a few rows each.
HIGH_CARDINALITY: Final = 100

# Column names that usually mark a train/validation split (compared in lower case).
_SPLIT_NAMES: Final = re.compile(r"^(selected|split|train|training|is_train|in_train|sample|partition|holdout)$")


@attrs.frozen
class FitFinding:
    """One finding of the guards.

    Attributes:
        column: the column concerned.
        kind: ``leak`` (a near-certain leak), ``excluded`` (the column is not a candidate),
            ``warning`` or ``hint``.
        message: one sentence naming the column, the value and what to do.
    """

    column: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def _distinct_share(values: npt.NDArray[np.generic]) -> tuple[int, float]:
    if values.dtype == object:
        present = [v for v in values.tolist() if v is not None]
    else:
        floats = values.astype(np.float64)
        present = floats[~np.isnan(floats)].tolist()
    if not present:
        return 0, 0.0
    distinct = len(set(present))
    return distinct, distinct / len(present)


def id_column_findings(table: Mapping[str, npt.NDArray[np.generic]]) -> list[FitFinding]:
    """Flag near-unique text and whole-number columns (excluded) and high-cardinality text."""
    findings = []
    for column, values in table.items():
        distinct, share = _distinct_share(values)
        is_text = values.dtype == object
        whole_numbers = not is_text and bool(np.all(np.mod(values[~np.isnan(values)], 1) == 0))
        if share >= NEAR_UNIQUE_SHARE and (is_text or whole_numbers) and distinct > 1:
            findings.append(
                FitFinding(
                    column,
                    "excluded",
                    f"{column} is near-unique ({share:.0%} of its values are distinct), so it is an id "
                    f"or a name and identifies rows instead of describing risk; pass --keep-id-columns "
                    f"to keep it as a candidate",
                )
            )
        elif is_text and distinct > HIGH_CARDINALITY:
            findings.append(
                FitFinding(
                    column,
                    "warning",
                    f"{column} is text with {distinct} distinct values, so its bins hold a few rows "
                    f"each and may memorise the training rows; pass --exclude {column} unless it "
                    f"describes risk",
                )
            )
    return findings


def split_flag_findings(columns: Iterable[str], split_column: str | None) -> list[FitFinding]:
    """Hint at ``--split-column`` for a column named like a train/validation split flag."""
    if split_column is not None:
        return []
    return [
        FitFinding(
            column,
            "hint",
            f"{column} looks like a train/validation split flag; pass --split-column {column} "
            f"to train on its 1 rows and validate on the others, or --exclude {column}",
        )
        for column in columns
        if _SPLIT_NAMES.match(column.lower())
    ]


def leak_findings(
    binnings: Mapping[str, FeatureBinning],
    columns: Mapping[str, npt.NDArray[np.generic]],
    target: npt.ArrayLike,
    *,
    allowed: bool,
) -> list[FitFinding]:
    """Name each candidate that is a near-certain leak on the training rows.

    A leak has IV above :data:`LEAK_IV`, or its bins alone separate goods and bads
    perfectly (AUC of its WoE at least :data:`SUSPICIOUS_AUC`, in either direction).
    ``allowed`` (``--allow-leaks``) only changes the message: the caller decides whether a
    leak stays a candidate.

    Args:
        binnings: every candidate's bins, fitted on the training rows.
        columns: the training rows' values, by candidate name.
        target: the training rows' 0/1 targets (1 = bad).
        allowed: whether the user kept leaks as candidates.
    """
    findings = []
    for name, binning in binnings.items():
        values = np.asarray(
            columns[name], dtype=object if binning.spec.kind is FeatureKind.CATEGORICAL else None
        )
        woe = np.array([b.woe for b in binning.bins] + [0.0], dtype=np.float64)
        area = auc(woe[binning.assign_batch(values)], target)
        separation = max(area, 1.0 - area)
        if binning.iv <= LEAK_IV and separation < SUSPICIOUS_AUC:
            continue
        action = (
            "It is kept as a candidate because --allow-leaks was given"
            if allowed
            else f"It is excluded from selection: pass --allow-leaks to keep it, or --exclude {name} "
            "to silence this"
        )
        findings.append(
            FitFinding(
                name,
                "leak",
                f"{name} separates goods and bads almost perfectly on the training rows (IV "
                f"{binning.iv:.2f}, single-feature AUC {separation:.4f}), so it is most likely "
                f"recorded after the outcome or is the target under another name. {action}",
            )
        )
    return findings


def high_iv_findings(rows: Sequence[tuple[str, float, bool]]) -> list[FitFinding]:
    """Warn about candidates (name, IV, selected) whose IV is above :data:`SUSPICIOUS_IV`.

    Up to three get a warning each. More are listed in one warning, highest IV first,
    because financial ratios often pass the threshold together, and eleven lines would
    hide the findings that matter.
    """
    high = sorted((row for row in rows if row[1] > SUSPICIOUS_IV), key=lambda row: -row[1])
    advice = "check that it is known at application time, not recorded after the outcome, else pass --exclude"
    if len(high) <= 3:
        return [
            FitFinding(
                name,
                "warning",
                f"{name} has IV {iv:.2f}, above {SUSPICIOUS_IV} ({'selected' if selected else 'not selected'}); "
                f"{advice} {name}",
            )
            for name, iv, selected in high
        ]
    listed = ", ".join(f"{name} {iv:.2f}{' (selected)' if selected else ''}" for name, iv, selected in high)
    return [
        FitFinding(
            "",
            "warning",
            f"{len(high)} columns have IV above {SUSPICIOUS_IV}: {listed}; for each, "
            f"{advice} COLUMN",
        )
    ]


def holdout_auc_finding(holdout_auc: float) -> list[FitFinding]:
    """Warn when the hold-out AUC is 1 (perfect separation) or not above 0.5 (no signal)."""
    if holdout_auc <= 0.5:
        return [
            FitFinding(
                "",
                "warning",
                f"hold-out AUC {holdout_auc:.4f}: the model ranks the hold-out rows no better than chance, "
                f"so its features do not carry over from the training rows; do not use it to decide",
            )
        ]
    if holdout_auc < SUSPICIOUS_AUC:
        return []
    return [
        FitFinding(
            "",
            "warning",
            f"hold-out AUC {holdout_auc:.4f}: perfect separation almost always means a column leaks "
            f"the target; look at the high-IV columns above and pass --exclude for each that is "
            f"recorded after the outcome",
        )
    ]
