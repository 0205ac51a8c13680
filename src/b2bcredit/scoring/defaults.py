"""The shipped default scorecards and the code that refits them.

* ``polish-5year``: a financial-statement scorecard on twelve ratios that an application's
  statements yield, fitted on Polish 5year with a stratified 70/30 split (seed 42).
* ``sba-firmographic``: a firmographic scorecard fitted on the SBA loan case study's
  training half (``Selected`` = 1) and validated on the other half.

The model files hold parameters only (bins, counts, points), never data rows. Refitting
on the same data reproduces the same content hash; ``scripts/refit_default_models.py``
rewrites the files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np

from b2bcredit.datasets.polish import POLISH_RATIOS, PolishData, load_polish_arff
from b2bcredit.datasets.sba import SBA_FEATURES, SbaData, load_sba_csv
from b2bcredit.scoring.binning import FeatureKind, FeatureSpec
from b2bcredit.scoring.fit import FitResult, fit_scorecard
from b2bcredit.scoring.metrics import auc, gini, ks_statistic
from b2bcredit.scoring.scorecard import Scorecard, TrainingMetadata
from b2bcredit.scoring.split import stratified_split

__all__ = [
    "DEFAULT_MODEL_FILES",
    "POLISH_FEATURE_MAP",
    "fit_polish_default",
    "fit_sba_default",
    "load_default_models",
    "load_model",
    "polish_feature_table",
    "save_model",
    "sba_feature_specs",
]

DEFAULT_MODEL_FILES: Final = ("polish-5year.json", "sba-firmographic.json")

# Library feature name -> Polish attribute holding the same ratio.
POLISH_FEATURE_MAP: Final[dict[str, str]] = {
    "net_profit_to_total_assets": "Attr1",
    "total_liabilities_to_total_assets": "Attr2",
    "working_capital_to_total_assets": "Attr3",
    "current_ratio": "Attr4",
    "ebit_to_total_assets": "Attr7",
    "equity_to_total_liabilities": "Attr8",
    "sales_to_total_assets": "Attr9",
    "equity_to_total_assets": "Attr10",
    "total_assets_to_total_liabilities": "Attr17",
    "net_profit_to_sales": "Attr23",
    "current_assets_to_total_liabilities": "Attr50",
    "current_liabilities_to_total_assets": "Attr51",
}

_SBA_LABELS: Final = {
    "employees": "number of employees",
    "new_business": "new business (under two years)",
    "naics_subsector": "industry (NAICS subsector)",
    "urban_rural": "urban or rural location",
    "requested_amount": "requested amount",
}


def load_model(path: str | Path) -> Scorecard:
    """Read a model file written by :func:`save_model` (the content hash is checked)."""
    return Scorecard.from_json(Path(path).read_text(encoding="utf-8"))


def save_model(model: Scorecard, path: str | Path) -> None:
    """Write ``model`` as a JSON model file."""
    Path(path).write_text(model.to_json() + "\n", encoding="utf-8")


def load_default_models() -> tuple[Scorecard, ...]:
    """Return the shipped default scorecards, financial-statement model first."""
    folder = resources.files("b2bcredit.scoring") / "models"
    return tuple(
        Scorecard.from_dict(json.loads((folder / name).read_text(encoding="utf-8")))
        for name in DEFAULT_MODEL_FILES
    )


def polish_feature_table(data: PolishData) -> tuple[dict[str, np.ndarray], list[FeatureSpec]]:
    """Return the Polish ratios under the application feature names, with their specs.

    A model fitted on these columns scores applications, because the library derives the
    same ratios from an application's statements.
    """
    columns = {name: data.columns[attr] for name, attr in POLISH_FEATURE_MAP.items()}
    specs = [FeatureSpec(name=name, label=POLISH_RATIOS[attr]) for name, attr in POLISH_FEATURE_MAP.items()]
    return columns, specs


# urban_rural separates only the loans from before the field was coded ("undefined", 8 %
# defaults against 35 % urban and 41 % rural) from the rest: fitted, urban and rural
# share one bin. Every new
# applicant is coded, so in the default model the feature would add nothing but a reason
# code naming the unreachable "undefined" as the best range. It costs 0.006 validation
# AUC on the case study's own old loans.
SBA_DEFAULT_FEATURES: Final = tuple(name for name in SBA_FEATURES if name != "urban_rural")


def sba_feature_specs(data: SbaData, names: Sequence[str] = SBA_FEATURES) -> list[FeatureSpec]:
    """Return the specs of the SBA loader's application feature columns ``names``."""
    return [
        FeatureSpec(
            name=name,
            label=_SBA_LABELS[name],
            kind=FeatureKind.CATEGORICAL if data.columns[name].dtype == object else FeatureKind.NUMERIC,
        )
        for name in names
    ]


def fit_polish_default(path: str | Path, fitted_on: str | None = None) -> FitResult:
    """Fit the ``polish-5year`` default on a Polish ``5year.arff`` and record hold-out metrics."""
    data = load_polish_arff(path)
    train, test = stratified_split(data.target, 0.3, seed=42)
    columns, specs = polish_feature_table(data)
    result = fit_scorecard(
        {k: v[train] for k, v in columns.items()},
        data.target[train],
        specs=specs,
        name="polish-5year",
        version="1",
        metadata=TrainingMetadata(
            dataset=f"Polish companies bankruptcy, {data.source} "
            "(Zieba et al. 2016), stratified 70/30 split, seed 42",
            fitted_on=fitted_on,
        ),
    )
    return _with_holdout(result, {k: v[test] for k, v in columns.items()}, data.target[test])


def fit_sba_default(path: str | Path, fitted_on: str | None = None) -> FitResult:
    """Fit the ``sba-firmographic`` default on the SBA case CSV (train on Selected = 1)."""
    data = load_sba_csv(path)
    specs = sba_feature_specs(data, SBA_DEFAULT_FEATURES)
    train, test = data.selected, ~data.selected
    result = fit_scorecard(
        {k: v[train] for k, v in data.columns.items()},
        data.target[train],
        specs=specs,
        name="sba-firmographic",
        version="1",
        metadata=TrainingMetadata(
            dataset="SBA 7(a) loan case study, SBAcase.11.13.17.csv "
            "(Li, Mickel and Taylor 2018), Selected = 1 trains",
            fitted_on=fitted_on,
        ),
    )
    return _with_holdout(result, {k: v[test] for k, v in data.columns.items()}, data.target[test])


def _with_holdout(
    result: FitResult, columns: dict[str, np.ndarray], target: np.ndarray
) -> FitResult:
    import attrs

    model = result.scorecard
    scores = model.score_batch(columns, rows=int(target.size)).scores
    metrics = {
        **model.metadata.metrics,
        "holdout_auc": round(auc(scores, target), 6),
        "holdout_gini": round(gini(scores, target), 6),
        "holdout_ks": round(ks_statistic(scores, target), 6),
        "holdout_rows": float(target.size),
    }
    metrics = {k: round(v, 6) for k, v in metrics.items()}
    model = attrs.evolve(model, metadata=attrs.evolve(model.metadata, metrics=metrics))
    return attrs.evolve(result, scorecard=model)
