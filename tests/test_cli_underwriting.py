"""The underwriting commands: demo, fit-scorecard and underwrite."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from b2bcredit.cli.main import main


def test_demo_prints_decisions(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo underwrites the sample portfolio and prints reasons and a summary."""
    assert main(["demo"]) == 0
    output = capsys.readouterr().out
    assert "KO_SANCTIONS" in output
    assert "approval rate" in output


@pytest.mark.realdata
def test_fit_and_underwrite_sba(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """fit-scorecard prints hold-out metrics; underwrite writes one row per buyer and a summary."""
    path = data_file("sba_loans_case/SBAcase.11.13.17.csv")
    model = tmp_path / "model.json"
    status = main(
        [
            "fit-scorecard",
            str(path),
            "--target",
            "Default",
            "--split-column",
            "Selected",
            "--exclude",
            "LoanNr_ChkDgt",
            "Name",
            "MIS_Status",
            "ChgOffPrinGr",
            "ChgOffDate",
            "BalanceGross",
            "--out",
            str(model),
        ]
    )
    assert status == 0
    assert "hold-out AUC" in capsys.readouterr().out
    out = tmp_path / "decisions.csv"
    assert (
        main(["underwrite", str(path), "--dataset", "sba", "--out", str(out), "--no-progress"]) == 0
    )
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2102
    assert {"decision", "score", "pd", "limit", "reasons"} <= set(rows[0])
    assert "approval rate" in capsys.readouterr().out


def test_underwrite_missing_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input file gives exit status 1 and one line on stderr."""
    assert main(["underwrite", str(tmp_path / "absent.csv"), "--out", str(tmp_path / "x.csv")]) == 1
    assert "error" in capsys.readouterr().err
