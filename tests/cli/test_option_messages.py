"""Command-line errors name the option, the text typed and what to type instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from b2bcredit.cli import main as cli_main
from b2bcredit.core.errors import InvalidInputError
from b2bcredit.core.money import Money
from b2bcredit.terms.facade import instalment_schedule, quote_terms
from b2bcredit.terms.schedule import RateAboveMaximumError

SCHEDULE = ["schedule", "--start", "2024-01-15"]


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli_main.main(argv) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    return error


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--amount", "-2500", "--rate", "8", "--periods", "12"],
         "--amount: must be positive, got '-2500'. Pass a positive amount"),
        (["--amount", "0", "--rate", "8", "--periods", "12"], "--amount: must be positive, got '0'."),
        (["--amount", "2500", "--rate", "-8", "--periods", "12"],
         "--rate: must not be negative, got '-8'. Pass the nominal annual rate in percent, such as 8.24."),
        (["--amount", "2500", "--rate", "8", "--periods", "0"],
         "--periods: expected a whole number of at least 1, got '0'. Pass a whole number of instalments"),
        (["--amount", "2500", "--rate", "800", "--periods", "12"],
         "--rate: is above the maximum of 100 % a year, got '800'. Rates are percent on the command line"),
    ],
)
def test_schedule_errors_name_options(options: list[str], expected: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    error = _error([*SCHEDULE, *options], capsys)
    assert expected in error
    assert "down_payment" not in error
    assert "0.12" not in error
    assert "Pass an int" not in error


def test_schedule_high_rate_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*SCHEDULE, "--amount", "2500", "--rate", "800", "--periods", "12", "--allow-high-rate"]
    assert cli_main.main(argv) == 0
    assert "APR" in capsys.readouterr().out


def test_api_rejects_percent_as_fraction() -> None:
    with pytest.raises(RateAboveMaximumError) as caught:
        instalment_schedule(Money("2500.00", "EUR"), "8.24", 12, date(2024, 1, 15))
    message = str(caught.value)
    assert message.startswith("annual_rate: is above the maximum of 100 % a year, got '8.24'.")
    assert "fractions of one in the API" in message
    assert "percent on the command line" in message


def test_api_high_rate_opt_in() -> None:
    schedule = instalment_schedule(Money("2500.00", "EUR"), "8.24", 12, date(2024, 1, 15), allow_high_rate=True)
    assert schedule.totals.principal == Money("2500.00", "EUR")


def test_api_rejects_non_positive_amount() -> None:
    with pytest.raises(InvalidInputError, match=r"^amount: must be positive, got '-2500.00'"):
        instalment_schedule(Money("-2500.00", "EUR"), "0.08", 12, date(2024, 1, 15))


def test_api_missing_order_date_message() -> None:
    with pytest.raises(InvalidInputError) as caught:
        quote_terms("CIA", Money("100.00", "EUR"), date(2024, 3, 1))
    assert str(caught.value) == (
        "order_date: the terms count from the order date but it is missing, got None. Pass the sale's order date."
    )


def test_terms_missing_order_date_names_option(capsys: pytest.CaptureFixture[str]) -> None:
    error = _error(["terms", "CIA", "--invoice-date", "2024-03-01", "--amount", "100.00"], capsys)
    assert "--order-date: the terms count from the order date but it is missing" in error
    assert "Pass --order-date YYYY-MM-DD." in error
    assert "TermsDates" not in error


def _lines(tmp_path: Path) -> Path:
    source = tmp_path / "lines.csv"
    source.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "1,A,MUG,2,2012-01-03 10:00,2.50,100,France\n"
        "2,A,MUG,2,2012-02-03 10:00,2.50,100,France\n"
        "3,A,MUG,2,2012-02-04 10:00,2.50,101,France\n"
    )
    return source


def test_segment_window_start_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["segment", str(_lines(tmp_path)), "--out", str(tmp_path / "c.csv"), "--window-start", "2012-01-01",
            "--clusters", "1", "--no-clv"]
    assert cli_main.main(argv) == 0
    assert "evaluation window: [2012-01-01, 2012-02-05)" in capsys.readouterr().out


def test_segment_reversed_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["segment", str(_lines(tmp_path)), "--out", str(tmp_path / "c.csv"), "--window-start", "2012-03-01",
            "--window-end", "2012-01-01"]
    error = _error(argv, capsys)
    assert "--window-end: must be after start 2012-03-01, got '2012-01-01'." in error
    assert "datetime" not in error


def test_segment_window_date_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["segment", str(_lines(tmp_path)), "--out", str(tmp_path / "c.csv"), "--window-start", "01/12/2010"]
    with pytest.raises(SystemExit):
        cli_main.main(argv)
    assert "invalid date '01/12/2010': write it as YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "option", "default"),
    [
        ("schedule", "--rounding", "(default HALF_EVEN)"),
        ("schedule", "--frequency", "(default monthly)"),
        ("schedule", "--multiple", "(default: the minor unit)"),
        ("segment", "--seed", "(default: 20111209)"),
        ("terms", "--year-days", "annualise the cost of skipping the discount (default 365)"),
    ],
)
def test_help_gives_defaults(command: str, option: str, default: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main.main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    text = text[text.index("options:"):]
    after = text[text.index(option + " "):]
    assert default in after[:300]
