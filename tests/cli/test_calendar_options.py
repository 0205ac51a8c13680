"""``--calendar`` and ``--roll`` move due dates of terms and schedules off non-business days."""

from __future__ import annotations

import json

import pytest

from b2bcredit.cli import main as cli_main

# Net 30 from 2024-03-01 falls on Sunday 2024-03-31. Good Friday is 2024-03-29 and Easter
# Monday 2024-04-01, public holidays in Germany and England.
TERMS = ["terms", "net 30", "--invoice-date", "2024-03-01", "--amount", "100.00", "--json"]


@pytest.mark.parametrize(
    ("options", "due"),
    [
        ([], "2024-03-31"),
        (["--calendar", "weekdays"], "2024-04-01"),
        (["--calendar", "weekdays", "--roll", "preceding"], "2024-03-29"),
        (["--calendar", "DE"], "2024-04-02"),
        (["--calendar", "de", "--roll", "preceding"], "2024-03-28"),
        (["--calendar", "DE", "--roll", "modified_following"], "2024-03-28"),
    ],
)
def test_terms_due_date_rolls(options: list[str], due: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main([*TERMS, *options]) == 0
    assert json.loads(capsys.readouterr().out)["due_date"] == due


def test_terms_text_says_which_dates_moved(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["terms", "2/10 net 30", "--invoice-date", "2024-03-01", "--amount", "100.00", "--calendar", "DE"]
    assert cli_main.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "due date: 2024-04-02 (moved from 2024-03-31, not a business day in DE; roll following)" in lines
    # The discount deadline, Monday 2024-03-11, is a business day and stays put.
    assert "discount deadline: 2024-03-11" in lines


def test_schedule_due_dates_roll(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["schedule", "--amount", "1200.00", "--rate", "0", "--periods", "3", "--start", "2024-02-29",
            "--calendar", "GB", "--roll", "modified_following", "--json"]
    assert cli_main.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["instalments"]
    assert [row["due_date"] for row in rows] == ["2024-03-28", "2024-04-30", "2024-05-31"]


def test_unknown_calendar_names_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main([*TERMS, "--calendar", "XX"]) == 1
    error = capsys.readouterr().err
    assert "--calendar: the holidays package has no calendar for this code, got 'XX'." in error


def test_roll_without_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main([*TERMS, "--roll", "following"]) == 1
    assert "--roll: a roll needs a business calendar" in capsys.readouterr().err
