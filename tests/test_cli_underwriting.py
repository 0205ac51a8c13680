"""The underwriting commands: demo, fit-scorecard and underwrite."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from b2bcredit.cli.main import main
from b2bcredit.datasets.records import FLAT_FIELDS


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
    # Firms without total assets (Attr29 missing) yield no ratios, so they are referred for
    # insufficient data (recorded under the first model) instead of being scored.
    assert on_statements >= 0.95 * len(rows)
    assert "approval rate" in capsys.readouterr().out


@pytest.mark.realdata
def test_fit_dataset_model_underwrites_polish(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model fitted with --dataset polish scores the applications underwrite builds."""
    path = data_file("polish_bankruptcy/5year.arff")
    model = tmp_path / "m.json"
    fit = ["fit-scorecard", str(path), "--dataset", "polish", "--target", "class", "--out", str(model)]
    assert main(fit) == 0
    out = tmp_path / "d.csv"
    arguments = ["underwrite", str(path), "--dataset", "polish", "--model", str(model), "--out", str(out)]
    assert main([*arguments, "--no-progress"]) == 0
    rows = list(csv.DictReader(out.open()))
    decided = [row["decision"] for row in rows]
    assert decided.count("approved") > 0.3 * len(rows)
    assert decided.count("declined") < 0.5 * len(rows)


@pytest.mark.realdata
def test_fit_dataset_model_underwrites_sba(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = data_file("sba_loans_case/SBAcase.11.13.17.csv")
    model = tmp_path / "m.json"
    fit = ["fit-scorecard", str(path), "--dataset", "sba", "--target", "Default", "--split-column", "Selected"]
    assert main([*fit, "--out", str(model)]) == 0
    out = tmp_path / "d.csv"
    arguments = ["underwrite", str(path), "--dataset", "sba", "--model", str(model), "--out", str(out)]
    assert main([*arguments, "--no-progress"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert {row["model"] for row in rows} == {"scorecard/1"}
    assert not any("R_INSUFFICIENT_DATA" in row["reason_codes"] for row in rows)


@pytest.mark.realdata
def test_fit_sba_dataset_splits_on_selected(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --split-column the SBA case study trains on its Selected loans, as its help states."""
    path = data_file("sba_loans_case/SBAcase.11.13.17.csv")
    fit = ["fit-scorecard", str(path), "--dataset", "sba", "--target", "Default", "--out", str(tmp_path / "m.json")]
    assert main(fit) == 0
    printed = capsys.readouterr().out
    assert "split: the SBA file's Selected column (1 = training, 0 = hold-out)" in printed
    assert "on 1051 rows; hold-out 1051 rows" in printed


@pytest.mark.realdata
def test_raw_column_model_rejected_by_underwrite(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model on raw columns (Attr21) is rejected loudly instead of declining every buyer."""
    path = data_file("polish_bankruptcy/5year.arff")
    model = tmp_path / "raw.json"
    assert main(["fit-scorecard", str(path), "--target", "class", "--out", str(model)]) == 0
    capsys.readouterr()
    out = tmp_path / "d.csv"
    arguments = ["underwrite", str(path), "--dataset", "polish", "--model", str(model), "--out", str(out)]
    assert main([*arguments, "--no-progress"]) == 1
    error = capsys.readouterr().err
    assert "model scorecard needs features Attr" in error
    assert "the input supplies none of them" in error
    assert "--dataset polish" in error


def _leaky_table(tmp_path: Path) -> Path:
    """A table with an id, a name, a split flag and a status recorded after the outcome.

    Employees is informative but overlaps between goods and bads (IV about 2), as a genuine
    predictor does.
    """
    lines = ["LoanId,Name,Selected,Status,Employees,Default"]
    for i in range(400):
        bad = int(i % 5 == 0)
        employees = (i * 7) % 30 + (0 if bad else 2)
        lines.append(f"{100000 + i},Firm {i},{int(i % 2 == 0)},{'CHGOFF' if bad else 'PIF'},{employees},{bad}")
    path = tmp_path / "loans.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_reports_leakage_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ids and names are excluded, a leak is named apart and left out, the split flag hinted."""
    model = tmp_path / "m.json"
    assert main(["fit-scorecard", str(_leaky_table(tmp_path)), "--target", "Default", "--out", str(model)]) == 0
    output = capsys.readouterr().out
    assert "excluded: LoanId is near-unique" in output
    assert "excluded: Name is near-unique" in output
    assert "leak: Status separates goods and bads almost perfectly" in output
    assert "pass --allow-leaks to keep it" in output
    assert "- Status" in output
    assert "near-certain leak" in output
    assert "warning: Status has IV" not in output
    assert "hold-out AUC 1.0000" not in output
    assert "pass --split-column Selected" in output
    saved = json.loads(model.read_text())
    assert [feature["binning"]["spec"]["name"] for feature in saved["features"]] == ["Employees"]
    notes = saved["metadata"]["notes"]
    assert any(note.startswith("excluded: LoanId") for note in notes)
    assert any(note.startswith("leak: Status") for note in notes)


def test_fit_allow_leaks_keeps_leak(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --allow-leaks the leak stays a candidate, is still named, and AUC 1 is warned."""
    model = tmp_path / "m.json"
    arguments = ["fit-scorecard", str(_leaky_table(tmp_path)), "--target", "Default", "--out", str(model)]
    assert main([*arguments, "--allow-leaks"]) == 0
    output = capsys.readouterr().out
    assert "leak: Status separates goods and bads" in output
    assert "It is kept as a candidate because --allow-leaks was given" in output
    assert "+ Status" in output
    assert "warning: hold-out AUC 1.0000" in output
    saved = json.loads(model.read_text())
    assert "Status" in [feature["binning"]["spec"]["name"] for feature in saved["features"]]


@pytest.mark.realdata
def test_fit_sba_status_is_leak(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the raw SBA file the loan status and charge-off columns are leaks and stay out."""
    path = data_file("sba_loans_case/SBAcase.11.13.17.csv")
    model = tmp_path / "m.json"
    arguments = ["fit-scorecard", str(path), "--target", "Default", "--split-column", "Selected"]
    assert main([*arguments, "--out", str(model)]) == 0
    output = capsys.readouterr().out
    assert "leak: MIS_Status separates goods and bads" in output
    assert "leak: ChgOffDate separates goods and bads" in output
    names = [feature["binning"]["spec"]["name"] for feature in json.loads(model.read_text())["features"]]
    assert "MIS_Status" not in names
    assert "ChgOffDate" not in names


def test_fit_only_leaks_is_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A table whose only candidate is a leak stops with an error naming it."""
    arguments = ["fit-scorecard", str(_leaky_table(tmp_path)), "--target", "Default", "--out", str(tmp_path / "m")]
    assert main([*arguments, "--exclude", "Employees", "Selected"]) == 1
    error = capsys.readouterr().err
    assert "every candidate column is a near-certain leak of the target" in error
    assert "Status" in error


def test_fit_exclude_removes_leak(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m.json"
    arguments = ["fit-scorecard", str(_leaky_table(tmp_path)), "--target", "Default", "--out", str(model)]
    assert main([*arguments, "--exclude", "Status", "--split-column", "Selected"]) == 0
    output = capsys.readouterr().out
    assert "Status" not in output
    assert "hold-out AUC 1.0000" not in output
    assert "--split-column Selected" not in output


def test_fit_exclude_unknown_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["fit-scorecard", str(_leaky_table(tmp_path)), "--target", "Default", "--out", str(tmp_path / "m")]
    assert main([*arguments, "--exclude", "Stat"]) == 1
    assert "--exclude: no such column in the data, got 'Stat'" in capsys.readouterr().err


@pytest.mark.realdata
def test_underwrite_sba_defaults_approve_with_reasons(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SBA loans get a limit basis from GrAppv, keep their loan number and never hear the amount."""
    path = data_file("sba_loans_case/SBAcase.11.13.17.csv")
    out = tmp_path / "d.csv"
    assert main(["underwrite", str(path), "--dataset", "sba", "--out", str(out), "--no-progress"]) == 0
    rows = list(csv.DictReader(out.open()))
    loan_numbers = [row["LoanNr_ChkDgt"] for row in csv.DictReader(path.open(encoding="utf-8-sig"))]
    assert [row["application_id"] for row in rows] == loan_numbers
    assert sum(row["decision"] == "approved" for row in rows) > 0.2 * len(rows)
    assert not any("R_NO_LIMIT_BASIS" in row["reason_codes"] for row in rows)
    assert not any("R_REQUESTED_AMOUNT" in row["reason_codes"] for row in rows)
    assert not any("scores 0 points" in row["reasons"] for row in rows)


@pytest.mark.realdata
def test_underwrite_polish_without_statements_referred(
    data_file: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Firms with no usable statements are referred for insufficient data, not scored on nothing."""
    out = tmp_path / "polish.csv"
    path = data_file("polish_bankruptcy/5year.arff")
    assert main(["underwrite", str(path), "--dataset", "polish", "--out", str(out), "--no-progress"]) == 0
    rows = list(csv.DictReader(out.open()))
    assert not any(row["model"].startswith("sba-firmographic") for row in rows)
    insufficient = [row for row in rows if row["reason_codes"] == "R_INSUFFICIENT_DATA"]
    assert insufficient
    assert all(row["decision"] == "referred" for row in insufficient)
    assert "needs features" in insufficient[0]["reasons"]


_FLAT_HEADER = "application_id,legal_name,country,naics_code,employees,years_in_business,currency,requested_limit"


def _mixed_csv(tmp_path: Path) -> Path:
    """Three flat applications; row 3 has a one-digit NAICS code."""
    path = tmp_path / "mixed.csv"
    path.write_text(
        f"{_FLAT_HEADER}\n"
        "m1,Coast Rentals,US,531311,4,6,USD,20000\n"
        "m2,Bay Leasing,US,532420,25,12,USD,40000\n"
        "m3,Harbor Homes,US,5,3,8,USD,10000\n"
    )
    return path


def test_invalid_row_named_in_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.csv"
    assert main(["underwrite", str(_mixed_csv(tmp_path)), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "row 3 (application_id m3) naics_code:" in error
    assert "'5'" in error


def test_skip_invalid_writes_valid_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--skip-invalid decides the valid rows and lists the invalid ones with their messages."""
    out = tmp_path / "d.csv"
    assert main(["underwrite", str(_mixed_csv(tmp_path)), "--out", str(out), "--skip-invalid"]) == 0
    assert [row["application_id"] for row in csv.DictReader(out.open())] == ["m1", "m2"]
    output = capsys.readouterr().out
    assert f"1 invalid row skipped, listed in {out}.invalid.csv:" in output
    assert "row 3 (application_id m3) naics_code:" in output
    sidecar = list(csv.DictReader(Path(f"{out}.invalid.csv").read_text(encoding="utf-8").splitlines()))
    assert [(row["row"], row["application_id"]) for row in sidecar] == [("3", "m3")]
    assert "naics_code" in sidecar[0]["error"]


@pytest.mark.parametrize("content", ["", f"{_FLAT_HEADER}\n"])
def test_underwrite_empty_input_rejected(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "empty.csv"
    data.write_text(content)
    out = tmp_path / "d.csv"
    assert main(["underwrite", str(data), "--out", str(out)]) == 1
    assert "the file has no data rows" in capsys.readouterr().err
    assert not out.exists()


def test_underwrite_rejects_bad_application_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed --application-date is rejected even when every row has its own date."""
    data = tmp_path / "dated.csv"
    data.write_text(f"{_FLAT_HEADER},application_date\nm1,Coast Rentals,US,531311,4,6,USD,20000,2024-03-01\n")
    arguments = ["underwrite", str(data), "--out", str(tmp_path / "d.csv"), "--application-date", "2024/01/01"]
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    assert "invalid date '2024/01/01': write it as YYYY-MM-DD" in capsys.readouterr().err


def test_underwrite_application_date_applies(tmp_path: Path) -> None:
    data = tmp_path / "undated.csv"
    data.write_text(f"{_FLAT_HEADER}\nm1,Coast Rentals,US,531311,4,6,USD,20000\n")
    out = tmp_path / "d.csv"
    assert main(["underwrite", str(data), "--out", str(out), "--application-date", "2024-03-01"]) == 0
    assert [row["application_id"] for row in csv.DictReader(out.open())] == ["m1"]


_REPOSITORY = Path(__file__).resolve().parents[1]


def test_flat_columns_documented(capsys: pytest.CaptureFixture[str]) -> None:
    """Every flat column is in the docs' table and the help, and the example file uses only them."""
    docs = (_REPOSITORY / "docs" / "underwriting.md").read_text(encoding="utf-8")
    table = docs.split("### Flat CSV columns", 1)[1].split("\n## ", 1)[0]
    for field in FLAT_FIELDS:
        assert f"`{field}`" in table, field
    with pytest.raises(SystemExit):
        main(["underwrite", "--help"])
    help_text = capsys.readouterr().out
    assert "docs/underwriting.md" in help_text
    assert "worst_days_beyond_terms_12m" in help_text
    example = _REPOSITORY / "examples" / "buyers.csv"
    header = example.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert set(header) <= set(FLAT_FIELDS)


def test_example_buyers_underwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.csv"
    assert main(["underwrite", str(_REPOSITORY / "examples" / "buyers.csv"), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [row["application_id"] for row in rows] == ["b-001", "b-002", "b-003", "b-004"]
    assert rows[3]["reason_codes"].startswith("KO_STATUS")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"country": None}, "country: missing, got None. Add the column country, or fill it in this row."),
        ({"currency": "XYZ"}, "currency: not an active ISO 4217 currency code, got 'XYZ'."),
        ({"requested_limit": "50000.123"}, "Write the amount with fewer decimal places."),
    ],
)
def test_flat_row_errors_name_columns(
    change: dict[str, str | None], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Errors in a flat CSV name its columns, not the nested fields behind them."""
    source = Path(__file__).parents[1] / "examples" / "buyers.csv"
    with source.open(newline="") as handle:
        row = next(csv.DictReader(handle))
    for column, value in change.items():
        if value is None:
            row.pop(column)
        else:
            row[column] = value
    data = tmp_path / "one.csv"
    with data.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    assert main(["underwrite", str(data), "--out", str(tmp_path / "d.csv"), "--no-progress"]) == 1
    error = capsys.readouterr().err
    assert "row 1 (application_id b-001) " in error
    assert message in error
    assert "firmographics." not in error


def test_fit_text_target_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(__file__).parents[1] / "examples" / "buyers.csv"
    assert main(["fit-scorecard", str(source), "--target", "sanctions_hit", "--out", str(tmp_path / "m.json")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "--target: the column must hold 0 and 1, got \"sanctions_hit = 'false'\"" in error


def test_semicolon_csv_gets_a_separator_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "semi.csv"
    data.write_text("application_id;legal_name;country\nx1;Acme;DE\n", encoding="utf-8")
    assert main(["underwrite", str(data), "--out", str(tmp_path / "d.csv"), "--no-progress"]) == 1
    assert "The header looks separated by ';', not commas" in capsys.readouterr().err
