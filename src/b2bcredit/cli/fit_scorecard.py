"""``b2bcredit fit-scorecard DATA --target COLUMN --out MODEL.json``: fit and validate."""

from __future__ import annotations

import argparse
import datetime
from typing import Any

import attrs
import numpy as np

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.datasets.polish import load_polish_arff
from b2bcredit.datasets.records import iter_csv_records
from b2bcredit.datasets.sba import load_sba_csv
from b2bcredit.scoring.binning import FeatureSpec
from b2bcredit.scoring.defaults import polish_feature_table, save_model, sba_feature_specs
from b2bcredit.scoring.fit import FitResult, fit_scorecard
from b2bcredit.scoring.guards import (
    FitFinding,
    high_iv_findings,
    holdout_auc_finding,
    id_column_findings,
    leak_findings,
    split_flag_findings,
)
from b2bcredit.scoring.metrics import auc, gini, ks_statistic
from b2bcredit.scoring.scorecard import TrainingMetadata
from b2bcredit.scoring.split import stratified_split


def register(subparsers: Any) -> None:
    """Add the ``fit-scorecard`` subcommand."""
    parser = subparsers.add_parser(
        "fit-scorecard", help="fit a points scorecard on a labelled CSV or ARFF file"
    )
    parser.add_argument("data", help="CSV with a header row, or an ARFF file")
    parser.add_argument("--target", required=True, help="the 0/1 target column (1 = bad)")
    parser.add_argument("--out", required=True, help="where to write the JSON model file")
    parser.add_argument(
        "--dataset",
        choices=("polish", "sba"),
        help="read DATA as the Polish ARFF (target class) or the SBA CSV (target Default; its Selected "
        "column is the split unless --split-column names another) and fit on the application feature "
        "names, so that b2bcredit underwrite can use the model",
    )
    parser.add_argument(
        "--exclude",
        action="extend",
        nargs="+",
        default=[],
        metavar="COLUMN",
        help="columns that are not features, such as ids, dates or anything recorded after the outcome "
        "(repeatable)",
    )
    parser.add_argument(
        "--keep-id-columns",
        action="store_true",
        help="keep near-unique columns (ids, names) as candidates instead of excluding them",
    )
    parser.add_argument(
        "--allow-leaks",
        action="store_true",
        help="keep near-certain leaks (IV above 5, or a column that alone separates goods and bads "
        "perfectly) as candidates instead of excluding them",
    )
    parser.add_argument(
        "--split-column", help="a 0/1 column marking training rows with 1 (else a stratified split)"
    )
    parser.add_argument(
        "--test-share", type=float, default=0.3, help="hold-out share of the stratified split (default 0.3)"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the stratified split (default 42)")
    parser.add_argument(
        "--name", default="scorecard", help="model name recorded in the file (default scorecard)"
    )
    parser.add_argument(
        "--version", default="1", help="model version recorded on every decision (default 1)"
    )
    parser.set_defaults(handler=run)


def _read_dataset(path: str, dataset: str) -> tuple[dict[str, np.ndarray], list[FeatureSpec]]:
    """Return a public data set's application feature columns, target and split, with specs."""
    if dataset == "polish":
        polish = load_polish_arff(path)
        columns, specs = polish_feature_table(polish)
        return {**columns, "class": polish.target}, specs
    sba = load_sba_csv(path)
    table = {**sba.columns, "Default": sba.target, "Selected": sba.selected.astype(np.float64)}
    return table, sba_feature_specs(sba)


def _read_table(path: str) -> dict[str, np.ndarray]:
    if path.lower().endswith(".arff"):
        data = load_polish_arff(path)
        return {**data.columns, "class": data.target}
    rows = list(iter_csv_records(path))
    if not rows:
        raise InvalidInputError(
            "data", path, "the file has no data rows", "Pass a CSV with a header and rows."
        )
    table: dict[str, np.ndarray] = {}
    for column in rows[0]:
        texts = [row[column] for row in rows]
        try:
            table[column] = np.array(
                [float(t) if t.strip() else np.nan for t in texts], dtype=np.float64
            )
        except ValueError:
            table[column] = np.array([t if t.strip() else None for t in texts], dtype=object)
    return table


def _numeric_column(table: dict[str, np.ndarray], column: str, option: str) -> np.ndarray:
    """Return a 0/1 column as floats (blank is NaN), or raise naming the option and a bad value."""
    values = table[column]
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        bad = next(v for v in values.tolist() if not _is_number(v))
        raise InvalidInputError(
            option, f"{column} = {bad!r}", "the column must hold 0 and 1", "Recode it to 0 and 1 (1 = bad)."
        ) from None


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _column_list(table: dict[str, np.ndarray]) -> str:
    names = sorted(table)
    first = ", ".join(names[:12])
    return first if len(names) <= 12 else f"{first} and {len(names) - 12} more"


def run(arguments: argparse.Namespace) -> int:
    """Fit on the training rows, print hold-out AUC, Gini, KS and the guards' findings, write the model."""
    specs: list[FeatureSpec] | None = None
    if arguments.dataset:
        table, specs = _read_dataset(arguments.data, arguments.dataset)
        if arguments.dataset == "sba" and arguments.split_column is None:
            # The case study's own split: Selected marks the training loans.
            arguments.split_column = "Selected"
            print("split: the SBA file's Selected column (1 = training, 0 = hold-out)")
    else:
        table = _read_table(arguments.data)
    for option, column in [("--target", arguments.target), ("--split-column", arguments.split_column)] + [
        ("--exclude", name) for name in arguments.exclude
    ]:
        if column is not None and column not in table:
            raise InvalidInputError(
                option, column, "no such column in the data", f"Pass one of the columns: {_column_list(table)}."
            )
    target = _numeric_column(table, arguments.target, "--target")
    unlabelled = int(np.isnan(target).sum())
    if unlabelled:
        print(f"left out {unlabelled} row{'' if unlabelled == 1 else 's'} with no value in {arguments.target}")
    excluded = {arguments.target, *arguments.exclude}
    if arguments.split_column:
        excluded.add(arguments.split_column)
        train_mask = _numeric_column(table, arguments.split_column, "--split-column") == 1
        labelled = ~np.isnan(target)
        train, test = np.flatnonzero(train_mask & labelled), np.flatnonzero(~train_mask & labelled)
    else:
        labelled = np.flatnonzero(~np.isnan(target))
        train_part, test_part = stratified_split(target[labelled], arguments.test_share, arguments.seed)
        train, test = labelled[train_part], labelled[test_part]

    candidates = {k: v for k, v in table.items() if k not in excluded}
    findings: list[FitFinding] = split_flag_findings(candidates, arguments.split_column)
    if specs is None:
        id_findings = id_column_findings(candidates)
        findings.extend(id_findings)
        if not arguments.keep_id_columns:
            for finding in id_findings:
                if finding.kind == "excluded":
                    candidates.pop(finding.column)
    else:
        candidates = {spec.name: table[spec.name] for spec in specs}

    def fit(names: list[str]) -> FitResult:
        return fit_scorecard(
            {k: candidates[k][train] for k in names},
            target[train],
            specs=None if specs is None else [spec for spec in specs if spec.name in names],
            name=arguments.name,
            version=arguments.version,
            metadata=TrainingMetadata(dataset=arguments.data, fitted_on=datetime.date.today().isoformat()),
        )

    result = fit(list(candidates))
    leaks = leak_findings(
        result.binnings,
        {k: v[train] for k, v in candidates.items()},
        target[train],
        allowed=arguments.allow_leaks,
    )
    leaked = {finding.column for finding in leaks}
    selection = list(result.selection)
    if leaked and not arguments.allow_leaks:
        remaining = [name for name in candidates if name not in leaked]
        if not remaining:
            raise InvalidInputError(
                "data",
                sorted(leaked),
                "every candidate column is a near-certain leak of the target",
                "Check the target column, or pass --allow-leaks to fit on them anyway.",
            )
        leak_rows = [
            attrs.evolve(row, selected=False, reason="near-certain leak")
            for row in selection
            if row.name in leaked
        ]
        result = fit(remaining)
        selection = sorted([*result.selection, *leak_rows], key=lambda row: (-row.iv, row.name))
    findings = [*leaks, *findings]
    model = result.scorecard
    scores = model.score_batch({k: v[test] for k, v in candidates.items()}, rows=int(test.size)).scores
    holdout = {
        "holdout_auc": auc(scores, target[test]),
        "holdout_gini": gini(scores, target[test]),
        "holdout_ks": ks_statistic(scores, target[test]),
    }
    findings.extend(
        high_iv_findings([(row.name, row.iv, row.selected) for row in selection if row.name not in leaked])
    )
    findings.extend(holdout_auc_finding(holdout["holdout_auc"]))

    # The findings stay in the model file, so later users of the model see them too.
    metadata = attrs.evolve(
        model.metadata,
        metrics={**model.metadata.metrics, **holdout},
        notes=(*model.metadata.notes, *(str(finding) for finding in findings)),
    )
    model = attrs.evolve(model, metadata=metadata)
    save_model(model, arguments.out)
    print(f"fitted {len(model.features)} features on {train.size} rows; hold-out {test.size} rows")
    for row in selection:
        mark = "+" if row.selected else "-"
        print(f"  {mark} {row.name:<40} IV {row.iv:7.4f}  {row.reason}")
    print(
        f"hold-out AUC {holdout['holdout_auc']:.4f}  Gini {holdout['holdout_gini']:.4f}  "
        f"KS {holdout['holdout_ks']:.4f}"
    )
    for finding in findings:
        print(finding)
    print(f"model written to {arguments.out} (content hash {model.content_hash[:12]})")
    return 0
