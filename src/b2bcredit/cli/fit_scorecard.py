"""``b2bcredit fit-scorecard DATA --target COLUMN --out MODEL.json``: fit and validate."""

from __future__ import annotations

import argparse
import datetime
from typing import Any

import numpy as np

from b2bcredit.core.errors import InvalidInputError
from b2bcredit.datasets.polish import load_polish_arff
from b2bcredit.datasets.records import iter_csv_records
from b2bcredit.scoring.defaults import save_model
from b2bcredit.scoring.fit import fit_scorecard
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
        "--exclude", nargs="*", default=[], help="columns that are not features (ids, dates)"
    )
    parser.add_argument(
        "--split-column", help="a 0/1 column marking training rows with 1 (else a stratified split)"
    )
    parser.add_argument(
        "--test-share", type=float, default=0.3, help="hold-out share of the stratified split"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the stratified split")
    parser.add_argument("--name", default="scorecard", help="model name recorded in the file")
    parser.add_argument("--version", default="1", help="model version recorded on every decision")
    parser.set_defaults(handler=run)


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


def run(arguments: argparse.Namespace) -> int:
    """Fit on the training rows, print hold-out AUC, Gini and KS, write the model."""
    table = _read_table(arguments.data)
    if arguments.target not in table:
        raise InvalidInputError(
            "--target",
            arguments.target,
            "no such column",
            f"Pass one of {', '.join(sorted(table)[:8])}.",
        )
    target = np.asarray(table[arguments.target], dtype=np.float64)
    excluded = {arguments.target, *arguments.exclude}
    if arguments.split_column:
        excluded.add(arguments.split_column)
        train_mask = np.asarray(table[arguments.split_column], dtype=np.float64) == 1
        labelled = ~np.isnan(target)
        train, test = np.flatnonzero(train_mask & labelled), np.flatnonzero(~train_mask & labelled)
    else:
        labelled = np.flatnonzero(~np.isnan(target))
        train_part, test_part = stratified_split(
            target[labelled], arguments.test_share, arguments.seed
        )
        train, test = labelled[train_part], labelled[test_part]
    features = {k: v for k, v in table.items() if k not in excluded}
    result = fit_scorecard(
        {k: v[train] for k, v in features.items()},
        target[train],
        name=arguments.name,
        version=arguments.version,
        metadata=TrainingMetadata(
            dataset=arguments.data, fitted_on=datetime.date.today().isoformat()
        ),
    )
    model = result.scorecard
    scores = model.score_batch(
        {k: v[test] for k, v in features.items()}, rows=int(test.size)
    ).scores
    holdout = {
        "holdout_auc": auc(scores, target[test]),
        "holdout_gini": gini(scores, target[test]),
        "holdout_ks": ks_statistic(scores, target[test]),
    }
    import attrs

    model = attrs.evolve(
        model, metadata=attrs.evolve(model.metadata, metrics={**model.metadata.metrics, **holdout})
    )
    save_model(model, arguments.out)
    print(f"fitted {len(model.features)} features on {train.size} rows; hold-out {test.size} rows")
    for row in result.selection:
        mark = "+" if row.selected else "-"
        print(f"  {mark} {row.name:<40} IV {row.iv:7.4f}  {row.reason}")
    print(
        f"hold-out AUC {holdout['holdout_auc']:.4f}  Gini {holdout['holdout_gini']:.4f}  "
        f"KS {holdout['holdout_ks']:.4f}"
    )
    print(f"model written to {arguments.out} (content hash {model.content_hash[:12]})")
    return 0
