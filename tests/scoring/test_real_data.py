"""Real data: the default scorecards' hold-out AUC and the shipped files' reproducibility."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from b2bcredit.scoring.defaults import fit_polish_default, fit_sba_default, load_default_models

pytestmark = pytest.mark.realdata


def test_polish_default_holdout_auc(data_file: Callable[[str], Path]) -> None:
    """The Polish financial-statement scorecard reaches hold-out AUC 0.78 or more.

    Floor: the twelve ratios derivable from an application's statements measured 0.807 on
    the stratified 30 % hold-out (seed 42). The floor 0.78 leaves room for platform
    differences in the optimiser but still fails a model that lost a strong ratio.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_polish_default(data_file("polish_bankruptcy/5year.arff"))
    assert result.scorecard.metadata.metrics["holdout_auc"] >= 0.78


def test_sba_default_validation_auc(data_file: Callable[[str], Path]) -> None:
    """The SBA firmographic scorecard reaches validation AUC 0.74 or more on Selected = 0.

    Floor: measured 0.791 on the authors' validation half. Five firmographic features of
    one state and one industry cannot do much better, and 0.74 still fails a model that
    lost the amount or the employee count.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_sba_default(data_file("sba_loans_case/SBAcase.11.13.17.csv"))
    assert result.scorecard.metadata.metrics["holdout_auc"] >= 0.74


def test_refit_matches_shipped_models(data_file: Callable[[str], Path]) -> None:
    """Refitting on the public data reproduces the shipped model files' content hashes."""
    shipped = {model.name: model for model in load_default_models()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refits = [
            fit_polish_default(data_file("polish_bankruptcy/5year.arff")).scorecard,
            fit_sba_default(data_file("sba_loans_case/SBAcase.11.13.17.csv")).scorecard,
        ]
    for refit in refits:
        assert refit.content_hash == shipped[refit.name].content_hash, refit.name
        assert (
            refit.metadata.metrics["holdout_auc"]
            == shipped[refit.name].metadata.metrics["holdout_auc"]
        )
