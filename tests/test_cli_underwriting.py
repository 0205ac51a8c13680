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


def test_underwrite_csv_with_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's export with its own column names underwrites through a mapping file."""
    export = tmp_path / "export.csv"
    export.write_text(
        "Id,Firma,Land,Waehrung,Bilanzsumme,Eigenkapital,Umsatz,Gewinn,Kreditwunsch\n"
        "k1,Huber GmbH,DE,EUR,800000,300000,1500000,40000,25000\n"
        "k2,Maier KG,DE,EUR,500000,-20000,400000,-30000,25000\n"
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        '{"application_id": "Id", "legal_name": "Firma", "country": "Land", '
        '"currency": "Waehrung", '
        '"total_assets": "Bilanzsumme", "equity": "Eigenkapital", "sales": "Umsatz", '
        '"net_profit": "Gewinn", "requested_limit": "Kreditwunsch"}'
    )
    out = tmp_path / "decisions.csv"
    assert main(["underwrite", str(export), "--mapping", str(mapping), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["application_id"] for r in rows] == ["k1", "k2"]
    assert "2 applications" in capsys.readouterr().out


@pytest.mark.realdata
def test_underwrite_polish_dataset(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Polish firms go to the financial-statement model unless their statements are empty."""
    out = tmp_path / "polish.csv"
    path = data_file("polish_bankruptcy/5year.arff")
    arguments = ["underwrite", str(path), "--dataset", "polish", "--out", str(out), "--no-progress"]
    assert main(arguments) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 5910
    on_statements = sum(r["model"] == "polish-5year/1" for r in rows)
    # Firms without total assets (Attr29 missing) yield no ratios, so the firmographic model
    # scores them on the requested amount alone.
    assert on_statements >= 0.95 * len(rows)
    assert "approval rate" in capsys.readouterr().out
