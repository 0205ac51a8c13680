"""Refit the shipped default scorecards from the public data and rewrite their model files.

Usage: ``B2BCREDIT_DATA=/path/to/data python scripts/refit_default_models.py [--fitted-on YYYY-MM-DD]``.
The files land in ``src/b2bcredit/scoring/models/``; the content hash changes only when
the fitted parameters do.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from b2bcredit.datasets.paths import find_data_file
from b2bcredit.scoring.defaults import fit_polish_default, fit_sba_default, save_model

MODELS = Path(__file__).resolve().parents[1] / "src" / "b2bcredit" / "scoring" / "models"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fitted-on",
        default=datetime.date.today().isoformat(),
        help="date recorded in the model metadata (default today)",
    )
    arguments = parser.parse_args(argv)
    fits = [
        (
            "polish-5year.json",
            fit_polish_default(find_data_file("polish_bankruptcy/5year.arff"), arguments.fitted_on),
        ),
        (
            "sba-firmographic.json",
            fit_sba_default(
                find_data_file("sba_loans_case/SBAcase.11.13.17.csv"), arguments.fitted_on
            ),
        ),
    ]
    for file_name, result in fits:
        save_model(result.scorecard, MODELS / file_name)
        metrics = result.scorecard.metadata.metrics
        print(
            f"{file_name}: {len(result.scorecard.features)} features, hold-out AUC {metrics['holdout_auc']:.4f}, "
            f"Gini {metrics['holdout_gini']:.4f}, KS {metrics['holdout_ks']:.4f}, hash "
            f"{result.scorecard.content_hash[:12]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
